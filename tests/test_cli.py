"""The command line: every verb has --help, errors are one line with exit code 1."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from affacrnn.cli.app import build_parser, main

VERBS = ["corpora", "info", "bench", "features", "train", "evaluate", "predict", "book", "experiment"]


def test_every_verb_is_registered():
    sub = next(a for a in build_parser()._actions if a.dest == "verb")
    assert sorted(sub.choices) == sorted(VERBS)



def test_a_bad_flag_is_refused_before_the_heavy_libraries_load(tmp_path):
    """Every call registers every verb (the reproduction's ``experiment`` too), and a bad flag is refused in about
    a second: neither TensorFlow nor an experiment's modules (scikit-learn's metrics, tslearn) load before that."""
    probe = ("import sys\nfrom affacrnn.cli.app import main\n"
             f"code = main(['train', '--preset', 'smoke', '--n-frames', '0', '--out', {str(tmp_path)!r}])\n"
             "heavy = sorted(m for m in ('tensorflow', 'keras', 'reproduction.claims', 'reproduction.crossval', 'tslearn')"
             " if m in sys.modules)\nprint(code, heavy)")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert proc.stdout.strip().splitlines()[-1] == "1 []", proc.stdout + proc.stderr[-2000:]
    assert "n_frames" in proc.stderr and not any(tmp_path.iterdir())


@pytest.mark.parametrize("verb", VERBS)
def test_help(verb, capsys):
    with pytest.raises(SystemExit) as exc:
        main([verb, "--help"])
    assert exc.value.code == 0
    assert "usage: affacrnn" in capsys.readouterr().out


def test_corpora_json(data_root, capsys):
    assert main(["corpora", "ravdess", "emodb", "mosi", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    counts = {c["corpus"]: (c["utterances"], c["speakers"]) for c in out["corpora"]}
    assert counts == {"ravdess": (1440, 24), "emodb": (535, 10), "mosi": (2199, 93)}


def test_bench_lists_and_refuses_unknown(capsys):
    assert main(["bench"]) == 0
    assert {"features_speed", "latency"} <= set(capsys.readouterr().out.split())
    assert main(["bench", "nope"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("affacrnn bench: error: unknown benchmark 'nope'") and "\n" not in err


def test_console_script_exit_code_for_bad_corpus(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "affacrnn.cli", "corpora", str(tmp_path / "nowhere")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "nowhere" in proc.stderr


def test_fresh_machine_without_data_uses_the_demo_corpus(tmp_path):
    """With an empty data root the README's main job has a corpus: the demo, generated offline."""
    import os

    env = {**os.environ, "AFFACRNN_DATA": str(tmp_path / "data"), "AFFACRNN_CACHE": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "affacrnn.cli", "--quiet", "corpora", "--json"],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-1500:]
    (demo,) = json.loads(proc.stdout)["corpora"]
    assert demo["corpus"] == "demo" and demo["utterances"] > 200 and demo["languages"] == ["de", "en"]
    assert not (tmp_path / "data").exists()  # nothing written into the data root
    out = tmp_path / "feats.npz"
    proc = subprocess.run([sys.executable, "-m", "affacrnn.cli", "features", "demo", "--limit", "6",
                           "--output", str(out), "--json", "--quiet"],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-1500:]
    import numpy as np

    with np.load(out) as saved:
        assert any(saved[k].shape[1:] == (256, 33) for k in saved.files)


def test_a_closed_output_pipe_ends_quietly():
    """`affacrnn bench | head -1`: the reader is gone before the list is written; no traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "affacrnn.cli", "bench"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # before the command has imported anything, let alone printed
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141 and "Traceback" not in err, err
