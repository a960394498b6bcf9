"""Fast checks of the book tooling: exercise checks, the `book` verb, external-reference scan."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from affacrnn.book import build as book
from affacrnn.book import exercises
from affacrnn.cli import book as cli_book
from affacrnn.errors import AffacrnnError, ParameterError


def test_check_right_wrong_and_unanswered():
    assert exercises.check(0.68610, expected=400 / 583, tol=1e-4).ok is True
    wrong = exercises.check(0.5, expected=400 / 583, tol=1e-4, hint="count the polar rows")
    assert wrong.ok is False and "count the polar rows" in str(wrong) and not wrong
    assert exercises.check(None, expected=1).ok is None
    assert exercises.check("Calm ", expected="calm").ok
    assert exercises.check({"a": 1.0}, expected={"a": 1}).ok
    assert exercises.check(pd.Series({"x": 2}), expected=pd.Series({"x": 2})).ok
    assert exercises.check(np.array([1, 2]), expected=[1, 2]).ok
    assert not exercises.check([1, 2, 3], expected=[1, 2]).ok
    assert "<p" in exercises.check(1, expected=1)._repr_html_()


def test_strict_check_raises_on_a_wrong_solution():
    with pytest.raises(AffacrnnError, match="solution check failed"):
        exercises.check(1, expected=2, strict=True)


def test_external_references(tmp_path):
    (tmp_path / "a.html").write_text(
        '<link rel="stylesheet" href="https://fonts.example/x.css"><link rel="canonical" href="https://x/">'
        '<script src="_static/vendor/require.js"></script><script src="//cdn.example/y.js"></script>'
        '<a href="https://papermill.readthedocs.io">papermill</a>'
    )
    assert book.external_references(tmp_path) == [
        ("a.html", "https://fonts.example/x.css"),
        ("a.html", "//cdn.example/y.js"),
    ]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="affacrnn")
    cli_book.add_parser(parser.add_subparsers(dest="verb"))
    return parser


def test_book_verb_parses_parameters():
    args = _parser().parse_args(["book", "--run", "out", "--full", "-p", "SEED=3", "-p", "CORPUS=emodb",
                                 "-p", "SHOW_SOLUTIONS=True"])
    assert args.run == "out" and args.smoke is False
    assert dict(args.parameter) == {"SEED": 3, "CORPUS": "emodb", "SHOW_SOLUTIONS": True}
    with pytest.raises(SystemExit):
        _parser().parse_args(["book", "--run", "out", "-p", "not a parameter"])
    with pytest.raises(SystemExit):
        _parser().parse_args(["book"])  # one of --run/--html/--lab/--list is required


def test_book_verb_lab_and_list(capsys):
    assert cli_book.run(_parser().parse_args(["book", "--lab"])) == 0
    assert "jupyter lab" in capsys.readouterr().out
    assert cli_book.run(_parser().parse_args(["book", "--list"])) == 0
    assert capsys.readouterr().out.split() == [c.stem for c in book.chapters()]


def test_run_chapters_rejects_unknown_chapter(tmp_path):
    with pytest.raises(AffacrnnError, match="matched no chapter"):
        book.run_chapters(tmp_path, only=["99"], progress=False)


def test_build_html_needs_every_executed_chapter(tmp_path):
    with pytest.raises(AffacrnnError, match="no executed copy"):
        book._stage(tmp_path / "missing", tmp_path / "stage")


@pytest.mark.slow
def test_a_cell_that_hangs_fails_its_chapter_naming_the_limit(tmp_path):
    """A smoke run gives every cell a time limit, so a hang fails the chapter instead of stopping CI."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("SMOKE = False")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import time\ntime.sleep(60)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    chapter = tmp_path / "99_hang.ipynb"
    nbformat.write(nb, chapter)
    assert book.SMOKE_CELL_TIMEOUT >= 300  # generous: the slowest smoke cell takes about a minute
    with pytest.raises(AffacrnnError, match=r"99_hang.ipynb: a cell ran longer than 3 s"):
        book.run_chapter(chapter, tmp_path / "out", smoke=True, cell_timeout=3)
    assert (tmp_path / "out" / "99_hang.ipynb").is_file()  # the executed copy shows where it stopped


