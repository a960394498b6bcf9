"""The "your own voice" widget: recorded samples reach the kernel and are classified (no browser here;
tests/test_browser.py records through Chromium's fake microphone)."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import soundfile as sf  # noqa: E402


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    """An untrained smoke-preset model (the widget's plumbing does not depend on the weights)."""
    from affacrnn.features.normalize import FeatureScaler
    from affacrnn.features.spectrogram import extract_all
    from affacrnn.models import build_model, presets, save_model

    config = presets.SMOKE
    y = _speech(2.0, config.sr)
    X = np.stack([extract_all(y, config=config.feature_config(), image_size=None)[0]])
    return save_model(build_model(config, n_classes=3), tmp_path_factory.mktemp("voice") / "model.keras",
                      config=config, scaler_dict=FeatureScaler().fit(X).to_dict(),
                      label_classes=["negative", "neutral", "positive"])


def _speech(seconds: float, sr: int, seed: int = 0) -> np.ndarray:
    """Voiced bursts (a 140 Hz buzz with harmonics) separated by silence: something to split."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    buzz = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 8))
    envelope = ((t % 1.0) < 0.6).astype(float)
    return (0.3 * buzz * envelope + 1e-4 * rng.standard_normal(t.size)).astype(np.float32)


def test_microphone_bytes_reach_the_kernel_and_are_classified(model_path):
    from affacrnn.book.widgets import Microphone, voice_classifier

    vc = voice_classifier(model=model_path, max_seconds=5)
    assert isinstance(vc.microphone, Microphone) and vc.microphone.max_seconds == 5
    y = _speech(3.0, 48000)
    # what the browser sends after Stop: the rate, and the float32 samples as one binary buffer
    # (ipywidgets hands binary buffers to set_state as memoryview)
    vc.microphone.set_state({"sample_rate": 48000, "samples": memoryview(y.astype("<f4").tobytes())})
    assert vc.last is not None and vc.last["source"] == "microphone"
    assert vc.last["sr"] == 48000 and abs(vc.last["duration"] - 3.0) < 1e-3
    assert vc.last["summary"]["n_utterances"] >= 1
    for u in vc.last["utterances"]:
        assert abs(sum(u["probabilities"].values()) - 1) < 1e-4 and abs(sum(u["attention"]) - 1) < 1e-4
    assert "Received 3.0 s at 48000 Hz" in vc.info.value and vc.last["summary"]["sentiment"] in vc.info.value
    assert len(vc.table) == vc.last["summary"]["n_utterances"] and {"sentiment", "attention (prev, this, next)"} <= set(vc.table)
    assert len(vc.figure.axes) == 2  # the waveform with its utterances, the spectrum graph
    # the reader's recordings are remembered, and a new widget on the same predictor starts afresh
    from affacrnn.book.widgets.voice import SPEAKER, VoiceClassifier
    from affacrnn.inference.own_statistics import needs_own_statistics

    memory = vc.predictor.speakers.get(SPEAKER)
    assert memory.recordings == 1 if needs_own_statistics(vc.predictor.config) else memory is None
    vc.predictor.speakers[SPEAKER] = object()
    VoiceClassifier(model=vc.predictor)
    assert SPEAKER not in vc.predictor.speakers
    # the widget's own button forgets the reader too (another reader at the same widget)
    vc.predictor.speakers[SPEAKER] = object()
    vc.forget.click()
    assert SPEAKER not in vc.predictor.speakers and "Forgot your voice" in vc.info.value
    vc.forget.click()
    assert "Nothing of your voice is kept yet" in vc.info.value


def test_upload_is_the_fallback_and_bad_files_are_named(model_path):
    from affacrnn.book.widgets import voice_classifier

    vc = voice_classifier(model=model_path)
    buf = io.BytesIO()
    sf.write(buf, np.stack([_speech(2.5, 16000)] * 2, axis=1), 16000, format="WAV", subtype="PCM_16")  # stereo
    vc._on_upload({"new": ({"name": "me.wav", "content": memoryview(buf.getvalue())},)})
    assert vc.last["source"] == "me.wav" and vc.last["sr"] == 16000
    cleared = []
    vc.output.clear_output = lambda *args, **kwargs: cleared.append(True)  # outside a kernel Output captures nothing
    vc._on_upload({"new": ({"name": "notes.txt", "content": memoryview(b"not audio")},)})
    assert "Cannot read notes.txt" in vc.info.value and vc.last["source"] == "me.wav"
    assert "BytesIO" not in vc.info.value and "not a recording this widget can decode" in vc.info.value
    assert cleared  # me.wav's report is cleared: it is not the answer for notes.txt


def test_the_microphone_says_which_failure_it_met():
    from affacrnn.book.widgets.voice import _ESM

    for name, words in (("NotFoundError", "No microphone was found"), ("NotAllowedError", "was not allowed"),
                        ("NotReadableError", "busy in another program")):
        assert name in _ESM and words in _ESM


def test_a_too_short_recording_is_refused_in_the_widget(model_path):
    from affacrnn.book.widgets import voice_classifier

    vc = voice_classifier(model=model_path)
    assert vc.classify(np.zeros(100, np.float32), sr=48000, source="microphone") is None
    assert "color:#cf222e" in vc.info.value and vc.last is None
