"""The package's layout rules, read from the code itself (ast): folders follow the data path.

* imports go one way, down the data path: base → data → features → models → evaluation →
  training → inference → book → cli;
* the library never imports the repository's ``reproduction`` package, which sits above it all
  and uses the library as any user would (public names only);
* no private name (``_x``) is imported across a module boundary, from affacrnn or any other package;
* imports sit at the top of a module, except where TensorFlow's start-up must be deferred (a
  module that starts it, or a CLI verb, which loads its work only when it runs);
* no module is over 500 lines, each module's docstring ends with the chapter that explains it,
  and that chapter names the module.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "affacrnn"
REPRODUCTION = ROOT / "reproduction"
BOOK = ROOT / "book"
MAX_LINES = 500

#: Stage of each top-level part of the package; a module may import only its own stage or lower.
STAGES = {
    "errors": 0, "settings": 0, "_io": 0, "_quiet": 0, "_numba": 0, "provenance": 0,
    "data": 1,
    "features": 2,
    "models": 3,
    "evaluation": 4,
    "training": 5, "resume": 5, "progress": 5, "reuse": 5,
    "inference": 6,
    "book": 7,
    "cli": 8,
}
#: The reproduction's stage: above the whole library.
REPRODUCTION_STAGE = 9
#: Modules whose import starts TensorFlow (seconds): these may be imported inside a function.
STARTS_TENSORFLOW = re.compile(
    r"^(keras|tensorflow)(\.|$)|^affacrnn\.(models(\.(network|cnn_zoo|attention|augment|pooling|io|batches))?|training|"
    r"inference\.(predictor|runtime)|_quiet)$"
)


def _modules() -> list[tuple[str, Path, ast.Module]]:
    out = []
    for path in sorted([*PACKAGE.rglob("*.py"), *REPRODUCTION.rglob("*.py")]):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append((".".join(parts), path, ast.parse(path.read_text(), filename=str(path))))
    return out


MODULES = _modules()


def _stage(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] == "reproduction":
        return REPRODUCTION_STAGE
    if parts[0] != "affacrnn" or len(parts) == 1:
        return None
    return STAGES[parts[1]]


def _imports(tree: ast.Module):
    """(node, imported module, names, at top level?, under TYPE_CHECKING?) for every import."""
    top_level = {id(n) for n in tree.body}
    type_checking = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_checking |= {id(n) for n in ast.walk(node)}
    # imports inside a module-level try/if count as top level
    for node in tree.body:
        if isinstance(node, (ast.If, ast.Try)):
            top_level |= {id(n) for n in ast.walk(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"relative import at line {node.lineno}: write `from affacrnn.... import ...`"
            yield node, node.module, [a.name for a in node.names], id(node) in top_level, id(node) in type_checking
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name, [], id(node) in top_level, id(node) in type_checking


def test_every_part_of_the_package_has_a_stage():
    parts = {m.split(".")[1] for m, _, _ in MODULES if m.startswith("affacrnn.")}
    assert parts <= set(STAGES), f"give these a stage in STAGES: {sorted(parts - set(STAGES))}"


@pytest.mark.parametrize("module,path,tree", MODULES, ids=[m for m, _, _ in MODULES])
def test_imports_go_down_the_data_path(module, path, tree):
    if module == "affacrnn":  # the facade: it re-exports from every stage
        return
    own = _stage(module)
    upward = []
    for node, target, _, _, _ in _imports(tree):
        if not target.startswith(("affacrnn", "reproduction")):
            continue
        if target == "affacrnn":
            upward.append(f"line {node.lineno}: imports the package facade `affacrnn`; import the defining module")
            continue
        stage = _stage(target)
        if stage > own:
            upward.append(f"line {node.lineno}: {module} (stage {own}) imports {target} (stage {stage})")
    assert not upward, "\n".join(upward)


#: Standard-library names that begin with an underscore and are public, documented API (not a module's private part).
STDLIB_PUBLIC = {"os._exit"}  # https://docs.python.org/3/library/os.html#os._exit


@pytest.mark.parametrize("module,path,tree", MODULES, ids=[m for m, _, _ in MODULES])
def test_no_private_names_cross_a_module_boundary(module, path, tree):
    crossing = []
    for node, target, names, _, _ in _imports(tree):
        if target == "__future__":
            continue
        library_private = target.startswith("affacrnn._") and module.startswith("affacrnn")
        if any(part.startswith("_") and not part.startswith("__") for part in target.split(".")[1:]) \
                and not library_private:
            crossing.append(f"line {node.lineno}: imports private module {target}")
        for name in names:
            if name.startswith("_") and not name.startswith("__"):
                crossing.append(f"line {node.lineno}: `from {target} import {name}`")
    # attribute access to another module's private name: librosa.core.pitch._x, module._x
    imported = {a.asname or a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in n.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in imported and base.id not in ("self", "cls") \
                    and ast.unparse(node) not in STDLIB_PUBLIC:
                crossing.append(f"line {node.lineno}: `{ast.unparse(node)}`")
    assert not crossing, "\n".join(crossing)


@pytest.mark.parametrize("module,path,tree", MODULES, ids=[m for m, _, _ in MODULES])
def test_imports_are_at_the_top_unless_they_start_tensorflow(module, path, tree):
    if module.startswith(("affacrnn.cli", "reproduction.cli")):  # verbs load their work when they run
        return
    local = [f"line {node.lineno}: {target}" for node, target, _, top, tc in _imports(tree)
             if target.startswith(("affacrnn", "reproduction")) and not top and not tc and not STARTS_TENSORFLOW.search(target)]
    assert not local, "move these package imports to the top of the module:\n" + "\n".join(local)


@pytest.mark.parametrize("module,path,tree", MODULES, ids=[m for m, _, _ in MODULES])
def test_modules_are_short_and_name_their_chapter(module, path, tree):
    n = len(path.read_text().splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(ROOT)} has {n} lines (at most {MAX_LINES}): split it by concept"
    doc = ast.get_docstring(tree)
    assert doc, f"{path.relative_to(ROOT)} has no module docstring"
    last = doc.strip().splitlines()[-1]
    m = re.fullmatch(r"Notebook: (book/\d\d_\w+\.ipynb)", last)
    assert m, f"{path.relative_to(ROOT)}: the docstring's last line must be `Notebook: book/NN_name.ipynb`; got {last!r}"
    chapter = ROOT / m.group(1)
    assert chapter.is_file(), f"{path.relative_to(ROOT)} names {m.group(1)}, which does not exist"


def test_each_chapter_names_its_modules():
    by_chapter: dict[str, list[str]] = {}
    for module, path, tree in MODULES:
        last = (ast.get_docstring(tree) or "").strip().splitlines()[-1:]
        m = re.fullmatch(r"Notebook: (book/\d\d_\w+\.ipynb)", last[0]) if last else None
        if m:
            by_chapter.setdefault(m.group(1), []).append(module)
    missing = []
    for chapter, modules in sorted(by_chapter.items()):
        text = "\n".join("".join(c["source"]) for c in json.loads((ROOT / chapter).read_text())["cells"])
        missing += [f"{chapter}: {m}" for m in modules if f"`{m}`" not in text]
    assert not missing, "name these modules in their chapter's 'Where this lives' cell:\n" + "\n".join(missing)


def test_public_names_and_old_short_names_still_resolve():
    """The layout changed no public name: ``affacrnn.__all__`` and the short module names readers used."""
    import affacrnn

    for name in affacrnn.__all__:
        assert getattr(affacrnn, name) is not None, name
    for short, where in {"features": "affacrnn.features", "spectrogram": "affacrnn.features.spectrogram",
                         "metrics": "affacrnn.evaluation.metrics", "baselines": "affacrnn.evaluation.baselines",
                         "presets": "affacrnn.models.presets", "widgets": "affacrnn.book.widgets",
                         "corpora": "affacrnn.data.corpora", "labels": "affacrnn.data.labels",
                         "splits": "affacrnn.data.splits", "context": "affacrnn.data.context",
                         "inference": "affacrnn.inference",
                         "book": "affacrnn.book", "models": "affacrnn.models"}.items():
        assert getattr(affacrnn, short).__name__ == where


def test_the_library_knows_no_checkout_of_the_reproduction():
    """``affacrnn`` neither imports the reproduction nor reads its results: a user's install has neither."""
    named = [f"{path.relative_to(ROOT)}:{node.lineno}" for module, path, tree in MODULES if module.startswith("affacrnn")
             for node, target, _, _, _ in _imports(tree) if target.startswith("reproduction")]
    assert not named, "the library imports the reproduction here:\n" + "\n".join(named)
    reads = [str(path.relative_to(ROOT)) for module, path, _ in MODULES if module.startswith("affacrnn")
             and re.search(r'REPO_ROOT\s*/\s*"results"', path.read_text())]
    assert not reads, f"the library reads the repository's results/ in {reads}; that belongs to reproduction/"
    import affacrnn

    assert not hasattr(affacrnn, "experiments")
