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

Grading (``affacrnn book --grade``, :mod:`affacrnn.book.classroom`) never trusts what a
submission's kernel says about itself. It runs the teacher's chapter once as a *reference*: with
``AFFACRNN_GRADE_REFERENCE`` naming a file, every reader's check appends the right answer there
(:func:`encode` d, one JSON line). Each submission then runs in a sandbox where
``AFFACRNN_GRADING`` is set: its checks compute and record nothing (the answers module is not
there); after the last cell the grader reads the answer variables back (:func:`export_answers`)
and compares them with the reference in its own process (:func:`decode`, :func:`compare`).

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

__all__ = ["EXERCISES", "REFERENCE_ENV", "GRADING_ENV", "ANSWERS_MARK", "CheckResult", "Exercise", "bank", "check", "compare",
           "Unreadable", "decode", "encode", "exercise", "export_answers", "solution_hidden"]

#: Names the file a grading run's reference run collects the right answers in.
REFERENCE_ENV = "AFFACRNN_GRADE_REFERENCE"
#: Set in a submission's sandboxed kernel: checks compute and record nothing there.
GRADING_ENV = "AFFACRNN_GRADING"
#: The line :func:`export_answers` prints starts with this.
ANSWERS_MARK = "AFFACRNN-ANSWERS "


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
    if len(args) == 2 and isinstance(args[0], str) and os.environ.get(GRADING_ENV) and not strict:
        return CheckResult(None, "Recorded for grading: the grader compares your answer after the last cell.")
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
    if not strict and os.environ.get(REFERENCE_ENV):
        line = json.dumps({"exercise": key, "expected": encode(right)}) + "\n"
        with open(os.environ[REFERENCE_ENV], "a", encoding="utf-8") as fh:  # one write: whole lines only
            fh.write(line)
    return result


def encode(value: Any) -> Any:
    """A JSON-able form of an answer that :func:`decode` turns back into something :func:`compare` reads.

    Numbers, strings, ``None``, sets, dicts, pandas Series and arrays keep their meaning; anything
    else becomes its ``repr`` (which never equals a right answer).
    """
    if value is None or value is Ellipsis:
        return {"none": True}
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, bool) or isinstance(value, (int, str)) or (isinstance(value, float) and np.isfinite(value)):
        return {"value": value}
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, (set, frozenset)):
        return {"set": [encode(v) for v in sorted(value, key=repr)]}
    if hasattr(value, "to_dict") and hasattr(value, "index"):  # pandas Series
        value = value.to_dict()
    if isinstance(value, dict):
        return {"dict": [[str(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple, np.ndarray)):
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return {"list": [encode(v) for v in value]}
        return {"array": [repr(float(v)) for v in array.ravel()], "shape": list(array.shape)}
    return {"repr": repr(value)[:200]}


def decode(data: Any) -> Any:
    """The answer :func:`encode` wrote (raises ``ValueError`` on anything it did not write)."""
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise ValueError(f"not an encoded answer: {str(data)[:80]}")
    if "none" in data:
        return None
    if "value" in data and isinstance(data["value"], (bool, int, float, str)):
        return data["value"]
    if "float" in data:
        return float(data["float"])
    if "set" in data:
        return {decode(v) for v in data["set"]}
    if "dict" in data:
        return {str(k): decode(v) for k, v in data["dict"]}
    if "list" in data:
        return [decode(v) for v in data["list"]]
    if "array" in data:
        return np.array([float(v) for v in data["array"]], dtype=float).reshape(data["shape"])
    if "repr" in data:
        return Unreadable(str(data["repr"]))
    raise ValueError(f"not an encoded answer: {str(data)[:80]}")


class Unreadable:
    """An answer of a type no check knows, read back as its ``repr``: equal to nothing, so never right."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]


def export_answers(names: dict[str, str], namespace: dict[str, Any]) -> None:
    """Print the answer variables ``names`` (exercise -> variable) of ``namespace`` for the grader.

    One line, :data:`ANSWERS_MARK` then JSON: ``{exercise: encoded answer}``; an exercise whose
    variable is not defined is left out (its cell did not run).
    """
    found = {key: encode(namespace[name]) for key, name in names.items() if name in namespace}
    print(ANSWERS_MARK + json.dumps(found), flush=True)


# The answers register themselves with `exercise` (defined above), so they are imported last.
from affacrnn.book import answers as _answers  # noqa: E402,F401
