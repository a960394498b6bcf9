"""Check helpers for the book's exercises.

Every exercise in the book is a task, an empty cell for the reader, a check, and a solution
revealed by the chapter's ``SHOW_SOLUTIONS`` parameter. A check compares the reader's answer
with the right one (computed from the data, never typed in) and says whether it is right:

>>> check(0.6861, expected=400 / 583, tol=1e-3, what="the majority rate")  # doctest: +SKIP
✓ Right: the majority rate is 0.6861.

A check returns a :class:`CheckResult` (true when right) that notebooks display; a solution
cell passes ``strict=True`` so a wrong *solution* fails the chapter's test run.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np

from affacrnn.errors import AffacrnnError

__all__ = ["CheckResult", "check", "solution_hidden"]


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


def check(answer: Any, *, expected: Any, tol: float = 1e-6, what: str = "your answer",
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
