"""Per-column standardisation of feature matrices, fitted on the training utterances only.

The authors' prototype z-normalised each whole array at once (one mean and one standard deviation
over all 33 columns together) and did so separately for the training and the test array, so the
test set was scaled with its own statistics. :class:`FeatureScaler` instead learns one mean and
one scale per column (MFCC, centroid in Hz and chroma in [0, 1] live on very different scales)
from the training split, and applies those to every split. It follows scikit-learn's estimator
API and can be saved next to a model as JSON (:meth:`FeatureScaler.to_dict`).

Notebook: book/05_features.ipynb
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError

from affacrnn.errors import AffacrnnError, FeatureError, ParameterError

__all__ = ["FeatureScaler", "ScalerNotFittedError", "real_mask", "real_rows", "zero_padding", "speaker_standardize",
           "frame_statistics", "graph_row_statistics", "speaker_prior", "standardize_graphs", "speaker_standardize_graphs"]


class ScalerNotFittedError(AffacrnnError, NotFittedError):
    """A :class:`FeatureScaler` was used before :meth:`~FeatureScaler.fit` (also sklearn's ``NotFittedError``)."""


def _as_2d(X: Any, *, what: str) -> tuple[np.ndarray, tuple[int, ...]]:
    """``X`` of shape ``(n, T, D)`` or ``(n, D)`` as ``(rows, D)`` float, plus its original shape."""
    X = np.asarray(X)
    if X.ndim not in (2, 3):
        raise ParameterError(
            f"`X` passed to {what} must have shape (n_utterances, n_frames, n_columns) or "
            f"(n_rows, n_columns); got shape {X.shape}. Stack the feature matrices with np.stack."
        )
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise ParameterError(f"`X` passed to {what} must be real numbers; got dtype {X.dtype}.")
    if X.size == 0:
        raise ParameterError(f"`X` passed to {what} is empty (shape {X.shape}). Pass at least one utterance.")
    if not np.all(np.isfinite(X)):
        raise FeatureError(
            f"`X` passed to {what} holds {int(np.count_nonzero(~np.isfinite(X)))} NaN/Inf values. "
            "Recompute the features (extract_features never returns NaN) or drop the bad rows."
        )
    return X.reshape(-1, X.shape[-1]), X.shape


#: The largest mean or scale a fitted scaler may hold: no acoustic feature comes near it (Hz, dB
#: and MFCCs stay below 1e5), so a larger one is a damaged or edited file, not statistics.
MAX_STATISTIC = 1e8


class FeatureScaler(TransformerMixin, BaseEstimator):
    """Standardise each feature column: ``(X - mean_) / scale_``, statistics from training data.

    Statistics are pooled over utterances and frames: for ``X`` of shape ``(n, T, D)`` each of
    the ``D`` columns gets the mean and standard deviation of its ``n·T`` values. A constant column
    gets ``scale_ = 1`` (as :class:`sklearn.preprocessing.StandardScaler`), so nothing divides by 0.

    Parameters
    ----------
    with_mean : bool
        Subtract the column means (default True).
    with_std : bool
        Divide by the column standard deviations (default True).

    Attributes
    ----------
    mean_ : np.ndarray [shape=(D,), float64]
        Column means (zeros when ``with_mean=False``).
    scale_ : np.ndarray [shape=(D,), float64]
        Column standard deviations, 1 for constant columns (ones when ``with_std=False``).
    n_features_in_ : int
        ``D``.
    n_samples_seen_ : int
        Rows (utterances × frames) the statistics were computed from.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(5.0, 2.0, size=(10, 256, 33)).astype(np.float32)
    >>> scaler = FeatureScaler().fit(X)
    >>> Z = scaler.transform(X)
    >>> Z.shape, Z.dtype, bool(abs(Z.mean()) < 1e-3)
    ((10, 256, 33), dtype('float32'), True)
    """

    def __init__(self, *, with_mean: bool = True, with_std: bool = True) -> None:
        self.with_mean = with_mean
        self.with_std = with_std

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, X: np.ndarray, y: Any = None) -> "FeatureScaler":
        """Learn per-column mean and scale from training features.

        Parameters
        ----------
        X : np.ndarray [shape=(n, T, D) or (n, D)]
            Training features only (never the test split).
        y : ignored
            Present for scikit-learn pipelines.

        Returns
        -------
        FeatureScaler
            ``self``.
        """
        from sklearn.preprocessing import StandardScaler

        for name in ("with_mean", "with_std"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ParameterError(
                    f"`{name}` must be True or False; got {getattr(self, name)!r}. Pass {name}=True."
                )
        X2, _ = _as_2d(X, what="FeatureScaler.fit")
        # float64 statistics regardless of the input dtype
        ss = StandardScaler(with_mean=bool(self.with_mean), with_std=bool(self.with_std)).fit(
            X2.astype(np.float64, copy=False)
        )
        D = X2.shape[1]
        self.mean_ = np.asarray(ss.mean_, dtype=np.float64) if self.with_mean else np.zeros(D)
        self.scale_ = np.asarray(ss.scale_, dtype=np.float64) if self.with_std else np.ones(D)
        self.n_features_in_ = int(D)
        self.n_samples_seen_ = int(X2.shape[0])
        return self

    def _check_fitted(self, what: str) -> None:
        if not hasattr(self, "mean_"):
            raise ScalerNotFittedError(
                f"FeatureScaler.{what}: this scaler is not fitted yet. Call fit(X_train) first "
                "(or load a fitted one with FeatureScaler.from_dict)."
            )

    def _check_columns(self, X2: np.ndarray, what: str) -> None:
        if X2.shape[1] != self.n_features_in_:
            raise ParameterError(
                f"`X` passed to FeatureScaler.{what} has {X2.shape[1]} columns; the scaler was fitted "
                f"on {self.n_features_in_}. Use features extracted with the same FeatureConfig."
            )

    # -- applying -------------------------------------------------------------------------------
    def transform(self, X: np.ndarray) -> np.ndarray:
        """Standardise ``X`` with the fitted statistics.

        Parameters
        ----------
        X : np.ndarray [shape=(n, T, D) or (n, D)]

        Returns
        -------
        np.ndarray [same shape as X, dtype=float32 (float64 if X is float64)]
        """
        self._check_fitted("transform")
        X2, shape = _as_2d(X, what="FeatureScaler.transform")
        self._check_columns(X2, "transform")
        dtype = np.float64 if X2.dtype == np.float64 else np.float32
        Z = (X2 - self.mean_) / self.scale_
        return Z.astype(dtype, copy=False).reshape(shape)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """Undo :meth:`transform`: ``X * scale_ + mean_`` (same shapes and dtypes)."""
        self._check_fitted("inverse_transform")
        X2, shape = _as_2d(X, what="FeatureScaler.inverse_transform")
        self._check_columns(X2, "inverse_transform")
        dtype = np.float64 if X2.dtype == np.float64 else np.float32
        return (X2 * self.scale_ + self.mean_).astype(dtype, copy=False).reshape(shape)

    def select_columns(self, columns: np.ndarray) -> "FeatureScaler":
        """This scaler restricted to ``columns`` (a copy; statistics of those columns only).

        Parameters
        ----------
        columns : np.ndarray [shape=(k,)]
            Column indices into the fitted ``D`` columns, e.g. one feature type's block.

        Returns
        -------
        FeatureScaler
            Fitted on ``k`` columns, so it transforms ``(n, T, k)`` slices of the same data.
        """
        self._check_fitted("select_columns")
        columns = np.asarray(columns, dtype=int)
        out = FeatureScaler(with_mean=self.with_mean, with_std=self.with_std)
        out.mean_, out.scale_ = self.mean_[columns], self.scale_[columns]
        out.n_features_in_ = int(columns.size)
        out.n_samples_seen_ = self.n_samples_seen_
        return out

    # -- saving ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-able state (parameters and, if fitted, statistics); :meth:`from_dict` restores it."""
        d: dict[str, Any] = {
            "class": "FeatureScaler",
            "version": 1,
            "params": {"with_mean": bool(self.with_mean), "with_std": bool(self.with_std)},
        }
        if hasattr(self, "mean_"):
            d["mean"] = [float(v) for v in self.mean_]
            d["scale"] = [float(v) for v in self.scale_]
            d["n_samples_seen"] = int(self.n_samples_seen_)
        if getattr(self, "speaker_mean_", None) is not None:  # set by per-speaker normalisation
            d["speaker_mean"] = [float(v) for v in self.speaker_mean_]
            d["speaker_sd"] = [float(v) for v in self.speaker_sd_]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "FeatureScaler":
        """Rebuild a scaler from :meth:`to_dict` output (e.g. read back with ``json.load``)."""
        if not isinstance(d, dict) or d.get("class") != "FeatureScaler":
            raise ParameterError(
                "`d` must be a dict made by FeatureScaler.to_dict() (with class='FeatureScaler'); "
                f"got {type(d).__name__} with keys {sorted(d) if isinstance(d, dict) else '-'}."
            )
        scaler = cls(**d.get("params", {}))
        if "mean" in d:
            mean = np.asarray(d["mean"], dtype=np.float64)
            scale = np.asarray(d.get("scale", []), dtype=np.float64)
            if mean.ndim != 1 or mean.shape != scale.shape or not np.all(scale > 0):
                raise ParameterError(
                    f"FeatureScaler.from_dict: 'mean' and 'scale' must be equal-length lists with "
                    f"scale > 0; got lengths {mean.size} and {scale.size}. Save with to_dict()."
                )
            bad = ~np.isfinite(mean) | ~np.isfinite(scale) | (np.abs(mean) > MAX_STATISTIC) | (scale > MAX_STATISTIC)
            if bad.any():
                j = int(np.flatnonzero(bad)[0])
                raise ParameterError(
                    f"FeatureScaler.from_dict: column {j} has mean {mean[j]!r} and scale {scale[j]!r}; statistics "
                    f"of features are finite and below {MAX_STATISTIC:g} in size. Save with to_dict()."
                )
            scaler.mean_, scaler.scale_ = mean, scale
            scaler.n_features_in_ = int(mean.size)
            scaler.n_samples_seen_ = int(d.get("n_samples_seen", 0))
        if "speaker_mean" in d:
            smean, ssd = (np.asarray(d.get(k, []), dtype=np.float64) for k in ("speaker_mean", "speaker_sd"))
            if smean.shape != ssd.shape or smean.ndim != 1 or not (np.all(np.isfinite(smean)) and np.all(ssd > 0)
                                                                  and np.all(np.isfinite(ssd))):
                raise ParameterError("FeatureScaler.from_dict: 'speaker_mean' and 'speaker_sd' must be equal-length "
                                     "finite lists with sd > 0. Save with to_dict().")
            scaler.speaker_mean_, scaler.speaker_sd_ = smean, ssd
        return scaler


# ---------------------------------------------------------------------------------------------
# Real frames, per-speaker statistics, per-graph standardisation
# ---------------------------------------------------------------------------------------------
def real_mask(lengths: np.ndarray, n_frames: int) -> np.ndarray:
    """``[shape=(n, n_frames), bool]``: True where a row is an utterance's own frame, not padding."""
    lengths = np.asarray(lengths, dtype=np.int64)
    return np.arange(int(n_frames))[None, :] < lengths[:, None]


def real_rows(X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The real frames of ``X [shape=(n, T, D)]`` stacked ``[shape=(sum(lengths), D)]`` (padding dropped)."""
    return X[real_mask(lengths, X.shape[1])]


def zero_padding(X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``X`` with every padding row set to exactly 0 (in place; returned).

    After standardisation a real frame is never exactly all-zero, so ``keras.layers.Masking(0.0)``
    recognises padding from these rows alone (:func:`affacrnn.models.build_utterance_encoder`).
    """
    X[~real_mask(lengths, X.shape[1])] = 0.0
    return X


def speaker_standardize(X: np.ndarray, *, lengths: np.ndarray, groups: Any) -> np.ndarray:
    """Z-score each group's (speaker's) features by that group's own real-frame mean and sd.

    Label-free, so it applies as well to the speakers of a test set or of an unseen corpus as to
    training speakers: every speaker's voice (pitch range, timbre, loudness) is moved to a common
    origin before the model sees it. Worth about 9 points in published speaker-independent RAVDESS
    work; chapter 6 ablates it.

    Parameters
    ----------
    X : np.ndarray [shape=(n, T, D)]
        Feature matrices (padding rows are ignored in the statistics).
    lengths : np.ndarray [shape=(n,)]
        Real frames per utterance.
    groups : array-like [shape=(n,)]
        Speaker (or corpus) of each utterance.

    Returns
    -------
    np.ndarray [shape=(n, T, D), float32]
        A new array; each group's real frames have mean 0 and sd 1 per column.
    """
    groups = np.asarray(groups)
    if X.ndim != 3 or len(groups) != len(X) or len(lengths) != len(X):
        raise ParameterError(
            f"speaker_standardize needs X (n, T, D) with n lengths and n groups; got X {X.shape}, "
            f"{len(lengths)} lengths, {len(groups)} groups. Pass one speaker per utterance."
        )
    out = np.array(X, dtype=np.float32, copy=True)
    mask = real_mask(lengths, X.shape[1])
    for g in np.unique(groups):
        rows = groups == g
        if mask[rows].any():
            mean, sd = frame_statistics(X[rows][mask[rows]])
            out[rows] = ((X[rows] - mean) / sd).astype(np.float32)
    return out


def speaker_prior(X: np.ndarray, *, lengths: np.ndarray, groups: Any) -> tuple[np.ndarray, np.ndarray]:
    """The typical speaker's statistics: the mean over groups of each group's real-frame mean and sd ``[shape=(D,)]``.

    A model trained on per-speaker normalised features keeps these (in its scaler, ``speaker_mean_`` /
    ``speaker_sd_``): a recording with too little speech for its own statistics is scaled by its own
    blended with these (:mod:`affacrnn.inference.own_statistics`).
    """
    groups, mask = np.asarray(groups), real_mask(lengths, X.shape[1])
    stats = [frame_statistics(X[groups == g][mask[groups == g]]) for g in np.unique(groups) if mask[groups == g].any()]
    return np.mean([m for m, _ in stats], axis=0), np.mean([s for _, s in stats], axis=0)


def frame_statistics(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and sd ``[shape=(D,)]`` of real frames ``[shape=(m, D)]`` (float64; sd 0 → 1)."""
    real = np.asarray(frames, dtype=np.float64)
    sd = real.std(axis=0)
    sd[sd < 1e-8] = 1.0
    return real.mean(axis=0), sd


def standardize_graphs(G: np.ndarray) -> np.ndarray:
    """Each spectrum graph ``[shape=(n, H, W)]`` shifted and scaled to mean 0, sd 1 (a new float32 array)."""
    G = np.asarray(G, dtype=np.float32)
    mean = G.mean(axis=(1, 2), keepdims=True)
    sd = G.std(axis=(1, 2), keepdims=True)
    return ((G - mean) / np.maximum(sd, 1e-6)).astype(np.float32)


def graph_row_statistics(G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd ``[shape=(H,)]`` of each frequency row of spectrum graphs ``[shape=(n, H, W)]``, over
    every graph and time column (the graphs' "frames" are their columns; sd 0 → 1)."""
    G = np.asarray(G)
    return frame_statistics(G.transpose(0, 2, 1).reshape(-1, G.shape[1]))


def speaker_standardize_graphs(G: np.ndarray, *, groups: Any) -> np.ndarray:
    """Z-score each frequency row of each group's (speaker's) spectrum graphs by that group's own row statistics.

    The graphs' counterpart of :func:`speaker_standardize` (``graph_norm="speaker"``): a speaker's
    typical spectrum (pitch region, formants, microphone colour) is removed, so the CNN sees how
    each utterance departs from its speaker's usual sound. Label-free, as for features.

    Parameters
    ----------
    G : np.ndarray [shape=(n, H, W)]
        Spectrum graphs, rows frequency and columns time.
    groups : array-like [shape=(n,)]
        Speaker (or corpus) of each graph.

    Returns
    -------
    np.ndarray [shape=(n, H, W), float32]
        A new array; each group's graphs have mean 0 and sd 1 in every row.
    """
    G, groups = np.asarray(G), np.asarray(groups)
    if G.ndim != 3 or len(groups) != len(G):
        raise ParameterError(f"speaker_standardize_graphs needs G (n, H, W) and n groups; got G {G.shape} and "
                             f"{len(groups)} groups. Pass one speaker per graph.")
    out = np.empty(G.shape, dtype=np.float32)
    for g in np.unique(groups):
        rows = groups == g
        mean, sd = graph_row_statistics(G[rows])
        out[rows] = (G[rows] - mean[:, None]) / sd[:, None]
    return out
