"""Baselines: the paper's traditional classifiers (Table 5) and its state of the art (Table 6).

The paper compares AFF-ACRNN with five "traditional" classifiers on MOUD (§4, "Comparison with
traditional method", Table 5) — SVM and Naive Bayes (after Maghilnan et al. 2017, there on text)
and DTW, HMM and GMM on MFCC-type features (after Bakır et al. 2018) — and with the contextual
LSTM of Poria et al. 2017 (§4, "Comparison with the state-of-art", Table 6). The paper gives no
settings for any of them; the choices below are ours and are documented where they are made.

Every baseline is a scikit-learn classifier (``fit(X, y)``, ``predict(X)``, ``predict_proba``
where natural, ``get_params``/``set_params``), so ``clone``, ``cross_val_score`` and grid
searches work. Constructors only store their arguments; everything learned ends in ``_``.

Input
-----
``X`` is what :func:`affacrnn.features.frames.extract_features` gives per utterance, stacked:
``(n_utterances, n_frames, D)``, with ``features`` naming the feature set it was extracted with
(default the paper's four, 33 columns). Each baseline reads the feature blocks named by its
``use_features`` (``None``: all columns), found with :func:`affacrnn.features.frames.column_blocks`.
:class:`BCLSTMBaseline` also accepts each utterance with its context window,
``(n_utterances, window, n_frames, D)``: see :func:`stack_context`.

Padding
-------
Feature matrices have a fixed number of frames; a shorter clip is padded with copies of one row
(its column means, or zeros). With ``ignore_padding=True`` (the default) the baselines drop those
rows, found by :func:`frame_lengths`, so padding adds neither fake frames (GMM, HMM, DTW) nor a
shrunken standard deviation (the statistics).

===============  ===================================================  =======================
name             model                                                default input
===============  ===================================================  =======================
``svm``          utterance statistics → StandardScaler → SVC          all blocks, mean + std
``naive_bayes``  utterance statistics → GaussianNB                    all blocks, mean + std
``gmm``          a GaussianMixture per class on frames                MFCC frames
``hmm``          an hmmlearn GaussianHMM per class on sequences       MFCC, every 2nd frame
``dtw``          k-nearest neighbours by DTW (tslearn ``cdist_dtw``)  MFCC, resampled to 80
``bc_lstm``      statistics → BiLSTM over a context window (Keras)    MFCC, mean + std
===============  ===================================================  =======================

Cost, measured on RAVDESS (256 × 33 features; 8 emotions; actors 1–19 train = 1140
utterances, actors 20–24 test = 300; defaults, ``random_state=0``; 2 CPU cores shared with other
jobs; ranges are two runs at different loads): fit / predict in seconds, and held-out
accuracy (chance 12.5 %; the same in both runs).

===========  =======  ===========  ========
baseline     fit (s)  predict (s)  accuracy
===========  =======  ===========  ========
svm          0.3–0.8  < 0.1        0.45
naive_bayes  0.1      < 0.1        0.41
gmm          18–31    0.4–0.6      0.34
hmm          35–45    0.4–0.8      0.20
dtw          3–5      17–28 [#]_   0.36
bc_lstm      26–27    1.5          0.44
===========  =======  ===========  ========

.. [#] of which ~6 s compile tslearn's numba DTW, once per process. bc_lstm was given
   3-utterance context windows (:func:`stack_context`).

See Also
--------
affacrnn.features.frames.extract_features : the per-utterance input matrices.
affacrnn.data.context.context_windows : the window indices :func:`stack_context` takes.
"""
from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from affacrnn.errors import ParameterError
from affacrnn.features.frames import PAPER_FEATURES, column_blocks, n_columns, normalize_feature_set

__all__ = [
    "STATISTICS",
    "frame_lengths",
    "utterance_statistics",
    "stack_context",
    "SVMBaseline",
    "NaiveBayesBaseline",
    "GMMBaseline",
    "HMMBaseline",
    "DTWBaseline",
    "BCLSTMBaseline",
    "BASELINES",
    "make_baseline",
]


# --------------------------------------------------------------------------------------------
# "Global features": per-utterance statistics of the frame-level features
# --------------------------------------------------------------------------------------------
def _delta_std(F: np.ndarray) -> np.ndarray:
    # Spread of frame-to-frame change: a cheap "delta" summary (0 for a single frame).
    return np.diff(F, axis=0).std(axis=0) if len(F) > 1 else np.zeros(F.shape[1])


def _skew(F: np.ndarray) -> np.ndarray:
    from scipy.stats import skew

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nan_to_num(skew(F, axis=0))  # constant column: 0, not NaN


def _kurtosis(F: np.ndarray) -> np.ndarray:
    from scipy.stats import kurtosis

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


