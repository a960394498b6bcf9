"""Check helpers for the book's exercises: the right answers live here, not in the notebooks.

Every exercise in the book is a task, an empty cell for the reader, a check, and a solution
revealed by the chapter's ``SHOW_SOLUTIONS`` parameter. The check names the exercise and hands
over the data the answer depends on; the right answer is computed *inside the package*
(:mod:`affacrnn.book.answers`), so no cell of the notebook shows it:

>>> exercises.check("ch04-1", answer_1, labelled=labelled, seed=SEED)  # doctest: +SKIP
✓ Right: the number of test utterances is 336.

A check returns a :class:`CheckResult` (true when right) that notebooks display; a solution
cell passes ``strict=True`` so a wrong *solution* fails the chapter's test run. Solution cells
are tagged ``solution``; the student edition (``affacrnn book --student OUT``,
:mod:`affacrnn.book.classroom`) removes them.

When the environment variable ``AFFACRNN_GRADE_LOG`` names a file, every reader's check
(not the strict solution checks) appends one JSON line there: exercise, outcome, answer. That is
how ``affacrnn book --grade`` learns what each submitted notebook answered.

:func:`compare` is the plain comparison (an answer against an expected value you pass);
``check(answer, expected=...)`` still works and means the same.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import html
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from affacrnn.errors import AffacrnnError, ParameterError

__all__ = ["EXERCISES", "GRADE_LOG_ENV", "CheckResult", "Exercise", "bank", "check", "compare", "exercise", "solution_hidden"]

#: The environment variable naming the file a grading run collects the checks' outcomes in.
GRADE_LOG_ENV = "AFFACRNN_GRADE_LOG"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check: ``ok`` (``None`` when nothing was answered yet) and a message."""

    ok: bool | None
    message: str

    def __bool__(self) -> bool:
        return bool(self.ok)

    def __str__(self) -> str:
        mark = {True: "✓", False: "✗", None: "…"}[self.ok]
        return f"{mark} {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = {True: "#1a7f37", False: "#cf222e", None: "#6e7781"}[self.ok]
        return f'<p style="color:{colour};font-weight:bold">{html.escape(str(self))}</p>'


def _same(answer: Any, expected: Any, tol: float) -> bool:
    if isinstance(expected, (set, frozenset)):
        return set(answer) == set(expected)
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected.strip().lower()
    if isinstance(expected, dict):
        return isinstance(answer, dict) and set(answer) == set(expected) and all(
            _same(answer[k], expected[k], tol) for k in expected
        )
    if hasattr(expected, "to_dict"):  # pandas Series
        return _same(dict(getattr(answer, "to_dict", lambda: answer)()), expected.to_dict(), tol)
    try:
        a = np.asarray(answer, dtype=float)
        e = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return answer == expected
    return a.shape == e.shape and bool(np.allclose(a, e, rtol=0, atol=tol))


def compare(answer: Any, *, expected: Any, tol: float = 1e-6, what: str = "your answer",
            hint: str = "", strict: bool = False) -> CheckResult:
    """Compare ``answer`` with ``expected`` and say whether it is right.

    Parameters
    ----------
    answer : any
        The reader's answer; ``None`` or ``...`` means "not answered yet".
    expected : any
        The right answer: a number (compared within ``tol``), a string (case-insensitive), a
        set, a dict, a pandas Series, or an array.
    tol : float
        Absolute tolerance for numbers.
    what : str
        What the answer is, for the message ("the number of test speakers").
    hint : str
        Shown when the answer is wrong.
    strict : bool
        Raise :class:`AffacrnnError` if wrong (solution cells use this, so tests catch a wrong
        solution).

    Returns
    -------
    CheckResult
    """
    if answer is None or answer is Ellipsis:
        return CheckResult(None, f"Not answered yet: put {what} in the cell above and run this cell again.")
    ok = _same(answer, expected, tol)
    if ok:
        result = CheckResult(True, f"Right: {what} is {_show(answer)}.")
    else:
        result = CheckResult(False, f"Not quite: {what} is not {_show(answer)}." + (f" Hint: {hint}" if hint else ""))
    if strict and not ok:
        raise AffacrnnError(f"solution check failed: {what}: got {_show(answer)}, expected {_show(expected)}")
    return result


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


def solution_hidden() -> CheckResult:
    """What a solution cell shows when ``SHOW_SOLUTIONS`` is off."""
    return CheckResult(None, "Solution hidden: set SHOW_SOLUTIONS = True in the parameters cell (or pass "
                             "-p SHOW_SOLUTIONS True to papermill) and run this cell again.")


