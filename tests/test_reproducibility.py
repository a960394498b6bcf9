"""Same seed and config → same numbers on the same machine; every results file says where it came from."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import affacrnn
from affacrnn.models import presets
from affacrnn.features.dataset import prepare
from affacrnn.training import train

REPO = Path(__file__).resolve().parents[1]
ACTORS = ["01", "02", "03", "04", "05", "06", "07", "08"]


@pytest.fixture(scope="module")
def prepared(ravdess_root, tmp_path_factory):
    """8 RAVDESS actors, one statement, first repetition (120 utterances), prepared once for SMOKE."""
    t = affacrnn.load_corpus("ravdess")
    keep = t["speaker"].isin(ACTORS) & (t["repetition"] == 1) & t["statement"].str.startswith("Kids")
    cache = tmp_path_factory.mktemp("cache")
    return prepare(presets.SMOKE, table=t[keep].reset_index(drop=True), cache_dir=cache, progress=False)


@pytest.mark.slow
def test_same_seed_same_metrics(prepared, tmp_path):
    cfg = presets.SMOKE.replace(epochs=2)
    a = train(cfg, data=prepared, out_dir=tmp_path / "a", progress=False)
    b = train(cfg, data=prepared, out_dir=tmp_path / "b", progress=False)
    same = lambda m: json.dumps(m, sort_keys=True, default=str)  # noqa: E731 - metrics may hold NaN (F1 of 3 classes)
    assert same(a.metrics) == same(b.metrics)
    assert a.best_epoch == b.best_epoch
    pd_a, pd_b = a.history.to_dict(), b.history.to_dict()
    assert pd_a == pd_b  # bit-identical losses on CPU (no TF_DETERMINISTIC_OPS needed here)
    for x, y in zip(a.model.get_weights(), b.model.get_weights()):
        np.testing.assert_array_equal(x, y)
    ra = json.loads((tmp_path / "a" / "results.json").read_text())
    rb = json.loads((tmp_path / "b" / "results.json").read_text())
    assert same(ra["metrics"]) == same(rb["metrics"]) and ra["config"] == rb["config"] == cfg.to_dict()
    # every results file records its environment
    env = ra["environment"]
    for key in ("python", "platform", "machine", "cpus", "commit", "date", "data_root", "cache_dir", "packages"):
        assert key in env, key
    assert env["packages"]["affacrnn"] == affacrnn.__version__
    for pkg in ("numpy", "librosa", "tensorflow", "keras", "scikit-learn"):
        assert env["packages"][pkg], pkg
    assert env["commit"] is None or len(env["commit"].split("-")[0]) == 40


def test_info_prints_versions_settings_and_config(tmp_path):
    env = {**os.environ, "AFFACRNN_CACHE": str(tmp_path / "c"), "AFFACRNN_DATA": str(tmp_path / "d")}
    proc = subprocess.run([sys.executable, "-m", "affacrnn.cli", "info", "--preset", "smoke"], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["packages"]["affacrnn"] == affacrnn.__version__ and info["packages"]["librosa"]
    assert info["data_root"] == str(tmp_path / "d") and info["cache_dir"] == str(tmp_path / "c")
    assert info["config"] == presets.SMOKE.to_dict()
    # the printed config replays: the same preset, rebuilt from it
    assert affacrnn.models.config.AFFConfig.from_dict(info["config"]) == presets.SMOKE
    plain = json.loads(subprocess.run([sys.executable, "-m", "affacrnn.cli", "info"], capture_output=True, text=True,
                                      cwd=REPO, env=env, timeout=120).stdout)
    assert "config" not in plain and plain["python"] == info["python"]
