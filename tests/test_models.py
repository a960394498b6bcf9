"""Configs, presets, the CNN zoo, the attention layer, the four models, and model files (paper §3, §4)."""
from __future__ import annotations

import json
import time
import zipfile

import numpy as np
import pytest

from affacrnn.models import presets
from affacrnn.models.config import AFFConfig
from affacrnn.errors import ModelError, ParameterError
from affacrnn.features.frames import PAPER_FEATURES, n_columns

keras = pytest.importorskip("keras")

from affacrnn.models import (  # noqa: E402
    CNN_ZOO,
    ContextAttention,
    build_cnn,
    build_model,
    embedding_model,
    load_model,
    read_metadata,
    save_model,
)

D = n_columns(PAPER_FEATURES)  # 33


# ---------------------------------------------------------------------------- configs and presets
@pytest.mark.parametrize("name", sorted(presets.PRESETS))
def test_presets_validate_and_round_trip_json(name):
    cfg = presets.get_preset(name)
    assert cfg.validate() is cfg
    text = json.dumps(cfg.to_dict())
    assert AFFConfig.from_dict(json.loads(text)) == cfg
    assert AFFConfig.from_json(cfg.to_json()) == cfg
    assert cfg.feature_config().shape == (cfg.n_frames, D)


def test_paper_preset_has_the_paper_sizes():
    p = presets.PAPER
    assert (p.n_frames, p.n_feature_columns(), p.image_size, p.cnn) == (256, 33, 512, "resnet152")
    assert (p.lstm_units, p.dense_units) == ((128, 32), 200)
    assert (p.lr_lstm, p.lr_cnn, p.epochs, p.batch_size_lstm, p.batch_size_cnn) == (1e-4, 1e-3, 200, 30, 20)
    assert p.features == PAPER_FEATURES and p.context == 3 and p.target_index == 1
    assert presets.DEFAULT is presets.CPU and presets.get_preset(" CPU ") is presets.CPU


def test_unknown_preset_lists_the_names():
    with pytest.raises(ParameterError, match="paper, cpu, smoke"):
        presets.get_preset("gpu")


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"n_frames": 0}, r"`n_frames` must be an int >= 1; got 0\. Pass a positive number of frames\."),
        ({"n_frames": 2.5}, "`n_frames` must be an int"),
        ({"context": 2}, "`context` must be an odd int"),
        ({"architecture": "cnn"}, "`architecture` must be one of ub, sbcnn, affacrnn"),
        ({"recurrent": "gru"}, "`recurrent`"),
        ({"cnn": "resnet101"}, "`cnn` must be one of small, lenet"),
        ({"dropout": 1.0}, r"`dropout` must be a float in \[0, 1\)"),
        ({"lr_cnn": 0}, "`lr_cnn`"),
        ({"lstm_units": ()}, "`lstm_units`"),
        ({"optimizer": "rmsprop"}, "`optimizer`"),
        ({"features": ("mfcc", "loudness")}, "unknown name"),
        ({"label_scheme": "mosi3"}, "`label_scheme` must be one of"),
        ({"val_size": 0.5, "test_size": 0.5}, "`val_size`"),
        ({"n_classes": 1}, "`n_classes`"),
        ({"n_fft": 2047}, "n_fft"),
        ({"batch_size": 3}, "no field 'batch_size'"),
        ({"run_eagerly": "yes"}, r"`run_eagerly` must be True or False; got 'yes'\. Pass False"),
    ],
)
def test_config_errors_name_field_value_and_fix(changes, match):
    with pytest.raises(ParameterError, match=match):
        presets.SMOKE.replace(**changes)


def test_config_is_frozen_and_normalises_features():
    cfg = presets.SMOKE.replace(features="contrast,mfcc", lstm_units=[4])
    assert cfg.features == ("mfcc", "contrast") and cfg.lstm_units == (4,)
    assert cfg.n_feature_columns() == 20
    with pytest.raises(AttributeError):
        cfg.n_frames = 3  # type: ignore[misc]
    with pytest.raises(ParameterError, match="no field 'frames'"):
        AFFConfig.from_dict({"frames": 3})
    assert AFFConfig(architecture="ub", recurrent="lstm").model_name == "UB-LSTM"


# ---------------------------------------------------------------------------- CNN zoo
@pytest.fixture(scope="module")
def zoo():
    """Every CNN built at 32 × 32, with its build time in seconds."""
    built = {}
    for name in CNN_ZOO:
        t0 = time.perf_counter()
        model = build_cnn(name, input_size=32)
        built[name] = (model, time.perf_counter() - t0)
    return built


