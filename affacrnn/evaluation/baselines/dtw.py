"""k-nearest neighbours by dynamic time warping: the paper's Table 5 (after Bakır et al. 2018).

The paper's "traditional" classifier DTW (§4, "Comparison with traditional method", Table 5)
follows Bakır et al. 2018, on MFCC-type features: a template matcher over whole frame sequences,
here with tslearn's ``cdist_dtw``. The paper gives no settings; the choices below are ours and
are documented where they are made.

Notebook: book/09_baselines.ipynb
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted
from tslearn.metrics import cdist_dtw
from tslearn.preprocessing import TimeSeriesResampler
from tslearn.utils import to_time_series_dataset

from affacrnn.evaluation.baselines.base import FrameBaseline, check_int
from affacrnn.features.frames import PAPER_FEATURES

__all__ = ["DTWBaseline"]


class DTWBaseline(FrameBaseline):
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
        # tslearn pads variable-length sequences with NaN; its DTW and resampler skip the NaN tail.
        data = to_time_series_dataset(self._sequences(X, fitting=fitting))
        if self.n_points is None:
            return data
        n_points = check_int("n_points", self.n_points, low=2, example="80")
        return TimeSeriesResampler(sz=n_points).fit_transform(data)

    def fit(self, X: Any, y: Any) -> "DTWBaseline":
        """Store the (standardised, resampled) training sequences of ``X`` [shape=(n, n_frames, D)]."""
        check_int("n_neighbors", self.n_neighbors, low=1, example="1")
        if self.sakoe_chiba_radius is not None:
            check_int("sakoe_chiba_radius", self.sakoe_chiba_radius, low=0, example="8")
        self.templates_ = self._dataset(X, fitting=True)
        self.template_codes_ = self._targets(y, len(self.templates_))
        return self

    def distances(self, X: Any) -> np.ndarray:
        """DTW distance of each utterance of ``X`` to each training utterance, shape ``(n, n_train)``."""
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