@dataclass(frozen=True)
class Exercise:
    """One exercise of the book: where it is, what the answer is, and how to compute it.

    Attributes
    ----------
    key : str
        ``"chNN-K"``: chapter NN's exercise K.
    what : str
        What the answer is, for the messages ("the number of test utterances").
    expected : callable
        ``expected(**inputs)`` returns the right answer from the data the check cell hands over.
    tol : float
        Absolute tolerance for numbers.
    hint : str
        Shown when the answer is wrong.
    """

    key: str
    what: str
    expected: Callable[..., Any]
    tol: float = 1e-6
    hint: str = ""

    @property
    def chapter(self) -> str:
        """The chapter's number, ``"04"`` for ``"ch04-1"``."""
        return self.key[2:4]


#: Every exercise of the book by key, filled by :mod:`affacrnn.book.answers` (loaded on first use).
EXERCISES: dict[str, Exercise] = {}


def exercise(key: str, *, what: str, tol: float = 1e-6, hint: str = "") -> Callable:
    """Register the decorated function as the right answer of exercise ``key``."""
    if not (len(key) >= 6 and key[:2] == "ch" and key[2:4].isdigit() and key[4] == "-" and key[5:].isdigit()):
        raise ValueError(f"exercise keys look like 'ch04-1'; got {key!r}")

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        EXERCISES[key] = Exercise(key, what, fn, tol, hint)
        return fn

    return register


def bank() -> dict[str, Exercise]:
    """Every exercise of the book by key (:data:`EXERCISES`, filled by :mod:`affacrnn.book.answers`)."""
    return EXERCISES


def check(*args: Any, strict: bool = False, expected: Any = ..., tol: float | None = None, what: str | None = None,
          hint: str | None = None, **inputs: Any) -> CheckResult:
    """Check the reader's answer to one of the book's exercises.

    ``check(key, answer, **inputs)`` computes the right answer of exercise ``key`` from
    ``inputs`` inside the package and compares; the legacy form ``check(answer, expected=...)``
    is :func:`compare`.

    Parameters
    ----------
    key : str
        The exercise, e.g. ``"ch04-1"`` (see :data:`EXERCISES`).
    answer : any
        The reader's answer; ``None`` or ``...`` means "not answered yet".
    strict : bool
        Raise :class:`AffacrnnError` if wrong (solution cells).
    **inputs
        The data the exercise is about, by the names its answer function takes (a chapter's
        check cell passes them; e.g. ``labelled=labelled, seed=SEED``).

    Returns
    -------
    CheckResult

    Raises
    ------
    ParameterError
        Unknown exercise key, or inputs its answer function does not take.
    """
    if len(args) == 1 and expected is not ...:
        return compare(args[0], expected=expected, tol=1e-6 if tol is None else tol,
                       what=what or "your answer", hint=hint or "", strict=strict)
    if len(args) != 2 or not isinstance(args[0], str):
        raise ParameterError("call exercises.check(key, answer, **inputs), e.g. exercises.check(\"ch04-1\", answer_1, "
                             "labelled=labelled, seed=SEED); or exercises.check(answer, expected=value).")
    key, answer = args
    if key not in EXERCISES:
        raise ParameterError(f"unknown exercise {key!r}; the book has {', '.join(sorted(EXERCISES))}.")
    ex = EXERCISES[key]
    try:
        right = ex.expected(**inputs)
    except TypeError as exc:
        raise ParameterError(f"exercise {key}: {exc}. Pass the inputs its cell passes (see affacrnn.book.answers).") \
            from exc
    result = compare(answer, expected=right, tol=ex.tol if tol is None else tol, what=what or ex.what,
                     hint=ex.hint if hint is None else hint, strict=strict)
    if not strict:
        _log(key, result, answer)
    return result


def _log(key: str, result: CheckResult, answer: Any) -> None:
    """Append the outcome to ``$AFFACRNN_GRADE_LOG`` (one JSON line, one ``write`` on an O_APPEND file:
    lines from one kernel never interleave, and a killed run leaves whole lines)."""
    path = os.environ.get(GRADE_LOG_ENV)
    if not path:
        return
    status = {True: "right", False: "wrong", None: "not answered"}[result.ok]
    line = json.dumps({"exercise": key, "status": status, "answer": _show(answer)}) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)


# The answers register themselves with `exercise` (defined above), so they are imported last.
from affacrnn.book import answers as _answers  # noqa: E402,F401
