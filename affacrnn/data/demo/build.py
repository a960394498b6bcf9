"""Building the demo corpus on disk: espeak-ng speaks the plan in worker processes.

The synthetic demo corpus is made from nothing but a seed (its design, the words, scores and
prosody of every utterance: :mod:`affacrnn.data.demo.design`). This module speaks it with espeak-ng
(:mod:`affacrnn.data.demo.tts`), writes audio and manifest, and reuses a corpus already on disk.

Layout on disk
--------------
``<root>/demo/manifest.csv`` and ``<root>/demo/wav/<utterance_id>.wav`` (22 050 Hz mono 16-bit,
espeak-ng's native rate and the paper's librosa rate). Columns of the manifest:
:data:`~affacrnn.data.demo.design.MANIFEST_COLUMNS`. Generation is atomic (a temporary folder next
to the target, renamed at the end) and is skipped when a manifest with the same seed, session
count, :data:`~affacrnn.data.demo.design.DEMO_VERSION` and espeak-ng version is already there.

Worker processes
----------------
espeak-ng keeps process-global state that no API resets (see :mod:`affacrnn.data.demo.tts`), so the
sessions are spoken in :data:`N_CHUNKS` fixed groups, each in a fresh ``spawn`` process (a one-worker
:class:`~concurrent.futures.ProcessPoolExecutor`): the audio does not depend on the number of workers.
A failing worker, Ctrl-C or SIGTERM stops the others and removes the temporary folder.

Examples
--------
>>> from affacrnn.data.demo.build import ensure_demo_corpus
>>> manifest = ensure_demo_corpus(root="data")  # doctest: +SKIP
>>> import pandas as pd; pd.read_csv(manifest).groupby("sentiment").size()  # doctest: +SKIP

Notebook: book/02_listen.ipynb
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from affacrnn._io import atomic_write_text
from affacrnn.data.demo.design import (
    DEFAULT_SESSIONS,
    DEMO_VERSION,
    MANIFEST_COLUMNS,
    SPEAKERS,
    check_seed,
    check_sessions,
    plan_demo_corpus,
)
from affacrnn.data.demo.tts import TTSError, espeak_version, list_variants, list_voices, synthesize
from affacrnn.errors import AffacrnnError, CorpusError, ParameterError
from affacrnn.settings import data_root

__all__ = ["DEMO_FOLDER", "N_CHUNKS", "ensure_demo_corpus", "generate_demo_corpus"]

#: Sub-folder of the data root that holds the corpus.
DEMO_FOLDER = "demo"

#: Sessions are spoken in this many fixed groups (session ``i`` in group ``i % N_CHUNKS``), each in
#: a fresh process, so the audio does not depend on the number of worker processes.
N_CHUNKS = 4

_MANIFEST = "manifest.csv"
#: Added to the error of a worker that failed to start (exit code 1) when ``__main__`` is a script.
_GUARD_HINT = ' Spawned workers re-run the main script: its code must be under `if __name__ == "__main__":`.'


# --- worker: speaks one fixed list of utterances in a fresh process ---------------------------


def _speak_chunk(out_dir: str, items: list[dict]) -> list[dict]:
    """Synthesise ``items`` in order into ``out_dir``; return ``utterance_id, n_samples, sr``."""
    results = []
    for it in items:
        y, sr = synthesize(
            it["text"],
            voice=it["voice"],
            rate=it["rate"],
            pitch=it["pitch"],
            pitch_range=it["pitch_range"],
            volume=it["volume"],
            seed=it["synth_seed"],
        )
        pcm = np.round(y * 32768.0).clip(-32768, 32767).astype(np.int16)
        target = Path(out_dir) / it["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(target), pcm, sr, subtype="PCM_16", format="WAV")
        results.append({"utterance_id": it["utterance_id"], "n_samples": int(pcm.size), "sr": int(sr)})
    return results


def _worker_init() -> None:
    """Run first in every worker: Ctrl-C is left to the parent, which stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _speak_chunk_job(out_dir: str, items: list[dict]) -> dict:
    """A worker's task: speak one group; return ``{"ok": results}``, or the failure as plain data.

    Errors travel as strings, not as pickled exceptions (which may fail to unpickle): an
    AffacrnnError as ``{"error": message}``, anything else as ``{"failed": last traceback line}``.
    """
    try:
        return {"ok": _speak_chunk(out_dir, items)}
    except AffacrnnError as exc:
        return {"error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - reported like the old workers' tracebacks: the last line
        tail = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()
        return {"failed": tail[-1] if tail else "no output"}


# --- the pool: fresh spawned processes, results in a fixed order --------------------------------


def _children_since(before: set) -> set:
    """This process's live child processes that were not in ``before``: the pool's workers."""
    return {p for p in multiprocessing.active_children() if p not in before}


def _stop_workers(procs: set) -> None:
    """Terminate the worker processes still running and reap them (kill one that hangs)."""
    alive = [p for p in procs if p.exitcode is None]
    for p in alive:
        p.terminate()
    for p in alive:
        p.join(5.0)
        if p.exitcode is None:
            p.kill()
            p.join()


def _chunk_result(fut: Future, procs: set) -> list[dict]:
    """One group's results; a CorpusError (a worker died) or TTSError (synthesis failed) instead of them."""
    try:
        result = fut.result()
    except BrokenProcessPool as exc:  # the worker died: a crash, a kill or a failed start
        for p in procs:
            p.join(5.0)  # its pipe may close just before it exits
        code = next((p.exitcode for p in procs if p.exitcode), "unknown")
        main = sys.modules.get("__main__")
        script = getattr(main, "__spec__", None) is None and getattr(main, "__file__", None)  # python x.py
        result = {"failed": str(exc) + (_GUARD_HINT if code == 1 and script else ""), "code": code}
    if "failed" in result:
        raise CorpusError(  # the worker reports its error here instead of dying with exit code 1
            f"demo corpus: a synthesis worker failed (exit code {result.get('code', 1)}: {result['failed']}). "
            "Check that espeakng-loader is installed (`pip install espeakng-loader`)."
        ) from None
    if "error" in result:
        raise TTSError(result["error"])
    return result["ok"]


def _speak_groups(out_dir: Path, groups: list[list[dict]], workers: int, progress: bool) -> dict[str, dict]:
    """Speak every group in a fresh worker process, ``workers`` at a time; results by utterance id."""
    # espeak-ng's C state (voice, parameters, waveform statics that no API resets) is process-global;
    # tts.py locks every call (threads are safe, not independent) and promises reproducible audio
    # only for a fixed sequence of calls in a *fresh* process. Hence:
    # (1) "spawn", never "fork": a forked child would inherit the espeak-ng initialised here
    #     (_check_voices), its statics, maybe a lock held by another thread; a spawned child is a
    #     new interpreter that loads the library once, itself.
    # (2) one single-worker executor per group (one subprocess per group), so
    #     the audio depends neither on the number of workers nor on who speaks what. (A shared
    #     pool with max_tasks_per_child=1 needs Python 3.11 and spawns a needless replacement
    #     after each task, which can deadlock on a queue lock held by a worker terminated below.)
    # (3) results are read in submission order (group i + n starts when group i is done), so
    #     output and progress lines are deterministic.
    # (4) a failure, Ctrl-C or SIGTERM (_sigterm_as_exit) terminates the workers still running and
    #     shuts the executors down with cancel_futures=True: no worker outlives the call.
    ctx = multiprocessing.get_context("spawn")
    n = min(workers, len(groups))
    before = set(multiprocessing.active_children())
    pools: dict[int, ProcessPoolExecutor] = {}
    futures: dict[int, Future] = {}
    procs: dict[int, set] = {}  # each group's worker process, for its exit code if it crashes
    seen: set = set()

    def start(i: int) -> None:
        pools[i] = ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_worker_init)
        futures[i] = pools[i].submit(_speak_chunk_job, str(out_dir), groups[i])  # spawns the worker
        procs[i] = _children_since(before) - seen
        seen.update(procs[i])

    done: dict[str, dict] = {}
    finished = False
    try:
        for i in range(n):
            start(i)
        for i in range(len(groups)):
            for r in _chunk_result(futures.pop(i), procs.pop(i)):
                done[r["utterance_id"]] = r
            pools.pop(i).shutdown(wait=True)
            if i + n < len(groups):
                start(i + n)
            if progress:
                print(f"affacrnn:   group {i + 1}/{len(groups)} spoken", file=sys.stderr, flush=True)
        finished = True
    finally:
        if not finished:
            _stop_workers(_children_since(before))
        for pool in pools.values():
            pool.shutdown(wait=True, cancel_futures=True)
    return done


@contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """While generating, SIGTERM raises ``SystemExit(143)``, so the cleanup runs (workers, temp folder).

    Only in the main thread and while SIGTERM has its default action (a caller's own handler is
    left alone); a second SIGTERM ends the process at once, as usual.
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def on_sigterm(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _write_manifest(df, path: Path) -> None:  # noqa: ANN001 - a DataFrame
    """Write the manifest (a separate function so tests can interrupt generation here)."""
    atomic_write_text(path, df.to_csv(index=False))


def _engine_version() -> str:
    return f"espeak-ng {espeak_version()}"


def _check_voices() -> None:
    """Fail early, in this process, with a clear TTSError if a voice or variant is missing."""
    voices = {v.lower() for v in list_voices()}
    variants = set(list_variants())
    for spk in SPEAKERS:
        base, _, variant = spk.voice.partition("+")
        if base.lower() not in voices or (variant and variant not in variants):
            raise TTSError(
                f"espeak-ng: voice {spk.voice!r} (demo speaker {spk.speaker}) is not in the shipped data. "
                "Reinstall espeakng-loader (`pip install --force-reinstall espeakng-loader`)."
            )


def generate_demo_corpus(
    *,
    root: str | os.PathLike | None = None,
    seed: int = 0,
    n_sessions: int = DEFAULT_SESSIONS,
    workers: int | None = None,
    progress: bool = True,
) -> Path:
    """Generate the demo corpus into ``<root>/demo/``, replacing what is there; return the manifest.

    Audio is written into a temporary folder next to the target, which replaces the target only
    once everything, manifest included, is written: an interrupted run leaves the old corpus (or
    nothing) behind, never a half-written one.

    Parameters
    ----------
    root : str or path-like, optional
        Data root (default :func:`affacrnn.settings.data_root`, i.e. ``$AFFACRNN_DATA`` or ``data/``).
    seed : int
        Corpus seed; the same seed gives the same manifest and the same audio samples.
    n_sessions : int
        Number of sessions (default :data:`DEFAULT_SESSIONS`, about 320 utterances).
    workers : int, optional
        Worker processes (default: ``min(os.cpu_count(), N_CHUNKS)``); does not change the output.
    progress : bool
        Print progress lines to standard error.

    Returns
    -------
    pathlib.Path
        Path of ``manifest.csv``.

    Raises
    ------
    TTSError
        espeak-ng or one of the voices is unavailable.
    CorpusError
        The target folder exists but is not a demo corpus, or a synthesis worker failed.
    ParameterError
        ``seed``, ``n_sessions`` or ``workers`` is malformed.
    """
    seed = check_seed(seed)
    n_sessions = check_sessions(n_sessions)
    if workers is None:
        workers = max(1, min(os.cpu_count() or 1, N_CHUNKS))
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ParameterError(f"`workers` must be a positive int or None; got {workers!r}. Pass e.g. workers=2.")
    base = data_root(root)
    target = base / DEMO_FOLDER
    _guard_target(target)
    _check_voices()
    engine = _engine_version()
    rows = plan_demo_corpus(seed=seed, n_sessions=n_sessions)
    t0 = time.perf_counter()
    if progress:
        print(
            f"affacrnn: generating the demo corpus ({len(rows)} utterances, {n_sessions} sessions, "
            f"seed {seed}) in {target} ...",
            file=sys.stderr,
            flush=True,
        )
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CorpusError(f"data root {base}: cannot be created ({exc}). Pass a writable root= or set AFFACRNN_DATA.") from None
    _remove_stale(base)
    # Not tempfile.mkdtemp: its 0700 mode would outlive the rename; mkdir honours the umask.
    tmp = base / f".{DEMO_FOLDER}-tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    with _sigterm_as_exit():
        tmp.mkdir()
        try:
            (tmp / "wav").mkdir()
            chunks = [[r for r in rows if int(r["session"][1:]) % N_CHUNKS == c] for c in range(N_CHUNKS)]
            chunks = [c for c in chunks if c]
            done = _speak_groups(tmp, chunks, workers, progress)
            df = pd.DataFrame(rows)
            df["duration"] = [done[u]["n_samples"] / done[u]["sr"] for u in df["utterance_id"]]
            df["engine"] = engine
            df = df[list(MANIFEST_COLUMNS)]
            _write_manifest(df, tmp / _MANIFEST)
            _install(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)  # the workers are stopped already (_speak_groups)
            raise
    if progress:
        size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
        print(
            f"affacrnn: demo corpus ready: {len(rows)} utterances, {size / 2**20:.1f} MiB, "
            f"{time.perf_counter() - t0:.1f} s -> {target / _MANIFEST}",
            file=sys.stderr,
            flush=True,
        )
    return target / _MANIFEST


def _remove_stale(base: Path, *, age_s: float = 3600.0) -> None:
    """Remove temporary folders that a killed generation left behind over ``age_s`` seconds ago."""
    now = time.time()
    for pattern in (f".{DEMO_FOLDER}-tmp-*", f".{DEMO_FOLDER}-old-*"):
        for p in base.glob(pattern):
            try:
                if p.is_dir() and now - p.stat().st_mtime > age_s:
                    shutil.rmtree(p, ignore_errors=True)
            except OSError:
                pass


def _is_ours(folder: Path) -> bool:
    """True if ``folder`` is empty or holds a demo manifest (so it may be replaced)."""
    if not folder.exists():
        return True
    if not folder.is_dir():
        return False
    if not any(folder.iterdir()):
        return True
    try:
        with open(folder / _MANIFEST, encoding="utf-8") as f:
            header = f.readline().strip().split(",")
    except OSError:
        return False
    return "version" in header and "synth_seed" in header


def _guard_target(target: Path) -> None:
    if not _is_ours(target):
        raise CorpusError(
            f"{target}: exists but is not a generated demo corpus (no demo manifest.csv); refusing to replace it. "
            "Move it away, or pass another root= / AFFACRNN_DATA."
        )


def _install(tmp: Path, target: Path) -> None:
    """Swap the finished ``tmp`` folder into place (two renames; the old corpus is removed last)."""
    old = None
    if target.exists():
        _guard_target(target)
        old = target.with_name(f".{target.name}-old-{os.getpid()}-{time.monotonic_ns()}")
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except OSError:
        if old is not None and not target.exists():
            os.replace(old, target)  # put the previous corpus back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _reusable(manifest: Path, *, seed: int, n_sessions: int) -> bool:
    """True if ``manifest`` is a complete demo corpus for this seed, size, version and engine."""
    if not manifest.is_file():
        return False
    try:
        df = pd.read_csv(manifest, usecols=["path", "session", "seed", "version", "engine"], dtype=str)
    except (ValueError, OSError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return False
    if df.empty or df.isna().any().any():
        return False
    if set(df["version"]) != {DEMO_VERSION} or set(df["seed"]) != {str(seed)}:
        return False
    if df["session"].nunique() != n_sessions:
        return False
    try:
        if set(df["engine"]) != {_engine_version()}:
            return False
    except AffacrnnError:
        pass  # espeak-ng unavailable: a complete corpus on disk is still usable
    folder = manifest.parent
    return all((folder / p).is_file() for p in df["path"])


def ensure_demo_corpus(
    *,
    root: str | os.PathLike | None = None,
    seed: int = 0,
    n_sessions: int = DEFAULT_SESSIONS,
    force: bool = False,
    workers: int | None = None,
    progress: bool = True,
) -> Path:
    """Return the demo corpus's ``manifest.csv``, generating the corpus first if needed.

    A corpus already in ``<root>/demo/`` is reused when its manifest records the same ``seed``,
    number of sessions, :data:`DEMO_VERSION` and espeak-ng version and all its audio files exist;
    otherwise it is regenerated (a few seconds for the default size on 2 cores).

    Parameters
    ----------
    root : str or path-like, optional
        Data root (default :func:`affacrnn.settings.data_root`).
    seed : int
        Corpus seed.
    n_sessions : int
        Number of sessions (default :data:`DEFAULT_SESSIONS`).
    force : bool
        Regenerate even if a matching corpus exists.
    workers : int, optional
        Worker processes for generation (see :func:`generate_demo_corpus`).
    progress : bool
        Print progress lines to standard error while generating.

    Returns
    -------
    pathlib.Path
        Path of ``manifest.csv`` (columns :data:`MANIFEST_COLUMNS`; paths relative to its folder).

    Raises
    ------
    TTSError
        espeak-ng or a voice is unavailable and the corpus has to be generated.
    CorpusError
        ``<root>/demo`` exists but is not a demo corpus, or generation failed.

    Examples
    --------
    >>> path = ensure_demo_corpus(root="data", progress=False)  # doctest: +SKIP
    >>> path.name
    'manifest.csv'
    """
    seed = check_seed(seed)
    n_sessions = check_sessions(n_sessions)
    manifest = data_root(root) / DEMO_FOLDER / _MANIFEST
    if not force and _reusable(manifest, seed=seed, n_sessions=n_sessions):
        return manifest
    return generate_demo_corpus(root=root, seed=seed, n_sessions=n_sessions, workers=workers, progress=progress)
