"""Wide result tables that stay readable in JupyterLab and in the HTML book.

A pandas table wider than the page is cut off at its right edge in the HTML book, and a long
text column (a ``note``, a feature list) stretches every row to one very long line. :func:`wide_table`
renders the table inside a box that scrolls sideways, wraps long text in its cell, and rounds
numbers, so every column can be read.

Notebook: book/07_sbcnn.ipynb
"""
from __future__ import annotations

import html

import pandas as pd

__all__ = ["wide_table"]


class _HTML:
    """An object Jupyter shows as HTML (IPython.display.HTML without importing IPython here)."""

    def __init__(self, text: str, frame: pd.DataFrame) -> None:
        self.text, self.frame = text, frame

    def _repr_html_(self) -> str:
        return self.text

    def __repr__(self) -> str:  # plain-text front ends (papermill logs, a terminal)
        return self.frame.to_string()


def wide_table(df: pd.DataFrame, *, precision: int = 2, wrap: str = "22em", caption: str | None = None,
               one_line_heads: bool = False) -> _HTML:
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
    one_line_heads : bool
        Keep each column head on one line (short heads: a narrow number column is not stretched
        into three lines of "val / acc / %").

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
    # cells padded here: inside a widget (ipywidgets HTML) no notebook style spaces them ("33 49.4")
    styles = [{"selector": "th, td", "props": "padding: 0.2em 0.6em;"}]
    if one_line_heads:
        styles.append({"selector": "th", "props": "white-space: nowrap;"})
    styler = styler.set_table_styles(styles, overwrite=False)
    table = styler.set_table_attributes('class="dataframe affacrnn-wide"').to_html()
    return _HTML(f'<div style="overflow-x: auto; max-width: 100%;">{table}</div>', frame)

