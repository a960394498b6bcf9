"""A training run's resume folder: which run it belongs to, whether it can be read, and room on disk.

``affacrnn train --out X`` keeps ``X/state/`` (Keras ``BackupAndRestore`` checkpoints and the
best weights) so that a killed run continues where it stopped. Three things can go wrong there,
and each is refused before any training, with the fix in the message:

* **another run's state**: the same ``--out`` with another corpus, config or version of the code
  would resume *that* run's weights (or fail inside Keras on other shapes). ``state/run.json``
  records the run's identity (its config, the corpus fingerprint, the code's versions); a resume
  must match it. ``--no-resume`` starts over in the folder.
* **a damaged state**: a checkpoint cut short (a full disk, a killed writer) cannot be opened;
  every HDF5 file of the state is opened before a resume.
* **no room**: a checkpoint written on a full disk can crash HDF5 itself (a segmentation fault);
  the room the run's checkpoints need is checked before it starts.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

import json
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from affacrnn._io import atomic_write_json
from affacrnn._quiet import load_keras
from affacrnn.errors import AffacrnnError, ParameterError
from affacrnn.features.frames import FEATURES_VERSION

__all__ = ["RUN_FILE", "run_identity", "claim", "check_readable", "check_space"]

#: The file in the state folder that says which run the state belongs to.
RUN_FILE = "run.json"
#: Copies of the weights a run keeps on disk at once: two Keras backups (each with the optimizer's
#: two moments), the best weights, and the model file written at the end.
_COPIES = 2 * 3 + 1 + 1


def run_identity(config, corpus: dict[str, Any] | None) -> dict[str, Any]:
    """What makes two runs the same run: the config, the corpus fingerprint and the code's versions."""
    try:
        package = version("affacrnn")
    except PackageNotFoundError:  # run from a checkout that was never installed
        package = "unknown"
    return {"config": config.to_dict(), "corpus": corpus,
            "code": {"affacrnn": package, "features": FEATURES_VERSION, "keras": load_keras().__version__}}


def _differences(stored: dict[str, Any], identity: dict[str, Any]) -> list[str]:
    out = [f"config.{k}" for k in sorted(set(stored.get("config", {})) | set(identity["config"]))
           if stored.get("config", {}).get(k) != identity["config"].get(k)]
    if stored.get("corpus") != identity["corpus"]:
        out.append("the corpus")
    if stored.get("code") != identity["code"]:
        out.append("the code's version")
    return out


def claim(state: Path, identity: dict[str, Any], *, resume: bool) -> None:
    """Make ``state`` this run's resume folder, or refuse (nothing changed) when it holds another run's.

    Parameters
    ----------
    state : pathlib.Path
        ``OUT/state``.
    identity : dict
        :func:`run_identity` of the run about to train.
    resume : bool
        False: whatever is in ``state`` is deleted and the run starts over.

    Raises
    ------
    ParameterError
        ``state`` belongs to another run (its config, corpus or code differ), or was left by a
        version of affacrnn that did not record its run.
    AffacrnnError
        A checkpoint in ``state`` cannot be read (see :func:`check_readable`).
    """
    if state.exists() and not resume:
        shutil.rmtree(state)
    if state.exists() and any(state.iterdir()):
        run_file = state / RUN_FILE
        try:
            stored = json.loads(run_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = None
        out = state.parent
        if stored is None:
            raise ParameterError(f"{out} holds an interrupted run that did not record what it was ({run_file} is "
                                 "missing or unreadable), so it cannot be resumed safely; nothing was changed. Pass "
                                 "--no-resume (resume=False) to start over there, or choose another --out.")
        differ = _differences(stored, identity)
        if differ:
            raise ParameterError(f"{out} holds an interrupted run of another configuration ({', '.join(differ[:6])} "
                                 "differ); nothing was changed. Pass --no-resume (resume=False) to start over there, "
                                 "or choose another --out.")
        check_readable(state)
    state.mkdir(parents=True, exist_ok=True)
    atomic_write_json(state / RUN_FILE, identity)


def check_readable(state: Path) -> None:
    """Open every HDF5 checkpoint under ``state``; raise :class:`AffacrnnError` naming the first that fails."""
    import h5py

    for path in sorted(state.rglob("*.h5")):
        try:
            with h5py.File(path, "r") as fh:
                fh.visit(lambda name: None)
        except (OSError, RuntimeError, ValueError) as exc:
            reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            raise AffacrnnError(f"the resume state {path} is damaged ({reason}): the run that wrote it was cut "
                                f"short. Pass --no-resume (resume=False) to start over, or delete {state}.") from None


def check_space(folder: Path, *, n_params: int) -> None:
    """Refuse to train into ``folder`` when its disk cannot hold the run's checkpoints.

    Parameters
    ----------
    folder : pathlib.Path
        Where the checkpoints go (existing).
    n_params : int
        The network's parameter count (float32 weights).
    """
    need = n_params * 4 * _COPIES + (1 << 20)
    free = shutil.disk_usage(folder).free
    if free < need:
        raise ParameterError(f"{folder}: {free / 2**20:.1f} MiB free, and this run's checkpoints and model need "
                             f"about {need / 2**20:.1f} MiB. Free disk space or pass another --out.")
