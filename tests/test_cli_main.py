"""Every verb of the command line, through ``affacrnn.cli.app`` as the console script calls it.

``tests/test_cli.py`` checks that each verb parses (``--help``); this file runs each one for real,
with every documented flag of ``book`` (``--run``, ``--html``, ``--executed``, ``--full``,
``-p NAME=VALUE``, ``--chapter``, ``--lab``, ``--list``, ``--quiet``), because a verb whose parser
works can still crash when run (the ``book`` verb did: its handler and its ``--run`` option shared
one name). One test runs the installed ``affacrnn`` console script in a subprocess.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import affacrnn
from affacrnn.book import build as book
from affacrnn.cli.app import main
from book_support import ensure_executed, need_tool, widget_js_available

PREFACE = "01_preface"
ACTORS = ["01", "02", "03", "04", "05", "06", "07", "08"]


def _papermill_parameters(path: Path) -> dict:
    return nbformat.read(path, as_version=4).metadata["papermill"]["parameters"]


# --------------------------------------------------------------------------------------- book
def test_book_list(capsys):
    assert main(["book", "--list"]) == 0
    assert capsys.readouterr().out.split() == [c.stem for c in book.chapters()]


def test_book_lab_names_the_quiet_kernel(capsys):
    assert main(["book", "--lab"]) == 0
    out = capsys.readouterr().out
    assert "jupyter lab 01_preface.ipynb" in out and "export JUPYTER_PATH=" in out
    folder = Path(out.split("export JUPYTER_PATH=")[1].split()[0].split(":")[0])
    spec = json.loads((folder / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["argv"][1:3] == ["-m", "affacrnn.book.kernel"]


@pytest.mark.slow
def test_book_run_one_chapter_with_parameters(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["book", "--run", str(out), "--chapter", "01", "-p", "SEED=3", "-p", "SHOW_SOLUTIONS=True"]) == 0
    captured = capsys.readouterr()
    assert f"1 chapters executed into {out.resolve()}" in captured.out
    assert "running 01_preface.ipynb" in captured.err
    assert _papermill_parameters(out / f"{PREFACE}.ipynb") == {"SMOKE": True, "SEED": 3, "SHOW_SOLUTIONS": True}


@pytest.mark.slow
def test_book_run_full_and_quiet(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["--quiet", "book", "--run", str(out), "--full", "--chapter", PREFACE, "-p", "CORPUS=demo"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert _papermill_parameters(out / f"{PREFACE}.ipynb") == {"SMOKE": False, "CORPUS": "demo"}


def test_book_refusals(tmp_path, capsys):
    assert main(["book", "--html", str(tmp_path / "site"), "--chapter", "01"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("affacrnn book: error: --chapter cannot be used with --html") and "\n" not in err
    assert main(["book", "--run", str(tmp_path / "o"), "--chapter", "99"]) == 1
    assert "matched no chapter" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["book", "--run", str(tmp_path / "o"), "-p", "not a parameter"])
    assert exc.value.code == 2


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Path:
    ok, msg = widget_js_available()
    need_tool(ok, msg)
    return ensure_executed(tmp_path_factory)


@pytest.mark.slow
def test_book_html_from_executed_chapters(executed, tmp_path, capsys):
    site = tmp_path / "site"
    assert main(["--quiet", "book", "--html", str(site), "--executed", str(executed)]) == 0
    index = Path(capsys.readouterr().out.strip())
    assert index == site.resolve() / "_build" / "html" / "index.html" and index.is_file()
    assert not (site / "executed").exists()  # --executed: nothing is run again


@pytest.mark.slow
def test_book_html_runs_the_chapters_first(executed, tmp_path, capsys, monkeypatch):
    """``--html OUT`` executes every chapter into OUT/executed (here: copies of the session's
    executed chapters, so the book is not run twice in one test session), then builds."""
    calls = []

    def fake_run_chapters(out_dir, *, smoke, parameters, progress, only=None, jobs=1):
        calls.append({"smoke": smoke, "parameters": parameters, "progress": progress})
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        for chapter in book.chapters():
            shutil.copyfile(executed / chapter.name, Path(out_dir) / chapter.name)
        return []

    monkeypatch.setattr(book, "run_chapters", fake_run_chapters)
    site = tmp_path / "site"
    assert main(["book", "--html", str(site), "-p", "SEED=1"]) == 0
    captured = capsys.readouterr()
    index = Path(captured.out.strip().splitlines()[-1])
    assert index.is_file() and index.name == "index.html" and site.resolve() in index.parents
    assert calls == [{"smoke": True, "parameters": {"SEED": 1}, "progress": True}]
    assert "building the HTML book" in captured.err
    # one parameters cell per page: papermill's injected cell is removed, the chapter's shows the run's values
    page = (index.parent / f"{PREFACE}.html").read_text(encoding="utf-8")
    assert "# Parameters" not in page and "set for this run" in page


@pytest.mark.slow
def test_console_script_runs_the_book_verb(tmp_path):
    exe = shutil.which("affacrnn")
    need_tool(exe is not None, "the `affacrnn` console script is not on PATH: `pip install -e .` installs it")
    out = tmp_path / "out"
    proc = subprocess.run([exe, "book", "--run", str(out), "--chapter", PREFACE, "-p", "SEED=2"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "Kernel is running over TCP" not in proc.stderr
    assert _papermill_parameters(out / f"{PREFACE}.ipynb") == {"SMOKE": True, "SEED": 2}


# ------------------------------------------------------------------------------- other verbs
@pytest.fixture(scope="module")
def manifest(ravdess_root, tmp_path_factory) -> Path:
    """8 RAVDESS actors, one statement and repetition each (120 clips), as a user's manifest."""
    t = affacrnn.load_corpus("ravdess")
    keep = t["speaker"].isin(ACTORS) & (t["repetition"] == 1) & t["statement"].str.startswith("Kids")
    path = tmp_path_factory.mktemp("corpus") / "manifest.csv"
    t.loc[keep, ["path", "speaker", "emotion", "intensity"]].to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def trained(manifest, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model")
    code = main(["--quiet", "train", "--preset", "smoke", "--corpus", str(manifest), "--label-scheme", "sentiment3",
                 "--epochs", "1", "--out", str(out)])
    assert code == 0
    return out / "model.keras"


def test_corpora_and_info(manifest, capsys):
    assert main(["corpora", str(manifest)]) == 0
    assert "120" in capsys.readouterr().out
    assert main(["info", "--preset", "cpu"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["config"]["name"] == "cpu"


@pytest.mark.slow
def test_features_verb(manifest, tmp_path, capsys):
    out = tmp_path / "feats.npz"
    assert main(["--quiet", "features", str(manifest), "--jobs", "2", "--frames", "32", "--image-size", "16",
                 "--cache-dir", str(tmp_path / "cache"), "--output", str(out)]) == 0
    assert out.is_file()


@pytest.mark.slow
def test_train_evaluate_predict(trained, manifest, speech_clip, capsys):
    assert trained.is_file() and (trained.parent / "results.json").is_file()
    capsys.readouterr()
    assert main(["--quiet", "evaluate", "--model", str(trained), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)["metrics"]
    assert 0 <= metrics["weighted_accuracy"] <= 1
    assert main(["--quiet", "predict", str(speech_clip[0]), "--model", str(trained), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)


def test_experiment_verb(data_root, tmp_path, capsys):
    assert main(["experiment", "--list"]) == 0
    assert "branches" in capsys.readouterr().out
    assert main(["--quiet", "experiment", "mosi_labels", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "mosi_labels.json").is_file()
    assert main(["experiment", "branches", "--estimate"]) == 0


def test_bench_verb(capsys):
    assert main(["bench"]) == 0
    assert "latency" in capsys.readouterr().out.split()


def test_a_verb_plugin_whose_package_is_gone_is_skipped_with_one_line(monkeypatch, capsys):
    """An entry point of the `affacrnn.verbs` group that no longer imports leaves the other verbs working."""
    from importlib.metadata import EntryPoint

    import affacrnn.cli.app as app

    gone = EntryPoint(name="vanished", value="no_such_package.cli:add_parser", group=app.VERB_GROUP)
    monkeypatch.setattr(app, "entry_points", lambda group: [gone])
    parser = app.build_parser()
    err = capsys.readouterr().err
    assert "verb 'vanished' is not available" in err and "reinstall" in err and err.count("\n") == 1
    assert parser.parse_args(["info"]).verb == "info"


def test_main_module_runs_as_a_script():
    proc = subprocess.run([sys.executable, "-m", "affacrnn.cli", "book", "--list"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and PREFACE in proc.stdout


@pytest.mark.slow
def test_train_without_corpora_falls_back_to_the_demo(tmp_path, monkeypatch, capsys):
    """The README's `affacrnn train --preset cpu --out models/cpu` on a machine with no corpora:
    the demo corpus with a score scheme, said in one line (smoke preset here, for time)."""
    monkeypatch.setenv("AFFACRNN_DATA", str(tmp_path / "empty"))
    out = tmp_path / "models"
    assert main(["--quiet", "train", "--preset", "smoke", "--epochs", "1", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    notes = [ln for ln in err.splitlines() if ln.startswith("affacrnn train: no ravdess corpus")]
    assert len(notes) == 1 and "demo corpus, scheme mosi2" in notes[0]
    results = json.loads((out / "results.json").read_text())
    assert results["config"]["corpus"] == "demo" and results["config"]["label_scheme"] == "mosi2"
    # a scheme or corpus given on the command line is never replaced
    assert main(["--quiet", "train", "--preset", "smoke", "--label-scheme", "sentiment3", "--out", str(tmp_path / "x")]) == 1
    assert "ravdess" in capsys.readouterr().err


@pytest.mark.parametrize("code, children, ends", [(0, 0, "exit"), (1, 0, "exit"), (130, 0, "_exit"), (143, 0, "_exit"),
                                                  (130, 1, "exit")])
def test_the_console_script_skips_the_teardown_only_after_an_interruption(monkeypatch, capsys, code, children, ends):
    """After Ctrl-C or SIGTERM the process ends at once (tearing down tf.data's iterators can hang), streams flushed;
    with multiprocessing children left (Dask's workers) it exits normally, so the teardown stops them."""
    from affacrnn.cli import app

    ended = []

    def _exit(status):
        ended.append(("_exit", status))
        raise SystemExit(status)

    monkeypatch.setattr(app, "main", lambda: print("last words") or code)
    monkeypatch.setattr(app.os, "_exit", _exit)
    monkeypatch.setattr(app.multiprocessing, "active_children", lambda: [object()] * children)
    with pytest.raises(SystemExit) as info:
        app.console()
    assert info.value.code == code and capsys.readouterr().out == "last words\n"
    assert ended == ([("_exit", code)] if ends == "_exit" else [])
