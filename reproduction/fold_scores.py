"""The scores of one fold run: on the fold's own test speakers and, for a cross-corpus task, on the other corpus.

Every model of :mod:`reproduction.crossval` — networks, baselines and the yardstick of
:mod:`reproduction.yardstick` — is scored by these two functions, so their rows have the
same columns (:data:`METRIC_COLUMNS`, :data:`CROSS_COLUMNS`); :func:`summarize_folds` makes their
mean rows.

Notebook: book/08_fusion_attention.ipynb
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from affacrnn.evaluation.metrics import evaluate_predictions

__all__ = ["COLLAPSED_SHARE", "CROSS_COLUMNS", "METRIC_COLUMNS", "RUN_DETAILS", "assemble_rows", "collapsed", "fold_scores", "score_parts",
           "summarize_folds", "test_predictions"]

#: Percent of test answers in one class at which a fold run counts as collapsed.
COLLAPSED_SHARE = 90.0
#: Scores of a row, in percent.
METRIC_COLUMNS = ("accuracy", "balanced_accuracy", "macro_f1", "weighted_f1", "positive_f1", "majority")
#: Scores of the same fold's model on every utterance of a second corpus (a task with ``cross``):
#: the metrics above prefixed ``cross_``, and ``cross_test_majority``, the share of that corpus's
#: most frequent class (what always answering it would score there).
CROSS_COLUMNS = (*(f"cross_{m}" for m in METRIC_COLUMNS), "cross_test_majority")
#: Entries of a fold run's row that are not scores: kept in its part file, left out of the tables.
RUN_DETAILS = ("history", "stages", "predictions")
#: Decimals kept of each class probability in a part file (a 360-utterance fold: about 20 kB).
PROBABILITY_DECIMALS = 4


def fold_scores(y_true: Any, y_pred: Any, classes: Any, y_train: Any) -> dict:
    """Percent scores of one test set: accuracy, balanced accuracy, macro-, weighted and positive F1, the
    accuracy of always answering the training majority (``majority``), ``n_test``, and ``top_share``:
    the percent of answers that are the most common one (at or above :data:`COLLAPSED_SHARE` the
    model has collapsed onto one class, which the runner reports)."""
    m = evaluate_predictions(y_true, y_pred, classes=classes, y_train=y_train)
    answers = np.asarray(y_pred)
    return {
        "accuracy": 100 * m["weighted_accuracy"],
        "balanced_accuracy": 100 * m["balanced_accuracy"],
        "macro_f1": 100 * m["macro_f1"],
        "weighted_f1": 100 * m["weighted_f1"],
        "positive_f1": 100 * m["positive_f1"],
        "majority": 100 * m["majority_train_accuracy"],
        "n_test": int(m["n"]),
        "top_share": 100 * float(np.bincount(answers.astype(int)).max() / answers.size) if answers.size else np.nan,
    }


def collapsed(row: dict) -> bool:
    """Whether a fold run answered (nearly) one class for its whole test set."""
    return bool(row.get("top_share", 0) >= COLLAPSED_SHARE)


def test_predictions(data: Any, y_pred: np.ndarray, proba: np.ndarray | None = None) -> dict:
    """Every test utterance's answer, as a part file keeps it (lists of equal length, in test-row order).

    Keys: ``utterance_id``, ``speaker``, ``corpus``, ``y_true`` and ``y_pred`` (class indices),
    ``classes`` (the names of those indices) and, when the model gives them, ``proba`` (one row of
    class probabilities per utterance, :data:`PROBABILITY_DECIMALS` decimals). Confusion matrices,
    per-speaker scores and seed ensembles are computed from these without training again.
    """
    rows = data.table.iloc[data.rows("test")]
    corpus = rows["corpus"].astype(str).tolist() if "corpus" in rows else [str(data.table.attrs.get("corpus", ""))] * len(rows)
    out = {"utterance_id": rows["utterance_id"].astype(str).tolist(), "speaker": rows["speaker"].astype(str).tolist(),
           "corpus": corpus, "y_true": rows["y"].astype(int).tolist(),
           "y_pred": np.asarray(y_pred).astype(int).tolist(), "classes": [str(c) for c in data.classes]}
    if proba is not None:
        out["proba"] = np.round(np.asarray(proba, dtype=float), PROBABILITY_DECIMALS).tolist()
    return out


def score_parts(task: Any, data: Any, y_pred: np.ndarray, y_train: np.ndarray, *,
                proba: np.ndarray | None = None) -> dict:
    """Scores on the fold's own test speakers and, with ``task.cross``, on the other corpus (``cross_``),
    and the answers themselves (``predictions``, :func:`test_predictions`).

    Parameters
    ----------
    task : reproduction.crossval.Task
    data : affacrnn.features.dataset.Prepared
        The fold's prepared data (its ``"test"`` rows, labels ``y``, ``corpus`` and ``classes``).
    y_pred : np.ndarray [shape=(n_test,)]
        Predicted class indices of the test rows, in order.
    y_train : np.ndarray
        Training labels (for the majority rate).
    proba : np.ndarray [shape=(n_test, n_classes)], optional
        Class probabilities of the test rows, kept with the answers.
    """
    test = data.rows("test")
    y = data.table["y"].to_numpy()[test]
    answers = {"predictions": test_predictions(data, y_pred, proba)}
    if not task.cross:
        return {**fold_scores(y, y_pred, data.classes, y_train), **answers}
    corpus = data.table["corpus"].to_numpy()[test]
    own, other = corpus == task.corpus, corpus == task.cross
    row = fold_scores(y[own], y_pred[own], data.classes, y_train)
    cross = fold_scores(y[other], y_pred[other], data.classes, y_train)
    row.update({f"cross_{k}": v for k, v in cross.items()})
    row["cross_test_majority"] = 100 * float(np.bincount(y[other]).max() / len(y[other]))
    return {**row, **answers}


def summarize_folds(rows: pd.DataFrame) -> pd.DataFrame:
    """One ``fold = "mean"`` row per (corpus, scheme, model, options): mean and ``_sd`` over folds.

    Seeds are averaged within a fold first, so the spread is that of the speakers.
    """
    metrics = [*METRIC_COLUMNS, *(c for c in CROSS_COLUMNS if c in rows.columns)]
    keys = [c for c in rows.columns if c not in (*metrics, "fold", "seed", "n_test", "cross_n_test", "best_epoch", "top_share",
                                                  "cross_top_share", "epochs_run", "seconds", "seconds_per_epoch",
                                                  *RUN_DETAILS, "svm_params")]
    per_fold = rows.groupby(keys + ["fold"], dropna=False)[metrics].mean().reset_index()
    out = []
    for key, group in per_fold.groupby(keys, dropna=False, sort=False):
        summary = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        summary["fold"] = "mean"
        summary["n_folds"] = int(len(group))
        for m in metrics:
            summary[m] = float(group[m].mean())
            summary[f"{m}_sd"] = float(group[m].std(ddof=1)) if len(group) > 1 else float("nan")
        out.append(summary)
    return pd.DataFrame(out)


def assemble_rows(ordered: list[dict], *, recipe: str, options: dict, cross: str | None) -> pd.DataFrame:
    """Fold runs' rows (without :data:`RUN_DETAILS`), named by their ``recipe``, then each (scheme, model)'s mean row.

    Columns in order: what was run (corpus, scheme, model, recipe, the ``options``, cross, fold, seed), the
    scores, then the rest.
    """
    runs = pd.DataFrame([{k: v for k, v in r.items() if k not in RUN_DETAILS} for r in ordered])
    if len(runs):
        runs["recipe"] = recipe
    numeric = [c for c in (*METRIC_COLUMNS, *CROSS_COLUMNS, "best_epoch", "epochs_run", "seconds_per_epoch")
               if c in runs]
    runs[numeric] = runs[numeric].astype(float)  # NaN read back from a part's JSON is None
    df = pd.concat([runs, summarize_folds(runs)], ignore_index=True)
    first = ["corpus", "scheme", "model", "recipe", *sorted(options), *(["cross"] if cross else []), "fold", "seed",
             *METRIC_COLUMNS]
    return df[[c for c in first if c in df.columns] + [c for c in df.columns if c not in first]]