def test_live_only_widgets_are_dropped_from_the_static_pages():
    """The microphone (anywidget) cannot load offline: its model goes, the box around it stays."""
    import nbformat

    state = {
        "mic": {"model_module": "anywidget", "model_name": "AnyModel", "state": {}},
        "up": {"model_module": "@jupyter-widgets/controls", "model_name": "FileUploadModel", "state": {}},
        "box": {"model_module": "@jupyter-widgets/controls", "model_name": "VBoxModel",
                "state": {"children": ["IPY_MODEL_mic", "IPY_MODEL_up"]}},
    }
    nb = nbformat.v4.new_notebook(metadata={"widgets": {book._STATE_MIME: {"state": state, "version_major": 2}}})
    view = {book._VIEW_MIME: {"model_id": "mic", "version_major": 2}}
    nb.cells = [nbformat.v4.new_code_cell("m", outputs=[nbformat.v4.new_output("display_data", data=view)]),
                nbformat.v4.new_code_cell("b", outputs=[nbformat.v4.new_output(
                    "display_data", data={book._VIEW_MIME: {"model_id": "box", "version_major": 2}})])]
    assert book._drop_live_only_widgets(nb) == {"mic"}
    state = nb.metadata["widgets"][book._STATE_MIME]["state"]
    assert set(state) == {"up", "box"} and state["box"]["state"]["children"] == ["IPY_MODEL_up"]
    assert "live widget" in nb.cells[0].outputs[0]["data"]["text/plain"]
    assert book._VIEW_MIME in nb.cells[1].outputs[0]["data"]


def test_markdown_links_to_chapters_point_at_their_pages_in_the_html_book():
    """The claims ledger links ``06_ub_bilstm.ipynb`` (JupyterLab); the static page links ``06_ub_bilstm.html``."""
    import nbformat

    from reproduction.summary import ledger

    text = ledger()._repr_markdown_()
    assert "](06_ub_bilstm.ipynb)" in text  # the committed ledger has rows from chapter 6
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("ledger()", outputs=[nbformat.v4.new_output(
        "execute_result", data={"text/markdown": text, "text/plain": "..."}, execution_count=1)])]
    book._link_pages(nb)
    out = nb.cells[0].outputs[0]["data"]["text/markdown"]
    assert "](06_ub_bilstm.html)" in out and ".ipynb)" not in out


def test_parameters_cells_state_the_recorded_run_times():
    """Each chapter opens in smoke mode and says so under its title, with the times of both modes
    from book/_times.json (never typed by hand); its parameters cell's first line repeats them."""
    import nbformat

    from affacrnn.book.times import run_note, times_line

    for chapter in book.chapters():
        nb = nbformat.read(chapter, as_version=4)
        cell = next(c for c in nb.cells if c.cell_type == "code")
        fix = f"{chapter.name}: run `affacrnn book --run OUT --record-times` (and --full) to refresh it"
        assert cell.source.splitlines()[0] == times_line(chapter.stem), fix
        assert cell.source.splitlines()[1].startswith("SMOKE = True"), f"{chapter.name}: Run All must give smoke mode"
        title = nb.cells[0].source.splitlines()
        assert title[0].startswith("# ") and title[2] == run_note(chapter.stem), fix


def test_record_times_and_stamp(tmp_path):
    import shutil

    import nbformat

    from affacrnn.book.times import read_times, record_times, stamp_parameters, times_line

    chapter = tmp_path / "04_data_labels_splits.ipynb"
    shutil.copy(book.BOOK_DIR / chapter.name, chapter)
    times_file = tmp_path / "_times.json"
    record_times([book.ChapterRun(chapter, chapter, 42.04)], smoke=True, corpus="ravdess", path=times_file)
    record_times([book.ChapterRun(chapter, chapter, 754.0)], smoke=False, corpus="ravdess", path=times_file)
    times = read_times(times_file)
    assert times["04_data_labels_splits"]["smoke"]["seconds"] == 42.0
    line = times_line("04_data_labels_splits", times)
    assert "smoke 42 s (" in line and "full 12.6 min (" in line
    assert stamp_parameters([chapter], times=times) == [chapter]
    assert stamp_parameters([chapter], times=times) == []  # already current: the file is left alone
    cells = nbformat.read(chapter, as_version=4).cells
    first = cells[1].source.splitlines()
    assert first[0] == line and first[1].startswith("SMOKE =")
    note = cells[0].source.splitlines()[2]
    assert "smoke mode" in note and "42 s measured" in note and "12.6 min measured" in note
    assert "not measured yet" in times_line("99_nothing", times)


