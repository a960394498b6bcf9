"""Latency of classifying a 10 s clip, file on disk → sentiment (paper §5: 655.94 ms, mean of 1000 runs).

What is timed, per run, in one process: :meth:`affacrnn.inference.predictor.Predictor.predict` on a WAV file —
reading it, splitting it at silences, resampling each utterance to 22050 Hz, features and spectrum
graph from one STFT per utterance, scaling, and the network (per-utterance encoders, then the
context windows, attention and softmax). Not timed: loading the model (done once, as a server or
the CLI over many files would), reported separately as ``load_ms``; and the first call, which traces
the TensorFlow graphs and JIT-compiles librosa's numba kernels (``first_call_ms``).

The clip is real speech: RAVDESS utterances of one actor concatenated to exactly 10 s (16 kHz mono,
written to a temporary WAV). The model has the ``cpu`` preset's architecture with **untrained**
(random) weights — latency does not depend on the weight values — saved with
:func:`affacrnn.models.save_model` and loaded back through :class:`~affacrnn.inference.predictor.Predictor`, the
same path ``affacrnn predict --model`` uses. Its feature scaler is fitted on the clip's utterances.
``--also-paper`` does the same with the ``paper`` preset (ResNet152 at 512², 60 M parameters), with
fewer runs, as one such run takes seconds on a laptop CPU.

Run::

    python benchmarks/latency.py                    # cpu preset, 100 runs
    python benchmarks/latency.py --runs 300 --also-paper --paper-runs 5
    python benchmarks/latency.py --out results/latency.json   # the record the claims ledger reads

Prints a table, then as the last line one JSON object (times ``..._ms``, ratios ``..._speedup``).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

PAPER_MS = 655.94
CLIP_SECONDS = 10.0
CLIP_SR = 16000


def make_clip(folder: Path, *, actor: str = "01") -> tuple[Path, list[np.ndarray]]:
    """Concatenate one RAVDESS actor's utterances (sorted by name) to 10 s; write a 16 kHz WAV."""
    import soundfile as sf

    from affacrnn.data.audio import load_audio
    from affacrnn.data.corpora import load_corpus

    table = load_corpus("ravdess")
    rows = table[table["speaker"] == actor].sort_values("utterance_id")
    pieces, total = [], 0
    for path in rows["path"]:
        y = load_audio(path, sr=CLIP_SR)
        pieces.append(y)
        total += y.size
        if total >= CLIP_SECONDS * CLIP_SR:
            break
    clip = np.concatenate(pieces)[: int(CLIP_SECONDS * CLIP_SR)]
    out = folder / f"ravdess_actor{actor}_10s.wav"
    sf.write(out, clip, CLIP_SR, subtype="PCM_16")
    return out, pieces


def make_model(preset_name: str, folder: Path, pieces: list[np.ndarray]) -> Path:
    """An untrained model of ``preset_name``, saved like ``affacrnn train`` saves one."""
    import librosa

    from affacrnn.models import presets
    from affacrnn.models import build_model, save_model
    from affacrnn.features.normalize import FeatureScaler
    from affacrnn.features.spectrogram import extract_all

    config = presets.get_preset(preset_name)
    fcfg = config.feature_config()
    X = np.stack(
        [
            extract_all(librosa.resample(y, orig_sr=CLIP_SR, target_sr=config.sr), config=fcfg, image_size=None)[0]
            for y in pieces
        ]
    )
    scaler = FeatureScaler().fit(X)
    model = build_model(config, n_classes=3)
    return save_model(
        model,
        folder / f"{preset_name}.keras",
        config=config,
        scaler_dict=scaler.to_dict(),
        label_classes=["negative", "neutral", "positive"],
    )


def measure(model_path: Path, clip: Path, *, runs: int, warmup: int) -> dict:
    from affacrnn.inference.predictor import Predictor

    t0 = time.perf_counter()
    predictor = Predictor(model_path)
    load_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    result = predictor.predict(clip)
    first_ms = (time.perf_counter() - t0) * 1000
    for _ in range(max(warmup - 1, 0)):
        predictor.predict(clip)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        predictor.predict(clip)
        times.append((time.perf_counter() - t0) * 1000)
    times_sorted = sorted(times)
    p95 = times_sorted[min(len(times) - 1, int(np.ceil(0.95 * len(times))) - 1)]
    return {
        "runs": runs,
        "median_ms": statistics.median(times),
        "p95_ms": p95,
        "mean_ms": statistics.fmean(times),
        "min_ms": times_sorted[0],
        "load_ms": load_ms,
        "first_call_ms": first_ms,
        "utterances": len(result["utterances"]),
        "parameters": int(predictor.model.count_params()),
    }


