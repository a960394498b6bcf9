"""``affacrnn train`` and ``affacrnn evaluate``.

Every field of :class:`~affacrnn.models.config.AFFConfig` is a flag of ``train`` (``--n-frames``,
``--lr-lstm``, ``--cnn`` ...), applied on top of ``--preset``: the flags map one-to-one onto the
config, so a results file's config can be replayed on the command line.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import typing
from pathlib import Path

from affacrnn._io import strict_json
from affacrnn.cli.subparsers import Subparsers

__all__ = ["add_parser", "config_from_args", "add_config_flags"]


#: Scalar field types -> (converter, metavar) of their flags.
def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false; got {text!r}")


_SCALARS = {int: (int, "N"), float: (float, "X"), str: (str, "S"), bool: (_bool, "true|false")}


def _flag_type(tp) -> tuple[typing.Callable, str]:
    """The flag's converter and metavar for an :class:`AFFConfig` field type (``typing.get_type_hints``).

    ``int | None`` reads as ``int``; ``tuple[int, ...]`` reads a comma-separated list.
    """
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) is tuple:
        inner = _SCALARS[args[0]][0]
        return (lambda s: tuple(inner(x) for x in s.split(",") if x.strip())), "A,B,..."
    if args:  # Optional[X] / X | None
        return _flag_type(args[0])
    return _SCALARS[tp]


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One ``--field-name`` flag per :class:`AFFConfig` field (default: the preset's value)."""
    from affacrnn.models.config import AFFConfig

    hints = typing.get_type_hints(AFFConfig)
    group = parser.add_argument_group("config fields (override the preset; see affacrnn.models.config.AFFConfig)")
    for f in dataclasses.fields(AFFConfig):
        if f.name == "name":
            continue
        conv, metavar = _flag_type(hints[f.name])
        group.add_argument(f"--{f.name.replace('_', '-')}", dest=f"cfg_{f.name}", type=conv, metavar=metavar,
                           default=None, help=f"(default: preset's; AFFConfig field {f.name})")


def config_from_args(args: argparse.Namespace):
    """The preset named by ``args.preset`` with every given ``--field`` applied."""
    from affacrnn.models.presets import get_preset

    base = get_preset(args.preset)
    changes = {k[4:]: v for k, v in vars(args).items() if k.startswith("cfg_") and v is not None}
    return base.replace(**changes) if changes else base


def _print_metrics(title: str, m: dict, classes) -> None:
    f1_name = "F1" if len(classes) == 2 else "macro F1"
    f1 = m.get("f1") if len(classes) == 2 else m.get("macro_f1")
    print(f"{title}: n={m['n']}  weighted accuracy {100 * m['weighted_accuracy']:.2f}% "
          f"(95% CI {100 * m['accuracy_ci_low']:.1f}–{100 * m['accuracy_ci_high']:.1f})  "
          f"{f1_name} {100 * f1:.2f}  balanced {100 * m['balanced_accuracy']:.2f}  "
          f"majority baseline {100 * m['majority_accuracy']:.2f}%")


#: The scheme used when ``train`` falls back to the demo corpus (its labels are scores, as MOSI's;
#: the book's chapters use the same one).
DEMO_SCHEME = "mosi2"


def _demo_fallback(config, args: argparse.Namespace):
    """The config to train when the corpus was not chosen and the preset's is absent: the demo.

    ``affacrnn train --preset cpu`` on a machine without RAVDESS would otherwise fail twice
    (no corpus, then an emotion scheme on a score corpus). A corpus or scheme given on the command
    line is never replaced.
    """
    from affacrnn.data.corpora import available_corpora
    from affacrnn.data.labels import get_scheme
    from affacrnn.settings import data_root

    if args.cfg_corpus is not None or config.corpus in available_corpora() or Path(config.corpus).exists():
        return config
    scheme = config.label_scheme
    if get_scheme(scheme).kind != "score":
        if args.cfg_label_scheme is not None:  # an emotion scheme chosen on purpose: the demo cannot serve it
            return config
        scheme = DEMO_SCHEME
    print(f"affacrnn train: no {config.corpus} corpus under the data root {data_root()}; training on the "
          f"synthetic demo corpus, scheme {scheme} (pass --corpus and --label-scheme to choose)", file=sys.stderr)
    return config.replace(corpus="demo", label_scheme=scheme)


