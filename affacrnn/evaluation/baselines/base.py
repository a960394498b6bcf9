"""The base class every baseline shares, its argument checks, and padding detection.

The paper compares AFF-ACRNN with five "traditional" classifiers (§4, Table 5) and with the
contextual LSTM of Poria et al. 2017 (§4, Table 6). Every one of them is a scikit-learn classifier
built on :class:`FrameBaseline`, which validates the input, picks the feature columns and finds
the real (unpadded) frames.

Input
-----
``X`` is what :func:`affacrnn.features.frames.extract_features` gives per utterance, stacked:
``(n_utterances, n_frames, D)``, with ``features`` naming the feature set it was extracted with
(default the paper's four, 33 columns). Each baseline reads the feature blocks named by its
``use_features`` (``None``: all columns), found with :func:`affacrnn.features.frames.column_blocks`.
:class:`~affacrnn.evaluation.baselines.bc_lstm.BCLSTMBaseline` also accepts each utterance with
its context window, ``(n_utterances, window, n_frames, D)``: see
:func:`~affacrnn.evaluation.baselines.statistics.stack_context`.

Padding
-------
Feature matrices have a fixed number of frames; a shorter clip is padded with copies of one row
(its column means, or zeros). With ``ignore_padding=True`` (the default) the baselines drop those
rows, found by :func:`frame_lengths`, so padding adds neither fake frames (GMM, HMM, DTW) nor a
shrunken standard deviation (the statistics).

See Also
--------
affacrnn.features.frames.extract_features : the per-utterance input matrices.

Notebook: book/09_baselines.ipynb
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, column_or_1d

from affacrnn.errors import ParameterError
from affacrnn.features.frames import column_blocks, n_columns, normalize_feature_set

__all__ = ["frame_lengths", "check_int", "check_choice", "class_codes", "FrameBaseline"]


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


def check_int(name: str, value: Any, *, low: int, example: str) -> int:
    if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= low):
        raise ParameterError(f"`{name}` must be an int >= {low}; got {value!r}. Pass e.g. {name}={example}.")
    return int(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ParameterError(
            f"`{name}` must be one of {', '.join(map(repr, choices))}; got {value!r}. "
            f"Pass e.g. {name}={choices[0]!r}."
        )
    return value


def class_codes(estimator: BaseEstimator, y: Any, n: int) -> np.ndarray:
    """Check ``y`` (one label per sample of ``n``, at least two classes), set ``estimator.classes_`` and
    return each label's index into it."""
    y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    if len(y) != n:
        raise ParameterError(f"`y` must hold one label per utterance ({n}); got {len(y)}.")
    estimator.classes_, codes = np.unique(y, return_inverse=True)
    if len(estimator.classes_) < 2:
        raise ParameterError(f"`y` must hold at least 2 classes; got {list(estimator.classes_)!r}.")
    return codes


class FrameBaseline(ClassifierMixin, BaseEstimator):
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
        return class_codes(self, y, n)

    def _lengths(self, F: np.ndarray) -> np.ndarray:
        return frame_lengths(F) if self.ignore_padding else np.full(len(F), F.shape[1], dtype=np.int64)

    def _sequences(self, X: Any, *, fitting: bool) -> list[np.ndarray]:
        """Real frames of each utterance, every ``frame_step``-th, standardised (float64)."""
        step = check_int("frame_step", self.frame_step, low=1, example="2")
        F = self._frames(X, fitting=fitting)
        seqs = [f[:L:step] for f, L in zip(F, self._lengths(F))]
        if fitting:
            # Standardise columns (fitted on training frames): the centroid is in the thousands of
            # Hz and the MFCCs in tens, and a fixed covariance floor only makes sense on one scale.
            self.scaler_ = StandardScaler().fit(np.concatenate(seqs))
        return [self.scaler_.transform(s) for s in seqs]

