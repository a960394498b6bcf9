"""The claims ledger: its verdict rule, its reading of the fold runs, and the committed ledger agreeing with them."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from affacrnn.errors import ParameterError
from reproduction.claims import CLAIMS, SMALLEST_EFFECT, VERDICTS, claims, paired, verdict
from reproduction.fold_tables import fold_runs
from reproduction.results import read_results
from affacrnn.settings import REPO_ROOT


def test_the_verdict_rule_reads_the_interval_against_the_smallest_effect():
    a = pd.Series([50.0, 52.0, 49.0, 55.0])
    ahead = pd.Series([40.0, 41.5, 40.0, 44.0])
    test = paired(a, ahead)
    assert test["p"] == pytest.approx(stats.ttest_rel(a, ahead).pvalue)
    assert test["mean"] == pytest.approx((a - ahead).mean()) and test["low"] < test["mean"] < test["high"]
    assert verdict(test) == "holds" and test["ahead"] == 4
    assert verdict(paired(ahead, a)) == "does not hold"
    noisy = pd.Series([60.0, 40.0, 58.0, 41.0])
    assert verdict(paired(a, noisy)) == "inconclusive"
    assert verdict(None) == "not tested"
    # only the folds both were run on are paired; one common fold is no test
    assert paired(a, pd.Series([1.0], index=[3])) is None
    # against a constant (chance): a one-sample t-test
    one = paired(a, 25.0)
    assert one["p"] == pytest.approx(stats.ttest_1samp(a, 25.0).pvalue) and verdict(one) == "holds"
    # a sure but small lead (+1 point on every fold) is below the smallest effect that matters: does not hold
    small = paired(a + 1.0 + np.array([0.0, 0.1, -0.1, 0.0]), a)
    assert small["p"] < 0.05 and small["high"] < SMALLEST_EFFECT and verdict(small) == "does not hold"
    # an interval across the smallest effect stays inconclusive, whatever p says
    across = paired(a + 2.5 + np.array([0.0, 1.0, -1.0, 0.5]), a)
    assert across["p"] < 0.05 and across["low"] < SMALLEST_EFFECT < across["high"] and verdict(across) == "inconclusive"
    assert verdict(one, smallest=200.0) == "does not hold"


def _part(folder, *, corpus, scheme, model, fold, macro_f1, cross="", features=None, mode="full", options=None,
          seed_tag=0, **extra):
    overrides = ([["features", features]] if features else []) + [list(o) for o in sorted((options or {}).items())]
    row = {"corpus": corpus, "scheme": scheme, "model": model, "fold": fold, "seed": seed_tag, "macro_f1": macro_f1,
           "accuracy": macro_f1 + 3, "balanced_accuracy": macro_f1 + 1, "majority": 20.0, **extra}
    task = {"corpus": corpus, "scheme": scheme, "model": model, "fold": fold, "k": 4, "seed": seed_tag, "mode": mode,
            "overrides": overrides, "cross": cross}
    name = (f"{mode}-{corpus}-{scheme}-{model}-{cross}-{features and len(features)}-{len(options or ())}-f{fold}"
            + (f"-s{seed_tag}" if seed_tag else "") + ".json")
    path = folder / "crossval-parts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"task": task, "row": row, "provenance": {"commit": "0123456789abcdef"}}))


def test_the_ledger_reads_fold_runs_and_says_what_is_missing(tmp_path):
    rng = np.random.default_rng(0)
    for fold in range(4):
        f1 = 45 + rng.normal(0, 1)
        _part(tmp_path, corpus="ravdess", scheme="ravdess_emotion7", model="affacrnn_staged", fold=fold, macro_f1=f1)
        _part(tmp_path, corpus="ravdess", scheme="ravdess_emotion7", model="ub_bilstm", fold=fold, macro_f1=f1 - 14)
        _part(tmp_path, corpus="ravdess", scheme="ravdess_emotion7", model="ub_bilstm", fold=fold, macro_f1=f1 - 13,
              features=["mfcc", "centroid", "chroma", "contrast", "rms", "flatness", "tonnetz"])
        _part(tmp_path, corpus="ravdess", scheme="ravdess_emotion7", model="sbcnn_small", fold=fold,
              macro_f1=45 + rng.normal(0, 5))
        # ResNet18 is the best CNN on every fold (so C4 tests its fusions); ZFNet leads on sentiment3
        _part(tmp_path, corpus="ravdess", scheme="ravdess_emotion7", model="sbcnn_resnet18", fold=fold,
              macro_f1=50.0 + fold)
        _part(tmp_path, corpus="ravdess", scheme="sentiment3", model="sbcnn_zfnet", fold=fold, macro_f1=60.0 + fold)
        # the fusion with ResNet18 (options) on every fold; its LSTM twin never ran
        _part(tmp_path, corpus="ravdess", scheme="ravdess_emotion7", model="affacrnn_staged", fold=fold,
              macro_f1=f1 - 2, options={"cnn": "resnet18"})
        # a smoke run never counts as evidence
        _part(tmp_path, corpus="ravdess", scheme="ravdess_emotion7", model="ub_lstm", fold=fold, macro_f1=1.0,
              mode="smoke")
    for fold in range(5):  # EmoDB, scored on all of RAVDESS too
        _part(tmp_path, corpus="emodb", scheme="sentiment2", model="affacrnn_staged", fold=fold, macro_f1=70.0 + fold,
              cross="ravdess", cross_macro_f1=55.0 + fold, cross_balanced_accuracy=60.0 + fold / 2)
        _part(tmp_path, corpus="emodb", scheme="sentiment2", model="bc_lstm", fold=fold, macro_f1=60.0 + fold / 3,
              cross="ravdess", cross_macro_f1=54.0 + fold, cross_balanced_accuracy=55.0)
    # Table 2's selection (one split, the proxy) chose MFCC alone as its single type
    (tmp_path / "table2.json").write_text(json.dumps({"rows": [
        {"scheme": "sentiment2", "n_types": 1, "features": "mfcc"},
        {"scheme": "sentiment2", "n_types": 4, "features": "mfcc,centroid,chroma,contrast"}]}))
    runs = fold_runs(tmp_path)
    assert len(runs) == 38 and set(runs["commit"]) == {"0123456789ab"}
    df = claims(results_dir=tmp_path, evidence_dir=tmp_path)
    assert set(df["verdict"]) <= set(VERDICTS) and list(dict.fromkeys(df["id"])) == [c.id for c in CLAIMS]
    # no part names round two's changes: its rows are all "not tested", with round two's command
    later = df[df["recipe"] == "round2"]
    assert (later["verdict"] == "not tested").all() and later["run"].str.contains("--param recipe=round2").all()
    df = df[df["recipe"] != "round2"]  # round one's rows (and the rows no recipe changes)
    assert set(df.loc[df["id"].isin(["C9", "C10"]), "recipe"]) == {"–"}
    by = {(r["id"], r["test"], r["data"]): r for _, r in df.iterrows()}
    fusion = by[("C4", "AFF-ACRNN (staged) vs UB-BiLSTM", "ravdess ravdess_emotion7, 4 speaker folds")]
    assert fusion["verdict"] == "holds" and fusion["folds"] == 4 and fusion["difference"].startswith("+14.0")
    # runs with options are their own recipe: the ResNet18 fusion against its branch, not the default fusion
    r18 = by[("C4", "UB-BiLSTM + ResNet18 (staged) vs UB-BiLSTM", "ravdess ravdess_emotion7, 4 speaker folds")]
    assert r18["verdict"] == "holds" and r18["difference"].startswith("+12.0")
    lstm = df[df["test"] == "UB-LSTM + ResNet18 (staged) vs UB-LSTM"].iloc[0]
    assert lstm["verdict"] == "not tested" and 'options=\'{"cnn": "resnet18", "recurrent": "lstm"}\'' in lstm["run"]
    # on sentiment3 the fusions tested are those with that scheme's best CNN, against its SBCNN alone
    zf = df[df["test"] == "UB-LSTM + ZFNet (staged) vs SBCNN (ZFNet)"].iloc[0]
    assert zf["data"].startswith("ravdess sentiment3") and zf["verdict"] == "not tested"
    assert 'options=\'{"cnn": "zfnet", "recurrent": "lstm"}\'' in zf["run"] and "models=sbcnn_zfnet" not in zf["run"]
    fewer = df[df["test"] == "UB-BiLSTM, the paper's 4 types vs UB-BiLSTM, mfcc alone"]
    assert len(fewer) == 2 and (fewer["verdict"] == "not tested").all()  # one row per scheme, never run here
    assert fewer["run"].str.contains('options=\'{"features": ["mfcc"]}\'', regex=False).all()
    assert "1 type 17.24" in fewer.iloc[0]["paper"]
    four_vs_seven = df[df["id"] == "C1"].iloc[0]
    assert four_vs_seven["verdict"] == "does not hold" and four_vs_seven["difference"].startswith("-1.0")
    c2 = df[df["id"] == "C2"]
    assert (c2["verdict"] == "not tested").all() and c2["run"].str.contains("models=ub_lstm").all()
    c6 = df[(df["id"] == "C6") & df["data"].str.startswith("emodb")].iloc[0]  # in-corpus scores of cross runs
    assert c6["verdict"] == "holds" and c6["folds"] == 5
    c7 = df[(df["id"] == "C7") & df["data"].str.startswith("emodb")].iloc[0]
    # one point ahead on every fold: sure, but below the smallest effect that matters
    assert c7["verdict"] == "does not hold" and c7["difference"].startswith("+1.0") and "cross" in c7["metric"]
    c8 = df[(df["id"] == "C8") & df["data"].str.startswith("emodb")].iloc[0]
    assert c8["verdict"] == "holds" and "Drop" in c8["note"]
    assert (df[df["id"] == "C9"]["verdict"] == "not tested").all()  # no latency record in tmp_path
    md = (tmp_path / "claims.md").read_text()
    assert "| C4 " in md and "## Table 5 on our folds" in md and "Not run yet" in md
    t5 = pd.DataFrame(df.attrs["extra"]["tables"]["table5"])
    assert t5.set_index("model").loc["bc-LSTM", "folds"] == 5


def test_table2_fold_by_fold_keeps_each_feature_set_apart(tmp_path):
    from reproduction.fold_tables import ALL7, PAPER4, table2_folds

    sets = {1: "mfcc", 4: "mfcc,chroma,contrast,rms", 7: ALL7}
    for fold in range(4):
        for feats, f1 in ((None, 40.0), (["mfcc"], 30.0), (["mfcc", "chroma", "contrast", "rms"], 45.0),
                          (ALL7.split(","), 42.0)):
            _part(tmp_path, corpus="ravdess", scheme="sentiment2", model="ub_lstm", fold=fold, macro_f1=f1 + fold,
                  features=feats)
        _part(tmp_path, corpus="emodb", scheme="sentiment2", model="ub_lstm", fold=fold, macro_f1=99.0)  # not Table 2
    folds = table2_folds(fold_runs(tmp_path), sets=sets)
    assert len(folds) == 16 and set(folds["model"]) == {"UB-LSTM"} and set(folds["scheme"]) == {"sentiment2"}
    means = folds.groupby(["types", "chosen by"])["macro_f1"].mean()
    assert means[(4, "the paper")] == 41.5 and means[(4, "selection (proxy)")] == 46.5
    assert means[(1, "selection (proxy)")] == 31.5 and means[(7, "all")] == 43.5
    assert set(folds.loc[folds["chosen by"] == "the paper", "features"]) == {PAPER4}
    assert table2_folds(fold_runs(tmp_path / "none"), sets=sets).empty


def test_bilstm_against_lstm_across_table2_pairs_folds_over_the_sets_both_ran(tmp_path):
    """C2's second row averages each fold over the sets both models ran on all folds; a verdict once all are."""
    from reproduction.fold_tables import ALL7

    sets = {1: "mfcc", 3: "mfcc,chroma,contrast"}
    shifts = {None: 1.0, ("mfcc",): 3.0, ("mfcc", "chroma", "contrast"): 5.0}
    for fold in range(4):
        for feats, gap in shifts.items():
            lstm = 40.0 + fold * 2 + (feats is not None)
            _part(tmp_path, corpus="ravdess", scheme="sentiment2", model="ub_lstm", fold=fold, macro_f1=lstm,
                  features=list(feats) if feats else None)
            if feats != ("mfcc", "chroma", "contrast") or fold < 2:  # the 3-type BiLSTM: only 2 of 4 folds
                _part(tmp_path, corpus="ravdess", scheme="sentiment2", model="ub_bilstm", fold=fold,
                      macro_f1=lstm + gap + 0.2 * fold, features=list(feats) if feats else None)
    (tmp_path / "table2.json").write_text(json.dumps({"rows": [
        {"scheme": "sentiment2", "n_types": n, "features": f} for n, f in sets.items()]}))
    df = claims(results_dir=None, evidence_dir=tmp_path)
    df = df[df["recipe"] == "round1"]
    row = df[(df["id"] == "C2") & df["test"].str.contains("mean over") & df["data"].str.contains("sentiment2")]
    assert len(row) == 1
    row = row.iloc[0]
    # the paper's four (+1) and MFCC alone (+3) count; the 3-type set lacks two BiLSTM folds
    assert row["test"] == "UB-BiLSTM vs UB-LSTM, mean over 2 feature sets" and row["folds"] == 4
    assert row["difference"].startswith("+2.3") and "ahead at 7 of 7 sizes" in row["paper"]
    # a set short of folds: the figures stand, the verdict waits (which sets count must not move it)
    assert row["verdict"] == "not tested" and "not yet: mfcc+chroma+contrast" in row["note"]
    assert "models=ub_lstm,ub_bilstm" in row["run"]
    emotions = df[(df["id"] == "C2") & df["test"].str.contains("mean over") & df["data"].str.contains("emotion7")]
    assert emotions.iloc[0]["verdict"] == "not tested" and "models=ub_lstm,ub_bilstm" in emotions.iloc[0]["run"]
    # the 3-type set's last two BiLSTM folds and all seven types (never run above) land: every set of
    # Table 2 counts, and the rule gives its verdict
    for fold in (2, 3):
        _part(tmp_path, corpus="ravdess", scheme="sentiment2", model="ub_bilstm", fold=fold,
              macro_f1=41.0 + fold * 2 + 5.0 + 0.2 * fold, features=["mfcc", "chroma", "contrast"])
    for fold in range(4):
        for model, f1 in (("ub_lstm", 41.0 + fold * 2), ("ub_bilstm", 41.0 + fold * 2 + 3.0 + 0.2 * fold)):
            _part(tmp_path, corpus="ravdess", scheme="sentiment2", model=model, fold=fold, macro_f1=f1,
                  features=ALL7.split(","))
    df = claims(results_dir=None, evidence_dir=tmp_path)
    row = df[(df["id"] == "C2") & df["test"].str.contains("mean over") & df["data"].str.contains("sentiment2")
             & (df["recipe"] == "round1")].iloc[0]
    assert row["test"].endswith("mean over 4 feature sets") and row["verdict"] == "holds" and row["run"] == ""
    assert row["difference"].startswith("+3.3")


