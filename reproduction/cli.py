"""The reproduction's verbs of the ``affacrnn`` command: ``experiment`` and ``bench``.

The library's command line finds them through the ``affacrnn.verbs`` entry points this
repository's ``pyproject.toml`` declares, so an ``affacrnn`` installed without the repository has
neither verb (and no path into a checkout).

``experiment`` re-runs a table of paper §4 and writes it under ``results/``:

``affacrnn experiment NAME [--mode smoke|full] [--seeds 0,1,2] [--out results] [--quiet]`` prints
the table and where it was written (``<out>/<NAME>.csv`` and ``.json`` with provenance);
``affacrnn experiment --list`` lists the experiments with their estimated full-mode time;
``--estimate`` prints the plan of one without running it. ``affacrnn bench NAME [ARGS]`` runs
``benchmarks/NAME.py`` of the repository in a fresh process.

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import argparse
import json
import sys

from affacrnn.cli.subparsers import Subparsers
from affacrnn.provenance import strict_json

__all__ = ["add_parser", "run", "add_bench_parser", "run_bench"]

_SHOW = ("accuracy", "accuracy_sd", "n_seeds", "f1", "f1_kind", "majority_baseline", "paper", "status")
_SHOW_CROSSVAL = ("accuracy", "accuracy_sd", "balanced_accuracy", "macro_f1", "macro_f1_sd", "weighted_f1", "majority")


def _seeds(text: str) -> tuple[int, ...]:
    try:
        seeds = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds must be comma-separated ints, e.g. 0,1,2; got {text!r}") from None
    if not seeds or min(seeds) < 0:
        raise argparse.ArgumentTypeError(f"--seeds must name at least one int >= 0; got {text!r}")
    return seeds


def _param(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--param must be KEY=VALUE (VALUE as JSON or a,b,c); got {text!r}")
    key, value = text.split("=", 1)
    if key.strip().replace("-", "_") in ("seeds", "mode", "out_dir", "progress", "force"):
        flag = {"out_dir": "out", "progress": "quiet"}.get(key.strip(), key.strip())
        raise argparse.ArgumentTypeError(f"--param {key.strip()} is an option of its own: pass --{flag} instead")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        if value.lstrip().startswith(("{", "[")):
            raise argparse.ArgumentTypeError(f"--param {key}: {value!r} is not valid JSON ({exc.msg} at character "
                                             f"{exc.pos}); quote it whole, e.g. --param '{key}={{\"a\": 1}}'") from None
        parsed = tuple(v for v in value.split(",") if v) if "," in value else value
    return key.strip().replace("-", "_"), parsed


def add_parser(sub: Subparsers) -> None:
    """Register ``experiment``."""
    p = sub.add_parser(
        "experiment",
        help="re-run an experiment of the paper (mosi_labels, mosi_audio, branches, crossval, claims) and write results/",
        description="Run one experiment of reproduction and write OUT/NAME.csv and OUT/NAME.json "
        "(rows, caption and provenance). --mode smoke checks that it runs (≈ 1 min); --mode full is the "
        "measurement (CPU preset, 3 seeds, designed for ≤ 60 min on 2 cores; see --estimate).",
    )
    p.add_argument("name", nargs="?", help="experiment name (see --list)")
    p.add_argument("--list", action="store_true", help="list the experiments and exit")
    p.add_argument("--mode", default="smoke", choices=["smoke", "full"], help="smoke (default) or full")
    p.add_argument("--seeds", type=_seeds, default=None, help="comma-separated seeds (default: smoke 0, full 0,1,2)")
    p.add_argument("--out", default="results", help="output folder (default: results)")
    p.add_argument("--param", type=_param, action="append", default=[], metavar="KEY=VALUE",
                   help="experiment keyword, e.g. --param schemes=sentiment2,ravdess5 --param image_size=128")
    p.add_argument("--force", action="store_true",
                   help="let a smoke run overwrite a full-mode result in OUT (refused otherwise)")
    p.add_argument("--estimate", action="store_true", help="print the planned runs and minutes, do not run")
    p.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    p.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress bar or per-run lines")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the ``experiment`` verb; return the exit code."""
    from affacrnn.errors import ParameterError
    from reproduction import EXPERIMENTS, describe_experiments, estimate_minutes, run_experiment

    if args.list or not args.name:
        if not args.list:
            print("affacrnn experiment: error: name an experiment (or pass --list)", file=sys.stderr)
        for name, line in describe_experiments().items():
            est = estimate_minutes(name, mode="full")
            print(f"{name:<12} full ≈ {est['minutes']:>5.1f} min ({est['runs']} runs)  {line}")
        return 0 if args.list else 2
    if args.name not in EXPERIMENTS:
        raise ParameterError(f"unknown experiment {args.name!r}; valid: {', '.join(EXPERIMENTS)}.")
    params = dict(args.param)
    if args.estimate:
        print(strict_json(estimate_minutes(args.name, mode=args.mode, seeds=args.seeds, **params)))
        return 0
    quiet = getattr(args, "quiet", False)
    df = run_experiment(args.name, mode=args.mode, seeds=args.seeds, out_dir=args.out, progress=not quiet,
                        force=args.force, **params)
    if args.json:
        print(strict_json({"caption": df.attrs.get("caption"), "rows": json.loads(df.to_json(orient="records")),
                          "csv": df.attrs.get("csv_path"), "json": df.attrs.get("json_path")}))
        return 0
    import pandas as pd

    if args.name == "claims":  # text columns only: the ledger's verdicts, one line per test
        shown = df[["id", "recipe", "test", "ours", "difference", "units", "verdict"]]
        with pd.option_context("display.width", 200, "display.max_colwidth", 60):
            print(shown.to_string(index=False))
        print(f"\nverdicts: {df.attrs['extra']['verdicts']}; written to {df.attrs.get('json_path')} and claims.md")
        return 0
    show = _SHOW_CROSSVAL if args.name == "crossval" else _SHOW
    keys = [c for c in df.columns if c not in show and not pd.api.types.is_numeric_dtype(df[c])][:4]
    shown = df[[c for c in keys if c not in ("note", "text", "description")] + [c for c in show if c in df]]
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format", "{:.2f}".format):
        print(shown.to_string(index=False))
    print(f"\n{df.attrs.get('caption', '')}")
    print(f"\n{args.name} ({args.mode}, {df.attrs.get('wall_seconds', 0):.0f} s) written to "
          f"{df.attrs.get('csv_path')} and {df.attrs.get('json_path')}")
    return 0


def add_bench_parser(sub: Subparsers) -> None:
    """Register ``bench``."""
    p = sub.add_parser(
        "bench",
        help="run a benchmark from benchmarks/ (features_speed, latency)",
        description="Run benchmarks/NAME.py in a fresh process and pass the remaining arguments on; each prints "
        "a table and, as its last line, one JSON object. With no name, list the benchmarks.",
    )
    p.add_argument("name", nargs="?", help="benchmark name (file stem in benchmarks/)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the benchmark (see NAME --help)")
    p.set_defaults(handler=run_bench)


def run_bench(args: argparse.Namespace) -> int:
    import subprocess

    from affacrnn.errors import ParameterError
    from reproduction.results import REPO_ROOT

    folder = REPO_ROOT / "benchmarks"
    names = sorted(p.stem for p in folder.glob("*.py")) if folder.is_dir() else []
    if not args.name:
        print("\n".join(names))
        return 0
    if args.name not in names:
        raise ParameterError(
            f"unknown benchmark {args.name!r}; valid: {', '.join(names) or 'none'}. "
            "Pass one of these names."
        )
    return subprocess.run([sys.executable, str(folder / f"{args.name}.py"), *args.args]).returncode
