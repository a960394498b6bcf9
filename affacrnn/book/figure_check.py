"""The layout check of every figure a chapter draws: no text outside the figure, no title or axis
label on top of another text.

A reader found "padding →" drawn over the feature matrix's title (chapter 5): the check then
covered only the plot helpers' figures, in a unit test. Now every figure a book run draws is
checked as it is drawn: :func:`watch` is a matplotlib figure hook (``rcParams["figure.hooks"]``,
called for every figure pyplot creates, the widgets' included), connected to the figure's draw
event; a problem prints one line, ``figure layout: ...``, under the cell. The book's kernel
(:mod:`affacrnn.book.kernel`) installs the hook (:data:`FIGURE_HOOK`) when ``AFFACRNN_CHECK_FIGURES`` is set, which
``affacrnn book --run/--html`` does, and the book's tests fail on any such line.

Notebook: book/05_features.ipynb
"""
from __future__ import annotations

import sys

import matplotlib.text

from affacrnn.book.kernel import CHECK_FIGURES_ENV, FIGURE_HOOK

__all__ = ["CHECK_FIGURES_ENV", "FIGURE_HOOK", "PREFIX", "layout_problems", "watch"]

#: How a problem line starts (the tests look for it).
PREFIX = "figure layout:"


def _texts(fig, renderer) -> list:
    boxes = []
    for text in fig.findobj(matplotlib.text.Text):
        if text.get_visible() and text.get_text().strip() and (text.axes is not None or text in fig.texts):
            boxes.append((text, text.get_window_extent(renderer)))
    return boxes


def layout_problems(fig, renderer=None) -> list[str]:
    """Texts of ``fig`` drawn outside it, and titles or axis labels overlapping any other text.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    renderer : optional
        The renderer of a draw that just happened (in a draw event); without it the figure is drawn.

    Returns
    -------
    list of str
        One line per problem, e.g. ``"'padding →' overlaps 'ravdess: 03-01-…'"``; empty when clean.
    """
    if renderer is None:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
    page, boxes, problems = fig.bbox, _texts(fig, renderer), []
    for text, box in boxes:
        if box.x0 < page.x0 - 1 or box.x1 > page.x1 + 1 or box.y0 < page.y0 - 1 or box.y1 > page.y1 + 1:
            problems.append(f"{text.get_text()!r} outside the figure")
    labels = {id(t) for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label)}
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            if (id(a) in labels or id(b) in labels) and box_a.overlaps(box_b):
                problems.append(f"{a.get_text()!r} overlaps {b.get_text()!r}")
    return problems


def _on_draw(event) -> None:
    fig = event.canvas.figure
    for line in layout_problems(fig, event.renderer):
        if line not in fig.affacrnn_reported:
            fig.affacrnn_reported.add(line)
            print(f"{PREFIX} {line}", file=sys.stderr)


def watch(fig) -> None:
    """The figure hook: check ``fig`` each time it is drawn; print each new problem once (stderr)."""
    fig.affacrnn_reported = set()
    fig.canvas.mpl_connect("draw_event", _on_draw)
