"""Chapter 5's widget (ipywidgets): build an utterance's feature matrix from ticked feature types.

:func:`feature_explorer` offers one check box per feature type (paper Table 2's seven
candidates); every change re-runs :func:`affacrnn.features.frames.extract_features` and redraws
the ``n_frames × D`` matrix with :func:`plot_feature_matrix`, which chapter 5 also calls on its own.

Notebook: book/05_features.ipynb
"""
from __future__ import annotations

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from affacrnn.book.plots import wrapped_title
from affacrnn.book.widgets.listen import label_column, png_bytes
from affacrnn.data.audio import DEFAULT_SR, load_audio
from affacrnn.errors import ParameterError
from affacrnn.features.frames import (
    FEATURE_DIMS,
    PAPER_FEATURES,
    FeatureConfig,
    column_blocks,
    extract_features,
    normalize_feature_set,
)

__all__ = ["feature_explorer", "FeatureExplorer", "plot_feature_matrix"]


def plot_feature_matrix(X: np.ndarray, *, features, n_real: int | None = None, ax=None, title: str = ""):
    """Draw a ``(n_frames, D)`` feature matrix as an image: frames across, one row per column.

    Each column is standardised over the frames for display only (MFCCs in dB, the centroid in Hz
    and chroma in [0, 1] share one colour scale); feature blocks are separated by lines and named.

    Parameters
    ----------
    X : np.ndarray [shape=(n_frames, D)]
        From :func:`affacrnn.features.frames.extract_features` with ``features``.
    features : sequence of str
        The feature types of its columns (canonical order, see :func:`affacrnn.features.frames.column_blocks`).
    n_real : int, optional
        Frames that come from the audio; a dashed line marks where the padding starts.
    ax : matplotlib.axes.Axes, optional
    title : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ParameterError(f"`X` must be one feature matrix of shape (n_frames, D); got shape {X.shape}.")
    blocks = column_blocks(features)
    if X.shape[1] != sum(s.stop - s.start for s in blocks.values()):
        raise ParameterError(
            f"`X` has {X.shape[1]} columns but features {tuple(blocks)!r} make "
            f"{sum(s.stop - s.start for s in blocks.values())}. Pass the features it was extracted with."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.12 * X.shape[1] + 1.4), constrained_layout=True)
    Z = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    ax.imshow(Z.T, aspect="auto", origin="upper", cmap="coolwarm", vmin=-3, vmax=3, interpolation="nearest")
    for sl in list(blocks.values())[1:]:
        ax.axhline(sl.start - 0.5, color="black", linewidth=0.8)
    ax.set_yticks([(sl.start + sl.stop - 1) / 2 for sl in blocks.values()])
    ax.set_yticklabels([f"{name} ({sl.stop - sl.start})" for name, sl in blocks.items()], fontsize=8)
    if n_real is not None and n_real < X.shape[0]:
        ax.axvline(n_real - 0.5, color="black", linestyle="--", linewidth=1)
        # inside the axes at the top of the line (above the axes it sat on the title); left of the
        # line, still pointing at the padding, when the padding is too narrow to hold it
        narrow = n_real > 0.85 * X.shape[0]
        ax.annotate("padding →", xy=(n_real - 0.5, 1), xycoords=("data", "axes fraction"),
                    xytext=(-4 if narrow else 4, -3), textcoords="offset points", ha="right" if narrow else "left",
                    va="top", fontsize=8,
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    ax.set_xlabel("frame (hop 512 = 23 ms at 22050 Hz)")
    if title:
        wrapped_title(ax, title, fontsize=10)
    return ax


class FeatureExplorer:
    """The widget behind :func:`feature_explorer`; ``.widget`` is what a notebook displays.

    Attributes
    ----------
    utterance : ipywidgets.Dropdown
        The utterance drawn.
    checks : dict of str to ipywidgets.Checkbox
        One per feature type; ticking or unticking one rebuilds the matrix.
    dims : ipywidgets.HTML
        ``D = 33`` and how many columns each ticked type adds.
    image : ipywidgets.Image
        The ``n_frames × D`` matrix as a PNG (its ``value`` changes on every redraw).
    matrix : np.ndarray or None
        The last matrix built, ``[shape=(n_frames, D)]`` (``None`` when no type is ticked).
    chosen : tuple of str
        The ticked types in column order.
    draws : int
        How many times the matrix was built and drawn.
    """

    def __init__(self, table: pd.DataFrame, *, features, initial, sr: int, max_utterances: int, dpi: int):
        self.features = normalize_feature_set(features)
        initial = tuple(f for f in normalize_feature_set(initial) if f in self.features)
        self.sr, self.dpi = int(sr), int(dpi)
        rows = table[table["path"].notna()] if "path" in table else table.iloc[:0]
        if not len(rows):
            raise ParameterError(
                "feature_explorer needs a corpus table with audio (a `path` column); got none. "
                "Pass e.g. load_corpus('ravdess') or load_corpus('demo')."
            )
        rows = rows.head(int(max_utterances)).reset_index(drop=True)
        labels = label_column(rows)
        self.rows = rows
        options = [(f"{u} ({lab})", i) for i, (u, lab) in enumerate(zip(rows["utterance_id"], labels))]
        self.utterance = w.Dropdown(options=options, value=0, description="utterance",
                                    layout=w.Layout(width="420px"), style={"description_width": "70px"})
        self.checks = {
            name: w.Checkbox(value=name in initial, description=f"{name} ({FEATURE_DIMS[name]})", indent=False,
                             layout=w.Layout(width="130px"))
            for name in self.features
        }
        self.dims = w.HTML()
        self.image = w.Image(format="png")
        self.matrix: np.ndarray | None = None
        self.chosen: tuple[str, ...] = ()
        self.draws = 0
        self._audio: dict[int, np.ndarray] = {}
        self.widget = w.VBox([self.utterance, w.HBox(list(self.checks.values())), self.dims, self.image])
        self.utterance.observe(lambda _: self.redraw(), names="value")
        for box in self.checks.values():
            box.observe(lambda _: self.redraw(), names="value")
        self.redraw()

    def _signal(self, i: int) -> np.ndarray:
        if i not in self._audio:
            self._audio = {i: load_audio(self.rows.loc[i, "path"], sr=self.sr)}  # keep one clip in memory
        return self._audio[i]

    def redraw(self) -> None:
        """Rebuild the matrix from the ticked types and redraw it (called on every change)."""
        self.chosen = tuple(n for n in self.features if self.checks[n].value)
        D = sum(FEATURE_DIMS[n] for n in self.chosen)
        parts = " + ".join(f"{FEATURE_DIMS[n]} {n}" for n in self.chosen) or "tick at least one type"
        self.dims.value = f"<b>D = {D}</b> &nbsp;({parts})"
        if not self.chosen:
            self.matrix = None
            fig, ax = plt.subplots(figsize=(8, 1), constrained_layout=True)
            ax.set_axis_off()
            ax.text(0.5, 0.5, "no feature type ticked: the matrix has no columns", ha="center", va="center")
        else:
            y = self._signal(self.utterance.value)
            self.matrix = extract_features(y, sr=self.sr, features=self.chosen)
            n_real = 1 + len(y) // FeatureConfig().hop_length  # frames the audio fills (centred STFT)
            fig, ax = plt.subplots(figsize=(8, 0.12 * D + 1.4), constrained_layout=True)
            row = self.rows.loc[self.utterance.value]
            plot_feature_matrix(self.matrix, features=self.chosen, n_real=n_real, ax=ax,
                                title=f"{row['utterance_id']}: {self.matrix.shape[0]} × {D} (columns standardised for display)")
        self.image.value = png_bytes(fig, dpi=self.dpi)
        self.draws += 1

    def _ipython_display_(self) -> None:
        display(self.widget)


def feature_explorer(
    table: pd.DataFrame,
    *,
    features=None,
    initial=None,
    sr: int = DEFAULT_SR,
    max_utterances: int = 40,
    dpi: int = 72,
) -> FeatureExplorer:
    """A widget to build an utterance's ``256 × D`` feature matrix from ticked feature types.

    A drop-down picks an utterance; one check box per feature type (paper Table 2's seven
    candidates) chooses the columns; every change re-runs :func:`affacrnn.features.frames.extract_features`
    and redraws the matrix, and a label says how many columns each type adds (``D = 33`` for the
    paper's four).

    Parameters
    ----------
    table : pandas.DataFrame
        A corpus table with a ``path`` column (:func:`affacrnn.load_corpus`).
    features : sequence of str, optional
        The types offered (default every registered type, :data:`affacrnn.features.frames.FEATURE_DIMS`).
    initial : sequence of str, optional
        The types ticked at first (default the paper's four, :data:`affacrnn.features.frames.PAPER_FEATURES`).
    sr : int
        Rate the audio is loaded at (paper: 22050 Hz).
    max_utterances : int
        Offer the first this many utterances of the table.
    dpi : int
        Resolution of the drawn matrix.

    Returns
    -------
    FeatureExplorer
        Display it; ``.checks``, ``.utterance``, ``.dims``, ``.image`` and ``.matrix`` are attributes.

    Examples
    --------
    >>> explorer = feature_explorer(load_corpus("ravdess"))  # doctest: +SKIP
    >>> explorer.checks["mfcc"].value = False; explorer.matrix.shape  # doctest: +SKIP
    (256, 20)
    """
    return FeatureExplorer(table, features=tuple(FEATURE_DIMS) if features is None else features,
                           initial=PAPER_FEATURES if initial is None else initial, sr=sr,
                           max_utterances=max_utterances, dpi=dpi)
