"""Speaker-disjoint k-fold cross-validation of every model and the SVM baseline (one protocol, less noise).

One split of 24 RAVDESS actors leaves 4 test actors: a model's score then moves by several
points with the seed and the draw. Here every actor is tested once: RAVDESS in 4 folds of 6
actors (3 of each sex), EmoDB in 5 folds of 2 speakers; each fold's validation speakers come from
its own training speakers (:func:`affacrnn.data.splits.fold_split`), and a row reports the mean ±
sd over folds. Beside the networks, on the same folds, the SVM on each clip's mean and sd of the
same features (plain, and after per-speaker normalisation) says what a 20-line model gets.

Every (scheme, fold, model, seed) is an independent task. They run on ``dask.distributed``: a
``LocalCluster`` of single-threaded worker processes by default, or the scheduler at
``scheduler=`` (``"tcp://host:8786"``) to spread them over machines; ``scheduler="inline"``
runs them one by one in this process. Each finished task is written at once to
``<results_dir>/crossval-parts/<task>.json`` (atomically, with its config and provenance), so a
long run can be stopped and resumed, across sessions, without redoing finished tasks.

Metrics per row (percent): ``accuracy`` (the paper's "weighted accuracy", correct / total),
``balanced_accuracy`` (mean recall), ``macro_f1``, ``weighted_f1`` (support-weighted, the paper's
likely 2-class F1), ``positive_f1`` (2 classes: the F1 of the last class), ``majority`` (always
answering the fold's training majority class).

Notebook: book/08_fusion_attention.ipynb
"""
from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from affacrnn.data.corpora import CORPUS_SPECS, load_corpus
from affacrnn.data.splits import fold_split, speaker_slice
from affacrnn.errors import ParameterError
from affacrnn.evaluation.baselines import make_baseline, param_names
from affacrnn.features.cache import featurize
from affacrnn.features.dataset import prepare
from affacrnn.models import presets
from affacrnn.models.config import AFFConfig
from affacrnn.provenance import atomic_write_json, environment
from reproduction.fold_scores import (CROSS_COLUMNS, METRIC_COLUMNS, assemble_rows, collapsed, score_parts,
                                      summarize_folds)
from reproduction.isolation import run_isolated
from reproduction.models import BASELINE_MODELS, CROSSVAL_MODELS, DEFAULT_MODELS, MODEL_LABELS, is_baseline
from reproduction.runner import check_schemes, mode_settings, resolve_seeds
from reproduction.yardstick import FUNCTIONALS_MODELS, fill_opensmile_cache, run_functionals

__all__ = ["BASELINE_MODELS", "CROSSVAL_MODELS", "CROSS_COLUMNS", "CURRENT_RECIPE", "DEFAULT_MODELS", "FOLDS",
           "METRIC_COLUMNS", "MODEL_LABELS", "RECIPES", "RECIPE_FOLDERS", "Task", "crossval", "option_value",
           "plan_tasks", "run_task", "summarize_folds"]

#: Recipes a crossval run can start from: their changes to the mode's preset, kept in each task's
#: options (so a part names its recipe, and round one's parts keep their keys).
RECIPES: dict[str, dict] = {"round1": {}, "round2": dict(presets.ROUND_TWO)}
#: The recipe the ``cpu`` preset trains with now (what the book and the README report first).
CURRENT_RECIPE = "round2"
#: Where each recipe's fold runs are kept under a results folder; ``recipe="all"`` collects them into one table.
RECIPE_FOLDERS = {"round1": ".", "round2": "recipe2"}
#: Folds per corpus, from each corpus's `speaker_folds` (speakers per fold: RAVDESS 6, EmoDB 2).
FOLDS = {name: spec.speaker_folds for name, spec in CORPUS_SPECS.items() if spec.speaker_folds}
#: Share of each fold's training speakers used for validation (RAVDESS: 2 of 9 per sex).
VAL_SIZE = 0.2


