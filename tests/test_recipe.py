"""The recipe that learns: real lengths, masking, indexed batches, staged fusion, folds, metrics, learning.

The learning test would have caught the unmasked padding: every architecture, at a small size,
must fit 32 real training windows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

import affacrnn
from affacrnn.data.audio import load_audio
from affacrnn.data.splits import fold_split, speaker_folds, speaker_slice
from affacrnn.evaluation.metrics import evaluate_predictions, weighted_f1
from affacrnn.features.cache import featurize_corpus
from affacrnn.features.dataset import prepare
from affacrnn.features.layout import FeatureConfig, real_frames
from affacrnn.features.normalize import real_mask, speaker_standardize
from affacrnn.models import presets


@pytest.fixture(scope="module")
def ravdess(ravdess_root):
    return affacrnn.load_corpus("ravdess")


@pytest.fixture(scope="module")
def small(ravdess):
    return speaker_slice(ravdess, n_speakers=6, per_speaker=20)


@pytest.fixture(scope="module")
def smoke_data(small):
    return prepare(presets.SMOKE.replace(n_frames=192), table=small, progress=False)


# ------------------------------------------------------------------ metrics
def test_two_class_f1s_are_named_and_match_sklearn():
    t, p = [0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 0]
    m = evaluate_predictions(t, p, classes=("neg", "pos"))
    assert m["positive_f1"] == pytest.approx(skm.f1_score(t, p)) == m["f1"]
    assert m["weighted_f1"] == pytest.approx(skm.f1_score(t, p, average="weighted"))
    assert weighted_f1(t, p) == m["weighted_f1"] and m["weighted_f1"] > m["positive_f1"]
    three = evaluate_predictions([0, 1, 2, 2], [0, 1, 2, 1], classes=("a", "b", "c"))
    assert np.isnan(three["positive_f1"]) and three["weighted_f1"] == pytest.approx(
        skm.f1_score([0, 1, 2, 2], [0, 1, 2, 1], average="weighted"))


# ------------------------------------------------------------------ real lengths
def test_featurisation_returns_real_lengths_and_caches_them(small, tmp_path):
    paths = list(small["path"][:3])
    cfg = FeatureConfig(n_frames=192)
    X, _, L = featurize_corpus(paths, config=cfg, image_size=None, cache_dir=tmp_path, n_jobs=1,
                               progress=False, return_lengths=True)
    want = [real_frames(len(load_audio(p, sr=cfg.sr)), cfg) for p in paths]
    assert list(L) == want and all(1 <= n <= 192 for n in want)
    X2, _, L2, report = featurize_corpus(paths, config=cfg, image_size=None, cache_dir=tmp_path, n_jobs=1,
                                         progress=False, return_lengths=True, return_report=True)
    assert list(L2) == want and report.n_cached == 3 and np.array_equal(X, X2)


def test_mel_graphs_have_their_own_cache_entries(small, tmp_path):
    from affacrnn.features.spectrogram import spectrum_graph

    paths = list(small["path"][:2])
    cfg = FeatureConfig(n_frames=192)
    kw = dict(config=cfg, image_size=32, cache_dir=tmp_path, n_jobs=1, progress=False, return_report=True)
    _, linear, _ = featurize_corpus(paths, **kw)
    _, mel, report = featurize_corpus(paths, graph_scale="mel", **kw)
    assert report.n_graphs_computed == 2 and report.n_features_computed == 0  # a miss for graphs only
    assert not np.allclose(linear, mel)
    np.testing.assert_array_equal(mel[1], spectrum_graph(load_audio(paths[1], sr=cfg.sr), sr=cfg.sr, size=32,
                                                         scale="mel"))
    _, again, report = featurize_corpus(paths, graph_scale="mel", **kw)
    assert report.n_cached == 2 and np.array_equal(mel, again)


def test_padding_is_zero_and_the_scaler_sees_real_frames_only(smoke_data):
    d = smoke_data
    mask = real_mask(d.lengths, d.features.shape[1])
    assert (~mask).any(), "some RAVDESS clips are shorter than 192 frames"
    assert np.all(d.features[~mask] == 0.0)
    assert not np.any(np.all(d.features[mask] == 0.0, axis=-1)), "a real frame is never all-zero"
    train = d.rows("train")
    real = d.features[train][mask[train]]
    np.testing.assert_allclose(real.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(real.std(axis=0), 1.0, atol=1e-3)


def test_speaker_normalisation_centres_every_speaker(small):
    d = prepare(presets.SMOKE.replace(n_frames=192, normalization="speaker"), table=small, progress=False)
    mask = real_mask(d.lengths, 192)
    spk = d.table["speaker"].to_numpy()
    means = [np.abs(d.features[spk == s][mask[spk == s]].mean(axis=0)).max() for s in np.unique(spk)]
    assert max(means) < 0.25  # centred per speaker, before the training scaler's small shift
    X = np.random.default_rng(0).normal(5, 2, size=(4, 10, 3)).astype(np.float32)
    Z = speaker_standardize(X, lengths=np.array([10, 5, 10, 10]), groups=["a", "a", "b", "b"])
    real_b = Z[2:].reshape(-1, 3)
    np.testing.assert_allclose(real_b.mean(axis=0), 0, atol=1e-5)


def test_masked_encoder_ignores_padding():
    from affacrnn.models import build_utterance_encoder

    cfg = presets.SMOKE.replace(n_frames=40)
    enc = build_utterance_encoder(cfg, n_columns=5)
    x = np.random.default_rng(1).normal(size=(1, 25, 5)).astype(np.float32)
    padded = np.concatenate([x, np.zeros((1, 15, 5), np.float32)], axis=1)
    np.testing.assert_allclose(enc.predict(padded, verbose=0), enc.predict(x, verbose=0), atol=1e-5)


# ------------------------------------------------------------------ folds
def test_ravdess_folds_are_six_actors_three_per_sex(ravdess):
    folds = speaker_folds(ravdess, k=4)
    per = ravdess.assign(fold=folds).groupby("fold").agg(n=("speaker", "nunique"), sexes=("sex", "nunique"))
    assert list(per["n"]) == [6, 6, 6, 6] and set(per["sexes"]) == {2}
    by_speaker = ravdess.assign(fold=folds).groupby("speaker")["fold"].nunique()
    assert by_speaker.max() == 1
    t = fold_split(ravdess, fold=2, k=4, val_size=0.2)
    assert set(t.loc[t["split"] == "test", "speaker"]) == set(ravdess.loc[folds == 2, "speaker"])
    val = t.loc[t["split"] == "validation", "speaker"].unique()
    assert len(val) == 4 and not set(val) & set(t.loc[t["split"] == "test", "speaker"])


def test_bad_fold_arguments_say_the_fix(ravdess):
    with pytest.raises(affacrnn.ParameterError, match="k=4 for RAVDESS"):
        speaker_folds(ravdess, k=30)
    with pytest.raises(affacrnn.ParameterError, match="`fold` must be"):
        fold_split(ravdess, fold=4, k=4)


# ------------------------------------------------------------------ indexed batches and models
def test_window_batches_gather_the_right_utterances(smoke_data):
    from affacrnn.models.batches import window_batches

    cfg = presets.SMOKE.replace(n_frames=192, architecture="affacrnn")
    batches = window_batches(smoke_data, cfg, "train", shuffle=True)
    seen = []
    for i in range(len(batches)):
        x, y, *_ = batches[i]
        targets = batches.batches[i]
        full = smoke_data.features[batches.windows[targets]]  # (b, C, 192, D)
        frames = x["features"].shape[1]
        assert frames >= smoke_data.lengths[batches.windows[targets]].max()
        np.testing.assert_array_equal(x["features"][x["windows"]], full[:, :, :frames])
        np.testing.assert_array_equal(x["graphs"][x["windows"]][..., 0], smoke_data.graphs[batches.windows[targets]])
        assert len(np.unique(x["windows"])) == len(x["features"]) < 3 * len(y)  # shared utterances
        seen.extend(targets)
    assert sorted(seen) == list(range(len(smoke_data.rows("train"))))


@pytest.mark.parametrize("architecture", [pytest.param("ub", marks=pytest.mark.slow), "sbcnn",
                                          pytest.param("affacrnn", marks=pytest.mark.slow)])
def test_indexed_network_equals_the_window_network(smoke_data, architecture):
    from affacrnn.models import build_model
    from affacrnn.models.batches import window_batches
    from affacrnn.models.network import copy_weights

    # 192 frames: traced graphs (an eager LSTM steps through every frame in Python)
    cfg = presets.SMOKE.replace(n_frames=192, architecture=architecture, training="end_to_end", run_eagerly=False)
    indexed = build_model(cfg, n_classes=3, indexed=True)
    window = build_model(cfg, n_classes=3)
    copy_weights(indexed, window)
    batches = window_batches(smoke_data, cfg, "validation", shuffle=False)
    a = indexed.predict(batches.dataset(), verbose=0)
    x = smoke_data.inputs("validation")
    b = window.predict({k: x[k] for k in ("features", "graphs") if (k == "graphs") == cfg.uses_graphs
                        or (k == "features" and cfg.uses_features)}, verbose=0)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_all_targets_attention_equals_one_call_per_slot():
    from affacrnn.models.attention import ContextAttention

    H = np.random.default_rng(2).normal(size=(4, 3, 6)).astype(np.float32)
    every = ContextAttention(5, all_targets=True)
    out, alpha = every(H)
    for x in range(3):
        one = ContextAttention(5, target_index=x)
        one(H)
        one.set_weights(every.get_weights())
        np.testing.assert_allclose(np.asarray(one(H)[0]), np.asarray(out)[:, x], atol=1e-6)
    clone = ContextAttention.from_config(every.get_config())
    assert clone.all_targets and tuple(out.shape) == (4, 3, 6)


# ------------------------------------------------------------------ staged training
@pytest.mark.slow
@pytest.mark.parametrize("attention", ["shared", "per_position"])
def test_staged_fusion_trains_saves_and_serves(smoke_data, small, tmp_path, attention):
    from affacrnn.inference.predictor import Predictor
    from affacrnn.models import embedding_model

    cfg = presets.SMOKE.replace(n_frames=192, epochs=2, attention=attention, run_eagerly=False)  # 192 frames: traced
    result = affacrnn.train(cfg, data=smoke_data, out_dir=tmp_path / "m", progress=False)
    assert set(result.stages) == {"ub", "sbcnn", "fusion"}
    assert {"val_macro_f1", "val_balanced_accuracy"} <= set(result.history.columns)
    alpha = embedding_model(result.model, which="attention").predict(smoke_data.inputs("test"), verbose=0)
    np.testing.assert_allclose(alpha.sum(axis=1), 1.0, atol=1e-5)
    record = __import__("json").loads((tmp_path / "m" / "results.json").read_text())
    assert set(record["stages"]) == {"ub", "sbcnn", "fusion"} and record["history"]
    predictor = Predictor(tmp_path / "m")
    out = predictor.predict(small["path"].iloc[0])
    assert out["summary"]["sentiment"] in result.classes and predictor.split


@pytest.mark.slow
def test_speaker_normalised_model_serves_a_recording(small, tmp_path):
    from affacrnn.inference.predictor import Predictor

    cfg = presets.SMOKE.replace(architecture="ub", n_frames=192, epochs=1, normalization="speaker", run_eagerly=False)
    affacrnn.train(cfg, table=small, out_dir=tmp_path / "m", progress=False)
    out = Predictor(tmp_path / "m").predict(small["path"].iloc[1])
    assert abs(sum(out["utterances"][0]["probabilities"].values()) - 1) < 1e-5


@pytest.mark.slow
def test_mel_standardised_graphs_are_served_as_they_were_trained(small, tmp_path):
    from affacrnn.inference.predictor import Predictor

    cfg = presets.SMOKE.replace(architecture="sbcnn", n_frames=192, epochs=1, graph_scale="mel",
                                graph_norm="standard")
    result = affacrnn.train(cfg, table=small, out_dir=tmp_path / "m", progress=False)
    G = result.data.graphs
    np.testing.assert_allclose(G.mean(axis=(1, 2)), 0.0, atol=1e-4)
    predictor = Predictor(tmp_path / "m")
    y = load_audio(small["path"].iloc[3], sr=cfg.sr)
    _, graph = predictor._utterance_inputs(y, cfg.sr, "clip")
    i = int(np.flatnonzero(result.data.table["path"].to_numpy() == small["path"].iloc[3])[0])
    np.testing.assert_allclose(graph, G[i], atol=1e-4)  # the same mel, standardised graph as in training
    assert predictor.config.graph_scale == "mel"


def test_encoder_dropout_is_an_option_that_keeps_the_default_network():
    from affacrnn.models.network import build_utterance_encoder

    plain = build_utterance_encoder(presets.SMOKE, n_columns=33)
    dropped = build_utterance_encoder(presets.SMOKE.replace(encoder_dropout=0.25), n_columns=33)
    names = [layer.name for layer in dropped.layers]
    layers = len(presets.SMOKE.lstm_units)
    assert [n for n in names if "dropout" in n] == [f"aff1_dropout{i}" for i in range(1, layers + 1)]
    assert not [layer for layer in plain.layers if "dropout" in layer.name]
    assert plain.count_params() == dropped.count_params()
    with pytest.raises(affacrnn.ParameterError, match="encoder_dropout"):
        presets.SMOKE.replace(encoder_dropout=1.5)


def test_a_fold_task_key_leaves_out_how_steps_run():
    """run_eagerly says how a run computes, not what: a task keeps its key either way."""
    from reproduction.crossval import _digest_fields, plan_tasks

    task = plan_tasks(corpus="ravdess", schemes=["sentiment3"], models=["ub_bilstm"], seeds=[0], mode="smoke")[0]
    assert task.config.run_eagerly  # the smoke mode's preset
    digest = _digest_fields(task.config)
    assert "run_eagerly" not in digest and "lr_lstm" in digest
    assert _digest_fields(task.config.replace(run_eagerly=False)) == digest
    assert _digest_fields(task.config.replace(mixup=0.2)) != digest


def test_committed_crossval_parts_keep_their_keys():
    """A config field added later must not orphan finished runs: every committed part is still found."""
    import json
    from pathlib import Path

    from reproduction.crossval import plan_tasks

    parts = Path(__file__).resolve().parents[1] / "results" / "crossval-parts"
    files = sorted(parts.glob("*.json"))
    assert files, "results/crossval-parts holds the committed runs"
    for f in files:
        task = json.loads(f.read_text())["task"]
        (planned,) = plan_tasks(corpus=task["corpus"], schemes=[task["scheme"]], models=[task["model"]],
                                seeds=[task["seed"]], mode=task["mode"], folds=task["k"],
                                overrides=dict(task["overrides"]),
                                cross=task.get("cross") or None)[task["fold"]:task["fold"] + 1]
        assert f"{planned.key}.json" == f.name


def test_crossval_scores_each_fold_on_the_other_corpus_and_runs_the_classic_baselines(ravdess_root, emodb_root,
                                                                                        tmp_path):
    """cross=: every fold's model is also scored on all of the other corpus; the Table 5 baselines run on folds."""
    from reproduction.crossval import CROSS_COLUMNS, crossval

    df = crossval(mode="smoke", corpus="ravdess", schemes=("sentiment2",), models=("naive_bayes", "svm_speaker"),
                  cross="emodb", scheduler="inline", results_dir=tmp_path, progress=False)
    runs, means = df[df["fold"] != "mean"], df[df["fold"] == "mean"]
    assert len(runs) == 8 and set(runs["cross"]) == {"emodb"}
    for col in ("accuracy", "macro_f1", *CROSS_COLUMNS):
        assert runs[col].between(0, 100).all(), col
    assert means["cross_macro_f1_sd"].notna().all()
    # every fold is scored on the same utterances of the other corpus, mostly negative in EmoDB
    assert runs["cross_test_majority"].nunique() == 1 and runs["cross_test_majority"].iloc[0] > 50
    assert (runs["n_test"] < runs["cross_n_test"]).all()
    names = {p.name for p in (tmp_path / "crossval-parts").glob("*.json")}
    assert len(names) == 8 and all("-xemodb-" in n for n in names)
    with pytest.raises(affacrnn.ParameterError, match="cross"):
        crossval(mode="smoke", corpus="ravdess", models=("svm",), cross="ravdess", results_dir=None, progress=False)


