"""Recipe, round two: pooled utterance encoders, band masking, weight decay, and the test answers every fold run keeps."""
from __future__ import annotations

import json

import numpy as np
import pytest

import affacrnn
from affacrnn.models import presets


def _frames(seed=0, n=4, t=12, d=5):
    x = np.random.default_rng(seed).normal(size=(n, t, d)).astype("float32")
    lengths = np.array([12, 7, 3, 1])[:n]
    mask = np.arange(t)[None] < lengths[:, None]
    return np.where(mask[..., None], x, 0.0).astype("float32"), mask, lengths


# ------------------------------------------------------------------ pooling layers
def test_frame_statistics_are_the_mean_and_sd_of_the_real_frames_only():
    from affacrnn.models.pooling import VARIANCE_FLOOR, FrameStatistics

    x, mask, lengths = _frames()
    out = np.asarray(FrameStatistics()(x, mask=mask))
    for i, n in enumerate(lengths):
        real = x[i, :n]
        np.testing.assert_allclose(out[i, :5], real.mean(axis=0), atol=1e-5)
        np.testing.assert_allclose(out[i, 5:], np.sqrt(real.var(axis=0) + VARIANCE_FLOOR), atol=1e-4)
    # more padding changes nothing
    longer = np.concatenate([x, np.zeros((4, 20, 5), "float32")], axis=1)
    np.testing.assert_allclose(np.asarray(FrameStatistics()(longer, mask=np.pad(mask, ((0, 0), (0, 20))))), out,
                               atol=1e-5)


def test_attentive_statistics_weigh_real_frames_only_and_survive_a_round_trip(tmp_path):
    import keras

    from affacrnn.models.pooling import AttentiveStatistics

    x, mask, _ = _frames(seed=1)
    layer = AttentiveStatistics(6)
    out = np.asarray(layer(x, mask=mask))
    alpha = np.asarray(layer.weights_over_frames(x, mask))
    np.testing.assert_allclose(alpha.sum(axis=1), 1.0, atol=1e-5)
    assert np.all(alpha[~mask] < 1e-6)
    np.testing.assert_allclose(out[:, :5], np.einsum("nt,ntd->nd", alpha, x), atol=1e-5)
    one_frame = out[3]  # a single real frame: its mean is the frame, its sd ~ 0
    np.testing.assert_allclose(one_frame[:5], x[3, 0], atol=1e-5)
    assert np.all(one_frame[5:] < 0.01)
    clone = AttentiveStatistics.from_config(layer.get_config())
    assert clone.units == 6
    inp = keras.Input((None, 5))
    model = keras.Model(inp, AttentiveStatistics(3, name="pool")(keras.layers.Masking()(inp)))
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(again(x)), np.asarray(model(x)), atol=1e-6)
    with pytest.raises(affacrnn.ParameterError, match="units"):
        AttentiveStatistics(0)


@pytest.mark.parametrize("encoder, layer", [("recurrent", None), ("statistics", "aff1_statistics"),
                                            ("attentive", "aff1_attentive")])
def test_utterance_encoder_option_builds_its_reading_of_the_frames(encoder, layer):
    from affacrnn.models.network import build_utterance_encoder

    cfg = presets.SMOKE.replace(utterance_encoder=encoder)
    enc = build_utterance_encoder(cfg, n_columns=5)
    names = [lay.name for lay in enc.layers]
    rnn = [n for n in names if n.startswith("aff1_rnn")]
    assert len(rnn) == (0 if encoder == "statistics" else len(cfg.lstm_units))
    assert (layer in names) if layer else not any(n in names for n in ("aff1_statistics", "aff1_attentive"))
    x, _, _ = _frames()
    out = np.asarray(enc(x))
    assert out.shape == (4, cfg.dense_units) and np.isfinite(out).all()
    with pytest.raises(affacrnn.ParameterError, match="utterance_encoder"):
        presets.SMOKE.replace(utterance_encoder="mean")


