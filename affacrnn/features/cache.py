"""Featurise a whole corpus: parallel over files, cached on disk, in table row order.

:func:`featurize` turns a corpus table (one row per utterance, a ``path`` column) into the
two inputs of AFF-ACRNN (paper §3): the ``(n, 256, D)`` feature tensor of the UB-BiLSTM branch
and the ``(n, size, size)`` spectrum graphs of the SBCNN branch, one STFT per clip
(:func:`affacrnn.features.spectrogram.extract_all`), with each clip's real frame count on request
and a report of what the cache held. It reads the cache first (:func:`_read_cached`), then computes
what is missing (:func:`_compute_missing`). :func:`featurize_corpus` is the same as a tuple
``(X, G)`` (the short form of the chapters and the top-level API).

Parallelism
    Files are grouped into batches (several files per task, to keep scheduling overhead small)
    and run with :class:`joblib.Parallel`. ``backend=None`` uses joblib's default (process-based
    ``loky``) or whatever backend is active, so the same call runs on a Dask cluster::

        from dask.distributed import Client
        client = Client("tcp://scheduler:8786")
        with joblib.parallel_backend("dask"):
            out = featurize(table, config=FeatureConfig())

Cache
    One ``.npy`` file per (recording, what was computed): features are keyed by a hash of the
    file's bytes (:func:`content_hash`), the :class:`~affacrnn.features.frames.FeatureConfig`,
    :data:`~affacrnn.features.frames.FEATURES_VERSION` and the librosa version; graphs by the content,
    the STFT parameters, the image size, the frequency scale and :data:`GRAPH_VERSION`. Changing any of these misses
    the cache, so stale features are never returned, even for a file replaced with its size and
    modification time kept; a corpus moved to another folder still hits. Entries are written to a temporary file in the same folder and renamed into
    place (:func:`os.replace`, atomic on POSIX and Windows), so a process killed mid-write leaves
    no entry, only an ignored ``.tmp-*`` file. Each entry carries a checksum of its bytes
    (:mod:`affacrnn.features.entries`); an entry that fails it, fails to load or has the wrong
    shape/dtype is recomputed and overwritten. The default folder is
    ``affacrnn.settings.cache_dir() / "features"`` (``$AFFACRNN_CACHE``).

Notebook: book/05_features.ipynb
"""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import math
import os
import tempfile
import time
import warnings
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from tqdm.auto import tqdm

from affacrnn._numba import prepare as prepare_numba
from affacrnn.data.audio import load_audio
from affacrnn.errors import AffacrnnWarning, CacheError, ParameterError
from affacrnn.features.entries import content_hash, entry_path, load_entry, save_entry
from affacrnn.features.fastpath import check_input, features_from_magnitude, magnitude
from affacrnn.features.layout import (FEATURE_TYPES, FEATURES_VERSION, FeatureConfig, FeatureType, real_frames,
                                      register_feature)
from affacrnn.features.perturb import PERTURBED_SUBDIR
from affacrnn.features.spectrogram import check_scale, check_size, graph_from_magnitude
from affacrnn.settings import cache_dir as _default_cache_dir

__all__ = [
    "featurize",
    "Featurized",
    "featurize_corpus",
    "featurize_files", "content_hash", "entry_path", "load_entry", "save_entry", "table_paths",
    "FeaturizeReport",
    "GRAPH_VERSION",
    "clear_cache",
    "resolve_cache_dir",
]

#: Bump when the spectrum graph's numbers change; part of every graph cache key.
GRAPH_VERSION = "1"

#: Bump when :func:`real_frames` changes; part of every length cache key.
LENGTH_VERSION = "1"

#: Sub-folder of the cache root holding feature entries.
CACHE_SUBDIR = "features"

#: Dynamic range of cached spectrum graphs (dB), as :func:`affacrnn.features.spectrogram.spectrum_graph`.
GRAPH_TOP_DB = 80.0


