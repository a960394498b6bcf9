"""The scores of paper §4, against hand-computed values and scikit-learn."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from affacrnn.evaluation import metrics as M
from affacrnn.errors import ParameterError

Y_TRUE = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 2])
Y_PRED = np.array([0, 0, 0, 0, 1, 2, 1, 1, 0, 2])


def test_weighted_accuracy_is_correct_over_total():
    assert M.weighted_accuracy(Y_TRUE, Y_PRED) == pytest.approx(7 / 10)
    assert M.weighted_accuracy(["a", "b"], ["a", "a"]) == 0.5


def test_balanced_accuracy_is_mean_recall():
    # recalls: class 0 4/6, class 1 2/3, class 2 1/1
    assert M.balanced_accuracy(Y_TRUE, Y_PRED) == pytest.approx((4 / 6 + 2 / 3 + 1) / 3)
    assert M.balanced_accuracy(Y_TRUE, np.zeros_like(Y_TRUE)) == pytest.approx(1 / 3)


def test_f1_scores_by_hand_and_against_sklearn():
    t = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    p = np.array([1, 1, 0, 0, 1, 0, 0, 0])
    # positive class 1: tp 2, fp 1, fn 2 -> precision 2/3, recall 1/2, F1 = 4/7
    assert M.binary_f1(t, p) == pytest.approx(4 / 7)
    assert M.binary_f1(t, p, pos_label=0) == pytest.approx(skm.f1_score(t, p, pos_label=0))
    # class F1s: 0: p 4/5 r 4/6 -> 8/11; 1: p 2/3 r 2/3 -> 2/3; 2: p 1/2 r 1 -> 2/3
    assert M.macro_f1(Y_TRUE, Y_PRED) == pytest.approx((8 / 11 + 2 / 3 + 2 / 3) / 3)
    assert M.macro_f1(Y_TRUE, Y_PRED, labels=[0, 1, 2, 3]) == pytest.approx((8 / 11 + 2 / 3 + 2 / 3) / 4)
    assert M.binary_f1([0, 0], [0, 0]) == 0.0  # no positives anywhere: 0, no warning


def test_confusion_matrix_table():
    table = M.confusion(Y_TRUE, Y_PRED, classes=["neg", "neu", "pos"])
    assert list(table.index) == ["neg", "neu", "pos"] and table.index.name == "true"
    np.testing.assert_array_equal(table.to_numpy(), [[4, 1, 1], [1, 2, 0], [0, 0, 1]])
    named = M.confusion(["neg", "pos"], ["pos", "pos"], classes=["neg", "neu", "pos"])
    assert named.loc["neg", "pos"] == 1 and named.to_numpy().sum() == 2
    with pytest.raises(ParameterError, match="not among `classes`"):
        M.confusion([0, 5], [0, 1], classes=["a", "b"])


def test_majority_baseline_on_test_and_from_train():
    assert M.majority_baseline(Y_TRUE) == pytest.approx(0.6)
    assert M.majority_baseline(Y_TRUE, y_train=[1, 1, 2]) == pytest.approx(0.3)
    # DESIGN.md's MOSI figure: 400 polar of 583 test rows
    assert M.majority_baseline(np.r_[np.ones(400), np.zeros(183)]) == pytest.approx(0.6861, abs=1e-4)


def test_bootstrap_ci_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 2, 300)
    p = np.where(rng.random(300) < 0.7, t, 1 - t)
    acc = M.weighted_accuracy(t, p)
    low, high = M.bootstrap_ci(t, p, seed=1)
    assert low < acc < high and high - low < 0.15
    assert (low, high) == M.bootstrap_ci(t, p, seed=1)
    # normal approximation for a proportion: half-width ≈ 1.96·sqrt(acc(1-acc)/n)
    assert (high - low) / 2 == pytest.approx(1.96 * math.sqrt(acc * (1 - acc) / 300), rel=0.15)
    lo2, hi2 = M.bootstrap_ci(t, p, metric="macro_f1", n_boot=200, seed=1)
    assert lo2 < M.macro_f1(t, p) < hi2
    with pytest.raises(ParameterError, match="`metric`"):
        M.bootstrap_ci(t, p, metric="auc")


def test_evaluate_predictions_holds_every_score():
    r = M.evaluate_predictions(Y_TRUE, Y_PRED, classes=["neg", "neu", "pos"], y_train=[2, 2, 1], n_boot=200)
    assert r["n"] == 10 and r["n_classes"] == 3
    assert r["weighted_accuracy"] == pytest.approx(0.7)
    assert math.isnan(r["f1"])  # 3 classes: macro F1 only
    assert r["macro_f1"] == pytest.approx(M.macro_f1(Y_TRUE, Y_PRED))
    assert r["majority_accuracy"] == pytest.approx(0.6) and r["majority_train_accuracy"] == pytest.approx(0.1)
    assert r["accuracy_ci_low"] <= 0.7 <= r["accuracy_ci_high"]
    assert isinstance(r["confusion"], pd.DataFrame)
    two = M.evaluate_predictions([0, 1, 1, 0], [0, 1, 0, 0], classes=["neg", "pos"], n_boot=50)
    assert two["f1"] == pytest.approx(skm.f1_score([0, 1, 1, 0], [0, 1, 0, 0]))
    assert math.isnan(two["majority_train_accuracy"])


def test_summarize_seeds_mean_and_sd():
    runs = [{"weighted_accuracy": 0.6, "n": 10, "confusion": "skip"}, {"weighted_accuracy": 0.7, "n": 10}, {"weighted_accuracy": 0.8, "n": 10}]
    table = M.summarize_seeds(runs)
    row = table.loc["weighted_accuracy"]
    assert row["mean"] == pytest.approx(0.7) and row["sd"] == pytest.approx(0.1) and row["n_runs"] == 3
    assert row["text"] == "70.00 ± 10.00"
    assert table.loc["n", "text"] == "10.00 ± 0.00"
    assert "confusion" not in table.index
    assert M.summarize_seeds([{"a": 0.5}]).loc["a", "text"] == "50.00 ± nan"
    with pytest.raises(ParameterError, match="non-empty list"):
        M.summarize_seeds([])


@pytest.mark.parametrize(
    "t, p, match",
    [([0, 1], [0], "same length"), ([], [], "at least one"), ([[0, 1]], [[0, 1]], "1-D")],
)
def test_bad_label_arrays_raise_parameter_errors(t, p, match):
    with pytest.raises(ParameterError, match=match):
        M.weighted_accuracy(t, p)