@dataclasses.dataclass(frozen=True)
class Task:
    """One training run of the protocol: a model on one fold of one scheme, with one seed."""

    corpus: str
    scheme: str
    model: str
    fold: int
    k: int
    seed: int
    mode: str
    overrides: tuple[tuple[str, Any], ...] = ()
    cross: str = ""

    @property
    def key(self) -> str:
        """A file-name-safe identity, with a digest of the exact config (a changed recipe is a new task)."""
        cfg = "svm" if self.config is None else json.dumps(_digest_fields(self.config), sort_keys=True)
        digest = hashlib.blake2b(f"{cfg}|{self.k}|{VAL_SIZE}".encode(), digest_size=5).hexdigest()
        extra = "".join(f"-{k}={option_value(v)}" for k, v in self.overrides)
        cross = f"-x{self.cross}" if self.cross else ""
        return (f"{self.mode}-{self.corpus}-{self.scheme}-{self.model}{extra}{cross}-k{self.k}f{self.fold}"
                f"-s{self.seed}-{digest}")

    @property
    def config(self):
        """The :class:`~affacrnn.models.config.AFFConfig` of a network task; None for the SVM."""
        spec = CROSSVAL_MODELS[self.model]
        if spec is None:
            return None
        base = mode_settings(self.mode).preset
        return base.replace(corpus=self.corpus, label_scheme=self.scheme, seed=self.seed, val_size=VAL_SIZE,
                            test_size=0.0, **spec, **dict(self.overrides))


#: Config fields added after crossval results were first committed: left out of a task's digest while at their
#: default (read from :class:`~affacrnn.models.config.AFFConfig`), so a new option does not orphan finished parts.
LATER_FIELDS = ("graph_scale", "encoder_dropout", "utterance_encoder", "spec_augment", "weight_decay", "mixup",
                "perturb")
_LATER_DEFAULTS = {f.name: f.default for f in dataclasses.fields(AFFConfig) if f.name in LATER_FIELDS}
#: Config fields that say how a run computes, not what: never part of a task's key.
EXECUTION_FIELDS = ("run_eagerly",)


def option_value(value) -> str:
    """An override's value as keys and tables write it: a tuple (features, perturbations) as ``a+b+c``."""
    return "+".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)


def _digest_fields(config) -> dict:
    return {k: v for k, v in config.to_dict().items() if k not in EXECUTION_FIELDS
            and not (k in _LATER_DEFAULTS and (tuple(v) if isinstance(v, list) else v) == _LATER_DEFAULTS[k])}


def _table(corpus: str, mode: str) -> pd.DataFrame:
    settings = mode_settings(mode)
    table = load_corpus(corpus, seed=0)
    if settings.n_speakers is not None:  # smoke: 8 speakers, so each of 4 folds has 2
        table = speaker_slice(table, n_speakers=max(8, settings.n_speakers), per_speaker=settings.per_speaker)
    return table


def _limit_threads() -> None:
    """One TensorFlow thread pool per worker process sized to its share of the cores."""
    n = os.environ.get("AFFACRNN_WORKER_THREADS")
    if not n:
        return
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(int(n))
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # already initialised by an earlier task of this worker
        pass


def _task_table(task: Task) -> pd.DataFrame:
    """The fold's split of its corpus; with ``task.cross``, every utterance of that corpus added as test."""
    table = fold_split(_table(task.corpus, task.mode), fold=task.fold, k=task.k, val_size=VAL_SIZE, seed=0)
    if not task.cross:
        return table
    other = _table(task.cross, task.mode).assign(split="test")
    out = pd.concat([table, other], ignore_index=True)
    out.attrs["corpus"] = f"{task.corpus}->{task.cross}"
    return out


def _run_baseline(task: Task, table: pd.DataFrame, cache_dir) -> dict:
    """Fit a baseline on the fold's training and validation speakers (it selects nothing) and score it."""
    name, params, norm = BASELINE_MODELS[task.model]
    base = mode_settings(task.mode).preset
    cfg = base.replace(architecture="ub", corpus=task.corpus, label_scheme=task.scheme, val_size=VAL_SIZE,
                       test_size=0.0, normalization=norm)
    data = prepare(cfg, table=table, cache_dir=cache_dir, progress=False)
    fit_rows = np.concatenate([data.rows("train"), data.rows("validation")])
    test = data.rows("test")
    y = data.table["y"].to_numpy()
    context = name == "bc_lstm"  # its input is a window of utterances: rows of data.windows

    def x(rows):
        return data.features[data.windows[rows]] if context else data.features[rows]

    params = {"features": cfg.features, **params}
    if task.mode == "smoke" and name == "bc_lstm":
        params.update(epochs=2, units=8, hidden_units=8)
    if "random_state" in param_names(name):
        params["random_state"] = task.seed
    clf = make_baseline(name, **params)
    clf.fit(x(fit_rows), y[fit_rows])
    pred = np.asarray(clf.predict(x(test)))
    if context:
        import keras

        keras.backend.clear_session()
    return score_parts(task, data, pred, y[fit_rows])


