"""The field's standard acoustic features: openSMILE's eGeMAPS and ComParE, per utterance and per frame.

Beside the paper's librosa columns, speech-emotion research measures every new model against
openSMILE (audEERING; Eyben et al.): the **eGeMAPSv02** set (88 functionals of 25 low-level
descriptors chosen for affect: pitch, jitter, shimmer, loudness, formants, spectral slope, …) and
the **ComParE 2016** set (6373 functionals of 65 descriptors), each clip summarised by statistics
of its frames. An SVM on them, with each speaker z-normalised by their own statistics
(:mod:`affacrnn.evaluation.baselines.functionals`), is the yardstick chapter 9 holds AFF-ACRNN to.

Optional extra
    ``pip install 'affacrnn[opensmile]'`` (included in ``dev``). openSMILE's licence allows
    private, research and educational use, **not commercial use** (a commercial licence is sold
    by audEERING); affacrnn never needs it otherwise. Without it, every function here raises
    :class:`~affacrnn.errors.FeatureError` naming the extra to install.

=================  ===================  ===========================================  ==============
``feature_set``    openSMILE set        ``level="functionals"``                      ``"llds"``
=================  ===================  ===========================================  ==============
``"egemaps"``      eGeMAPSv02           ``(n, 88)``                                  ``(n, T, 25)``
``"compare"``      ComParE_2016         ``(n, 6373)``                                ``(n, T, 65)``
=================  ===================  ===========================================  ==============

Low-level descriptors (``"llds"``, 10 ms hop) are an alternative frame matrix to the paper's
librosa columns: each clip's first ``n_frames`` frames, shorter clips padded with zero rows (which
:func:`affacrnn.evaluation.baselines.frame_lengths` recognises as padding).

openSMILE and TensorFlow in one process
    openSMILE's native library must be loaded before TensorFlow's: loaded after it, its first
    extraction aborts the process with a corrupted heap (``malloc(): invalid size``; measured
    with opensmile 2.6.0 and TensorFlow 2.21). :func:`affacrnn._quiet.import_tensorflow` loads it
    first when the extra is installed; where TensorFlow got in first anyway (a notebook's own
    ``import keras``, a test module), :func:`opensmile_features` extracts in fresh worker processes
    instead, however openSMILE was imported afterwards.

Audio is decoded by :func:`affacrnn.data.audio.load_audio` at ``sr`` (default 16 kHz, the rate of
the corpora here) and handed to openSMILE as samples, so every format affacrnn reads works.
Results are cached like the librosa features (:mod:`affacrnn.features.cache`): one entry per
(file content, set, level, rate, frames, openSMILE version), written atomically, checked on read
and recomputed when damaged; files are processed in batches in parallel with joblib.

Notebook: book/09_baselines.ipynb
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from tqdm.auto import tqdm

from affacrnn.data.audio import load_audio
from affacrnn.errors import FeatureError, ParameterError
from affacrnn.features.cache import (
    content_hash,
    entry_path,
    load_entry,
    resolve_cache_dir,
    save_entry,
    table_paths,
)

__all__ = ["OPENSMILE_SETS", "OPENSMILE_LEVELS", "require_opensmile", "opensmile_available", "opensmile_names",
           "opensmile_features"]

#: Our name → (openSMILE feature set, functionals per clip, low-level descriptors per frame).
OPENSMILE_SETS: dict[str, tuple[str, int, int]] = {
    "egemaps": ("eGeMAPSv02", 88, 25),
    "compare": ("ComParE_2016", 6373, 65),
}
#: ``"functionals"``: one vector per clip; ``"llds"``: a frame matrix per clip.
OPENSMILE_LEVELS = ("functionals", "llds")
_EXTRA = ("openSMILE features need the optional extra: pip install 'affacrnn[opensmile]' (openSMILE's licence "
          "allows research and teaching, not commercial use)")
_BATCH = 16


def opensmile_available() -> bool:
    """Whether the ``opensmile`` package (the optional extra) is installed."""
    return importlib.util.find_spec("opensmile") is not None


def require_opensmile():
    """The ``opensmile`` module, or :class:`~affacrnn.errors.FeatureError` naming the extra to install."""
    try:
        return importlib.import_module("opensmile")
    except ImportError:
        raise FeatureError(_EXTRA + ".") from None


def _safe_in_process() -> bool:
    """Whether openSMILE can extract in this process: TensorFlow is not loaded, or openSMILE was loaded before it
    (``sys.modules`` keeps first-import order, and each package loads its native library when imported)."""
    if "tensorflow" not in sys.modules:
        return True
    order = list(sys.modules)
    return "opensmile" in sys.modules and order.index("opensmile") < order.index("tensorflow")


def _check(feature_set: str, level: str, n_frames: int) -> None:
    if feature_set not in OPENSMILE_SETS:
        raise ParameterError(f"`feature_set` must be one of {', '.join(map(repr, OPENSMILE_SETS))}; got "
                             f"{feature_set!r}. Pass e.g. feature_set='egemaps'.")
    if level not in OPENSMILE_LEVELS:
        raise ParameterError(f"`level` must be one of {', '.join(map(repr, OPENSMILE_LEVELS))}; got {level!r}. "
                             "Pass level='functionals' (one vector per clip) or 'llds' (frames).")
    if not isinstance(n_frames, (int, np.integer)) or isinstance(n_frames, bool) or n_frames < 1:
        raise ParameterError(f"`n_frames` must be an int >= 1; got {n_frames!r}. Pass e.g. n_frames=256.")


def _smile(feature_set: str, level: str):
    opensmile = require_opensmile()
    return opensmile.Smile(feature_set=getattr(opensmile.FeatureSet, OPENSMILE_SETS[feature_set][0]),
                           feature_level=getattr(opensmile.FeatureLevel,
                                                 "Functionals" if level == "functionals" else "LowLevelDescriptors"))


def opensmile_names(*, feature_set: str = "egemaps", level: str = "functionals") -> list[str]:
    """openSMILE's names of the values of one set and level (e.g. ``F0semitoneFrom27.5Hz_sma3nz_amean``)."""
    _check(feature_set, level, 1)
    return list(_smile(feature_set, level).feature_names)