def test_table4_fuses_the_three_best_cnns_run_on_every_fold(tmp_path):
    """A CNN half-way through its folds cannot enter Table 4's three best (nor push one out)."""
    from reproduction.fold_tables import fold_tables

    for cnn, f1, folds in (("small", 60.0, 4), ("lenet", 50.0, 4), ("zfnet", 70.0, 2)):
        for fold in range(folds):
            _part(tmp_path, corpus="ravdess", scheme="sentiment3", model=f"sbcnn_{cnn}", fold=fold, macro_f1=f1)
    t4 = fold_tables(fold_runs(tmp_path), sets={})["table4"]
    fusions = set(t4.loc[(t4["scheme"] == "sentiment3") & t4["options"].ne(""), "options"])
    # small (less the default fusion, UB-BiLSTM + small), LeNet, and ResNet18 filling the third place
    assert fusions == {"recurrent=lstm", "cnn=lenet,recurrent=lstm", "cnn=lenet",
                       "cnn=resnet18,recurrent=lstm", "cnn=resnet18"}
    for fold in (2, 3):  # ZFNet's last folds land: it ranks first
        _part(tmp_path, corpus="ravdess", scheme="sentiment3", model="sbcnn_zfnet", fold=fold, macro_f1=70.0)
    t4 = fold_tables(fold_runs(tmp_path), sets={})["table4"]
    assert "cnn=zfnet" in set(t4.loc[t4["scheme"] == "sentiment3", "options"])


