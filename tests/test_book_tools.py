"""Fast checks of the book tooling: exercise checks, the `book` verb, external-reference scan."""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

from affacrnn.book import build as book
from affacrnn.book import exercises
from affacrnn.cli import book as cli_book
from affacrnn.errors import AffacrnnError


def test_check_right_wrong_and_unanswered():
    assert exercises.check(0.68610, expected=400 / 583, tol=1e-4).ok is True
    wrong = exercises.check(0.5, expected=400 / 583, tol=1e-4, hint="count the polar rows")
    assert wrong.ok is False and "count the polar rows" in str(wrong) and not wrong
    assert exercises.check(None, expected=1).ok is None
    assert exercises.check("Calm ", expected="calm").ok
    assert exercises.check({"a": 1.0}, expected={"a": 1}).ok
    assert exercises.check(pd.Series({"x": 2}), expected=pd.Series({"x": 2})).ok
    assert exercises.check(np.array([1, 2]), expected=[1, 2]).ok
    assert not exercises.check([1, 2, 3], expected=[1, 2]).ok
    assert "<p" in exercises.check(1, expected=1)._repr_html_()


def test_strict_check_raises_on_a_wrong_solution():
    with pytest.raises(AffacrnnError, match="solution check failed"):
        exercises.check(1, expected=2, strict=True)


def test_external_references(tmp_path):
    (tmp_path / "a.html").write_text(
        '<link rel="stylesheet" href="https://fonts.example/x.css"><link rel="canonical" href="https://x/">'
        '<script src="_static/vendor/require.js"></script><script src="//cdn.example/y.js"></script>'
        '<a href="https://papermill.readthedocs.io">papermill</a>'
    )
    assert book.external_references(tmp_path) == [
        ("a.html", "https://fonts.example/x.css"),
        ("a.html", "//cdn.example/y.js"),
    ]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="affacrnn")
    cli_book.add_parser(parser.add_subparsers(dest="verb"))
    return parser


def test_book_verb_parses_parameters():
    args = _parser().parse_args(["book", "--run", "out", "--full", "-p", "SEED=3", "-p", "CORPUS=emodb",
                                 "-p", "SHOW_SOLUTIONS=True"])
    assert args.run == "out" and args.smoke is False
    assert dict(args.parameter) == {"SEED": 3, "CORPUS": "emodb", "SHOW_SOLUTIONS": True}
    with pytest.raises(SystemExit):
        _parser().parse_args(["book", "--run", "out", "-p", "not a parameter"])
    with pytest.raises(SystemExit):
        _parser().parse_args(["book"])  # one of --run/--html/--lab/--list is required


def test_book_verb_lab_and_list(capsys):
    assert cli_book.run(_parser().parse_args(["book", "--lab"])) == 0
    assert "jupyter lab" in capsys.readouterr().out
    assert cli_book.run(_parser().parse_args(["book", "--list"])) == 0
    assert capsys.readouterr().out.split() == [c.stem for c in book.chapters()]


def test_run_chapters_rejects_unknown_chapter(tmp_path):
    with pytest.raises(AffacrnnError, match="matched no chapter"):
        book.run_chapters(tmp_path, only=["99"], progress=False)


def test_build_html_needs_every_executed_chapter(tmp_path):
    with pytest.raises(AffacrnnError, match="no executed copy"):
        book._stage(tmp_path / "missing", tmp_path / "stage")


@pytest.mark.slow
def test_a_cell_that_hangs_fails_its_chapter_naming_the_limit(tmp_path):
    """A smoke run gives every cell a time limit, so a hang fails the chapter instead of stopping CI."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("SMOKE = False")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import time\ntime.sleep(60)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    chapter = tmp_path / "99_hang.ipynb"
    nbformat.write(nb, chapter)
    assert book.SMOKE_CELL_TIMEOUT >= 300  # generous: the slowest smoke cell takes about a minute
    with pytest.raises(AffacrnnError, match=r"99_hang.ipynb: a cell ran longer than 3 s"):
        book.run_chapter(chapter, tmp_path / "out", smoke=True, cell_timeout=3)
    assert (tmp_path / "out" / "99_hang.ipynb").is_file()  # the executed copy shows where it stopped
