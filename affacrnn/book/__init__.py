"""The Jupyter book: build (papermill, HTML), its kernel, exercises and the chapters' widgets.

=================================  ======================================================
module                             what
=================================  ======================================================
:mod:`affacrnn.book.build`          list, execute (papermill) and build (HTML) the chapters
:mod:`affacrnn.book.kernel`         the quiet ``python3`` kernel the chapters run in
:mod:`affacrnn.book.exercises`      exercise checks and hidden solutions
:mod:`affacrnn.book.widgets`        one module per chapter that has widgets
=================================  ======================================================

The build names (``run_chapter``, ``build_html``, ...) are re-exported, so ``affacrnn.book`` reads
as before.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

from affacrnn.book.build import (  # noqa: F401  (the public surface of this stage)
    BOOK_DIR,
    SMOKE_PARAMETERS,
    WIDGET_JS_PACKAGES,
    ChapterRun,
    chapters,
    run_chapter,
    run_chapters,
    fetch_widget_js,
    build_html,
    external_references,
    lab_command,
)

__all__ = [
    "BOOK_DIR",
    "SMOKE_PARAMETERS",
    "WIDGET_JS_PACKAGES",
    "ChapterRun",
    "chapters",
    "run_chapter",
    "run_chapters",
    "fetch_widget_js",
    "build_html",
    "external_references",
    "lab_command",
]
