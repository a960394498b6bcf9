"""How fast does each architecture train on a CPU? The old recipe against the new one, side by side.

Usage::

    python benchmarks/train_speed.py [--speakers N] [--steps S] [--batch B] [--architectures ub,sbcnn,affacrnn]
                                     [--pair padding|encoder] [--encoder statistics|attentive]

On real RAVDESS windows (the first ``N`` actors, sentiment3, the ``CPU_ROUND_ONE`` preset's sizes), time ``S``
training steps of each architecture under two recipes, interleaved in one process:

* **old**: every utterance read as all 256 frames (padding included), no mask, whole-array
  batches, as before the recipe issue;
* **new**: the indexed network (each distinct utterance of a batch encoded once, windows taken
  in runs of consecutive utterances), padding masked, batches of similar real lengths cut to
  their longest utterance (:class:`affacrnn.training.WindowBatches`).

``--pair encoder`` times instead the new recipe above (**old** here) against round two's reading
of the frames (**new**): AFF1 as ``--encoder`` (``statistics``: the frames' mean and sd, no
recurrent layer; ``attentive``: attentive statistics over the BiLSTM states), on windows of one
utterance (acted corpora have no real context); the SBCNN branch has no encoder to change.

Each recipe builds its model, runs one warm-up epoch (tracing every batch shape; its seconds are
printed too), then the timed steps; the figure is windows per second (a window is the target and its context, 3 utterances). The fused model is
timed as one end-to-end network (the staged recipe trains the two branches, then a small head on
saved states, which costs far less than a branch). Prints a table, the new/old ratio per
architecture, then, as the last line of standard output, one JSON object with the figures.
Needs the shared corpora (``AFFACRNN_DATA``).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from affacrnn.data.corpora import load_corpus  # noqa: E402
from affacrnn.data.splits import speaker_slice  # noqa: E402
from affacrnn.features.dataset import prepare  # noqa: E402
from affacrnn.models import build_model, presets  # noqa: E402
from affacrnn.training import window_batches  # noqa: E402


def _step(model, batch) -> int:
    x, y, *w = batch
    model.train_on_batch(x, y, sample_weight=w[0] if w else None)
    return len(y)


def _time(model, batches, steps: int) -> tuple[float, float]:
    """Windows per second over ``steps`` timed steps, after a warm-up epoch; and that epoch's seconds.

    The warm-up epoch traces every batch shape once (Keras keeps one traced step per shape, so
    later epochs pay nothing for it); it is reported beside the steady figure.
    """
    t0 = time.perf_counter()
    for batch in batches:
        _step(model, batch)
    warm = time.perf_counter() - t0
    n_windows = 0
    t0 = time.perf_counter()
    for i in range(steps):
        n_windows += _step(model, batches[i % len(batches)])
    return n_windows / (time.perf_counter() - t0), warm


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speakers", type=int, default=8)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--batch", type=int, default=presets.CPU_ROUND_ONE.batch_size_lstm)
    ap.add_argument("--architectures", default="ub,sbcnn,affacrnn")
    ap.add_argument("--pair", choices=("padding", "encoder"), default="padding",
                    help="padding: unmasked whole arrays vs masked indexed batches; encoder: that vs round two's AFF1")
    ap.add_argument("--encoder", choices=("statistics", "attentive"), default="statistics")
    args = ap.parse_args()
    table = speaker_slice(load_corpus("ravdess"), n_speakers=args.speakers, per_speaker=60)
    figures = {}
    for arch in args.architectures.split(","):
        row = {}
        for recipe in ("old", "new"):
            cfg = presets.CPU_ROUND_ONE.replace(architecture=arch, training="end_to_end",
                                      mask_padding=recipe == "new" or args.pair == "encoder",
                                      batch_size_lstm=args.batch, batch_size_cnn=args.batch,
                                      batch_size_fusion=args.batch, val_size=0.0, test_size=0.0)
            if args.pair == "encoder" and recipe == "new":
                cfg = cfg.replace(utterance_encoder=args.encoder, context=1)
            data = prepare(cfg, table=table.assign(split="train"), progress=False)
            if recipe == "new" or args.pair == "encoder":
                batches = window_batches(data, cfg, "train", shuffle=True)
                batches = [batches[i] for i in range(len(batches))]
                model = build_model(cfg, n_classes=len(data.classes), indexed=True)
            else:
                x, y = data.inputs("train"), data.labels("train")
                order = np.random.default_rng(0).permutation(len(y))
                batches = [({k: v[order[b:b + args.batch]] for k, v in x.items()}, y[order[b:b + args.batch]])
                           for b in range(0, len(y), args.batch)]
                model = build_model(cfg, n_classes=len(data.classes))
            speed, warm = _time(model, batches, args.steps)
            row[recipe], row[f"{recipe}_first_epoch_s"] = round(speed, 1), round(warm, 1)
            print(f"{arch:>9} {recipe}: {speed:7.1f} windows/s (first epoch, tracing included: {warm:.1f} s)",
                  flush=True)
        row["ratio"] = round(row["new"] / row["old"], 2)
        figures[arch] = row
    print("\narchitecture   old w/s   new w/s   new/old")
    for arch, row in figures.items():
        print(f"{arch:>12} {row['old']:9.1f} {row['new']:9.1f} {row['ratio']:9.2f}")
    print(json.dumps({"pair": args.pair, "encoder": args.encoder if args.pair == "encoder" else None, "steps": args.steps,
                      "batch": args.batch, "speakers": args.speakers, "figures": figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