# ------------------------------------------------------------------ the models can learn
@pytest.mark.slow
@pytest.mark.parametrize("architecture", ["ub", "sbcnn", "affacrnn"])
def test_each_architecture_overfits_32_real_windows(smoke_data, architecture):
    """At smoke size, 32 real training windows reach >= 95 % training accuracy within 150 steps (one per epoch)."""
    table = smoke_data.table.copy()
    train = np.flatnonzero(table["split"].to_numpy() == "train")[:32]
    table["split"] = "validation"
    table.iloc[train, table.columns.get_loc("split")] = "train"
    table.iloc[-10:, table.columns.get_loc("split")] = "test"
    data = type(smoke_data)(table=table, classes=smoke_data.classes, windows=smoke_data.windows,
                            features=smoke_data.features, graphs=smoke_data.graphs, scaler=smoke_data.scaler,
                            lengths=smoke_data.lengths)
    cfg = presets.SMOKE.replace(architecture=architecture, n_frames=192, lstm_units=(16, 8), dense_units=16,
                                context_units=8, cnn_embedding=16, cnn_context_units=8, fusion_units=8,
                                attention_units=8, dropout=0.0, lr_lstm=3e-3, lr_cnn=3e-3, lr_fusion=1e-2,
                                batch_size_lstm=32, batch_size_cnn=32, batch_size_fusion=32, epochs=150,
                                monitor="val_loss", run_eagerly=False)  # 150 steps of 192 frames: traced pays
    import keras

    class StopWhenFitted(keras.callbacks.Callback):  # the bound is 150 steps; stop at the goal to save time
        def on_epoch_end(self, epoch, logs=None):
            if (logs or {}).get("accuracy", 0.0) >= 0.95:
                self.model.stop_training = True

    result = affacrnn.train(cfg, data=data, progress=False, callbacks=[StopWhenFitted()])
    fitted = result.stages["fusion"] if architecture == "affacrnn" else result.history
    # one step per epoch (32 windows, batch 32); Keras's training accuracy of each epoch
    reached = fitted.index[fitted["accuracy"] >= 0.95]
    assert len(reached), f"training accuracy peaked at {fitted['accuracy'].max():.2f} in 150 steps"
    if architecture == "affacrnn":  # each branch must learn too
        assert all(result.stages[b]["accuracy"].max() >= 0.95 for b in ("ub", "sbcnn"))


