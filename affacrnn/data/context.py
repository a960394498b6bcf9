"""Context windows: each utterance with its neighbours in the same session (paper §3, AFF2).

The paper's AFF2 looks at "three continuous utterances ... in one video at a time". Here every
utterance is the *target* of one window of ``size`` (default 3) utterances of its session:

* the target sits in the **middle** (index ``size // 2``): its previous and next utterance on each
  side, so a model sees both directions of context, as the BiLSTM over the window does;
* at a session's edges the window is padded by **repeating the nearest utterance of the session**
  (``numpy.pad`` mode ``"edge"``): the first utterance of a session gets ``(u0, u0, u1)``, a
  session of one utterance ``(u0, u0, u0)``. No utterance of another session ever enters a window.

Windows are built over the rows of the table you pass (after a label scheme dropped rows, or
within one split), in the session order of its ``position`` column. On acted corpora that
order is a seeded shuffle (:func:`affacrnn.data.corpora.session_order`), so a neighbour's label agrees
with the target's only as often as chance: :func:`neighbour_agreement` and
:func:`chance_agreement` measure both.

Notebook: book/04_data_labels_splits.ipynb
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from affacrnn.errors import ParameterError

__all__ = ["context_windows", "TARGET_SLOT", "neighbour_agreement", "chance_agreement"]

#: Index of the target inside a 3-utterance window.
TARGET_SLOT = 1


def context_windows(table: pd.DataFrame, *, size: int = 3) -> np.ndarray:
    """Row indices of every utterance's context window.

    Parameters
    ----------
    table : pandas.DataFrame
        A corpus table with ``session`` and ``position``.
    size : int
        Window length; odd, >= 1. The target is at index ``size // 2``.

    Returns
    -------
    np.ndarray [shape=(n_rows, size), dtype=int64]
        ``windows[i]`` holds positional row indices into ``table``; ``windows[i, size // 2] == i``.
    """
    if not isinstance(size, (int, np.integer)) or size < 1 or size % 2 == 0:
        raise ParameterError(f"`size` must be an odd int >= 1; got {size!r}. Pass e.g. size=3.")
    half = size // 2
    windows = np.empty((len(table), size), dtype=np.int64)
    frame = pd.DataFrame(
        {"session": table["session"].to_numpy(), "position": table["position"].to_numpy(), "i": np.arange(len(table))}
    )
    for _, grp in frame.groupby("session", sort=False):
        order = grp.sort_values("position", kind="stable")["i"].to_numpy()
        padded = np.pad(order, half, mode="edge")
        for k, target in enumerate(order):
            windows[target] = padded[k : k + size]
    return windows


def neighbour_agreement(labels: np.ndarray | pd.Series, windows: np.ndarray) -> float:
    """Fraction of (target, neighbour) pairs whose labels agree; padding copies are not counted."""
    lab = np.asarray(labels)
    half = windows.shape[1] // 2
    agree = total = 0
    for i, row in enumerate(windows):
        for j in np.unique(np.delete(row, half)):
            if j != i:
                total += 1
                agree += lab[j] == lab[i]
    return agree / total if total else float("nan")


def chance_agreement(labels: np.ndarray | pd.Series, sessions: np.ndarray | pd.Series) -> float:
    """Agreement expected if each session were in random order: mean over sessions of
    ``sum_k n_k (n_k - 1) / (n (n - 1))`` weighted by the number of neighbour pairs."""
    frame = pd.DataFrame({"y": np.asarray(labels), "s": np.asarray(sessions)})
    num = den = 0.0
    for _, grp in frame.groupby("s"):
        n = len(grp)
        if n < 2:
            continue
        counts = grp["y"].value_counts().to_numpy()
        pairs = n - 1  # adjacent pairs in the session
        num += pairs * float((counts * (counts - 1)).sum()) / (n * (n - 1))
        den += pairs
    return num / den if den else float("nan")
