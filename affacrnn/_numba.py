"""librosa's numba kernels, compiled once per machine, never by two processes at once.

librosa compiles its numba kernels with ``cache=True``. When several processes compile them
for the first time at the same moment (joblib workers on a first ``affacrnn features --jobs 2``,
two kernels of a classroom started together), numba's on-disk cache can end up holding a
function from one process and its gufunc wrapper from another; from then on *every* call
segfaults until the cache folder is deleted (numba issue 10128, librosa issue 1998). The fix
upstream suggests is to compile once, sequentially, before any worker starts. This module does
that for every affacrnn code path:

* :func:`configure` keeps numba's cache in a folder affacrnn owns, one per Python, numba and
  librosa version and librosa installation (``<AFFACRNN_CACHE>/numba/<versions>-<where>``; a
  ``NUMBA_CACHE_DIR`` the user set wins), so a cache corrupted by other programs in
  ``site-packages/librosa/__pycache__`` is never read. It only sets an environment variable, and runs when ``affacrnn`` is imported.
* :func:`prepare` compiles (or loads) every librosa kernel affacrnn reaches, under an exclusive
  file lock in that folder, then writes a ``ready`` marker. Other processes wait on the lock and
  then only *load* the finished cache. Once the marker exists, :func:`prepare` is a file check.
  It runs before the first feature extraction of a process (:func:`load_librosa`), in the book's
  kernels before they execute anything (``affacrnn.book.kernel``), and in a parent before it starts
  workers (``featurize``).

``tests/test_numba_cache.py`` starts four processes at once on an empty cache, three times, and
checks that they and the single runs after them all succeed. Measured here without the lock (the
old code path): one of twelve such processes segfaulted (exit -11) in three trials.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import time
from importlib import metadata
from pathlib import Path

from affacrnn._io import atomic_write_text
from affacrnn.settings import cache_dir

__all__ = ["cache_folder", "configure", "prepare", "load_librosa", "WARMUP_VERSION"]

#: Bump when :func:`_warm_up` reaches more kernels, so existing caches are topped up once.
WARMUP_VERSION = 1

_prepared: set[str] = set()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:  # pragma: no cover - librosa and numba are dependencies
        return "none"


def cache_folder() -> Path:
    """The folder numba caches librosa's kernels in: ``$NUMBA_CACHE_DIR`` if set, else affacrnn's.

    Returns
    -------
    pathlib.Path
        ``<affacrnn cache>/numba/py3XX-numbaA.B.C-librosaX.Y.Z-<hash of librosa's folder>`` unless the user set
        ``NUMBA_CACHE_DIR``.
    """
    env = os.environ.get("NUMBA_CACHE_DIR")
    if env:
        return Path(env).expanduser()

    key = f"py{sys.version_info.major}{sys.version_info.minor}-numba{_version('numba')}-librosa{_version('librosa')}"
    return cache_dir() / "numba" / f"{key}-{_installed_at('librosa')}"


def _installed_at(package: str) -> str:
    """A short hash of where ``package`` is installed (found, not imported).

    numba files its cache under each kernel's source path, so two environments with the same
    versions (a venv and a conda env, a CI clone beside a checkout) compile separate kernels; a
    shared folder would let one environment's ``ready`` marker skip the other's locked warm-up,
    and its first calls would compile concurrently again (a segfault seen in a CI clone here).
    """
    spec = importlib.util.find_spec(package)
    where = str(Path(spec.origin).resolve().parent) if spec is not None and spec.origin else "none"
    return hashlib.sha1(where.encode()).hexdigest()[:8]


def configure() -> Path:
    """Point numba's cache at :func:`cache_folder` (for this process and its children).

    Sets ``NUMBA_CACHE_DIR`` when the user has not, and numba's live config when numba is
    already imported. Cheap: it neither imports numba nor compiles anything.

    Returns
    -------
    pathlib.Path
        The cache folder.
    """
    folder = cache_folder()
    os.environ.setdefault("NUMBA_CACHE_DIR", str(folder))
    config = sys.modules.get("numba.core.config")
    if config is not None and getattr(config, "CACHE_DIR", "") != str(folder):
        config.CACHE_DIR = str(folder)
    return folder


def _marker(folder: Path) -> Path:
    return folder / f"affacrnn-ready-v{WARMUP_VERSION}"


def _warm_up() -> None:
    """Call every librosa function whose numba kernels affacrnn reaches, in float32 and float64.

    Written by hand because numba compiles a kernel per argument type on first call and offers no
    "compile everything" switch. The calls are the ones affacrnn's features, spectrum graphs,
    audio loading, segmentation and inference make (importing ``librosa.core`` alone compiles its
    eager gufuncs, most of the time). librosa's beat, sequence and LPC kernels are not reached by
    affacrnn and are left out: they would double the one-off compile time.
    """
    import warnings

    import librosa
    import numpy as np

    sr = 22050
    rng = np.random.default_rng(0)
    t = np.arange(sr) / sr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dtype in (np.float32, np.float64):
            y = (0.3 * np.sin(2 * np.pi * 220 * t) + 0.01 * rng.standard_normal(t.size)).astype(dtype)
            S = np.abs(librosa.stft(y))
            librosa.estimate_tuning(y=y, sr=sr)
            librosa.estimate_tuning(S=S, sr=sr, bins_per_octave=12)
            librosa.feature.chroma_stft(S=S**2, sr=sr)
            librosa.feature.chroma_cqt(y=y, sr=sr)
            librosa.feature.tonnetz(y=y, sr=sr)
            librosa.feature.spectral_contrast(S=S, sr=sr)
            librosa.feature.spectral_centroid(S=S, sr=sr)
            librosa.feature.spectral_flatness(S=S)
            librosa.feature.rms(S=S)
            librosa.feature.zero_crossing_rate(y)
            librosa.feature.mfcc(S=librosa.power_to_db(librosa.feature.melspectrogram(S=S**2, sr=sr)), n_mfcc=13)
            librosa.util.normalize(S, norm=np.inf, axis=-2)
            librosa.util.localmax(S, axis=0)
            librosa.effects.split(y, top_db=30)
            librosa.effects.trim(y, top_db=30)
            librosa.resample(y, orig_sr=sr, target_sr=16000)


def prepare(*, progress: bool = True) -> Path:
    """Make sure librosa's numba kernels are compiled into :func:`cache_folder`, once.

    The first process to get here on a machine compiles them under an exclusive file lock
    (about half a minute on 2 cores), writes a ``ready`` marker, and releases the lock; processes
    that arrive meanwhile wait, then load the finished cache. Later calls only check the marker.

    Parameters
    ----------
    progress : bool
        Print one line on stderr while compiling (it happens once per machine).

    Returns
    -------
    pathlib.Path
        The cache folder.
    """
    folder = configure()
    key = str(folder)
    if key in _prepared:
        return folder
    if _marker(folder).is_file():
        _prepared.add(key)
        return folder
    from filelock import FileLock

    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / "affacrnn-compile.lock")):
        if not _marker(folder).is_file():  # another process may have finished while we waited
            start = time.perf_counter()
            if progress:
                print(f"affacrnn: compiling librosa's numba kernels once, into {folder} ...",
                      file=sys.stderr, flush=True)
            _warm_up()
            atomic_write_text(_marker(folder), f"compiled in {time.perf_counter() - start:.1f} s by pid {os.getpid()}\n")
    _prepared.add(key)
    return folder


def load_librosa():
    """The ``librosa`` module, with its numba kernels prepared (:func:`prepare`).

    Every affacrnn module gets librosa through this call, so no affacrnn code path can compile a
    kernel outside the lock.
    """
    prepare()
    import librosa

    return librosa
