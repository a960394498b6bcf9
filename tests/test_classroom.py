"""The book in a classroom: answers kept in the package, the student edition, grading submissions."""
from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pandas as pd
import pytest

from affacrnn.book import build as book
from affacrnn.book import classroom, exercises
from affacrnn.errors import AffacrnnError, ParameterError
from book_support import ALICE, BOB, submit as _submit

CHAPTERS = book.chapters()


def test_every_exercise_of_the_book_is_in_the_bank_and_the_other_way_round():
    in_book = set()
    for chapter in CHAPTERS:
        nb = nbformat.read(chapter, as_version=4)
        keys = {k for c in nb.cells if c.cell_type == "code" for k in re.findall(r'exercises\.check\("(ch\d\d-\d+)"', c.source)}
        assert keys and all(k[2:4] == chapter.name[:2] for k in keys), chapter.name
        in_book |= keys
    assert in_book == set(exercises.bank())


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_no_check_cell_computes_or_shows_its_answer(chapter):
    """A reader's check cell is one call naming the exercise; solution working lives in tagged cells."""
    nb = nbformat.read(chapter, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code" or "exercises.check(" not in cell.source:
            continue
        tags = cell.metadata.get("tags", [])
        if "solution" in tags:
            assert "strict=True" in cell.source and cell.source.startswith("if SHOW_SOLUTIONS:")
        else:
            assert re.fullmatch(r'exercises\.check\("ch\d\d-\d", answer_\d(, [^\n]*)?\)', cell.source), cell.source
            assert "expected" not in cell.source


def test_check_by_key_right_wrong_unanswered_and_bad_calls():
    from reproduction.paper import PAPER_TABLE5

    assert exercises.check("ch09-2", 68.74 - 57.23, table5=PAPER_TABLE5).ok is True
    wrong = exercises.check("ch07-1", 80)
    assert wrong.ok is False and "Hint" in str(wrong) and "81" not in str(wrong)  # the message never tells
    assert exercises.check("ch07-1", None).ok is None
    assert exercises.check("ch01-1", 2.0, table=pd.DataFrame({"speaker": ["a", "a", "b", "b"]})).ok
    with pytest.raises(ParameterError, match="unknown exercise 'ch99-1'"):
        exercises.check("ch99-1", 1)
    with pytest.raises(ParameterError, match="ch01-1"):
        exercises.check("ch01-1", 1, tabel=None)  # a misspelt input names the exercise
    with pytest.raises(AffacrnnError, match="solution check failed"):
        exercises.check("ch07-1", 80, strict=True)
    assert exercises.check(1.0, expected=1).ok  # the plain comparison still works


def test_reference_run_logs_right_answers_and_a_grading_kernel_computes_nothing(tmp_path, monkeypatch):
    log = tmp_path / "reference.jsonl"
    monkeypatch.setenv(exercises.REFERENCE_ENV, str(log))
    exercises.check("ch07-1", None)  # the teacher's chapter runs with its answers unset
    exercises.check("ch07-1", 81, strict=True)  # solution cells are not the reference
    lines = pd.read_json(log, lines=True)
    assert lines["exercise"].tolist() == ["ch07-1"]
    assert exercises.decode(lines["expected"][0]) == 81
    monkeypatch.delenv(exercises.REFERENCE_ENV)
    monkeypatch.setenv(exercises.GRADING_ENV, "1")
    monkeypatch.setattr(exercises, "EXERCISES", {})  # as in the sandbox: no answers module
    result = exercises.check("ch07-1", 80)
    assert result.ok is None and "grader" in str(result)


@pytest.mark.parametrize("value", [3, 2.5, "angry", None, {1, 2}, {"a": 1.5}, [1.0, 2.0], pd.Series({"x": 1.0}),
                                   float("nan")])
def test_answers_survive_the_trip_back_to_the_grader(value):
    import json

    import numpy as np

    back = exercises.decode(json.loads(json.dumps(exercises.encode(value))))
    if value is None:
        assert back is None
    elif isinstance(value, float) and np.isnan(value):
        assert np.isnan(back)
    else:
        assert exercises.compare(back, expected=value).ok


def test_an_object_that_equals_everything_is_read_back_as_wrong():
    class Always:
        def __eq__(self, other):
            return True

    back = exercises.decode(exercises.encode(Always()))
    assert isinstance(back, exercises.Unreadable) and not exercises.compare(back, expected=81).ok
    with pytest.raises(ValueError, match="not an encoded answer"):
        exercises.decode({"status": "right"})


def test_student_edition_has_no_solutions_and_keeps_the_checks(tmp_path):
    written = classroom.student_edition(tmp_path / "handout")
    assert [p.name for p in written] == [c.name for c in CHAPTERS]
    for path, chapter in zip(written, CHAPTERS):
        student = nbformat.read(path, as_version=4)
        teacher = nbformat.read(chapter, as_version=4)
        text = "\n".join(c.source for c in student.cells)
        assert "strict=True" not in text and "solution_" not in text and "*Solution*" not in text
        assert not any("solution" in c.metadata.get("tags", []) for c in student.cells)
        n_checks = sum("exercises.check(" in c.source for c in teacher.cells
                       if c.cell_type == "code" and "solution" not in c.metadata.get("tags", []))
        assert sum("exercises.check(" in c.source for c in student.cells if c.cell_type == "code") == n_checks == 2
        assert student.metadata["affacrnn"]["edition"] == "student"
        assert all(not c.outputs for c in student.cells if c.cell_type == "code")
    with pytest.raises(ParameterError, match="overwrite"):
        classroom.student_edition(book.BOOK_DIR)


def test_submissions_layout_is_checked(tmp_path):
    with pytest.raises(ParameterError, match="does not exist"):
        classroom.find_submissions(tmp_path / "nowhere")
    (tmp_path / "04_data_labels_splits.ipynb").write_text("{}")
    with pytest.raises(ParameterError, match="folder named after the student"):
        classroom.find_submissions(tmp_path)


@pytest.mark.slow
def test_grade_two_students_one_right_one_wrong(tmp_path):
    """The `book --grade` verb on two fake submissions of chapter 4 (labels only: seconds per run)."""
    handout = classroom.student_edition(tmp_path / "handout", only=["04"])[0]
    subs = tmp_path / "submitted"
    _submit(handout, subs, "alice", ALICE)
    _submit(handout, subs, "bob", BOB)
    proc = subprocess.run([sys.executable, "-m", "affacrnn.cli", "--quiet", "book", "--grade", str(subs),
                           "--out", str(tmp_path / "grades")], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    csv = tmp_path / "grades" / "grades.csv"
    assert proc.stdout.strip().splitlines()[-1] == str(csv)
    table = pd.read_csv(csv, dtype={"chapter": str})
    status = table.set_index(["student", "exercise"])["status"].to_dict()
    assert status == {("alice", "ch04-1"): "right", ("alice", "ch04-2"): "right",
                      ("bob", "ch04-1"): "wrong", ("bob", "ch04-2"): "not run"}
    assert table.loc[table["student"] == "bob", "first_error"].str.startswith("ZeroDivisionError").all()
    summary = (tmp_path / "grades" / "grades.md").read_text()
    assert re.search(r"\| alice\s+\| 2 / 2", summary) and re.search(r"\| bob\s+\| 0 / 2", summary)
    executed = nbformat.read(tmp_path / "grades" / "bob" / handout.name, as_version=4)
    assert any(o.get("ename") == "ZeroDivisionError" for c in executed.cells for o in c.get("outputs", []))


def test_grading_an_unknown_chapter_or_into_a_file_is_refused_before_anything_runs(tmp_path, capsys):
    handout = classroom.student_edition(tmp_path / "handout", only=["04"])[0]
    subs = tmp_path / "subs"
    _submit(handout, subs, "alice", ALICE)
    _submit(handout, subs, "_bob", ALICE)  # skipped, but said
    with pytest.raises(ParameterError, match="matched no chapter"):
        classroom.grade(subs, only=["99"], progress=False)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ParameterError, match="is a file"):
        classroom.grade(subs, out_dir=tmp_path / "afile", progress=False)
    assert not (subs / "_grades").exists()
    assert classroom.find_submissions(subs, progress=True) == {"alice": [subs / "alice" / handout.name]}
    assert "_bob" in capsys.readouterr().err
    with pytest.raises(ParameterError, match="changed since it was handed out"):
        classroom.student_edition(subs / "alice", only=["04"])  # alice's answered notebook is there
    assert "answer_1 = int(" in (subs / "alice" / handout.name).read_text()


def test_a_file_that_is_not_a_notebook_is_graded_unreadable_not_a_traceback(tmp_path):
    (tmp_path / "subs" / "carol").mkdir(parents=True)
    (tmp_path / "subs" / "carol" / "04_data_labels_splits.ipynb").write_text("this is not json")
    table = classroom.grade(tmp_path / "subs", progress=False)
    assert table["exercise"].tolist() == ["ch04-1", "ch04-2"] and set(table["status"]) == {"unreadable"}
    assert table["first_error"].str.contains("NotJSONError|JSON").all()
    assert "× unreadable" in (tmp_path / "subs" / "_grades" / "grades.md").read_text()
