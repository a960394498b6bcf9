"""Does a speaker-normalised model answer a voice it has never heard? Each clip alone against the speaker's memory.

Chapter 11's voice widget classifies one short recording at a time. A model trained with
``normalization="speaker"`` scales each recording by its speaker's statistics
(:mod:`affacrnn.inference.own_statistics`): from one clip alone (blended with the training
speakers' typical statistics by the seconds of speech heard), or from everything the same speaker
said so far (``Predictor.predict(speaker=...)``, what the widget does for its reader).

On RAVDESS clips of the model's own test actors (its saved split, rebuilt from its config), each
played as the widget records it — half a second of silence, the clip, half a second of silence, at
48 kHz — up to ``--clips`` per actor in random order, both ways side by side in one run:

* **alone**: every clip classified by itself;
* **memory**: one actor's clips one after another with ``speaker="reader"``, the memory cleared
  between actors.

Prints accuracy, macro-F1 and the answers per true class of both, and writes them with the
model's config and provenance to ``--out`` (default ``results/voice_memory.json``). Run::

    affacrnn train --preset cpu --architecture ub --label-scheme sentiment3 --out models/ub
    python benchmarks/voice_memory.py models/ub

Needs the shared corpora (``AFFACRNN_DATA``).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import affacrnn  # noqa: E402
from affacrnn.data.labels import apply_scheme  # noqa: E402
from affacrnn.errors import AudioError  # noqa: E402
from affacrnn.features.dataset import split_table  # noqa: E402
from affacrnn.inference.predictor import Predictor  # noqa: E402
from affacrnn.provenance import atomic_write_json, environment  # noqa: E402

#: What a microphone recording adds around the speech: half a second of silence at 48 kHz.
RATE, PAUSE = 48000, 24000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="a model folder or .keras file from `affacrnn train` (trained on RAVDESS)")
    ap.add_argument("--clips", type=int, default=15, help="clips per test actor (default 15)")
    ap.add_argument("--out", default=str(REPO / "results" / "voice_memory.json"))
    args = ap.parse_args()
    predictor = Predictor(args.model)
    cfg = predictor.config
    table = apply_scheme(affacrnn.load_corpus(cfg.corpus, seed=cfg.seed), affacrnn.get_scheme(cfg.label_scheme))
    table = split_table(table, val_size=cfg.val_size, test_size=cfg.test_size, seed=cfg.seed)
    test = table[table["split"] == "test"]
    rng = np.random.default_rng(0)
    plays = []
    for speaker, rows in test.groupby("speaker"):
        for path, y in rows[["path", "y"]].to_numpy()[rng.permutation(len(rows))[:args.clips]]:
            try:
                clip = affacrnn.load_audio(path, sr=RATE)
            except AudioError:  # a clip the corpus reader refuses (silent) is no recording
                continue
            pause = np.zeros(PAUSE, np.float32)
            plays.append((str(speaker), int(y), np.concatenate([pause, clip, pause])))
    report = {}
    for way in ("alone", "memory"):
        truth, answers, last = [], [], None
        for speaker, y, audio in plays:
            if speaker != last:
                predictor.speakers.clear()
                last = speaker
            out = predictor.predict(audio, sr=RATE, speaker="reader" if way == "memory" else None)
            truth.append(y)
            answers.append(predictor.classes.index(out["summary"]["sentiment"]))
        truth_a, answers_a = np.array(truth), np.array(answers)
        report[way] = {
            "clips": len(truth), "accuracy": round(float(np.mean(truth_a == answers_a)), 3),
            "macro_f1": round(float(f1_score(truth_a, answers_a, average="macro")), 3),
            "classes_answered": int(len(set(answers))),
            "answers_by_true_class": {predictor.classes[c]: dict(Counter(predictor.classes[a] for a in answers_a[truth_a == c]))
                                      for c in sorted(set(truth))},
        }
        print(f"{way:>6}: accuracy {report[way]['accuracy']:.3f}, macro-F1 {report[way]['macro_f1']:.3f}, "
              f"{report[way]['classes_answered']} classes answered ({len(truth)} clips)", flush=True)
    record = {"model": str(args.model), "config": cfg.to_dict(), "test_speakers": sorted(test["speaker"].astype(str).unique()),
              "clips_per_speaker": args.clips, **report, "provenance": environment()}
    atomic_write_json(Path(args.out), record)
    print(json.dumps({k: record[k] for k in ("alone", "memory")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
