"""The three places affacrnn reaches into a dependency's private parts, checked against the installed versions.

No public API does these jobs; pyproject.toml pins each dependency below its next major (or
minor) version, and these tests fail first if an upgrade inside the range moves what the code uses:

* ``affacrnn.book.engine`` overrides nbclient's ``NotebookClient._async_poll_for_reply`` (a bounded
  poll for a cell's reply, nbclient issue #312);
* ``affacrnn.cli.app._close_progress_bars`` closes the bars in ``tqdm.tqdm._instances`` after Ctrl-C;
* ``affacrnn.cli.app._stop_workers`` shuts down joblib's loky executor held in
  ``joblib.externals.loky.reusable_executor._executor`` (loky has a getter that creates one, none
  that only looks).
"""
from __future__ import annotations

import inspect
import sys

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
    for p in processes:
        p.join(timeout=10)
        assert not p.is_alive()
