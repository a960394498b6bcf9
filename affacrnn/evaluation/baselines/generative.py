"""Generative frame models, a GMM and an HMM per class: the paper's Table 5 (after Bakır et al. 2018).

The paper's "traditional" classifiers GMM and HMM (§4, "Comparison with traditional method",
Table 5) follow Bakır et al. 2018, on MFCC-type features. Each class gets its own model of the
(real, standardised) frames of its training utterances; an utterance is classified by its
log-likelihood under each class model plus the log class prior. The paper gives no settings;
the choices below are ours and are documented where they are made.

Notebook: book/09_baselines.ipynb
"""
from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from hmmlearn.hmm import GaussianHMM
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.utils.validation import check_is_fitted

from affacrnn.evaluation.baselines.base import FrameBaseline, check_choice, check_int
from affacrnn.features.frames import PAPER_FEATURES

__all__ = ["GMMBaseline", "HMMBaseline"]


def _softmax_rows(S: np.ndarray) -> np.ndarray:
    S = S - S.max(axis=1, keepdims=True)
    P = np.exp(S)
    return P / P.sum(axis=1, keepdims=True)


class _GenerativeBaseline(FrameBaseline):
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
        check_choice("aggregate", self.aggregate, ("mean", "sum"))
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
        n_states = check_int("n_states", self.n_states, low=1, example="4")
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

