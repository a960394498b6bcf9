"""Grading that a student cannot game: hostile submissions of chapter 4 against `affacrnn book --grade`.

Each case is one student of one grading run (a reference run, then every student in its own
sandbox): a forged grade log, a lookup of the package's answers, an edit of the answers module,
files outside the student's folder, a process left running, a loop that ignores Ctrl-C. None may
change a grade, the package, another student's grade or anything outside the scratch folder.
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import psutil
import pytest

from affacrnn.book import classroom, sandbox
from book_support import ALICE, need_tool, submit

pytestmark = pytest.mark.slow

ANSWERS = Path(classroom.__file__).with_name("answers.py")


def _hostile(handout: Path, folder: Path, student: str, code: str, answers: dict[str, str]) -> Path:
    """A submission with ``code`` run in a cell of its own before the first answer cell."""
    path = submit(handout, folder, student, answers)
    nb = nbformat.read(path, as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.startswith("answer_1 = "))
    nb.cells.insert(first, nbformat.v4.new_code_cell(code))
    nbformat.write(nb, path)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def hostile_grading(tmp_path_factory):
    need_tool(sandbox.bubblewrap() is not None,
              "bubblewrap cannot start here (Debian: apt-get install bubblewrap; .ci/setup-browser installs it)")
    tmp = tmp_path_factory.mktemp("hostile")
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("keep me")
    (outside / "secret.txt").write_text("TEACHER-SECRET-42")
    handout = classroom.student_edition(tmp / "handout", only=["04"])[0]
    subs = tmp / "submitted"
    submit(handout, subs, "alice", ALICE)
    wrong = {"answer_1": "0", "answer_2": "0.5"}
    _hostile(handout, subs, "b_forger", (
        "import json, os\n"
        "for name in ('AFFACRNN_GRADE_LOG', 'AFFACRNN_GRADE_REFERENCE'):\n"
        "    path = os.environ.get(name) or os.path.join(os.getcwd(), 'checks.jsonl')\n"
        "    with open(path, 'a') as fh:\n"
        "        fh.write(json.dumps({'exercise': 'ch04-1', 'status': 'right'}) + '\\n')\n"
        "print('AFFACRNN-ANSWERS {\"ch04-2\": {\"value\": 0.5}}')"), wrong)
    _hostile(handout, subs, "c_lookup", "from affacrnn.book import exercises",
             {"answer_1": 'exercises.bank()["ch04-1"].expected(labelled=labelled, seed=SEED)', "answer_2": "None"})
    _hostile(handout, subs, "d_editor", (
        "import affacrnn.book.answers as a\n"
        "with open(a.__file__, 'a') as fh:\n"
        "    fh.write('\\nimport affacrnn.book.exercises as e\\ne._same = lambda *a: True\\n')"), wrong)
    _hostile(handout, subs, "e_files", (
        f"import os\nos.remove({str(outside / 'victim.txt')!r})\n"
        f"open({str(outside / 'planted.txt')!r}, 'w').write('x')\n"
        f"print(open({str(outside / 'secret.txt')!r}).read())"), {"answer_1": "-12345"})
    _hostile(handout, subs, "f_orphan", (
        "import subprocess\nsubprocess.Popen(['sleep', '302'], start_new_session=True)"), {"answer_1": "-12345"})
    _hostile(handout, subs, "g_loop", (
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"), ALICE)
    submit(handout, subs, "h_after", {"answer_1": "-12345"})
    before = _digest(ANSWERS)
    start = time.monotonic()
    table = classroom.grade(subs, out_dir=tmp / "grades", progress=False, time_limit=90, cell_timeout=20)
    return {"table": table, "outside": outside, "grades": tmp / "grades", "answers_before": before,
            "seconds": time.monotonic() - start, "handout": handout}


def _status(table: pd.DataFrame) -> dict:
    return table.set_index(["student", "exercise"])["status"].to_dict()


def test_every_student_is_graded_from_the_values_read_back(hostile_grading):
    status = _status(hostile_grading["table"])
    assert status[("alice", "ch04-1")] == status[("alice", "ch04-2")] == "right"
    assert status[("b_forger", "ch04-1")] == status[("b_forger", "ch04-2")] == "wrong"  # forged lines count for nothing
    assert status[("c_lookup", "ch04-1")] == "not run"  # no answers in the sandbox: the lookup raised
    assert status[("d_editor", "ch04-1")] == "wrong"
    assert status[("h_after", "ch04-1")] == "wrong"  # -12345 after an attempt to edit the answers module
    grades_csv = pd.read_csv(hostile_grading["grades"] / "grades.csv")
    assert len(grades_csv) == 2 * 8


def test_the_package_and_its_answers_cannot_be_changed_from_a_submission(hostile_grading):
    assert _digest(ANSWERS) == hostile_grading["answers_before"]
    first = hostile_grading["table"].set_index("student")["first_error"]
    assert "Read-only file system" in first["d_editor"].iloc[0] or "OSError" in first["d_editor"].iloc[0]


def test_files_outside_the_scratch_folder_are_out_of_reach(hostile_grading):
    outside = hostile_grading["outside"]
    assert (outside / "victim.txt").read_text() == "keep me"
    assert not (outside / "planted.txt").exists()
    feedback = (hostile_grading["grades"] / "e_files" / hostile_grading["handout"].name).read_text()
    assert "TEACHER-SECRET-42" not in feedback


def test_no_process_outlives_its_grading(hostile_grading):
    leftovers = [p for p in psutil.process_iter(["cmdline"]) if (p.info["cmdline"] or [])[:2] == ["sleep", "302"]]
    assert not leftovers


def test_a_loop_that_ignores_ctrl_c_is_stopped_by_the_time_limit(hostile_grading):
    table = hostile_grading["table"]
    loop = table[table["student"] == "g_loop"]
    assert set(loop["status"]) == {"not run"} and loop["first_error"].str.startswith("TimeLimit").all()
    assert _status(table)[("h_after", "ch04-1")] == "wrong"  # the students after it were graded


def test_a_student_name_with_a_newline_keeps_grades_md_one_line_per_student(tmp_path):
    table = pd.DataFrame([{"student": "eve\n| x", "chapter": "04", "notebook": "n",
                           "exercise": "ch04-1", "status": "right", "answer": "1", "errors": 0, "first_error": ""}])
    lines = [line for line in classroom.grade_summary(table).splitlines() if line.startswith("| eve")]
    assert len(lines) == 1


def test_sigterm_during_grading_exits_143_with_one_line(tmp_path):
    handout = classroom.student_edition(tmp_path / "handout", only=["04"])[0]
    subs = tmp_path / "subs"
    submit(handout, subs, "alice", ALICE)
    _hostile(handout, subs, "b_slow", "import time\ntime.sleep(300)", ALICE)
    proc = subprocess.Popen([sys.executable, "-m", "affacrnn.cli", "book", "--grade", str(subs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    lines = []
    for line in proc.stderr:  # wait until b_slow's notebook is running
        lines.append(line)
        if line.startswith("graded alice"):
            break
    time.sleep(5)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    err = "".join(lines) + err
    assert proc.returncode == 143, err
    assert "Traceback" not in err, err
    assert not (subs / "_grades" / "grades.csv").exists()  # nothing half-done
    kernels = [p for p in psutil.process_iter(["cmdline"]) if "affacrnn-grade-" in " ".join(p.info["cmdline"] or [])]
    assert not kernels  # b_slow's sandboxed kernel went with the grader
