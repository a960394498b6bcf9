"""The field's yardstick: functionals (openSMILE), each speaker z-normalised, and an SVM tuned on other speakers.

The pipeline a speech-emotion researcher runs first beside a new model (chapter 9 builds it step
by step):

1. one vector of functionals per clip (:func:`affacrnn.features.opensmile.opensmile_features`:
   eGeMAPS, 88 values, or ComParE, 6373);
2. **per-speaker normalisation** (:func:`speaker_zscore`): every speaker's vectors z-scored with
   that speaker's own mean and standard deviation — label-free, so it is allowed for test
   speakers too, and it removes most of what makes one voice differ from another;
3. an SVM (:class:`FunctionalsSVM`) whose kernel (linear or RBF) and ``C`` are chosen by
   cross-validation **grouped by speaker on the training speakers only**, scored by macro-F1,
   classes weighted by inverse frequency.

Notebook: book/09_baselines.ipynb
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.validation import check_array, check_is_fitted

from affacrnn.errors import ParameterError
from affacrnn.evaluation.baselines.base import check_int

__all__ = ["speaker_zscore", "FunctionalsSVM", "KERNELS", "C_GRID"]

#: Kernels the inner cross-validation chooses from.
KERNELS = ("linear", "rbf")
#: Values of ``C`` it tries (the same for both kernels).
C_GRID = (1e-3, 1e-2, 1e-1, 1.0, 10.0)


def speaker_zscore(X: Any, speakers: Any) -> np.ndarray:
    """Each speaker's rows z-scored with that speaker's own column means and standard deviations.

    Label-free (it never looks at a label), so it is computed for training and test speakers
    alike; a column constant within a speaker becomes 0 for that speaker.

    Parameters
    ----------
    X : array-like [shape=(n, d)]
    speakers : array-like [shape=(n,)]
        The speaker of each row (a tuple or string; rows of two corpora need distinct names).

    Returns
    -------
    np.ndarray [shape=(n, d), dtype=float64]
    """
    X = check_array(X, dtype=np.float64, input_name="X")
    speakers = np.asarray(speakers)
    if speakers.shape != (len(X),):
        raise ParameterError(f"`speakers` must hold one speaker per row of X ({len(X)}); got shape {speakers.shape}.")
    frame = pd.DataFrame(X)
    groups = frame.groupby(speakers, sort=False)
    sd = groups.transform("std", ddof=0).to_numpy()
    z = (X - groups.transform("mean").to_numpy()) / np.where(sd > 0, sd, 1.0)
    return np.where(sd > 0, z, 0.0)


class FunctionalsSVM(ClassifierMixin, BaseEstimator):
    """StandardScaler → SVC, kernel and ``C`` chosen by speaker-grouped inner cross-validation.

    Parameters
    ----------
    kernels : sequence of str
        Kernels to try (:data:`KERNELS`).
    Cs : sequence of float
        Values of ``C`` to try (:data:`C_GRID`).
    inner_folds : int
        Folds of the inner cross-validation, by speaker (fewer when fewer training speakers).
    scoring : str
        scikit-learn scorer the inner cross-validation maximises (default macro-F1).
    class_weight : dict, "balanced" or None
    n_jobs : int, optional
        Parallel fits of the grid search.

    Attributes
    ----------
    search_ : GridSearchCV
        The fitted search; ``best_params_`` names the chosen kernel and ``C``.
    best_params_ : dict
    classes_ : np.ndarray

    Examples
    --------
    >>> svm = FunctionalsSVM().fit(speaker_zscore(X, spk)[train], y[train], groups=spk[train])  # doctest: +SKIP
    >>> svm.best_params_                                                                       # doctest: +SKIP
    {'svm__C': 0.01, 'svm__kernel': 'linear'}
    """

    def __init__(self, *, kernels: Sequence[str] = KERNELS, Cs: Sequence[float] = C_GRID, inner_folds: int = 4,
                 scoring: str = "f1_macro", class_weight: dict | str | None = "balanced",
                 n_jobs: int | None = None) -> None:
        self.kernels = kernels
        self.Cs = Cs
        self.inner_folds = inner_folds
        self.scoring = scoring
        self.class_weight = class_weight
        self.n_jobs = n_jobs

    def fit(self, X: Any, y: Any, groups: Any = None) -> "FunctionalsSVM":
        """Choose kernel and ``C`` on speaker-grouped folds of (X, y), then refit on all of it.

        Parameters
        ----------
        X : array-like [shape=(n, d)]
        y : array-like [shape=(n,)]
        groups : array-like [shape=(n,)]
            The speaker of each row: the inner folds never split a speaker.
        """
        check_int("inner_folds", self.inner_folds, low=2, example="4")
        bad = [k for k in self.kernels if k not in ("linear", "rbf", "poly", "sigmoid")]
        if bad or not len(self.kernels) or not len(self.Cs):
            raise ParameterError(f"`kernels` must name SVC kernels and `Cs` hold values; got {list(self.kernels)!r}, "
                                 f"{list(self.Cs)!r}. Pass e.g. kernels=('linear', 'rbf'), Cs=(0.01, 1.0).")
        if groups is None:
            raise ParameterError("FunctionalsSVM.fit needs `groups`, the speaker of each row, so the inner "
                                 "cross-validation never tests on a speaker it trained on.")
        groups = np.asarray(groups)
        n_groups = len(np.unique(groups))
        if n_groups < 2:
            raise ParameterError(f"`groups` must name at least 2 speakers; got {n_groups}. "
                                 "Pass the speaker of each row.")
        pipe = Pipeline([("scale", StandardScaler()), ("svm", SVC(class_weight=self.class_weight))])
        grid = [{"svm__kernel": [k], "svm__C": list(self.Cs)} for k in self.kernels]
        self.search_ = GridSearchCV(pipe, grid, scoring=self.scoring, cv=GroupKFold(min(self.inner_folds, n_groups)),
                                    n_jobs=self.n_jobs, refit=True)
        self.search_.fit(X, y, groups=groups)
        self.best_params_ = dict(self.search_.best_params_)
        self.classes_ = self.search_.classes_
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Class of each row, values from ``classes_``."""
        check_is_fitted(self)
        return self.search_.predict(X)

    def decision_function(self, X: Any) -> np.ndarray:
        """The refitted SVC's decision values."""
        check_is_fitted(self)
        return self.search_.decision_function(X)
