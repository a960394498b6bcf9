"""Wide result tables that stay readable in JupyterLab and in the HTML book.

A pandas table wider than the page is cut off at its right edge in the HTML book, and a long
text column (a ``note``, a feature list) stretches every row to one very long line. :func:`wide_table`
renders the table inside a box that scrolls sideways, wraps long text in its cell, and rounds
numbers, so every column can be read.

:func:`ledger` shows the committed claims ledger (``results/claims.json``) as a Markdown table
whose chapter column links to the chapter holding each claim's evidence.

Notebook: book/07_sbcnn.ipynb
"""
from __future__ import annotations

import html

import pandas as pd

__all__ = ["wide_table", "ledger"]


class _HTML:
    """An object Jupyter shows as HTML (IPython.display.HTML without importing IPython here)."""

    def __init__(self, text: str, frame: pd.DataFrame) -> None:
        self.text, self.frame = text, frame

    def _repr_html_(self) -> str:
        return self.text

    def __repr__(self) -> str:  # plain-text front ends (papermill logs, a terminal)
        return self.frame.to_string()


def wide_table(df: pd.DataFrame, *, precision: int = 2, wrap: str = "22em", caption: str | None = None) -> _HTML:
    """``df`` as HTML that scrolls sideways when wide and wraps long text cells.

    Parameters
    ----------
    df : pandas.DataFrame
        The table (its index is shown only when it is not a plain range).
    precision : int
        Decimals of float columns.
    wrap : str
        Widest a text cell may grow before it wraps (a CSS length).
    caption : str, optional
        A caption above the table.

    Returns
    -------
    object
        Displayed as HTML by Jupyter; ``repr`` is the plain-text table.
    """
    frame = df.copy()
    show_index = not isinstance(frame.index, pd.RangeIndex)
    styler = frame.style.format(precision=precision, na_rep="–")
    text_cols = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    if text_cols:
        styler = styler.set_properties(subset=text_cols, **{"white-space": "normal", "min-width": "8em",
                                                            "max-width": wrap, "text-align": "left"})
    if not show_index:
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(html.escape(caption))
    table = styler.set_table_attributes('class="dataframe affacrnn-wide"').to_html()
    return _HTML(f'<div style="overflow-x: auto; max-width: 100%;">{table}</div>', frame)


class _Markdown:
    """An object Jupyter shows as Markdown (so its links to other chapters work in JupyterLab and the HTML book)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def ledger(*, chapter: str | None = None, results_dir=None) -> _Markdown:
    """The committed claims ledger as a Markdown table, each row linked to the chapter with its evidence.

    Parameters
    ----------
    chapter : str, optional
        Only the claims this chapter holds the evidence of (``"09_baselines"``); the chapter
        column is then left out.
    results_dir : path-like, optional
        Default the repository's ``results/``.

    Returns
    -------
    object
        Displayed as Markdown by Jupyter; ``repr`` is the same text.
    """
    from affacrnn.experiments.summary import ledger_table

    df = ledger_table(results_dir=results_dir, chapter=chapter)
    if df.empty:
        return _Markdown("*No claims ledger is committed" + (" for this chapter" if chapter else "")
                         + " yet: make it with `affacrnn experiment claims --mode full`.*")
    if chapter is None:
        df = df.assign(chapter=[f"[ch. {c[:2]}]({c}.ipynb)" for c in df["chapter"]])
    else:
        df = df.drop(columns=["chapter"])
    df = df.assign(verdict=[f"**{v}**" for v in df["verdict"]])
    head = "| " + " | ".join(df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return _Markdown("\n".join([head, rule, *body]))
