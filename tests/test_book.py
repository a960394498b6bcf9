"""Every chapter of the book runs top to bottom in smoke mode (papermill), solutions included.

A failure names the chapter and papermill's account of the failing cell. The executed copies are
kept for the HTML test (``tests/book_support.py``).
"""
from __future__ import annotations

import nbformat
import pytest

from affacrnn.book import build as book
from affacrnn.errors import AffacrnnError
from book_support import (LESSON_CHAPTERS, error_outputs, figure_layout_lines, lessons_of, run_once,
                          tf_log_lines)

CHAPTERS = book.chapters()
#: Smoke mode promises a chapter in under 2 minutes on 2 cores; allow for a busy CI machine.
SMOKE_LIMIT_S = 240


def test_chapters_found():
    names = [c.name for c in CHAPTERS]
    assert names == sorted(names) and len(names) >= 4
    assert names[0] == "01_preface.ipynb"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_skeleton(chapter):
    """First code cell is the tagged parameters cell; outputs are committed cleared."""
    nb = nbformat.read(chapter, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    first = code[0]
    assert "parameters" in first.metadata.get("tags", []), f"{chapter.name}: first code cell is not tagged `parameters`"
    for name in ("SMOKE", "CORPUS", "EPOCHS", "SEED", "SHOW_SOLUTIONS"):
        assert f"{name} =" in first.source, f"{chapter.name}: parameters cell lacks {name}"
    assert all(not c.outputs and c.execution_count is None for c in code), f"{chapter.name}: commit it with outputs cleared"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ("## What you will learn", "## What the paper claims", "## What we found", "## Exercises"):
        assert heading in text, f"{chapter.name}: missing section {heading!r}"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_runs(chapter, tmp_path_factory, record_property):
    try:
        run = run_once(chapter, tmp_path_factory)
    except AffacrnnError as exc:
        pytest.fail(str(exc), pytrace=False)
    record_property("seconds", round(run.seconds, 1))
    print(f"{chapter.name}: {run.seconds:.1f} s")
    assert not error_outputs(run.output), f"{chapter.name}: error outputs {error_outputs(run.output)}"
    assert not tf_log_lines(run.output), f"{chapter.name}: TensorFlow log lines in the outputs: {tf_log_lines(run.output)[:3]}"
    assert not figure_layout_lines(run.output), f"{chapter.name}: figures with text on text: {figure_layout_lines(run.output)}"
    assert run.seconds < SMOKE_LIMIT_S, f"{chapter.name} took {run.seconds:.0f} s in smoke mode (limit {SMOKE_LIMIT_S} s)"
    lessons = lessons_of(run.output)
    if chapter.stem in LESSON_CHAPTERS:
        # smoke mode teaches: the model trained live beats its majority baseline and chance
        assert lessons, f"{chapter.name}: its training cell shows no `learned(...)` verdict"
        failed = [v for v in lessons if not v["ok"]]
        assert not failed, f"{chapter.name}: the smoke-mode model did not learn: {failed}"
