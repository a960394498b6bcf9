"""The papermill engine the book runs its chapters with: papermill's own, minus a lost wake-up.

nbclient waits for a cell's ``execute_reply`` with one ``shell_channel.get_msg(timeout=...)``
call as long as the whole cell timeout. On a busy machine that wait sometimes misses the reply
(the zmq poll is not woken when it arrives) and returns only when the timeout runs out: chapter
11's voice-widget cell, done in 0.5 s, was reported after exactly the 900 s cell timeout, with no
error (nbclient issue #312, "when cell contains ipywidget, execute cell will sometimes block";
its fix, PR #311, is not released). This engine polls the shell channel in short steps instead
(:data:`SHELL_POLL_S`) until the same deadline, so a missed wake-up costs at most one step and a
cell that really hangs still times out as before. Everything else is papermill's ``nbclient``
engine; :func:`affacrnn.book.build.run_chapter` names it (:data:`ENGINE_NAME`).

No library does this: the bounded poll has to sit inside nbclient's wait for the reply, which
only a subclass of its client can reach.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

from queue import Empty
from time import monotonic
from typing import Any

from nbclient.util import ensure_async
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

__all__ = ["ENGINE_NAME", "SHELL_POLL_S", "BoundedPollClient", "BookEngine", "register"]

#: The name :func:`register` gives the engine in papermill's registry.
ENGINE_NAME = "affacrnn"
#: Seconds of one wait on the shell channel before it is polled again.
SHELL_POLL_S = 1.0


class BoundedPollClient(PapermillNotebookClient):
    """papermill's notebook client, waiting for each reply in steps of :data:`SHELL_POLL_S`."""

    async def _async_poll_for_reply(self, msg_id, cell, timeout, task_poll_output_msg, task_poll_kernel_alive):
        channel = self.kc.shell_channel
        whole_wait = channel.get_msg

        async def stepped_get_msg(timeout: float | None = None, **kwargs: Any):
            deadline = None if timeout is None else monotonic() + timeout
            while True:
                left = SHELL_POLL_S if deadline is None else max(0.0, deadline - monotonic())
                try:
                    return await ensure_async(whole_wait(timeout=min(SHELL_POLL_S, left), **kwargs))
                except Empty:
                    if deadline is not None and monotonic() >= deadline:
                        raise  # the cell's own timeout: nbclient handles it as before

        channel.get_msg = stepped_get_msg
        try:
            return await super()._async_poll_for_reply(msg_id, cell, timeout, task_poll_output_msg,
                                                       task_poll_kernel_alive)
        finally:
            del channel.get_msg  # the channel's own method again


class BookEngine(NBClientEngine):
    """papermill's ``nbclient`` engine with :class:`BoundedPollClient` as its client."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        # the same arguments papermill's NBClientEngine passes its client (papermill 2.x)
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        return BoundedPollClient(nb_man, **final_kwargs).execute()


def register() -> str:
    """Add the engine to papermill's registry (idempotent); return its name for ``engine_name=``."""
    papermill_engines.register(ENGINE_NAME, BookEngine)
    return ENGINE_NAME
