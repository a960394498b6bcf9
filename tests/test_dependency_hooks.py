"""The three places affacrnn reaches into a dependency's private parts, checked against the installed versions.

No public API does these jobs; pyproject.toml pins each dependency below its next major (or
minor) version, and these tests fail first if an upgrade inside the range moves what the code uses:

* ``affacrnn.book.engine`` overrides nbclient's ``NotebookClient._async_poll_for_reply`` (a bounded
  poll for a cell's reply, nbclient issue #312);
* ``affacrnn.cli.app._close_progress_bars`` closes the bars in ``tqdm.tqdm._instances`` after Ctrl-C;
* ``affacrnn.cli.app._stop_workers`` shuts down joblib's loky executor held in
  ``joblib.externals.loky.reusable_executor._executor`` (loky has a getter that creates one, none
  that only looks).

And one behaviour of the test tools themselves: ``tests/conftest.py`` collects the modules whose
module-scoped fixtures train a model first, because xdist's ``--dist worksteal`` hands each worker a
contiguous block of the collection and steals only from the tail of a block, so the head of the
first block runs whole on one worker and each such model trains once a run.
"""
from __future__ import annotations

import inspect
import subprocess
import sys
import time

from affacrnn.cli import app


def test_nbclient_still_waits_for_a_reply_in_the_method_the_book_engine_overrides():
    from nbclient import NotebookClient

    from affacrnn.book.engine import BoundedPollClient

    ours = inspect.signature(BoundedPollClient._async_poll_for_reply)
    theirs = inspect.signature(NotebookClient._async_poll_for_reply)
    assert list(ours.parameters) == list(theirs.parameters)
    source = inspect.getsource(NotebookClient._async_poll_for_reply)
    assert "shell_channel.get_msg" in source  # the call the override bounds
    assert "_async_poll_for_reply" in inspect.getsource(NotebookClient.async_execute_cell)


def test_tqdm_keeps_open_bars_where_the_cli_closes_them(capsys):
    from tqdm import tqdm

    bar = tqdm(total=3, desc="left open")
    assert bar in tqdm._instances
    app._close_progress_bars()
    assert bar not in tqdm._instances  # closed: a closed bar leaves the set


def test_loky_keeps_its_reusable_executor_where_the_cli_stops_it():
    from joblib.externals.loky import get_reusable_executor

    executor = get_reusable_executor(max_workers=1)
    assert executor.submit(sum, [1, 2]).result() == 3
    module = sys.modules["joblib.externals.loky.reusable_executor"]
    assert module._executor is executor
    processes = list(executor._processes.values())
    app._stop_workers()
    # Asked by process id, not p.is_alive(): loky's own thread reaps the killed worker too, and a Process whose
    # child another thread reaped can report itself alive for good (that made this test fail about 1 run in 6).
    deadline = time.monotonic() + 60
    while any(_running(p.pid) for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(p.pid) for p in processes)


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (killed, waiting to be reaped)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_xdist_worksteal_runs_the_head_of_the_collection_on_one_worker(tmp_path):
    """The first module of the collection runs whole on one worker under ``-n 2 --dist worksteal``, however the
    rest is stolen back and forth (what ``conftest.TRAINED_FIXTURE_MODULES`` relies on)."""
    (tmp_path / "test_a_first.py").write_text(
        "import os\nimport time\n\n\n"
        + "".join(f"def test_{i}():\n    time.sleep(0.1)\n    open({str(tmp_path / 'first')!r} + '{i}', 'w')"
                  ".write(os.environ['PYTEST_XDIST_WORKER'])\n\n\n" for i in range(4)))
    (tmp_path / "test_b_rest.py").write_text(
        "import time\n\n\n" + "".join(f"def test_{i}():\n    time.sleep(0.05)\n\n\n" for i in range(100)))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "worksteal", "-p", "no:cacheprovider",
                           "-q", str(tmp_path)], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:]
    workers = {(tmp_path / f"first{i}").read_text() for i in range(4)}
    assert len(workers) == 1, f"the first module ran on {sorted(workers)}: xdist's worksteal no longer keeps a block's head"
