"""Every class of bad input, through the public API and through the command line.

The CLI contract (``affacrnn.cli.app``): exit code 1, one line ``affacrnn VERB: error: ...`` on stderr
naming the file or parameter and the fix, and nothing half-done written (no output file or folder).
Single-function checks already in ``test_audio.py``, ``test_corpora.py``, ``test_models.py`` and
``test_inference.py`` are not repeated here; this file adds the CLI side and the cases they lack.
"""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

import affacrnn
from affacrnn.models import presets
from affacrnn.errors import AudioError, CorpusError, ModelError, ParameterError

REPO = Path(__file__).resolve().parents[1]
SR = 22050


def _tone(sr: int, seconds: float = 1.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    y = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * np.random.default_rng(0).standard_normal(t.size)
    y = y.astype(np.float32)
    return y if channels == 1 else np.tile(y[:, None], (1, channels)) * np.linspace(0.5, 1, channels, dtype=np.float32)


def cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "affacrnn.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def one_error(proc: subprocess.CompletedProcess, verb: str) -> str:
    """The single error line of a failed command (TensorFlow's C++ start-up notes aside)."""
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("affacrnn ")]
    assert len(lines) == 1, proc.stderr
    assert proc.stderr.rstrip().splitlines()[-1] == lines[0]
    assert lines[0].startswith(f"affacrnn {verb}: error: ")
    return lines[0]


# ------------------------------------------------------------------------------ audio files
def _nonfinite(p: Path, value: float) -> None:
    y = _tone(16000)
    y[100:110] = value
    sf.write(p, y, 16000, subtype="FLOAT")


BAD_AUDIO = {
    "zero-byte": (lambda p: p.write_bytes(b""), "empty (0-byte) file"),
    "truncated-header": (lambda p: p.write_bytes(b"RIFF\x24\x08\x00\x00WAVEfmt "), "cannot"),
    "text-named-wav": (lambda p: p.write_text("this is not audio\n" * 20), "cannot"),
    "all-silent": (lambda p: sf.write(p, np.zeros(16000, np.float32), 16000), "silent"),
    "10ms": (lambda p: sf.write(p, _tone(16000, 0.01), 16000), "shorter than"),
    "nan": (lambda p: _nonfinite(p, np.nan), "NaN or Inf"),
    "inf": (lambda p: _nonfinite(p, np.inf), "NaN or Inf"),
}


@pytest.fixture
def good_dir(tmp_path) -> Path:
    """A folder with one good clip beside which a bad one is put (a realistic manifest)."""
    d = tmp_path / "clips"
    d.mkdir()
    sf.write(d / "good.wav", _tone(SR), SR)
    return d


def _manifest(folder: Path, names: list[str]) -> Path:
    m = folder / "manifest.csv"
    pd.DataFrame({"path": names, "speaker": [f"s{i}" for i in range(len(names))],
                  "emotion": ["happy"] * len(names)}).to_csv(m, index=False)
    return m


@pytest.mark.parametrize("kind", list(BAD_AUDIO))
def test_bad_audio_file_api_and_cli(kind, good_dir, tmp_path):
    make, expect = BAD_AUDIO[kind]
    bad = good_dir / "bad.wav"
    make(bad)
    # API: loading, and featurising a list of files, name the file in one line
    with pytest.raises(AudioError) as err:
        affacrnn.load_audio(bad)
    assert expect in str(err.value) and str(bad) in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(affacrnn.AffacrnnError) as err:
        affacrnn.featurize_corpus([good_dir / "good.wav", bad], cache_dir=False, n_jobs=1, progress=False)
    assert str(bad) in str(err.value) and "\n" not in str(err.value)
    # CLI: `affacrnn features` on a manifest pointing at the bad file writes nothing
    manifest = _manifest(good_dir, ["good.wav", "bad.wav"])
    out = tmp_path / "out" / "features.npz"
    msg = one_error(cli("features", str(manifest), "--no-cache", "--jobs", "1", "--frames", "16",
                        "--image-size", "0", "--output", str(out), "--quiet", cwd=tmp_path), "features")
    assert "bad.wav" in msg and any(w in msg for w in ("Pass", "Replace", "Re-export", "Check", "Fix", "convert"))
    assert not out.exists() and not out.parent.exists()