def test_the_book_engine_waits_for_a_reply_in_short_steps(monkeypatch):
    """A reply the first long wait would miss is picked up by the next short one; a real hang still times out."""
    import asyncio
    from queue import Empty

    from affacrnn.book import engine

    calls = []

    class Channel:
        def __init__(self, replies):
            self.replies = list(replies)

        async def get_msg(self, timeout=None):
            calls.append(timeout)
            if self.replies and self.replies[0] is not None:
                return self.replies.pop(0)
            if self.replies:
                self.replies.pop(0)
            await asyncio.sleep(timeout or 0)  # as zmq's poll: nothing arrived within the timeout
            raise Empty

    async def parent_poll(self, msg_id, cell, timeout, task_poll_output_msg, task_poll_kernel_alive):
        return await self.kc.shell_channel.get_msg(timeout=timeout)  # nbclient's one long wait

    monkeypatch.setattr(engine.PapermillNotebookClient, "_async_poll_for_reply", parent_poll)
    monkeypatch.setattr(engine, "SHELL_POLL_S", 0.01)
    client = engine.BoundedPollClient.__new__(engine.BoundedPollClient)
    reply = {"parent_header": {"msg_id": "m"}}
    client.kc = type("KC", (), {"shell_channel": Channel([None, None, reply])})()
    got = asyncio.run(client._async_poll_for_reply("m", {}, 900, None, None))
    assert got is reply and calls == [0.01, 0.01, 0.01]
    assert "get_msg" not in vars(client.kc.shell_channel)  # the channel's own method again
    calls.clear()
    client.kc.shell_channel = Channel([])
    with pytest.raises(Empty):  # nothing ever comes: the cell's deadline still ends the wait
        asyncio.run(client._async_poll_for_reply("m", {}, 0.05, None, None))
    assert 2 <= len(calls) <= 10
    assert engine.register() == "affacrnn"
    from papermill.engines import papermill_engines

    assert papermill_engines.get_engine("affacrnn") is engine.BookEngine


def test_page_assets_keep_the_first_of_each_script():
    """The Sphinx hook drops a script whose file (checksum aside) or inline body came before, nothing else."""
    from types import SimpleNamespace

    from affacrnn.book.page_assets import one_of_each

    def _JavaScript(filename, **attributes):  # what Sphinx hands the hook: a file name or None, and attributes
        return SimpleNamespace(filename=filename, attributes=attributes)

    scripts = [_JavaScript("vendor/mathjax/tex-mml-chtml.js", defer="defer"), _JavaScript(None, body="const A = 1"),
               _JavaScript("vendor/require.js"), _JavaScript("vendor/mathjax/tex-mml-chtml.js?v=1"),
               _JavaScript(None, body="const A = 1"), _JavaScript(None, body="const B = 2")]
    context = {"script_files": scripts}
    one_of_each(None, "page", "page.html", context, None)
    assert context["script_files"] == [scripts[0], scripts[1], scripts[2], scripts[5]]
    assert len(scripts) == 6  # the builder's own list is left as it was


def test_fetch_widget_js_needs_npm_only_for_what_is_missing(tmp_path, monkeypatch):
    """Every file present: nothing is fetched (no npm needed); one missing and no npm: a message naming npm."""
    from affacrnn.book import page_assets

    targets = {t for files in page_assets.WIDGET_JS_PACKAGES.values() for n in files.values()
               for t in ((n,) if isinstance(n, str) else n)}
    for t in targets:
        path = tmp_path / t
        if t.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            (path / "x.woff2").write_bytes(b"x")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")
    monkeypatch.setattr(page_assets.shutil, "which", lambda name: None)
    assert len(page_assets.fetch_widget_js(tmp_path)) == len(targets)
    (tmp_path / "_static" / "vendor" / "require.js").unlink()
    with pytest.raises(AffacrnnError, match="npm not found"):
        page_assets.fetch_widget_js(tmp_path)


