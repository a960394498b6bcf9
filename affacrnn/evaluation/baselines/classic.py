"""SVM and Naive Bayes on utterance statistics: the paper's Table 5 (after Maghilnan et al. 2017).

The paper's "traditional" classifiers SVM and Naive Bayes (§4, "Comparison with traditional
method", Table 5) were taken from Maghilnan et al. 2017, who used them on text. Here they read
utterance statistics of the audio features
(:func:`~affacrnn.evaluation.baselines.statistics.utterance_statistics`: mean and std of every
column by default). The paper gives no settings; the choices below are ours and are documented
where they are made.

Notebook: book/09_baselines.ipynb
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from affacrnn.evaluation.baselines.statistics import StatisticsBaseline
from affacrnn.features.frames import PAPER_FEATURES

__all__ = ["SVMBaseline", "NaiveBayesBaseline"]


class SVMBaseline(StatisticsBaseline):
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


class NaiveBayesBaseline(StatisticsBaseline):
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