# ------------------------------------------------------------------ the protocol on dask
@pytest.mark.slow
def test_crossval_on_a_two_worker_local_cluster(ravdess_root, tmp_path):
    from reproduction import run_experiment

    df = run_experiment("crossval", mode="smoke", out_dir=tmp_path, progress=False, models=("svm", "ub_bilstm"),
                        workers=2)
    runs, means = df[df["fold"] != "mean"], df[df["fold"] == "mean"]
    assert len(runs) == 8 and set(runs["fold"]) == {0, 1, 2, 3}
    assert set(means["model"]) == {"svm", "ub_bilstm"} and means["macro_f1_sd"].notna().all()
    for col in ("accuracy", "balanced_accuracy", "macro_f1", "weighted_f1", "majority"):
        assert runs[col].between(0, 100).all()
    assert len(list((tmp_path / "crossval-parts").glob("*.json"))) == 8
    histories = df.attrs["extra"]["histories"]
    assert sum(h["history"] is not None for h in histories.values()) == 4  # the network's 4 folds
    again = run_experiment("crossval", mode="smoke", out_dir=tmp_path, progress=False, models=("svm", "ub_bilstm"),
                           scheduler="inline")
    assert again.attrs["extra"]["reused"] == 8
    pd.testing.assert_frame_equal(again.reset_index(drop=True), df.reset_index(drop=True), check_dtype=False)
    # collect: gather finished parts only; a model without parts is listed as missing, nothing is trained
    some = run_experiment("crossval", mode="smoke", out_dir=tmp_path, progress=False,
                          models=("svm", "sbcnn_small", "ub_bilstm"), collect=True)
    assert set(some["model"]) == {"svm", "ub_bilstm"} and len(some.attrs["extra"]["missing"]) == 4
    assert all("sbcnn_small" in key for key in some.attrs["extra"]["missing"])
    with pytest.raises(affacrnn.ParameterError, match="collect"):
        run_experiment("crossval", mode="smoke", out_dir=tmp_path, progress=False, models=("sbcnn_small",),
                       collect=True)
