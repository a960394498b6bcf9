"""The field's yardstick on our speaker folds: openSMILE functionals, (per-speaker) normalisation, a tuned SVM.

Four models of :mod:`reproduction.crossval` (run like any other: ``--param
models=compare_svm_speaker``), each the pipeline of
:mod:`affacrnn.evaluation.baselines.functionals` on one fold:

=========================  ==============================  ============================
model                      features (one vector per clip)  normalisation
=========================  ==============================  ============================
``egemaps_svm``            eGeMAPSv02, 88                  global (training speakers)
``egemaps_svm_speaker``    eGeMAPSv02, 88                  each speaker by their own
``compare_svm``            ComParE 2016, 6373              global (training speakers)
``compare_svm_speaker``    ComParE 2016, 6373              each speaker by their own
=========================  ==============================  ============================

The SVM's kernel (linear or RBF) and ``C`` are chosen by speaker-grouped cross-validation on the
fold's training and validation speakers only; the test speakers are seen once, at the end (their
own label-free statistics normalise them in the ``_speaker`` rows). Needs the optional extra
``affacrnn[opensmile]``.

Notebook: book/09_baselines.ipynb
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from affacrnn.evaluation.baselines.functionals import FunctionalsSVM, speaker_zscore
from affacrnn.features.dataset import prepare
from affacrnn.features.opensmile import opensmile_features
from reproduction.fold_scores import score_parts
from reproduction.models import FUNCTIONALS_LABELS, FUNCTIONALS_MODELS
from reproduction.runner import mode_settings

__all__ = ["FUNCTIONALS_MODELS", "FUNCTIONALS_LABELS", "fill_opensmile_cache", "run_functionals"]


def fill_opensmile_cache(table: pd.DataFrame, models: Iterable[str], *, progress: bool = True) -> None:
    """Compute (or find cached) the openSMILE functionals the yardstick models among ``models`` need, here and
    in parallel, so the fold tasks only read the cache."""
    for feature_set in sorted({FUNCTIONALS_MODELS[m][0] for m in models if m in FUNCTIONALS_MODELS}):
        opensmile_features(table, feature_set=feature_set, progress=progress)


def run_functionals(task: Any, table: pd.DataFrame, cache_dir: Any = None) -> dict:
    """One fold of a yardstick model: features, normalisation, the tuned SVM, and the fold's scores.

    Parameters
    ----------
    task : reproduction.crossval.Task
        Its ``model`` is a key of :data:`FUNCTIONALS_MODELS`.
    table : pandas.DataFrame
        The fold's split of its corpus (plus the other corpus as test rows for a cross task).
    cache_dir : path-like, optional
        The feature cache.

    Returns
    -------
    dict
        The scores of :func:`~reproduction.fold_scores.score_parts`, and ``svm_params``
        (the kernel and ``C`` the inner cross-validation chose).
    """
    feature_set, norm = FUNCTIONALS_MODELS[task.model]
    cfg = mode_settings(task.mode).preset.replace(architecture="ub", corpus=task.corpus, label_scheme=task.scheme,
                                                  test_size=0.0, normalization="global")
    data = prepare(cfg, table=table, cache_dir=cache_dir, progress=False)  # labels and parts, as every model's
    X = opensmile_features(data.table, feature_set=feature_set, cache_dir=cache_dir, progress=False, n_jobs=1)
    speakers = (data.table["corpus"].astype(str) + ":" + data.table["speaker"].astype(str)).to_numpy()
    if norm == "speaker":
        X = speaker_zscore(X, speakers)
    y = data.table["y"].to_numpy()
    fit_rows = np.concatenate([data.rows("train"), data.rows("validation")])
    svm = FunctionalsSVM().fit(X[fit_rows], y[fit_rows], groups=speakers[fit_rows])
    row = score_parts(task, data, np.asarray(svm.predict(X[data.rows("test")])), y[fit_rows])
    row["svm_params"] = f"{svm.best_params_['svm__kernel']}, C={svm.best_params_['svm__C']:g}"
    return row
