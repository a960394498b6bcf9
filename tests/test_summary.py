"""The README's and the book's result tables come from the committed files, not from typing."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from affacrnn.errors import ParameterError
from reproduction.crossval import summarize_folds
from reproduction.results import write_results
from reproduction.summary import (BEGIN, END, ablation_table, comparisons_table, crossval_table,
                                         paired_difference, readme_block, update_readme)
from affacrnn.settings import REPO_ROOT


def test_the_readme_block_matches_the_committed_results():
    text = (REPO_ROOT / "README.md").read_text()
    block = text[text.index(BEGIN): text.index(END) + len(END)]
    assert block == readme_block(), "run `python -m reproduction.summary` and commit README.md"


def _runs(macro_f1, model="ub_bilstm", **extra):
    rows = pd.DataFrame([{"corpus": "ravdess", "scheme": "sentiment3", "model": model, **extra, "fold": f,
                          "seed": 0, "accuracy": v + 5, "balanced_accuracy": v, "macro_f1": v, "weighted_f1": v,
                          "positive_f1": np.nan, "majority": 53.3} for f, v in enumerate(macro_f1)])
    return pd.concat([rows, summarize_folds(rows)], ignore_index=True)


def test_tables_pair_each_ablation_fold_with_the_default_run(tmp_path):
    write_results(_runs([50.0, 60.0, 55.0]), "crossval", tmp_path, mode="full", seeds=[0], wall_seconds=1)
    write_results(_runs([54.0, 59.0, 60.0], normalization="speaker"), "crossval", tmp_path / "ablation-speaker",
                  mode="full", seeds=[0], wall_seconds=1)
    table = crossval_table(results_dir=tmp_path)
    assert table.loc[0, "model"] == "UB-BiLSTM" and table.loc[0, "macro-F1"] == "55.0 ± 5.0"
    (row,) = ablation_table(results_dir=tmp_path).to_dict(orient="records")
    assert row["option"] == "normalization=speaker" and row["better on"] == "2 of 3 folds"
    assert row["change"] == f"+{np.mean([4, -1, 5]):.1f} ± {np.std([4, -1, 5], ddof=1):.1f}"
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{BEGIN}\nold\n{END}\n\nafter\n")
    assert update_readme(readme, results_dir=tmp_path) and not update_readme(readme, results_dir=tmp_path)
    text = readme.read_text()
    assert "| sentiment3 | UB-BiLSTM" in text and "normalization=speaker" in text and text.endswith("after\n")
    readme.write_text("no block\n")
    with pytest.raises(ParameterError, match="no generated results block"):
        update_readme(readme, results_dir=tmp_path)
    assert crossval_table(results_dir=tmp_path / "nothing").empty


def test_comparisons_pair_the_folds_and_pick_the_best_branch():
    df = pd.concat([_runs([50.0, 60.0, 55.0]), _runs([58.0, 61.0, 52.0], model="sbcnn_small"),
                    _runs([60.0, 64.0, 57.0], model="affacrnn_staged"), _runs([62.0, 66.0, 61.0], model="svm_speaker")],
                   ignore_index=True)
    d = paired_difference(df, scheme="sentiment3", model="affacrnn_staged", other="sbcnn_small")
    assert d["mean"] == pytest.approx(np.mean([2, 3, 5])) and d["wins"] == 3 and d["n"] == 3
    assert paired_difference(df, scheme="sentiment3", model="affacrnn_staged", other="svm") is None
    table = comparisons_table(df).set_index("comparison")
    assert table.loc["the staged fusion against its better branch", "other"] == "SBCNN (small CNN)"  # 57.0 > 55.0
    assert table.loc["the best network against the per-speaker SVM", "ahead on"] == "0 of 3 folds"
    assert "staged against end-to-end training" not in table.index  # not run: no row


def test_the_readme_quotes_the_committed_latency_measurement():
    """One measured source (results/latency.json) for the latency the README, chapter 11 and C9 quote."""
    import json
    import re

    record = json.loads((REPO_ROOT / "results" / "latency.json").read_text())
    row = next(line for line in (REPO_ROOT / "README.md").read_text().splitlines()
               if line.startswith("| `python benchmarks/latency.py`"))
    found = re.search(r"median ([\d.]+) ms, p95 ([\d.]+) ms: ([\d.]+)×", row)
    median, p95, speedup = (float(v) for v in found.groups())
    assert (median, p95) == (round(record["cpu_median_ms"], 1), round(record["cpu_p95_ms"], 1))
    assert speedup == round(record["paper_ms"] / record["cpu_median_ms"], 1)


def test_round_two_tables_pair_each_network_with_round_one_and_score_the_seed_ensemble(tmp_path):
    """recipe_table / ensemble_table on a results folder whose recipe2/ holds the committed 3-seed runs of round two's UB."""
    import shutil

    from reproduction.summary import ensemble_table, readme_block, recipe_table

    results = Path(__file__).resolve().parents[1] / "results"
    shutil.copy(results / "crossval.json", tmp_path / "crossval.json")
    shutil.copytree(results / "ablation-utterance_encoder_statistics-normalization_speaker-context_1", tmp_path / "recipe2")
    recipe = recipe_table(results_dir=tmp_path)
    assert set(recipe["scheme"]) == {"ravdess_emotion7", "sentiment3"}
    assert recipe["vs round one"].str.endswith("of 4 folds)").all()
    ens = ensemble_table(results_dir=tmp_path)
    assert ens["seeds"].tolist() == [3, 3]
    one = ens["macro-F1 one seed"].str.split(" ± ").str[0].astype(float)
    both = ens["macro-F1 ensemble"].str.split(" ± ").str[0].astype(float)
    change = ens["change"].str.split(" ± ").str[0].astype(float)
    assert ((both - one - change).abs() < 0.11).all()
    block = readme_block(results_dir=tmp_path)
    assert "Round two of the recipe" in block and "averaged probabilities" in block
    assert recipe_table(results_dir=tmp_path / "nothing").empty and ensemble_table(results_dir=tmp_path / "nothing").empty


