"""Chapter 8's widgets (ipywidgets): the attention weights of a context window, and the ASV.

:func:`attention_viewer` plays a target utterance's window (previous, target, next) and draws
the attention weights α the model gives them (:func:`plot_attention`); :func:`asv_projection`
projects the vectors entering the softmax to two dimensions (PCA or t-SNE) for
:func:`plot_projection`.

Notebook: book/08_fusion_attention.ipynb
"""
from __future__ import annotations

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from affacrnn.book.plots import wrapped_title
from affacrnn.book.widgets.listen import png_bytes, wav_bytes
from affacrnn.data.audio import DEFAULT_SR, load_audio
from affacrnn.errors import ParameterError

__all__ = ["attention_viewer", "AttentionViewer", "plot_attention", "asv_projection", "plot_projection"]


#: Names of the slots of a three-utterance window, target in the middle.
SLOT_NAMES = ("previous", "target", "next")


def _slot_names(context: int) -> list[str]:
    if context == 3:
        return list(SLOT_NAMES)
    mid = context // 2
    return [("target" if i == mid else f"{i - mid:+d}") for i in range(context)]


def _gather(data, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The model's input dict for the windows of positional ``rows`` of ``data`` (a Prepared)."""
    w = data.windows[rows]
    out = {}
    if data.features is not None:
        out["features"] = data.features[w]
    if data.graphs is not None:
        out["graphs"] = data.graphs[w][..., None]
    return out


def plot_attention(alpha: np.ndarray, *, slots: list[str] | None = None, labels: list[str] | None = None,
                   title: str = "", ax=None):
    """Bar plot of one window's attention weights α (paper §3), the target's bar highlighted.

    Parameters
    ----------
    alpha : np.ndarray [shape=(C,)]
        Weights over the window (they sum to 1).
    slots : list of str, optional
        Slot names (default ``previous``, ``target``, ``next``).
    labels : list of str, optional
        True label of each slot's utterance, written under its bar.
    title : str
        Axes title.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    alpha = np.asarray(alpha, dtype=float).ravel()
    slots = slots or _slot_names(len(alpha))
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3), constrained_layout=True)
    mid = len(alpha) // 2
    colours = ["#d95f02" if i == mid else "#1f4e79" for i in range(len(alpha))]
    ticks = [f"{s}\n{labels[i]}" if labels else s for i, s in enumerate(slots)]
    ax.bar(range(len(alpha)), alpha, color=colours)
    for i, a in enumerate(alpha):
        ax.text(i, a + 0.02, f"{a:.2f}", ha="center", va="bottom")
    ax.axhline(1 / len(alpha), color="grey", linestyle=":", linewidth=1, label="uniform")
    ax.set_xticks(range(len(alpha)), ticks)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("attention weight α")
    ax.legend(loc="upper right", frameon=False)
    if title:
        wrapped_title(ax, title)
    return ax


class AttentionViewer:
    """The widget behind :func:`attention_viewer`; ``.widget`` is what a notebook displays.

    Attributes
    ----------
    target : ipywidgets.Dropdown
        The target utterance (``utterance_id · true label``); its value is a positional row of
        ``data.table``.
    players : list of ipywidgets.Audio
        One player per slot of the window (previous, target, next).
    captions : list of ipywidgets.HTML
        Each player's utterance, label and attention weight.
    plot : ipywidgets.Image
        The bar plot of α (a PNG).
    alpha : np.ndarray [shape=(n, C)]
        Attention weights of every offered target (computed once).
    probs : np.ndarray [shape=(n, n_classes)]
        The model's class probabilities for them.
    rows : np.ndarray [shape=(n,)]
        Positional rows of ``data.table`` offered as targets.
    draws : int
        How many times the bars were drawn (1 after construction).
    """

    def __init__(self, model, data, *, part: str = "test", sr: int = DEFAULT_SR, max_seconds: float = 6.0,
                 max_targets: int = 200, dpi: int = 80):
        # imported here: affacrnn.models starts TensorFlow (seconds), a cost a listening chapter should not pay
        from affacrnn.models import embedding_model

        rows = np.asarray(data.rows(part))
        if len(rows) == 0:
            raise ParameterError(f"part {part!r} of `data` has no rows; pass part='train', 'validation' or 'test'.")
        if "path" not in data.table or data.table["path"].isna().any():
            raise ParameterError("attention_viewer needs audio: every row of data.table must have a `path`.")
        if not isinstance(max_targets, int) or max_targets < 1:
            raise ParameterError(f"`max_targets` must be an int >= 1; got {max_targets!r}.")
        self.model, self.data, self.part = model, data, part
        self.sr, self.max_seconds, self.dpi = int(sr), float(max_seconds), int(dpi)
        self.rows = rows[:max_targets]
        inputs = _gather(data, self.rows)
        self.alpha = np.asarray(embedding_model(model, which="attention").predict(inputs, verbose=0))
        self.probs = np.asarray(model.predict(inputs, verbose=0))
        self.classes = tuple(data.classes)
        table = data.table
        self._ids = table["utterance_id"].astype(str).to_numpy()
        self._labels = table["label"].astype(str).to_numpy()
        self.slots = _slot_names(data.windows.shape[1])
        self.target = w.Dropdown(
            options=[(f"{self._ids[r]} · {self._labels[r]}", int(r)) for r in self.rows],
            description="target", layout=w.Layout(width="420px"), style={"description_width": "60px"},
        )
        self.players = [w.Audio(format="wav", autoplay=False, controls=True, loop=False,
                                layout=w.Layout(width="260px")) for _ in self.slots]
        self.captions = [w.HTML() for _ in self.slots]
        self.info = w.HTML()
        self.plot = w.Image(format="png")  # not an Output: see affacrnn.book.widgets.listen
        self.draws = 0
        boxes = [w.VBox([c, p]) for c, p in zip(self.captions, self.players)]
        self.widget = w.VBox([self.target, self.info, w.HBox(boxes), self.plot])
        self.target.observe(lambda _: self._show(), names="value")
        self._show()

    def _index(self) -> int:
        return int(np.flatnonzero(self.rows == self.target.value)[0])

    def _show(self) -> None:
        k = self._index()
        row = int(self.rows[k])
        window = self.data.windows[row]
        alpha, probs = self.alpha[k], self.probs[k]
        pred = self.classes[int(np.argmax(probs))]
        truth = self._labels[row]
        for slot, (r, a, player, caption) in enumerate(zip(window, alpha, self.players, self.captions)):
            y = load_audio(self.data.table["path"].iloc[int(r)], sr=self.sr, duration=self.max_seconds)
            player.value = wav_bytes(y, sr=self.sr)
            caption.value = (f"<b>{self.slots[slot]}</b>: {self._ids[r]}<br>label <b>{self._labels[r]}</b>, "
                             f"α = {a:.2f}")
        mark = "✓" if pred == truth else "✗"
        self.info.value = (f"target <b>{self._ids[row]}</b>: true label <b>{truth}</b>, predicted <b>{pred}</b> "
                           f"(p = {probs.max():.2f}) {mark}")
        fig, ax = plt.subplots(figsize=(5.5, 3), constrained_layout=True)
        plot_attention(alpha, slots=self.slots, labels=[self._labels[r] for r in window], ax=ax,
                       title=f"{self._ids[row]}: true {truth}, predicted {pred}")
        self.plot.value = png_bytes(fig, dpi=self.dpi)
        self.draws += 1

    def _ipython_display_(self) -> None:
        display(self.widget)


def attention_viewer(model, data, *, part: str = "test", sr: int = DEFAULT_SR, max_seconds: float = 6.0,
                     max_targets: int = 200) -> AttentionViewer:
    """A widget to pick a target utterance, play its context window and see the attention weights.

    Paper §3 ("Feature Fusion base on Attention"): the attention layer weighs the utterances of a
    window (previous, target, next) before the softmax. This viewer shows those weights α for one
    target at a time, with three audio players for the window's utterances, each utterance's true
    label, and the model's predicted class for the target.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`affacrnn.models.build_model` (any architecture: all end in attention).
    data : affacrnn.features.dataset.Prepared
        The prepared corpus the model reads (e.g. ``TrainResult.data``); its table needs ``path``.
    part : {"train", "validation", "test", "all"}
        Which rows are offered as targets.
    sr : int
        Rate the audio is played at.
    max_seconds : float
        Play at most this many seconds of each utterance.
    max_targets : int
        Offer at most this many targets (the first rows of ``part``).

    Returns
    -------
    AttentionViewer
        Display it; ``.target`` is the drop-down, ``.players`` the three players, ``.alpha`` the weights.

    See Also
    --------
    affacrnn.models.embedding_model : ``which="attention"`` gives the weights α.
    asv_projection : the ASV vectors in two dimensions.

    Examples
    --------
    >>> result = affacrnn.train(presets.SMOKE, table=table)  # doctest: +SKIP
    >>> attention_viewer(result.model, result.data)          # doctest: +SKIP
    """
    return AttentionViewer(model, data, part=part, sr=sr, max_seconds=max_seconds, max_targets=max_targets)


def asv_projection(model, data, *, part: str = "test", which: str = "asv", method: str = "pca",
                   seed: int = 0) -> pd.DataFrame:
    """Project a model's per-target vectors (ASV by default) to two dimensions, with labels.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`affacrnn.models.build_model`.
    data : affacrnn.features.dataset.Prepared
        The prepared corpus.
    part : {"train", "validation", "test", "all"}
        Whose vectors.
    which : {"asv"}
        The vector (:func:`affacrnn.models.embedding_model`); ``"asv"`` is the one entering the
        softmax (ASV in AFF-ACRNN, LASV / CASV in a single-branch model).
    method : {"pca", "tsne"}
        scikit-learn ``PCA`` or ``TSNE`` (perplexity at most 30, below the number of points).
    seed : int
        Random state of the projection.

    Returns
    -------
    pandas.DataFrame
        One row per utterance of ``part``: ``x``, ``y``, ``label`` (true), ``predicted``,
        ``utterance_id``; ``attrs["explained_variance"]`` for PCA.
    """
    # imported here: affacrnn.models starts TensorFlow (seconds), a cost a listening chapter should not pay
    from affacrnn.models import embedding_model

    if method not in ("pca", "tsne"):
        raise ParameterError(f"`method` must be 'pca' or 'tsne'; got {method!r}.")
    rows = np.asarray(data.rows(part))
    if len(rows) < 3:
        raise ParameterError(f"part {part!r} has {len(rows)} rows; a projection needs at least 3.")
    inputs = _gather(data, rows)
    vectors = np.asarray(embedding_model(model, which=which).predict(inputs, verbose=0)).reshape(len(rows), -1)
    pred = np.asarray(model.predict(inputs, verbose=0)).argmax(axis=1)
    if method == "pca":
        proj = PCA(n_components=2, random_state=seed).fit(vectors)
        xy = proj.transform(vectors)
        explained = proj.explained_variance_ratio_.tolist()
    else:
        xy = TSNE(n_components=2, perplexity=float(min(30, len(rows) - 1)), random_state=seed,
                  init="pca").fit_transform(vectors)
        explained = None
    table = data.table
    out = pd.DataFrame({
        "x": xy[:, 0], "y": xy[:, 1],
        "label": table["label"].astype(str).to_numpy()[rows],
        "predicted": np.asarray(data.classes, dtype=object)[pred],
        "utterance_id": table["utterance_id"].astype(str).to_numpy()[rows],
    })
    out.attrs.update({"method": method, "which": which, "explained_variance": explained})
    return out


def plot_projection(points: pd.DataFrame, *, ax=None, title: str = ""):
    """Scatter of :func:`asv_projection`'s points coloured by true label (wrong predictions ringed)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4), constrained_layout=True)
    for label, grp in points.groupby("label", sort=True):
        ax.scatter(grp["x"], grp["y"], s=18, label=label, alpha=0.8)
    wrong = points[points["label"] != points["predicted"]]
    ax.scatter(wrong["x"], wrong["y"], s=60, facecolors="none", edgecolors="black", linewidths=0.6,
               label="misclassified")
    method = points.attrs.get("method", "pca")
    ev = points.attrs.get("explained_variance")
    if method == "pca" and ev:
        ax.set_xlabel(f"PC 1 ({ev[0]:.0%} of variance)")
        ax.set_ylabel(f"PC 2 ({ev[1]:.0%})")
    else:
        ax.set_xlabel(f"{method} 1")
        ax.set_ylabel(f"{method} 2")
    ax.legend(fontsize="small", frameon=False)
    if title:
        wrapped_title(ax, title)
    return ax
