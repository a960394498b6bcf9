"""The espeak-ng ctypes binding: it speaks, in two languages, and its prosody knobs work."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from affacrnn.errors import AffacrnnError, ParameterError
from affacrnn.data.demo.tts import TTSError, espeak_version, list_variants, list_voices, sample_rate, synthesize

SENTENCES = {
    "en": "The movie was really good, I enjoyed it.",
    "de": "Der Film war wirklich gut, er hat mir gefallen.",
}


def _median_f0(y: np.ndarray, sr: int) -> float:
    import librosa

    f0 = librosa.yin(y, fmin=60, fmax=500, sr=sr, frame_length=1024)
    rms = librosa.feature.rms(y=y, frame_length=1024)[0][: len(f0)]
    return float(np.median(f0[: len(rms)][rms > 0.05 * rms.max()]))


@pytest.mark.parametrize("voice", ["en", "de", "en-us+f3", "de+m2"])
def test_speaks_finite_non_silent_audio(voice):
    y, sr = synthesize(SENTENCES[voice[:2]], voice=voice)
    assert sr == 22050 == sample_rate()
    assert y.dtype == np.float32 and y.ndim == 1
    assert 1.0 < y.size / sr < 6.0
    assert np.all(np.isfinite(y))
    assert np.abs(y).max() <= 1.0
    assert np.sqrt(np.mean(y**2)) > 0.01


def test_voice_inventory():
    voices = {v.lower() for v in list_voices()}
    assert {"en", "de", "en-us"} <= voices
    assert {"f3", "m2"} <= set(list_variants())
    assert espeak_version()[0].isdigit()


def test_higher_pitch_gives_higher_f0():
    low, sr = synthesize(SENTENCES["en"], voice="en", pitch=20)
    high, _ = synthesize(SENTENCES["en"], voice="en", pitch=80)
    assert _median_f0(high, sr) > 1.3 * _median_f0(low, sr)


def test_faster_rate_gives_shorter_audio():
    slow, _ = synthesize(SENTENCES["de"], voice="de", rate=120)
    fast, _ = synthesize(SENTENCES["de"], voice="de", rate=260)
    assert fast.size < 0.7 * slow.size


def test_volume_scales_loudness():
    quiet, _ = synthesize(SENTENCES["en"], voice="en", volume=50)
    loud, _ = synthesize(SENTENCES["en"], voice="en", volume=150)
    assert np.sqrt(np.mean(loud**2)) > 2 * np.sqrt(np.mean(quiet**2))


def test_settings_do_not_leak_between_calls():
    a, _ = synthesize(SENTENCES["en"], voice="en", rate=300)
    b, _ = synthesize(SENTENCES["en"], voice="en")  # default rate again
    assert b.size > 1.3 * a.size


def test_unknown_voice_is_a_clear_error():
    with pytest.raises(TTSError, match=r"'xx-nope'.*e\.g\. en.*list_voices") as info:
        synthesize("hello", voice="xx-nope")
    assert isinstance(info.value, AffacrnnError)
    with pytest.raises(TTSError, match=r"unknown variant 'zz9'"):
        synthesize("hello", voice="en+zz9")


@pytest.mark.parametrize(
    "kwargs",
    [{"pitch": 101}, {"rate": 10}, {"pitch_range": -1}, {"volume": 1.5}, {"seed": -1}],
)
def test_bad_parameters(kwargs):
    with pytest.raises(ParameterError):
        synthesize("hello", **kwargs)


def test_empty_text():
    with pytest.raises(ParameterError, match="text"):
        synthesize("   ")


def test_threads_are_serialised():
    out: list[int] = []
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            y, _ = synthesize(f"Number {i} was fine.", voice="en" if i % 2 else "de")
            out.append(y.size)
        except BaseException as exc:  # noqa: BLE001 - collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(out) == 6 and min(out) > 10000


def test_same_calls_in_fresh_processes_give_identical_samples():
    code = (
        "import hashlib; from affacrnn.data.demo.tts import synthesize\n"
        "h = hashlib.sha256()\n"
        "for v in ('en+f3', 'de+m2'):\n"
        "    y, _ = synthesize('Das war gut. That was good.', voice=v, pitch=60, seed=7)\n"
        "    h.update(y.tobytes())\n"
        "print(h.hexdigest())\n"
    )
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and len(runs[0].strip()) == 64
