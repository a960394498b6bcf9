"""Is a SMOKE training faster with eager steps than with traced graphs? Both, side by side in one process.

Usage::

    python benchmarks/smoke_eager.py [--repeats R] [--architecture affacrnn|ub|sbcnn] [--epochs E]
                                     [--training staged|end_to_end]

On 8 RAVDESS actors (one statement, first repetition: 120 real utterances, as the tests train),
after one untimed warm-up training (TensorFlow's start-up costs the first model of a process),
train the ``SMOKE`` preset with ``run_eagerly=False`` (Keras traces each stage's train, test and
predict steps into graphs) and ``run_eagerly=True`` (each step runs as Python), alternating,
``R`` times each. Features are prepared once and shared, so the figure is the training alone:
building, tracing (graph only) and stepping. Prints each run, the median seconds and the
graph/eager ratio, the largest weight difference between the two modes' models (the same seed
gives the same model either way, up to float rounding), then, as the last line of standard
output, one JSON object with the figures. Needs the shared corpora (``AFFACRNN_DATA``).

Eager pays only while the steps are few: ``--epochs 40`` shows the crossing.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from affacrnn.data.corpora import load_corpus  # noqa: E402
from affacrnn.features.dataset import prepare  # noqa: E402
from affacrnn.models import presets  # noqa: E402
from affacrnn.training import train  # noqa: E402

ACTORS = ["01", "02", "03", "04", "05", "06", "07", "08"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--architecture", choices=("ub", "sbcnn", "affacrnn"), default="affacrnn")
    ap.add_argument("--epochs", type=int, default=presets.SMOKE.epochs)
    ap.add_argument("--training", choices=("staged", "end_to_end"), default=presets.SMOKE.training)
    args = ap.parse_args()
    t = load_corpus("ravdess")
    table = t[t["speaker"].isin(ACTORS) & (t["repetition"] == 1) & t["statement"].str.startswith("Kids")]
    base = presets.SMOKE.replace(corpus="ravdess", label_scheme="sentiment3", architecture=args.architecture,
                                 epochs=args.epochs, training=args.training)
    data = prepare(base, table=table.reset_index(drop=True), progress=False)
    train(base.replace(epochs=1), data=data, progress=False)  # untimed: the process's first model pays TF's start-up
    seconds: dict[str, list[float]] = {"graph": [], "eager": []}
    weights: dict[str, list[np.ndarray]] = {}
    for _ in range(args.repeats):
        for mode in ("graph", "eager"):
            cfg = base.replace(run_eagerly=mode == "eager")
            t0 = time.perf_counter()
            result = train(cfg, data=data, progress=False)
            seconds[mode].append(time.perf_counter() - t0)
            weights[mode] = result.model.get_weights()
            print(f"{args.architecture} {mode:>5}: {seconds[mode][-1]:6.1f} s", flush=True)
    median = {m: statistics.median(s) for m, s in seconds.items()}
    ratio = median["graph"] / median["eager"]
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(weights["graph"], weights["eager"]))
    print(f"\nmedian: graph {median['graph']:.1f} s, eager {median['eager']:.1f} s; graph/eager {ratio:.2f}; "
          f"largest weight difference {diff:.1e}")
    print(json.dumps({"architecture": args.architecture, "training": args.training, "epochs": args.epochs, "repeats": args.repeats,
                      "seconds": {m: [round(x, 1) for x in s] for m, s in seconds.items()},
                      "graph_over_eager": round(ratio, 2), "max_weight_difference": diff}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
