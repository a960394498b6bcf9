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
folder of affacrnn's cache; :func:`kernel_environment` puts that folder first on ``JUPYTER_PATH``,
and :func:`server_config_dir` first on ``JUPYTER_CONFIG_PATH``: a Jupyter server setting that keeps
JupyterLab's status bar honest (:data:`SUBSHELL_MESSAGES`).
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

__all__ = ["KERNEL_ENV", "CHECK_FIGURES_ENV", "FIGURE_HOOK", "SUBSHELL_MESSAGES", "log_path", "kernel_spec_dir", "server_config_dir", "kernel_environment", "main"]

#: Environment of the book's kernels: TensorFlow's own filters (they still hide what comes after
#: absl's initialisation), and matplotlib drawing inline even when the caller set ``MPLBACKEND``.
KERNEL_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}

_MAX_LOG_BYTES = 1_000_000

#: Set (to anything) in the kernel's environment: every figure pyplot creates is checked for
#: overlapping or cut-off text as it is drawn (:mod:`affacrnn.book.figure_check`); book runs set it.
CHECK_FIGURES_ENV = "AFFACRNN_CHECK_FIGURES"
#: That check as matplotlib's ``rcParams["figure.hooks"]`` names it.
FIGURE_HOOK = "affacrnn.book.figure_check:watch"

#: Kernel requests whose busy/idle JupyterLab's status bar must not read as the kernel's state.
#: ipykernel 7 answers subshell requests (JupyterLab's widget manager sends one when a widget opens
#: a comm) on the control channel, with busy/idle on iopub; jupyter_server's list of such untracked
#: requests predates subshells, so the status bar said "Idle" while a chapter's cells ran (the stock
#: kernel too: measured in JupyterLab 4.6 with ipykernel 7.4). :func:`server_config_dir` adds them.
SUBSHELL_MESSAGES = tuple(f"{verb}_subshell_{kind}" for verb in ("create", "delete", "list")
                          for kind in ("request", "reply"))


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


def server_config_dir() -> Path | None:
    """Write (if needed) a ``jupyter_server_config.json`` adding :data:`SUBSHELL_MESSAGES` to the
    server's untracked message types; return its folder (None without jupyter_server, i.e. no JupyterLab)."""
    try:
        from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
    except ImportError:  # the `book` extra is not installed
        return None
    untracked = list(MappingKernelManager.class_traits()["untracked_message_types"].default())
    untracked += [m for m in SUBSHELL_MESSAGES if m not in untracked]
    root = cache_dir() / "jupyter-config"
    path = root / "jupyter_server_config.json"
    text = json.dumps({"MappingKernelManager": {"untracked_message_types": untracked}}, indent=1) + "\n"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        atomic_write_text(path, text)
    return root


def _first_on(env: dict[str, str], name: str, folder: Path | None) -> None:
    if folder is not None:
        rest = [p for p in env.get(name, "").split(os.pathsep) if p and p != str(folder)]
        env[name] = os.pathsep.join([str(folder), *rest])


def kernel_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default ``os.environ``) with the book's kernel spec first on ``JUPYTER_PATH`` and
    its server setting first on ``JUPYTER_CONFIG_PATH``.

    Use it as the environment of papermill or JupyterLab; their ``python3`` kernels then start
    through this launcher.
    """
    env = dict(os.environ if base is None else base)
    _first_on(env, "JUPYTER_PATH", kernel_spec_dir())
    _first_on(env, "JUPYTER_CONFIG_PATH", server_config_dir())
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

    extra = ["--IPKernelApp.capture_fd_output=False"]
    if os.environ.get(CHECK_FIGURES_ENV):
        extra.append(f"--IPKernelApp.exec_lines=import matplotlib; matplotlib.rcParams['figure.hooks'].append({FIGURE_HOOK!r})")
    launch_new_instance(argv=[*args, *extra])


if __name__ == "__main__":  # pragma: no cover - started by Jupyter
    main()
