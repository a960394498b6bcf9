"""The ``affacrnn features`` verb: featurise a corpus into the cache (and optionally a ``.npz``).

Example::

    affacrnn features ravdess --features mfcc,centroid,chroma,contrast --image-size 128 --jobs 2
    affacrnn features emodb --image-size 0 --output emodb_features.npz --quiet

Notebook: book/05_features.ipynb
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from affacrnn._io import atomic_path, refuse_unwritable, strict_json
from affacrnn.cli.subparsers import Subparsers
from affacrnn.settings import check_data_root

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Register the ``features`` verb on ``subparsers``; return its parser."""
    from affacrnn.features.frames import FEATURE_DIMS, PAPER_FEATURES

    p = subparsers.add_parser(
        "features",
        help="extract frame features and spectrum graphs of a corpus (cached, parallel)",
        description="Compute the UB-BiLSTM feature matrices (n_frames x D) and SBCNN spectrum graphs "
        "of every utterance of a corpus, in parallel, into the feature cache; print a summary. "
        f"Feature types: {', '.join(FEATURE_DIMS)} (the paper's four: {','.join(PAPER_FEATURES)}).",
    )
    p.add_argument("corpus", help="corpus name (ravdess, emodb, demo, ...) or a manifest/folder path")
    p.add_argument("--root", help="data root (default: $AFFACRNN_DATA or the repo's data/)")
    p.add_argument(
        "--features",
        default=",".join(PAPER_FEATURES),
        help="comma-separated feature types, or 'all' (default: the paper's four, 33 columns)",
    )
    p.add_argument("--frames", type=int, default=256, help="frames per utterance (default 256, the paper's)")
    p.add_argument("--sr", type=int, default=22050, help="sampling rate in Hz (default 22050, the paper's)")
    p.add_argument(
        "--image-size",
        type=int,
        default=128,
        help="spectrum graph side in pixels (paper 512; default 128); 0 skips the graphs",
    )
    p.add_argument("--cache-dir", help="cache root (default: $AFFACRNN_CACHE or the user cache folder)")
    p.add_argument("--no-cache", action="store_true", help="compute everything, read and write no cache")
    p.add_argument("--jobs", type=int, default=-1, help="parallel workers (default -1: all cores)")
    p.add_argument("--limit", type=int, help="only the first N utterances of the table (for a quick try)")
    p.add_argument("--output", help="also save X (and G) with utterance ids to this .npz file")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress bar")
    p.set_defaults(handler=run)
    return p


def _output_path(text: str) -> Path:
    """The ``--output`` file (``.npz`` added as numpy would), checked before any work is done."""
    from affacrnn.errors import ParameterError

    if not text.strip():
        raise ParameterError("`--output` is empty. Pass a file name, e.g. --output features.npz.")
    out = Path(text).expanduser()
    if out.is_dir():
        raise ParameterError(f"`--output` {out} is a folder. Name a file inside it, e.g. {out / 'features.npz'}.")
    if out.suffix != ".npz":
        out = out.with_name(out.name + ".npz")
    if out.is_dir():
        raise ParameterError(f"`--output` {out} is a folder. Name a file inside it, e.g. {out / 'features.npz'}.")
    refuse_unwritable(out.parent, what="`--output`", target=out)
    return out


def run(args: argparse.Namespace) -> int:
    """Run the verb; return the exit code (affacrnn errors propagate to ``affacrnn.cli.app.main``)."""
    import numpy as np

    from affacrnn.data.corpora import load_corpus
    from affacrnn.errors import ParameterError
    from affacrnn.features.cache import featurize
    from affacrnn.features.frames import FEATURE_DIMS, FeatureConfig

    out = _output_path(args.output) if args.output is not None else None  # refused before any work
    if str(args.corpus).lower() == "demo":  # it would be built under a missing root
        check_data_root(args.root)
    features = tuple(FEATURE_DIMS) if args.features.strip().lower() == "all" else args.features  # every registered type
    config = FeatureConfig(sr=args.sr, n_frames=args.frames, features=features)
    table = load_corpus(args.corpus, root=args.root)
    table = table[table["path"].notna()]
    if args.limit is not None:
        if args.limit < 1:
            raise ParameterError(f"`--limit` must be >= 1; got {args.limit}. Pass e.g. --limit 20.")
        table = table.head(args.limit)
    if len(table) == 0:
        raise ParameterError(
            f"corpus {args.corpus!r} has no utterances with audio to featurise "
            "(a labels-only corpus such as MOSI without audio?). Pass a corpus with audio files."
        )
    image_size = args.image_size or None
    done = featurize(
        table,
        config=config,
        image_size=image_size,
        cache_dir=False if args.no_cache else args.cache_dir,
        n_jobs=args.jobs,
        progress=not getattr(args, "quiet", False),
    )
    X, G, report = done.X, done.graphs, done.report
    summary = {
        "corpus": args.corpus,
        "utterances": report.n_files,
        "features": list(config.features),
        "X_shape": list(X.shape),
        "G_shape": None if G is None else list(G.shape),
        "cached": report.n_cached,
        "computed": report.n_files - report.n_cached,
        "seconds": round(report.seconds, 2),
        "cache_dir": report.cache_dir,
    }
    if out is not None:
        arrays = {"X": X}
        if "utterance_id" in table:
            arrays["utterance_id"] = np.asarray([str(u) for u in table["utterance_id"]], dtype=str)
        if G is not None:
            arrays["G"] = G
        with atomic_path(out, suffix=".npz") as tmp:
            np.savez(tmp, **arrays, config=json.dumps(config.to_dict()))
        summary["output"] = str(out)
    if args.json:
        print(strict_json(summary))
        return 0
    print(f"corpus      {summary['corpus']} ({summary['utterances']} utterances)")
    print(f"features    {', '.join(summary['features'])}  ->  X {tuple(X.shape)} float32")
    print(f"graphs      {'none' if G is None else f'G {tuple(G.shape)} float32 in [0, 1]'}")
    print(f"cache       {summary['cached']} hit, {summary['computed']} computed  ({summary['cache_dir'] or 'off'})")
    print(f"time        {summary['seconds']:.2f} s")
    if out is not None:
        print(f"saved       {summary['output']}")
    return 0
