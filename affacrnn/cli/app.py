"""The ``affacrnn`` command line. Every verb has ``--help``.

Exit codes: 0 success, 1 an affacrnn error (bad input: the one-line message is printed to
stderr), 2 a usage error (argparse), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM); an
interrupted run stops its worker processes and leaves no half-written file.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import argparse
import importlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import warnings
from importlib.metadata import entry_points
from typing import Callable

from affacrnn._io import strict_json
from affacrnn.cli.subparsers import Subparsers
from affacrnn.errors import AffacrnnError, AffacrnnWarning
from affacrnn.settings import check_data_root

__all__ = ["main", "build_parser", "VERB_GROUP"]

#: Verbs defined in their own modules: verb -> module exposing add_parser(subparsers) and run(args).
_VERB_MODULES = {
    "features": "affacrnn.cli.features",
    "train": "affacrnn.cli.train",
    "predict": "affacrnn.cli.predict",
    "book": "affacrnn.cli.book",
}
#: Entry-point group through which another installed package adds verbs: each entry point names a
#: callable ``add(subparsers)`` (the repository's ``reproduction`` adds ``experiment`` and ``bench``).
VERB_GROUP = "affacrnn.verbs"


def _corpora_parser(sub: Subparsers) -> None:
    p = sub.add_parser(
        "corpora",
        help="list the corpora under the data root and summarise them",
        description="Summarise corpora: utterances, speakers, sessions, hours, labels. "
        "With no name, every corpus present under the data root (AFFACRNN_DATA); "
        "the synthetic demo corpus is generated on first use when no real corpus is configured.",
    )
    p.add_argument("names", nargs="*", help="corpus names (ravdess, emodb, mosi, demo) or manifest paths")
    p.add_argument("--root", help="data root (default: $AFFACRNN_DATA or the repo's data/)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(handler=_run_corpora)


def _summary(table) -> dict:
    label = "emotion" if table["emotion"].notna().any() else "score"
    labels = (
        table["emotion"].value_counts().sort_index().to_dict()
        if label == "emotion"
        else {"min": float(table["score"].min()), "mean": float(table["score"].mean()), "max": float(table["score"].max())}
    )
    return {
        "corpus": str(table["corpus"].iloc[0]),
        "utterances": int(len(table)),
        "speakers": int(table["speaker"].nunique()),
        "sessions": int(table["session"].nunique()),
        "hours": round(float(table["duration"].sum()) / 3600, 2),
        "languages": sorted(set(table["language"].astype(str))),
        "audio": bool(table["path"].notna().any()),
        "label": label,
        "labels": {str(k): (int(v) if label == "emotion" else v) for k, v in labels.items()},
    }


def _run_corpora(args: argparse.Namespace) -> int:
    from affacrnn.data.corpora import available_corpora, default_corpus, load_corpus
    from affacrnn.data.corpora.mosi_vectors import has_mosi_vectors, load_mosi_vectors
    from affacrnn.settings import data_root

    if not args.names or "demo" in args.names:  # the demo corpus would be built under a missing root
        check_data_root(args.root)
    names = args.names or available_corpora(root=args.root) or [default_corpus(root=args.root)]
    rows = [_summary(load_corpus(n, root=args.root)) for n in names]
    for r in rows:
        if r["corpus"] == "mosi" and has_mosi_vectors(root=args.root):
            vectors = load_mosi_vectors(root=args.root)
            r["vectors"] = {"source": "bc-lstm", "utterances": len(vectors), "values": int(vectors.X.shape[1])}
    if args.json:
        print(strict_json({"data_root": str(data_root(args.root)), "corpora": rows}))
        return 0
    print(f"data root: {data_root(args.root)}")
    print(f"{'corpus':<10} {'utts':>6} {'spk':>4} {'sess':>5} {'hours':>6}  lang   audio  labels")
    for r in rows:
        labels = ", ".join(f"{k} {v}" for k, v in r["labels"].items()) if r["label"] == "emotion" else (
            f"score {r['labels']['min']:+.1f}..{r['labels']['max']:+.1f}")
        print(
            f"{r['corpus']:<10} {r['utterances']:>6} {r['speakers']:>4} {r['sessions']:>5} {r['hours']:>6.2f}  "
            f"{','.join(r['languages']):<6} {'yes' if r['audio'] else 'no':<6} {labels}"
        )
        if "vectors" in r:
            v = r["vectors"]
            print(f"{'':<10} audio vectors published with bc-LSTM: {v['utterances']} utterances × {v['values']} "
                  "values (`affacrnn experiment mosi_audio`)")
    return 0


def _info_parser(sub: Subparsers) -> None:
    p = sub.add_parser("info", help="print versions, settings and presets (for bug reports and results files)",
                       description="Print the package and library versions, the data root, cache folder and machine; "
                       "with --preset, also every field of that preset's config (what `affacrnn train --preset` uses).")
    p.add_argument("--preset", help="also print this preset's config (paper, cpu, smoke)")
    p.set_defaults(handler=_run_info)


def _run_info(args: argparse.Namespace) -> int:
    from affacrnn.provenance import environment

    info = environment()
    if getattr(args, "preset", None):
        from affacrnn.models.presets import get_preset

        info["config"] = get_preset(args.preset).to_dict()
    print(strict_json(info, indent=2))
    return 0


_BUILTIN: dict[str, Callable[[Subparsers], None]] = {
    "corpora": _corpora_parser,
    "info": _info_parser,
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every verb registered."""
    parser = argparse.ArgumentParser(
        prog="affacrnn",
        description="AFF-ACRNN audio sentiment analysis: corpora, features, models, experiments, the book.",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars or chatter (for scripts)")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for add in _BUILTIN.values():
        add(sub)
    for module in _VERB_MODULES.values():
        try:
            importlib.import_module(module).add_parser(sub)
        except ModuleNotFoundError as exc:  # a verb whose optional module is absent
            if exc.name != module:
                raise
    for entry in sorted(entry_points(group=VERB_GROUP), key=lambda e: e.name):
        try:
            add = entry.load()
        except ImportError as exc:  # an installed plugin whose package is gone: the other verbs still work
            print(f"affacrnn: warning: verb {entry.name!r} is not available ({entry.value}: {exc}); reinstall the "
                  "package that declares it (`pip install -e .` in this repository) or uninstall it", file=sys.stderr)
            continue
        add(sub)
    return parser


def _one_line_warnings(verb: str):
    """``warnings.showwarning`` printing affacrnn's own warnings as ``affacrnn VERB: warning: ...``."""
    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, AffacrnnWarning):
            line = f"affacrnn {verb}: warning: {message}"
            tqdm = sys.modules.get("tqdm")
            if tqdm is not None:  # tqdm.write prints above any open bar (and plainly when there is none)
                tqdm.tqdm.write(line, file=sys.stderr)
            else:
                print(line, file=sys.stderr, flush=True)
        else:
            previous(message, category, filename, lineno, file, line)

    return show


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the same clean-up runs (workers stopped, nothing half-written)."""


def _raise_terminated(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    raise _Terminated()


def _stop_workers() -> None:
    """Kill joblib's loky worker processes, if this process started any.

    loky keeps its workers alive for reuse after a run; after an interruption they must not
    outlive the command (a SIGTERM during ``features --jobs 2`` left them running for minutes).
    """
    module = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(module, "_executor", None) if module is not None else None
    if executor is not None:
        try:
            executor.shutdown(wait=False, kill_workers=True)
        except Exception:  # noqa: BLE001 - best effort while exiting
            pass


def _close_progress_bars() -> None:
    """Close tqdm bars an interruption left open, so the last line printed is the message."""
    tqdm = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", ())):
        try:
            bar.close()
        except Exception:  # noqa: BLE001 - best effort while exiting
            pass


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 affacrnn error, 2 usage, 130 interrupted, 141 output pipe closed,
    143 terminated)."""
    args = build_parser().parse_args(argv)
    saved = warnings.showwarning
    warnings.showwarning = _one_line_warnings(args.verb)
    in_main_thread = threading.current_thread() is threading.main_thread()
    old_term = signal.signal(signal.SIGTERM, _raise_terminated) if in_main_thread else None
    try:
        return int(args.handler(args) or 0)
    except AffacrnnError as exc:
        print(f"affacrnn {args.verb}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        _stop_workers()
        _close_progress_bars()
        # An eager step (``run_eagerly``) cut off mid-LSTM leaves TensorArrays that TensorFlow reports when they
        # are collected, as "Object was never used" (an ERROR block after the line below): nothing is wrong then.
        logging.getLogger("tensorflow").setLevel(logging.CRITICAL)
        terminated = isinstance(exc, _Terminated)
        print(f"affacrnn {args.verb}: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
        return 143 if terminated else 130
    except BrokenPipeError:  # the reader stopped reading (`affacrnn experiment --list | head -2`): stop quietly
        _stop_workers()
        try:  # the interpreter flushes stdout once more on exit: point it at /dev/null so that cannot fail too
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # no real file behind sys.stdout (captured in a test)
            pass
        return 141  # 128 + SIGPIPE, as a shell tool killed by the closed pipe reports it
    finally:
        warnings.showwarning = saved
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)


def console() -> None:
    """The console script (``affacrnn``) and ``python -m affacrnn.cli``: :func:`main` as a process.

    After an interruption (130, 143) the process ends without the interpreter's teardown. Tearing
    down TensorFlow's ``tf.data`` iterators can wait forever on a prefetch thread cut off
    mid-batch (seen after Ctrl-C in an eager ``smoke`` training: exit status printed, process never
    gone). Nothing is lost by skipping it: every file the commands write is written atomically, and
    :func:`main` has stopped joblib's workers and closed the progress bars by then. A process that still
    has multiprocessing children (a cross-validation's Dask workers) takes the normal exit: its
    teardown is what stops them.
    """
    code = main()
    if code in (130, 143) and not multiprocessing.active_children():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can reach the reader
                pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()
