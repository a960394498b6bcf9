"""Each cross-validation task in a process of its own, so that the same seed gives the same numbers.

Keras draws every layer's seed (initialisers, dropout) from Python's global ``random`` generator,
which ``keras.utils.set_random_seed`` seeds. Inside a Dask worker other threads (heartbeats,
retries with jitter, choosing a peer) draw from that same generator while a model is being built,
so which seeds a layer gets depends on timing: measured here, the same smoke fold of UB-BiLSTM
scored 22.5 % and 60.0 % accuracy in two runs on one worker, while in a plain process it scored
60.0 % every time. :func:`run_isolated` runs :func:`reproduction.crossval.run_task` in a
fresh Python process (``python -m reproduction.isolation IN OUT``, the function's name,
the task and its row passed as pickles), where no other thread draws; the child dies with its worker (Linux), and a
Ctrl-C is left to the process that started the run.

Why not ``concurrent.futures``: Dask's worker processes are daemons, and a daemon process may not
start multiprocessing children; a plain subprocess is allowed.

Notebook: book/08_fusion_attention.ipynb
"""
from __future__ import annotations

import ctypes
import importlib
import os
import pickle
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from affacrnn.errors import AffacrnnError

__all__ = ["run_isolated"]


def _die_with_parent(parent: int) -> None:
    """In the child: be killed when ``parent`` (the worker) dies; exit now if it already has.

    Set by the child itself after start-up, not in a ``preexec_fn``, which may deadlock in a
    process with threads (a Dask worker has several).
    """
    try:
        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the worker died before the line above
        sys.exit(1)


def run_isolated(task: Any, *, cache_dir: str | None = None,
                 function: str = "reproduction.crossval:run_task") -> dict:
    """Run ``function(task, cache_dir=cache_dir)`` (``"module:name"``) in a new Python process; return its row.

    Raises
    ------
    AffacrnnError
        The task failed in the child; the message holds the child's last error line.
    """
    with tempfile.TemporaryDirectory(prefix="affacrnn-task-") as tmp:
        given, taken = Path(tmp) / "task.pkl", Path(tmp) / "row.pkl"
        given.write_bytes(pickle.dumps((function, task, cache_dir)))
        proc = subprocess.run([sys.executable, "-m", "reproduction.isolation", str(given), str(taken),
                               str(os.getpid())], capture_output=True, text=True)
        if proc.returncode != 0 or not taken.is_file():
            lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
            raise AffacrnnError(f"crossval task {getattr(task, 'key', task)} failed (exit {proc.returncode}): "
                                f"{lines[-1] if lines else 'no message'}")
        return pickle.loads(taken.read_bytes())


def _main(argv: list[str]) -> int:
    _die_with_parent(int(argv[2]))
    function, task, cache_dir = pickle.loads(Path(argv[0]).read_bytes())
    module, name = function.split(":")
    row = getattr(importlib.import_module(module), name)(task, cache_dir=cache_dir)
    Path(argv[1]).write_bytes(pickle.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
