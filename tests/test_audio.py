"""Audio loading: formats, rates, channels, and one clear error per kind of bad file."""
from __future__ import annotations

import librosa
import numpy as np
import pytest
import soundfile as sf

import affacrnn
from affacrnn.data.audio import load_audio


def test_flac_and_wav_same_samples(tmp_path, speech_clip):
    """The shared 16 kHz FLAC and a 48 kHz WAV of the same utterance agree after resampling."""
    path, _ = speech_clip
    y16, sr = sf.read(path, dtype="float32")
    wav = tmp_path / "same.wav"
    sf.write(wav, librosa.resample(y16, orig_sr=sr, target_sr=48000), 48000, subtype="PCM_24")
    a = load_audio(path, sr=22050)
    b = load_audio(wav, sr=22050)
    n = min(len(a), len(b))
    assert abs(len(a) - len(b)) <= 2
    err = np.sqrt(np.mean((a[:n] - b[:n]) ** 2)) / np.sqrt(np.mean(a[:n] ** 2))
    assert err < 0.01


@pytest.mark.parametrize("native_sr", [8000, 96000])
@pytest.mark.parametrize("channels", [1, 2, 6])
def test_rates_and_channels(tmp_path, native_sr, channels):
    t = np.arange(native_sr) / native_sr
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    f = tmp_path / f"tone ü {native_sr}.wav"  # spaces and non-ASCII in the path work
    sf.write(f, np.tile(tone[:, None], (1, channels)), native_sr)
    y = load_audio(f, sr=22050)
    assert y.dtype == np.float32 and y.ndim == 1
    assert abs(len(y) - 22050) <= 1
    assert 0.45 < np.max(np.abs(y)) < 0.55


def test_sr_none_keeps_native_rate(speech_clip):
    path, y22 = speech_clip
    y = load_audio(path, sr=None)
    assert len(y) == sf.info(path).frames
    assert abs(len(y22) - round(len(y) * 22050 / 16000)) <= 1


@pytest.mark.parametrize(
    "make, expect",
    [
        (lambda p: p.write_bytes(b""), "empty \\(0-byte\\)"),
        (lambda p: p.write_text("this is not audio\n" * 20), "cannot be decoded"),
        (lambda p: p.write_bytes(b"RIFF\x24\x08\x00\x00WAVEfmt "), "cannot be decoded"),
        (lambda p: sf.write(p, np.zeros(16000, dtype="float32"), 16000), "is silent"),
        (lambda p: sf.write(p, 0.5 * np.ones(160, dtype="float32"), 16000), "shorter than the minimum"),
        (lambda p: None, "no such file"),
    ],
    ids=["zero-byte", "text", "truncated-header", "silent", "10ms", "missing"],
)
def test_bad_files(tmp_path, make, expect):
    p = tmp_path / "bad.wav"
    make(p)
    with pytest.raises(affacrnn.AudioError, match=expect) as err:
        load_audio(p)
    assert str(p) in str(err.value) and "\n" not in str(err.value)


def test_nonfinite_samples(tmp_path):
    y = np.full(16000, 0.1, dtype="float32")
    y[100] = np.nan
    p = tmp_path / "nan.wav"
    sf.write(p, y, 16000, subtype="FLOAT")
    with pytest.raises(affacrnn.AudioError, match="NaN or Inf"):
        load_audio(p)


def test_bad_rate_parameter(speech_clip):
    with pytest.raises(affacrnn.ParameterError, match="`sr` must be a positive int"):
        load_audio(speech_clip[0], sr=0)