def run_task(task: Task, *, cache_dir: str | None = None) -> dict:
    """Run one task (in a worker or in this process) and return its row, history included.

    A baseline is fitted on the fold's training and validation speakers (it selects nothing); the
    networks train on the training speakers and keep their best validation epoch. With
    ``task.cross`` the same fitted model is also scored on every utterance of that corpus.
    """
    t0 = time.perf_counter()
    table = _task_table(task)
    row: dict[str, Any] = {"corpus": task.corpus, "scheme": task.scheme, "model": task.model, "fold": task.fold,
                           "seed": task.seed, **dict(task.overrides)}
    if task.cross:
        row["cross"] = task.cross
    if task.config is None:
        row.update((run_functionals if task.model in FUNCTIONALS_MODELS else _run_baseline)(task, table, cache_dir))
        row.update({"best_epoch": np.nan, "epochs_run": np.nan, "history": None})
    else:
        import keras

        from affacrnn.training import predict_classes, train

        _limit_threads()
        result = train(task.config, table=table, progress=False, cache_dir=cache_dir)
        data = result.data
        y_pred, proba = predict_classes(result.model, data.inputs("test"))
        row.update(score_parts(task, data, np.asarray(y_pred), data.labels("train"), proba=proba))
        row.update({"best_epoch": result.best_epoch, "epochs_run": int(len(result.history)),
                    "seconds_per_epoch": round(result.seconds_per_epoch, 2),
                    "history": json.loads(result.history.to_json(orient="index")),
                    "stages": {k: json.loads(v.to_json(orient="index")) for k, v in result.stages.items()}})
        del result
        keras.backend.clear_session()
        gc.collect()
    for k, v in dict(row).items():  # a feature set override is kept as "a,b,c", as Table 2 writes it
        if isinstance(v, (tuple, list)):
            row[k] = ",".join(map(str, v))
    row["seconds"] = round(time.perf_counter() - t0, 1)
    return row


def plan_tasks(*, corpus: str, schemes: Sequence[str], models: Sequence[str], seeds: Sequence[int], mode: str,
               folds: int | None = None, overrides: dict | None = None, cross: str | None = None) -> list[Task]:
    """Every task of a cross-validation run, in the order they are handed out."""
    k = folds or FOLDS.get(corpus, 4)
    unknown = [m for m in models if m not in CROSSVAL_MODELS]
    if unknown:
        raise ParameterError(f"unknown crossval model(s) {unknown!r}; valid: {', '.join(CROSSVAL_MODELS)}.")
    if cross is not None and (cross == corpus or cross not in FOLDS):
        raise ParameterError(f"`cross` must be a corpus other than {corpus!r} among {', '.join(FOLDS)}; got {cross!r}.")
    extra = tuple(sorted((k_, tuple(v) if isinstance(v, list) else v) for k_, v in (overrides or {}).items()))
    return [Task(corpus, scheme, model, fold, k, 0 if is_baseline(model) else seed, mode,
                 () if is_baseline(model) else extra, cross or "")
            for scheme in schemes for model in models for fold in range(k)
            for seed in (seeds[:1] if is_baseline(model) else seeds)]


def _parts_dir(results_dir) -> Path | None:
    """Beside the results file (``write_results`` writes ``<results_dir>/crossval.json``)."""
    return None if results_dir is None else Path(results_dir) / "crossval-parts"


def _ignore_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _connect(client_class, scheduler: str):
    """A client of the Dask scheduler at ``scheduler``, or a ParameterError saying why there is none."""
    if not isinstance(scheduler, str) or "://" not in scheduler:
        raise ParameterError(f"`scheduler` must be a Dask scheduler address such as tcp://HOST:8786, or 'inline'; "
                             f"got {scheduler!r}.")
    try:
        return client_class(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError, MemoryError) as exc:  # MemoryError: a server that is not Dask's
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise ParameterError(f"cannot reach a Dask scheduler at {scheduler} ({reason}). Start one (`dask scheduler`) "
                             "and its workers, or leave scheduler out to run on a local cluster.") from None


