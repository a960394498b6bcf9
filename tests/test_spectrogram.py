"""Spectrum graphs: shape, range, orientation, resampling, sharing the STFT with the features."""
from __future__ import annotations

import librosa
import numpy as np
import pytest

from affacrnn.errors import AudioError, FeatureError, ParameterError
from affacrnn.features.frames import ALL_FEATURES, FeatureConfig, extract_features
from affacrnn.features.spectrogram import area_resize_matrix, extract_all, plot_spectrum_graph, spectrum_graph

SR = 22050


def tone(freq: float, seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_shape_dtype_and_range(speech_clip):
    _, y = speech_clip
    img = spectrum_graph(y, sr=SR)
    assert img.shape == (128, 128) and img.dtype == np.float32
    assert img.min() >= 0.0 and img.max() <= 1.0
    assert img.max() > 0.5 and img.min() < 0.2  # uses the range
    assert spectrum_graph(y, sr=SR, size=512).shape == (512, 512)  # the paper's size


def test_mean_is_preserved_by_area_resampling(speech_clip):
    """Area resampling keeps the mean: an independent check of the whole pipeline."""
    _, y = speech_clip
    db = librosa.power_to_db(np.abs(librosa.stft(y, n_fft=2048, hop_length=512)) ** 2, ref=np.max, top_db=80.0)
    unit = (db + 80.0) / 80.0
    img = spectrum_graph(y, sr=SR, size=64)
    assert img.mean() == pytest.approx(unit.mean(), rel=1e-4)


def test_area_matrix_is_block_mean_when_sizes_divide():
    W = area_resize_matrix(12, 4)
    x = np.arange(12, dtype=np.float32)
    np.testing.assert_allclose(W @ x, x.reshape(4, 3).mean(axis=1), rtol=1e-6)
    W = area_resize_matrix(1025, 128)
    np.testing.assert_allclose(W.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(W.sum(axis=0), 128 / 1025, rtol=1e-4)
    assert area_resize_matrix(3, 6).shape == (6, 3)  # enlarging works too


def test_row_zero_is_low_frequency():
    for freq in (500.0, 4000.0, 9000.0):
        img = spectrum_graph(tone(freq), sr=SR, size=128)
        peak_row = int(np.argmax(img.mean(axis=1)))
        assert abs(peak_row - freq / (SR / 2) * 128) <= 1.5, freq


def test_mel_rows_follow_the_mel_band_centres():
    """``scale="mel"``: a tone peaks in the band whose centre is nearest it, lower tones get more rows."""
    centres = librosa.mel_frequencies(n_mels=64 + 2, fmin=0.0, fmax=SR / 2)[1:-1]
    for freq in (200.0, 1000.0, 5000.0):
        img = spectrum_graph(tone(freq), sr=SR, size=64, scale="mel")
        assert img.shape == (64, 64) and img.dtype == np.float32 and 0.0 <= img.min() and img.max() <= 1.0
        peak = int(np.argmax(img.mean(axis=1)))
        assert abs(peak - int(np.argmin(np.abs(centres - freq)))) <= 1, freq
    mel = spectrum_graph(tone(1000.0), sr=SR, size=64, scale="mel")
    linear = spectrum_graph(tone(1000.0), sr=SR, size=64)
    assert np.argmax(mel.mean(axis=1)) > np.argmax(linear.mean(axis=1)) + 10  # 0-1 kHz: ~19 rows, not ~6


def test_extract_all_equals_the_separate_functions(speech_clip):
    _, y = speech_clip
    cfg = FeatureConfig(features=ALL_FEATURES)
    feats, graph = extract_all(y, config=cfg, image_size=96)
    np.testing.assert_array_equal(feats, extract_features(y, config=cfg))
    np.testing.assert_array_equal(graph, spectrum_graph(y, sr=SR, size=96))
    _, mel = extract_all(y, config=cfg, image_size=96, graph_scale="mel")
    np.testing.assert_array_equal(mel, spectrum_graph(y, sr=SR, size=96, scale="mel"))
    feats2, none = extract_all(y, image_size=None)
    assert none is None and feats2.shape == (256, 33)


@pytest.mark.parametrize(("kw", "field"), [({"size": 0}, "size"), ({"size": 12.5}, "size"), ({"top_db": -3}, "top_db"),
                                           ({"n_fft": 1001}, "n_fft"), ({"hop_length": 0}, "hop_length"),
                                           ({"scale": "log"}, "scale")])
def test_bad_parameters_are_named(kw, field):
    with pytest.raises(ParameterError, match=f"`{field}`"):
        spectrum_graph(tone(440.0), sr=SR, **kw)


def test_bad_signals():
    with pytest.raises(AudioError, match="silent"):
        spectrum_graph(np.zeros(SR, np.float32), sr=SR)
    with pytest.raises(FeatureError, match="n_fft"):
        spectrum_graph(tone(440.0, seconds=0.05), sr=SR)


def test_plot_spectrum_graph(speech_clip):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, y = speech_clip
    im = plot_spectrum_graph(spectrum_graph(y, sr=SR), sr=SR, duration=len(y) / SR, title="angry, strong")
    ax = im.axes
    assert ax.get_ylabel() == "frequency (kHz)"
    assert ax.get_ylim() == pytest.approx((0.0, SR / 2000))
    plt.close(ax.figure)
    with pytest.raises(ParameterError, match="2-D"):
        plot_spectrum_graph(np.zeros(5))