@dataclasses.dataclass(frozen=True)
class FeaturizeReport:
    """What one :func:`featurize` call did.

    Attributes
    ----------
    n_files : int
        Utterances featurised.
    n_cached : int
        Utterances served entirely from the cache (nothing computed).
    n_features_computed, n_graphs_computed : int
        Feature matrices and spectrum graphs computed (and cached) in this call.
    seconds : float
        Wall-clock time of the call.
    cache_dir : str or None
        The cache folder used (``None`` when caching was off).
    """

    n_files: int
    n_cached: int
    n_features_computed: int
    n_graphs_computed: int
    seconds: float
    cache_dir: str | None


@dataclasses.dataclass(frozen=True)
class Featurized:
    """What :func:`featurize` returns: the corpus's features, graphs, real lengths and the call's report.

    Attributes
    ----------
    X : np.ndarray [shape=(n, n_frames, D), dtype=float32]
        ``X[i]`` equals ``extract_features(load_audio(table.path[i], sr=config.sr), config=config)``.
    graphs : np.ndarray [shape=(n, image_size, image_size), dtype=float32] or None
        Spectrum graphs in ``[0, 1]`` (:func:`affacrnn.features.spectrogram.spectrum_graph`), or ``None``.
    lengths : np.ndarray [shape=(n,), dtype=int64] or None
        Rows of ``X[i]`` that are real frames, not padding (cached too); ``None`` unless asked for.
    report : FeaturizeReport
    """

    X: np.ndarray
    graphs: np.ndarray | None
    lengths: np.ndarray | None
    report: FeaturizeReport


# --------------------------------------------------------------------------------------------
# Cache helpers
# --------------------------------------------------------------------------------------------
def resolve_cache_dir(cache_dir: str | os.PathLike | None | bool = None) -> Path | None:
    """The folder feature entries go to, created and checked writable; ``None`` if ``cache_dir is False``
    or the disk is full (a warning says so: the cache is optional).

    Raises
    ------
    CacheError
        The folder cannot be created or written; the message names it and how to fix it.
    """
    if cache_dir is False:
        return None
    if cache_dir is True:
        cache_dir = None
    root = _default_cache_dir(cache_dir) / CACHE_SUBDIR
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=root, prefix=".tmp-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # the cache is optional: a full disk is no reason to stop
            warnings.warn(f"feature cache folder {root}: {exc.strerror}; going on without caching",
                          AffacrnnWarning, stacklevel=3)
            return None
        raise CacheError(
            f"feature cache folder {root} is not writable ({type(exc).__name__}: {exc.strerror or exc}). "
            "Pass cache_dir= a writable folder, set AFFACRNN_CACHE, or pass cache_dir=False to "
            "compute without a cache."
        ) from None
    return root


def clear_cache(cache_dir: str | os.PathLike | None = None) -> int:
    """Delete every cached feature/graph entry and perturbed training copy (:mod:`~affacrnn.features.perturb`).

    Returns how many files it deleted.

    Parameters
    ----------
    cache_dir : str or path-like, optional
        The cache root as passed to :func:`featurize_corpus` (default ``settings.cache_dir()``).
    """
    root = _default_cache_dir(cache_dir) / CACHE_SUBDIR
    n = 0
    if root.is_dir():
        for p in root.glob("*/*.npy"):
            with contextlib.suppress(OSError):
                p.unlink()
                n += 1
    for p in (_default_cache_dir(cache_dir) / PERTURBED_SUBDIR).glob("*.wav"):
        with contextlib.suppress(OSError):
            p.unlink()
            n += 1
    return n


def _librosa_version() -> str:
    try:
        return metadata.version("librosa")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _digest(obj: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:40]


# --------------------------------------------------------------------------------------------
# Work items
# --------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Item:
    index: int
    path: str
    feat_entry: str | None  # cache file to write, or None (no cache)
    graph_entry: str | None
    need_features: bool
    need_graph: bool
    length_entry: str | None = None
    need_length: bool = False