def _ratio(x: float) -> str:
    """``20.4x faster`` / ``22.8x slower`` (paper's time over ours)."""
    return f"{x:.1f}x faster" if x >= 1 else f"{1 / x:.1f}x slower"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100, help="timed runs of the main preset (default 100)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first (default 5)")
    parser.add_argument("--preset", default="cpu", help="main preset (default cpu)")
    parser.add_argument("--also-paper", action="store_true", help="also time the paper preset (ResNet152, 512²)")
    parser.add_argument("--paper-runs", type=int, default=5, help="timed runs of the paper preset (default 5)")
    parser.add_argument("--actor", default="01", help="RAVDESS actor whose speech makes the clip (default 01)")
    parser.add_argument("--out", default=None,
                        help="also write the JSON record, with provenance, to this file (atomically); the claims "
                             "ledger reads results/latency.json")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.paper_runs < 1 or args.warmup < 1:
        parser.error("--runs, --paper-runs and --warmup must be >= 1")

    import tensorflow as tf

    from affacrnn.provenance import environment

    rows = {}
    with tempfile.TemporaryDirectory(prefix="affacrnn-latency-") as tmp:
        folder = Path(tmp)
        clip, pieces = make_clip(folder, actor=args.actor)
        plan = [(args.preset, args.runs)]
        if args.also_paper and args.preset != "paper":
            plan.append(("paper", args.paper_runs))
        for name, runs in plan:
            path = make_model(name, folder, pieces)
            rows[name] = measure(path, clip, runs=runs, warmup=args.warmup if name != "paper" else 1)
            rows[name]["model_file_mb"] = round(path.stat().st_size / 2**20, 1)

    env = environment()
    print(f"Latency: 10 s RAVDESS clip (actor {args.actor}) on disk -> sentiment, one process, "
          f"{os.cpu_count()} CPUs, TF intra-op threads {tf.config.threading.get_intra_op_parallelism_threads() or 'auto'}")
    print(f"{'preset':<7} {'params':>10} {'utts':>4} {'runs':>5} {'median ms':>10} {'p95 ms':>8} {'mean ms':>8} "
          f"{'load ms':>8} {'1st ms':>8} {'vs 655.94 ms':>13}")
    for name, r in rows.items():
        print(f"{name:<7} {r['parameters']:>10,} {r['utterances']:>4} {r['runs']:>5} {r['median_ms']:>10.1f} "
              f"{r['p95_ms']:>8.1f} {r['mean_ms']:>8.1f} {r['load_ms']:>8.0f} {r['first_call_ms']:>8.0f} "
              f"{_ratio(PAPER_MS / r['median_ms']):>12}")
    print("paper: 655.94 ms, mean of 1000 runs on a 10 s clip (§5); its hardware is not stated. "
          "Weights untrained (latency does not depend on them).")
    record = {"benchmark": "latency", "clip_seconds": CLIP_SECONDS, "paper_ms": PAPER_MS}
    for name, r in rows.items():
        for key in ("median_ms", "p95_ms", "mean_ms", "min_ms", "load_ms", "first_call_ms"):
            record[f"{name}_{key}"] = round(r[key], 2)
        record[f"{name}_runs"] = r["runs"]
        record[f"{name}_utterances"] = r["utterances"]
        record[f"{name}_median_speedup"] = round(PAPER_MS / r["median_ms"], 2)
    record["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    record["cpus"] = os.cpu_count()
    record["versions"] = {k: env["packages"].get(k) for k in ("affacrnn", "tensorflow", "keras", "librosa")}
    print(json.dumps(record))
    if args.out:
        from affacrnn.provenance import atomic_write_json

        atomic_write_json(Path(args.out), {**record, "provenance": env})
    return 0


if __name__ == "__main__":
    sys.exit(main())
