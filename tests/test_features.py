"""Frame features: shapes, canonical order, equality with direct librosa calls, bad input."""
from __future__ import annotations

import dataclasses
import json

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from affacrnn.errors import AudioError, FeatureError, ParameterError
from affacrnn.features.fastpath import estimate_tuning as _estimate_tuning
from affacrnn.features.fastpath import parabolic_shifts
from affacrnn.features.frames import (
    ALL_FEATURES,
    FEATURE_DIMS,
    PAPER_FEATURES,
    FeatureConfig,
    column_blocks,
    column_names,
    extract_features,
    extract_features_naive,
    n_columns,
    normalize_feature_set,
)

SR = 22050


def prototype_fit(F: np.ndarray, n_frames: int = 256) -> np.ndarray:
    """The authors' prototype: mean-extend short features (Extended_array), keep the first 256."""
    if F.shape[1] < n_frames:
        mean = F.mean(axis=1).reshape(len(F), -1)
        F = np.concatenate([F, np.tile(mean, n_frames - F.shape[1])], axis=1)
    return F.T[:n_frames]


def direct(name: str, y: np.ndarray, *, sr: int = SR, tonnetz_chroma: str = "stft") -> np.ndarray:
    """One independent librosa call per feature type, same parameters as ours."""
    kw = dict(n_fft=2048, hop_length=512)
    if name == "mfcc":
        return librosa.feature.mfcc(y=y, sr=sr, n_mfcc=13, **kw)
    if name == "centroid":
        return librosa.feature.spectral_centroid(y=y, sr=sr, **kw)
    if name == "chroma":
        return librosa.feature.chroma_stft(y=y, sr=sr, **kw)
    if name == "contrast":
        return librosa.feature.spectral_contrast(y=y, sr=sr, **kw)
    if name == "rms":
        return librosa.feature.rms(y=y, frame_length=2048, hop_length=512)
    if name == "flatness":
        return librosa.feature.spectral_flatness(y=y, **kw)
    if name == "tonnetz":
        if tonnetz_chroma == "cqt":
            return librosa.feature.tonnetz(y=y, sr=sr, hop_length=512)
        return librosa.feature.tonnetz(y=y, sr=sr, chroma=librosa.feature.chroma_stft(y=y, sr=sr, **kw))
    raise AssertionError(name)


@pytest.fixture(scope="module")
def long_clip(ravdess_root):
    """About 10 s of real speech (three utterances of actor 12): more than 256 frames."""
    from affacrnn.data.audio import load_audio

    files = sorted((ravdess_root / "ravdess").rglob("Actor_12/*-12.*"))[:3]
    return np.concatenate([load_audio(f, sr=SR) for f in files])


# ---------------------------------------------------------------------------------------------
# Constants and helpers
# ---------------------------------------------------------------------------------------------
def test_feature_dims_canonical_order_and_sizes():
    assert list(FEATURE_DIMS) == ["mfcc", "centroid", "chroma", "contrast", "rms", "flatness", "tonnetz"]
    assert PAPER_FEATURES == ("mfcc", "centroid", "chroma", "contrast")
    assert ALL_FEATURES == tuple(FEATURE_DIMS)
    assert n_columns(PAPER_FEATURES) == 33
    assert n_columns(ALL_FEATURES) == 41


def test_column_blocks_match_the_prototype_layout():
    blocks = column_blocks(PAPER_FEATURES)
    # the prototype's data[i, :, 0:13], 13:14, 14:26, 26:33
    assert blocks == {"mfcc": slice(0, 13), "centroid": slice(13, 14), "chroma": slice(14, 26), "contrast": slice(26, 33)}
    names = column_names(ALL_FEATURES)
    assert len(names) == 41 and len(set(names)) == 41
    assert names[column_blocks(ALL_FEATURES)["tonnetz"]][0] == "tonnetz_fifth_x"


def test_normalize_feature_set_orders_and_dedupes():
    assert normalize_feature_set(["contrast", "MFCC", "mfcc"]) == ("mfcc", "contrast")
    assert normalize_feature_set("tonnetz, chroma") == ("chroma", "tonnetz")
    assert column_blocks(["chroma", "mfcc"]) == {"mfcc": slice(0, 13), "chroma": slice(13, 25)}