def frame_lengths(X: np.ndarray) -> np.ndarray:
    """Number of real (unpadded) frames of each utterance.

    :func:`affacrnn.features.frames.extract_features` pads a short clip with copies of one row (its
    column means, or zeros) up to ``n_frames``. Real frames never repeat exactly in every column,
    so a trailing run of two or more identical rows is padding and is not counted. (A clip padded
    by exactly one row keeps that row; a clip that was cropped has no run and keeps every frame.)

    Parameters
    ----------
    X : np.ndarray [shape=(n_utterances, n_frames, D)]

    Returns
    -------
    np.ndarray [shape=(n_utterances,), dtype=int64]
        Values in ``[1, n_frames]``.

    Examples
    --------
    >>> F = np.arange(12.0).reshape(1, 4, 3)
    >>> F[0, 2:] = 5.0                     # two padding rows
    >>> frame_lengths(F)
    array([2])
    """
    X = np.asarray(X)
    if X.ndim != 3:
        raise ParameterError(
            f"`X` must have shape (n_utterances, n_frames, D); got shape {X.shape}. "
            "Stack one feature matrix per utterance."
        )
    same_as_last = np.all(X == X[:, -1:, :], axis=2)  # (n, T)
    run = np.cumprod(same_as_last[:, ::-1], axis=1).sum(axis=1)  # trailing run, >= 1
    n_frames = X.shape[1]
    return np.where(run >= 2, np.maximum(n_frames - run, 1), n_frames).astype(np.int64)


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


# --------------------------------------------------------------------------------------------
# Shared validation
# --------------------------------------------------------------------------------------------
def _check_int(name: str, value: Any, *, low: int, example: str) -> int:
    if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= low):
        raise ParameterError(f"`{name}` must be an int >= {low}; got {value!r}. Pass e.g. {name}={example}.")
    return int(value)


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ParameterError(
            f"`{name}` must be one of {', '.join(map(repr, choices))}; got {value!r}. "
            f"Pass e.g. {name}={choices[0]!r}."
        )
    return value


class _FrameBaseline(ClassifierMixin, BaseEstimator):
    """Validation and column selection shared by every baseline (scikit-learn glue)."""

    _ndims: tuple[int, ...] = (3,)

    def _frames(self, X: Any, *, fitting: bool) -> np.ndarray:
        """Validated X with only the ``use_features`` columns, float64."""
        X = check_array(X, allow_nd=True, dtype=(np.float64, np.float32), input_name="X")
        if X.ndim not in self._ndims:
            shapes = {3: "(n_utterances, n_frames, D)", 4: "(n_utterances, window, n_frames, D)"}
            want = " or ".join(shapes[d] for d in self._ndims)
            raise ParameterError(
                f"`X` must have shape {want}; got shape {X.shape}. Stack the matrices of "
                "affacrnn.extract_features, one per utterance."
            )
        features = normalize_feature_set(self.features)
        if X.shape[-1] != n_columns(features):
            raise ParameterError(
                f"`X` has {X.shape[-1]} feature columns but `features`={features!r} has "
                f"{n_columns(features)}. Pass features= the set X was extracted with."
            )
        if fitting:
            self.n_features_in_ = X.shape[-1]
        blocks = column_blocks(features)
        use = None if self.use_features is None else normalize_feature_set(self.use_features)
        if use is None or use == features:
            return X
        missing = [u for u in use if u not in blocks]
        if missing:
            raise ParameterError(
                f"`use_features` names {missing!r}, which X does not hold (it holds {features!r}). "
                "Pass a subset of `features`, or None for all columns."
            )
        return np.concatenate([X[..., blocks[u]] for u in use], axis=-1)

    def _targets(self, y: Any, n: int) -> np.ndarray:
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if len(y) != n:
            raise ParameterError(f"`y` must hold one label per utterance ({n}); got {len(y)}.")
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ParameterError(f"`y` must hold at least 2 classes; got {list(self.classes_)!r}.")
        return codes

    def _lengths(self, F: np.ndarray) -> np.ndarray:
        return frame_lengths(F) if self.ignore_padding else np.full(len(F), F.shape[1], dtype=np.int64)

    def _sequences(self, X: Any, *, fitting: bool) -> list[np.ndarray]:
        """Real frames of each utterance, every ``frame_step``-th, standardised (float64)."""
        step = _check_int("frame_step", self.frame_step, low=1, example="2")
        F = self._frames(X, fitting=fitting)
        seqs = [f[:L:step] for f, L in zip(F, self._lengths(F))]
        if fitting:
            # Standardise columns (fitted on training frames): the centroid is in the thousands of
            # Hz and the MFCCs in tens, and a fixed covariance floor only makes sense on one scale.
            self.scaler_ = StandardScaler().fit(np.concatenate(seqs))
        return [self.scaler_.transform(s) for s in seqs]