def test_a_broken_part_is_named_with_the_fix(tmp_path):
    (tmp_path / "crossval-parts").mkdir()
    (tmp_path / "crossval-parts" / "bad.json").write_text("{not json")
    with pytest.raises(ParameterError, match="bad.json.*delete it"):
        fold_runs(tmp_path)


def test_the_committed_ledger_agrees_with_the_committed_evidence():
    """results/claims.json is what the committed runs say today: re-run `affacrnn experiment claims` after new runs."""
    found = read_results("claims")
    assert found is not None, "results/claims.json is committed (affacrnn experiment claims --mode full)"
    committed = found[0]
    now = claims(results_dir=None)
    cols = ["id", "recipe", "test", "data", "ours", "difference", "units", "p", "verdict"]
    pd.testing.assert_frame_equal(committed[cols].astype(str).reset_index(drop=True),
                                  now[cols].astype(str).reset_index(drop=True))
    md = (REPO_ROOT / "results" / "claims.md").read_text()
    for _, r in now.iterrows():
        assert f"| {r['id']} " in md


def test_a_cross_language_score_stuck_at_chance_does_not_hold(tmp_path):
    """C8: balanced accuracy within CHANCE_MARGIN points of chance on every fold is a failure, not a maybe."""
    for fold in range(5):
        _part(tmp_path, corpus="emodb", scheme="sentiment2", model="affacrnn_staged", fold=fold, macro_f1=70.0,
              cross="ravdess", cross_macro_f1=40.0, cross_balanced_accuracy=50.0 + (fold - 2) * 0.2)
    df = claims(results_dir=None, evidence_dir=tmp_path)
    row = df[(df["id"] == "C8") & df["data"].str.startswith("emodb") & (df["recipe"] == "round1")].iloc[0]
    assert row["verdict"] == "does not hold" and "beats chance by more than 5 points" in row["note"]
    assert row["units"] == "5 folds"  # these parts keep no answers