def test_book_environment_keeps_the_status_bar_honest(tmp_path, monkeypatch):
    """kernel_environment puts the book's kernel spec and a server setting first on Jupyter's paths;
    the setting keeps jupyter_server's untracked message types and adds ipykernel 7's subshell requests."""
    import json

    from affacrnn.book import kernel

    monkeypatch.setenv("AFFACRNN_CACHE", str(tmp_path / "cache"))
    env = kernel.kernel_environment({"JUPYTER_CONFIG_PATH": "/etc/mine", "JUPYTER_PATH": ""})
    config_dir = env["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert config_dir[1:] == ["/etc/mine"] and config_dir[0].startswith(str(tmp_path))
    untracked = json.loads((Path(config_dir[0]) / "jupyter_server_config.json").read_text())[
        "MappingKernelManager"]["untracked_message_types"]
    assert {"kernel_info_request", "debug_request", "comm_info_request"} <= set(untracked)  # the server's defaults kept
    assert set(kernel.SUBSHELL_MESSAGES) <= set(untracked) and "create_subshell_request" in untracked
    assert "execute_request" not in untracked and "comm_msg" not in untracked  # those still move the status bar
    assert (Path(env["JUPYTER_PATH"]) / "kernels" / "python3" / "kernel.json").is_file()
    assert f"export JUPYTER_CONFIG_PATH={config_dir[0]}" in book.lab_command()


def test_chapters_that_train_one_model_share_a_lane():
    """--jobs 2: chapters that train the same model run one after another in one lane (a later one loads
    the earlier one's model); the groups are balanced over the lanes by expected time; one job keeps reading order."""
    todo = book.chapters()
    by_stem = {c.stem[:2]: c for c in todo}
    assert {n for n, c in by_stem.items() if book.trains_live(c)} == {"06", "07", "08", "10", "11"}
    assert book.trains_live(by_stem["08"]) == book.trains_live(by_stem["10"]) == book.trains_live(by_stem["11"])
    seconds = {c.stem: 10.0 for c in todo} | {"08_fusion_attention": 80.0, "06_ub_bilstm": 70.0}
    two = book.lanes(todo, 2, seconds=seconds)
    assert len(two) == 2 and sorted(c for lane in two for c in lane) == sorted(todo)
    shared = next(lane for lane in two if by_stem["08"] in lane)
    assert by_stem["10"] in shared and by_stem["11"] in shared and by_stem["06"] not in shared
    assert all(lane == sorted(lane) for lane in two)  # reading order inside a lane
    loads = [sum(seconds[c.stem] for c in lane) for lane in two]
    assert max(loads) - min(loads) <= 70.0
    assert book.lanes(todo, 1) == [todo]
    with pytest.raises(ParameterError, match="`jobs` must be 1 or more"):
        book.run_chapters("unused", jobs=0)


def test_book_jobs_refusals(capsys):
    from affacrnn.cli.app import main

    assert main(["book", "--run", "out", "--record-times", "--jobs", "2"]) == 1
    assert "--record-times needs one chapter at a time" in capsys.readouterr().err
    assert main(["book", "--run", "out", "--jobs", "0"]) == 1
    assert "--jobs must be 1 or more; got 0." in capsys.readouterr().err


@pytest.mark.slow
def test_lanes_write_every_chapter_into_a_relative_out_dir(tmp_path, monkeypatch):
    """Two lanes, OUT given relative to the working directory: every chapter lands in OUT (papermill
    changes the working directory while a chapter runs; lanes in threads once wrote one under book/),
    and the caller's working directory is the same afterwards."""
    monkeypatch.chdir(tmp_path)
    runs = book.run_chapters("rel/out", only=["01", "02", "04"], jobs=2, progress=False)
    assert [r.chapter.stem[:2] for r in runs] == ["01", "02", "04"]
    assert sorted(p.name for p in (tmp_path / "rel" / "out").glob("*.ipynb")) == [r.chapter.name for r in runs]
    assert Path.cwd() == tmp_path and not (book.BOOK_DIR / "rel").exists()
