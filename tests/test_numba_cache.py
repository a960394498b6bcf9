"""numba's cache cannot be corrupted by affacrnn's own processes started together.

The race (numba issue 10128, librosa issue 1998): processes compiling librosa's gufuncs at the
same time on an empty cache can leave a function from one and its wrapper from another; every
later run then segfaults (exit 139). ``affacrnn/_numba.py`` compiles them once under a file
lock. Here four processes import affacrnn and extract features at the same instant on an empty
``NUMBA_CACHE_DIR``, three times over, and then single runs on each cache must all exit 0.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from affacrnn import _numba

N_PROCESSES = 4
ROUNDS = 3

#: One process: wait for the common start time, then extract every feature type and a graph.
_WORKER = r"""
import sys, time
import numpy as np
import affacrnn
start = float(sys.argv[1])
while time.time() < start:
    time.sleep(0.005)
y = (0.3 * np.sin(2 * np.pi * 220 * np.arange(22050) / 22050)).astype(np.float32)
x = affacrnn.extract_features(y, sr=22050, features=affacrnn.ALL_FEATURES)
g = affacrnn.spectrum_graph(y, sr=22050, size=32)
assert x.shape[0] == 256 and np.isfinite(x).all() and g.shape == (32, 32)
print("ok")
"""


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "NUMBA_CACHE_DIR": str(cache), "PYTHONFAULTHANDLER": "1"}


def _start(cache: Path, at: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _WORKER, str(at)], env=_env(cache), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_processes_started_together_leave_a_sound_cache(tmp_path):
    for r in range(ROUNDS):
        cache = tmp_path / f"numba-{r}"
        at = time.time() + 8.0  # every process is up and has imported affacrnn by then
        procs = [_start(cache, at) for _ in range(N_PROCESSES)]
        results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
        for code, out, err in results:
            assert code == 0 and out.strip() == "ok", f"round {r}: a concurrent run failed (exit {code}): {err[-2000:]}"
        assert (cache / f"affacrnn-ready-v{_numba.WARMUP_VERSION}").is_file()
        for _ in range(2):  # what segfaulted before: the next single runs on that cache
            single = _start(cache, 0.0)
            code = single.wait(timeout=300)
            out, err = single.communicate()
            assert code == 0 and out.strip() == "ok", f"round {r}: a later single run failed (exit {code}): {err[-2000:]}"


def test_cache_folder_is_ours_unless_the_user_chose_one(monkeypatch, tmp_path):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("AFFACRNN_CACHE", str(tmp_path / "cache"))
    folder = _numba.cache_folder()
    assert folder.parent == tmp_path / "cache" / "numba"
    assert folder.name.startswith(f"py{sys.version_info.major}{sys.version_info.minor}-numba")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert _numba.cache_folder() == tmp_path / "mine"


def test_two_installations_of_the_same_versions_keep_separate_caches(monkeypatch, tmp_path):
    """A second environment (another venv, a CI clone) with the same versions gets its own folder: the first's
    ready marker must not let it skip the locked warm-up, since numba caches kernels per source path."""
    import importlib.util

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("AFFACRNN_CACHE", str(tmp_path / "cache"))
    here = _numba.cache_folder()
    assert here == _numba.cache_folder()  # stable within one installation
    real = importlib.util.find_spec("librosa")
    other = importlib.util.spec_from_file_location("librosa", tmp_path / "other-env" / "librosa" / "__init__.py")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: other if name == "librosa" else real)
    there = _numba.cache_folder()
    assert there != here and there.parent == here.parent and there.name.rsplit("-", 1)[0] == here.name.rsplit("-", 1)[0]


def test_prepared_cache_is_only_checked(monkeypatch, tmp_path):
    """With the ready marker present, prepare() compiles nothing and takes no lock."""
    cache = tmp_path / "numba"
    cache.mkdir()
    (cache / f"affacrnn-ready-v{_numba.WARMUP_VERSION}").write_text("done\n")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(cache))
    monkeypatch.setattr(_numba, "_warm_up", lambda: pytest.fail("compiled although the cache is ready"))
    assert _numba.prepare(progress=False) == cache
    assert not (cache / "affacrnn-compile.lock").exists()


def test_import_affacrnn_points_numba_at_its_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["AFFACRNN_CACHE"] = str(tmp_path / "cache")
    code = "import os, affacrnn, numba; print(os.environ['NUMBA_CACHE_DIR']); print(numba.config.CACHE_DIR)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    env_dir, config_dir = out.stdout.split()
    assert env_dir == config_dir and Path(env_dir).parent == tmp_path / "cache" / "numba"
