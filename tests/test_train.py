"""End-to-end training on real audio: a SMOKE model trains, is chosen on validation, saved, evaluated."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import affacrnn
from affacrnn.models import presets
from affacrnn.features.dataset import prepare
from affacrnn.training import evaluate, train

ACTORS = ["01", "02", "03", "04", "05", "06", "07", "08"]


@pytest.fixture(scope="module")
def small_table(ravdess_root):
    """8 RAVDESS actors (4 men, 4 women), one statement and repetition each: 120 real utterances."""
    t = affacrnn.load_corpus("ravdess")
    keep = t["speaker"].isin(ACTORS) & (t["repetition"] == 1) & t["statement"].str.startswith("Kids")
    return t[keep].reset_index(drop=True)


@pytest.fixture(scope="module")
def smoke_run(small_table, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    # traced graphs, as every real run trains (SMOKE itself runs eagerly): the suite's staged graph-mode training
    cfg = presets.SMOKE.replace(corpus="ravdess", label_scheme="sentiment3", run_eagerly=False)
    return train(cfg, table=small_table, out_dir=out, progress=False, cache_dir=out / "cache"), out


def test_prepare_is_speaker_disjoint_and_scaled(small_table, smoke_run):
    data = prepare(presets.SMOKE, table=small_table, cache_dir=smoke_run[1] / "cache", progress=False)
    parts = {p: set(data.table["speaker"].to_numpy()[data.rows(p)]) for p in ("train", "validation", "test")}
    assert parts["train"].isdisjoint(parts["test"]) and parts["train"].isdisjoint(parts["validation"])
    x = data.inputs("train")
    assert x["features"].shape[1:] == (3, presets.SMOKE.n_frames, 33)
    assert x["graphs"].shape[1:] == (3, presets.SMOKE.image_size, presets.SMOKE.image_size, 1)
    flat = data.features[data.rows("train")].reshape(-1, 33)
    np.testing.assert_allclose(flat.mean(axis=0), 0, atol=1e-4)  # scaler fitted on training rows only


def test_train_end_to_end(smoke_run):
    result, out = smoke_run
    assert (out / "model.keras").is_file() and (out / "results.json").is_file()
    assert not (out / "state" / "backup").exists()  # finished runs leave no resume state
    record = json.loads((out / "results.json").read_text())
    assert record["config"]["name"] == "smoke" and record["environment"]["packages"]["keras"]
    test = result.metrics["test"]
    assert 0 <= test["weighted_accuracy"] <= 1 and "majority_accuracy" in test
    assert test["accuracy_ci_low"] <= test["weighted_accuracy"] <= test["accuracy_ci_high"]
    assert 1 <= result.best_epoch <= presets.SMOKE.epochs
    assert list(result.history.columns[:2]) == ["accuracy", "loss"] and "val_loss" in result.history


def test_saved_model_gives_same_scores(smoke_run):
    result, out = smoke_run
    model, meta = affacrnn.load_model(out / "model.keras")
    assert tuple(meta["label_classes"]) == result.classes
    again = evaluate(model, result.data, part="test")
    assert again["weighted_accuracy"] == result.metrics["test"]["weighted_accuracy"]


@pytest.mark.slow
def test_cli_evaluate_on_a_manifest(smoke_run, small_table, tmp_path):
    """`affacrnn evaluate` scores a saved model on every row of a user's manifest."""
    _, out = smoke_run
    manifest = tmp_path / "manifest.csv"
    small_table[["path", "speaker", "session", "position", "emotion", "intensity", "sex"]].to_csv(manifest, index=False)
    proc = subprocess.run(
        [sys.executable, "-m", "affacrnn.cli", "evaluate", "--model", str(out / "model.keras"),
         "--corpus", str(manifest), "--part", "all", "--json", "--quiet"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "AFFACRNN_CACHE": str(out / "cache")},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    payload = json.loads(proc.stdout.strip().splitlines()[-1])
    assert payload["metrics"]["n"] == len(small_table) and "majority_accuracy" in payload["metrics"]


@pytest.mark.slow
def test_cli_train_bad_flag_value(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "affacrnn.cli", "train", "--preset", "smoke", "--n-frames", "0", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 1
    assert "n_frames" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_a_run_trained_again_with_reuse_is_loaded(small_table, tmp_path, monkeypatch):
    """reuse=True: the first run is kept, the same run again is loaded with its scores; another seed,
    another slice of the data or a damaged kept file trains anew."""
    monkeypatch.setenv("AFFACRNN_CACHE", str(tmp_path / "cache"))
    cfg = presets.SMOKE.replace(corpus="ravdess", label_scheme="sentiment3", architecture="ub", epochs=2)
    first = train(cfg, table=small_table, progress=False, reuse=True, track_test=True)
    assert first.reused is None and "test_accuracy" in first.history
    again = train(cfg, table=small_table, progress=False, reuse=True, out_dir=tmp_path / "out")
    assert again.reused is not None and again.reused.parent == tmp_path / "cache" / "trained"
    assert again.metrics["test"]["weighted_accuracy"] == first.metrics["test"]["weighted_accuracy"]
    assert again.metrics["test"]["confusion"].equals(first.metrics["test"]["confusion"])
    assert again.history.equals(first.history.drop(columns="test_accuracy")) and again.best_epoch == first.best_epoch
    tracked = train(cfg, table=small_table, progress=False, reuse=True, track_test=True)  # kept with the column
    assert tracked.reused is not None and tracked.history.equals(first.history)
    assert again.seconds == pytest.approx(first.seconds)  # the seconds the kept run took
    assert (tmp_path / "out" / "model.keras").is_file()  # out_dir is written from the loaded model
    assert evaluate(again.model, again.data, part="test")["weighted_accuracy"] == again.metrics["test"]["weighted_accuracy"]
    assert train(cfg.replace(seed=1), table=small_table, progress=False, reuse=True).reused is None
    (again.reused / "model.keras").write_bytes(b"damaged")
    assert train(cfg, table=small_table, progress=False, reuse=True).reused is None  # kept again, untracked
    assert train(cfg, table=small_table, progress=False, reuse=True, track_test=True).reused is None  # needs the column
    with pytest.raises(affacrnn.AffacrnnError, match="reuse=True"):
        train(cfg, table=small_table, progress=False, reuse=True, callbacks=[object()])


def test_reuse_key_names_everything_a_run_depends_on(tmp_path, monkeypatch):
    """run_key changes with the config, the inputs, the split and the options; nothing kept: None."""
    import pandas as pd

    from affacrnn.features.dataset import Prepared
    from affacrnn.reuse import load_kept, run_key

    monkeypatch.setenv("AFFACRNN_CACHE", str(tmp_path))
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"utterance_id": [f"u{i}" for i in range(6)], "speaker": list("aabbcc"),
                          "split": ["train"] * 2 + ["validation"] * 2 + ["test"] * 2, "y": [0, 1] * 3})
    data = Prepared(table=table, classes=("neg", "pos"), windows=np.arange(6)[:, None],
                    features=rng.normal(size=(6, 4, 3)).astype("float32"), graphs=None, scaler=None)
    key = run_key(presets.SMOKE, data, class_weights=True)
    assert key == run_key(presets.SMOKE, data, class_weights=True) and len(key) == 32
    other_features = Prepared(**{**data.__dict__, "features": data.features + 1e-6})
    other_split = Prepared(**{**data.__dict__, "table": table.assign(split=table["split"][::-1].to_numpy())})
    others = {run_key(presets.SMOKE.replace(seed=1), data, class_weights=True),
              run_key(presets.SMOKE, other_features, class_weights=True),
              run_key(presets.SMOKE, other_split, class_weights=True),
              run_key(presets.SMOKE, data, class_weights=False)}
    assert key not in others and len(others) == 4
    assert load_kept(key, track_test=False) is None