def _shape(feature_set: str, level: str, n_frames: int) -> tuple[int, ...]:
    _, n_functionals, n_llds = OPENSMILE_SETS[feature_set]
    return (n_functionals,) if level == "functionals" else (n_frames, n_llds)


def _compute(paths: Sequence[str], entries: Sequence[str | None], feature_set: str, level: str, sr: int,
             n_frames: int) -> list[np.ndarray]:
    """Worker task: openSMILE on a batch of files, each result cached (runs in a joblib worker)."""
    smile = _smile(feature_set, level)
    out = []
    for path, entry in zip(paths, entries):
        y = load_audio(path, sr=sr)
        values = smile.process_signal(y, sr).to_numpy(dtype=np.float32)
        if level == "functionals":
            arr = values[0]
        else:
            arr = np.zeros((n_frames, values.shape[1]), np.float32)
            arr[: min(n_frames, len(values))] = values[:n_frames]
        # openSMILE leaves NaN where a descriptor is undefined
        arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
        if entry is not None:
            save_entry(Path(entry), arr)
        out.append(arr)
    return out


def opensmile_features(
    table: Any,
    *,
    feature_set: str = "egemaps",
    level: str = "functionals",
    sr: int = 16000,
    n_frames: int = 256,
    cache_dir: str | os.PathLike | None | bool = None,
    n_jobs: int | None = None,
    progress: bool = True,
) -> np.ndarray:
    """openSMILE features of every file of a corpus table (or list of paths), cached and in parallel.

    Parameters
    ----------
    table : pandas.DataFrame or sequence of path-like
        A corpus table (its ``path`` column) or the paths themselves.
    feature_set : {"egemaps", "compare"}
        eGeMAPSv02 or ComParE_2016 (module docstring).
    level : {"functionals", "llds"}
        One vector per clip, or its low-level descriptors frame by frame.
    sr : int
        Rate the audio is decoded at before openSMILE reads it.
    n_frames : int
        Frames kept per clip at ``level="llds"`` (zero rows pad shorter clips).
    cache_dir : path-like, bool or None
        As in :func:`affacrnn.features.cache.featurize_corpus` (``False``: no cache).
    n_jobs : int, optional
        joblib workers (default: one per core for more than one batch of files).
    progress : bool
        A tqdm bar over the files still to compute.

    Returns
    -------
    np.ndarray [shape=(n, d) or (n, n_frames, d), dtype=float32]
        In the table's row order; finite (openSMILE's undefined values become 0).

    Raises
    ------
    FeatureError
        The optional extra is missing (the message names it).
    ParameterError
        Unknown set or level; a table without paths.
    AudioError
        A file cannot be read (the message names it).

    Examples
    --------
    >>> X = opensmile_features(load_corpus("ravdess"), feature_set="egemaps")   # doctest: +SKIP
    >>> X.shape                                                                  # doctest: +SKIP
    (1440, 88)
    """
    _check(feature_set, level, n_frames)
    isolate = not _safe_in_process()
    if not isolate:
        require_opensmile()
    elif not opensmile_available():
        raise FeatureError(_EXTRA + ".")
    paths = table_paths(table)
    shape = _shape(feature_set, level, n_frames)
    root = resolve_cache_dir(cache_dir)
    version = metadata.version("opensmile")
    out: list[np.ndarray | None] = [None] * len(paths)
    todo: list[tuple[int, str, str | None]] = []
    for i, path in enumerate(paths):
        entry = None
        if root is not None:
            key = joblib.hash((content_hash(path, row=i), "opensmile", feature_set, level, sr,
                               n_frames if level == "llds" else None, version))
            entry = str(entry_path(root, key))
            out[i] = load_entry(Path(entry), shape)
        if out[i] is None:
            todo.append((i, str(path), entry))
    batches = [todo[k:k + _BATCH] for k in range(0, len(todo), _BATCH)]
    if batches:
        jobs = n_jobs if n_jobs is not None else (1 if len(batches) == 1 else -1)
        if isolate:  # at least two workers: joblib runs a single job in this process
            jobs = max(2, joblib.cpu_count() if jobs < 0 else jobs)
        bar = tqdm(total=len(todo), desc=f"openSMILE {feature_set}", unit="file", disable=not progress)
        calls = (joblib.delayed(_compute)([p for _, p, _ in b], [e for *_, e in b], feature_set, level, sr, n_frames)
                 for b in batches)
        with bar:
            for batch, arrays in zip(batches, joblib.Parallel(n_jobs=jobs, return_as="generator")(calls)):
                for (i, _, _), arr in zip(batch, arrays):
                    out[i] = arr
                bar.update(len(batch))
    return np.stack(out) if out else np.zeros((0, *shape), np.float32)