def test_table_2_lists_the_selections_sets_and_c1_tests_the_papers_four_against_the_selections(tmp_path):
    chosen = {1: "mfcc", 4: "mfcc,chroma,contrast,rms", 7: "mfcc,centroid,chroma,contrast,rms,flatness,tonnetz"}
    (tmp_path / "table2.json").write_text(json.dumps({"rows": [
        {"scheme": "sentiment2", "n_types": n, "features": f} for n, f in chosen.items()]}))
    for fold in range(4):
        _part(tmp_path, corpus="ravdess", scheme="sentiment2", model="ub_bilstm", fold=fold, macro_f1=60.0 + fold)
        _part(tmp_path, corpus="ravdess", scheme="sentiment2", model="ub_bilstm", fold=fold, macro_f1=55.0 + fold / 2,
              features=chosen[4].split(","), seconds=300.0)
    df = claims(results_dir=tmp_path, evidence_dir=tmp_path)
    c1 = df[(df["id"] == "C1") & (df["recipe"] == "round1")].set_index(["data", "test"])
    against = c1.loc[("ravdess sentiment2, 4 speaker folds",
                      "UB-BiLSTM, the paper's 4 types vs UB-BiLSTM, the selection's 4 types (mfcc, chroma, contrast, rms)")]
    assert against["verdict"] == "holds" and against["folds"] == 4
    seven = c1.loc[("ravdess ravdess_emotion7, 4 speaker folds",
                    "UB-BiLSTM, the paper's 4 types vs UB-BiLSTM, the selection's 4 types (mfcc, chroma, contrast, rms)")]
    assert seven["verdict"] == "not tested" and "mfcc\", \"chroma\", \"contrast\", \"rms" in seven["run"]
    t2 = pd.DataFrame(df.attrs["extra"]["tables"]["table2"]).set_index(["scheme", "model", "features"])
    assert t2.loc[("sentiment2", "UB-BiLSTM", chosen[4]), "chosen by"] == "selection (proxy)"
    assert t2.loc[("sentiment2", "UB-BiLSTM", chosen[4]), "folds"] == 4
    one = t2.loc[("sentiment2", "UB-LSTM", "mfcc")]
    assert one["macro-F1"] == "not run" and one["4 folds would take"].startswith("≈")


