"""The book's Jupyter kernel: ipykernel, minus TensorFlow's native start-up chatter.

TensorFlow 2.21's native code writes to file descriptor 2 when it loads and when it first
probes for a GPU (``WARNING: All log messages before absl::InitializeLog() ...``, oneDNN notes,
``Could not find cuda drivers``, ``failed call to cuInit``). absl prints everything that comes
before its ``InitializeLog`` whatever ``TF_CPP_MIN_LOG_LEVEL`` says, and setting it from Python
after start-up is too late. A stock kernel forwards descriptor 2 into the notebook, so every
chapter that touches a model shows a red stderr box; papermill prints ipykernel's "running over
TCP without encryption" warning for every chapter.

This launcher fixes both before ipykernel starts, where it is safe (redirecting descriptor 2
*inside* a running kernel races ipykernel's own capture of it and once deadlocked papermill):

1. descriptor 2 of the kernel process goes to a log file (:func:`log_path`), and ipykernel is
   told not to capture descriptor-level output (``capture_fd_output=False``). Python-level
   ``sys.stderr`` (warnings, tracebacks, tqdm) still reaches the notebook as before; only native
   libraries' own writes go to the log.
2. librosa's numba kernels are prepared under affacrnn's lock (:func:`affacrnn._numba.prepare`),
   so kernels started together in a classroom cannot corrupt numba's cache.

:func:`kernel_spec_dir` writes a kernel spec named ``python3`` that runs this launcher, in a
folder of affacrnn's cache; :func:`kernel_environment` puts that folder first on ``JUPYTER_PATH``.
``affacrnn book --run/--html`` (papermill) and ``affacrnn book --lab`` use it, so the chapters'
own metadata (kernel ``python3``) stays as it is and a plain ``jupyter lab`` still works.
Chapter 01 (preface) says how a reader opens the book.

Run it as Jupyter does: ``python -m affacrnn.book.kernel -f CONNECTION_FILE``.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from affacrnn._io import atomic_write_text
from affacrnn._numba import prepare
from affacrnn.settings import cache_dir

__all__ = ["KERNEL_ENV", "log_path", "kernel_spec_dir", "kernel_environment", "main"]

#: Environment of the book's kernels: TensorFlow's own filters (they still hide what comes after
#: absl's initialisation), and matplotlib drawing inline even when the caller set ``MPLBACKEND``.
KERNEL_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}

_MAX_LOG_BYTES = 1_000_000


def log_path() -> Path:
    """Where the book's kernels write native libraries' stderr: ``<AFFACRNN_CACHE>/logs/kernel-stderr.log``."""

    return cache_dir() / "logs" / "kernel-stderr.log"


def kernel_spec_dir() -> Path:
    """Write (if needed) the ``python3`` kernel spec that runs this launcher; return its data folder.

    Returns
    -------
    pathlib.Path
        A folder to put first on ``JUPYTER_PATH``; it holds ``kernels/python3/kernel.json``.
    """

    root = cache_dir() / "jupyter"
    spec = {
        "argv": [sys.executable, "-m", "affacrnn.book.kernel", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel, affacrnn)",
        "language": "python",
        "env": KERNEL_ENV,
        "metadata": {"debugger": True},
    }
    path = root / "kernels" / "python3" / "kernel.json"
    text = json.dumps(spec, indent=1) + "\n"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        atomic_write_text(path, text)
    return root


def kernel_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default ``os.environ``) with the book's kernel spec first on ``JUPYTER_PATH``.

    Use it as the environment of papermill or JupyterLab; their ``python3`` kernels then start
    through this launcher.
    """
    env = dict(os.environ if base is None else base)
    folder = str(kernel_spec_dir())
    rest = [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p and p != folder]
    env["JUPYTER_PATH"] = os.pathsep.join([folder, *rest])
    return env


def _redirect_stderr() -> None:
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.stat().st_size > _MAX_LOG_BYTES:
            path.unlink()
    except FileNotFoundError:
        pass
    sys.stderr.flush()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.write(fd, f"--- kernel pid {os.getpid()}\n".encode())
    os.dup2(fd, 2)
    os.close(fd)


def main(argv: list[str] | None = None) -> None:
    """Start an ipykernel with the settings above (``argv``: ipykernel's own, e.g. ``-f FILE``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    for name, value in KERNEL_ENV.items():
        os.environ.setdefault(name, value)
    _redirect_stderr()

    prepare(progress=True)  # its one line, if any, goes to the log
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance(argv=[*args, "--IPKernelApp.capture_fd_output=False"])


if __name__ == "__main__":  # pragma: no cover - started by Jupyter
    main()