@pytest.mark.parametrize("bad", [["mfcc", "pitch"], "zcr", []])
def test_unknown_or_empty_feature_names_list_the_valid_ones(bad):
    with pytest.raises(ParameterError) as exc:
        normalize_feature_set(bad)
    msg = str(exc.value)
    assert "Valid names: mfcc, centroid, chroma, contrast, rms, flatness, tonnetz" in msg
    with pytest.raises(ParameterError):
        extract_features(np.ones(4096, dtype=np.float32) * 0.1, features=bad)


# ---------------------------------------------------------------------------------------------
# FeatureConfig
# ---------------------------------------------------------------------------------------------
def test_feature_config_defaults_and_round_trip():
    cfg = FeatureConfig(features=["contrast", "mfcc"])
    assert cfg.features == ("mfcc", "contrast")
    assert FeatureConfig().shape == (256, 33)
    d = json.loads(json.dumps(cfg.to_dict()))
    assert FeatureConfig.from_dict(d) == cfg
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.n_frames = 12  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value"),
    [("n_frames", 0), ("n_frames", "256"), ("n_frames", True), ("n_fft", 2047), ("hop_length", -1),
     ("sr", 0), ("crop", "middle"), ("pad", "edge"), ("tonnetz_chroma", "vqt")],
)
def test_feature_config_rejects_bad_fields_naming_them(field, value):
    with pytest.raises(ParameterError) as exc:
        FeatureConfig(**{field: value})
    msg = str(exc.value)
    assert f"`{field}`" in msg and repr(value) in msg and "Pass" in msg


# ---------------------------------------------------------------------------------------------
# Values: equal to independent librosa calls
# ---------------------------------------------------------------------------------------------
def test_paper_matrix_shape(speech_clip):
    _, y = speech_clip
    X = extract_features(y, sr=SR)
    assert X.shape == (256, 33)
    assert X.dtype == np.float32
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("clip", ["speech_clip", "long_clip"])
def test_every_feature_equals_a_direct_librosa_call(clip, request):
    y = request.getfixturevalue(clip)
    y = y[1] if isinstance(y, tuple) else y
    X = extract_features(y, sr=SR, features=ALL_FEATURES)
    assert X.shape == (256, 41)
    for name, cols in column_blocks(ALL_FEATURES).items():
        expected = prototype_fit(direct(name, y))
        np.testing.assert_allclose(X[:, cols], expected, rtol=1e-5, atol=1e-6, err_msg=name)


def test_tonnetz_cqt_is_librosas_default_definition(long_clip):
    X = extract_features(long_clip, sr=SR, features=["tonnetz"], tonnetz_chroma="cqt")
    np.testing.assert_allclose(X, prototype_fit(direct("tonnetz", long_clip, tonnetz_chroma="cqt")), rtol=1e-5, atol=1e-6)
    # and it is a different feature from the default (chroma_stft-based) one
    assert not np.allclose(X, extract_features(long_clip, sr=SR, features=["tonnetz"]), atol=1e-3)


@pytest.mark.parametrize("features", [PAPER_FEATURES, ALL_FEATURES, ("rms", "centroid")])
def test_shared_stft_equals_separate_calls(long_clip, features):
    fast = extract_features(long_clip, sr=SR, features=features)
    naive = extract_features_naive(long_clip, sr=SR, features=features)
    np.testing.assert_allclose(fast, naive, rtol=1e-5, atol=1e-6)


def test_subset_columns_equal_the_full_matrix_blocks(speech_clip):
    _, y = speech_clip
    full = extract_features(y, sr=SR, features=ALL_FEATURES)
    sub = extract_features(y, sr=SR, features=["tonnetz", "centroid"])
    blocks = column_blocks(ALL_FEATURES)
    expected = np.concatenate([full[:, blocks["centroid"]], full[:, blocks["tonnetz"]]], axis=1)
    np.testing.assert_allclose(sub, expected, rtol=1e-5, atol=1e-7)


def test_tuning_estimate_equals_librosa(long_clip, speech_clip):
    rng = np.random.default_rng(0)
    signals = [long_clip, speech_clip[1], rng.standard_normal(SR).astype(np.float32) * 0.1,
               (0.3 * np.sin(2 * np.pi * 445.0 * np.arange(SR) / SR)).astype(np.float32)]
    for y in signals:
        S = np.abs(librosa.stft(y))
        P = S**2
        assert _estimate_tuning(P, sr=SR, bins_per_octave=12) == librosa.estimate_tuning(S=P, sr=SR, bins_per_octave=12)
        assert _estimate_tuning(S, sr=SR, bins_per_octave=36) == librosa.estimate_tuning(y=y, sr=SR, bins_per_octave=36)