def test_every_cnn_maps_a_small_graph_to_its_vector(zoo):
    x = np.random.default_rng(0).random((2, 32, 32, 1), dtype=np.float32)
    for name, (model, _) in zoo.items():
        assert model.input_shape == (None, 32, 32, 1), name
        out = np.asarray(model(x))
        assert out.shape == (2, CNN_ZOO[name][0]), name
        assert np.isfinite(out).all(), name


def _trainable(model) -> int:
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def test_cnn_parameter_counts(zoo):
    params = {name: model.count_params() for name, (model, _) in zoo.items()}
    # keras.applications, without top: the published counts (grey → RGB adds no weights).
    assert params["vgg16"] == 14_714_688
    assert params["resnet50"] == 23_587_712
    assert params["resnet152"] == 58_370_944
    # LeNet-5 by hand: C1 1·25·6, C3 6·25·16, C5 16·25·120 weights; each conv's bias replaced by
    # batch norm's (γ, β) trainable pair (+ 2 moving statistics), per channel (6 + 16 + 120).
    assert _trainable(zoo["lenet"][0]) == 150 + 2_400 + 48_000 + 2 * (6 + 16 + 120)
    assert params["lenet"] == 150 + 2_400 + 48_000 + 4 * (6 + 16 + 120)
    # ResNet18: torchvision's 11,176,512 trainable weights without fc, less conv1's 2 missing
    # input channels (2·7·7·64 = 6,272).
    assert _trainable(zoo["resnet18"][0]) == 11_176_512 - 6_272
    assert params["resnet152"] > params["resnet50"] > params["resnet18"] > params["alexnet"] > params["small"]
    assert params["small"] < 200_000


def test_batch_norm_follows_the_batches_within_an_epoch(zoo):
    """Every BatchNormalization in the zoo uses BN_MOMENTUM (Keras's 0.99 kept a collapsed SBCNN)."""
    import keras

    from affacrnn.models.cnn_zoo import BN_MOMENTUM

    assert BN_MOMENTUM == 0.9
    for name, (model, _) in zoo.items():
        stack = list(model.layers)
        norms = []
        while stack:
            layer = stack.pop()
            stack.extend(getattr(layer, "layers", []))
            if isinstance(layer, keras.layers.BatchNormalization):
                norms.append(layer.momentum)
        if name in ("small", "alexnet", "zfnet", "resnet18", "resnet50", "resnet152"):
            assert norms, name
        assert all(m == BN_MOMENTUM for m in norms), (name, sorted(set(norms)))


def test_resnet152_build_does_not_dominate(zoo):
    assert zoo["resnet152"][1] < 30  # measured ≈ 2 s on 2 cores


def test_build_cnn_rejects_bad_arguments(tmp_path):
    with pytest.raises(ParameterError, match="resnet152"):
        build_cnn("resnet34", input_size=32)
    with pytest.raises(ParameterError, match=">= 32 for resnet50"):
        build_cnn("resnet50", input_size=16)
    with pytest.raises(ParameterError, match="existing weights file"):
        build_cnn("small", input_size=32, weights=tmp_path / "none.h5")
    assert build_cnn("small", input_size=8).output_shape == (None, 128)


def test_build_cnn_loads_a_local_weights_file(tmp_path):
    a = build_cnn("lenet", input_size=16)
    path = tmp_path / "lenet.weights.h5"
    a.save_weights(path)
    b = build_cnn("lenet", input_size=16, weights=path)
    x = np.random.default_rng(1).random((1, 16, 16, 1), dtype=np.float32)
    np.testing.assert_allclose(np.asarray(a(x)), np.asarray(b(x)), atol=1e-6)
    with pytest.raises(ModelError, match="does not fit small"):
        build_cnn("small", input_size=16, weights=path)


# ---------------------------------------------------------------------------- attention
def _attention_numpy(H, W_h, w, W_m, W_n, target):
    """The paper's equations, one window at a time, columns as utterances (§3)."""
    outs, alphas = [], []
    for Hb in H:  # Hb: (C, d); the paper's H is its transpose, (d, C)
        Hp = Hb.T
        P = np.tanh(W_h.T @ Hp)  # (a, C)
        s = w @ P  # (C,)
        alpha = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
        R = Hp @ alpha  # (d,)
        h_x = Hp[:, target]
        outs.append(np.tanh(W_m.T @ R + W_n.T @ h_x))
        alphas.append(alpha)
    return np.array(outs), np.array(alphas)


