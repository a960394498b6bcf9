"""The book in a classroom: a student edition without solutions, and grading of submitted chapters.

A teacher hands out the **student edition** (``affacrnn book --student OUT``): every chapter
with its solution cells (tagged ``solution``) removed and its outputs cleared. A student answers
in the empty cells (``answer_1 = ...``); the check cell below each one says right or wrong, with
the right answer computed inside the package (:mod:`affacrnn.book.answers`), so the notebook
never shows it.

**Grading** (``affacrnn book --grade FOLDER``) executes each submitted notebook
(``FOLDER/<student>/<NN_chapter>.ipynb``) in smoke mode, with every check reporting its outcome
to a log (:data:`affacrnn.book.exercises.GRADE_LOG_ENV`), and writes a table of one row per
student and exercise, with its status:

=================  ==========================================================================
status             meaning
=================  ==========================================================================
``right``          the check ran and the answer is right
``wrong``          the check ran and the answer is wrong
``not answered``   the answer cell was left at ``None``
``not run``        the check cell is in the notebook but did not run to the end (a cell
                   above it raised, or the check itself did, e.g. ``answer_2`` undefined)
``missing``        the notebook has no check cell for this exercise (deleted)
``unreadable``     the file is not a notebook (its error is in ``first_error``); nothing ran
=================  ==========================================================================

A cell that raises does not stop the grading of the rest of the notebook (the run continues, as
"Run all" with errors allowed would). Outputs: ``grades.csv`` (every row), ``grades.md`` (one line
per student: right / total, and each exercise's mark) and the executed copies, whose error
tracebacks are the feedback, under the output folder (default ``FOLDER/_grades``).

Why not nbgrader or otter-grader: both want their own assignment format (nbgrader: cell
metadata on every graded cell, a course folder and a gradebook database; otter: ``otter assign``
test files with fixed expected values). Our answers depend on the run's own data (corpus, seed,
a trained model), which a check computed at run time handles and fixed test values do not; the
student edition and the grade table are all a teacher needs from them here.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from affacrnn._io import atomic_write_text
from affacrnn.book.build import SMOKE_CELL_TIMEOUT, book_kernel, chapters
from affacrnn.book.exercises import GRADE_LOG_ENV, bank
from affacrnn.errors import ParameterError

__all__ = ["SOLUTION_TAG", "STATUSES", "student_edition", "find_submissions", "grade", "grade_summary"]

#: Cells carrying this tag are solutions: the student edition removes them.
SOLUTION_TAG = "solution"
#: The statuses of a graded exercise, best first.
STATUSES = ("right", "wrong", "not answered", "not run", "missing", "unreadable")
_MARK = {"right": "✓", "wrong": "✗", "not answered": "–", "not run": "!", "missing": "?", "unreadable": "×"}
_KEY = re.compile(r"""exercises\.check\(\s*["'](ch\d\d-\d+)["']""")


def _select(chapters: list[Path], only: Iterable[str] | None) -> list[Path]:
    if only is None:
        return chapters
    wanted = set(only)
    picked = [c for c in chapters if c.name in wanted or c.stem in wanted or c.stem.split("_", 1)[0] in wanted]
    if not picked:
        raise ParameterError(f"`chapters` matched no chapter; got {sorted(wanted)!r}. "
                             f"Valid: {', '.join(c.stem for c in chapters)}.")
    return picked


def student_edition(out_dir: str | os.PathLike, *, only: Iterable[str] | None = None,
                    book_dir: str | os.PathLike | None = None) -> list[Path]:
    """Write the chapters without their solution cells (and with no outputs) into ``out_dir``.

    Parameters
    ----------
    out_dir : path-like
        Folder for the student notebooks (created; same file names as ``book/``).
    only : iterable of str, optional
        Chapters to write (numbers ``"04"`` or names); default every chapter.
    book_dir : path-like, optional
        The book's folder (default ``book/``).

    Returns
    -------
    list of pathlib.Path
        The notebooks written, in reading order.
    """
    out = Path(out_dir)
    if out.resolve() == Path(book_dir or chapters()[0].parent).resolve():
        raise ParameterError(f"`out_dir` {out} is the book itself; the student edition would overwrite the "
                             "teacher's chapters. Choose another folder.")
    written = []
    for chapter in _select(chapters(book_dir), only):
        nb = nbformat.read(chapter, as_version=4)
        nb.cells = [c for c in nb.cells if SOLUTION_TAG not in c.metadata.get("tags", [])]
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
                if "parameters" in cell.metadata.get("tags", []):
                    cell.source = cell.source.replace("SHOW_SOLUTIONS = False",
                                                      "SHOW_SOLUTIONS = False  # the student edition has no solutions")
        nb.metadata.setdefault("affacrnn", {})["edition"] = "student"
        written.append(atomic_write_text(out / chapter.name, nbformat.writes(nb)))
    return written


def find_submissions(folder: str | os.PathLike) -> dict[str, list[Path]]:
    """Submitted notebooks by student: ``FOLDER/<student>/*.ipynb``.

    Sub-folders whose names start with ``_`` or ``.`` (the grading output, checkpoints) are not
    students.

    Raises
    ------
    ParameterError
        The folder is missing or holds no student folder with a notebook.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ParameterError(f"submissions folder {root} does not exist; pass the folder that holds one "
                             "sub-folder per student (FOLDER/<student>/<NN_chapter>.ipynb).")
    found = {d.name: sorted(p for p in d.glob("*.ipynb") if not p.name.startswith("."))
             for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(("_", "."))}
    found = {k: v for k, v in found.items() if v}
    if not found:
        loose = sorted(p.name for p in root.glob("*.ipynb"))
        extra = f" (it has {len(loose)} notebook(s) at its top level: put each student's in a folder named " \
                f"after the student)" if loose else ""
        raise ParameterError(f"no submissions in {root}{extra}; expected FOLDER/<student>/<NN_chapter>.ipynb.")
    return found


def _chapter_keys(nb: Any, name: str) -> tuple[list[str], list[str]]:
    """(the exercises of this notebook's chapter, those whose check cell is in the notebook)."""
    present = sorted({k for c in nb.cells if c.cell_type == "code" for k in _KEY.findall(c.source)})
    known = bank()
    chapter = name[:2] if name[:2].isdigit() else None
    chapters = {chapter} if chapter else {k[2:4] for k in present}
    expected = sorted(k for k, ex in known.items() if ex.chapter in chapters)
    return sorted(set(expected) | set(present)), present


@contextlib.contextmanager
def _env(name: str, value: str):
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _execute(path: Path, target: Path, log: Path, *, parameters: Mapping[str, Any], cell_timeout: float | None) -> dict:
    """Run one submission with errors allowed; return its error count and first error."""
    from nbclient import NotebookClient
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(path))  # as papermill reads it: every cell has metadata.tags
    if any("parameters" in c.metadata.tags for c in nb.cells):
        nb = parameterize_notebook(nb, dict(parameters), report_mode=False)
    client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3", allow_errors=True,
                            interrupt_on_timeout=True, resources={"metadata": {"path": str(path.parent)}})
    with book_kernel(), _env(GRADE_LOG_ENV, str(log)):
        client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    atomic_write_text(target, nbformat.writes(nb))
    first = f"{errors[0].get('ename', '')}: {errors[0].get('evalue', '')}"[:200] if errors else ""
    return {"errors": len(errors), "first_error": first}


def grade(folder: str | os.PathLike, *, out_dir: str | os.PathLike | None = None, smoke: bool = True,
          parameters: Mapping[str, Any] | None = None, progress: bool = True,
          cell_timeout: float | None = None) -> pd.DataFrame:
    """Execute every submitted notebook and tabulate each student's exercises.

    Parameters
    ----------
    folder : path-like
        ``FOLDER/<student>/<NN_chapter>.ipynb`` (see :func:`find_submissions`).
    out_dir : path-like, optional
        Where ``grades.csv``, ``grades.md`` and the executed copies go (default ``FOLDER/_grades``).
    smoke : bool
        Run the chapters in smoke mode (default; as the book's tests do).
    parameters : mapping, optional
        More chapter parameters (``SEED``, ``CORPUS`` ...); ``SHOW_SOLUTIONS`` is always False.
    progress : bool
        Print a line per notebook on stderr.
    cell_timeout : float, optional
        Seconds a cell may run before it is interrupted (its error is recorded, the run goes on);
        default the book's smoke limit in smoke mode, none in full mode.

    Returns
    -------
    pandas.DataFrame
        One row per (student, exercise): ``student, chapter, notebook, exercise, status, answer,
        errors, first_error``. ``attrs["csv_path"]`` / ``attrs["md_path"]`` name the files.
    """
    submissions = find_submissions(folder)
    out = Path(out_dir) if out_dir is not None else Path(folder) / "_grades"
    params = {"SMOKE": bool(smoke), **dict(parameters or {}), "SHOW_SOLUTIONS": False}
    timeout = cell_timeout if cell_timeout is not None else (SMOKE_CELL_TIMEOUT if smoke else None)
    rows = []
    for student, notebooks in submissions.items():
        for path in notebooks:
            t0 = time.perf_counter()
            try:
                nb = nbformat.read(path, as_version=4)
            except (OSError, ValueError, nbformat.ValidationError) as exc:  # not a notebook: grade what can be
                keys, _ = _chapter_keys(nbformat.v4.new_notebook(), path.name)
                reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
                rows += [{"student": student, "chapter": key[2:4], "notebook": path.name, "exercise": key,
                          "status": "unreadable", "answer": "", "errors": 0, "first_error": reason} for key in keys]
                if progress:
                    print(f"graded {student}/{path.name}: unreadable ({reason})", file=sys.stderr, flush=True)
                continue
            keys, present = _chapter_keys(nb, path.name)
            with tempfile.TemporaryDirectory(prefix="affacrnn-grade-") as tmp:
                log = Path(tmp) / "checks.jsonl"
                log.touch()
                run = _execute(path, out / student / path.name, log, parameters=params, cell_timeout=timeout)
                logged: dict[str, dict] = {}
                for line in log.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        entry = json.loads(line)
                        logged[entry["exercise"]] = entry  # the last check of an exercise counts
            for key in keys:
                entry = logged.get(key)
                status = entry["status"] if entry else ("not run" if key in present else "missing")
                rows.append({"student": student, "chapter": key[2:4], "notebook": path.name, "exercise": key,
                             "status": status, "answer": entry["answer"] if entry else "", **run})
            if progress:
                right = sum(r["status"] == "right" for r in rows if r["student"] == student and r["notebook"] == path.name)
                print(f"graded {student}/{path.name}: {right}/{len(keys)} right, {run['errors']} cell error(s) "
                      f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows, columns=["student", "chapter", "notebook", "exercise", "status", "answer", "errors",
                                        "first_error"])
    csv_path = atomic_write_text(out / "grades.csv", table.to_csv(index=False))
    md_path = atomic_write_text(out / "grades.md", grade_summary(table))
    table.attrs.update({"csv_path": str(csv_path), "md_path": str(md_path)})
    return table


def grade_summary(table: pd.DataFrame) -> str:
    """A readable Markdown summary of :func:`grade`'s table: one line per student, one column per exercise."""
    if table.empty:
        return "# Grades\n\nNo exercises were found in the submissions.\n"
    marks = table.assign(mark=table["status"].map(_MARK)).pivot_table(
        index="student", columns="exercise", values="mark", aggfunc="first", fill_value="")
    right = table.groupby("student")["status"].apply(lambda s: f"{int((s == 'right').sum())} / {len(s)}")
    errors = table.drop_duplicates(["student", "notebook"]).groupby("student")["errors"].sum()
    summary = pd.concat([right.rename("right"), errors.rename("cell errors"), marks], axis=1).reset_index()
    legend = ", ".join(f"{m} {s}" for s, m in _MARK.items())
    return ("# Grades\n\n" + summary.to_markdown(index=False) + f"\n\nMarks: {legend}. Every row, with each answer "
            "and the first error of each notebook, is in grades.csv; the executed notebooks beside it show the "
            "tracebacks.\n")