# ---------------------------------------------------------------------------------------------
# Frame policy
# ---------------------------------------------------------------------------------------------
def test_short_clip_is_mean_padded(speech_clip):
    _, y = speech_clip
    T = 1 + len(y) // 512
    assert T < 256
    X = extract_features(y, sr=SR)
    np.testing.assert_allclose(X[T:], np.broadcast_to(X[:T].mean(axis=0), (256 - T, 33)), rtol=1e-5, atol=1e-5)
    Z = extract_features(y, sr=SR, pad="zero")
    np.testing.assert_array_equal(Z[:T], X[:T])
    assert not Z[T:].any()


def test_long_clip_head_and_center_crop(long_clip):
    T = 1 + len(long_clip) // 512
    assert T > 256
    ref = direct("centroid", long_clip)[0]
    head = extract_features(long_clip, sr=SR, features=["centroid"])[:, 0]
    center = extract_features(long_clip, sr=SR, features=["centroid"], crop="center")[:, 0]
    start = (T - 256) // 2
    np.testing.assert_allclose(head, ref[:256], rtol=1e-5)
    np.testing.assert_allclose(center, ref[start : start + 256], rtol=1e-5)
    assert extract_features(long_clip, sr=SR, n_frames=1000).shape == (1000, 33)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------
def test_clip_shorter_than_one_frame_is_a_feature_error():
    y = (0.1 * np.sin(np.arange(2000))).astype(np.float32)
    with pytest.raises(FeatureError, match=r"shorter than one analysis frame \(n_fft=2048\)"):
        extract_features(y, sr=SR)
    assert extract_features(y, sr=SR, n_fft=1024).shape == (256, 33)


def test_silent_nan_inf_and_empty_clips_are_audio_errors():
    with pytest.raises(AudioError, match="silent"):
        extract_features(np.zeros(SR, dtype=np.float32), sr=SR)
    for bad in (np.nan, np.inf):
        y = np.full(SR, 0.1, dtype=np.float32)
        y[100] = bad
        with pytest.raises(AudioError, match="NaN or Inf"):
            extract_features(y, sr=SR)
    with pytest.raises(AudioError, match="no samples"):
        extract_features(np.zeros(0, dtype=np.float32), sr=SR)


def test_wrong_shapes_and_dtypes_are_parameter_errors():
    with pytest.raises(ParameterError, match=r"shape \(n,\)"):
        extract_features(np.zeros((SR, 2), dtype=np.float32), sr=SR)
    with pytest.raises(ParameterError, match="float samples"):
        extract_features(np.ones(SR, dtype=np.int16), sr=SR)


def test_digital_silence_inside_a_clip_gives_finite_features(speech_clip):
    _, y = speech_clip
    padded = np.concatenate([np.zeros(SR, np.float32), y, np.zeros(SR, np.float32)])
    X = extract_features(padded, sr=SR, features=ALL_FEATURES)
    assert np.all(np.isfinite(X))


@settings(max_examples=12, deadline=None)
@given(
    n=st.integers(min_value=2048, max_value=3 * SR),
    seed=st.integers(min_value=0, max_value=2**16),
    amp=st.floats(min_value=1e-3, max_value=1.0),
)
def test_any_valid_signal_gives_finite_float32_features(n, seed, amp):
    y = (amp * np.random.default_rng(seed).uniform(-1, 1, n)).astype(np.float32)
    X = extract_features(y, sr=SR, features=ALL_FEATURES)
    assert X.shape == (256, 41) and X.dtype == np.float32
    assert np.all(np.isfinite(X))


def test_vendored_parabolic_shifts_equal_librosa():
    """features.fastpath.parabolic_shifts is librosa's private _parabolic_interpolation, written with numpy."""
    librosa_pitch = pytest.importorskip("librosa.core.pitch")
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.float64):
        x = rng.random((1025, 40)).astype(dtype)
        x[5:9, 3] = 0.0  # flat runs: a == 0 and b == 0
        ours = parabolic_shifts(x, axis=-2)
        theirs = librosa_pitch._parabolic_interpolation(x, axis=-2)
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