@pytest.mark.parametrize("target_index, output_units", [(None, None), (0, 3)])
def test_attention_matches_the_paper_equations(target_index, output_units):
    H = np.random.default_rng(2).normal(size=(4, 3, 5)).astype("float32")
    layer = ContextAttention(6, output_units=output_units, target_index=target_index)
    h_star, alpha = (np.asarray(t) for t in layer(H))
    assert h_star.shape == (4, output_units or 5) and alpha.shape == (4, 3)
    np.testing.assert_allclose(alpha.sum(axis=1), 1.0, atol=1e-6)
    weights = {w.name: np.asarray(w) for w in layer.weights}
    expected_h, expected_a = _attention_numpy(
        H, weights["W_h"], weights["w"], weights["W_m"], weights["W_n"], 1 if target_index is None else target_index
    )
    np.testing.assert_allclose(alpha, expected_a, atol=1e-5)
    np.testing.assert_allclose(h_star, expected_h, atol=1e-5)


def test_attention_rejects_bad_arguments():
    with pytest.raises(ParameterError, match="`units` must be an int >= 1"):
        ContextAttention(0)
    with pytest.raises(ParameterError, match=r"`target_index` must be in \[0, 2\]"):
        ContextAttention(2, target_index=3)(np.zeros((1, 3, 2), "float32"))
    with pytest.raises(ParameterError, match="return_sequences=True"):
        ContextAttention(2)(np.zeros((1, 2), "float32"))


def test_attention_layer_survives_keras_save_and_load(tmp_path):
    inp = keras.Input((3, 5))
    h, a = ContextAttention(4, output_units=2, name="att")(inp)
    model = keras.Model(inp, [h, a])
    path = tmp_path / "att.keras"
    model.save(path)
    back = keras.saving.load_model(path, safe_mode=True)
    assert back.get_layer("att").get_config() == model.get_layer("att").get_config()
    x = np.random.default_rng(3).normal(size=(2, 3, 5)).astype("float32")
    for before, after in zip(model(x), back(x)):
        np.testing.assert_array_equal(before, after)


# ---------------------------------------------------------------------------- the four models
KINDS = {
    "ub_bilstm": dict(architecture="ub", recurrent="bilstm"),
    "ub_lstm": dict(architecture="ub", recurrent="lstm"),
    "sbcnn": dict(architecture="sbcnn"),
    "affacrnn": dict(architecture="affacrnn"),
}


def _run(model, x) -> np.ndarray:
    """Call eagerly (faster than predict's tracing for one tiny batch), inference mode."""
    return np.asarray(model(x, training=False))


