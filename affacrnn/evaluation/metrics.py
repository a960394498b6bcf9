"""Scores of paper §4 ("Evaluation Metrics"), with the baselines and uncertainty it leaves out.

The paper reports "weighted accuracy" = correct utterances / utterances (which, despite its name,
is plain accuracy: the speech-emotion literature's *WA*), F1 for 2 classes and macro F1 for 5 and
7 classes. To read any of these one also needs the score of always predicting the majority class
on the same test set (on the MOSI test rows the prototype's "2-class" majority is 68.61%, next to
the paper's 69.64%), balanced accuracy (*UA*, the mean per-class recall, which a majority guess
cannot inflate), a confidence interval, and the spread over seeds. All computed with scikit-learn.

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from affacrnn.errors import ParameterError

__all__ = [
    "weighted_accuracy",
    "balanced_accuracy",
    "binary_f1",
    "macro_f1",
    "weighted_f1",
    "confusion",
    "majority_baseline",
    "bootstrap_ci",
    "evaluate_predictions",
    "summarize_seeds",
    "METRICS",
]


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true)
    p = np.asarray(y_pred)
    if t.ndim != 1 or p.ndim != 1:
        raise ParameterError(
            f"`y_true` and `y_pred` must be 1-D label arrays; got shapes {t.shape} and {p.shape}. "
            "Pass class labels, e.g. probs.argmax(axis=1)."
        )
    if len(t) != len(p):
        raise ParameterError(
            f"`y_true` and `y_pred` must have the same length; got {len(t)} and {len(p)}. Pass one prediction per utterance."
        )
    if len(t) == 0:
        raise ParameterError("`y_true` must hold at least one label; got an empty array. Pass a non-empty test set.")
    return t, p


def weighted_accuracy(y_true: Any, y_pred: Any) -> float:
    """The paper's "weighted accuracy" (§4): correct utterances / utterances.

    Despite the name no class weights are involved: it is plain accuracy. See
    :func:`balanced_accuracy` for the class-balanced score.

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n,)]
        True and predicted labels (ints or strings).

    Returns
    -------
    float
        In [0, 1].
    """
    t, p = _pair(y_true, y_pred)
    return float(skm.accuracy_score(t, p))


def balanced_accuracy(y_true: Any, y_pred: Any) -> float:
    """Mean recall over the classes present in ``y_true`` (unweighted accuracy, UA); in [0, 1].

    A constant prediction scores 1 / n_classes, whatever the class balance. A prediction of a
    class absent from ``y_true`` (common on a small validation slice) counts as a miss, as
    intended; scikit-learn's warning about it is not shown (it reached the book's cells as a red
    stderr box on every epoch).
    """
    t, p = _pair(y_true, y_pred)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        return float(skm.balanced_accuracy_score(t, p))


def binary_f1(y_true: Any, y_pred: Any, *, pos_label: Any = 1) -> float:
    """F1 of the class ``pos_label`` (paper §4, β = 1, for 2-class results).

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n,)]
        Labels of exactly two classes (at most two distinct values in each).
    pos_label : label
        The class whose precision and recall make F1 (default 1).

    Returns
    -------
    float
        In [0, 1]; 0 when the positive class is never predicted or never present.
    """
    t, p = _pair(y_true, y_pred)
    return float(skm.f1_score(t, p, pos_label=pos_label, average="binary", zero_division=0))


def macro_f1(y_true: Any, y_pred: Any, *, labels: Sequence[Any] | None = None) -> float:
    """Macro F1 (paper §4, for 5- and 7-class results): the mean of the per-class F1 scores.

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n,)]
    labels : sequence, optional
        The classes to average over; default those in ``y_true`` or ``y_pred``. Pass all classes
        so that a class never predicted nor present counts (as 0).
    """
    t, p = _pair(y_true, y_pred)
    return float(skm.f1_score(t, p, labels=labels, average="macro", zero_division=0))


def weighted_f1(y_true: Any, y_pred: Any, *, labels: Sequence[Any] | None = None) -> float:
    """Support-weighted F1: each class's F1 weighted by its share of ``y_true``.

    The paper's 2-class F1 (68.51) sits next to its accuracy (69.64), as a support-weighted F1
    does and the positive class's F1 on an imbalanced test set does not; we report both, named.
    """
    t, p = _pair(y_true, y_pred)
    return float(skm.f1_score(t, p, labels=labels, average="weighted", zero_division=0))


def confusion(y_true: Any, y_pred: Any, *, classes: Sequence[Any]) -> pd.DataFrame:
    """Confusion matrix as a table: rows true class, columns predicted class, cells counts.

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n,)]
        Labels, as class indices (``0 .. len(classes)-1``) or as the class names themselves.
    classes : sequence
        The classes in order; names the rows and columns.

    Returns
    -------
    pandas.DataFrame [shape=(n_classes, n_classes)]
        Index ``true``, columns ``predicted``.
    """
    t, p = _pair(y_true, y_pred)
    labels = _labels_for(t, p, classes)
    matrix = skm.confusion_matrix(t, p, labels=labels)
    names = [str(c) for c in classes]
    return pd.DataFrame(matrix, index=pd.Index(names, name="true"), columns=pd.Index(names, name="predicted"))


def _labels_for(t: np.ndarray, p: np.ndarray, classes: Sequence[Any]) -> list[Any]:
    """Labels as they appear in ``t``/``p``: indices if the arrays are ints, else the class names."""
    classes = list(classes)
    if len(classes) < 2:
        raise ParameterError(f"`classes` must name at least 2 classes; got {classes!r}. Pass the label scheme's classes.")
    values = set(np.unique(np.concatenate([t, p])).tolist())
    if np.issubdtype(t.dtype, np.integer) and np.issubdtype(p.dtype, np.integer) and not set(classes) >= values:
        labels = list(range(len(classes)))
    else:
        labels = classes
    unknown = values - set(labels)
    if unknown:
        raise ParameterError(
            f"labels {sorted(map(str, unknown))} are not among `classes` {classes!r} (or indices 0..{len(classes) - 1}). "
            "Pass the classes the labels come from."
        )
    return labels


def majority_baseline(y_true: Any, *, y_train: Any | None = None) -> float:
    """Accuracy of always predicting one class on the test labels ``y_true``.

    Parameters
    ----------
    y_true : array-like [shape=(n,)]
        Test labels.
    y_train : array-like, optional
        If given, the constant is the *training* set's most frequent class (an honest baseline
        a model could be compared with before seeing the test set); by default it is the test
        set's own most frequent class, the ceiling of any constant guess (what DESIGN.md quotes
        for MOSI: 400/583 = 68.61%).

    Returns
    -------
    float
        In [0, 1].
    """
    t = np.asarray(y_true)
    if t.ndim != 1 or len(t) == 0:
        raise ParameterError(f"`y_true` must be a non-empty 1-D label array; got shape {t.shape}. Pass the test labels.")
    source = t if y_train is None else np.asarray(y_train)
    if source.ndim != 1 or len(source) == 0:
        raise ParameterError(f"`y_train` must be a non-empty 1-D label array; got shape {source.shape}. Pass the training labels.")
    values, counts = np.unique(source, return_counts=True)
    majority = values[np.argmax(counts)]  # ties: the smallest label, deterministically
    return float(np.mean(t == majority))


#: Metric name → function(y_true, y_pred), for :func:`bootstrap_ci` and :func:`evaluate_predictions`.
METRICS: dict[str, Callable[[Any, Any], float]] = {
    "weighted_accuracy": weighted_accuracy,
    "balanced_accuracy": balanced_accuracy,
    "macro_f1": macro_f1,
    "weighted_f1": weighted_f1,
}


def bootstrap_ci(
    y_true: Any,
    y_pred: Any,
    *,
    metric: str | Callable[[Any, Any], float] = "weighted_accuracy",
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of a metric over test utterances (seeded).

    Resamples the (true, predicted) pairs with replacement ``n_boot`` times and returns the
    ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of the metric. It measures the
    uncertainty due to the finite test set only (not over seeds: see :func:`summarize_seeds`).

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n,)]
    metric : str or callable
        A key of :data:`METRICS` or a function ``f(y_true, y_pred) -> float``.
    n_boot : int
        Number of resamples (>= 10).
    level : float
        Confidence level in (0, 1), default 0.95.
    seed : int
        Seed of the resampling, so the interval is reproducible.

    Returns
    -------
    (low, high) : tuple of float
    """
    t, p = _pair(y_true, y_pred)
    if isinstance(metric, str):
        if metric not in METRICS:
            raise ParameterError(f"`metric` must be one of {', '.join(METRICS)} or a function; got {metric!r}. Pass e.g. 'weighted_accuracy'.")
        metric = METRICS[metric]
    if not isinstance(n_boot, int) or n_boot < 10:
        raise ParameterError(f"`n_boot` must be an int >= 10; got {n_boot!r}. Pass e.g. n_boot=1000.")
    if not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ParameterError(f"`level` must be in (0, 1); got {level!r}. Pass e.g. level=0.95.")
    rng = np.random.default_rng(seed)
    n = len(t)
    if metric is weighted_accuracy:  # vectorised fast path for the paper's main score
        correct = (t == p).astype(float)
        scores = correct[rng.integers(0, n, size=(n_boot, n))].mean(axis=1)
    else:
        scores = np.empty(n_boot)
        for b in range(n_boot):
            idx = rng.integers(0, n, size=n)
            scores[b] = metric(t[idx], p[idx])
    low, high = np.quantile(scores, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def evaluate_predictions(
    y_true: Any,
    y_pred: Any,
    *,
    classes: Sequence[Any],
    y_train: Any | None = None,
    pos_label: Any | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Every score of one test run, with its baseline and a 95% interval (paper §4).

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n,)]
        Labels, as class indices or class names.
    classes : sequence
        All classes in order (the label scheme's); macro F1 averages over all of them.
    y_train : array-like, optional
        Training labels: adds ``majority_train_accuracy``, the test accuracy of always
        predicting the training set's majority class.
    pos_label : label, optional
        Positive class of the 2-class F1; default the last class (``classes[-1]``, or its index).
    n_boot : int
        Bootstrap resamples for the accuracy interval.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    dict
        ``n``, ``n_classes``, ``weighted_accuracy`` (the paper's), ``balanced_accuracy``,
        ``f1`` and its clearer name ``positive_f1`` (the F1 of ``pos_label``, 2 classes only, else
        NaN), ``macro_f1``, ``weighted_f1`` (support-weighted, the paper's likely 2-class F1), ``majority_accuracy`` (test majority),
        ``majority_train_accuracy`` (NaN without ``y_train``), ``accuracy_ci_low`` and
        ``accuracy_ci_high`` (95% bootstrap), and ``confusion`` (a DataFrame, see
        :func:`confusion`). All but ``confusion`` are numbers, so
        ``pd.Series(result).drop("confusion")`` or :func:`summarize_seeds` work on it.
    """
    t, p = _pair(y_true, y_pred)
    labels = _labels_for(t, p, classes)
    k = len(labels)
    if pos_label is None:
        pos_label = labels[-1]
    low, high = bootstrap_ci(t, p, n_boot=n_boot, seed=seed)
    return {
        "n": int(len(t)),
        "n_classes": k,
        "weighted_accuracy": weighted_accuracy(t, p),
        "balanced_accuracy": balanced_accuracy(t, p),
        "f1": binary_f1(t, p, pos_label=pos_label) if k == 2 else float("nan"),
        "positive_f1": binary_f1(t, p, pos_label=pos_label) if k == 2 else float("nan"),
        "macro_f1": macro_f1(t, p, labels=labels),
        "weighted_f1": weighted_f1(t, p, labels=labels),
        "majority_accuracy": majority_baseline(t),
        "majority_train_accuracy": majority_baseline(t, y_train=y_train) if y_train is not None else float("nan"),
        "accuracy_ci_low": low,
        "accuracy_ci_high": high,
        "confusion": confusion(t, p, classes=classes),
    }


def summarize_seeds(results: Sequence[Mapping[str, Any]], *, digits: int = 2, percent: bool = True) -> pd.DataFrame:
    """Mean ± standard deviation of each numeric score over runs with different seeds.

    Parameters
    ----------
    results : sequence of mapping
        One dict per run (e.g. :func:`evaluate_predictions` outputs). Non-numeric entries (the
        confusion table) are ignored; a score missing from some runs is averaged over the others.
    digits : int
        Decimals in the ``text`` column.
    percent : bool
        Write ``text`` in percent for scores in [0, 1] (counts such as ``n`` stay as they are).

    Returns
    -------
    pandas.DataFrame
        One row per score with columns ``mean``, ``sd`` (sample standard deviation, ddof=1; NaN
        for one run), ``n_runs`` and ``text`` (``"68.72 ± 1.03"``).
    """
    if not isinstance(results, Sequence) or isinstance(results, (str, bytes)) or not results:
        raise ParameterError("`results` must be a non-empty list of dicts; got none. Pass one dict of scores per seed.")
    rows = []
    for r in results:
        if not isinstance(r, Mapping):
            raise ParameterError(f"`results` must hold dicts of scores; got {type(r).__name__}. Pass evaluate_predictions() outputs.")
        rows.append({k: v for k, v in r.items() if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)})
    table = pd.DataFrame(rows, dtype=float)
    out = pd.DataFrame(
        {"mean": table.mean(), "sd": table.std(ddof=1), "n_runs": table.count().astype(int)}
    )
    texts = []
    for name, row in out.iterrows():
        scale = 100.0 if percent and name not in ("n", "n_classes") and (table[name].dropna().between(0, 1).all()) else 1.0
        sd = "nan" if np.isnan(row["sd"]) else f"{row['sd'] * scale:.{digits}f}"
        texts.append(f"{row['mean'] * scale:.{digits}f} ± {sd}")
    out["text"] = texts
    out.index.name = "metric"
    return out