def test_odd_rates_channels_and_paths_work(tmp_path):
    """8 kHz and 96 kHz are resampled, 6 channels down-mixed, spaces and non-ASCII in paths fine."""
    d = tmp_path / "my clips ü"
    d.mkdir()
    files = {"8k.wav": (_tone(8000), 8000), "96k.wav": (_tone(96000), 96000),
             "six channels.flac": (_tone(SR, channels=6), SR), "Grüße – ça va 日本.wav": (_tone(SR), SR)}
    for name, (y, sr) in files.items():
        sf.write(d / name, y, sr)
        z = affacrnn.load_audio(d / name, sr=SR)
        assert z.ndim == 1 and abs(z.size - SR) <= 2 and np.all(np.isfinite(z))
        X = affacrnn.extract_features(z, sr=SR)
        assert X.shape == (256, 33) and np.all(np.isfinite(X))
    manifest = _manifest(d, list(files))
    out = tmp_path / "é out" / "f.npz"
    out.parent.mkdir()
    proc = cli("features", str(manifest), "--no-cache", "--jobs", "1", "--frames", "16", "--image-size", "16",
               "--output", str(out), "--json", "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with np.load(out) as z:
        assert z["X"].shape == (4, 16, 33) and z["G"].shape == (4, 16, 16) and np.all(np.isfinite(z["X"]))


# ------------------------------------------------------------------------------ corpora and labels
@pytest.mark.slow
def test_missing_corpus_folder_cli(tmp_path):
    for verb in ("corpora", "features"):
        msg = one_error(cli(verb, "ravdess", "--root", str(tmp_path / "nowhere"), cwd=tmp_path), verb)
        assert str(tmp_path / "nowhere" / "ravdess") in msg and "AFFACRNN_DATA" in msg
    msg = one_error(cli("train", "--preset", "smoke", "--corpus", str(tmp_path / "gone.csv"), "--out",
                        str(tmp_path / "run"), "--quiet", cwd=tmp_path), "train")
    assert "gone.csv" in msg and "no such file" in msg
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "rows, expect",
    [
        ({"path": ["good.wav"], "emotion": ["happy"]}, "missing column(s) ['speaker']"),
        ({"path": ["good.wav"], "speaker": ["a"], "score": [3.5]}, "not a number in [-3, 3]"),
        ({"path": ["good.wav"], "speaker": ["a"], "score": ["very good"]}, "not a number in [-3, 3]"),
    ],
    ids=["missing-column", "score-out-of-range", "score-not-a-number"],
)
def test_bad_label_file_cli(rows, expect, good_dir, tmp_path):
    m = good_dir / "labels.csv"
    pd.DataFrame(rows).to_csv(m, index=False)
    with pytest.raises(CorpusError, match="labels.csv"):
        affacrnn.load_corpus(m)
    for verb in ("corpora", "features"):
        msg = one_error(cli(verb, str(m), cwd=tmp_path), verb)
        assert expect in msg and str(m) in msg


@pytest.mark.slow
def test_unknown_emotion_code_cli(good_dir, tmp_path):
    actor = tmp_path / "corpus" / "Actor_01"
    actor.mkdir(parents=True)
    sf.write(actor / "03-01-09-01-01-01-01.wav", _tone(SR), SR)
    msg = one_error(cli("corpora", str(tmp_path / "corpus"), cwd=tmp_path), "corpora")
    assert "unknown RAVDESS emotion code '09'" in msg
    # a manifest's emotion the label scheme does not know: refused when training, before any output
    m = _manifest(good_dir, ["good.wav"])
    m.write_text(m.read_text().replace("happy", "bored"))
    with pytest.raises(CorpusError, match="unknown emotion 'bored'"):
        affacrnn.apply_scheme(affacrnn.load_corpus(m), affacrnn.get_scheme("sentiment3"))
    msg = one_error(cli("train", "--preset", "smoke", "--corpus", str(m), "--out", str(tmp_path / "run"), "--quiet",
                        cwd=tmp_path, env={"AFFACRNN_CACHE": str(tmp_path / "cache")}), "train")
    assert "'bored'" in msg and "Fix the corpus label" in msg
    assert not (tmp_path / "run").exists()


# ------------------------------------------------------------------------------ names and config values
@pytest.mark.parametrize(
    "flags, field",
    [
        (["--n-frames", "0"], "n_frames"),
        *(pytest.param(flags, field, marks=pytest.mark.slow) for flags, field in [  # one CLI start in the fast loop
            (["--lr-lstm", "-1"], "lr_lstm"),
            (["--epochs", "-3"], "epochs"),
            (["--dropout", "1.5"], "dropout"),
            (["--val-size", "0.5", "--test-size", "0.6"], "val_size"),
            (["--cnn", "vgg99"], "cnn"),
            (["--features", "mfcc,zcr"], "features"),
            (["--label-scheme", "sentiment9"], "label_scheme"),
        ]),
    ],
)
def test_config_out_of_range_api_and_cli(flags, field, tmp_path):
    changes = {field: flags[1]}
    if field in ("n_frames", "epochs"):
        changes[field] = int(flags[1])
    elif field in ("lr_lstm", "dropout"):
        changes[field] = float(flags[1])
    elif field == "val_size":
        changes = {"val_size": 0.5, "test_size": 0.6}
    with pytest.raises(ParameterError, match=f"`{field}`"):
        presets.SMOKE.replace(**changes)
    out = tmp_path / "run"
    msg = one_error(cli("train", "--preset", "smoke", *flags, "--out", str(out), cwd=tmp_path), "train")
    assert f"`{field}`" in msg and ("got" in msg or "'zcr'" in msg) and ("Pass" in msg or "Leave" in msg or "Valid" in msg)
    assert not out.exists()