def _answers(fold: int, *, right: float, rng) -> dict:
    """Test answers of one RAVDESS-like fold: 6 speakers, 12 utterances each over 3 classes, ``right`` of them correct."""
    speakers = [f"{fold * 6 + i + 1:02d}" for i in range(6)]
    y = np.tile(np.arange(3), 4 * len(speakers))
    pred = np.where(rng.random(y.size) < right, y, (y + 1) % 3)
    return {"utterance_id": [f"u{fold}-{i}" for i in range(y.size)], "speaker": list(np.repeat(speakers, 12)),
            "corpus": ["ravdess"] * y.size, "y_true": y.tolist(), "y_pred": pred.tolist(), "classes": ["a", "b", "c"]}


def test_the_ledger_judges_each_recipe_on_its_own_runs_and_pairs_speakers_where_answers_are_kept(tmp_path):
    """Round two's parts (their overrides name its changes; kept in a folder of their own or beside round one's)
    make round two's rows only; with answers kept, a row pairs the 24 speakers instead of the 4 folds."""
    from reproduction.crossval import RECIPES

    rng = np.random.default_rng(1)
    later = dict(RECIPES["round2"])
    for fold in range(4):
        for model, right in (("affacrnn_staged", 0.8), ("ub_bilstm", 0.6)):
            _part(tmp_path, corpus="ravdess", scheme="ravdess_emotion7", model=model, fold=fold, macro_f1=100 * right)
            answers = _answers(fold, right=right, rng=rng)
            where = tmp_path / "recipe2" if model == "ub_bilstm" else tmp_path  # either place counts
            _part(where, corpus="ravdess", scheme="ravdess_emotion7", model=model, fold=fold, options=later,
                  macro_f1=100 * right + fold, predictions=answers)
        # the small CNN's round-two parts predate kept answers: its rows pair folds
        _part(tmp_path / "recipe2", corpus="ravdess", scheme="ravdess_emotion7", model="sbcnn_small", fold=fold,
              options=later, macro_f1=50.0 + fold)
        # the yardstick (a baseline: no network, no recipe), kept without answers and re-run with them: the same key
        _part(tmp_path, corpus="ravdess", scheme="ravdess_emotion7", model="compare_svm_speaker", fold=fold,
              macro_f1=70.0)
        _part(tmp_path / "recipe2", corpus="ravdess", scheme="ravdess_emotion7", model="compare_svm_speaker",
              fold=fold, macro_f1=70.0, predictions=_answers(fold, right=0.7, rng=rng))
    # round two with one more override is its own recipe + options, never round two's plain row
    _part(tmp_path / "recipe2", corpus="ravdess", scheme="ravdess_emotion7", model="ub_bilstm", fold=0,
          options={**later, "spec_augment": 0.2}, macro_f1=1.0)
    one, two = fold_runs(tmp_path), fold_runs(tmp_path, recipe="round2")
    assert len(one) == 12 and set(one["recipe"]) == {"round1"} and set(one["options"]) == {""}
    yard = two[two["model"] == "compare_svm_speaker"]
    assert len(yard) == 4 and all("/recipe2/" in p for p in yard["path"])  # the copy with answers
    assert len(two) == 17 and set(two["recipe"]) == {"round2"} and set(two["options"]) == {"", "spec_augment=0.2"}
    with pytest.raises(ParameterError, match="recipe"):
        fold_runs(tmp_path, recipe="round3")
    df = claims(results_dir=tmp_path, evidence_dir=tmp_path)
    rows = df[(df["id"] == "C4") & (df["data"] == "ravdess ravdess_emotion7, 4 speaker folds")
              & df["test"].isin(["AFF-ACRNN (staged) vs UB-BiLSTM", "AFF-ACRNN (staged) vs SBCNN (small CNN)"])]
    by = rows.set_index(["recipe", "test"])
    ub2, ub1 = (by.loc[(r, "AFF-ACRNN (staged) vs UB-BiLSTM")] for r in ("round2", "round1"))
    assert ub2["units"] == "24 speakers" and ub2["verdict"] == "holds" and ub2["ours"].startswith("81.5")
    assert ub1["units"] == "4 folds" and ub1["ours"].startswith("80.0") and ub1["difference"].startswith("+20.0")
    cnn2 = by.loc[("round2", "AFF-ACRNN (staged) vs SBCNN (small CNN)")]
    assert cnn2["units"] == "4 folds" and cnn2["ours"] == "81.5 ± 1.3 vs 51.5 ± 1.3"
    c11 = df[(df["id"] == "C11") & df["data"].str.contains("emotion7")].set_index("recipe")
    assert c11.loc["round2", "units"] == "24 speakers" and c11.loc["round1", "units"] == "4 folds"
    # the speaker-level difference is the mean of the per-speaker macro-F1 differences
    from reproduction.answers import part_answers, speaker_scores

    parts = {m: sorted(p for p in tmp_path.rglob(f"*{m}*.json") if "-3-f" in p.name)
             for m in ("affacrnn_staged", "ub_bilstm")}
    gap = (speaker_scores(part_answers(parts["affacrnn_staged"])) - speaker_scores(part_answers(parts["ub_bilstm"])))
    assert len(gap) == 24 and ub2["difference"].startswith(f"{gap.mean():+.1f}")
    md = (tmp_path / "claims.md").read_text()
    assert "## On the current recipe (round2)" in md and "## On the paper's recipe (round one)" in md
    assert set(df.attrs["extra"]["runs_read"]) == {"round1", "round2"}


