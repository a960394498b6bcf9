"""Bad input and faults, table-driven: every (verb, bad input) pair through the real command line.

Cases that need root (tmpfs mounts) skip only outside CI; under CI (`CI` set) they fail instead.

Each row of :data:`CASES` builds one bad input in a fresh folder and runs ``affacrnn VERB ...`` in
a subprocess. The contract checked for every row: exit code 1, exactly one stderr line
``affacrnn VERB: error: ...`` that contains the expected words (naming the file or parameter),
no traceback, and the folder unchanged afterwards (nothing created, nothing modified). The cases
that must *succeed* with a warning, and the faults (full disk, read-only folders, SIGTERM/SIGINT),
follow the table. ``tests/test_bad_input.py`` keeps the earlier cases.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

import affacrnn
from affacrnn.models import presets
from book_support import need_tool

REPO = Path(__file__).resolve().parents[1]
SR = 16000
EMOTIONS = ["happy", "sad", "angry", "neutral", "calm", "fearful"]


def _tone(freq: float, seconds: float = 0.6, seed: int = 0) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    noise = 0.02 * np.random.default_rng(seed).standard_normal(t.size)
    return (0.3 * np.sin(2 * np.pi * freq * t) + noise).astype(np.float32)


def make_corpus(folder: Path, *, speakers: int = 6, per_speaker: int = 6, emotions=EMOTIONS) -> Path:
    """``folder/clips/*.wav`` and ``folder/clips/manifest.csv``: tones, one emotion per pitch."""
    clips = folder / "clips"
    clips.mkdir(parents=True, exist_ok=True)
    rows = []
    for s in range(speakers):
        for k in range(per_speaker):
            emotion = emotions[k % len(emotions)]
            name = f"s{s}_{k}.wav"
            sf.write(clips / name, _tone(150 + 40 * (k % len(emotions)) + 5 * s, seed=s * 100 + k), SR)
            rows.append({"path": name, "speaker": f"s{s}", "emotion": emotion})
    manifest = clips / "manifest.csv"
    pd.DataFrame(rows).to_csv(manifest, index=False)
    return manifest


def edit_manifest(manifest: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Path:
    df = change(pd.read_csv(manifest))
    df.to_csv(manifest, index=False)
    return manifest


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a hash of its content."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        out[rel] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def cli(*args: str, cwd: Path, cache: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "AFFACRNN_CACHE": str(cache), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "affacrnn.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def one_error(proc: subprocess.CompletedProcess, verb: str) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith(f"affacrnn {verb}: error: ")]
    assert len(lines) == 1, proc.stderr[-2000:]
    assert proc.stderr.rstrip().splitlines()[-1] == lines[0], proc.stderr[-2000:]
    return lines[0]


def _readonly_folder(path: Path) -> Path:
    """A folder the current user cannot write to: a read-only tmpfs as root, else chmod 555."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(path)], capture_output=True)
        need_tool(proc.returncode == 0, f"running as root but cannot mount a read-only tmpfs: {proc.stderr.decode()[:200]}")
    else:
        path.chmod(0o555)
    return path


def _release(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["umount", str(path)], capture_output=True)
    else:
        path.chmod(0o755)


# ---------------------------------------------------------------------------------- the table
def _header_only(d: Path) -> list[str]:
    (d / "m.csv").write_text("path,speaker,emotion\n")
    return ["corpora", "m.csv"]


def _empty_path_cell(d: Path) -> list[str]:
    m = make_corpus(d)
    edit_manifest(m, lambda df: df.assign(path=df["path"].where(df.index != 3, None)))
    return ["corpora", str(m)]


def _path_is_a_folder(d: Path) -> list[str]:
    m = make_corpus(d)
    (m.parent / "folder.wav").mkdir()
    edit_manifest(m, lambda df: df.assign(path=df["path"].where(df.index != 2, "folder.wav")))
    return ["corpora", str(m)]


def _position_not_int(d: Path) -> list[str]:
    m = make_corpus(d)
    edit_manifest(m, lambda df: df.assign(session=df["speaker"], position=["first"] + list(range(1, len(df)))))
    return ["corpora", str(m)]


def _split_shares_a_speaker(d: Path) -> list[str]:
    m = make_corpus(d)
    edit_manifest(m, lambda df: df.assign(split=["train" if i % 2 else "test" for i in range(len(df))]))
    return ["train", "--preset", "smoke", "--corpus", str(m), "--out", str(d / "run")]


def _split_bad_value(d: Path) -> list[str]:
    m = make_corpus(d)
    edit_manifest(m, lambda df: df.assign(split=["training"] * len(df)))
    return ["corpora", str(m)]


def _huge_seed(d: Path) -> list[str]:
    return ["train", "--preset", "smoke", "--corpus", str(make_corpus(d)), "--seed", "99999999999999999999",
            "--out", str(d / "run")]


def _huge_frames(d: Path) -> list[str]:
    return ["train", "--preset", "smoke", "--corpus", str(make_corpus(d)), "--n-frames", "1000000000",
            "--out", str(d / "run")]


def _frames_beyond_memory(d: Path) -> list[str]:
    """Enough clips that 150,000 frames each cannot fit in this machine's memory."""
    from affacrnn.features.dataset import _available_bytes

    free = _available_bytes() or 64 * 2**30
    per_clip = 150_000 * 33 * 4 * (1 + 3)  # float32 features, held with three-utterance windows
    per_speaker = int(free / 2 / per_clip / 6) + 2
    return ["train", "--preset", "smoke", "--architecture", "ub", "--corpus",
            str(make_corpus(d, per_speaker=per_speaker)), "--n-frames", "150000", "--out", str(d / "run")]


def _out_is_a_file(d: Path) -> list[str]:
    (d / "taken").write_text("not a folder\n")
    return ["train", "--preset", "smoke", "--corpus", str(make_corpus(d)), "--out", str(d / "taken")]


def _out_is_empty(d: Path) -> list[str]:
    return ["train", "--preset", "smoke", "--corpus", str(make_corpus(d)), "--out", ""]


def _one_class(d: Path) -> list[str]:
    m = make_corpus(d, emotions=["happy"])
    return ["train", "--preset", "smoke", "--corpus", str(m), "--label-scheme", "sentiment3", "--out", str(d / "run")]


def _two_speakers(d: Path) -> list[str]:
    m = make_corpus(d, speakers=2)
    return ["train", "--preset", "smoke", "--corpus", str(m), "--out", str(d / "run")]


def _output_parent_is_a_file(d: Path) -> list[str]:
    (d / "afile").write_text("x\n")
    return ["features", str(make_corpus(d)), "--no-cache", "--jobs", "1", "--output", str(d / "afile" / "f.npz")]


def _output_empty(d: Path) -> list[str]:
    return ["features", str(make_corpus(d)), "--no-cache", "--jobs", "1", "--output", ""]


def _unknown_scheme_kind(d: Path) -> list[str]:
    return ["train", "--preset", "smoke", "--corpus", str(make_corpus(d)), "--label-scheme", "mosi2",
            "--out", str(d / "run")]


def _smoke_over_full(d: Path) -> list[str]:
    (d / "results").mkdir()
    (d / "results" / "branches.json").write_text(json.dumps({"name": "branches", "mode": "full", "rows": []}))
    return ["experiment", "branches", "--out", str(d / "results")]


def _experiment_out_empty(d: Path) -> list[str]:
    return ["experiment", "branches", "--out", ""]


def _root_not_a_folder(d: Path) -> list[str]:
    return ["corpora", "--root", str(d / "nowhere")]


def _features_output_is_a_folder(d: Path) -> list[str]:
    m = make_corpus(d)
    (d / "out").mkdir()
    return ["features", str(m), "--output", str(d / "out")]


def _n_classes_against_the_scheme(d: Path) -> list[str]:
    return ["train", "--preset", "smoke", "--corpus", str(make_corpus(d)), "--label-scheme", "sentiment3",
            "--n-classes", "7", "--out", str(d / "run")]


def _feature_named_twice(d: Path) -> list[str]:
    return ["train", "--preset", "smoke", "--corpus", str(make_corpus(d)), "--features", "mfcc,mfcc",
            "--out", str(d / "run")]


def _one_recording_two_speakers(d: Path) -> list[str]:
    m = make_corpus(d)
    df = pd.read_csv(m)
    copies = df[df["speaker"] == "s0"].copy()
    for name in copies["path"]:
        (m.parent / f"copy_{name}").write_bytes((m.parent / name).read_bytes())
    copies = copies.assign(path="copy_" + copies["path"], speaker="s9")
    pd.concat([df, copies]).to_csv(m, index=False)
    return ["train", "--preset", "smoke", "--corpus", str(m), "--out", str(d / "run")]


def _evaluate_corpus_empty(d: Path) -> list[str]:
    return ["evaluate", "--model", str(d / "m.keras"), "--corpus", ""]


def _train_out_in_proc(d: Path) -> list[str]:
    return ["train", "--preset", "smoke", "--corpus", str(make_corpus(d)), "--out", "/proc/affacrnn"]


def _cnn_weights_missing(d: Path) -> list[str]:
    return ["train", "--preset", "smoke", "--corpus", str(make_corpus(d)), "--cnn-weights", str(d / "gone.h5"),
            "--out", str(d / "run")]


def _student_edition_into_empty(d: Path) -> list[str]:
    return ["book", "--student", ""]


#: id -> (build the bad input in a folder and return the CLI arguments, verb, words the error must hold)
CASES: dict[str, tuple[Callable[[Path], list[str]], str, tuple[str, ...]]] = {
    "manifest header only": (_header_only, "corpora", ("m.csv", "no rows")),
    "manifest empty path cell": (_empty_path_cell, "corpora", ("row 5", "`path` cell is empty")),
    "manifest path is a folder": (_path_is_a_folder, "corpora", ("folder.wav", "is a folder")),
    "manifest position not an integer": (_position_not_int, "corpora", ("row 2", "'first'", "not an integer")),
    "manifest split shares speakers": (_split_shares_a_speaker, "train", ("manifest.csv", "several parts", "s0")),
    "manifest split bad value": (_split_bad_value, "corpora", ("row 2", "'training'", "train, validation, test")),
    "train seed beyond 32 bits": (_huge_seed, "train", ("`seed`", "4294967295")),
    "train n_frames absurd": (_huge_frames, "train", ("`n_frames`", "1000000000")),
    "train n_frames beyond memory": (_frames_beyond_memory, "train", ("`n_frames`", "GiB")),
    "train out is a file": (_out_is_a_file, "train", ("taken", "is a file")),
    "train out empty": (_out_is_empty, "train", ("--out", "empty")),
    "train one class": (_one_class, "train", ("only one class", "positive")),
    "train two speakers": (_two_speakers, "train", ("2 speaker(s)", "at least 3")),
    "train scheme of the wrong kind": (_unknown_scheme_kind, "train", ("mosi2",)),
    "features output under a file": (_output_parent_is_a_file, "features", ("afile", "is a file")),
    "features output empty": (_output_empty, "features", ("--output", "empty")),
    "experiment smoke over a full result": (_smoke_over_full, "experiment", ("branches.json", "full-mode", "--force")),
    "experiment out empty": (_experiment_out_empty, "experiment", ("--out", "empty")),
    "corpora root not a folder": (_root_not_a_folder, "corpora", ("--root", "nowhere", "not a folder")),
    "features output is a folder": (_features_output_is_a_folder, "features", ("out", "is a folder")),
    "train n_classes against the scheme": (_n_classes_against_the_scheme, "train", ("`n_classes`", "sentiment3")),
    "train feature named twice": (_feature_named_twice, "train", ("mfcc", "more than once")),
    "train one recording under two speakers": (_one_recording_two_speakers, "train", ("several speakers", "s9")),
    "evaluate corpus empty": (_evaluate_corpus_empty, "evaluate", ("--corpus", "empty")),
    "train out in /proc": (_train_out_in_proc, "train", ("/proc/affacrnn",)),
    "train cnn weights missing": (_cnn_weights_missing, "train", ("`cnn_weights`", "gone.h5", "not a file")),
    "book student edition into ''": (_student_edition_into_empty, "book", ("--student", "empty")),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_and_writes_nothing(case, tmp_path):
    build, verb, words = CASES[case]
    work = tmp_path / "work"
    work.mkdir()
    args = build(work)
    before = snapshot(work)
    msg = one_error(cli(*args, cwd=work, cache=tmp_path / "cache"), verb)
    for word in words:
        assert word in msg, f"{case}: {word!r} not in {msg!r}"
    assert snapshot(work) == before, f"{case}: the command changed the folder"


# ------------------------------------------------------------------ succeed, but say so
@pytest.mark.slow
def test_unlabelled_rows_are_dropped_with_a_warning(tmp_path):
    m = make_corpus(tmp_path)
    edit_manifest(m, lambda df: df.drop(columns="emotion").assign(score=[np.nan] + [1.0] * (len(df) - 1)))
    proc = cli("corpora", str(m), "--json", cwd=tmp_path, cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr[-2000:]
    (summary,) = json.loads(proc.stdout)["corpora"]
    assert summary["utterances"] == 35
    warning = [ln for ln in proc.stderr.splitlines() if ln.startswith("affacrnn corpora: warning: ")]
    assert len(warning) == 1 and "1 of 36 rows have no label" in warning[0] and "rows 2" in warning[0]


def test_non_utf8_file_name_is_read(tmp_path):
    name = os.fsdecode(b"caf\xe9.wav")  # Latin-1 bytes: not UTF-8
    path = tmp_path / name
    try:
        sf.write(os.fsencode(tmp_path) + b"/caf\xe9.wav", _tone(220), SR)
    except (OSError, TypeError):
        need_tool(False, "this file system refuses non-UTF-8 names")
    y = affacrnn.load_audio(path, sr=SR)
    assert y.shape == (int(0.6 * SR),)


def test_permission_denied_is_named(tmp_path, monkeypatch):
    path = tmp_path / "locked.wav"
    sf.write(path, _tone(220), SR)
    real_open = os.open

    def refuse(p, *a, **k):
        if os.fspath(p) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(p, *a, **k)

    monkeypatch.setattr(os, "open", refuse)  # as root, chmod would not stop the read
    with pytest.raises(affacrnn.AudioError) as err:
        affacrnn.load_audio(path)
    assert "permission denied" in str(err.value) and str(path) in str(err.value)


def test_dc_signal_is_not_speech(tmp_path):
    from affacrnn.inference.segment import split_utterances

    dc = np.full(2 * SR, 0.9, dtype=np.float32)
    with pytest.raises(affacrnn.AudioError, match="silent or constant"):
        split_utterances(dc, sr=SR)
    path = tmp_path / "dc.wav"
    sf.write(path, dc, SR, subtype="FLOAT")
    with pytest.raises(affacrnn.AudioError, match="silent or constant"):
        affacrnn.load_audio(path)


def test_feature_cache_keys_on_content(tmp_path):
    """A file replaced by another of the same size, its mtime kept (cp -p / touch -d), misses the cache."""
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    sf.write(a, _tone(200), SR)
    sf.write(b, _tone(400), SR)
    assert a.stat().st_size == b.stat().st_size
    cache = tmp_path / "cache"
    X1, _ = affacrnn.featurize_corpus([a], cache_dir=cache, n_jobs=1, progress=False)
    st = a.stat()
    a.write_bytes(b.read_bytes())
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))
    X2, _, report = affacrnn.featurize_corpus([a], cache_dir=cache, n_jobs=1, progress=False, return_report=True)
    assert report.n_cached == 0 and not np.allclose(X1, X2)
    X3, _ = affacrnn.featurize_corpus([b], cache_dir=False, n_jobs=1, progress=False)
    np.testing.assert_allclose(X2, X3, rtol=1e-5, atol=1e-5)


def test_a_corrupted_cache_entry_is_recomputed_not_served(tmp_path):
    """Exponent bits flipped in one cached array: the checksum fails, the entry is computed again."""
    paths = []
    for k in range(3):
        paths.append(tmp_path / f"{k}.wav")
        sf.write(paths[-1], _tone(200 + 50 * k), SR)
    cache = tmp_path / "cache"
    X1, _ = affacrnn.featurize_corpus(paths, cache_dir=cache, n_jobs=1, progress=False)
    entry = max((p for p in cache.rglob("*.npy")), key=lambda p: p.stat().st_size)
    raw = bytearray(entry.read_bytes())
    for i in range(200, len(raw) - 40, 4):  # the high byte of float32 values: huge but finite numbers
        raw[i + 3] ^= 0x30
    entry.write_bytes(bytes(raw))
    X2, _, report = affacrnn.featurize_corpus(paths, cache_dir=cache, n_jobs=1, progress=False, return_report=True)
    assert report.n_cached == 2
    np.testing.assert_array_equal(X1, X2)
    assert np.abs(X2).max() < 1e6


def _write(path: Path, y: np.ndarray, sr: int, subtype: str | None = None) -> Path:
    sf.write(path, y, sr, subtype=subtype)
    return path


AUDIO_CASES = {
    "5 samples at 1 Hz": (lambda d: _write(d / "a.wav", _tone(200)[:5], 1), {}, affacrnn.AudioError, "1 Hz"),
    "float file of unscaled 16-bit values": (
        lambda d: _write(d / "a.wav", _tone(200) * 32767 / 0.32, SR, "FLOAT"), {}, affacrnn.AudioError, "unscaled"),
    "duration -1": (lambda d: _write(d / "a.wav", _tone(200), SR), {"duration": -1}, affacrnn.ParameterError,
                    "`duration`"),
    "offset NaN": (lambda d: _write(d / "a.wav", _tone(200), SR), {"offset": float("nan")}, affacrnn.ParameterError,
                   "`offset`"),
    "path None": (lambda d: None, {}, affacrnn.ParameterError, "`path`"),
}


@pytest.mark.parametrize("case", list(AUDIO_CASES))
def test_audio_that_is_not_speech_is_refused_by_name(tmp_path, case):
    build, kwargs, error, words = AUDIO_CASES[case]
    with pytest.raises(error, match=words):
        affacrnn.load_audio(build(tmp_path), **kwargs)


def test_a_symlink_loop_is_named_as_one(tmp_path):
    loop = tmp_path / "loop.wav"
    loop.symlink_to(tmp_path / "loop.wav")
    with pytest.raises(affacrnn.AudioError, match="symbolic link that leads nowhere"):
        affacrnn.load_audio(loop)
    with pytest.raises(affacrnn.AudioError, match="symbolic link"):
        affacrnn.featurize_corpus([loop], cache_dir=tmp_path / "cache", n_jobs=1, progress=False)


def test_top_db_is_described_in_decibels():
    from affacrnn.inference.segment import segmentation

    with pytest.raises(affacrnn.ParameterError, match="decibels"):
        segmentation(-3, 0.3, 0.5, 10, 0.1, 0.2)


@pytest.mark.slow
def test_a_manifest_split_without_a_part_is_not_told_to_add_a_split_column(tmp_path):
    m = make_corpus(tmp_path)
    edit_manifest(m, lambda df: df.assign(split=np.where(df["speaker"].isin(["s0", "s1"]), "test", "train")))
    msg = one_error(cli("train", "--preset", "smoke", "--corpus", str(m), "--out", str(tmp_path / "run"), cwd=tmp_path,
                        cache=tmp_path / "cache"), "train")
    assert "validation" in msg and "give a manifest a split column" not in msg


def test_malformed_json_in_a_param_is_a_usage_error_not_a_traceback(tmp_path):
    proc = cli("experiment", "crossval", "--param", "options={bad json", cwd=tmp_path, cache=tmp_path / "cache")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "not valid JSON" in proc.stderr.strip().splitlines()[-1]


def test_a_param_that_is_an_option_of_its_own_names_the_option(tmp_path):
    # --param seeds=0,1,2 was a TypeError traceback ("got multiple values for keyword argument 'seeds'")
    proc = cli("experiment", "crossval", "--param", "seeds=0,1,2", cwd=tmp_path, cache=tmp_path / "cache")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "pass --seeds instead" in proc.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("bad", [42, None, "", 3.5])
def test_load_corpus_of_a_non_name_is_a_parameter_error(bad):
    with pytest.raises(affacrnn.ParameterError, match="`name_or_path`"):
        affacrnn.load_corpus(bad)


@pytest.mark.slow
@pytest.mark.parametrize("verb", ["predict", "evaluate", "train"])
def test_an_error_is_one_line_without_tensorflow_chatter(tmp_path, verb):
    """A corrupt model (predict, evaluate) or a missing corpus (train, after TensorFlow started)."""
    from book_support import TF_LOG_LINE

    (tmp_path / "bad.keras").write_bytes(b"PK\x03\x04 not a model")
    sf.write(tmp_path / "a.wav", _tone(200), SR)
    args = {"predict": ["predict", "a.wav", "--model", "bad.keras"], "evaluate": ["evaluate", "--model", "bad.keras"],
            "train": ["train", "--preset", "smoke", "--corpus", "gone.csv", "--out", "run"]}[verb]
    proc = cli(*args, cwd=tmp_path, cache=tmp_path / "cache")
    one_error(proc, verb)
    assert not [line for line in proc.stderr.splitlines() if TF_LOG_LINE.search(line)], proc.stderr


def test_atomic_writes_keep_the_replaced_files_mode(tmp_path):
    from affacrnn._io import atomic_write_text

    shared = tmp_path / "shared.json"
    shared.write_text("{}")
    shared.chmod(0o644)
    atomic_write_text(shared, '{"a": 1}')
    assert shared.stat().st_mode & 0o777 == 0o644
    fresh = atomic_write_text(tmp_path / "new.json", "{}")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask


def test_strict_json_and_confusion_lists():
    from affacrnn._io import strict_json

    cm = pd.DataFrame([[1, 2], [3, 4]], index=pd.Index(["neg", "pos"], name="true"),
                      columns=pd.Index(["neg", "pos"], name="predicted"))
    text = strict_json({"f1": float("nan"), "acc": np.float32(0.5), "confusion": cm})
    assert json.loads(text) == {"f1": None, "acc": 0.5, "confusion": {"classes": ["neg", "pos"], "matrix": [[1, 2], [3, 4]]}}
    assert "NaN" not in text


def test_ablation_widget_ignores_a_double_click(monkeypatch):
    from affacrnn.features.frames import PAPER_FEATURES
    from affacrnn.book.widgets import AblationWidget

    widget = AblationWidget(None, have=PAPER_FEATURES, config=presets.SMOKE, initial=PAPER_FEATURES)
    calls = []
    record = {"features": "mfcc", "D": 13, "val_accuracy": 0.5, "test_accuracy": 0.5, "test_majority": 0.5}
    monkeypatch.setattr(widget, "score", lambda features: calls.append(features) or record)
    widget.button.click()
    widget.button.click()  # queued behind the first run: arrives as it ends
    assert len(calls) == 1
    widget._done_at -= 2 * widget.CLICK_GRACE_S  # a deliberate second press later
    widget.button.click()
    assert len(calls) == 2


# ------------------------------------------------------------------------- models on file
@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A smoke model trained on ``A/clips/manifest.csv`` given as a *relative* path."""
    from affacrnn.training import train

    root = tmp_path_factory.mktemp("A")
    make_corpus(root, speakers=6, per_speaker=6)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        cfg = presets.SMOKE.replace(corpus="clips/manifest.csv", label_scheme="sentiment3", epochs=1)
        train(cfg, out_dir=root / "run", progress=False, cache_dir=root / "cache")
    finally:
        os.chdir(cwd)
    return root / "run" / "model.keras"


@pytest.mark.slow
def test_evaluate_scores_the_corpus_it_was_trained_on(trained, tmp_path):
    other = tmp_path / "B"
    make_corpus(other, speakers=4, per_speaker=6, emotions=["angry", "sad"])  # its own clips/manifest.csv
    proc = cli("evaluate", "--model", str(trained), "--part", "all", "--json", cwd=other, cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["corpus"] == str(trained.parents[1] / "clips" / "manifest.csv")
    assert out["metrics"]["n"] == 36
    assert "NaN" not in proc.stdout and out["metrics"]["confusion"]["classes"] == ["negative", "neutral", "positive"]


@pytest.mark.slow
def test_evaluate_refuses_a_changed_corpus(trained, tmp_path):
    manifest = trained.parents[1] / "clips" / "manifest.csv"
    original = manifest.read_text()
    try:
        edit_manifest(manifest, lambda df: df.iloc[:-6])
        msg = one_error(cli("evaluate", "--model", str(trained), cwd=tmp_path, cache=tmp_path / "cache"), "evaluate")
        assert "is not the one" in msg and "--corpus" in msg
    finally:
        manifest.write_text(original)


@pytest.mark.slow
def test_edited_feature_set_in_model_file_is_refused(trained, tmp_path):
    import zipfile

    from affacrnn.models.io import META_MEMBER, read_metadata

    edited = tmp_path / "edited.keras"
    with zipfile.ZipFile(trained) as src, zipfile.ZipFile(edited, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == META_MEMBER:
                meta = json.loads(data)
                meta["config"]["features"] = ["mfcc", "chroma", "contrast", "rms"]  # 13 + 12 + 7 + 1 = 33 too
                data = json.dumps(meta).encode()
            dst.writestr(item, data)
    with pytest.raises(affacrnn.ModelError, match="edited or damaged"):
        read_metadata(edited)


def _edit_metadata(model: Path, out: Path, change: Callable[[dict], None]) -> Path:
    import zipfile

    from affacrnn.models.io import META_MEMBER

    with zipfile.ZipFile(model) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == META_MEMBER:
                meta = json.loads(data)
                change(meta)
                data = json.dumps(meta).encode()  # NaN written as JSON's NaN, as a text editor would
            dst.writestr(item, data)
    return out


METADATA_EDITS = {
    "NaN in the scaler": lambda m: m["scaler"]["mean"].__setitem__(0, float("nan")),
    "scaler mean 1e30": lambda m: m["scaler"]["mean"].__setitem__(0, 1e30),
    "label_classes reversed": lambda m: m["label_classes"].reverse(),
    "label_classes renamed": lambda m: m["label_classes"].__setitem__(0, "furious"),
    "feature_layout deleted": lambda m: m.pop("feature_layout"),
    "label_scheme edited": lambda m: m["config"].__setitem__("label_scheme", "proto3"),
    "digest deleted": lambda m: m.pop("digest"),
}


@pytest.mark.slow
@pytest.mark.parametrize("edit", list(METADATA_EDITS))
def test_edited_model_metadata_is_refused_on_load(trained, tmp_path, edit):
    from affacrnn.models.io import read_metadata

    edited = _edit_metadata(trained, tmp_path / "edited.keras", METADATA_EDITS[edit])
    with pytest.raises(affacrnn.ModelError, match="edited or damaged"):
        read_metadata(edited)


@pytest.mark.slow
def test_predict_refuses_an_edited_model_in_one_line(trained, tmp_path):
    edited = _edit_metadata(trained, tmp_path / "edited.keras", METADATA_EDITS["NaN in the scaler"])
    wav = tmp_path / "a.wav"
    sf.write(wav, _tone(200.0, seconds=1.5), SR)
    msg = one_error(cli("predict", str(wav), "--model", str(edited), cwd=tmp_path, cache=tmp_path / "cache"), "predict")
    assert "edited or damaged" in msg


# ------------------------------------------------------------------ one --out, one run
def _interrupted(out: Path, manifest: Path) -> list[str]:
    """Kill a smoke run of ``manifest`` into ``out`` after its first epoch; return the CLI arguments of that run."""
    import keras

    from affacrnn.resume import RUN_FILE
    from affacrnn.training import train

    class Killed(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise KeyboardInterrupt

    cfg = presets.SMOKE.replace(corpus=str(manifest.resolve()), epochs=3)
    with pytest.raises(KeyboardInterrupt):
        train(cfg, out_dir=out, progress=False, cache_dir=out.parent / "cache", callbacks=[Killed()])
    assert (out / "state" / RUN_FILE).is_file() and list((out / "state").rglob("*.h5"))
    return ["train", "--preset", "smoke", "--epochs", "3", "--corpus", str(manifest.resolve()), "--out", str(out)]


@pytest.mark.slow
def test_out_holding_another_runs_state_is_refused_and_the_same_run_resumes(tmp_path):
    a, b = make_corpus(tmp_path / "A"), make_corpus(tmp_path / "B", speakers=5, emotions=["angry", "sad", "happy"])
    out = tmp_path / "X"
    same = _interrupted(out, a)
    before = snapshot(out)
    for changed in (["--corpus", str(b)], ["--lstm-units", "16,8"]):
        msg = one_error(cli(*same, *changed, cwd=tmp_path, cache=tmp_path / "cache"), "train")
        assert "another configuration" in msg and "--no-resume" in msg, msg
        assert snapshot(out) == before, changed  # nothing changed
    proc = cli(*same, cwd=tmp_path, cache=tmp_path / "cache")  # the same run: resumed
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not (out / "state").exists()
    _interrupted(out, a)
    proc = cli(*same, "--corpus", str(b), "--no-resume", cwd=tmp_path, cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads((out / "results.json").read_text())["config"]["corpus"] == str(b.resolve())


@pytest.mark.slow
def test_a_damaged_resume_state_names_the_file_and_the_fix(tmp_path):
    out = tmp_path / "X"
    same = _interrupted(out, make_corpus(tmp_path / "A"))
    checkpoint = sorted((out / "state").rglob("*.h5"))[0]
    checkpoint.write_bytes(checkpoint.read_bytes()[:200])  # cut short, as on a full disk
    msg = one_error(cli(*same, cwd=tmp_path, cache=tmp_path / "cache"), "train")
    assert "damaged" in msg and checkpoint.name in msg and "--no-resume" in msg
    proc = cli(*same, "--no-resume", cwd=tmp_path, cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr[-2000:]


# ---------------------------------------------------------------------------------- faults
@pytest.fixture
def small_disk(tmp_path):
    """A 300 KiB tmpfs (root only): writes there run out of space."""
    mnt = tmp_path / "smallfs"
    mnt.mkdir()
    need_tool(os.geteuid() == 0, "a small tmpfs needs root (mount); the full-disk cases run in CI as root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mnt)], capture_output=True)
    need_tool(proc.returncode == 0, f"cannot mount a tmpfs here: {proc.stderr.decode()[:200]}")
    yield mnt
    subprocess.run(["umount", str(mnt)], capture_output=True)


def _fill(folder: Path) -> None:
    """Write zeros into ``folder/filler`` until the disk is full."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


@pytest.mark.slow
def test_features_output_on_a_full_disk_keeps_the_old_file(small_disk, tmp_path):
    corpus = make_corpus(tmp_path / "c", speakers=3, per_speaker=4)
    good = small_disk / "good.npz"
    args = ["features", str(corpus), "--no-cache", "--jobs", "1", "--frames", "64", "--image-size", "0"]
    assert cli(*args, "--output", str(good), cwd=tmp_path, cache=tmp_path / "cache").returncode == 0
    before = good.read_bytes()
    _fill(small_disk)
    msg = one_error(cli(*args, "--frames", "128", "--output", str(good), cwd=tmp_path, cache=tmp_path / "cache"),
                    "features")
    assert "No space left on device" in msg and str(good) in msg
    assert good.read_bytes() == before
    with np.load(good) as z:
        assert z["X"].shape == (12, 64, 33)
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "good.npz"]


@pytest.mark.slow
def test_feature_cache_on_a_full_disk_warns_and_goes_on(small_disk, tmp_path):
    corpus = make_corpus(tmp_path / "c", speakers=3, per_speaker=4)
    _fill(small_disk)
    proc = cli("features", str(corpus), "--cache-dir", str(small_disk / "cache"), "--jobs", "1", "--json",
               cwd=tmp_path, cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.splitlines()[-1])["utterances"] == 12
    warnings = [ln for ln in proc.stderr.splitlines() if ln.startswith("affacrnn features: warning: ")]
    assert len(warnings) == 1 and "going on without caching" in warnings[0]


@pytest.mark.slow
def test_training_into_a_full_disk_is_one_line_and_leaves_no_state(small_disk, tmp_path):
    manifest = make_corpus(tmp_path / "A")
    proc = cli("train", "--preset", "smoke", "--epochs", "1", "--corpus", str(manifest), "--out", str(small_disk / "run"),
               cwd=tmp_path, cache=tmp_path / "cache")
    msg = one_error(proc, "train")
    assert "MiB free" in msg and "another --out" in msg
    assert not list((small_disk / "run").rglob("*.h5"))


@pytest.mark.slow
def test_read_only_folders_are_refused_before_any_work(tmp_path):
    corpus = make_corpus(tmp_path / "c")
    ro = _readonly_folder(tmp_path / "ro")
    try:
        msg = one_error(cli("features", str(corpus), "--no-cache", "--jobs", "1", "--output", str(ro / "f.npz"),
                            cwd=tmp_path, cache=tmp_path / "cache"), "features")
        assert "not writable" in msg and str(ro) in msg
        msg = one_error(cli("train", "--preset", "smoke", "--corpus", str(corpus), "--out", str(ro / "run"),
                            cwd=tmp_path, cache=tmp_path / "cache"), "train")
        assert "not writable" in msg and str(ro) in msg
    finally:
        _release(ro)


def test_features_output_name_is_the_file_written(tmp_path):
    corpus = make_corpus(tmp_path / "c", speakers=2, per_speaker=2)
    proc = cli("features", str(corpus), "--no-cache", "--jobs", "1", "--frames", "16", "--image-size", "0",
               "--output", str(tmp_path / "out"), cwd=tmp_path, cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"saved       {tmp_path / 'out.npz'}" in proc.stdout and (tmp_path / "out.npz").is_file()


def _popen(args: list[str], cwd: Path, cache: Path) -> subprocess.Popen:
    env = {**os.environ, "AFFACRNN_CACHE": str(cache), "PYTHONPATH": str(REPO)}
    # SIGINT stays deliverable even when pytest runs from a non-interactive shell's background job
    return subprocess.Popen([sys.executable, "-m", "affacrnn.cli", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


@pytest.mark.slow
def test_sigterm_during_features_stops_the_workers(tmp_path):
    corpus = make_corpus(tmp_path / "c", speakers=12, per_speaker=40)
    proc = _popen(["features", str(corpus), "--no-cache", "--jobs", "2", "--image-size", "128", "--features", "all"],
                  tmp_path, tmp_path / "cache")
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:  # wait for the loky workers to exist
        time.sleep(0.5)
        workers = [c for c in _children(proc.pid)]
    assert proc.poll() is None, f"finished before it could be interrupted: {proc.communicate()[1][-1000:]}"
    time.sleep(1.0)
    descendants = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err[-2000:]
    # loky's resource tracker, a process of its own writing to the same stderr, may warn after the
    # command's last line ("resource_tracker: ... UserWarning" while it cleans up after the workers)
    ours = [line for line in err.rstrip().splitlines() if "resource_tracker" not in line]
    assert ours[-1] == "affacrnn features: terminated" and "Traceback" not in err
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in descendants):
        time.sleep(0.5)
    assert not [p for p in descendants if _alive(p)], "worker processes outlived the command"


@pytest.mark.slow
def test_sigint_during_training_stops_within_seconds(tmp_path):
    corpus = make_corpus(tmp_path / "c")
    proc = _popen(["train", "--preset", "smoke", "--corpus", str(corpus), "--epochs", "500", "--patience", "0",
                   "--out", str(tmp_path / "run")], tmp_path, tmp_path / "cache")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (tmp_path / "run" / "state").exists():  # training has begun
        time.sleep(0.5)
    time.sleep(5)
    assert proc.poll() is None, "finished before it could be interrupted"
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    stopped_s = time.monotonic() - start
    assert proc.returncode == 130, err[-2000:]
    assert err.rstrip().splitlines()[-1] == "affacrnn train: interrupted"
    # generous: the point is that it stops mid-run (between batches), not after the remaining epochs
    assert stopped_s < 30, f"took {stopped_s:.1f} s to stop"


# ------------------------------------------------------------------ cross-validation runs
@pytest.mark.slow
def test_crossval_twice_gives_the_same_numbers(ravdess_root, tmp_path):
    """Same seed, same numbers on a Dask worker (Keras's layer seeds no longer race Dask's threads)."""
    from reproduction.crossval import crossval

    runs = [crossval(mode="smoke", schemes=["sentiment3"], models=["ub_bilstm"], seeds=[0], folds=2, results_dir=None,
                     progress=False, workers=1) for _ in range(2)]
    first, second = (r[r["fold"].astype(str) != "mean"].reset_index(drop=True) for r in runs)
    pd.testing.assert_series_equal(first["accuracy"], second["accuracy"])
    assert "top_share" in first and first["top_share"].between(0, 100).all()


@pytest.mark.slow
@pytest.mark.parametrize("address, words", [("not-an-address", "tcp://HOST"), ("tcp://127.0.0.1:1", "cannot reach")])
def test_a_scheduler_that_is_not_there_is_one_clean_error(address, words):
    from reproduction.crossval import crossval

    start = time.monotonic()
    with pytest.raises(affacrnn.ParameterError, match=words):
        crossval(mode="smoke", schemes=["sentiment3"], models=["svm"], seeds=[0], results_dir=None, progress=False,
                 scheduler=address)
    assert time.monotonic() - start < 60


@pytest.mark.slow
def test_a_server_that_is_not_dask_is_one_clean_error():
    """A port that answers with something else (here: an HTTP-like reply) instead of Dask's protocol."""
    import socket
    import threading

    from reproduction.crossval import crossval

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]

    def answer():
        for _ in range(4):
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n" + b"\xff" * 64)
            conn.close()

    threading.Thread(target=answer, daemon=True).start()
    try:
        with pytest.raises(affacrnn.ParameterError, match="cannot reach"):
            crossval(mode="smoke", schemes=["sentiment3"], models=["svm"], seeds=[0], results_dir=None,
                     progress=False, scheduler=f"tcp://127.0.0.1:{port}")
    finally:
        server.close()


@pytest.mark.slow
def test_ctrl_c_during_crossval_is_130_without_tracebacks(ravdess_root, tmp_path):
    import psutil

    env = {**os.environ, "AFFACRNN_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "affacrnn.cli", "experiment", "crossval", "--param",
                             "schemes=sentiment3", "--param", "models=ub_bilstm", "--out", str(tmp_path / "cv")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:  # wait until a fold trains in its own process
        if any("reproduction.isolation" in " ".join(c.cmdline()) for c in psutil.Process(proc.pid).children(True)):
            break
        time.sleep(1)
    time.sleep(3)
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole foreground group
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err, err[-3000:]
    time.sleep(2)
    assert not [q for q in psutil.process_iter(["cmdline"]) if "reproduction.isolation" in " ".join(q.info["cmdline"] or [])]
