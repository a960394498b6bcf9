"""Provenance of a run: versions, machine, settings, git commit, peak memory (atomic writes: :mod:`affacrnn._io`).

Every results file and saved model records :func:`environment` so a number can be traced to the
code, libraries and machine that produced it; training runs record their peak resident memory
(:func:`peak_memory_mb`, reset per run with :func:`reset_peak_memory`).

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import datetime as _dt
import os
import platform
import resource
import subprocess
import sys
from importlib import metadata
from typing import Any

from affacrnn._io import (  # re-exported: the public writers
    atomic_write_json,
    atomic_write_text,
    strict_json,
    to_jsonable,
)
from affacrnn.settings import REPO_ROOT, cache_dir, data_root

__all__ = ["environment", "git_commit", "reset_peak_memory", "peak_memory_mb", "atomic_write_text", "atomic_write_json",
           "strict_json", "to_jsonable", "PACKAGES"]

#: Libraries whose versions are recorded.
PACKAGES = ("affacrnn", "numpy", "pandas", "scipy", "librosa", "soundfile", "scikit-learn",
            "tensorflow", "keras", "joblib", "hmmlearn", "tslearn")


def git_commit() -> str | None:
    """The repository's HEAD commit (with ``-dirty`` if the tree has changes), or None outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("-dirty" if dirty else "")


def environment() -> dict[str, Any]:
    """Versions, machine, settings and commit, as a JSON-able dict."""
    versions = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "commit": git_commit(),
        "command": " ".join(sys.argv),
        "data_root": str(data_root()),
        "cache_dir": str(cache_dir()),
        "packages": versions,
    }


def reset_peak_memory() -> bool:
    """Start a new peak-memory measurement for this process; False where the OS cannot.

    Linux resets a process's high-water mark (``VmHWM``) when ``5`` is written to
    ``/proc/self/clear_refs``; elsewhere the peak stays the process's lifetime peak.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_memory_mb() -> float:
    """Peak resident memory of this process in MiB since :func:`reset_peak_memory` (else since start)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
