"""Corpus featurisation: row order, cache hits/misses/invalidation, atomicity, backends, CLI."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from affacrnn.data.audio import load_audio
from affacrnn.errors import AudioError, CacheError, ParameterError
from affacrnn.features.frames import FeatureConfig
from affacrnn.features.cache import CACHE_SUBDIR, clear_cache, featurize_corpus
from affacrnn.features.spectrogram import extract_all

N_FILES = 8


def entries(cache: Path) -> dict[Path, int]:
    """Finished cache entries and their mtimes.

    Temporary files (``affacrnn._io.atomic_path``: hidden, ``.<name>.<random>.tmp.npy``) are left out,
    and so is a file renamed or removed between the listing and its ``stat`` (a writer runs beside).
    """
    found = {}
    for p in (cache / CACHE_SUBDIR).glob("*/*.npy"):
        if not p.name.startswith("."):
            with contextlib.suppress(FileNotFoundError):
                found[p] = p.stat().st_mtime_ns
    return found


@pytest.fixture(scope="module")
def table(ravdess_root) -> pd.DataFrame:
    """Eight RAVDESS utterances from four actors, built from a glob (no corpus loader needed)."""
    files = sorted((ravdess_root / "ravdess").rglob("*.flac")) or sorted((ravdess_root / "ravdess").rglob("*.wav"))
    picked = [f for f in files if f.parent.name in ("Actor_01", "Actor_02", "Actor_13", "Actor_24")]
    picked = picked[::29][:N_FILES]
    assert len(picked) == N_FILES
    return pd.DataFrame({"utterance_id": [f.stem for f in picked], "path": [str(f) for f in picked]})


@pytest.fixture(scope="module")
def reference(table):
    """Features and graphs computed one file at a time, without any cache."""
    pairs = [extract_all(load_audio(p, sr=22050), image_size=64) for p in table["path"]]
    return np.stack([f for f, _ in pairs]), np.stack([g for _, g in pairs])


def run(table, cache, **kw):
    kw = {"image_size": 64, "n_jobs": 1, "progress": False, "return_report": True, **kw}
    return featurize_corpus(table, cache_dir=cache, **kw)


def test_shapes_and_row_order(table, reference, tmp_path):
    X, G, report = run(table, tmp_path)
    assert X.shape == (N_FILES, 256, 33) and X.dtype == np.float32
    assert G.shape == (N_FILES, 64, 64) and G.dtype == np.float32
    np.testing.assert_array_equal(X, reference[0])
    np.testing.assert_array_equal(G, reference[1])
    rev, _, _ = run(table.iloc[::-1], tmp_path)
    np.testing.assert_array_equal(rev, X[::-1])
    X2, G2 = featurize_corpus(list(table["path"]), image_size=None, cache_dir=False, n_jobs=1, progress=False)
    assert G2 is None
    np.testing.assert_array_equal(X2, X)


def test_second_run_is_a_cache_hit(table, tmp_path):
    X1, G1, r1 = run(table, tmp_path)
    assert (r1.n_cached, r1.n_features_computed, r1.n_graphs_computed) == (0, N_FILES, N_FILES)
    before = entries(tmp_path)
    assert len(before) == 2 * N_FILES
    t0 = time.perf_counter()
    X2, G2, r2 = run(table, tmp_path)
    warm = time.perf_counter() - t0
    assert (r2.n_cached, r2.n_features_computed, r2.n_graphs_computed) == (N_FILES, 0, 0)
    assert entries(tmp_path) == before  # nothing rewritten
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(G1, G2)
    assert warm < r1.seconds / 3


def test_changed_parameters_miss_the_cache(table, tmp_path):
    run(table, tmp_path)
    _, _, r = run(table, tmp_path, config=FeatureConfig(n_frames=128))
    assert (r.n_features_computed, r.n_graphs_computed) == (N_FILES, 0)
    X, _, r = run(table, tmp_path, config=FeatureConfig(features=["mfcc", "rms"]))
    assert r.n_features_computed == N_FILES and X.shape == (N_FILES, 256, 14)
    _, G, r = run(table, tmp_path, image_size=32)
    assert (r.n_features_computed, r.n_graphs_computed) == (0, N_FILES) and G.shape == (N_FILES, 32, 32)


def test_a_changed_file_is_recomputed(table, reference, tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    paths = [clips / f"clip{i}{Path(p).suffix}" for i, p in enumerate(table["path"][:2])]
    for src, dst in zip(table["path"][:2], paths):
        shutil.copy(src, dst)
    X1, _, _ = run([str(p) for p in paths], tmp_path / "cache")
    np.testing.assert_array_equal(X1, reference[0][:2])
    shutil.copy(table["path"].iloc[5], paths[0])  # new content under the same name
    st = paths[0].stat()
    os.utime(paths[0], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    X2, _, r = run([str(p) for p in paths], tmp_path / "cache")
    assert (r.n_cached, r.n_features_computed) == (1, 1)
    np.testing.assert_array_equal(X2[0], reference[0][5])
    np.testing.assert_array_equal(X2[1], X1[1])


def test_corrupt_entries_are_recomputed(table, reference, tmp_path):
    run(table, tmp_path)
    feats = sorted(p for p in entries(tmp_path) if np.load(p).shape == (256, 33))
    feats[0].write_bytes(feats[0].read_bytes()[:100])  # truncated
    feats[1].write_bytes(os.urandom(2000))  # garbage
    np.save(feats[2], np.zeros((3, 3), np.float32))  # valid .npy, wrong shape
    X, _, r = run(table, tmp_path)
    assert r.n_features_computed == 3 and r.n_graphs_computed == 0
    np.testing.assert_array_equal(X, reference[0])
    _, _, r = run(table, tmp_path)
    assert r.n_cached == N_FILES


def test_a_failed_write_leaves_no_entry(table, reference, tmp_path, monkeypatch):
    real_save = np.save

    def crash_midway(f, arr, **kw):
        f.write(b"\x93NUMPY partial")
        raise KeyboardInterrupt("simulated kill while writing")

    monkeypatch.setattr(np, "save", crash_midway)
    with pytest.raises(KeyboardInterrupt):
        run(table, tmp_path)
    monkeypatch.setattr(np, "save", real_save)
    assert entries(tmp_path) == {}
    assert not list((tmp_path / CACHE_SUBDIR).glob("*/.*.tmp*")), "a temporary file was left behind"
    X, G, r = run(table, tmp_path)
    assert r.n_cached == 0
    np.testing.assert_array_equal(X, reference[0])


@pytest.mark.slow
def test_sigkill_mid_run_leaves_a_usable_cache(table, reference, tmp_path):
    cache = tmp_path / "cache"
    script = textwrap.dedent(
        f"""
        import json, sys
        from affacrnn.features.cache import featurize_corpus
        paths = json.loads(sys.argv[1])
        for _ in range(50):  # keep writing until killed
            featurize_corpus(paths, image_size=64, cache_dir={str(cache)!r}, n_jobs=1, progress=False)
            featurize_corpus(paths, image_size=64 + 1 + _, cache_dir={str(cache)!r}, n_jobs=1, progress=False)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", script, json.dumps(list(table["path"]))], env=env)
    try:
        deadline = time.monotonic() + 60
        while len(entries(cache)) < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.005)
        time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert entries(cache)
    X, G, r = run(table, cache)
    np.testing.assert_allclose(X, reference[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(G, reference[1], rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_loky_batches_match(table, reference):
    X, G = featurize_corpus(table, image_size=64, cache_dir=False, n_jobs=2, batch_size=3, progress=False)
    np.testing.assert_allclose(X, reference[0], rtol=1e-5, atol=1e-6)  # BLAS threads differ per process
    np.testing.assert_allclose(G, reference[1], rtol=1e-5, atol=1e-6)


def test_dask_backend(table, reference, tmp_path):
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            Client(cluster):
        with joblib.parallel_backend("dask"):
            X, G, r = featurize_corpus(table, image_size=64, cache_dir=tmp_path, progress=False, return_report=True)
    assert r.n_features_computed == N_FILES
    np.testing.assert_allclose(X, reference[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(G, reference[1], rtol=1e-5, atol=1e-6)
    _, _, r = run(table, tmp_path)
    assert r.n_cached == N_FILES


def test_unwritable_cache_dir_is_a_cache_error(table, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    with pytest.raises(CacheError) as exc:
        run(table, blocker / "cache")
    msg = str(exc.value)
    assert str(blocker / "cache") in msg and "not writable" in msg and "cache_dir=" in msg


def test_bad_tables(table, tmp_path):
    with pytest.raises(ParameterError, match="'path' column"):
        featurize_corpus(table.rename(columns={"path": "file"}), cache_dir=tmp_path, progress=False)
    with pytest.raises(ParameterError, match="without an audio path"):
        featurize_corpus(pd.DataFrame({"path": [table["path"][0], None]}), cache_dir=tmp_path, progress=False)
    with pytest.raises(AudioError, match="no such file"):
        featurize_corpus([str(tmp_path / "missing.wav")], cache_dir=tmp_path, progress=False)
    with pytest.raises(ParameterError, match="n_jobs"):
        featurize_corpus(table, n_jobs=0, cache_dir=tmp_path, progress=False)


def test_progress_bar_and_clear_cache(table, tmp_path, capsys):
    featurize_corpus(table.head(2), image_size=None, cache_dir=tmp_path, n_jobs=1, progress=True)
    assert "features" in capsys.readouterr().err
    assert clear_cache(tmp_path) == 2
    assert entries(tmp_path) == {}


def test_cli_features_verb(table, tmp_path, monkeypatch, capsys):
    import affacrnn.data.corpora
    from affacrnn.cli import features as cli_features

    monkeypatch.setattr(affacrnn.data.corpora, "load_corpus", lambda name, root=None: table, raising=False)
    parser = argparse.ArgumentParser(prog="affacrnn")
    sub = parser.add_subparsers(dest="verb")
    cli_features.add_parser(sub)
    out = tmp_path / "feats.npz"
    args = parser.parse_args(["features", "ravdess", "--features", "chroma,mfcc", "--image-size", "32",
                              "--cache-dir", str(tmp_path), "--jobs", "1", "--limit", "3", "--quiet",
                              "--output", str(out), "--json"])
    assert args.handler(args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["X_shape"] == [3, 256, 25] and summary["G_shape"] == [3, 32, 32]
    assert summary["features"] == ["mfcc", "chroma"] and summary["computed"] == 3
    with np.load(out) as z:
        assert z["X"].shape == (3, 256, 25) and list(z["utterance_id"]) == list(table["utterance_id"][:3])
    args = parser.parse_args(["features", "ravdess", "--image-size", "0", "--cache-dir", str(tmp_path),
                              "--jobs", "1", "--limit", "2", "--quiet"])
    assert args.handler(args) == 0
    text = capsys.readouterr().out
    assert "X (2, 256, 33)" in text and "graphs      none" in text


def test_featurize_returns_named_parts_and_featurize_corpus_the_same_tuple(table, tmp_path):
    """One function, one return type: ``featurize`` names its parts; ``featurize_corpus`` is its tuple form."""
    from affacrnn.features.cache import Featurized, featurize

    table = table.head(3)
    out = featurize(table, image_size=32, cache_dir=tmp_path / "c", n_jobs=1, progress=False, lengths=True)
    assert isinstance(out, Featurized)
    assert out.X.shape[0] == out.graphs.shape[0] == len(out.lengths) == 3
    assert out.report.n_cached == 0 and out.report.n_features_computed == 3
    assert featurize(table, image_size=None, cache_dir=tmp_path / "c", n_jobs=1, progress=False).lengths is None
    X, G, L, report = featurize_corpus(table, image_size=32, cache_dir=tmp_path / "c", n_jobs=1, progress=False,
                                       return_lengths=True, return_report=True)
    np.testing.assert_array_equal(X, out.X)
    np.testing.assert_array_equal(G, out.graphs)
    np.testing.assert_array_equal(L, out.lengths)
    assert report.n_cached == 3
