"""Helpers shared by the book tests: one executed copy of the book and one HTML build per session.

Each chapter runs once per test session (smoke parameters, solutions on), whichever test asks
first (:func:`run_once`): ``tests/test_book.py`` checks each run, ``tests/test_book_html.py`` and
``tests/test_browser.py`` build the HTML book from the same executed copies. Under pytest-xdist
the copies live in the session's temp folder shared by every worker, each chapter under a file
lock, so two workers never execute the same chapter.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock

from affacrnn.book import build as book

#: Parameters of every test run of a chapter: smoke mode, and the solutions run (so a wrong
#: solution fails its chapter).
TEST_PARAMETERS = {"SHOW_SOLUTIONS": True}


#: A line TensorFlow, absl or CUDA logs natively (none may reach a chapter's output).
TF_LOG_LINE = re.compile(
    r"^[IWEF]\d{4} \d\d:\d\d:\d\d|absl::InitializeLog|oneDNN custom operations|cuda drivers|cuInit|"
    r"cuDNN|cuBLAS|cuFFT|TF-TRT|cpu_feature_guard|rebuild TensorFlow|Kernel is running over TCP"
)


def stderr_lines(path: Path, pattern: re.Pattern) -> list[str]:
    """``'cell n: line'`` for every stderr line of an executed notebook that ``pattern`` finds."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                found += [f"cell {i}: {line}" for line in out.get("text", "").splitlines() if pattern.search(line)]
    return found


def tf_log_lines(path: Path) -> list[str]:
    """Every stderr line of an executed notebook that TensorFlow/absl/CUDA logged."""
    return stderr_lines(path, TF_LOG_LINE)


def figure_layout_lines(path: Path) -> list[str]:
    """Every figure the chapter drew with overlapping or cut-off text (:mod:`affacrnn.book.figure_check`)."""
    from affacrnn.book.figure_check import PREFIX

    return stderr_lines(path, re.compile(re.escape(PREFIX)))


def need_tool(ok: bool, msg: str) -> None:
    """Skip locally, fail under CI (``CI`` set): tests needing a tool never skip silently in CI."""
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)


def shared_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's temp folder every xdist worker shares (the basetemp itself without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def executed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = shared_temp(tmp_path_factory) / "book-executed"
    folder.mkdir(exist_ok=True)
    return folder


def run_once(chapter: Path, tmp_path_factory: pytest.TempPathFactory) -> book.ChapterRun:
    """``chapter`` executed once this session (smoke, :data:`TEST_PARAMETERS`); a second call reads that run.

    A chapter that fails raises here and leaves no record, so the next caller runs it again and
    fails the same way.
    """
    folder = executed_dir(tmp_path_factory)
    record = folder / f"{chapter.stem}.run.json"
    with FileLock(str(folder / f"{chapter.stem}.lock")):
        if record.is_file():
            return book.ChapterRun(chapter=chapter, output=folder / chapter.name,
                                   seconds=json.loads(record.read_text())["seconds"])
        run = book.run_chapter(chapter, folder, smoke=True, parameters=TEST_PARAMETERS)
        record.write_text(json.dumps({"seconds": run.seconds}))
        return run


def error_outputs(path: Path) -> list[str]:
    """``'cell n: ename: evalue'`` for every error output of an executed notebook."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
    return found


def ensure_executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's executed copy of every chapter (running the ones not yet there)."""
    for chapter in book.chapters():
        run_once(chapter, tmp_path_factory)
    return executed_dir(tmp_path_factory)


def widget_js_available() -> tuple[bool, str]:
    vendor = book.BOOK_DIR / "_static" / "vendor"
    if shutil.which("npm") or all((vendor / n).exists() for n in ("require.js", "embed-amd.js")):
        return True, ""
    return False, ("npm not found and book/_static/vendor/ is empty: the HTML book needs the ipywidgets "
                   "embed scripts from the npm registry. Install Node.js/npm (.ci/setup-browser checks it).")


def ensure_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's HTML build of the book (built once)."""
    out = shared_temp(tmp_path_factory) / "book-html"
    html = out / "_build" / "html"
    out.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(shared_temp(tmp_path_factory) / "book-html.lock")):
        if not (html / "index.html").is_file():
            ok, msg = widget_js_available()
            need_tool(ok, msg)
            book.build_html(ensure_executed(tmp_path_factory), out)
    return html


#: Chapters whose smoke run trains a model live and must show it learned (affacrnn.book.lesson).
LESSON_CHAPTERS = {"06_ub_bilstm", "07_sbcnn", "08_fusion_attention", "10_reproduction_audit", "11_inference"}


def lessons_of(path) -> list[dict]:
    """The `learned(...)` verdicts in an executed notebook's output metadata."""
    from affacrnn.book.lesson import LESSON_METADATA

    nb = nbformat.read(path, as_version=4)
    return [out["metadata"][mime][LESSON_METADATA] for cell in nb.cells for out in cell.get("outputs", [])
            for mime in ("text/plain",) if LESSON_METADATA in out.get("metadata", {}).get(mime, {})]


#: A Markdown table that reached a page as text: a row of cells, then its rule (``|---|`` or, after
#: typographic replacements, ``|—|``), on consecutive lines of a paragraph or a text output.
RAW_TABLE = re.compile(r"^\s*\|[^\n]*\|\s*\n\s*\|(?:\s*:?[-—–]+:?\s*\|)+\s*$", re.M)


def raw_markdown_tables(page_html: str) -> list[str]:
    """The first line of every Markdown table of ``page_html`` that was printed instead of rendered."""
    from html import unescape

    text = unescape(re.sub(r"<[^>]+>", "", page_html))
    return [m.group(0).strip().splitlines()[0][:80] for m in RAW_TABLE.finditer(text)]


# --------------------------------------------------------------- classroom submissions (chapter 4)

ALICE = {  # right answers, worked out as a student would
    "answer_1": 'int((speaker_split(labelled, test_size=0.25, val_size=0.0, seed=SEED)["split"] == "test").sum())',
    "answer_2": ('neighbour_agreement(*(lambda t: (t["y"], context_windows(t)))(labelled.assign(position=labelled.groupby('
                 '"session")["utterance_id"].rank(method="first", ascending=False).astype(int))))'),
}
BOB = {"answer_1": "0", "answer_2": "1 / 0"}  # a wrong answer, and a cell that raises


def submit(handout: Path, folder: Path, student: str, answers: dict[str, str]) -> Path:
    """Write ``handout`` answered with ``answers`` (variable -> code) as ``folder/student/<name>``."""
    nb = nbformat.read(handout, as_version=4)
    for cell in nb.cells:
        for name, code in answers.items():
            if cell.source.startswith(f"{name} = None"):
                cell.source = f"{name} = {code}"
    (folder / student).mkdir(parents=True)
    nbformat.write(nb, folder / student / handout.name)
    return folder / student / handout.name