@pytest.mark.slow
def test_unknown_feature_name_and_preset(tmp_path):
    with pytest.raises(ParameterError, match="unknown name"):
        affacrnn.extract_features(_tone(SR), sr=SR, features=["mfcc", "zcr"])
    with pytest.raises(ParameterError, match="unknown preset"):
        presets.get_preset("gpu")
    msg = one_error(cli("features", "demo", "--features", "mfcc,zcr", cwd=tmp_path), "features")
    assert "'zcr'" in msg and "Valid names" in msg
    msg = one_error(cli("train", "--preset", "gpu", "--out", str(tmp_path / "r"), cwd=tmp_path), "train")
    assert "unknown preset 'gpu'" in msg and not (tmp_path / "r").exists()


# ------------------------------------------------------------------------------ model files
@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    """An untrained SMOKE model file, and a corrupt, an incompatible and a Lambda one beside it."""
    import keras

    from affacrnn.models import build_model, save_model
    from affacrnn.features.normalize import FeatureScaler

    d = tmp_path_factory.mktemp("models")
    cfg = presets.SMOKE
    scaler = FeatureScaler().fit(np.random.default_rng(0).standard_normal((4, cfg.n_frames, 33)).astype(np.float32))
    good = save_model(build_model(cfg, n_classes=3), d / "good.keras", config=cfg, scaler_dict=scaler.to_dict(),
                      label_classes=["negative", "neutral", "positive"])
    corrupt = d / "corrupt.keras"
    corrupt.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    incompatible = d / "incompatible.keras"  # a real network whose config says 64 frames, not 32
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(incompatible, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "affacrnn.json":
                data = data.replace(b'"n_frames": 32', b'"n_frames": 64')
                assert b'"n_frames": 64' in data
            dst.writestr(item, data)
    inp = keras.Input((3,))
    lam = save_model(keras.Model(inp, keras.layers.Lambda(lambda t: t * 2.0)(inp)), d / "lambda.keras", config=cfg)
    return {"good": good, "corrupt": corrupt, "incompatible": incompatible, "lambda": lam}


BAD_MODELS = {"corrupt": "corrupt", "incompatible": "inconsistent", "lambda": "Lambda layer"}


@pytest.mark.slow
def test_bad_model_files_api_and_cli(model_files, good_dir, tmp_path):
    from affacrnn.cli import app as cli_main

    manifest = _manifest(good_dir, ["good.wav"])
    for kind, expect in BAD_MODELS.items():
        with pytest.raises(ModelError, match=expect) as err:
            affacrnn.load_model(model_files[kind])
        assert "\n" not in str(err.value) and "affacrnn train" in str(err.value)
    # one real process per verb, the other kinds in-process (same code path, no TensorFlow start-up each)
    msg = one_error(cli("evaluate", "--model", str(model_files["incompatible"]), "--corpus", str(manifest),
                        "--part", "all", "--quiet", cwd=tmp_path), "evaluate")
    assert "inconsistent" in msg and "affacrnn train" in msg
    msg = one_error(cli("predict", str(good_dir / "good.wav"), "--model", str(model_files["lambda"]), "--quiet",
                        cwd=tmp_path), "predict")
    assert "Lambda" in msg
    for verb in ("evaluate", "predict"):
        for kind, expect in BAD_MODELS.items():
            args = (["evaluate", "--model", str(model_files[kind]), "--corpus", str(manifest), "--part", "all"]
                    if verb == "evaluate" else ["predict", str(good_dir / "good.wav"), "--model", str(model_files[kind])])
            code, err = _in_process(cli_main.main, args + ["--quiet"])
            assert code == 1 and len(err.strip().splitlines()) == 1 and expect in err, (verb, kind, err)


def _in_process(main, argv):
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stderr(buf), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    return code, buf.getvalue()


@pytest.mark.slow
def test_predict_on_bad_and_odd_audio(model_files, good_dir, tmp_path):
    from affacrnn.cli import app as cli_main
    from affacrnn.inference.predictor import Predictor

    predictor = Predictor(model_files["good"])
    for kind, (make, expect) in BAD_AUDIO.items():
        bad = good_dir / f"{kind}.wav"
        make(bad)
        with pytest.raises(AudioError) as err:
            predictor.predict(bad)
        assert str(bad) in str(err.value) and "\n" not in str(err.value), kind
    for name, y, sr in [("8k.wav", _tone(8000, 2), 8000), ("96k.wav", _tone(96000, 2), 96000),
                        ("six ü ch.wav", _tone(SR, 2, channels=6), SR)]:
        sf.write(good_dir / name, y, sr)
        r = predictor.predict(good_dir / name)
        assert r["summary"]["sentiment"] in predictor.classes and abs(r["duration"] - 2) < 0.01
    msg = one_error(cli("predict", str(good_dir / "nan.wav"), "--model", str(model_files["good"]), "--quiet",
                        cwd=tmp_path), "predict")
    assert "nan.wav" in msg and "NaN or Inf" in msg
    code, err = _in_process(cli_main.main, ["predict", str(good_dir / "zero-byte.wav"), "--model",
                                            str(model_files["good"]), "--quiet"])
    assert code == 1 and "zero-byte.wav" in err and len(err.strip().splitlines()) == 1
