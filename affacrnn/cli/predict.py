"""The ``affacrnn predict`` verb: the sentiment of each utterance of audio files, and of each file.

Example::

    affacrnn predict interview.wav --model models/cpu/model.keras
    affacrnn predict a.flac b.wav --model models/cpu --json > sentiments.json

Notebook: book/11_inference.ipynb
"""
from __future__ import annotations

import argparse
import sys

from affacrnn._io import strict_json
from affacrnn.cli.subparsers import Subparsers

__all__ = ["add_parser", "run", "main"]


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Register the ``predict`` verb on ``subparsers``; return its parser."""
    p = subparsers.add_parser(
        "predict",
        help="classify the sentiment of audio files, utterance by utterance",
        description="Split each audio file (any format soundfile reads; any rate, channels, length) into "
        "utterances at its silences, classify each in its three-utterance context with a trained model, "
        "and summarise the file. Prints a table per file, or one JSON object with --json.",
    )
    _arguments(p)
    p.set_defaults(handler=run)
    return p


def _arguments(p: argparse.ArgumentParser) -> None:
    from affacrnn.inference.segment import MAX_UTTERANCE, MIN_UTTERANCE, TOP_DB

    p.add_argument("files", nargs="+", metavar="FILE", help="audio files")
    p.add_argument(
        "--model",
        required=True,
        help="a .keras file from `affacrnn train` (or its --out folder holding model.keras)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object: {model, files: [...]}")
    p.add_argument(
        "--top-db", type=float, default=TOP_DB, help=f"silence threshold below the loudest frame, dB (default {TOP_DB:g})"
    )
    p.add_argument(
        "--min-utterance", type=float, default=MIN_UTTERANCE, help=f"shortest utterance, s (default {MIN_UTTERANCE:g})"
    )
    p.add_argument(
        "--max-utterance", type=float, default=MAX_UTTERANCE, help=f"longest utterance, s (default {MAX_UTTERANCE:g})"
    )
    p.add_argument("--same-speaker", action="store_true",
                   help="the files are one speaker: a speaker-normalised model scales each by everything said so far")
    p.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help="only the results, no progress")


def _table(result: dict) -> str:
    classes = result["classes"]
    width = max(9, *(len(c) for c in classes))
    lines = [f"{result['file']}  ({result['duration']:.1f} s, {result['summary']['n_utterances']} utterances)"]
    head = f"  {'#':>3} {'start':>8} {'end':>8}  {'sentiment':<{width}} " + " ".join(f"{c[:8]:>8}" for c in classes)
    lines.append(head + "  attention (prev, this, next)")
    for u in result["utterances"]:
        probs = " ".join(f"{u['probabilities'][c]:>8.2f}" for c in classes)
        att = " ".join(f"{a:.2f}" for a in u["attention"])
        lines.append(f"  {u['index']:>3} {u['start']:>8.2f} {u['end']:>8.2f}  {u['sentiment']:<{width}} {probs}  {att}")
    s = result["summary"]
    probs = " ".join(f"{s['probabilities'][c]:>8.2f}" for c in classes)
    lines.append(f"  {'all':>3} {0:>8.2f} {result['duration']:>8.2f}  {s['sentiment']:<{width}} {probs}  "
                 f"(duration-weighted; majority of utterances: {s['majority']})")
    lines += [f"  note: {n}" for n in result.get("notes", ())]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run the verb; return the exit code.

    A file that cannot be read (:class:`~affacrnn.errors.AudioError`) gets one error line on stderr
    and the other files are still classified; the exit code is then 1. Model and parameter errors
    stop the verb (they propagate to ``affacrnn.cli.app.main``).
    """
    from affacrnn.errors import AudioError
    from affacrnn.models.io import read_metadata

    read_metadata(args.model)  # a missing, corrupt or edited model is refused before TensorFlow starts
    from affacrnn.inference.predictor import Predictor

    quiet = getattr(args, "quiet", False)
    predictor = Predictor(
        args.model, top_db=args.top_db, min_utterance=args.min_utterance, max_utterance=args.max_utterance
    )
    results, failed = [], []
    for i, path in enumerate(args.files):
        if not quiet and not args.json and len(args.files) > 1:
            print(f"[{i + 1}/{len(args.files)}] {path}", file=sys.stderr)
        try:
            result = predictor.predict(path, speaker="files" if args.same_speaker else None)
        except AudioError as exc:
            failed.append({"file": str(path), "error": str(exc)})
            print(f"affacrnn predict: error: {exc}", file=sys.stderr)
            continue
        results.append(result)
        if not args.json:
            if len(results) > 1:
                print()
            print(_table(result))
    if args.json:
        print(strict_json({"model": str(predictor.path), "classes": list(predictor.classes), "files": results,
                          "errors": failed}))
    if failed and len(args.files) > 1 and not quiet:
        print(f"affacrnn predict: {len(failed)} of {len(args.files)} files could not be read (see above); "
              "the others were classified", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """``python -m affacrnn.cli.predict FILE... --model M``: the verb on its own, same exit codes."""
    from affacrnn.errors import AffacrnnError

    parser = argparse.ArgumentParser(prog="affacrnn predict", description="Classify the sentiment of audio files.")
    _arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except AffacrnnError as exc:
        print(f"affacrnn predict: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("affacrnn predict: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