def _run_all(tasks: list[Task], *, scheduler: str | None, workers: int | None, progress: bool,
             on_done) -> None:
    """Run ``tasks`` through dask.distributed (or inline), calling ``on_done(task, row)`` as each finishes."""
    bar = tqdm(total=len(tasks), desc="crossval", unit="run", disable=not progress, leave=True)

    def done(task, row):
        on_done(task, row)
        bar.update(1)
        if progress:
            tqdm.write(f"[crossval {bar.n}/{bar.total}] {task.scheme} {task.model} fold {task.fold} seed {task.seed}: "
                       f"acc {row['accuracy']:.1f}%, macro-F1 {row['macro_f1']:.1f} ({row['seconds']:.0f} s)"
                       + (f"  COLLAPSED: {row['top_share']:.0f}% of answers one class" if collapsed(row) else ""))

    try:
        if scheduler == "inline" or not tasks:
            for task in tasks:
                done(task, run_task(task))
            return
        from dask.distributed import Client, LocalCluster, as_completed

        cluster = None
        if scheduler is None:
            n = workers or min(len(tasks), os.cpu_count() or 1)
            threads = max(1, (os.cpu_count() or 1) // n)
            # dashboard_address ":0": a free port, so a second cluster on this machine does not clash
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                                   memory_limit=0, env={"AFFACRNN_WORKER_THREADS": str(threads)})
        client = Client(cluster) if cluster is not None else _connect(Client, scheduler)
        if cluster is not None:  # Ctrl-C reaches the whole process group: the workers leave it to this process
            client.run(_ignore_sigint)
        try:
            futures = {client.submit(run_isolated, t, key=t.key, pure=False): t for t in tasks}  # seeds: isolation.py
            for future in as_completed(futures):
                done(futures[future], future.result())
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    finally:
        bar.close()