# --------------------------------------------------------------------------------------------
# Statistics → SVM / Naive Bayes (Table 5, after Maghilnan et al. 2017)
# --------------------------------------------------------------------------------------------
class _StatisticsBaseline(_FrameBaseline):
    def _vectors(self, X: Any, *, fitting: bool = False) -> np.ndarray:
        F = self._frames(X, fitting=fitting)
        return utterance_statistics(F, statistics=self.statistics, lengths=self._lengths(F))

    def _make_pipeline(self) -> Pipeline:  # pragma: no cover - abstract
        raise NotImplementedError

    def fit(self, X: Any, y: Any) -> "_StatisticsBaseline":
        """Fit on utterances ``X`` [shape=(n, n_frames, D)] and labels ``y`` [shape=(n,)]."""
        V = self._vectors(X, fitting=True)
        codes = self._targets(y, len(V))
        self.pipeline_ = self._make_pipeline().fit(V, codes)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Class of each utterance, shape ``(n,)``, values from ``classes_``."""
        check_is_fitted(self)
        return self.classes_[self.pipeline_.predict(self._vectors(X))]


class SVMBaseline(_StatisticsBaseline):
    """SVM on utterance statistics (paper Table 5, "SVM").

    Pipeline: :func:`utterance_statistics` (mean and std of every column by default) →
    ``StandardScaler`` → ``sklearn.svm.SVC``. The scaler is fitted on training data only, inside
    ``fit``.

    Parameters
    ----------
    C, kernel, gamma, class_weight : passed to :class:`sklearn.svm.SVC`.
    probability : bool
        Calibrate the SVC (Platt scaling, ``CalibratedClassifierCV(..., ensemble=False)``) so
        :meth:`predict_proba` exists (about 5× slower fit); :meth:`decision_function` exists
        without it.
    statistics : sequence of str
        Names from :data:`STATISTICS`.
    features : sequence of str
        The feature set X holds (default the paper's four, 33 columns).
    use_features : sequence of str or None
        Blocks to use; None: all.
    ignore_padding : bool
        Compute statistics over real frames only (:func:`frame_lengths`).
    random_state : int or None
        Passed to SVC (it only matters for its internal shuffling, if any).

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        The fitted scaler and SVC (labels as indices into ``classes_``).
    classes_ : np.ndarray

    Examples
    --------
    >>> clf = SVMBaseline().fit(X_train, y_train)          # doctest: +SKIP
    >>> clf.score(X_test, y_test)                          # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        C: float = 1.0,
        kernel: str = "rbf",
        gamma: str | float = "scale",
        class_weight: dict | str | None = None,
        probability: bool = False,
        statistics: Sequence[str] = ("mean", "std"),
        features: Sequence[str] = PAPER_FEATURES,
        use_features: Sequence[str] | None = None,
        ignore_padding: bool = True,
        random_state: int | None = None,
    ) -> None:
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.class_weight = class_weight
        self.probability = probability
        self.statistics = statistics
        self.features = features
        self.use_features = use_features
        self.ignore_padding = ignore_padding
        self.random_state = random_state

    def _make_pipeline(self) -> Pipeline:
        svc = SVC(
            C=self.C,
            kernel=self.kernel,
            gamma=self.gamma,
            class_weight=self.class_weight,
            random_state=self.random_state,
        )
        if self.probability:
            # scikit-learn >= 1.9 replaces SVC(probability=True) by this (same Platt scaling).
            svc = CalibratedClassifierCV(svc, method="sigmoid", ensemble=False)
        return Pipeline([("scale", StandardScaler()), ("svc", svc)])

    @available_if(lambda self: not self.probability)
    def decision_function(self, X: Any) -> np.ndarray:
        """SVC's decision values (one-vs-one aggregated into one column per class, or one column
        for two classes); available with ``probability=False``."""
        check_is_fitted(self)
        return self.pipeline_.decision_function(self._vectors(X))

    @available_if(lambda self: self.probability)
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (Platt scaling by 5-fold ``CalibratedClassifierCV``), shape
        ``(n, n_classes)``; needs ``probability=True``."""
        check_is_fitted(self)
        return self.pipeline_.predict_proba(self._vectors(X))


class NaiveBayesBaseline(_StatisticsBaseline):
    """Gaussian Naive Bayes on utterance statistics (paper Table 5, "Naive Bayes").

    Parameters
    ----------
    var_smoothing : float
        Passed to :class:`sklearn.naive_bayes.GaussianNB`.
    statistics, features, use_features, ignore_padding
        As for :class:`SVMBaseline`.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        The fitted GaussianNB (one step; no scaling, which Gaussian NB does not need).
    classes_ : np.ndarray
    """

    def __init__(
        self,
        *,
        var_smoothing: float = 1e-9,
        statistics: Sequence[str] = ("mean", "std"),
        features: Sequence[str] = PAPER_FEATURES,
        use_features: Sequence[str] | None = None,
        ignore_padding: bool = True,
    ) -> None:
        self.var_smoothing = var_smoothing
        self.statistics = statistics
        self.features = features
        self.use_features = use_features
        self.ignore_padding = ignore_padding

    def _make_pipeline(self) -> Pipeline:
        return Pipeline([("nb", GaussianNB(var_smoothing=self.var_smoothing))])

    def predict_proba(self, X: Any) -> np.ndarray:
        """Posterior class probabilities, shape ``(n, n_classes)``."""
        check_is_fitted(self)
        return self.pipeline_.predict_proba(self._vectors(X))


# --------------------------------------------------------------------------------------------
# Generative frame models: GMM and HMM per class (Table 5, after Bakır et al. 2018)
# --------------------------------------------------------------------------------------------
def _softmax_rows(S: np.ndarray) -> np.ndarray:
    S = S - S.max(axis=1, keepdims=True)
    P = np.exp(S)
    return P / P.sum(axis=1, keepdims=True)


class _GenerativeBaseline(_FrameBaseline):
    """Shared by GMM and HMM: per-class models scored by log-likelihood + log prior."""

    def _joint_log_likelihood(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        seqs = self._sequences(X, fitting=False)
        L = self._log_likelihoods(seqs)  # (n, n_classes), summed over frames
        if self.aggregate == "mean":
            L = L / np.array([len(s) for s in seqs])[:, None]
        return L + np.log(self.class_prior_)

    def predict(self, X: Any) -> np.ndarray:
        """Class of each utterance: argmax of (aggregated) log-likelihood + log prior."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self._joint_log_likelihood(X), axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax of the scores :meth:`predict` compares, shape ``(n, n_classes)``.

        With ``aggregate="mean"`` these are tempered (per-frame) posteriors, far less
        overconfident than the ``"sum"`` ones, which treat frames as independent evidence.
        """
        return _softmax_rows(self._joint_log_likelihood(X))

    def _fit_common(self, X: Any, y: Any) -> tuple[list[np.ndarray], np.ndarray]:
        _check_choice("aggregate", self.aggregate, ("mean", "sum"))
        seqs = self._sequences(X, fitting=True)
        codes = self._targets(y, len(seqs))
        self.class_prior_ = np.bincount(codes, minlength=len(self.classes_)) / len(codes)
        return seqs, codes


class GMMBaseline(_GenerativeBaseline):
    """One Gaussian mixture per class over frames (paper Table 5, "GMM").

    Each class's :class:`sklearn.mixture.GaussianMixture` is fitted on all (real, standardised)
    frames of that class's training utterances, ignoring their order. An utterance is classified
    by its frames' log-likelihood under each class model, summed or averaged over frames
    (``aggregate``), plus the log class prior (utterance frequency in training).

    Parameters
    ----------
    n_components : int
        Mixture components per class.
    covariance_type : {"diag", "full", "tied", "spherical"}
    max_iter : int
        EM iterations per class model.
    reg_covar : float
        Added to covariance diagonals (the frames are standardised, so 1e-3 is 0.1% of a unit).
    aggregate : {"mean", "sum"}
        Per-utterance score: mean (default) or sum of frame log-likelihoods. Both give the same
        class when priors are equal; ``"mean"`` weights the prior more and gives calibrated-looking
        probabilities.
    frame_step : int
        Use every ``frame_step``-th frame (1: all).
    features : sequence of str
        The feature set X holds (default the paper's four).
    use_features : sequence of str or None
        Blocks to model; default ``("mfcc",)`` (Bakır et al. use cepstral features).
    ignore_padding : bool
        Drop padding rows (:func:`frame_lengths`).
    random_state : int or None
        Seeds every mixture's initialisation.

    Attributes
    ----------
    models_ : list of GaussianMixture
        One per class, in the order of ``classes_``.
    scaler_ : StandardScaler
        Column standardisation fitted on training frames.
    class_prior_ : np.ndarray [shape=(n_classes,)]
    classes_ : np.ndarray
    """

    def __init__(
        self,
        *,
        n_components: int = 8,
        covariance_type: str = "diag",
        max_iter: int = 100,
        reg_covar: float = 1e-3,
        aggregate: str = "mean",
        frame_step: int = 1,
        features: Sequence[str] = PAPER_FEATURES,
        use_features: Sequence[str] | None = ("mfcc",),
        ignore_padding: bool = True,
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.max_iter = max_iter
        self.reg_covar = reg_covar
        self.aggregate = aggregate
        self.frame_step = frame_step
        self.features = features
        self.use_features = use_features
        self.ignore_padding = ignore_padding
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> "GMMBaseline":
        """Fit one mixture per class on the frames of ``X`` [shape=(n, n_frames, D)]."""
        seqs, codes = self._fit_common(X, y)
        self.models_ = []
        for c in range(len(self.classes_)):
            frames = np.concatenate([s for s, k in zip(seqs, codes) if k == c])
            gm = GaussianMixture(
                n_components=self.n_components,
                covariance_type=self.covariance_type,
                max_iter=self.max_iter,
                reg_covar=self.reg_covar,
                random_state=self.random_state,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                self.models_.append(gm.fit(frames))
        return self

    def _log_likelihoods(self, seqs: list[np.ndarray]) -> np.ndarray:
        # One score_samples call per class over all frames, then a per-utterance sum.
        frames = np.concatenate(seqs)
        starts = np.cumsum([0] + [len(s) for s in seqs[:-1]])
        return np.stack([np.add.reduceat(m.score_samples(frames), starts) for m in self.models_], axis=1)


class HMMBaseline(_GenerativeBaseline):
    """One Gaussian HMM per class over frame sequences (paper Table 5, "HMM").

    Each class's :class:`hmmlearn.hmm.GaussianHMM` is fitted by Baum-Welch on that class's
    training utterances as separate sequences (``lengths``); an utterance is classified by its
    forward log-likelihood under each class model (summed, or per frame with
    ``aggregate="mean"``) plus the log class prior. hmmlearn's "not converging" log messages are
    silenced during fitting; ``converged_`` records what each model's monitor said.

    The defaults are sized to train on all of RAVDESS in well under a minute on two cores:
    4 states, diagonal covariances, 15 EM iterations, every 2nd frame (``frame_step=2``, i.e.
    ~46 ms between frames at hop 512 / 22050 Hz: still several frames per phone).

    Parameters
    ----------
    n_states : int
        Hidden states per class model.
    covariance_type : {"diag", "full", "spherical", "tied"}
    n_iter : int
        Baum-Welch iterations.
    tol : float
        Convergence threshold on the log-likelihood gain.
    min_covar : float
        Floor on the (standardised) covariances.
    aggregate : {"mean", "sum"}
        As in :class:`GMMBaseline`.
    frame_step : int
        Use every ``frame_step``-th frame.
    features, use_features, ignore_padding, random_state
        As in :class:`GMMBaseline` (default MFCC only).

    Attributes
    ----------
    models_ : list of hmmlearn.hmm.GaussianHMM
    converged_ : np.ndarray [shape=(n_classes,), dtype=bool]
    scaler_, class_prior_, classes_
    """

    def __init__(
        self,
        *,
        n_states: int = 4,
        covariance_type: str = "diag",
        n_iter: int = 15,
        tol: float = 1e-2,
        min_covar: float = 1e-3,
        aggregate: str = "mean",
        frame_step: int = 2,
        features: Sequence[str] = PAPER_FEATURES,
        use_features: Sequence[str] | None = ("mfcc",),
        ignore_padding: bool = True,
        random_state: int | None = None,
    ) -> None:
        self.n_states = n_states
        self.covariance_type = covariance_type
        self.n_iter = n_iter
        self.tol = tol
        self.min_covar = min_covar
        self.aggregate = aggregate
        self.frame_step = frame_step
        self.features = features
        self.use_features = use_features
        self.ignore_padding = ignore_padding
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> "HMMBaseline":
        """Fit one HMM per class on the frame sequences of ``X`` [shape=(n, n_frames, D)]."""
        from hmmlearn.hmm import GaussianHMM

        n_states = _check_int("n_states", self.n_states, low=1, example="4")
        seqs, codes = self._fit_common(X, y)
        self.models_, converged = [], []
        hmm_log = logging.getLogger("hmmlearn")
        level = hmm_log.level
        hmm_log.setLevel(logging.ERROR)  # "Model is not converging" is expected with few iterations
        try:
            for c in range(len(self.classes_)):
                mine = [s for s, k in zip(seqs, codes) if k == c]
                model = GaussianHMM(
                    n_components=n_states,
                    covariance_type=self.covariance_type,
                    n_iter=self.n_iter,
                    tol=self.tol,
                    min_covar=self.min_covar,
                    random_state=self.random_state,
                )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", (ConvergenceWarning, RuntimeWarning))
                    model.fit(np.concatenate(mine), lengths=[len(s) for s in mine])
                self.models_.append(model)
                converged.append(bool(model.monitor_.converged))
        finally:
            hmm_log.setLevel(level)
        self.converged_ = np.array(converged)
        return self

    def _log_likelihoods(self, seqs: list[np.ndarray]) -> np.ndarray:
        # hmmlearn's score() sums over all sequences given; we need one value per utterance.
        return np.array([[m.score(s) for m in self.models_] for s in seqs])


# --------------------------------------------------------------------------------------------
# DTW nearest neighbour (Table 5, after Bakır et al. 2018)
# --------------------------------------------------------------------------------------------
class DTWBaseline(_FrameBaseline):
    """k-nearest neighbours by dynamic time warping on MFCC sequences (paper Table 5, "DTW").

    A template matcher: every training utterance is kept; a new one takes the class of the
    training utterance it aligns with most cheaply (``n_neighbors=1``). The library call is
    :func:`tslearn.metrics.cdist_dtw` (all test × training distances, :meth:`distances`); the
    k-nearest vote on top of it is a few lines of numpy.

    Cost grows with n_train × n_test × frames² (× band width / frames with the band). Two things
    keep it tractable, both on by default:

    * **length normalisation** (``n_points=80``): each utterance's real frames are linearly
      resampled to ``n_points`` frames (:class:`tslearn.preprocessing.TimeSeriesResampler`)
      before DTW. RAVDESS utterances have ~130–230 real frames (median 159), so 80 also halves
      the frame rate. Equal lengths matter for speed: tslearn's DTW on equal-length sequences
      took 18 µs per pair here, on variable-length ones (NaN-padded) 200 µs, because of per-pair
      Python overhead. The warping still absorbs local tempo differences; the global one is
      removed by the resampling. ``n_points=None`` keeps the original variable lengths.
    * a **Sakoe-Chiba band** (``sakoe_chiba_radius`` frames, after resampling): alignments may
      not stray further than this from the diagonal.

    Measured on RAVDESS (1140 train × 300 test utterances, MFCC, 2 shared cores): defaults
    ≈ 6 s for all predictions; variable lengths with every 2nd frame and radius 10, 144 s.

    Parameters
    ----------
    n_neighbors : int
        Neighbours that vote (1: the classic 1-NN template matcher).
    sakoe_chiba_radius : int or None
        Band half-width in frames (after resampling / downsampling); None: unconstrained DTW.
    n_points : int or None
        Resample each utterance to this many frames; None: keep variable lengths.
    frame_step : int
        Use every ``frame_step``-th real frame (before resampling; useful with ``n_points=None``).
    n_jobs : int or None
        Parallel jobs for the distance matrix (tslearn / joblib convention).
    features, use_features, ignore_padding
        As in :class:`GMMBaseline` (default MFCC only). Columns are standardised with statistics
        of the training frames, so no coefficient dominates the frame distance.

    Attributes
    ----------
    templates_ : np.ndarray [shape=(n_train, n_points, d)]
        The training sequences, standardised and resampled (NaN-padded when ``n_points=None``).
    template_codes_ : np.ndarray [shape=(n_train,)]
        Their classes, as indices into ``classes_``.
    scaler_ : StandardScaler
    classes_ : np.ndarray
    """

    def __init__(
        self,
        *,
        n_neighbors: int = 1,
        sakoe_chiba_radius: int | None = 8,
        n_points: int | None = 80,
        frame_step: int = 1,
        n_jobs: int | None = None,
        features: Sequence[str] = PAPER_FEATURES,
        use_features: Sequence[str] | None = ("mfcc",),
        ignore_padding: bool = True,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.sakoe_chiba_radius = sakoe_chiba_radius
        self.n_points = n_points
        self.frame_step = frame_step
        self.n_jobs = n_jobs
        self.features = features
        self.use_features = use_features
        self.ignore_padding = ignore_padding

    def _dataset(self, X: Any, *, fitting: bool) -> np.ndarray:
        from tslearn.utils import to_time_series_dataset

        # tslearn pads variable-length sequences with NaN; its DTW and resampler skip the NaN tail.
        data = to_time_series_dataset(self._sequences(X, fitting=fitting))
        if self.n_points is None:
            return data
        from tslearn.preprocessing import TimeSeriesResampler

        n_points = _check_int("n_points", self.n_points, low=2, example="80")
        return TimeSeriesResampler(sz=n_points).fit_transform(data)

    def fit(self, X: Any, y: Any) -> "DTWBaseline":
        """Store the (standardised, resampled) training sequences of ``X`` [shape=(n, n_frames, D)]."""
        _check_int("n_neighbors", self.n_neighbors, low=1, example="1")
        if self.sakoe_chiba_radius is not None:
            _check_int("sakoe_chiba_radius", self.sakoe_chiba_radius, low=0, example="8")
        self.templates_ = self._dataset(X, fitting=True)
        self.template_codes_ = self._targets(y, len(self.templates_))
        return self

    def distances(self, X: Any) -> np.ndarray:
        """DTW distance of each utterance of ``X`` to each training utterance, shape ``(n, n_train)``."""
        from tslearn.metrics import cdist_dtw

        check_is_fitted(self)
        band = {}
        if self.sakoe_chiba_radius is not None:
            band = {"global_constraint": "sakoe_chiba", "sakoe_chiba_radius": int(self.sakoe_chiba_radius)}
        return cdist_dtw(self._dataset(X, fitting=False), self.templates_, n_jobs=self.n_jobs, **band)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Neighbour vote fractions, shape ``(n, n_classes)`` (0/1 for ``n_neighbors=1``)."""
        # The vote is written here rather than left to tslearn's KNeighborsTimeSeriesClassifier:
        # that class adds ~45 µs of Python overhead per pair on top of cdist_dtw's ~25 µs, which
        # made full-RAVDESS prediction 26 s instead of ~9 s.
        D = self.distances(X)
        k = min(int(self.n_neighbors), D.shape[1])
        nearest = np.argsort(D, axis=1, kind="stable")[:, :k]
        votes = self.template_codes_[nearest]
        counts = np.stack([np.bincount(v, minlength=len(self.classes_)) for v in votes])
        return counts / k

    def predict(self, X: Any) -> np.ndarray:
        """Class of the nearest training utterance(s) by DTW distance (ties: the first class)."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


# --------------------------------------------------------------------------------------------
# bc-LSTM (Poria et al. 2017): the paper's state of the art (Table 6)
# --------------------------------------------------------------------------------------------
class BCLSTMBaseline(_FrameBaseline):
    """Bidirectional contextual LSTM of Poria et al. 2017 (paper Table 6, "State-of-the-art").

    bc-LSTM classifies each utterance from its own feature vector *and* those of its neighbours
    in the same video: utterance vectors → bidirectional LSTM over the utterances → a dense layer
    → softmax per utterance. The paper describes its audio input as MFCC only, hence the default
    ``use_features=("mfcc",)``; each utterance vector is :func:`utterance_statistics` of its
    frames (Poria et al. used openSMILE functionals: statistics of the same kind).

    Design: context travels inside ``X``
        ``X`` of shape ``(n, window, n_frames, D)`` holds, for each target utterance, the frame
        matrices of its context window (:func:`stack_context` of the windows from
        :func:`affacrnn.data.context.context_windows`); the target is the middle slot. So ``fit(X, y)``
        and ``predict(X)`` stay plain scikit-learn (a sample is self-contained and can be split
        or cross-validated), at the price of storing each matrix ``window`` times. A 3-D ``X``
        ``(n, n_frames, D)`` means no context (a window of one), which makes this a plain
        per-utterance LSTM classifier: useful as the "without context" ablation.

        Poria et al. run the LSTM over a whole video and predict every utterance; here, as in the
        paper's AFF2, the window is ``window`` utterances (3) and the output is the target's.

    Training: Adam, cross-entropy, up to ``epochs`` epochs; ``validation_fraction`` of the
    training samples (stratified, seeded) is held out for early stopping on validation loss with
    the best weights restored — never the test set. Utterance vectors are standardised with a
    scaler fitted on the training targets.

    Parameters
    ----------
    units : int
        LSTM units per direction.
    hidden_units : int
        Width of the dense (tanh) layer after the LSTM.
    dropout : float
        Dropout after the LSTM and after the dense layer.
    learning_rate : float
    epochs : int
    batch_size : int
    validation_fraction : float
        In [0, 1); 0 trains all ``epochs`` without early stopping.
    patience : int
        Early-stopping patience in epochs.
    statistics : sequence of str
        Utterance vector statistics (:data:`STATISTICS`).
    features, use_features, ignore_padding
        As in :class:`SVMBaseline` (default MFCC only).
    random_state : int or None
        Seeds Keras (``keras.utils.set_random_seed``) and the validation split.
    verbose : int
        Keras ``fit`` verbosity.

    Attributes
    ----------
    model_ : keras.Model
        Input ``(window, d)`` utterance vectors, output the target's class probabilities.
    scaler_ : StandardScaler
    window_ : int
        Window length seen in ``fit`` (``predict`` needs the same).
    history_ : dict
        Keras training history (``loss``, ``val_loss``, ...).
    classes_ : np.ndarray
    """

    _ndims = (3, 4)

    def __init__(
        self,
        *,
        units: int = 64,
        hidden_units: int = 64,
        dropout: float = 0.3,
        learning_rate: float = 1e-3,
        epochs: int = 100,
        batch_size: int = 32,
        validation_fraction: float = 0.15,
        patience: int = 10,
        statistics: Sequence[str] = ("mean", "std"),
        features: Sequence[str] = PAPER_FEATURES,
        use_features: Sequence[str] | None = ("mfcc",),
        ignore_padding: bool = True,
        random_state: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.units = units
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.statistics = statistics
        self.features = features
        self.use_features = use_features
        self.ignore_padding = ignore_padding
        self.random_state = random_state
        self.verbose = verbose

    def _windows_of_vectors(self, X: Any, *, fitting: bool) -> np.ndarray:
        """(n, window, d) utterance vectors, unscaled."""
        F = self._frames(X, fitting=fitting)
        if F.ndim == 3:
            F = F[:, None]
        n, window = F.shape[:2]
        if window % 2 == 0:
            raise ParameterError(
                f"the context window must have an odd length (target in the middle); got {window}. "
                "Pass stack_context(X, context_windows(table))."
            )
        flat = F.reshape(n * window, *F.shape[2:])
        V = utterance_statistics(flat, statistics=self.statistics, lengths=self._lengths(flat))
        return V.reshape(n, window, -1)

    def _build(self, window: int, d: int, n_classes: int):
        from affacrnn._quiet import load_keras

        keras = load_keras()
        from keras import layers

        inputs = keras.Input(shape=(window, d), name="utterance_vectors")
        h = layers.Bidirectional(layers.LSTM(self.units, return_sequences=True), name="bc_lstm")(inputs)
        h = layers.Dropout(self.dropout)(h)
        h = layers.Dense(self.hidden_units, activation="tanh", name="hidden")(h)
        h = layers.Dropout(self.dropout)(h)
        target = h[:, window // 2, :]  # the middle utterance's contextual representation
        outputs = layers.Dense(n_classes, activation="softmax", name="softmax")(target)
        model = keras.Model(inputs, outputs, name="bc_lstm")
        model.compile(
            optimizer=keras.optimizers.Adam(self.learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    def fit(self, X: Any, y: Any) -> "BCLSTMBaseline":
        """Train on ``X`` [shape=(n, window, n_frames, D) or (n, n_frames, D)] and ``y`` [shape=(n,)]."""
        from affacrnn._quiet import load_keras

        keras = load_keras()
        from sklearn.model_selection import train_test_split

        for name, low, example in (("units", 1, "64"), ("hidden_units", 1, "64"), ("epochs", 1, "100"),
                                   ("batch_size", 1, "32"), ("patience", 0, "10")):
            _check_int(name, getattr(self, name), low=low, example=example)
        if not (isinstance(self.validation_fraction, (int, float)) and 0 <= self.validation_fraction < 1):
            raise ParameterError(
                f"`validation_fraction` must be a fraction in [0, 1); got {self.validation_fraction!r}. "
                "Pass e.g. validation_fraction=0.15."
            )
        V = self._windows_of_vectors(X, fitting=True)
        codes = self._targets(y, len(V))
        n, self.window_, d = V.shape
        self.scaler_ = StandardScaler().fit(V[:, self.window_ // 2])
        V = self.scaler_.transform(V.reshape(-1, d)).reshape(V.shape).astype(np.float32)

        if self.random_state is not None:
            keras.utils.set_random_seed(int(self.random_state))
        callbacks, validation = [], None
        train = np.arange(n)
        if self.validation_fraction > 0:
            counts = np.bincount(codes)
            stratify = codes if counts.min() >= 2 else None
            train, val = train_test_split(
                train, test_size=self.validation_fraction, stratify=stratify, random_state=self.random_state
            )
            validation = (V[val], codes[val])
            stop = keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=self.patience, restore_best_weights=True
            )
            callbacks.append(stop)
        self.model_ = self._build(self.window_, d, len(self.classes_))
        history = self.model_.fit(
            V[train],
            codes[train],
            validation_data=validation,
            epochs=self.epochs,
            batch_size=self.batch_size,
            shuffle=True,
            callbacks=callbacks,
            verbose=self.verbose,
        )
        self.history_ = dict(history.history)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities of each target utterance, shape ``(n, n_classes)``."""
        check_is_fitted(self)
        V = self._windows_of_vectors(X, fitting=False)
        if V.shape[1] != self.window_:
            raise ParameterError(
                f"`X` has context windows of {V.shape[1]} utterances but the model was fitted on "
                f"{self.window_}. Pass windows of the same size as in fit."
            )
        d = V.shape[2]
        V = self.scaler_.transform(V.reshape(-1, d)).reshape(V.shape).astype(np.float32)
        return np.asarray(self.model_.predict(V, batch_size=max(256, self.batch_size), verbose=0))

    def predict(self, X: Any) -> np.ndarray:
        """Class of each target utterance, values from ``classes_``."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------
#: Name → baseline class (the rows of the paper's Tables 5 and 6).
BASELINES: dict[str, type[_FrameBaseline]] = {
    "svm": SVMBaseline,
    "naive_bayes": NaiveBayesBaseline,
    "gmm": GMMBaseline,
    "hmm": HMMBaseline,
    "dtw": DTWBaseline,
    "bc_lstm": BCLSTMBaseline,
}


def make_baseline(name: str, **params: Any) -> _FrameBaseline:
    """An unfitted baseline by name, e.g. ``make_baseline("svm", C=10.0)``.

    Parameters
    ----------
    name : str
        A key of :data:`BASELINES`: ``svm``, ``naive_bayes``, ``gmm``, ``hmm``, ``dtw``, ``bc_lstm``.
    **params
        Constructor arguments of that class.

    Raises
    ------
    ParameterError
        Unknown name (the known ones are listed) or an argument the class does not take.
    """
    if name not in BASELINES:
        raise ParameterError(
            f"`name` must be one of {', '.join(map(repr, BASELINES))}; got {name!r}. "
            "Pass e.g. make_baseline('svm')."
        )
    cls = BASELINES[name]
    valid = cls._get_param_names()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ParameterError(
            f"{cls.__name__} takes no parameter(s) {unknown!r}; it takes {', '.join(valid)}."
        )
    return cls(**params)
