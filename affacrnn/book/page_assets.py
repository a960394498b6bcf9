"""The HTML book's own assets: fetched once for offline reading, and each loaded once a page.

**Offline.** :func:`fetch_widget_js` fetches, with ``npm pack`` (the npm registry, or the mirror
npm is configured for), what the pages load: ``require.js`` and ``@jupyter-widgets/html-manager``'s
``embed-amd.js`` (the ipywidgets embedder), MathJax and its fonts into ``book/_static/vendor/``,
and the widgets' icon fonts into ``book/_extra/`` (both git-ignored). The icon fonts go where the
embedder looks for them, which is not ``_static``: its webpack public path is the folder of its
AMD module, ``@jupyter-widgets/html-manager/dist/`` (and ``@jupyter-widgets/`` for the controls)
beside the page; ``html_extra_path: [_extra]`` puts them there. Without them every page asked for
``….woff2``, ``….woff``, ``….ttf`` in turn and logged three "file not found" errors.

**Once.** Jupyter Book 1 builds the pages with two scripts twice, and a reader's browser console showed
an error on every page for each:

* sphinx-thebe (switched off in ``_config.yml``, but always loaded by Jupyter Book) adds its
  inline configuration once per read of the sources, and Jupyter Book reads them twice:
  ``Identifier 'THEBE_JS_URL' has already been declared``;
* Jupyter Book adds every ``*.js`` under ``_static`` to every page, so the vendored MathJax
  (``_static/vendor/mathjax``) is loaded by that list *and* by Sphinx's math extension on a page
  with equations; the second copy fails to merge with the first:
  ``Cannot set property Package of #<Object> which has only a getter``.

:func:`one_of_each` runs last among the ``html-page-context`` handlers and keeps the first of
every script that has the same file (its ``?v=`` checksum aside) or the same inline body.
No setting of Jupyter Book, sphinx-thebe or Sphinx turns either duplicate off, hence this hook.
``book/_config.yml`` names the extension (``sphinx: extra_extensions``); the browser test fails
on any console error of a built page.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from affacrnn._io import atomic_write_bytes
from affacrnn.errors import AffacrnnError
from affacrnn.settings import REPO_ROOT

__all__ = ["WIDGET_JS_PACKAGES", "fetch_widget_js", "one_of_each", "setup"]

#: npm packages whose files the HTML book serves so it works offline: package spec ->
#: {file, folder (ending in ``/``) or glob (``*``) inside the package: where under ``book/`` it goes,
#: one path or several (a folder, ending in ``/``, for a folder or a glob)}.
#: ``@jupyter-widgets/html-manager`` 1.0.x is the embedder for ipywidgets 8; MathJax renders
#: ``$...$`` math (its fonts are looked up next to the script).
WIDGET_JS_PACKAGES: dict[str, dict[str, str | tuple[str, ...]]] = {
    "@jupyter-widgets/html-manager@1.0.15": {
        "dist/embed-amd.js": "_static/vendor/embed-amd.js",
        # Font Awesome, for the widgets' icons; modern browsers take the woff2, older ones the woff
        "dist/*.woff2": ("_extra/@jupyter-widgets/html-manager/dist/", "_extra/@jupyter-widgets/"),
        "dist/*.woff": ("_extra/@jupyter-widgets/html-manager/dist/", "_extra/@jupyter-widgets/"),
    },
    "requirejs@2.3.8": {"require.js": "_static/vendor/require.js"},
    "mathjax@3.2.2": {
        "es5/tex-mml-chtml.js": "_static/vendor/mathjax/tex-mml-chtml.js",
        "es5/output/chtml/fonts/woff-v2/": "_static/vendor/mathjax/output/chtml/fonts/woff-v2/",
    },
}


def _targets(name: str | tuple[str, ...]) -> tuple[str, ...]:
    return (name,) if isinstance(name, str) else name


def _present(root: Path, target: str) -> bool:
    path = root / target
    if target.endswith("/"):
        return path.is_dir() and any(path.iterdir())
    return path.is_file() and path.stat().st_size > 0


def _members(tar: tarfile.TarFile, inner: str) -> dict[str, tarfile.TarInfo]:
    """The package's files that ``inner`` names: {path after the folder or glob's folder: member}."""
    files = {m.name: m for m in tar.getmembers() if m.isfile()}
    prefix = f"package/{inner}"
    if "*" in inner:
        folder = prefix.rsplit("/", 1)[0] + "/"
        return {k[len(folder):]: m for k, m in files.items() if fnmatch.fnmatch(k, prefix) and "/" not in k[len(folder):]}
    if inner.endswith("/"):
        return {k[len(prefix):]: m for k, m in files.items() if k.startswith(prefix)}
    return {"": files[prefix]} if prefix in files else {}


def fetch_widget_js(book_dir: str | os.PathLike | None = None, *, force: bool = False) -> list[Path]:
    """Put the HTML book's scripts and fonts (:data:`WIDGET_JS_PACKAGES`) under ``book_dir``.

    Parameters
    ----------
    book_dir : path-like, optional
        The book's folder (default ``book/`` of the checkout).
    force : bool
        Fetch again even when every file is present.

    Returns
    -------
    list of pathlib.Path
        What the book serves, e.g. ``book/_static/vendor/require.js`` and ``book/_extra/@jupyter-widgets/``.

    Raises
    ------
    AffacrnnError
        ``npm`` is missing or a package cannot be fetched; the message says what to do.
    """
    root = Path(book_dir) if book_dir is not None else REPO_ROOT / "book"
    targets = sorted({t for files in WIDGET_JS_PACKAGES.values() for name in files.values() for t in _targets(name)})
    wanted = [root / t for t in targets]
    if not force and all(_present(root, t) for t in targets):
        return wanted
    npm = shutil.which("npm")
    if npm is None:
        raise AffacrnnError(
            "npm not found: the HTML book serves the ipywidgets scripts from the npm packages "
            f"{', '.join(WIDGET_JS_PACKAGES)}. Install Node.js (npm), or copy their files into {root / '_static' / 'vendor'}."
        )
    with tempfile.TemporaryDirectory(prefix="affacrnn-npm-") as tmp:
        for spec, files in WIDGET_JS_PACKAGES.items():
            proc = subprocess.run([npm, "pack", "--silent", spec], cwd=tmp, capture_output=True, text=True, timeout=300)
            if proc.returncode != 0:
                raise AffacrnnError(
                    f"npm pack {spec} failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}. "
                    "Check that the npm registry is reachable (npm config get registry)."
                )
            with tarfile.open(Path(tmp) / proc.stdout.strip().splitlines()[-1]) as tar:
                for inner, name in files.items():
                    found = _members(tar, inner)
                    if not found:
                        raise AffacrnnError(f"npm package {spec} has no {inner}; update WIDGET_JS_PACKAGES.")
                    for target in _targets(name):
                        for rest, member in found.items():
                            atomic_write_bytes(root / target / rest if rest else root / target,
                                               tar.extractfile(member).read())
    return wanted


def _key(script: Any) -> tuple[str, str]:
    name = str(getattr(script, "filename", script) or "")
    body = str(getattr(script, "attributes", {}).get("body", ""))
    return (name.split("?", 1)[0], "") if name else ("", body)


def one_of_each(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Replace the page's ``script_files`` with the same list, each script once (the first kept).

    A new list, not an edit in place: Sphinx hands every page the builder's own list.
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, str]] = set()
    kept = []
    for script in scripts:
        key = _key(script)
        if key != ("", "") and key in seen:
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept


def setup(app: Any) -> dict[str, Any]:
    """Register :func:`one_of_each` after every other handler (priority 900)."""
    app.connect("html-page-context", one_of_each, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