def _compute_batch(
    items: Sequence[_Item], config: FeatureConfig, image_size: int | None, scale: str = "linear",
    registered: Sequence[FeatureType] = (),
) -> list[tuple[int, np.ndarray | None, np.ndarray | None, int, str | None]]:
    """Worker task: load, featurise and cache a batch of files (runs in a joblib/Dask worker).

    ``registered`` carries the feature types registered in the parent process that a fresh worker
    lacks (their ``compute`` travels with them). Returns ``(row, features, graph, real_frames,
    cache_problem)`` per file; ``cache_problem`` is the message of a failed cache write (the cache is
    optional: the run goes on, the parent warns once).
    """
    for feature in registered:
        if feature.name not in FEATURE_TYPES:
            register_feature(feature)
    out = []
    problem: str | None = None
    for it in items:
        y = check_input(load_audio(it.path, sr=config.sr), config, name=it.path)
        length = real_frames(len(y), config)
        feats = graph = None
        if it.need_features or it.need_graph:
            S = magnitude(y, config)
            feats = features_from_magnitude(y, S, config) if it.need_features else None
            if it.need_graph and image_size is not None:
                graph = graph_from_magnitude(S, size=check_size(image_size), top_db=GRAPH_TOP_DB, scale=scale,
                                             sr=config.sr)
        length_arr = np.array([length], np.float32) if it.need_length else None
        for arr, entry in ((feats, it.feat_entry), (graph, it.graph_entry), (length_arr, it.length_entry)):
            if arr is not None and entry is not None and problem is None:
                try:
                    save_entry(Path(entry), arr)
                except CacheError as exc:  # e.g. a full disk: stop writing, keep computing
                    problem = str(exc)
        out.append((it.index, feats, graph, length, problem))
    return out


def table_paths(table: Any) -> list[str]:
    if isinstance(table, (str, os.PathLike)):
        raise ParameterError(
            f"`table` must be a corpus table (DataFrame with a 'path' column) or a list of paths; "
            f"got the single path {str(table)!r}. Wrap it in a list, or use extract_features on one clip."
        )
    if hasattr(table, "columns"):
        if "path" not in table.columns:
            raise ParameterError(
                f"`table` must have a 'path' column; it has {list(table.columns)}. "
                "Pass a table from affacrnn.load_corpus()."
            )
        paths = list(table["path"])
    else:
        try:
            paths = list(table)
        except TypeError:
            raise ParameterError(
                f"`table` must be a DataFrame with a 'path' column or a list of paths; got {type(table).__name__}."
            ) from None
    bad = [i for i, p in enumerate(paths) if not isinstance(p, (str, os.PathLike))]
    if bad:
        raise ParameterError(
            f"`table` has {len(bad)} rows without an audio path (first: row {bad[0]}, value "
            f"{paths[bad[0]]!r}). Drop them first, e.g. table[table['path'].notna()] "
            "(a labels-only corpus such as MOSI without audio cannot be featurised)."
        )
    return [os.path.abspath(os.fspath(p)) for p in paths]