# ------------------------------------------------------------------ regularisation
def test_band_masking_zeroes_one_band_per_axis_in_training_only(tmp_path):
    from affacrnn.models.augment import BandMasking

    x = np.ones((64, 40, 10), "float32")
    layer = BandMasking(0.25, axes=(1, 2), seed=3)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    out = np.asarray(layer(x, training=True))
    zero_frames = (out == 0).all(axis=2)  # frames of the time band
    zero_cols = (out == 0).all(axis=1)  # columns of the frequency band
    for i in range(64):
        for zeros, size in ((zero_frames[i], 40), (zero_cols[i], 10)):
            idx = np.flatnonzero(zeros)
            assert len(idx) <= np.ceil(0.25 * size)
            if len(idx):
                assert np.all(np.diff(idx) == 1)  # one contiguous band
        kept = out[i][~zero_frames[i]][:, ~zero_cols[i]]
        assert np.all(kept == 1)
    assert zero_frames.any() and zero_cols.any()
    clone = BandMasking.from_config(layer.get_config())
    assert clone.max_fraction == 0.25 and clone.axes == (1, 2)
    for bad in (1.0, -0.1, True):
        with pytest.raises(affacrnn.ParameterError, match="max_fraction"):
            BandMasking(bad)
    with pytest.raises(affacrnn.ParameterError, match="axes"):
        BandMasking(0.1, axes=(0,))


def test_spec_augment_and_weight_decay_are_training_options_only():
    from affacrnn.models.network import build_model

    cfg = presets.SMOKE.replace(spec_augment=0.2, weight_decay=0.01, training="end_to_end")
    indexed = build_model(cfg, indexed=True)
    assert {lay.name for lay in indexed.layers} >= {"aff1_augment", "cnn_augment"}
    assert float(indexed.optimizer.weight_decay) == pytest.approx(0.01)
    served = build_model(cfg)  # the window form a saved model keeps: no augmentation inside
    assert not [lay for lay in served.layers if "augment" in lay.name]
    plain = build_model(presets.SMOKE.replace(training="end_to_end"), indexed=True)
    assert plain.optimizer.weight_decay is None and not [lay for lay in plain.layers if "augment" in lay.name]
    for field in ("spec_augment", "weight_decay"):
        with pytest.raises(affacrnn.ParameterError, match=field):
            presets.SMOKE.replace(**{field: 1.0})


