"""The Jupyter book: build (papermill, HTML), its kernel, exercises and the chapters' widgets.

=================================  ======================================================
module                             what
=================================  ======================================================
:mod:`affacrnn.book.build`          list, execute (papermill) and build (HTML) the chapters
:mod:`affacrnn.book.kernel`         the quiet ``python3`` kernel the chapters run in
:mod:`affacrnn.book.engine`         the papermill engine the chapters run with (no lost wake-up)
:mod:`affacrnn.book.exercises`      exercise checks by key (the answers stay in the package)
:mod:`affacrnn.book.answers`        each exercise's right answer, computed from the run's data
:mod:`affacrnn.book.classroom`      the student edition and grading of submitted chapters
:mod:`affacrnn.book.plots`          the chapters' seaborn plots (confusion, attention, folds)
:mod:`affacrnn.book.tables`         wide result tables that scroll and wrap
:mod:`affacrnn.book.times`          each chapter's measured run time, in its parameters cell
:mod:`affacrnn.book.widgets`        one module per chapter that has widgets
=================================  ======================================================

The build names (``run_chapter``, ``build_html``, ...) are re-exported (loaded on first use), so
``affacrnn.book`` reads as before.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "BOOK_DIR",
    "SMOKE_PARAMETERS",
    "SMOKE_CELL_TIMEOUT",
    "WIDGET_JS_PACKAGES",
    "ChapterRun",
    "chapters",
    "run_chapter",
    "run_chapters",
    "fetch_widget_js",
    "build_html",
    "external_references",
    "lab_command",
    "book_kernel",
    "ensure_lab_settings",
    "LAB_OVERRIDES",
]

_SUBMODULES = {"build", "kernel", "exercises", "answers", "classroom", "plots", "tables", "times", "widgets"}


# The build names load on first use (PEP 562): ``python -m affacrnn.book.kernel`` imports this
# package first, and an eager import of build (which imports kernel) would run the kernel module
# twice (runpy's "found in sys.modules" warning).
def __getattr__(name: str) -> Any:
    if name in __all__:
        value = getattr(importlib.import_module("affacrnn.book.build"), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"affacrnn.book.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
