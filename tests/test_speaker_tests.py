"""Speaker-level comparisons, the smallest-effect rule, and their false-positive rates (issue 36's first part)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import affacrnn
from reproduction.speaker_tests import SMALLEST_EFFECT, effect_verdict, null_rejection_rate, speaker_paired


def test_speaker_paired_pairs_by_speaker_and_bootstraps_the_speakers():
    rng = np.random.default_rng(0)
    b = pd.Series(rng.normal(50, 8, 24), index=[f"ravdess:{i:02d}" for i in range(1, 25)])
    a = (b + 5 + rng.normal(0, 2, 24)).iloc[::-1]  # order does not matter, speakers do
    test = speaker_paired(a, b, n_boot=2000)
    d = (a - b).loc[b.index]
    assert test["n"] == 24 and test["mean"] == pytest.approx(d.mean())
    assert test["boot_low"] < test["mean"] < test["boot_high"] and test["low"] < test["mean"] < test["high"]
    assert test["p"] < 0.001 and test["ahead"] == int((d > 0).sum())
    assert effect_verdict(test["boot_low"], test["boot_high"]) == "holds"
    with pytest.raises(affacrnn.ParameterError, match="at least 3 speakers"):
        speaker_paired(a.iloc[:2], b)


@pytest.mark.parametrize("low, high, expected", [(2.5, 9.0, "holds"), (-4.0, 1.5, "does not hold"),
                                                 (-1.0, 3.0, "inconclusive"), (1.0, 6.0, "inconclusive"),
                                                 (-9.0, -3.0, "does not hold")])
def test_the_effect_rule_needs_the_whole_interval_past_the_smallest_effect(low, high, expected):
    assert SMALLEST_EFFECT == 2.0
    assert effect_verdict(low, high) == expected
    with pytest.raises(affacrnn.ParameterError, match="interval"):
        effect_verdict(3.0, 1.0)


def test_with_no_effect_the_t_test_rejects_about_alpha_and_the_effect_rule_almost_never_holds():
    noise = np.random.default_rng(1).normal(0, 7.8, 24)  # the spread of a model against itself under two seeds
    rate = null_rejection_rate(noise, n_sim=3000, seed=2)
    assert 0.02 < rate["t_test"] < 0.09
    assert rate["effect_holds"] < 0.02
    with pytest.raises(affacrnn.ParameterError, match="at least 3"):
        null_rejection_rate([1.0, 2.0])


def test_the_committed_answers_say_a_recipe_does_not_beat_itself_under_another_seed():
    from reproduction.answers import read_answers, speaker_scores

    answers = read_answers(corpus="ravdess", scheme="ravdess_emotion7", model="ub_bilstm",
                           options={"utterance_encoder": "statistics", "normalization": "speaker", "context": 1},
                           results_dir=affacrnn.settings.REPO_ROOT / "results"
                           / "ablation-utterance_encoder_statistics-normalization_speaker-context_1")
    s0, s1 = (speaker_scores(answers[answers["seed"] == k]) for k in (0, 1))
    test = speaker_paired(s0, s1)
    assert test["n"] == 24 and test["p"] > 0.05
    assert effect_verdict(test["boot_low"], test["boot_high"]) != "holds"


@pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true")
@pytest.mark.parametrize("score", ["accuracy", "balanced_accuracy", "macro_f1"])
def test_speaker_scores_are_scikit_learns_to_the_last_bit(score):
    """speaker_scores computes every group at once; each value equals scikit-learn's on that group alone,
    including speakers who lack a class, predictions of classes a speaker lacks, and a seed as a string."""
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

    from reproduction.answers import speaker_scores

    rng = np.random.default_rng(7)
    rows = []
    for seed in (0, 1, "ensemble"):
        for fold in range(3):
            for speaker in range(6):
                n, k = int(rng.integers(1, 30)), int(rng.integers(2, 8))
                rows.append(pd.DataFrame({"seed": [seed] * n, "fold": fold, "corpus": "c", "speaker": f"{speaker:02d}",
                                          "y_true": rng.integers(0, k, n), "y_pred": rng.integers(0, k + 1, n)}))
    answers = pd.concat(rows, ignore_index=True)
    answers["seed"] = answers["seed"].astype(str)
    sklearn_score = {
        "accuracy": lambda y, p: accuracy_score(y, p),
        "balanced_accuracy": lambda y, p: balanced_accuracy_score(y, p),
        "macro_f1": lambda y, p: f1_score(y, p, labels=sorted(y.unique()), average="macro", zero_division=0),
    }[score]
    expected: dict[str, list[float]] = {}
    for (_, _, corpus, speaker), g in answers.groupby(["seed", "fold", "corpus", "speaker"], sort=True):
        expected.setdefault(f"{corpus}:{speaker}", []).append(100 * sklearn_score(g["y_true"], g["y_pred"]))
    got = speaker_scores(answers, score=score)
    assert list(got.index) == sorted(expected)
    assert all(got[k] == float(np.mean(v)) for k, v in expected.items())  # equal, not close