def _mix_batches(mixup, *, shuffle=True, weights=None, context=1):
    from affacrnn.models.batches import WindowBatches

    rng = np.random.default_rng(0)
    n = 12
    arrays = {"features": rng.normal(size=(n, 8, 3)).astype(np.float32),
              "graphs": rng.random((n, 4, 4)).astype(np.float32)}
    windows = np.stack([np.clip(np.arange(n) + k - context // 2, 0, n - 1) for k in range(context)], axis=1)
    y = np.arange(n) % 3
    return WindowBatches(arrays, windows, y, batch_size=4, seed=3, shuffle=shuffle, mixup=mixup,
                         class_weight=weights), arrays


@pytest.mark.parametrize("context", [1, 3])
def test_mixup_gives_each_window_twice_with_its_partners_label_and_weights_that_make_mixups_loss(context):
    import keras

    batches, arrays = _mix_batches(0.4, weights={0: 1.0, 1: 2.0, 2: 0.5}, context=context)
    plain, _ = _mix_batches(0.0, weights={0: 1.0, 1: 2.0, 2: 0.5}, context=context)
    # the same windows and order as without mixup: the mix draws after the order
    assert [list(b) for b in batches.batches] == [list(b) for b in plain.batches]
    for i in range(len(batches)):
        targets = batches.batches[i]
        x, y, w = batches[i]
        b = len(targets)
        assert x["windows"].shape == (2 * b, context) and y.shape == w.shape == (2 * b,)
        np.testing.assert_array_equal(x["windows"][:b], x["windows"][b:])
        assert x["features"].shape[0] == b * context and x["graphs"].shape == (b * context, 4, 4, 1)
        own = batches.windows[targets]
        np.testing.assert_array_equal(y[:b], batches.y[targets])
        # the mix of slot (0, 0): lam * own + (1 - lam) * partner, lam read back from the weights
        cw = batches.weights[targets]
        lam = float(w[0] / (2 * cw[0]))
        assert 0 <= lam <= 1
        np.testing.assert_allclose(w[:b], 2 * lam * cw, rtol=1e-6)
        partner_w = w[b:] / (2 * (1 - lam)) if lam < 1 else None
        if partner_w is not None:  # the partner's class weight goes with the partner's label
            np.testing.assert_allclose(partner_w, [{0: 1.0, 1: 2.0, 2: 0.5}[int(c)] for c in y[b:]], rtol=1e-5)
        mixed0 = x["features"][0]
        base = arrays["features"][own[0, 0], :mixed0.shape[0]]
        partner_rows = [r for r in range(12) if np.allclose(
            mixed0, lam * base + (1 - lam) * arrays["features"][r, :mixed0.shape[0]], atol=1e-5)]
        assert partner_rows, "slot (0, 0) is a mix of its own utterance and another window's"
    # with sparse cross-entropy, the doubled batch's weighted mean is mixup's loss
    p = np.random.default_rng(1).dirichlet(np.ones(3), size=4).astype(np.float32)
    ya, yb, lam = np.array([0, 1, 2, 0]), np.array([2, 2, 1, 1]), 0.3
    ce = keras.losses.SparseCategoricalCrossentropy()
    doubled = float(ce(np.concatenate([ya, yb]), np.concatenate([p, p]),
                       sample_weight=np.concatenate([np.full(4, 2 * lam), np.full(4, 2 * (1 - lam))])))
    mix = lam * float(ce(ya, p)) + (1 - lam) * float(ce(yb, p))
    assert doubled == pytest.approx(mix, rel=1e-5)


def test_mixup_leaves_validation_batches_alone_and_is_validated():
    batches, arrays = _mix_batches(0.4, shuffle=False)
    x, _ = batches[0]
    np.testing.assert_array_equal(x["features"], arrays["features"][:4])
    with pytest.raises(affacrnn.ParameterError, match="mixup"):
        presets.SMOKE.replace(mixup=-0.1)
    assert presets.CPU.mixup == 0.0  # an option, not (yet) the recipe


def test_a_ub_branch_trains_with_mixup_and_saves_a_plain_model(ravdess_root, tmp_path):
    from affacrnn.data.splits import speaker_slice

    table = speaker_slice(affacrnn.load_corpus("ravdess"), n_speakers=6, per_speaker=12)
    cfg = presets.SMOKE.replace(corpus="ravdess", label_scheme="sentiment3", architecture="ub",
                                utterance_encoder="statistics", context=1, mixup=0.4, epochs=2)
    result = affacrnn.train(cfg, table=table, out_dir=tmp_path / "run", progress=False, cache_dir=tmp_path / "cache")
    assert np.isfinite(result.history["loss"]).all() and len(result.history) == 2
    model, meta = affacrnn.load_model(tmp_path / "run" / "model.keras")
    assert meta["config"].mixup == 0.4 and model.predict(result.data.inputs("test"), verbose=0).shape[1] == 3


# ------------------------------------------------------------------ answers kept in part files
def test_a_fold_run_keeps_every_test_answer_in_its_part(ravdess_root, tmp_path):
    from reproduction.crossval import crossval
    from reproduction.fold_tables import fold_runs

    df = crossval(mode="smoke", schemes=("sentiment3",), models=("svm", "ub_bilstm"), folds=2,
                  options={"utterance_encoder": "statistics", "context": 1}, scheduler="inline",
                  results_dir=tmp_path, progress=False)
    assert "predictions" not in df.columns
    parts = sorted((tmp_path / "crossval-parts").glob("*.json"))
    assert len(parts) == 4 and all("utterance_encoder=statistics" in p.name for p in parts if "ub_bilstm" in p.name)
    speakers = set()
    for path in parts:
        record = json.loads(path.read_text())
        row, answers = record["row"], record["row"]["predictions"]
        n = row["n_test"]
        assert all(len(answers[k]) == n for k in ("utterance_id", "speaker", "corpus", "y_true", "y_pred"))
        assert answers["classes"] == ["negative", "neutral", "positive"]
        y, p = np.array(answers["y_true"]), np.array(answers["y_pred"])
        assert 100 * np.mean(y == p) == pytest.approx(row["accuracy"])
        if "ub_bilstm" in path.name:
            proba = np.array(answers["proba"])
            assert proba.shape == (n, 3)
            np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-3)
            np.testing.assert_array_equal(proba.argmax(axis=1), p)
        else:
            assert "proba" not in answers  # the SVM gives answers, not probabilities
            speakers |= set(answers["speaker"])
    assert len(speakers) >= 4  # each fold's test speakers, every speaker once
    assert "predictions" not in fold_runs(tmp_path, mode="smoke").columns
    # the same answers, read back per recipe: speakers, folds, and an ensemble of one seed
    from reproduction.answers import ensemble_answers, fold_macro_f1, read_answers, speaker_scores

    answers = read_answers(corpus="ravdess", scheme="sentiment3", model="ub_bilstm", mode="smoke", results_dir=tmp_path,
                           options={"utterance_encoder": "statistics", "context": 1})
    nets = df[(df["model"] == "ub_bilstm") & (df["fold"] != "mean")].sort_values("fold")
    np.testing.assert_allclose(fold_macro_f1(answers).to_numpy(), nets["macro_f1"].to_numpy(), atol=1e-6)
    assert len(speaker_scores(answers)) == answers["speaker"].nunique()
    assert (ensemble_answers(answers)["y_pred"].to_numpy() == answers["y_pred"].to_numpy()).all()
    with pytest.raises(affacrnn.ParameterError, match="keeps its test answers"):
        read_answers(corpus="ravdess", scheme="sentiment3", model="ub_bilstm", mode="smoke", results_dir=tmp_path)


def test_an_ensemble_averages_the_seeds_probabilities_and_votes_without_them():
    import pandas as pd

    from reproduction.answers import ensemble_answers, fold_macro_f1, speaker_scores

    base = {"fold": 0, "utterance_id": ["a", "b"], "speaker": ["01", "02"], "corpus": "c", "y_true": [0, 1]}
    seeds = [pd.DataFrame({**base, "seed": s, "y_pred": p, "p0": p0, "p1": [1 - v for v in p0]})
             for s, p, p0 in ((0, [0, 0], [0.9, 0.55]), (1, [1, 1], [0.4, 0.1]))]
    answers = pd.concat(seeds, ignore_index=True)
    ens = ensemble_answers(answers)
    assert ens["y_pred"].tolist() == [0, 1]  # means (0.65, 0.35) and (0.325, 0.675)
    np.testing.assert_allclose(ens["p0"], [0.65, 0.325])
    assert fold_macro_f1(ens, n_classes=2).tolist() == [100.0]
    assert fold_macro_f1(answers, n_classes=2).iloc[0] == pytest.approx(np.mean([100 / 3, 100 / 3]))
    votes = ensemble_answers(pd.concat([answers.drop(columns=["p0", "p1"]),
                                        seeds[1].drop(columns=["p0", "p1"]).assign(seed=2)]))
    assert votes["y_pred"].tolist() == [1, 1]
    per_speaker = speaker_scores(answers, score="accuracy")
    assert per_speaker.to_dict() == {"c:01": 50.0, "c:02": 50.0}
    with pytest.raises(affacrnn.ParameterError, match="score"):
        speaker_scores(answers, score="auc")


# ------------------------------------------------------------------ normalisation that travels
def test_speaker_standardised_graphs_have_each_speakers_rows_at_mean_0_sd_1():
    from affacrnn.features.normalize import speaker_standardize_graphs

    rng = np.random.default_rng(0)
    G = rng.normal(size=(6, 8, 10)) * np.arange(1, 9)[None, :, None] + 5
    groups = np.array(["a", "a", "a", "b", "b", "b"])
    out = speaker_standardize_graphs(G, groups=groups)
    for g in "ab":
        rows = out[groups == g]
        np.testing.assert_allclose(rows.mean(axis=(0, 2)), 0.0, atol=1e-5)
        np.testing.assert_allclose(rows.std(axis=(0, 2)), 1.0, atol=1e-4)
    with pytest.raises(affacrnn.ParameterError, match="one speaker per graph"):
        speaker_standardize_graphs(G, groups=groups[:3])


def test_a_recordings_own_statistics_scale_it_and_say_when_there_is_too_little_speech():
    from affacrnn.features.normalize import speaker_standardize, speaker_standardize_graphs
    from affacrnn.inference.own_statistics import MIN_SPEECH_SECONDS, recording_statistics

    rng = np.random.default_rng(1)
    feats = [rng.normal(3, 2, size=(20, 4)).astype("float32") for _ in range(3)]
    graphs = [rng.normal(size=(8, 8)).astype("float32") for _ in range(3)]
    lengths = [20, 15, 9]
    own = recording_statistics(zip(feats, graphs, lengths), features=True, graphs=True, seconds=4.0)
    # the same numbers as a training corpus's speaker of these three utterances
    expect = speaker_standardize(np.stack(feats), lengths=np.array(lengths), groups=["s"] * 3)
    np.testing.assert_allclose(own.features(feats[1])[:15], expect[1][:15], atol=1e-5)
    np.testing.assert_allclose(own.graph(graphs[2]), speaker_standardize_graphs(np.stack(graphs), groups=["s"] * 3)[2],
                               atol=1e-5)
    assert "4.0 s of speech" in own.note()
    enough = recording_statistics(zip(feats, graphs, lengths), features=True, graphs=False, seconds=MIN_SPEECH_SECONDS)
    assert enough.note() is None and enough.graph(graphs[0]) is graphs[0]


def test_a_speakers_memory_gathers_their_recordings_and_leans_on_the_typical_speaker_when_it_has_heard_little():
    from affacrnn.features.normalize import frame_statistics
    from affacrnn.inference.own_statistics import PRIOR_SECONDS, SpeakerMemory, recording_statistics

    rng = np.random.default_rng(2)
    first, second = rng.normal(1, 2, size=(30, 3)), rng.normal(-1, 1, size=(50, 3))
    memory = SpeakerMemory()
    recording_statistics([(first, None, 30)], features=True, graphs=False, seconds=2.0, memory=memory)
    both = recording_statistics([(second, None, 50)], features=True, graphs=False, seconds=3.0, memory=memory)
    mean, sd = frame_statistics(np.concatenate([first, second]))
    np.testing.assert_allclose(both.feature_mean, mean, atol=1e-9)
    np.testing.assert_allclose(both.feature_sd, sd, atol=1e-9)
    assert memory.recordings == 2 and both.speech_seconds == 5.0
    prior = (np.full(3, 10.0), np.full(3, 4.0))
    blended = memory.statistics(prior=prior)
    w = 5.0 / (5.0 + PRIOR_SECONDS)
    assert blended.own_weight == pytest.approx(w)
    np.testing.assert_allclose(blended.feature_mean, w * mean + (1 - w) * 10.0)
    assert "33 %" in blended.note()  # 5 s of speech count for a third against the typical speaker


@pytest.mark.slow
def test_a_model_with_speaker_normalised_graphs_serves_a_recording_by_its_own_statistics(ravdess_root, tmp_path):
    from affacrnn.data.splits import speaker_slice
    from affacrnn.inference.predictor import Predictor

    small = speaker_slice(affacrnn.load_corpus("ravdess"), n_speakers=6, per_speaker=12)
    cfg = presets.SMOKE.replace(architecture="sbcnn", n_frames=192, epochs=1, graph_norm="speaker")
    result = affacrnn.train(cfg, table=small, out_dir=tmp_path / "m", progress=False)
    G, speakers = result.data.graphs, result.data.table["speaker"].to_numpy()
    np.testing.assert_allclose(G[speakers == speakers[0]].mean(axis=(0, 2)), 0.0, atol=1e-4)
    predictor = Predictor(tmp_path / "m")
    out = predictor.predict(small["path"].iloc[0])
    assert out["notes"] and "own statistics" in out["notes"][0]
    # digital silence around a clip (a microphone recording) is no error, and a named speaker is remembered
    y = affacrnn.data.audio.load_audio(small["path"].iloc[1], sr=cfg.sr)
    quiet = np.zeros(cfg.sr, np.float32)
    for _ in range(2):
        again = predictor.predict(np.concatenate([quiet, y, quiet]), sr=cfg.sr, speaker="reader")
    assert predictor.speakers["reader"].recordings == 2 and again["summary"]["n_utterances"] >= 1
    own = predictor._own  # the recording's graph statistics only: this model reads no features
    assert own.feature_mean is None and own.graph_mean.shape == (cfg.image_size,)
    y = affacrnn.data.audio.load_audio(small["path"].iloc[0], sr=cfg.sr)
    raw = predictor._raw_inputs(y, cfg.sr)[1]
    _, served = predictor._utterance_inputs(y, cfg.sr, "x")
    np.testing.assert_allclose(served, (raw - own.graph_mean[:, None]) / own.graph_sd[:, None], atol=1e-4)
    assert abs(sum(out["summary"]["probabilities"].values()) - 1) < 1e-5


# ------------------------------------------------------------------ the recipes
def test_the_cpu_preset_is_round_two_and_the_fold_runs_keep_round_one_with_round_two_as_options():
    from reproduction.crossval import RECIPES, plan_tasks
    from reproduction.runner import mode_settings

    assert presets.CPU == presets.CPU_ROUND_ONE.replace(**presets.ROUND_TWO)
    assert presets.CPU.normalization == "speaker" and presets.CPU.utterance_encoder == "statistics"
    assert presets.CPU_ROUND_ONE.normalization == "global" and presets.CPU_ROUND_ONE.context == 3
    assert mode_settings("full").preset is presets.CPU_ROUND_ONE and presets.CPU_ROUND_ONE.name == "cpu"
    # a round-two task is round one's preset with round two's changes as its options: one key either way
    named = plan_tasks(corpus="ravdess", schemes=["sentiment3"], models=["ub_bilstm"], seeds=[0], mode="full",
                       overrides=RECIPES["round2"])
    assert named[0].config == presets.CPU.replace(label_scheme="sentiment3", val_size=0.2, test_size=0.0,
                                                  architecture="ub", recurrent="bilstm")
    assert "-context=1-normalization=speaker-utterance_encoder=statistics-" in named[0].key


def test_crossval_recipe_round_two_adds_its_options_and_refuses_an_unknown_recipe(tmp_path):
    from reproduction.crossval import crossval

    with pytest.raises(affacrnn.ParameterError, match="recipe"):
        crossval(mode="smoke", models=("svm",), recipe="round3", results_dir=None, progress=False)


def test_predict_same_speaker_pools_the_files_statistics(speech_clip, tmp_path, capsys):
    """``affacrnn predict --same-speaker``: each file is scaled by everything said so far (its note counts it)."""
    import soundfile as sf

    from affacrnn.cli.app import main
    from affacrnn.features.normalize import FeatureScaler
    from affacrnn.models import build_model, save_model

    cfg = presets.SMOKE.replace(normalization="speaker")
    rng = np.random.default_rng(0)
    scaler = FeatureScaler().fit(rng.standard_normal((4, cfg.n_frames, 33)).astype(np.float32))
    scaler.speaker_mean_, scaler.speaker_sd_ = np.zeros(33), np.ones(33)
    model = save_model(build_model(cfg, n_classes=3), tmp_path / "m.keras", config=cfg, scaler_dict=scaler.to_dict(),
                       label_classes=["negative", "neutral", "positive"])
    files = []
    for name in ("a.wav", "b.wav"):
        sf.write(tmp_path / name, speech_clip[1], 22050)
        files.append(str(tmp_path / name))
    seconds = []
    for flags in ([], ["--same-speaker"]):
        assert main(["predict", *files, "--model", str(model), "--json", "--quiet", *flags]) == 0
        out = json.loads(capsys.readouterr().out)
        notes = [f["notes"][0] for f in out["files"]]
        seconds.append([float(n.split(" s of speech")[0].rsplit(" ", 1)[-1]) for n in notes])
    alone, pooled = seconds
    assert alone[0] == alone[1] and pooled[0] == alone[0]
    assert pooled[1] == pytest.approx(2 * pooled[0], abs=0.05)  # the second file counts both
