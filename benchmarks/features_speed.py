"""How fast are the paper's features? Shared STFT vs the prototype's separate librosa calls, and a corpus.

Usage::

    python benchmarks/features_speed.py [--files N] [--repeat R] [--jobs J] [--image-size S]

1. On 10 s of real speech (RAVDESS actor 12, utterances concatenated), time
   ``extract_features`` (one STFT, every feature derived from it) against
   ``extract_features_naive`` (one librosa call per feature on the raw signal, as the authors'
   prototype did), for the paper's four types (256 × 33) and for all seven (256 × 41), and check
   that both give the same numbers (1e-5 relative). Best of ``R`` repeats, calls interleaved,
   one BLAS thread (as inside each parallel worker).
2. Featurise ``N`` RAVDESS files (default all 1440: features + spectrum graphs) into a fresh
   temporary cache ("cold"), then again from that cache ("warm").
3. The field's standard features beside ours, when the optional extra ``affacrnn[opensmile]`` is
   installed: openSMILE's eGeMAPS (88) and ComParE (6373) functionals on the same 10 s clip
   (best of ``R``, one thread) and on the same ``N`` files (cold cache, same workers), each against
   our four feature types alone (no spectrum graphs), as ratios ``opensmile_*_vs_ours``
   (above 1: openSMILE is slower).

Prints a table, then, as the last line of standard output, one JSON object with the figures.
Needs the shared corpora (``AFFACRNN_DATA``, default ``../shared/data`` beside the repository).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from affacrnn.data.audio import load_audio  # noqa: E402
from affacrnn.features.frames import ALL_FEATURES, PAPER_FEATURES, extract_features, extract_features_naive  # noqa: E402
from affacrnn.features.cache import featurize_corpus  # noqa: E402
from affacrnn.features.opensmile import opensmile_available, opensmile_features, require_opensmile  # noqa: E402
from affacrnn.settings import data_root  # noqa: E402

SR = 22050


def ravdess_files() -> list[Path]:
    root = data_root()
    if not (root / "ravdess").is_dir() and (REPO.parent / "shared" / "data" / "ravdess").is_dir():
        root = REPO.parent / "shared" / "data"
    files = sorted((root / "ravdess").rglob("*.flac")) or sorted((root / "ravdess").rglob("*.wav"))
    if not files:
        sys.exit(f"no RAVDESS audio under {root / 'ravdess'}; set AFFACRNN_DATA to the shared data folder")
    return files


def ten_seconds_of_speech(files: list[Path]) -> np.ndarray:
    parts, n = [], 0
    for f in (f for f in files if f.parent.name == "Actor_12"):
        parts.append(load_audio(f, sr=SR))
        n += parts[-1].size
        if n >= 10 * SR:
            break
    return np.concatenate(parts)[: 10 * SR]


def best_ms(funcs: dict[str, callable], repeat: int, number: int = 3) -> dict[str, float]:
    """Best-of-``repeat`` mean time per call in ms, the candidates interleaved in each round."""
    best = {k: float("inf") for k in funcs}
    for f in funcs.values():
        f()  # warm up (numba JIT, filter caches)
    for _ in range(repeat):
        for k, f in funcs.items():
            t0 = time.perf_counter()
            for _ in range(number):
                f()
            best[k] = min(best[k], (time.perf_counter() - t0) / number * 1000)
    return best


def max_rel_diff(a: np.ndarray, b: np.ndarray, atol: float = 1e-6) -> float:
    return float(np.max(np.abs(a - b) / (np.abs(b) + atol)))


def opensmile_rows(y: np.ndarray, paths: list[str], args, figures: dict) -> list[tuple]:
    """openSMILE's functionals against our four feature types, on the same clip and the same files."""
    opensmile = require_opensmile()
    rows = []
    with threadpool_limits(limits=1):
        smiles = {name: opensmile.Smile(feature_set=getattr(opensmile.FeatureSet, fs))
                  for name, fs in (("egemaps", "eGeMAPSv02"), ("compare", "ComParE_2016"))}
        t = best_ms({"ours": lambda: extract_features(y, sr=SR, features=PAPER_FEATURES),
                     **{name: (lambda sm=sm: sm.process_signal(y, SR)) for name, sm in smiles.items()}}, args.repeat)
    for name in smiles:
        figures[f"opensmile_{name}_clip_ms"] = round(t[name], 2)
        figures[f"opensmile_{name}_clip_vs_ours"] = round(t[name] / t["ours"], 2)
        rows.append((f"openSMILE {name} functionals, the same 10 s clip", t[name],
                     f"{t[name] / t['ours']:.2f}x our four types ({t['ours']:.1f} ms)"))
    with tempfile.TemporaryDirectory(prefix="affacrnn-bench-") as cache:
        t0 = time.perf_counter()
        featurize_corpus(paths, image_size=None, cache_dir=cache, n_jobs=args.jobs, progress=False)
        ours = (time.perf_counter() - t0) * 1000
        for name in smiles:
            t0 = time.perf_counter()
            opensmile_features(paths, feature_set=name, cache_dir=cache, n_jobs=args.jobs, progress=False)
            ms = (time.perf_counter() - t0) * 1000
            figures[f"opensmile_{name}_corpus_cold_ms"] = round(ms, 1)
            figures[f"opensmile_{name}_corpus_vs_ours"] = round(ms / ours, 2)
            rows.append((f"openSMILE {name}, RAVDESS {len(paths)} files, cold", ms,
                         f"{ms / ours:.2f}x our four types alone ({ours:.0f} ms)"))
    figures["ours_features_only_corpus_cold_ms"] = round(ours, 1)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1440, help="RAVDESS files for the corpus run (default all 1440)")
    parser.add_argument("--repeat", type=int, default=7, help="repeats for the single-clip timings (best of)")
    parser.add_argument("--jobs", type=int, default=-1, help="joblib workers for the corpus run (default all cores)")
    parser.add_argument("--image-size", type=int, default=128, help="spectrum graph side (default 128)")
    args = parser.parse_args()

    files = ravdess_files()
    y = ten_seconds_of_speech(files)
    figures: dict[str, object] = {"clip_seconds": round(y.size / SR, 2)}
    rows = []
    # One BLAS/OpenMP thread, as in each joblib worker: both variants alike, and immune to
    # oversubscription when other jobs share the cores.
    limiter = threadpool_limits(limits=1)
    for label, feats in (("paper", PAPER_FEATURES), ("all7", ALL_FEATURES)):
        fast = extract_features(y, sr=SR, features=feats)
        naive = extract_features_naive(y, sr=SR, features=feats)
        same = bool(np.allclose(fast, naive, rtol=1e-5, atol=1e-6))
        t = best_ms(
            {"shared": lambda: extract_features(y, sr=SR, features=feats),
             "naive": lambda: extract_features_naive(y, sr=SR, features=feats)},
            args.repeat,
        )
        figures[f"{label}_shared_ms"] = round(t["shared"], 2)
        figures[f"{label}_naive_ms"] = round(t["naive"], 2)
        figures[f"{label}_speedup"] = round(t["naive"] / t["shared"], 2)
        figures[f"{label}_max_rel_diff"] = max_rel_diff(fast, naive)
        figures[f"{label}_identical_1e-5"] = same
        rows.append((f"{label}: {fast.shape[0]}x{fast.shape[1]} from one STFT", t["shared"], ""))
        rows.append((f"{label}: {len(feats)} separate librosa calls", t["naive"],
                     f"{t['naive'] / t['shared']:.2f}x slower; same within 1e-5: {same}"))

    limiter.restore_original_limits()
    paths = [str(p) for p in files[: args.files]]
    with tempfile.TemporaryDirectory(prefix="affacrnn-bench-") as cache:
        t0 = time.perf_counter()
        X, G, r_cold = featurize_corpus(paths, image_size=args.image_size, cache_dir=cache, n_jobs=args.jobs,
                                        progress=False, return_report=True)
        cold = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        X2, G2, r_warm = featurize_corpus(paths, image_size=args.image_size, cache_dir=cache, n_jobs=args.jobs,
                                          progress=False, return_report=True)
        warm = (time.perf_counter() - t0) * 1000
    assert r_cold.n_features_computed == len(paths) and r_warm.n_cached == len(paths)
    assert np.array_equal(X, X2) and np.array_equal(G, G2)
    figures.update({
        "corpus_files": len(paths),
        "corpus_jobs": args.jobs,
        "corpus_image_size": args.image_size,
        "corpus_cold_ms": round(cold, 1),
        "corpus_warm_ms": round(warm, 1),
        "corpus_cold_per_file_ms": round(cold / len(paths), 2),
        "corpus_warm_speedup": round(cold / warm, 1),
        "cpu_count": os.cpu_count(),
    })
    rows.append((f"RAVDESS {len(paths)} files, features + {args.image_size}² graphs, cold", cold,
                 f"{cold / len(paths):.1f} ms/file, {args.jobs} jobs"))
    rows.append((f"RAVDESS {len(paths)} files, from the cache (warm)", warm, f"{cold / warm:.0f}x faster"))

    if opensmile_available():
        rows += opensmile_rows(y, paths, args, figures)
    else:
        rows.append(("openSMILE: not installed (pip install 'affacrnn[opensmile]')", float("nan"), "skipped"))

    print(f"{'what':<58} {'ms':>10}  notes")
    print("-" * 100)
    for what, ms, note in rows:
        print(f"{what:<58} {ms:>10.1f}  {note}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