def _run_train(args: argparse.Namespace) -> int:
    config = _demo_fallback(config_from_args(args), args)  # a bad flag fails here, before TensorFlow loads
    from affacrnn.training import train

    quiet = getattr(args, "quiet", False)
    if not quiet:
        print(f"training {config.model_name} ({config.name} preset) on {config.corpus}, "
              f"scheme {config.label_scheme}, seed {config.seed} → {args.out}", file=sys.stderr)
    result = train(config, out_dir=args.out, resume=not args.no_resume, progress=not quiet)
    if args.json:
        print(strict_json({"model_path": str(result.model_path), "results_path": str(result.results_path),
                          "best_epoch": result.best_epoch, "config": config.to_dict(), "metrics": result.metrics}))
        return 0
    print(f"model: {result.model_path}\nresults: {result.results_path}\n"
          f"best epoch {result.best_epoch} of {len(result.history)} (chosen on {config.monitor}), "
          f"{result.seconds:.0f} s, {result.seconds_per_epoch:.1f} s/epoch")
    for part in ("validation", "test"):
        _print_metrics(part, result.metrics[part], result.classes)
    return 0


def _run_evaluate(args: argparse.Namespace) -> int:
    from affacrnn.errors import CorpusError, ParameterError
    from affacrnn.models.io import read_metadata

    if args.corpus is not None and not args.corpus.strip():
        raise ParameterError("`--corpus` is empty. Name a corpus (ravdess, emodb, ...) or a manifest, or leave --corpus "
                             "out to score the corpus the model was trained on.")
    read_metadata(args.model)  # a missing, corrupt or edited model is refused before TensorFlow starts
    from affacrnn.data.corpora import load_corpus
    from affacrnn.features.dataset import corpus_fingerprint, prepare
    from affacrnn.features.normalize import FeatureScaler
    from affacrnn.models.io import load_model
    from affacrnn.training import evaluate

    model, meta = load_model(args.model)
    config = meta["config"].replace(perturb=())  # scoring reads the real recordings: no training copies
    if args.corpus:
        config = config.replace(corpus=args.corpus)
    table = load_corpus(config.corpus, seed=config.seed)
    part = args.part
    if part == "all":
        table = table.assign(split="test")
        part = "test"
    scaler = FeatureScaler.from_dict(meta["scaler"]) if meta.get("scaler") else None
    data = prepare(config, table=table, scaler=scaler, progress=not getattr(args, "quiet", False))
    trained_on = meta.get("corpus")
    if not args.corpus and trained_on:  # its own corpus: it must be the very one it was trained on
        found = corpus_fingerprint(data, name=config.corpus)
        if found["fingerprint"] != trained_on["fingerprint"]:
            raise CorpusError(
                f"the corpus found as {config.corpus!r} is not the one {args.model} was trained on "
                f"({found['utterances']} labelled utterances now, {trained_on['utterances']} then; fingerprints "
                f"{found['fingerprint']} vs {trained_on['fingerprint']}). Pass --corpus to score another corpus on purpose."
            )
    metrics = evaluate(model, data, part=part, seed=config.seed)
    if args.json:
        print(strict_json({"model": str(args.model), "corpus": config.corpus, "part": args.part, "metrics": metrics}))
        return 0
    _print_metrics(f"{config.corpus} ({args.part})", metrics, data.classes)
    print(metrics["confusion"] if not isinstance(metrics["confusion"], dict) else json.dumps(metrics["confusion"]))
    return 0


def add_parser(sub: Subparsers) -> None:
    """Register ``train`` and ``evaluate``."""
    p = sub.add_parser("train", help="train a model (preset + config flags) and evaluate it",
                       description="Train AFF-ACRNN or a branch on a speaker-disjoint split; the epoch is chosen on "
                       "validation, the test part is scored once. Writes OUT/model.keras and OUT/results.json; "
                       "an interrupted run resumes when started again with the same OUT.")
    p.add_argument("--preset", default="cpu", help="paper, cpu (default) or smoke")
    p.add_argument("--out", required=True, help="output folder for model.keras and results.json")
    p.add_argument("--no-resume", action="store_true", help="start over even if OUT holds an interrupted run")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress bars")
    add_config_flags(p)
    p.set_defaults(handler=_run_train)

    e = sub.add_parser("evaluate", help="score a saved model on a corpus, with the majority baseline",
                       description="Evaluate a saved model on its corpus's test part, or on every row of another "
                       "corpus (--corpus emodb --part all: cross-corpus).")
    e.add_argument("--model", required=True, help="a model.keras written by `affacrnn train`")
    e.add_argument("--corpus", help="corpus name or manifest (default: the one it was trained on)")
    e.add_argument("--part", default="test", choices=["test", "validation", "train", "all"])
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress bars")
    e.set_defaults(handler=_run_evaluate)