def crossval(
    *,
    mode: str = "smoke",
    seeds: Iterable[int] | None = None,
    progress: bool = True,
    corpus: str = "ravdess",
    schemes: Sequence[str] = ("sentiment3",),
    models: Sequence[str] = DEFAULT_MODELS,
    folds: int | None = None,
    options: dict | None = None,
    recipe: str = "round1",
    cross: str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    results_dir: str | Path | None = "results",
    collect: bool = False,
) -> pd.DataFrame:
    """Speaker-disjoint k-fold cross-validation: networks and the SVM baseline on the same folds.

    Parameters
    ----------
    mode : {"smoke", "full"}
        ``smoke``: the ``SMOKE`` preset on 8 speakers × 20 utterances; ``full``: the ``CPU`` preset
        on the whole corpus.
    seeds : iterable of int, optional
        Seeds of the networks (default ``(0,)``: the folds give the spread).
    corpus : str
        ``"ravdess"`` (4 folds) or ``"emodb"`` (5 folds).
    schemes : sequence of str
        Label schemes, e.g. ``("sentiment3", "sentiment2", "ravdess5", "ravdess_emotion7")``.
    models : sequence of str
        Names of :data:`CROSSVAL_MODELS` (default :data:`DEFAULT_MODELS`).
    folds : int, optional
        Override the number of folds.
    options : dict, optional
        Config overrides for every network (an ablation: ``{"normalization": "speaker"}``,
        ``{"mask_padding": False}``, a feature set ``{"features": ("mfcc", "chroma")}``, ...); they
        become columns of the rows.
    recipe : {"round1", "round2", "all"}
        ``"round2"`` adds ``RECIPES["round2"]`` (the ``CPU`` preset's changes since round one) to
        ``options``; an option named in both takes ``options``' value. ``"all"`` (with ``collect``)
        gathers every recipe's finished runs, each from its folder of :data:`RECIPE_FOLDERS` under
        ``results_dir``, into one table whose ``recipe`` column names them.
    cross : str, optional
        A second corpus (``"emodb"`` for RAVDESS folds, ``"ravdess"`` for EmoDB's): each fold's model
        is also scored on every utterance of it, in columns ``cross_*`` (:data:`CROSS_COLUMNS`) — the
        paper's cross-language test, with one model per fold, so the drop is paired.
    scheduler : str, optional
        ``None``: a dask ``LocalCluster`` on this machine; ``"inline"``: no dask, in this process;
        otherwise a dask scheduler address.
    workers : int, optional
        Worker processes of the local cluster (default: one per core, at most one per task).
    results_dir : path-like or None
        Where finished tasks are kept (``crossval-parts/``) and reused; None keeps nothing.
    collect : bool
        Train nothing: gather the finished parts of the planned tasks into one result (e.g. from
        runs of separate schemes or sessions); the tasks without a part are left out and listed in
        ``attrs["extra"]["missing"]``.

    Returns
    -------
    pandas.DataFrame
        One row per (scheme, model, fold, seed) and one ``fold = "mean"`` row per (scheme, model)
        with ``_sd`` columns; ``attrs["extra"]["histories"]`` holds each network run's per-epoch
        history (and each stage's, for staged fusion).
    """
    settings = mode_settings(mode)
    seeds = resolve_seeds(seeds, settings) if seeds is not None else (0,)
    schemes = check_schemes(schemes)
    if corpus not in FOLDS and folds is None:
        raise ParameterError(f"`corpus` must be one of {', '.join(FOLDS)} (or pass folds=); got {corpus!r}.")
    if recipe == "all":
        return _collect_recipes(mode=mode, seeds=seeds, corpus=corpus, schemes=schemes, models=models, folds=folds,
                                options=options, cross=cross, results_dir=results_dir, collect=collect)
    if recipe not in RECIPES:
        raise ParameterError(f"`recipe` must be one of {', '.join(RECIPES)} or 'all'; got {recipe!r}. Pass 'round2' "
                             "for the CPU preset's current recipe.")
    options = {**RECIPES[recipe], **(options or {})}
    if options:
        settings.preset.replace(**options)  # validates the overrides now, before any work
    tasks = plan_tasks(corpus=corpus, schemes=schemes, models=list(models), seeds=seeds, mode=mode, folds=folds,
                       overrides=options, cross=cross)
    parts = _parts_dir(results_dir)
    rows, todo = _read_parts(tasks, parts)
    missing = [t.key for t in todo] if collect else []
    if collect:
        tasks, todo = [t for t in tasks if t.key in rows], []
        if not tasks:
            raise ParameterError(f"collect: none of the {len(missing)} planned tasks has a finished part in {parts}; "
                                 "run crossval without collect= first (or check schemes=, models=, options=).")
    _featurize_once(corpus, mode, schemes, todo, progress)
    if cross is not None:
        _featurize_once(cross, mode, schemes, todo, progress)

    def keep(task: Task, row: dict) -> None:
        rows[task.key] = row
        if parts is not None:
            cfg = task.config
            atomic_write_json(parts / f"{task.key}.json", {"task": dataclasses.asdict(task), "row": row,
                                                           "config": None if cfg is None else cfg.to_dict(),
                                                           "provenance": environment()})

    _run_all(todo, scheduler=scheduler, workers=workers, progress=progress, on_done=keep)
    df = assemble_rows([rows[t.key] for t in tasks], recipe=recipe, options=options, cross=cross)
    k = tasks[0].k if tasks else folds
    df.attrs["caption"] = _caption(k=k, corpus=corpus, mode=mode, preset=settings.preset.name, cross=cross)
    df.attrs["config"] = settings.preset.replace(**options).to_dict() if options else settings.preset.to_dict()
    df.attrs["extra"] = {"folds": k, "val_size": VAL_SIZE, "options": options,
                         "histories": {t.key: {"history": rows[t.key].get("history"),
                                               "stages": rows[t.key].get("stages")} for t in tasks},
                         "tasks": len(tasks), "reused": len(tasks) - len(todo), "missing": missing}
    return df


def _read_parts(tasks: list[Task], parts: Path | None) -> tuple[dict[str, dict], list[Task]]:
    """The rows of the tasks that have a finished part, and the tasks still to run."""
    rows: dict[str, dict] = {}
    todo = []
    for task in tasks:
        path = None if parts is None else parts / f"{task.key}.json"
        if path is not None and path.is_file():
            rows[task.key] = json.loads(path.read_text())["row"]
        else:
            todo.append(task)
    return rows, todo