def test_an_inconclusive_row_says_what_one_more_seed_costs_and_the_cheapest_are_listed(tmp_path):
    from reproduction.crossval import RECIPES

    later = dict(RECIPES["round2"])
    for fold, (a, b) in enumerate(((50.0, 44.0), (48.0, 50.0), (55.0, 47.0), (49.0, 50.0))):  # across +2: open
        for seed in (0, 1):
            for model, f1, seconds in (("affacrnn_staged", a, 240.0), ("ub_bilstm", b, 30.0)):
                _part(tmp_path, corpus="ravdess", scheme="sentiment3", model=f"{model}", fold=fold, options=later,
                      macro_f1=f1 + seed, seconds=seconds, seed_tag=seed)
    df = claims(results_dir=tmp_path, evidence_dir=tmp_path)
    row = df[(df["recipe"] == "round2") & (df["test"] == "AFF-ACRNN (staged) vs UB-BiLSTM")
             & df["data"].str.contains("sentiment3")].iloc[0]
    assert row["verdict"] == "inconclusive" and row["units"] == "4 folds"
    # each side's 4 folds per seed: (4 × 240 s + 4 × 30 s) / 60 = 18 min
    assert row["seed_minutes"] == 18.0 and "One more seed of both costs ≈ 18 min" in row["note"]
    cheapest = df.attrs["extra"]["cheapest_to_decide"]
    assert cheapest[0]["seed_minutes"] == 18.0 and cheapest[0]["test"] == "AFF-ACRNN (staged) vs UB-BiLSTM"
    assert "## Cheapest to decide with more seeds" in (tmp_path / "claims.md").read_text()


