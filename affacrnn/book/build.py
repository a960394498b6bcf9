"""The Jupyter book in ``book/``: list, execute and build its chapters.

The book is a folder of notebooks, one per section of the paper, read in file-name order
(``01_preface.ipynb``, ``02_listen.ipynb``, ...). Every chapter's first code cell is tagged
``parameters`` (papermill) and holds what a run can vary: ``SMOKE``, ``CORPUS``, ``EPOCHS``,
``SEED``, ``SHOW_SOLUTIONS``.

Building is two steps, so no chapter is executed twice:

1. :func:`run_chapters` executes every chapter with papermill (smoke parameters by default; the
   engine of :mod:`affacrnn.book.engine`) into an output folder; a failing cell raises naming it.
2. :func:`build_html` builds the HTML book (Jupyter Book 1.x, Sphinx) from those executed
   notebooks without executing anything (``execute_notebooks: off`` in a staged copy of ``book/``),
   with ``-W -n --keep-going``, so a warning fails the build.

The HTML book works offline: its scripts and fonts (the ipywidgets embedder, MathJax) are
fetched once from the npm registry by :func:`affacrnn.book.page_assets.fetch_widget_js`;
:func:`external_references` lists any ``<script src>`` / ``<link href>`` that would still reach
the network (the tests require none). The command line: ``affacrnn book --run/--html OUT``, ``--lab``.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from affacrnn._io import atomic_write_bytes
from affacrnn.book.engine import register
from affacrnn.book.page_assets import WIDGET_JS_PACKAGES, fetch_widget_js
from affacrnn.book.times import read_times
from affacrnn.book.kernel import CHECK_FIGURES_ENV, kernel_environment
from affacrnn.errors import AffacrnnError, OutputError, ParameterError
from affacrnn.settings import REPO_ROOT, data_root

__all__ = [
    "BOOK_DIR", "SMOKE_PARAMETERS", "SMOKE_CELL_TIMEOUT", "WIDGET_JS_PACKAGES", "ChapterRun", "chapters", "run_chapter",
    "run_chapters", "trains_live", "lanes", "fetch_widget_js", "build_html", "external_references", "lab_command", "book_kernel",
    "ensure_lab_settings", "LAB_OVERRIDES",
]

#: The book's source folder (notebooks, ``_config.yml``, ``_toc.yml``).
BOOK_DIR = REPO_ROOT / "book"

#: Parameters papermill passes in smoke mode (each chapter then runs in well under 2 minutes).
SMOKE_PARAMETERS: dict[str, Any] = {"SMOKE": True}
#: Seconds one cell may run in a smoke run before the chapter fails (the slowest smoke cell takes
#: about a minute on 2 cores): a hang in the kernel or the Jupyter client then fails the run,
#: naming the cell, instead of stopping CI. Full runs have no limit.
SMOKE_CELL_TIMEOUT = 900

_CHAPTER = re.compile(r"^\d\d_.+\.ipynb$")
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


@dataclass(frozen=True)
class ChapterRun:
    """One executed chapter: its source, the executed copy, and the seconds it took."""

    chapter: Path
    output: Path
    seconds: float


def chapters(book_dir: str | os.PathLike | None = None) -> list[Path]:
    """The chapter notebooks in reading order (``NN_name.ipynb`` sorted by name).

    Parameters
    ----------
    book_dir : path-like, optional
        The book folder (default :data:`BOOK_DIR`).

    Returns
    -------
    list of pathlib.Path
    """
    folder = Path(book_dir) if book_dir is not None else BOOK_DIR
    return sorted(p for p in folder.glob("*.ipynb") if _CHAPTER.match(p.name))


def _parameters(smoke: bool, parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"SMOKE": bool(smoke)}
    out.update(parameters or {})
    return out


@contextlib.contextmanager
def book_kernel():
    """Run papermill's kernels through :mod:`affacrnn.book.kernel` (the ``python3`` spec it writes,
    first on ``JUPYTER_PATH``): no TensorFlow start-up lines in the chapters, numba's cache
    prepared under affacrnn's lock, figures drawn inline even when the caller set ``MPLBACKEND``
    (CI sets ``Agg``; the spec's environment overrides it), and every figure checked for overlapping
    text as it is drawn (:mod:`affacrnn.book.figure_check`)."""

    new = {"JUPYTER_PATH": kernel_environment()["JUPYTER_PATH"], CHECK_FIGURES_ENV: "1"}
    old = {name: os.environ.get(name) for name in new}
    os.environ.update(new)
    try:
        yield
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_chapter(
    chapter: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    smoke: bool = True,
    parameters: Mapping[str, Any] | None = None,
    progress: bool = False,
    kernel_name: str | None = None,
    cell_timeout: float | None = None,
) -> ChapterRun:
    """Execute one chapter with papermill into ``out_dir`` (same file name).

    The notebook runs with the book folder as its working directory. A failing cell raises
    :class:`AffacrnnError` whose message names the chapter and papermill's account of the cell
    (``An Exception was encountered at 'In [n]'`` and the traceback); the executed copy, with
    the error in it, is still written.

    Parameters
    ----------
    chapter : path-like
        A notebook of the book.
    out_dir : path-like
        Folder for the executed copy (created).
    smoke : bool
        Pass ``SMOKE=True`` (fast, for CI) or ``SMOKE=False`` (the full chapter).
    parameters : mapping, optional
        More parameters for the ``parameters`` cell (``CORPUS``, ``SEED``, ``SHOW_SOLUTIONS`` ...).
    progress : bool
        Show papermill's per-cell progress bar.
    kernel_name : str, optional
        Jupyter kernel (default: the one in the notebook's metadata, ``python3``).
    cell_timeout : float, optional
        Seconds one cell may run; default :data:`SMOKE_CELL_TIMEOUT` in smoke runs, none in full
        ones. A cell over it fails the chapter with :class:`AffacrnnError`.
    """
    import papermill as pm

    chapter = Path(chapter)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / chapter.name
    timeout = cell_timeout if cell_timeout is not None else (SMOKE_CELL_TIMEOUT if smoke else None)
    start = time.perf_counter()
    try:
        with book_kernel():
            pm.execute_notebook(
                str(chapter),
                str(target),
                parameters=_parameters(smoke, parameters),
                cwd=str(chapter.parent),
                progress_bar=progress,
                kernel_name=kernel_name,
                execution_timeout=timeout,
                engine_name=register(),  # papermill's engine, without nbclient's lost wake-up (engine.py)
            )
    except pm.PapermillExecutionError as exc:
        raise AffacrnnError(f"chapter {chapter.name}: {exc}") from exc
    except TimeoutError as exc:  # nbclient's CellTimeoutError
        raise AffacrnnError(
            f"chapter {chapter.name}: a cell ran longer than {timeout:g} s ({str(exc).splitlines()[0]}); "
            "the executed copy shows which one. Run it in JupyterLab to see where it waits."
        ) from exc
    return ChapterRun(chapter, target, time.perf_counter() - start)


def trains_live(chapter: str | os.PathLike) -> str | None:
    """The model a chapter trains as it runs (its metadata's ``"affacrnn": {"trains": NAME}``), or None.

    Chapters that train the same model (chapters 8, 10 and 11: the lesson AFF-ACRNN) load it from
    the first one that did (``train(..., reuse=True)``).
    """
    meta = json.loads(Path(chapter).read_text(encoding="utf-8")).get("metadata", {})
    return meta.get("affacrnn", {}).get("trains") or None


def lanes(todo: list[Path], jobs: int, *, seconds: Mapping[str, float] | None = None) -> list[list[Path]]:
    """Split chapters into at most ``jobs`` lanes that run side by side, each lane in reading order.

    Chapters that train the same model share a lane (a later one loads the earlier one's model);
    every other chapter is a group of its own. Groups go, longest first, to the lane with the least
    work so far (``seconds``: each chapter's expected time, from :mod:`affacrnn.book.times`;
    30 s where unknown).
    """
    if jobs <= 1:
        return [list(todo)]
    groups: dict[str, list[Path]] = {}
    for chapter in todo:
        groups.setdefault(trains_live(chapter) or chapter.stem, []).append(chapter)
    cost = {g: sum((seconds or {}).get(c.stem, 30.0) for c in members) for g, members in groups.items()}
    work, assigned = [0.0] * jobs, [[] for _ in range(jobs)]
    for name in sorted(groups, key=lambda g: -cost[g]):
        lane = work.index(min(work))
        work[lane] += cost[name]
        assigned[lane] += groups[name]
    order = {c: i for i, c in enumerate(todo)}
    return [sorted(lane, key=order.get) for lane in assigned if lane]


def run_chapters(
    out_dir: str | os.PathLike,
    *,
    smoke: bool = True,
    parameters: Mapping[str, Any] | None = None,
    progress: bool = True,
    only: Iterable[str] | None = None,
    jobs: int = 1,
) -> list[ChapterRun]:
    """Execute every chapter (or those named in ``only``) into ``out_dir``.

    Parameters
    ----------
    jobs : int
        Chapters run side by side in this many lanes (:func:`lanes`); 1 runs them one after
        another in reading order (what measured times need: side by side, each takes longer).

    Returns
    -------
    list of ChapterRun
        One per chapter in reading order, with its run time; the first failure raises (see
        :func:`run_chapter`; with several lanes, the other lanes finish first).
    """
    todo = chapters()
    if only is not None:
        wanted = set(only)
        todo = [c for c in todo if c.name in wanted or c.stem in wanted or c.stem.split("_", 1)[0] in wanted]
        if not todo:
            raise ParameterError(
                f"`only` matched no chapter; got {sorted(wanted)!r}. Valid: {', '.join(c.stem for c in chapters())}."
            )
    if jobs < 1:
        raise ParameterError(f"`jobs` must be 1 or more; got {jobs}.")
    out_dir = Path(out_dir).resolve()  # absolute: papermill changes the working directory while it runs
    # The first chapter runs alone, here: it does the one-off work every other chapter needs (numba's
    # kernels, the demo corpus). Then each lane runs in a process of its own: papermill changes the
    # process's working directory while a chapter runs, which threads would share (a chapter was
    # written under book/ instead of OUT). One book_kernel() around all: every lane's kernels start
    # through the book's kernel.
    first, rest = (todo[:1], todo[1:]) if jobs > 1 else (todo, [])
    expected = {stem: entry.get("smoke" if smoke else "full", {}).get("seconds", 30.0)
                for stem, entry in read_times().items()}
    args = dict(out_dir=out_dir, smoke=smoke, parameters=dict(parameters or {}), progress=progress)
    with book_kernel():
        done = [_run_lane(first, **args)]
        groups = lanes(rest, jobs, seconds=expected)
        if groups:
            with ProcessPoolExecutor(max_workers=len(groups), mp_context=multiprocessing.get_context("spawn")) as pool:
                # a lane that fails lets the others finish their chapters; its error is raised here
                done += [f.result() for f in [pool.submit(_run_lane, lane, **args) for lane in groups]]
    order = {c: i for i, c in enumerate(todo)}
    return sorted((run for lane in done for run in lane), key=lambda r: order[r.chapter])


def _run_lane(lane: list[Path], *, out_dir: Path, smoke: bool, parameters: dict, progress: bool) -> list[ChapterRun]:
    """Run ``lane``'s chapters one after another, in this process; the first failure raises."""
    runs = []
    for chapter in lane:
        if progress:
            print(f"running {chapter.name} ...", file=sys.stderr, flush=True)
        run = run_chapter(chapter, out_dir, smoke=smoke, parameters=parameters, progress=False)
        if progress:
            print(f"  {chapter.name}: {run.seconds:.1f} s", file=sys.stderr, flush=True)
        runs.append(run)
    return runs


def _merge_parameters(executed: Path, target: Path) -> None:
    """Copy an executed chapter to ``target`` showing one parameters cell, not two.

    papermill adds an ``injected-parameters`` cell (``# Parameters``, the values it was given)
    under the chapter's own ``parameters`` cell. For the HTML page the chapter's cell is
    rewritten to the values the run actually used (each overridden line marked
    ``# set for this run``) and the injected cell is removed (Jupyter Book's ``remove-cell``
    tag), so a reader sees every parameter once, with the value the page was built with.
    """
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    given = nb.metadata.get("papermill", {}).get("parameters", {}) or {}
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
        elif "parameters" in tags and given:
            lines, seen = cell.source.splitlines(), set()
            for i, line in enumerate(lines):
                name, eq, _ = line.partition("=")
                if eq and name.strip() in given and line[:1].isidentifier():
                    seen.add(name.strip())
                    lines[i] = f"{name.strip()} = {given[name.strip()]!r}  # set for this run"
            lines += [f"{k} = {v!r}  # set for this run" for k, v in given.items() if k not in seen]
            cell.source = "\n".join(lines)
    _drop_live_only_widgets(nb)
    _link_pages(nb)
    nbformat.write(nb, target)


_CHAPTER_LINK = re.compile(r"\]\((\d\d_\w+)\.ipynb\)")  # an output's Markdown link to a chapter (the ledger)


def _link_pages(nb) -> None:
    """Outputs' ``[ch. 06](06_ub_bilstm.ipynb)`` (JupyterLab) → ``06_ub_bilstm.html`` (Jupyter Book leaves them)."""
    for out in (o for cell in nb.cells for o in cell.get("outputs", []) if "text/markdown" in o.get("data", {})):
        md = out["data"]["text/markdown"]
        out["data"]["text/markdown"] = _CHAPTER_LINK.sub(r"](\1.html)", "".join(md) if isinstance(md, list) else md)


#: Widget modules whose JavaScript the offline HTML book cannot load (anywidget fetches its
#: front end from a CDN): their saved models are dropped from a page, and the rest kept.
LIVE_ONLY_WIDGET_MODULES = ("anywidget",)
_STATE_MIME, _VIEW_MIME = "application/vnd.jupyter.widget-state+json", "application/vnd.jupyter.widget-view+json"


def _drop_live_only_widgets(nb) -> set[str]:
    """Remove saved widget models that only work with a live kernel (the microphone) from ``nb``.

    Their views become a one-line note, and references to them in other widgets' ``children``
    are removed, so the page's widget manager builds every other widget (a box holding a
    microphone still shows its upload button and its saved report). Returns the removed ids.
    """
    state = nb.metadata.get("widgets", {}).get(_STATE_MIME, {}).get("state", {})
    gone = {mid for mid, m in state.items() if m.get("model_module") in LIVE_ONLY_WIDGET_MODULES}
    if not gone:
        return gone
    refs = {f"IPY_MODEL_{mid}" for mid in gone}
    for mid in gone:
        del state[mid]
    for model in state.values():
        for key, value in model.get("state", {}).items():
            if isinstance(value, list) and any(v in refs for v in value if isinstance(v, str)):
                model["state"][key] = [v for v in value if v not in refs]
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(_VIEW_MIME)
            if view and view.get("model_id") in gone:
                out["data"] = {"text/plain": "(a live widget: it works in JupyterLab, not on this page)"}
    return gone


def _stage(executed_dir: Path, stage: Path) -> None:
    """Copy ``book/`` to ``stage`` with the executed notebooks and execution turned off."""
    shutil.copytree(BOOK_DIR, stage, ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints", "__pycache__"))
    for chapter in chapters(stage):
        executed = executed_dir / chapter.name
        if not executed.is_file():
            raise AffacrnnError(
                f"{executed}: no executed copy of chapter {chapter.name}. Run `affacrnn book --run {executed_dir}` first."
            )
        _merge_parameters(executed, chapter)
    config = stage / "_config.yml"
    text = config.read_text(encoding="utf-8")
    text, n = re.subn(r"(?m)^(\s*execute_notebooks:\s*)\S+", r"\g<1>off", text)
    if n != 1:
        raise AffacrnnError(f"{BOOK_DIR / '_config.yml'}: expected one `execute_notebooks:` setting, found {n}.")
    config.write_text(text, encoding="utf-8")


def build_html(
    executed_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    quiet: bool = True,
) -> Path:
    """Build the HTML book from executed notebooks, offline, failing on any warning.

    Parameters
    ----------
    executed_dir : path-like
        Folder holding an executed copy of every chapter (see :func:`run_chapters`).
    out_dir : path-like
        Output folder; the site is written to ``out_dir/_build/html``.
    quiet : bool
        Capture Jupyter Book's log (it is shown only when the build fails).

    Returns
    -------
    pathlib.Path
        The ``html`` folder (open its ``index.html``).

    Raises
    ------
    AffacrnnError
        The build failed (the end of its log is in the message) or a page refers to an
        external script or stylesheet.
    """
    executed = Path(executed_dir).resolve()
    out = Path(out_dir).resolve()
    fetch_widget_js()
    with tempfile.TemporaryDirectory(prefix="affacrnn-book-") as tmp:
        stage = Path(tmp) / "book"
        _stage(executed, stage)
        cmd = [
            sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(stage),
            "--path-output", str(out), "-W", "-n", "--keep-going",
        ]
        env = {**os.environ, "AFFACRNN_DATA": str(data_root())}
        proc = subprocess.run(cmd, capture_output=quiet, text=True, env=env)
        if proc.returncode != 0:
            log = ((proc.stdout or "") + (proc.stderr or ""))[-4000:]
            raise AffacrnnError(f"jupyter-book build failed (exit {proc.returncode}):\n{log}")
    html = out / "_build" / "html"
    bad = external_references(html)
    if bad:
        listing = "; ".join(f"{page}: {url}" for page, url in bad[:5])
        raise AffacrnnError(f"{len(bad)} external script/stylesheet references in the HTML book, e.g. {listing}")
    return html


_TAG = re.compile(r"<(script|link)\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""\b(src|href|rel)\s*=\s*(["'])(.*?)\2""", re.IGNORECASE)


def external_references(html_dir: str | os.PathLike) -> list[tuple[str, str]]:
    """``(page, url)`` for every ``<script src>`` and stylesheet/preload/icon ``<link href>``
    in the built pages that points off the site (``http(s)://`` or ``//``)."""
    html_dir = Path(html_dir)
    found = []
    for page in sorted(html_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        for tag, attrs in _TAG.findall(text):
            values = {k.lower(): v for k, _, v in _ATTR.findall(attrs)}
            url = values.get("src") if tag.lower() == "script" else values.get("href")
            if tag.lower() == "link" and not re.search(
                r"stylesheet|preload|modulepreload|icon|preconnect|dns-prefetch", values.get("rel", ""), re.I
            ):
                continue
            if url and _EXTERNAL.match(url):
                found.append((str(page.relative_to(html_dir)), url))
    return found


#: JupyterLab settings the book needs: ipywidgets' ``saveState`` (off by default in JupyterLab 4),
#: so a chapter saved and reopened still shows its widgets instead of "model not found".
LAB_OVERRIDES = {"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}


def lab_overrides_path() -> Path:
    """Where JupyterLab reads a package's default settings: ``<prefix>/share/jupyter/lab/settings/overrides.d/``."""
    return Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "affacrnn.json"


def ensure_lab_settings() -> Path | None:
    """Write :data:`LAB_OVERRIDES` for this environment's JupyterLab (defaults a user's own settings
    still override); None when the environment's folder cannot be written (then say how to set it)."""
    path = lab_overrides_path()
    text = json.dumps(LAB_OVERRIDES, indent=2) + "\n"
    try:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            atomic_write_bytes(path, text.encode("utf-8"))
    except (OutputError, OSError):
        return None
    return path


def lab_command(book_dir: str | os.PathLike | None = None) -> str:
    """How to open the book in JupyterLab (a shell snippet); also writes :data:`LAB_OVERRIDES`."""
    folder = Path(book_dir) if book_dir is not None else BOOK_DIR
    settings = ensure_lab_settings()
    first = chapters(folder)[0].name if chapters(folder) else ""
    env = kernel_environment()
    config = (f"export JUPYTER_CONFIG_PATH={env['JUPYTER_CONFIG_PATH']}   # a status bar that says Busy while cells run\n"
              if env.get("JUPYTER_CONFIG_PATH") else "")
    return (
        f"export AFFACRNN_DATA={data_root()}   # the folder holding ravdess/, emodb/, mosi/\n"
        f"export JUPYTER_PATH={env['JUPYTER_PATH']}   # the book's quiet kernel (affacrnn.book.kernel)\n"
        + config +
        f"cd {folder}\n"
        f"jupyter lab {first}\n"
        "# Each chapter's first cell holds its parameters (SMOKE, CORPUS, EPOCHS, SEED, SHOW_SOLUTIONS);\n"
        "# edit it, then Run > Run All Cells.\n"
        + (f"# Widgets keep their state when a chapter is saved (JupyterLab default set in {settings})."
           if settings else "# Turn on Settings > Jupyter Widgets > Save widget state, or widgets vanish when a "
                            "chapter is reopened.")
    )