def _caption(*, k, corpus: str, mode: str, preset: str, cross: str | None) -> str:
    return (
        f"Speaker-disjoint {k}-fold cross-validation on {corpus} (mode {mode}: preset {preset}; "
        f"validation speakers drawn from each fold's training speakers, {VAL_SIZE:g} of them per sex). "
        "Rows with fold = 'mean' give the mean and sd over folds (seeds averaged within a fold). Percent: accuracy "
        "(the paper's 'weighted accuracy'), balanced accuracy, macro-F1, support-weighted F1, the positive (last) "
        "class's F1 for 2 classes, and the accuracy of always answering the fold's training majority class. "
        "svm / svm_speaker: SVC(C=10, balanced) on each clip's mean and sd of the same features, plain or after "
        "per-speaker z-scoring, fitted on the fold's training and validation speakers; the other baselines "
        "(naive_bayes, gmm, hmm, dtw, bc_lstm) take their documented defaults, fitted the same way; *_svm(_speaker): "
        "openSMILE functionals, an SVM tuned on the training speakers (reproduction.yardstick). recipe: the "
        "networks' recipe (round1: the CPU_ROUND_ONE preset; round2: the cpu preset's changes since, "
        "presets.ROUND_TWO); the baselines do not depend on it."
        + (f" cross_*: the same fold's model scored on every utterance of {cross} (cross_test_majority: the share "
           f"of {cross}'s most frequent class)." if cross else "")
    )


def _collect_recipes(*, results_dir, collect: bool, **plan) -> pd.DataFrame:
    """Every recipe's finished fold runs in one table, each recipe's from its own folder (:data:`RECIPE_FOLDERS`)."""
    if not collect or results_dir is None:
        raise ParameterError("recipe='all' gathers the recipes' finished runs: pass collect=True and a results "
                             "folder (--param collect=true --out results). Run each recipe on its own.")
    for name in RECIPE_FOLDERS:  # a bad option is reported as such, not as a recipe with no finished part
        mode_settings(plan["mode"]).preset.replace(**{**RECIPES[name], **(plan["options"] or {})})
    found = {}
    for name, folder in RECIPE_FOLDERS.items():
        try:
            found[name] = crossval(recipe=name, results_dir=Path(results_dir) / folder, collect=True, progress=False,
                                   **plan)
        except ParameterError:  # this recipe has no finished run of the plan
            continue
    if not found:
        raise ParameterError(f"collect: no recipe has a finished part of the planned tasks under {results_dir} "
                             f"({', '.join(f'{n}: {f}' for n, f in RECIPE_FOLDERS.items())}); run crossval first.")
    seen: set[tuple] = set()  # a baseline's runs are the same in every recipe: keep the first recipe's
    for name, f in found.items():
        own = {(s, m) for s, m in zip(f["scheme"], f["model"]) if is_baseline(m)}
        found[name] = f[[(s, m) not in seen for s, m in zip(f["scheme"], f["model"])]]
        seen |= own
    df = pd.concat(list(found.values()), ignore_index=True)
    current = found.get(CURRENT_RECIPE, next(iter(found.values())))
    df.attrs = {"caption": current.attrs["caption"], "config": current.attrs["config"],
                "extra": {"recipes": {n: {**f.attrs["extra"], "folder": RECIPE_FOLDERS[n]} for n, f in found.items()},
                          "folds": current.attrs["extra"]["folds"], "val_size": VAL_SIZE}}
    return df


def _featurize_once(corpus: str, mode: str, schemes: Sequence[str], tasks: list[Task], progress: bool) -> None:
    """Fill the feature cache in this process first, so workers only read it (one numba compile, no race)."""
    if not tasks:
        return
    table = _table(corpus, mode)
    fill_opensmile_cache(table, {t.model for t in tasks}, progress=progress)
    preset = mode_settings(mode).preset
    graphs = {(t.config.image_size, t.config.graph_scale) for t in tasks
              if t.config is not None and t.config.uses_graphs}
    first, *rest = sorted(graphs) or [(None, "linear")]  # features and the first graphs from one STFT
    featurize(table, config=preset.feature_config(), image_size=first[0], graph_scale=first[1], progress=progress,
              lengths=True)
    for size, scale in rest:
        featurize(table, config=preset.feature_config(), image_size=size, graph_scale=scale, progress=progress)