def test_bilstm_against_lstm_over_the_sets_pairs_the_actors_when_every_run_kept_its_answers(tmp_path):
    from reproduction.answers import part_answers, speaker_scores
    from reproduction.crossval import RECIPES

    rng = np.random.default_rng(2)
    later = dict(RECIPES["round2"])
    (tmp_path / "table2.json").write_text(json.dumps({"rows": [{"scheme": "sentiment2", "n_types": 1,
                                                                 "features": "mfcc"}]}))
    for fold in range(4):
        for model, right in (("ub_bilstm", 0.75), ("ub_lstm", 0.6)):
            for feats in (None, ["mfcc"]):
                _part(tmp_path / "recipe2", corpus="ravdess", scheme="sentiment2", model=model, fold=fold,
                      features=feats, options=later, macro_f1=100 * right, predictions=_answers(fold, right=right, rng=rng))
    df = claims(results_dir=None, evidence_dir=tmp_path)
    row = df[(df["recipe"] == "round2") & (df["test"] == "UB-BiLSTM vs UB-LSTM, mean over 2 feature sets")].iloc[0]
    assert row["units"] == "24 speakers" and row["folds"] == 4
    per = {m: pd.concat([speaker_scores(part_answers(sorted((tmp_path / "recipe2" / "crossval-parts").glob(
        f"*-{m}-*-{n}-3-f*.json")))) for n in ("None", "1")], axis=1).mean(axis=1) for m in ("ub_bilstm", "ub_lstm")}
    assert row["difference"].startswith(f"{(per['ub_bilstm'] - per['ub_lstm']).mean():+.1f}")
