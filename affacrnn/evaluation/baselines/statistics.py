"""Utterance statistics ("global features") and the base class of the baselines that read them.

A frame sequence becomes one fixed-length vector: statistics of each feature column over the
utterance's real frames (:func:`utterance_statistics`, the names in :data:`STATISTICS`). That is
the classic input of the SVM and Naive Bayes emotion classifiers of the paper's Table 5 (after
Maghilnan et al. 2017) and of Poria et al.'s bc-LSTM (Table 6). :func:`stack_context` gives each
utterance its context window (paper §3, AFF2: three consecutive utterances of one video), the
input bc-LSTM reads to use context. :class:`StatisticsBaseline` is the shared base of
:class:`~affacrnn.evaluation.baselines.classic.SVMBaseline` and
:class:`~affacrnn.evaluation.baselines.classic.NaiveBayesBaseline`.

See Also
--------
affacrnn.data.context.context_windows : the window indices :func:`stack_context` takes.

Notebook: book/09_baselines.ipynb
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import kurtosis, skew
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from affacrnn.errors import ParameterError
from affacrnn.evaluation.baselines.base import FrameBaseline

__all__ = ["STATISTICS", "utterance_statistics", "stack_context", "StatisticsBaseline"]


def _delta_std(F: np.ndarray) -> np.ndarray:
    # Spread of frame-to-frame change: a cheap "delta" summary (0 for a single frame).
    return np.diff(F, axis=0).std(axis=0) if len(F) > 1 else np.zeros(F.shape[1])


def _skew(F: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nan_to_num(skew(F, axis=0))  # constant column: 0, not NaN


def _kurtosis(F: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nan_to_num(kurtosis(F, axis=0))


#: Statistics :func:`utterance_statistics` can compute, each over the frames of one column.
STATISTICS = {
    "mean": lambda F: F.mean(axis=0),
    "std": lambda F: F.std(axis=0),
    "min": lambda F: F.min(axis=0),
    "max": lambda F: F.max(axis=0),
    "median": lambda F: np.median(F, axis=0),
    "skew": _skew,
    "kurtosis": _kurtosis,
    "delta_std": _delta_std,
}


def _check_statistics(statistics: Any) -> tuple[str, ...]:
    stats = (statistics,) if isinstance(statistics, str) else tuple(statistics)
    bad = [s for s in stats if s not in STATISTICS]
    if not stats or bad:
        raise ParameterError(
            f"`statistics` must be a non-empty sequence of {', '.join(map(repr, STATISTICS))}; "
            f"got {statistics!r}. Pass e.g. statistics=('mean', 'std')."
        )
    return stats


def utterance_statistics(
    X: np.ndarray,
    *,
    statistics: Sequence[str] = ("mean", "std"),
    lengths: np.ndarray | None = None,
) -> np.ndarray:
    """Utterance-level "global features": statistics of each feature column over frames.

    The classic input of SVM / Naive Bayes emotion classifiers (and of Poria et al.'s bc-LSTM,
    whose utterance vectors are openSMILE functionals of the same kind): a frame sequence becomes
    one fixed-length vector.

    Parameters
    ----------
    X : np.ndarray [shape=(n_utterances, n_frames, D)]
        Frame-level features.
    statistics : sequence of str
        Names from :data:`STATISTICS`: ``mean``, ``std``, ``min``, ``max``, ``median``,
        ``skew``, ``kurtosis``, ``delta_std`` (std of first differences).
    lengths : np.ndarray [shape=(n_utterances,)], optional
        Use only the first ``lengths[i]`` frames of utterance ``i`` (see :func:`frame_lengths`);
        default all frames.

    Returns
    -------
    np.ndarray [shape=(n_utterances, len(statistics) * D), dtype=float64]
        Statistic-major: columns ``[k * D:(k + 1) * D]`` hold ``statistics[k]`` of every column.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(5, 64, 33))
    >>> utterance_statistics(X).shape
    (5, 66)
    """
    stats = _check_statistics(statistics)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3:
        raise ParameterError(
            f"`X` must have shape (n_utterances, n_frames, D); got shape {X.shape}. "
            "Stack one feature matrix per utterance."
        )
    if lengths is None:
        return np.concatenate([_over_utterances(s, X) for s in stats], axis=1)
    lengths = np.asarray(lengths)
    if lengths.shape != (len(X),) or np.any(lengths < 1) or np.any(lengths > X.shape[1]):
        raise ParameterError(
            f"`lengths` must hold one int in [1, {X.shape[1]}] per utterance; got shape "
            f"{lengths.shape}. Pass frame_lengths(X) or None."
        )
    return np.stack([np.concatenate([STATISTICS[s](F[:L]) for s in stats]) for F, L in zip(X, lengths)])


_VECTORISED = {"mean": np.mean, "std": np.std, "min": np.min, "max": np.max, "median": np.median}


def _over_utterances(stat: str, X: np.ndarray) -> np.ndarray:
    # STATISTICS[stat] of each utterance; one numpy call over axis 1 where numpy has one.
    if stat in _VECTORISED:
        return _VECTORISED[stat](X, axis=1)
    return np.stack([STATISTICS[stat](F) for F in X])


def stack_context(X: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """Each utterance's feature matrix together with those of its context window.

    ``stack_context(X, context_windows(table))`` is the input :class:`BCLSTMBaseline` reads to use
    context (paper §3, AFF2: three consecutive utterances of one video). Each sample then carries
    its neighbours' *features* (never their labels), so it can be split, shuffled and
    cross-validated like any other sample. Build the windows within one split
    (``context_windows(table[table.split == "train"])``) so no window crosses splits.

    Parameters
    ----------
    X : np.ndarray [shape=(n_utterances, n_frames, D)]
        Feature matrices, rows in the order of the table the windows were built from.
    windows : np.ndarray [shape=(n_utterances, window), dtype=int]
        Row indices into ``X`` from :func:`affacrnn.data.context.context_windows`; the target is in
        the middle (``window // 2``).

    Returns
    -------
    np.ndarray [shape=(n_utterances, window, n_frames, D)]
        ``X[windows]``.
    """
    X = np.asarray(X)
    windows = np.asarray(windows)
    if X.ndim != 3:
        raise ParameterError(f"`X` must have shape (n_utterances, n_frames, D); got shape {X.shape}.")
    if (
        windows.ndim != 2
        or windows.shape[0] != len(X)
        or windows.shape[1] % 2 == 0
        or not np.issubdtype(windows.dtype, np.integer)
        or (windows.size and (windows.min() < 0 or windows.max() >= len(X)))
    ):
        raise ParameterError(
            f"`windows` must be an int array of shape ({len(X)}, odd size) with row indices into X; "
            f"got shape {windows.shape}, dtype {windows.dtype}. Pass context_windows(table) for the "
            "same table X was built from."
        )
    return X[windows]


class StatisticsBaseline(FrameBaseline):
    """Shared by SVM and Naive Bayes: a pipeline fitted on :func:`utterance_statistics` vectors."""

    def _vectors(self, X: Any, *, fitting: bool = False) -> np.ndarray:
        F = self._frames(X, fitting=fitting)
        return utterance_statistics(F, statistics=self.statistics, lengths=self._lengths(F))

    def _make_pipeline(self) -> Pipeline:  # pragma: no cover - abstract
        raise NotImplementedError

    def fit(self, X: Any, y: Any) -> "StatisticsBaseline":
        """Fit on utterances ``X`` [shape=(n, n_frames, D)] and labels ``y`` [shape=(n,)]."""
        V = self._vectors(X, fitting=True)
        codes = self._targets(y, len(V))
        self.pipeline_ = self._make_pipeline().fit(V, codes)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Class of each utterance, shape ``(n,)``, values from ``classes_``."""
        check_is_fitted(self)
        return self.classes_[self.pipeline_.predict(self._vectors(X))]

