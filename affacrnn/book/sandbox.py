"""Where a student's notebook runs when it is graded: a scratch folder, a sandbox, a time limit.

``affacrnn book --grade`` executes code it did not write. Each submission therefore runs

* in a **scratch folder** of its own (the working directory, ``HOME``, the feature cache, numba's
  and matplotlib's caches, Jupyter's runtime files), deleted afterwards, so one student's run
  cannot leave anything for the next one's;
* under **bubblewrap** (``bwrap``, Debian package ``bubblewrap``) when it can start here: the
  system, Python and the package are mounted read-only, the data root read-only, the scratch
  folder read-write, and nothing else is there at all (the teacher's home, the other
  submissions, the grades); the package's answers module (:mod:`affacrnn.book.answers`) is
  replaced by an empty file; the kernel gets its own process-id namespace, so every process it
  starts, even in a new session, dies with it;
* under a **time limit for the whole notebook**, after which its whole process tree is killed
  (a cell that ignores Ctrl-C cannot hold the grading up).

The grade itself is never decided inside the sandbox: :mod:`affacrnn.book.classroom` reads the
answers back and compares them, in its own process, with those of a reference run of the
teacher's chapter. What stays trusted is written in the README ("Grading a class").

No library does this for notebooks without a container engine: otter-grader needs Docker,
nbgrader runs the notebook with the teacher's rights. bubblewrap is the unprivileged sandbox
Flatpak uses; this module only builds its command line.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from affacrnn._io import atomic_write_text
from affacrnn._numba import prepare as prepare_numba
from affacrnn.book.exercises import GRADING_ENV
from affacrnn.book.kernel import KERNEL_ENV
from affacrnn.settings import REPO_ROOT, data_root

__all__ = ["GRADING_ENV", "KERNEL_NAME", "ProcessTree", "Sandbox", "bubblewrap", "prepare"]

#: The kernel spec name a grading run uses (written into the scratch folder, never installed).
KERNEL_NAME = "affacrnn-grading"

#: The scratch folder's parts a notebook may write.
_WRITABLE = ("work", "home", "cache", "ipython", "mpl")
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")


@functools.lru_cache(maxsize=1)
def bubblewrap() -> str | None:
    """The ``bwrap`` executable when it can start a sandbox on this machine, else ``None``.

    Tried once per process: found on ``PATH`` and able to run ``true`` in a new process-id
    namespace (a kernel without user namespaces, or a container that forbids them, cannot).
    """
    path = shutil.which("bwrap")
    if path is None:
        return None
    probe = [path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid",
             "--die-with-parent", "true"]
    try:
        ok = subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return path if ok else None


@dataclass(frozen=True)
class Sandbox:
    """One submission's scratch folder and the kernel spec that runs inside it.

    Attributes
    ----------
    root : pathlib.Path
        The scratch folder; everything the run writes lands under it.
    work : pathlib.Path
        The notebook's working directory (``root/work``).
    jupyter_path : pathlib.Path
        Put first on ``JUPYTER_PATH``: holds the :data:`KERNEL_NAME` kernel spec.
    runtime : pathlib.Path
        ``JUPYTER_RUNTIME_DIR`` for the grader: the kernel's connection file goes here.
    isolated : bool
        True when the kernel runs under bubblewrap; False: only the scratch folder, the time
        limit and the process-tree kill apply (the kernel has the grader's rights).
    argv : list of str
        The kernel's command line, as written into the spec.
    """

    root: Path
    work: Path
    jupyter_path: Path
    runtime: Path
    isolated: bool
    argv: list[str] = field(default_factory=list)


#: Folders of a checkout that the chapters read (mounted read-only when grading from one): the
#: committed results, the chapters, the demo corpus and the reproduction package they import.
CHECKOUT_FOLDERS = ("results", "book", "data", "reproduction")

def _bwrap_argv(bwrap: str, root: Path, *, read_only: Iterable[Path], hidden: Iterable[Path],
                env: dict[str, str]) -> list[str]:
    argv = [bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    for path in _SYSTEM:
        argv += ["--ro-bind-try", path, path]
    seen: set[str] = set(_SYSTEM)
    for path in read_only:
        text = str(path)
        if text not in seen and path.exists():
            seen.add(text)
            argv += ["--ro-bind", str(path.resolve()), text]
    argv += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for name in _WRITABLE:
        argv += ["--bind", str(root / name), str(root / name)]
    argv += ["--ro-bind", str(root / "runtime"), str(root / "runtime")]
    empty = root / "grader" / "empty.py"  # outside every writable mount: the notebook cannot fill it
    for path in hidden:
        if path.is_dir():
            argv += ["--tmpfs", str(path)]
        elif path.exists():
            argv += ["--ro-bind", str(empty), str(path)]
    for name, value in env.items():
        argv += ["--setenv", name, value]
    # ipykernel polls the parent process named here and stops when it is gone; inside the new
    # process-id namespace that id means nothing (--die-with-parent does the same job).
    argv += ["--unsetenv", "JPY_PARENT_PID"]
    return argv + ["--chdir", str(root / "work")]


def _python_paths() -> list[Path]:
    """Where this Python, its libraries and the package live (mounted read-only in the sandbox)."""
    paths = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), Path(os.path.realpath(sys.executable)).parent.parent]
    paths += [Path(p) for p in sys.path if p and Path(p).is_dir() and Path(p).resolve() != Path.cwd().resolve()]
    paths.append(Path(__file__).resolve().parents[1])  # the package itself
    if (REPO_ROOT / "pyproject.toml").is_file():  # a checkout: the chapters read its folders
        paths += [REPO_ROOT / name for name in CHECKOUT_FOLDERS]
    return paths


def _answers_files() -> list[Path]:
    source = Path(__file__).resolve().with_name("answers.py")  # affacrnn.book.answers
    return [source, source.parent / "__pycache__"]


def prepare(root: str | os.PathLike, *, hidden: Iterable[str | os.PathLike] = (), isolate: bool = True) -> Sandbox:
    """Make the scratch folder ``root`` and the kernel spec that runs a notebook inside it.

    Parameters
    ----------
    root : path-like
        An empty folder of the grader's (e.g. a :class:`tempfile.TemporaryDirectory`).
    hidden : iterable of path-like
        More paths the kernel must not see even if they lie under a read-only mount (the
        submissions folder, the grades' output folder).
    isolate : bool
        Use bubblewrap when it can start (default); False runs the kernel with the grader's rights.

    Returns
    -------
    Sandbox
    """
    root = Path(root).resolve()
    dirs = {name: root / name for name in (*_WRITABLE, "jupyter", "runtime", "grader")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    (dirs["grader"] / "empty.py").write_text("", encoding="utf-8")
    # librosa's numba kernels, compiled once by the grader and copied (a notebook may spoil its copy
    # only): compiling them in every sandbox would cost half a minute before the kernel answers.
    shutil.copytree(prepare_numba(progress=False), dirs["cache"] / "numba", dirs_exist_ok=True)
    env = {
        **KERNEL_ENV,
        GRADING_ENV: "1",
        "HOME": str(dirs["home"]),
        "AFFACRNN_CACHE": str(dirs["cache"]),
        "NUMBA_CACHE_DIR": str(dirs["cache"] / "numba"),
        "MPLCONFIGDIR": str(dirs["mpl"]),
        "IPYTHONDIR": str(dirs["ipython"]),
        "XDG_CACHE_HOME": str(dirs["cache"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "TMPDIR": "/tmp",
        "AFFACRNN_DATA": str(data_root()),
    }
    kernel = [sys.executable, "-m", "affacrnn.book.kernel", "-f", "{connection_file}"]
    bwrap = bubblewrap() if isolate else None
    if bwrap is not None:
        read_only = [*_python_paths(), data_root()]
        hide = [*_answers_files(), *(Path(p).resolve() for p in hidden)]
        argv = _bwrap_argv(bwrap, root, read_only=read_only, hidden=hide, env=env) + kernel
    else:
        argv = kernel
    spec = {"argv": argv, "display_name": "affacrnn grading sandbox", "language": "python", "env": env}
    atomic_write_text(dirs["jupyter"] / "kernels" / KERNEL_NAME / "kernel.json", json.dumps(spec, indent=1) + "\n")
    return Sandbox(root=root, work=dirs["work"], jupyter_path=dirs["jupyter"], runtime=dirs["runtime"],
                   isolated=bwrap is not None, argv=argv)


class ProcessTree:
    """Every process seen below a kernel while it ran, so that all of them can be killed at the end.

    A process a notebook starts in a new session (``start_new_session=True``) leaves the kernel's
    process group and, once the kernel exits, its tree too: :meth:`watch`, called every half
    second while the kernel runs, remembers it while it is still a child. (Under bubblewrap the
    process-id namespace already ends them all with the kernel.)
    """

    def __init__(self) -> None:
        self._procs: dict[int, psutil.Process] = {}

    def watch(self, pid: int | None) -> None:
        """Remember ``pid`` and every process below it now."""
        if pid is None:
            return
        try:
            top = psutil.Process(pid)
            for proc in [top, *top.children(recursive=True)]:
                self._procs.setdefault(proc.pid, proc)
        except psutil.Error:
            pass

    def kill(self) -> int:
        """SIGKILL every remembered process still running (the same process, not a reused id).

        Returns
        -------
        int
            How many were killed.
        """
        alive = [p for p in self._procs.values() if p.is_running()]
        for proc in alive:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGKILL)
        psutil.wait_procs(alive, timeout=5)
        return len(alive)