def _batch(cfg: AFFConfig, n: int = 2, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = {}
    if cfg.uses_features:
        x["features"] = rng.normal(size=(n, cfg.context, cfg.n_frames, cfg.n_feature_columns())).astype("float32")
    if cfg.uses_graphs:
        x["graphs"] = rng.random((n, cfg.context, cfg.image_size, cfg.image_size, 1), dtype=np.float32)
    return x


@pytest.fixture(scope="module")
def built():
    """Each kind built from SMOKE for 3 classes, with a batch and its predictions."""
    out = {}
    for kind, changes in KINDS.items():
        cfg = presets.SMOKE.replace(**changes)
        model = build_model(cfg, n_classes=3)
        x = _batch(cfg)
        out[kind] = (cfg, model, x, _run(model, x))
    return out


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_model_kind_outputs_class_probabilities(built, kind):
    cfg, model, x, probs = built[kind]
    assert probs.shape == (2, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert set(model.input) == set(x)
    assert model.get_layer("sentiment").output.shape == (None, 3)
    alpha = _run(embedding_model(model, which="attention"), x)
    assert alpha.shape == (2, cfg.context)
    np.testing.assert_allclose(alpha.sum(axis=1), 1.0, atol=1e-5)
    assert _run(embedding_model(model, which="asv"), x).shape[0] == 2
    if cfg.uses_features:
        assert embedding_model(model, which="lasv").output_shape[:2] == (None, cfg.context)
    else:
        with pytest.raises(ParameterError, match="has no LASV|lacks"):
            embedding_model(model, which="lasv")
    if cfg.uses_graphs:
        assert embedding_model(model, which="casv").output_shape[:2] == (None, cfg.context)
    assert model.optimizer.learning_rate.numpy() == pytest.approx(cfg.learning_rate)


def test_run_eagerly_reaches_every_compiled_model():
    """SMOKE steps eagerly (tracing was most of a smoke training); the other presets trace graphs."""
    from affacrnn.models.network import build_context_stage, build_fusion_head

    assert presets.SMOKE.run_eagerly and not any(p.run_eagerly for n, p in presets.PRESETS.items() if n != "smoke")
    for eager in (True, False):
        cfg = presets.SMOKE.replace(run_eagerly=eager)
        models = [build_model(cfg, n_classes=3), build_model(cfg, n_classes=3, indexed=True),
                  build_fusion_head(cfg, n_classes=3), build_context_stage(cfg, n_columns=4, n_classes=3)]
        assert [m.run_eagerly for m in models] == [eager] * 4
    assert AFFConfig.from_dict(presets.SMOKE.to_dict()).run_eagerly  # saved with the model's config


def test_lstm_variant_uses_plain_lstms(built):
    names = {type(layer).__name__ for layer in built["ub_lstm"][1].get_layer("aff1").layer.layers}
    assert "LSTM" in names and "Bidirectional" not in names
    assert type(built["ub_bilstm"][1].get_layer("aff2")).__name__ == "Bidirectional"


def test_n_classes_comes_from_the_label_scheme():
    model = build_model(presets.SMOKE.replace(architecture="ub", label_scheme="mosi7"), compile=False)
    assert model.output_shape == (None, 7)
    with pytest.raises(ParameterError, match="`config` must be an AFFConfig"):
        build_model({"architecture": "ub"})
    with pytest.raises(ParameterError, match="`which` must be one of"):
        embedding_model(model, which="vector")


def test_paper_model_has_the_paper_shapes():
    model = build_model(presets.PAPER, n_classes=2, compile=False)
    assert model.input["features"].shape == (None, 3, None, 33)  # masked: any number of frames
    unmasked = build_model(presets.PAPER.replace(mask_padding=False), n_classes=2, compile=False)
    assert unmasked.input["features"].shape == (None, 3, 256, 33)
    assert model.input["graphs"].shape == (None, 3, 512, 512, 1)
    aff1 = model.get_layer("aff1").layer
    assert [aff1.get_layer(n).output.shape[-1] for n in ("aff1_rnn1", "aff1_rnn2", "aff1_dense")] == [256, 64, 200]
    assert model.get_layer("cnn").layer.get_layer("resnet152") is not None
    assert model.output_shape == (None, 2)


# ---------------------------------------------------------------------------- model files
def test_model_file_round_trip(built, tmp_path):
    cfg, model, x, probs = built["affacrnn"]
    path = save_model(
        model, tmp_path / "sub" / "m.keras", config=cfg,
        scaler_dict={"mean_": np.arange(3.0), "scale_": np.ones(3)}, label_classes=("neg", "neu", "pos"),
    )
    assert path.is_file() and [p.name for p in path.parent.iterdir()] == ["m.keras"]  # no temp file left
    back, meta = load_model(path)
    np.testing.assert_array_equal(_run(back, x), probs)
    assert meta["config"] == cfg and meta["label_classes"] == ["neg", "neu", "pos"]
    assert meta["scaler"]["mean_"] == [0.0, 1.0, 2.0]
    assert read_metadata(path)["config"] == cfg
    a = _run(embedding_model(back, which="attention"), x)
    np.testing.assert_array_equal(a, _run(embedding_model(model, which="attention"), x))


def test_model_file_with_a_lambda_layer_is_refused(tmp_path):
    inp = keras.Input((3,))
    model = keras.Model(inp, keras.layers.Lambda(lambda t: t * 2.0)(inp))
    path = save_model(model, tmp_path / "lambda.keras", config=presets.SMOKE)
    with pytest.raises(ModelError, match="Lambda layer.*affacrnn train"):
        load_model(path)


def test_bad_model_files_give_one_line_model_errors(built, tmp_path):
    with pytest.raises(ModelError, match="no model file.*affacrnn train"):
        load_model(tmp_path / "missing.keras")
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"not a zip at all")
    with pytest.raises(ModelError, match="corrupt"):
        load_model(garbage)
    cfg, model, _, _ = built["ub_lstm"]
    good = save_model(model, tmp_path / "good.keras", config=cfg)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ModelError) as info:
        load_model(truncated)
    assert "\n" not in str(info.value)
    plain = tmp_path / "plain.keras"
    model.save(plain)
    with pytest.raises(ModelError, match="no affacrnn.json"):
        load_model(plain)
    # a config from another version (unknown field) is incompatible, not a crash
    odd = tmp_path / "odd.keras"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(odd, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "affacrnn.json":
                meta = json.loads(data)
                meta["config"]["warp_factor"] = 9
                data = json.dumps(meta).encode()
            dst.writestr(item, data)
    with pytest.raises(ModelError, match="cannot use"):
        load_model(odd)
    with pytest.raises(ParameterError, match="end in '.keras'"):
        save_model(model, tmp_path / "m.h5", config=cfg)
