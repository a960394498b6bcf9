"""The registry of the paper's experiments: run one by name, estimate it, or read its committed result.

================ ============================================================================
name             what (module)
================ ============================================================================
``mosi_labels``  Table 1 and the label schemes on the MOSI label file alone (:mod:`~reproduction.mosi_labels`)
``mosi_audio``   every vector model on MOSI's audio, through bc-LSTM's published vectors (:mod:`~reproduction.mosi_audio`)
``branches``     UB-BiLSTM vs SBCNN vs their fusion, RAVDESS (:mod:`~reproduction.branches`)
``crossval``     every model and the SVM baseline, speaker-disjoint k-fold (:mod:`~reproduction.crossval`)
``claims``       the claims ledger: each claim of the paper against the committed fold runs (:mod:`~reproduction.claims`)
================ ============================================================================

The paper's Tables 2–6 are made from the cross-validation's fold runs
(:mod:`~reproduction.fold_tables`). Their first, single-split versions (``results/table2.json`` …
``table6.json``, :data:`SINGLE_SPLIT_TABLES`) are kept as committed data the book reads with
:func:`load_or_run`; the code that made them is retired (one generation of each table).

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import inspect
import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from affacrnn.data.corpora import available_corpora
from affacrnn.errors import ParameterError
from affacrnn.evaluation.vectors import CONTEXT_MODELS
from reproduction.branches import branches
from reproduction.claims import claims
from reproduction.costs import fold_minutes
from reproduction.crossval import FOLDS, crossval
from reproduction.models import CROSSVAL_MODELS, DEFAULT_MODELS
from reproduction.mosi_audio import MOSI_MODELS, mosi_audio
from reproduction.mosi_labels import mosi_labels
from reproduction.results import read_results, results_path, write_results
from reproduction.runner import (
    budget,
    fit_seconds,
    mode_settings,
    resolve_seeds,
    rows_estimate,
)

__all__ = ["EXPERIMENTS", "EXPERIMENT_CORPORA", "describe_experiments", "estimate_minutes", "run_experiment",
           "load_or_run", "SINGLE_SPLIT_TABLES"]

#: Experiment name → function(*, mode, seeds, progress, **params) -> DataFrame.
EXPERIMENTS: dict[str, Callable[..., pd.DataFrame]] = {
    "mosi_labels": mosi_labels,
    "mosi_audio": mosi_audio,
    "branches": branches,
    "crossval": crossval,
    "claims": claims,
}


#: Seeds of an experiment whose default is not its mode's (crossval: the folds give the spread).
DEFAULT_SEEDS: dict[str, tuple[int, ...]] = {"crossval": (0,)}


#: Experiment keywords that take a list of names; one name alone (``--param models=svm``) means a list of one.
LIST_PARAMS = ("schemes", "models", "cnns", "recurrents", "splits")


def _lists(params: dict) -> dict:
    return {k: (v,) if k in LIST_PARAMS and isinstance(v, str) else v for k, v in params.items()}


def describe_experiments() -> dict[str, str]:
    """Name → the first line of its docstring (for ``affacrnn experiment --list``)."""
    return {name: (fn.__doc__ or "").strip().splitlines()[0] for name, fn in EXPERIMENTS.items()}


def estimate_minutes(name: str, *, mode: str = "full", seeds: Iterable[int] | None = None, **params: Any) -> dict:
    """A rough plan of an experiment: training runs and minutes on 2 unloaded CPU cores.

    From the cost model of :mod:`reproduction.runner` (measured per-step times of the CPU preset; CNN cost
    scaled by published GFLOPs; early stopping assumed to stop at 60% of the epochs). Treat it as
    ±50%; on a loaded machine multiply by the load. Rows beyond the per-run cap are not counted
    (they are reported as not run).

    Returns
    -------
    dict
        ``{"runs": int, "minutes": float, "not_run": [labels]}``.
    """
    if name not in EXPERIMENTS:
        raise ParameterError(f"unknown experiment {name!r}; valid: {', '.join(EXPERIMENTS)}.")
    settings = mode_settings(mode)
    params = _lists(params)
    n_seeds = len(resolve_seeds(seeds if seeds is not None else DEFAULT_SEEDS.get(name), settings))
    base = budget(settings.preset, name, mode, params.get("epochs"), params.get("patience"))
    plan: list[tuple[Any, str, int]] = []  # (config, scheme, fits)
    skipped = []
    if name == "branches":
        for scheme in params.get("schemes", ("sentiment3",)):
            for cfg in [base.replace(architecture="ub")] + [base.replace(architecture="sbcnn", cnn=c)
                                                            for c in params.get("cnns", ("small", "resnet18"))] \
                    + [base.replace(architecture="affacrnn")]:
                plan.append((cfg, scheme, n_seeds))
    elif name == "crossval":  # priced per model by reproduction.costs
        options = params.get("options") or {}
        for scheme in params.get("schemes", ("sentiment3",)):
            for model in params.get("models", DEFAULT_MODELS):
                seeded = CROSSVAL_MODELS[model] is not None
                minutes = fold_minutes(model=model, corpus=params.get("corpus", "ravdess"), mode=mode,
                                       options=options if seeded else None, folds=params.get("folds"),
                                       seeds=n_seeds if seeded else 1)
                k = params.get("folds") or FOLDS.get(params.get("corpus", "ravdess"), 4)
                plan.append((minutes, scheme, k * (n_seeds if seeded else 1)))
    elif name == "mosi_audio":  # small Keras models on 73-value vectors: ≈ 10 s a fit in full mode, 3 s in smoke
        models = params.get("models", MOSI_MODELS)
        windows = params.get("windows", (3, 1))
        fits = sum(len(windows) * n_seeds for m in models if m in CONTEXT_MODELS)
        cells = len(params.get("splits", ("paper", "bc_lstm"))) * len(params.get("schemes", ("mosi2", "mosi5", "mosi7")))
        return {"runs": cells * fits, "minutes": round(cells * (fits * (10 if mode == "full" else 3) + 5) / 60, 1),
                "not_run": []}
    seconds = 0.0
    for cfg, scheme, fits in plan:
        if isinstance(cfg, float):  # a crossval model's folds, already priced in minutes
            seconds += 60 * cfg
            continue
        seconds += fits * fit_seconds(cfg, rows_estimate(scheme, settings))
    return {"runs": int(sum(f for *_, f in plan)), "minutes": round(seconds / 60, 1), "not_run": skipped}


#: Corpora each experiment reads; :func:`load_or_run` will not start a live run without them.
EXPERIMENT_CORPORA: dict[str, tuple[str, ...]] = {
    "mosi_labels": ("mosi",), "mosi_audio": ("mosi",), "branches": ("ravdess",), "crossval": ("ravdess",), "claims": (),
}
#: The paper's tables as first made on one speaker-disjoint split: committed data now, no longer code.
SINGLE_SPLIT_TABLES = ("table2", "table3", "table4", "table5", "table6")



def run_experiment(
    name: str,
    *,
    mode: str = "smoke",
    seeds: Iterable[int] | None = None,
    out_dir: str | Path | None = "results",
    progress: bool = True,
    force: bool = False,
    **params: Any,
) -> pd.DataFrame:
    """Run one experiment of :data:`EXPERIMENTS` and write its table.

    Parameters
    ----------
    name : str
        A key of :data:`EXPERIMENTS` (``mosi_labels``, ``branches``, ``crossval``, ...).
    mode : {"smoke", "full"}
        Sizes (module docstring).
    seeds : iterable of int, optional
        Default: smoke ``(0,)``, full ``(0, 1, 2)``.
    out_dir : path-like or None
        Folder for ``<name>.csv`` / ``<name>.json`` (default ``results``); None writes nothing.
    progress : bool
        A progress bar of finished training runs (tqdm, with its ETA) and one result line per run, on stderr.
    force : bool
        Let a smoke run replace a full-mode result in ``out_dir`` (refused otherwise, before any work:
        the committed ``results/`` hold full runs).
    **params
        Experiment-specific keywords (e.g. ``schemes=``, ``cnns=``, ``image_size=``).

    Returns
    -------
    pandas.DataFrame
        ``attrs``: ``caption``, ``config``, ``extra``, ``wall_seconds``, ``mode``, ``seeds`` and,
        when written, ``csv_path`` / ``json_path``.
    """
    if name not in EXPERIMENTS:
        raise ParameterError(f"unknown experiment {name!r}; valid: {', '.join(EXPERIMENTS)}. "
                             "List them with `affacrnn experiment --list`.")
    settings = mode_settings(mode)
    seeds_used = resolve_seeds(seeds if seeds is not None else DEFAULT_SEEDS.get(name), settings)
    fn = EXPERIMENTS[name]
    params = _lists(params)
    accepted = inspect.signature(fn).parameters
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        valid = [p for p in accepted if p not in ("mode", "seeds", "progress", "results_dir")]
        raise ParameterError(f"experiment {name!r} takes no parameter(s) {unknown!r}; it takes {', '.join(valid) or 'none'}.")
    if out_dir is not None and not str(out_dir).strip():
        raise ParameterError("`out_dir` (--out) is empty; pass a folder for the results, e.g. --out results.")
    _refuse_smoke_over_full(name, mode, out_dir, force=force)
    if "results_dir" in accepted and "results_dir" not in params:
        params["results_dir"] = out_dir
    t0 = time.perf_counter()
    df = fn(mode=mode, seeds=seeds_used, progress=progress, **params)
    wall = time.perf_counter() - t0
    df.attrs.update({"wall_seconds": wall, "mode": mode, "seeds": list(seeds_used), "name": name})
    if out_dir is not None:
        shown = {k: (str(v) if isinstance(v, Path) else v) for k, v in params.items()}
        csv_path, json_path = write_results(df, name, out_dir, mode=mode, seeds=seeds_used if name not in ("mosi_labels", "claims") else None,
                                            wall_seconds=wall, params=shown)
        df.attrs.update({"csv_path": str(csv_path), "json_path": str(json_path)})
    return df


def _refuse_smoke_over_full(name: str, mode: str, out_dir: str | Path | None, *, force: bool) -> None:
    if out_dir is None or mode == "full" or force:
        return
    existing = results_path(name, out_dir)
    try:
        old_mode = json.loads(existing.read_text(encoding="utf-8")).get("mode") if existing.is_file() else None
    except (OSError, ValueError, AttributeError):
        old_mode = None
    if old_mode == "full":
        raise ParameterError(f"{existing} holds a full-mode result, and a {mode} run would replace it with {mode} "
                             "numbers; nothing was run. Pass --out another folder (e.g. --out /tmp/smoke), or --force "
                             "to overwrite it.")


def load_or_run(name: str, *, results_dir: str | Path | None = None, live: bool = True,
                **params: Any) -> tuple[pd.DataFrame | None, str, str]:
    """The committed result of ``name`` if there is one, else its smoke run made now (for the book).

    Parameters
    ----------
    name : str
        Experiment name, or one of :data:`SINGLE_SPLIT_TABLES` (read only: no code makes them now).
    results_dir : path-like, optional
        Where committed results live (default the repository's ``results/``).
    live : bool
        Without a committed result, run the smoke experiment now (True) or return no table (False).
    **params
        Passed to the smoke run.

    Returns
    -------
    (table or None, caption, source)
        ``source`` says where the table came from, or why there is none (corpus missing, or
        ``live=False``). A smoke table shows the shape of the result, not a measurement.
    """
    if name not in EXPERIMENTS and name not in SINGLE_SPLIT_TABLES:
        raise ParameterError(f"unknown experiment {name!r}; valid: {', '.join([*EXPERIMENTS, *SINGLE_SPLIT_TABLES])}.")
    found = read_results(name, results_dir=results_dir)
    if found is not None:
        return found
    path = results_path(name, results_dir)
    absent = f"no {path.parent.name}/{path.name}"
    if name in SINGLE_SPLIT_TABLES:
        return None, "", (f"{absent}: the single-split tables are committed data; their fold version is "
                          "`reproduction.fold_tables.fold_tables(fold_runs())`")
    missing = sorted(set(EXPERIMENT_CORPORA[name]) - set(available_corpora()))
    if missing:
        return None, "", f"{absent}, and the experiment needs {', '.join(missing)}, not found here"
    if not live:
        return None, "", (f"{absent}, and no live run here (several minutes); make it with "
                          f"`affacrnn experiment {name} --mode full`")
    df = run_experiment(name, mode="smoke", out_dir=None, progress=False, **params)
    return df, df.attrs.get("caption", ""), (
        f"{absent}, so the SMOKE experiment was run live just now ({df.attrs['wall_seconds']:.0f} s, "
        "1 epoch on a 6-speaker slice): it shows the table's shape, not a result")