def _fake_parts(folder: Path, *, recipe: str, models, value: float) -> None:
    """Part files of smoke tasks with made-up scores (what a finished crossval run leaves), without training."""
    import dataclasses
    import json

    from reproduction.crossval import RECIPES, plan_tasks

    (folder / "crossval-parts").mkdir(parents=True, exist_ok=True)
    for t in plan_tasks(corpus="ravdess", schemes=["sentiment3"], models=models, seeds=[0], mode="smoke",
                        overrides=RECIPES[recipe]):
        v = value + t.fold
        row = {"corpus": "ravdess", "scheme": "sentiment3", "model": t.model, "fold": t.fold, "seed": t.seed,
               **dict(t.overrides), "accuracy": v, "balanced_accuracy": v, "macro_f1": v, "weighted_f1": v,
               "positive_f1": None, "majority": 50.0, "n_test": 10, "top_share": 40.0}
        (folder / "crossval-parts" / f"{t.key}.json").write_text(json.dumps({"task": dataclasses.asdict(t),
                                                                             "row": row}))


def test_one_results_file_holds_every_recipe_each_network_named_and_each_baseline_once(tmp_path):
    from reproduction.crossval import crossval
    from reproduction.summary import recipe_rows

    _fake_parts(tmp_path, recipe="round1", models=["svm", "ub_bilstm"], value=40.0)
    _fake_parts(tmp_path / "recipe2", recipe="round2", models=["svm", "ub_bilstm"], value=60.0)
    plan = dict(mode="smoke", schemes=["sentiment3"], models=["svm", "ub_bilstm"], progress=False)
    with pytest.raises(ParameterError, match="collect"):
        crossval(recipe="all", results_dir=tmp_path, **plan)
    df = crossval(recipe="all", collect=True, results_dir=tmp_path, **plan)
    runs = df[df["fold"].astype(str) != "mean"]
    assert runs.groupby(["model", "recipe"]).size().to_dict() == {("svm", "round1"): 4, ("ub_bilstm", "round1"): 4,
                                                                  ("ub_bilstm", "round2"): 4}
    assert set(df.attrs["extra"]["recipes"]) == {"round1", "round2"}
    current = recipe_rows(df)  # round two's network with the baseline, never round one's network
    assert set(zip(current["model"], current["recipe"])) == {("svm", "round1"), ("ub_bilstm", "round2")}
    table = crossval_table(df).set_index(["model", "recipe"])
    assert table.loc[("UB-BiLSTM", "round two (current)"), "macro-F1"] == "61.5 ± 1.3"
    assert table.loc[("UB-BiLSTM", "round one"), "macro-F1"] == "41.5 ± 1.3"
    assert table.loc[("SVM (plain)", "–"), "folds"] == "4"
    pairs = comparisons_table(df).set_index("comparison")
    assert pairs.loc["the best network against the plain SVM", "difference"] == "+20.0 ± 0.0"
    with pytest.raises(ParameterError, match="no recipe has a finished part"):
        crossval(recipe="all", collect=True, results_dir=tmp_path / "empty", **plan)


def test_a_round_two_ablation_is_paired_with_round_two_and_named_by_its_own_change(tmp_path):
    from reproduction.crossval import RECIPES

    seed1 = _runs([95.0, 95.0, 95.0], recipe="round2", context=1).assign(seed=1)  # not a seed the ablation ran
    base = pd.concat([_runs([50.0, 60.0, 55.0], recipe="round1"),
                      _runs([65.0, 70.0, 66.0], recipe="round2", context=1), seed1[seed1["fold"] != "mean"]],
                     ignore_index=True)
    write_results(base, "crossval", tmp_path, mode="full", seeds=[0], wall_seconds=1)
    write_results(_runs([66.0, 72.0, 65.0], context=1, mixup=0.2), "crossval", tmp_path / "ablation-mixup",
                  mode="full", seeds=[0], wall_seconds=1,
                  params={"recipe": "round2", "options": {**RECIPES["round2"], "mixup": 0.2}})
    (row,) = ablation_table(results_dir=tmp_path).to_dict(orient="records")
    assert row["option"] == "mixup=0.2" and row["recipe"] == "round two"
    assert row["macro-F1 default"] == "67.0 ± 2.6" and row["better on"] == "2 of 3 folds"