def _check_n_jobs(n_jobs: Any) -> int | None:
    if n_jobs is None:
        return None
    if not isinstance(n_jobs, (int, np.integer)) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ParameterError(
            f"`n_jobs` must be a non-zero int (-1 = all cores) or None; got {n_jobs!r}. Pass e.g. n_jobs=2."
        )
    return int(n_jobs)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def featurize(
    table: Any,
    *,
    config: FeatureConfig | None = None,
    image_size: int | None = 128,
    cache_dir: str | os.PathLike | None | bool = None,
    n_jobs: int | None = -1,
    backend: Any = None,
    batch_size: int | None = None,
    progress: bool = True,
    lengths: bool = False,
    graph_scale: str = "linear",
) -> Featurized:
    """Feature tensor and spectrum graphs of every utterance of a corpus table, in row order.

    Parameters
    ----------
    table : pandas.DataFrame or sequence of paths
        One row per utterance with a ``path`` column (e.g. ``affacrnn.load_corpus("ravdess")``),
        or a plain list of audio paths.
    config : FeatureConfig, optional
        Feature parameters; default ``FeatureConfig()`` (the paper's 256 × 33).
    image_size : int or None
        Side of the spectrum graphs (paper 512, CPU default 128); ``None`` skips them.
    cache_dir : str, path-like, None or False
        Cache root (entries go to its ``features/`` folder); ``None`` uses
        ``affacrnn.settings.cache_dir()``; ``False`` computes everything without a cache.
    n_jobs : int or None
        Parallel workers for joblib (``-1`` = all cores, ``1`` = in this process).
    backend : str or joblib backend, optional
        joblib backend (``"loky"``, ``"threading"``, ``"dask"``...); ``None`` uses the active
        ``joblib.parallel_backend`` context, else loky.
    batch_size : int, optional
        Files per joblib task; default about four tasks per worker, at most 32 files per task.
    progress : bool
        Show a tqdm progress bar (on stderr).
    lengths : bool
        Also read (or compute) each utterance's real frame count
        (:func:`~affacrnn.features.layout.real_frames`).
    graph_scale : {"linear", "mel"}
        Frequency axis of the spectrum graphs (:func:`~affacrnn.features.spectrogram.spectrum_graph`'s
        ``scale``); each scale has its own cache entries.

    Returns
    -------
    Featurized
        ``X``, ``graphs``, ``lengths`` (``None`` unless asked for) and the call's ``report``.

    Raises
    ------
    CacheError
        The cache folder is not writable (the message names it).
    AudioError
        An audio file is missing, undecodable, silent or too short (the message names it).
    ParameterError
        The table has no ``path`` column or rows without a path; bad ``n_jobs``/``image_size``.

    See Also
    --------
    affacrnn.features.frames.extract_features, affacrnn.features.spectrogram.spectrum_graph

    Examples
    --------
    >>> table = affacrnn.load_corpus("ravdess")  # doctest: +SKIP
    >>> out = featurize(table.head(12), image_size=128)  # doctest: +SKIP
    >>> out.X.shape, out.graphs.shape, out.report.n_cached  # doctest: +SKIP
    ((12, 256, 33), (12, 128, 128), 12)
    """
    t0 = time.perf_counter()
    cfg = FeatureConfig() if config is None else config
    if not isinstance(cfg, FeatureConfig):
        raise ParameterError(
            f"`config` must be a FeatureConfig; got {type(cfg).__name__}. Pass affacrnn.FeatureConfig(...)."
        )
    size = None if image_size is None else check_size(image_size)
    scale = check_scale(graph_scale)
    n_jobs = _check_n_jobs(n_jobs)
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
        raise ParameterError(f"`batch_size` must be an int >= 1 or None; got {batch_size!r}. Pass e.g. 8.")
    paths = table_paths(table)
    root = resolve_cache_dir(cache_dir)
    X = np.empty((len(paths), *cfg.shape), dtype=np.float32)
    G = None if size is None else np.empty((len(paths), size, size), dtype=np.float32)
    L = np.zeros(len(paths), dtype=np.int64)
    todo = _read_cached(paths, root, cfg, size, scale, lengths, X, G, L)
    with tqdm(total=len(paths), initial=len(paths) - len(todo), disable=not progress, desc="features", unit="file",
              dynamic_ncols=True, leave=False) as bar:
        _compute_missing(todo, cfg, size, scale, X, G, L, n_jobs=n_jobs, backend=backend, batch_size=batch_size,
                         progress=progress, bar=bar)
    report = FeaturizeReport(
        n_files=len(paths),
        n_cached=len(paths) - len(todo),
        n_features_computed=sum(it.need_features for it in todo),
        n_graphs_computed=sum(it.need_graph for it in todo),
        seconds=time.perf_counter() - t0,
        cache_dir=None if root is None else str(root),
    )
    return Featurized(X=X, graphs=G, lengths=L if lengths else None, report=report)


