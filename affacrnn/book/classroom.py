"""The book in a classroom: a student edition without solutions, and grading of submitted chapters.

A teacher hands out the **student edition** (``affacrnn book --student OUT``): every chapter
with its solution cells (tagged ``solution``) removed and its outputs cleared. A student answers
in the empty cells (``answer_1 = ...``); the check cell below each one says right or wrong, with
the right answer computed inside the package (:mod:`affacrnn.book.answers`), so the notebook
never shows it.

**Grading** (``affacrnn book --grade FOLDER``) first runs the teacher's own chapter (smoke mode,
the same parameters) as the *reference*: its checks write down every right answer. Then it
executes each submitted notebook (``FOLDER/<student>/<NN_chapter>.ipynb``) in a sandbox of its
own (:mod:`affacrnn.book.sandbox`: a scratch folder, bubblewrap where it can start, a time limit
for the whole notebook, every process it started killed at the end), reads the answer variables
back after its last cell and compares them with the reference *in the grader's process*. Nothing
a submission writes (a log, the package, another student's files) can change a grade. Each row
of the table is one student and exercise, with its status:

=================  ==========================================================================
status             meaning
=================  ==========================================================================
``right``          the answer variable holds the right answer
``wrong``          it holds another value
``not answered``   the answer cell was left at ``None``
``not run``        the check cell is in the notebook but the answer variable was never set (a
                   cell above it raised, its own cell did, or the time limit stopped the run)
``missing``        the notebook has neither the check cell nor the answer (deleted)
``unreadable``     the file is not a notebook (its error is in ``first_error``); nothing ran
=================  ==========================================================================

A cell that raises does not stop the grading of the rest of the notebook (the run continues, as
"Run all" with errors allowed would); a cell that runs past the cell limit, or a notebook past
its time limit, is stopped there (its processes killed) and the exercises it had not reached are
"not run". Outputs: ``grades.csv`` (every row), ``grades.md`` (one line
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
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from affacrnn._io import atomic_write_text
from affacrnn.book import sandbox as box
from affacrnn.book.build import SMOKE_CELL_TIMEOUT, book_kernel, chapters
from affacrnn.book.exercises import ANSWERS_MARK, REFERENCE_ENV, Unreadable, bank, compare, decode
from affacrnn.errors import AffacrnnError, ParameterError

__all__ = ["SOLUTION_TAG", "STATUSES", "student_edition", "find_submissions", "grade", "grade_summary"]

#: Cells carrying this tag are solutions: the student edition removes them.
SOLUTION_TAG = "solution"
#: The statuses of a graded exercise, best first.
STATUSES = ("right", "wrong", "not answered", "not run", "missing", "unreadable")
_MARK = {"right": "✓", "wrong": "✗", "not answered": "–", "not run": "!", "missing": "?", "unreadable": "×"}
_KEY = re.compile(r"""exercises\.check\(\s*["'](ch\d\d-\d+)["']""")
_ANSWER = re.compile(r"""exercises\.check\(\s*["'](ch\d\d-\d+)["']\s*,\s*([A-Za-z_]\w*)""")
#: Seconds a whole submitted notebook may run, by mode, before its process tree is killed.
TIME_LIMITS = {"smoke": 900.0, "full": 4 * 3600.0}


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
                    book_dir: str | os.PathLike | None = None, force: bool = False) -> list[Path]:
    """Write the chapters without their solution cells (and with no outputs) into ``out_dir``.

    Parameters
    ----------
    out_dir : path-like
        Folder for the student notebooks (created; same file names as ``book/``).
    only : iterable of str, optional
        Chapters to write (numbers ``"04"`` or names); default every chapter.
    book_dir : path-like, optional
        The book's folder (default ``book/``).
    force : bool
        Overwrite a notebook already in ``out_dir`` that differs from the handout (a student's
        answers); without it such a folder is refused and nothing is written.

    Returns
    -------
    list of pathlib.Path
        The notebooks written, in reading order.

    Raises
    ------
    ParameterError
        ``out_dir`` is the book itself, or holds a changed notebook and ``force`` is off.
    """
    out = Path(out_dir)
    if out.resolve() == Path(book_dir or chapters()[0].parent).resolve():
        raise ParameterError(f"`out_dir` {out} is the book itself; the student edition would overwrite the "
                             "teacher's chapters. Choose another folder.")
    editions = {chapter.name: _edition(chapter) for chapter in _select(chapters(book_dir), only)}
    changed = [name for name, text in editions.items()
               if (out / name).is_file() and (out / name).read_text(encoding="utf-8", errors="replace") != text]
    if changed and not force:
        raise ParameterError(f"{out} already holds {', '.join(changed)}, changed since it was handed out (a "
                             "student's answers?); nothing was written. Choose another folder, or pass --force "
                             "(force=True) to overwrite them.")
    return [atomic_write_text(out / name, text) for name, text in editions.items()]


def _edition(chapter: Path) -> str:
    """The student edition of one chapter, as notebook text."""
    nb = nbformat.read(chapter, as_version=4)
    nb.cells = [c for c in nb.cells if SOLUTION_TAG not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if "parameters" in cell.metadata.get("tags", []):
                cell.source = cell.source.replace("SHOW_SOLUTIONS = False",
                                                  "SHOW_SOLUTIONS = False  # the student edition has no solutions")
    nb.metadata.setdefault("affacrnn", {})["edition"] = "student"
    return nbformat.writes(nb)


def find_submissions(folder: str | os.PathLike, *, progress: bool = False) -> dict[str, list[Path]]:
    """Submitted notebooks by student: ``FOLDER/<student>/*.ipynb``.

    Sub-folders whose names start with ``_`` or ``.`` (the grading output, checkpoints) are not
    students; with ``progress`` the skipped ones (other than ``_grades``) are named on stderr.

    Raises
    ------
    ParameterError
        The folder is missing or holds no student folder with a notebook.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ParameterError(f"submissions folder {root} does not exist; pass the folder that holds one "
                             "sub-folder per student (FOLDER/<student>/<NN_chapter>.ipynb).")
    folders = [d for d in sorted(root.iterdir()) if d.is_dir()]
    skipped = [d.name for d in folders if d.name.startswith(("_", ".")) and d.name != "_grades"]
    if skipped and progress:
        print(f"not graded: {', '.join(skipped)} (a folder whose name starts with _ or . is not a student; rename "
              "it to grade it)", file=sys.stderr, flush=True)
    found = {d.name: sorted(p for p in d.glob("*.ipynb") if not p.name.startswith("."))
             for d in folders if not d.name.startswith(("_", "."))}
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
def _env(**values: str):
    old = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _client(nb: Any, *, workdir: Path, kernel_name: str, cell_timeout: float | None, km: Any = None) -> Any:
    from nbclient import NotebookClient

    return NotebookClient(nb, km=km, timeout=cell_timeout, kernel_name=kernel_name, allow_errors=True,
                          resources={"metadata": {"path": str(workdir)}})


def _parameterized(path: Path, parameters: Mapping[str, Any]) -> Any:
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(path))  # as papermill reads it: every cell has metadata.tags
    if any("parameters" in c.metadata.tags for c in nb.cells):
        nb = parameterize_notebook(nb, dict(parameters), report_mode=False)
    return nb


def _errors(nb: Any) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]


def answer_names(chapter: str | os.PathLike) -> dict[str, str]:
    """Each exercise of a chapter and the variable its reader's check cell passes (``{"ch04-1": "answer_1"}``).

    Read from the teacher's chapter, never from a submission.
    """
    nb = nbformat.read(chapter, as_version=4)
    return {key: name for c in nb.cells if c.cell_type == "code" and SOLUTION_TAG not in c.metadata.get("tags", [])
            for key, name in _ANSWER.findall(c.source)}


def reference_answers(chapter: str | os.PathLike, *, parameters: Mapping[str, Any],
                      cell_timeout: float | None = None, time_limit: float = TIME_LIMITS["full"]) -> dict[str, Any]:
    """Run the teacher's ``chapter`` once (its own kernel, not sandboxed) and collect every right answer.

    Returns
    -------
    dict
        ``{exercise: right answer}`` (decoded, see :func:`affacrnn.book.exercises.decode`).

    Raises
    ------
    AffacrnnError
        A cell of the teacher's chapter raised, or a check did not run: no submission of that
        chapter can be graded until it runs.
    """
    path = Path(chapter)
    expected = answer_names(path)
    with tempfile.TemporaryDirectory(prefix="affacrnn-reference-") as tmp:
        log = Path(tmp) / "reference.jsonl"
        log.touch()
        nb = _parameterized(path, parameters)
        with book_kernel(), _env(**{REFERENCE_ENV: str(log)}):
            stopped = _run(_client(nb, workdir=path.parent, kernel_name="python3", cell_timeout=cell_timeout),
                           time_limit=time_limit)
        found = {}
        for line in log.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            found[entry["exercise"]] = decode(entry["expected"])
    errors = _errors(nb)
    if stopped or errors or set(expected) - set(found):
        what = stopped or f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if stopped or errors else \
            f"its checks {sorted(set(expected) - set(found))} did not run"
        raise AffacrnnError(f"the reference run of the teacher's {path.name} failed ({what}); grading needs the "
                            f"chapter to run: run `affacrnn book --run OUT --chapters {path.name[:2]}` and fix it.")
    return found


def _read_back(nb: Any) -> dict[str, Any] | None:
    """The answers the grader's last cell printed, or None when that cell did not run."""
    cell = nb.cells[-1]
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    lines = [line for line in text.splitlines() if line.startswith(ANSWERS_MARK)]
    if not lines:
        return None
    try:
        data = json.loads(lines[-1][len(ANSWERS_MARK):])
        return {str(k): decode(v) for k, v in data.items()} if isinstance(data, dict) else None
    except ValueError:
        return None


def _run(client: Any, *, time_limit: float) -> str:
    """Execute ``client``'s notebook; return why it was stopped early ("" when it ran to the end).

    The notebook runs in a worker thread (nbclient then installs no signal handlers of its own), so
    this thread keeps the clock and the signals: past ``time_limit``, when a cell runs past the
    cell limit (an interrupt cannot be trusted to stop a cell that ignores it), or on Ctrl-C /
    SIGTERM, every process the kernel started is killed; an interruption is raised again for the CLI.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    failure: list[BaseException] = []
    reason: list[str] = []

    def run() -> None:
        try:
            client.execute()
        except DeadKernelError:
            pass  # the time limit, or the notebook killed its own kernel: what ran is graded
        except CellTimeoutError:
            reason.append(f"TimeLimit: a cell ran past the cell limit of {client.timeout:g} s; the notebook was "
                          "stopped there")
        except BaseException as exc:  # noqa: BLE001 - handed to the grading thread
            failure.append(exc)

    worker = threading.Thread(target=run, name="affacrnn grading", daemon=True)
    seen = box.ProcessTree()
    deadline = time.monotonic() + time_limit
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.5)
            seen.watch(getattr(getattr(client.km, "provisioner", None), "pid", None))
            if not reason and time.monotonic() > deadline:
                reason.append(f"TimeLimit: the notebook ran past {time_limit:g} s and was stopped")
                seen.kill()
    finally:  # also on Ctrl-C / SIGTERM: nothing the notebook started outlives its grading
        seen.kill()
        if client.kc is not None:  # a kernel manager of ours: nbclient leaves its channels open
            client.kc.stop_channels()
    if failure:
        raise failure[0]
    return reason[0] if reason else ""


def _execute(path: Path, target: Path, *, names: Mapping[str, str], parameters: Mapping[str, Any],
             cell_timeout: float | None, time_limit: float, hidden: list[Path], isolate: bool) -> dict:
    """Run one submission in its own sandbox; return its answers read back, error count and first error."""
    nb = _parameterized(path, parameters)
    nb.cells.append(nbformat.v4.new_code_cell(
        "from affacrnn.book.exercises import export_answers\n"
        f"export_answers({dict(names)!r}, globals())"))
    with tempfile.TemporaryDirectory(prefix="affacrnn-grade-") as tmp:
        from jupyter_client.manager import AsyncKernelManager

        sandbox = box.prepare(tmp, hidden=hidden, isolate=isolate)
        with _env(JUPYTER_PATH=str(sandbox.jupyter_path), JUPYTER_RUNTIME_DIR=str(sandbox.runtime)):
            # the connection file where the sandbox can read it (the default is the grader's /tmp)
            km = AsyncKernelManager(kernel_name=box.KERNEL_NAME, connection_file=str(sandbox.runtime / "kernel.json"))
            client = _client(nb, workdir=sandbox.work, kernel_name=box.KERNEL_NAME, cell_timeout=cell_timeout, km=km)
            stopped = _run(client, time_limit=time_limit)
    answers = _read_back(nb)
    nb.cells.pop()  # the grader's cell is not the student's feedback
    errors = _errors(nb)
    if stopped:
        first = stopped
    elif answers is None and not errors:
        first = "the notebook's kernel stopped before its last cell"
    else:
        first = f"{errors[0].get('ename', '')}: {errors[0].get('evalue', '')}"[:200] if errors else ""
    atomic_write_text(target, nbformat.writes(nb))
    return {"answers": answers or {}, "errors": len(errors) + bool(stopped), "first_error": first}


def _status(key: str, answers: Mapping[str, Any], present: list[str], expected: Mapping[str, Any]) -> str:
    if key not in answers:
        return "not run" if key in present else "missing"
    answer = answers[key]
    if answer is None:
        return "not answered"
    ex = bank().get(key)
    if isinstance(answer, Unreadable) or key not in expected:
        return "wrong"
    return "right" if compare(answer, expected=expected[key], tol=ex.tol if ex else 1e-6).ok else "wrong"


def _show_answer(value: Any) -> str:
    if value is None:
        return ""
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


def _student_name(name: str) -> str:
    return re.sub(r"[\x00-\x1f|]", " ", name)


def grade(folder: str | os.PathLike, *, out_dir: str | os.PathLike | None = None, smoke: bool = True,
          parameters: Mapping[str, Any] | None = None, progress: bool = True,
          cell_timeout: float | None = None, time_limit: float | None = None, isolate: bool = True,
          only: Iterable[str] | None = None) -> pd.DataFrame:
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
        Seconds a cell may run before the notebook is stopped there (the exercises it had not
        reached are "not run"); default the book's smoke limit in smoke mode, none in full mode.
    time_limit : float, optional
        Seconds a whole submission may run before its processes are killed (the exercises it
        had not reached are "not run"); default :data:`TIME_LIMITS` by mode.
    isolate : bool
        Run each submission under bubblewrap when it can start here (default). Where it cannot,
        or with False, a submission runs with the grader's rights (a warning says so).
    only : iterable of str, optional
        Grade only these chapters (numbers ``"04"`` or names); other notebooks are left out.

    Returns
    -------
    pandas.DataFrame
        One row per (student, exercise): ``student, chapter, notebook, exercise, status, answer,
        errors, first_error``. ``attrs["csv_path"]`` / ``attrs["md_path"]`` name the files.

    Raises
    ------
    AffacrnnError
        The teacher's own chapter fails its reference run.
    """
    teacher = {c.name[:2]: c for c in _select(chapters(), only)}
    submissions = find_submissions(folder, progress=progress)
    out = Path(out_dir) if out_dir is not None else Path(folder) / "_grades"
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out} is a file; pass a folder for grades.csv, grades.md and the executed "
                             "notebooks.")
    params = {"SMOKE": bool(smoke), **dict(parameters or {}), "SHOW_SOLUTIONS": False}
    timeout = cell_timeout if cell_timeout is not None else (SMOKE_CELL_TIMEOUT if smoke else None)
    limit = float(time_limit if time_limit is not None else TIME_LIMITS["smoke" if smoke else "full"])
    if limit <= 0:
        raise ParameterError(f"`time_limit` must be positive seconds; got {time_limit!r}.")
    if isolate and box.bubblewrap() is None and progress:
        print("warning: bubblewrap (bwrap) cannot start here, so submissions run with your rights; install it "
              "(Debian/Ubuntu: apt-get install bubblewrap) to sandbox them.", file=sys.stderr, flush=True)
    hidden = [Path(folder).resolve(), out.resolve()]
    if only is not None:
        submissions = {k: [p for p in v if p.name[:2] in teacher] for k, v in submissions.items()}
    references: dict[str, dict[str, Any]] = {}
    rows = []
    for student, notebooks in submissions.items():
        for path in notebooks:
            t0 = time.perf_counter()
            shown = _student_name(student)
            try:
                nb = nbformat.read(path, as_version=4)
            except (OSError, ValueError, nbformat.ValidationError) as exc:  # not a notebook: grade what can be
                keys, _ = _chapter_keys(nbformat.v4.new_notebook(), path.name)
                reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
                rows += [{"student": shown, "chapter": key[2:4], "notebook": path.name, "exercise": key,
                          "status": "unreadable", "answer": "", "errors": 0, "first_error": reason} for key in keys]
                if progress:
                    print(f"graded {shown}/{path.name}: unreadable ({reason})", file=sys.stderr, flush=True)
                continue
            keys, present = _chapter_keys(nb, path.name)
            chapter = teacher.get(path.name[:2])
            names = answer_names(chapter) if chapter is not None else {}
            if chapter is not None and chapter.name not in references:
                if progress:
                    print(f"reference run of the teacher's {chapter.name} ...", file=sys.stderr, flush=True)
                references[chapter.name] = reference_answers(chapter, parameters=params, cell_timeout=timeout,
                                                              time_limit=max(limit, TIME_LIMITS['smoke']))
            expected = references.get(chapter.name, {}) if chapter is not None else {}
            run = _execute(path, out / student / path.name, names=names, parameters=params, cell_timeout=timeout,
                           time_limit=limit, hidden=hidden, isolate=isolate)
            answers = run.pop("answers")
            for key in keys:
                rows.append({"student": shown, "chapter": key[2:4], "notebook": path.name, "exercise": key,
                             "status": _status(key, answers, present, expected),
                             "answer": _show_answer(answers.get(key)), **run})
            if progress:
                right = sum(r["status"] == "right" for r in rows if r["student"] == shown and r["notebook"] == path.name)
                print(f"graded {shown}/{path.name}: {right}/{len(keys)} right, {run['errors']} cell error(s) "
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
    table = table.assign(student=table["student"].astype(str).map(_student_name))  # one line per student
    marks = table.assign(mark=table["status"].map(_MARK)).pivot_table(
        index="student", columns="exercise", values="mark", aggfunc="first", fill_value="")
    right = table.groupby("student")["status"].apply(lambda s: f"{int((s == 'right').sum())} / {len(s)}")
    errors = table.drop_duplicates(["student", "notebook"]).groupby("student")["errors"].sum()
    summary = pd.concat([right.rename("right"), errors.rename("cell errors"), marks], axis=1).reset_index()
    legend = ", ".join(f"{m} {s}" for s, m in _MARK.items())
    return ("# Grades\n\n" + summary.to_markdown(index=False) + f"\n\nMarks: {legend}. Every row, with each answer "
            "and the first error of each notebook, is in grades.csv; the executed notebooks beside it show the "
            "tracebacks.\n")

