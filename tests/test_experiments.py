"""Experiments (paper §4 tables): each smoke run gives the expected rows and columns and writes
csv + json with provenance. Kept small: tiny corpus slices, 1 epoch, the fewest models per table
that still exercise every code path (the defaults of each smoke run are a little larger)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from affacrnn.errors import ParameterError
from reproduction import (
    EXPERIMENTS,
    PAPER_TABLE2,
    RAVDESS_SCHEMES,
    estimate_minutes,
    load_or_run,
    read_results,
    run_experiment,
    write_results,
)

COMMON = {"accuracy", "accuracy_sd", "n_seeds", "f1", "f1_kind", "majority_baseline", "paper", "paper_f1",
          "ci_low", "ci_high", "status", "note"}


def _check_written(df: pd.DataFrame, name: str, out) -> dict:
    csv, js = out / f"{name}.csv", out / f"{name}.json"
    assert csv.is_file() and js.is_file()
    assert len(pd.read_csv(csv)) == len(df)
    record = json.loads(js.read_text())  # strict JSON: NaN written as null
    assert record["name"] == name and record["mode"] == "smoke"
    assert record["caption"] == df.attrs["caption"] and "paper" in record["caption"].lower()
    prov = record["provenance"]
    for key in ("command", "commit", "packages", "date", "machine", "platform"):
        assert key in prov
    assert prov["packages"]["numpy"]
    assert record["wall_seconds"] >= 0
    assert len(record["rows"]) == len(df)
    return record


def _check_trained(df: pd.DataFrame, out, name: str) -> dict:
    assert COMMON <= set(df.columns), COMMON - set(df.columns)
    ok = df[df["status"] == "ok"]
    assert len(ok) and (ok["n_seeds"] == 1).all()
    assert ok["accuracy"].between(0, 100).all() and ok["majority_baseline"].between(0, 100).all()
    record = _check_written(df, name, out)
    assert record["seeds"] == [0] and record["config"]["name"] == "smoke"
    return record


def test_registry_and_errors(tmp_path):
    assert set(EXPERIMENTS) == {"mosi_labels", "mosi_audio", "branches", "crossval", "claims"}
    with pytest.raises(ParameterError, match="unknown experiment"):
        run_experiment("table9", out_dir=tmp_path)
    with pytest.raises(ParameterError, match="unknown experiment 'table2'"):  # data now, made by no code
        run_experiment("table2", out_dir=tmp_path)
    with pytest.raises(ParameterError, match="mode"):
        run_experiment("branches", mode="huge", out_dir=tmp_path)
    with pytest.raises(ParameterError, match="no parameter"):
        run_experiment("branches", out_dir=tmp_path, colour="red")
    for name in set(EXPERIMENTS) - {"crossval"}:  # every table's full run is planned to fit in about an hour
        assert estimate_minutes(name, mode="full")["minutes"] <= 70
    # crossval spans sessions instead: every finished task is kept (crossval-parts) and reused
    assert estimate_minutes("crossval", mode="full", models=("svm",))["minutes"] < 5
    # one name from the CLI (--param models=ub_bilstm) is a list of one, not a list of letters
    one = estimate_minutes("crossval", mode="full", schemes="sentiment3", models="ub_bilstm")
    assert one == estimate_minutes("crossval", mode="full", schemes=("sentiment3",), models=("ub_bilstm",))
    assert one["runs"] == 4


def test_mosi_labels_prototype_numbers(mosi_root, tmp_path):
    df = run_experiment("mosi_labels", out_dir=tmp_path)
    assert list(df["scheme"]) == ["mosi2", "mosi2_nonzero", "mosi5", "mosi7", "proto2", "proto3", "proto5", "proto7"]
    proto2 = df.set_index("scheme").loc["proto2"]
    assert (proto2["train_rows"], proto2["train_videos"], proto2["test_rows"], proto2["test_videos"]) == (1616, 65, 583, 28)
    assert proto2["majority_class"] == "polar" and proto2["majority_count"] == 400
    assert round(proto2["majority_baseline"], 2) == 68.61
    assert proto2["paper"] == 69.64 and proto2["paper_correct_of_test"] == 406
    assert proto2["test_counts"] == "neutral 183; polar 400"
    assert df.attrs["extra"]["split"] == {"train": {"rows": 1616, "videos": 65}, "test": {"rows": 583, "videos": 28}}
    assert "68.61" in df.attrs["caption"] and "69.64" in df.attrs["caption"]
    record = _check_written(df, "mosi_labels", tmp_path)
    assert record["rows"][5]["paper"] is None  # proto3: no paper figure, NaN → null


@pytest.mark.slow
def test_branches_smoke(ravdess_root, tmp_path):
    df = run_experiment("branches", out_dir=tmp_path, progress=False, cnns=("small",))
    assert list(df["model"]) == ["UB-BiLSTM", "SBCNN (small)", "AFF-ACRNN (UB-BiLSTM + small)"]
    assert (df["scheme"] == "sentiment3").all()
    for col in ("seconds_per_epoch", "train_seconds", "peak_rss_mb"):
        assert (df[col] > 0).all()
    assert df["note"].iloc[-1].startswith("fusion ")
    assert "fusion_beats_all_branches" in df
    assert "sentiment2 / ravdess5 / ravdess_emotion7" in df.attrs["caption"]
    _check_trained(df, tmp_path, "branches")


def test_read_results_round_trip_and_refusals(tmp_path, monkeypatch):
    assert read_results("table3", results_dir=tmp_path) is None
    df = pd.DataFrame([{"cnn": "lenet", "accuracy": 61.5, "f1": float("nan")},
                       {"cnn": "resnet18", "accuracy": 63.0, "f1": 58.6}])
    df.attrs["caption"] = "SBCNN zoo"
    write_results(df, "table3", tmp_path, mode="full", seeds=[0, 1, 2], wall_seconds=1800)
    got, caption, source = read_results("table3", results_dir=tmp_path)
    assert list(got.columns) == ["cnn", "accuracy", "f1"] and got.iloc[0]["accuracy"] == 61.5
    assert np.isnan(got.iloc[0]["f1"]) and got.iloc[1]["f1"] == 58.6 and caption == "SBCNN zoo"
    assert "mode full, seeds [0, 1, 2], 30 min wall time" in source
    # no committed result and the corpus missing: says which corpus, runs nothing
    monkeypatch.setenv("AFFACRNN_DATA", str(tmp_path / "no-data"))
    table, _, why = load_or_run("branches", results_dir=tmp_path / "empty")
    assert table is None and "needs ravdess, not found" in why
    (tmp_path / "table4.json").write_text("{truncated")
    with pytest.raises(ParameterError, match=r"table4\.json is not a results file.*re-run"):
        read_results("table4", results_dir=tmp_path)
    with pytest.raises(ParameterError, match="unknown experiment 'table9'"):
        load_or_run("table9")


def test_the_single_split_tables_are_committed_data_the_book_reads(tmp_path):
    """Tables 2-6 on one split: read from results/ with their provenance, never run again."""
    from reproduction import SINGLE_SPLIT_TABLES

    assert SINGLE_SPLIT_TABLES == ("table2", "table3", "table4", "table5", "table6")
    for name in SINGLE_SPLIT_TABLES:
        table, caption, source = load_or_run(name)
        assert len(table) and caption and source.startswith(f"read from results/{name}.json: mode full")
    assert load_or_run("table2")[0]["paper"].dropna().isin([v[2] for v in PAPER_TABLE2.values()]).all()
    table, _, why = load_or_run("table4", results_dir=tmp_path)
    assert table is None and "committed data" in why and "fold_tables" in why


def test_cli_list_and_run(tmp_path, mosi_root, capsys):
    import argparse

    from reproduction.cli import add_parser, run

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="verb"))
    assert run(parser.parse_args(["experiment", "--list"])) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in EXPERIMENTS)
    code = run(parser.parse_args(["experiment", "mosi_labels", "--out", str(tmp_path), "--quiet"]))
    assert code == 0
    out = capsys.readouterr().out
    assert "68.61" in out and str(tmp_path / "mosi_labels.csv") in out
    assert RAVDESS_SCHEMES == {2: "sentiment2", 5: "ravdess5", 7: "ravdess_emotion7"}