def _read_cached(paths: list[str], root: Path | None, cfg: FeatureConfig, size: int | None, scale: str,
                 lengths: bool, X: np.ndarray, G: np.ndarray | None, L: np.ndarray) -> list[_Item]:
    """Fill ``X``, ``G`` and ``L`` from the cache where it has an entry; return what is left to compute."""
    feat_common = {"kind": "features", "config": cfg.to_dict(), "version": FEATURES_VERSION,
                   "librosa": _librosa_version()}
    versions = {n: FEATURE_TYPES[n].version for n in cfg.features if FEATURE_TYPES[n].version}
    if versions:  # a registered type's own version (the built-in types' keys stay as they were)
        feat_common["types"] = versions
    length_common = {"kind": "length", "sr": cfg.sr, "hop_length": cfg.hop_length, "n_frames": cfg.n_frames,
                     "version": LENGTH_VERSION}
    graph_common = {"kind": "graph", "sr": cfg.sr, "n_fft": cfg.n_fft, "hop_length": cfg.hop_length,
                    "size": size, "top_db": GRAPH_TOP_DB, "version": GRAPH_VERSION,
                    "librosa": _librosa_version()}
    if scale != "linear":  # linear graphs keep the keys they had before scales existed
        graph_common["scale"] = scale
    todo: list[_Item] = []
    for i, path in enumerate(paths):
        feat_entry = graph_entry = length_entry = None
        have_feat = have_graph = False
        have_length = not lengths
        if root is not None:
            ident = {"content": content_hash(path, row=i)}
            if lengths:
                length_entry = entry_path(root, _digest({**length_common, **ident}))
                cached = load_entry(length_entry, (1,))
                if cached is not None:
                    L[i], have_length = int(cached[0]), True
            feat_entry = entry_path(root, _digest({**feat_common, **ident}))
            cached = load_entry(feat_entry, cfg.shape)
            if cached is not None:
                X[i], have_feat = cached, True
            if size is not None:
                graph_entry = entry_path(root, _digest({**graph_common, **ident}))
                cached = load_entry(graph_entry, (size, size))
                if cached is not None:
                    G[i], have_graph = cached, True
            else:
                have_graph = True
        if not (have_feat and have_graph and have_length):
            entries = [None if e is None else str(e) for e in (feat_entry, graph_entry, length_entry)]
            todo.append(_Item(index=i, path=path, feat_entry=entries[0], graph_entry=entries[1],
                              need_features=not have_feat, need_graph=size is not None and not have_graph,
                              length_entry=entries[2], need_length=not have_length))
    return todo


def _compute_missing(todo: list[_Item], cfg: FeatureConfig, size: int | None, scale: str, X: np.ndarray,
                     G: np.ndarray | None, L: np.ndarray, *, n_jobs: int | None, backend: Any, batch_size: int | None,
                     progress: bool, bar: Any) -> None:
    """Compute (and cache) what :func:`_read_cached` left, in this process or on joblib's workers."""
    if not todo:
        return
    registered = tuple(FEATURE_TYPES[n] for n in cfg.features if FEATURE_TYPES[n].compute is not None)
    if n_jobs == 1 and backend is None:
        results = (_compute_batch([it], cfg, size, scale) for it in todo)
    else:
        # Compile librosa's numba kernels here, once, before any worker can race to do it
        # (a cache mixed from two processes segfaults every later run; see _numba.py).
        prepare_numba(progress=progress)
        with joblib.parallel_config(backend=backend) if backend is not None else contextlib.nullcontext():
            workers = max(1, joblib.effective_n_jobs(n_jobs if n_jobs is not None else -1))
        bs = batch_size or max(1, min(32, math.ceil(len(todo) / (4 * workers))))
        batches = [todo[k : k + bs] for k in range(0, len(todo), bs)]
        parallel = joblib.Parallel(n_jobs=n_jobs, backend=backend, return_as="generator_unordered")
        results = parallel(joblib.delayed(_compute_batch)(b, cfg, size, scale, registered) for b in batches)
    warned = False
    for batch in results:
        for i, feats, graph, length, problem in batch:
            L[i] = length
            if problem is not None and not warned:
                first = problem.split(". ")[0]
                warnings.warn(f"{first}; going on without caching", AffacrnnWarning, stacklevel=3)
                warned = True
            if feats is not None:
                X[i] = feats
            if graph is not None:
                G[i] = graph
        bar.update(len(batch))


def featurize_corpus(table: Any, *, return_report: bool = False, return_lengths: bool = False,
                     **kwargs: Any) -> tuple:
    """:func:`featurize` as a tuple: ``(X, G)``, ``(X, G, lengths)`` with ``return_lengths``, and the
    :class:`FeaturizeReport` last with ``return_report`` (the same keyword arguments otherwise).
    """
    out = featurize(table, lengths=return_lengths, **kwargs)
    first = (out.X, out.graphs, out.lengths) if return_lengths else (out.X, out.graphs)
    return (*first, out.report) if return_report else first


def featurize_files(
    paths: Sequence[str | os.PathLike], **kwargs: Any
) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`featurize_corpus` for a plain list of audio paths (same keyword arguments)."""
    return featurize_corpus(list(paths), **kwargs)
