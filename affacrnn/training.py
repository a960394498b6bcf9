"""Training and evaluation of AFF-ACRNN and its branches (paper §4, "Network structure parameter").

What differs from the authors' prototype, on purpose (book chapter 10, "Reproduction audit"):

* validation data comes from **training speakers only** (a speaker-disjoint validation part);
  the best epoch is chosen on validation accuracy (``config.monitor``), never on the test set (the prototype passed the
  test set as ``validation_data`` and reported its best epoch);
* class weights balance imbalanced label schemes (``sentiment3`` on RAVDESS is 2:1:0.75);
* seeds via ``keras.utils.set_random_seed``; a progress bar per run;
* with ``out_dir``, training is resumable: ``keras.callbacks.BackupAndRestore`` keeps the state
  of the last finished epoch, and the best-so-far weights and score are kept beside it, so a run
  killed mid-epoch continues from its last checkpoint when started again with the same arguments.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils.class_weight import compute_class_weight

from affacrnn._io import atomic_write_json, refuse_unwritable
from affacrnn._quiet import import_tensorflow
from affacrnn.errors import OutputError, ParameterError
from affacrnn.evaluation.metrics import evaluate_predictions
from affacrnn.features.dataset import corpus_fingerprint, prepare
from affacrnn.models import presets
from affacrnn.models.batches import WindowBatches, window_batches
from affacrnn.models.network import build_fusion_head, build_model, copy_weights
from affacrnn.models.io import save_model
from affacrnn.progress import BestOnValidation, EpochBar
from affacrnn.provenance import environment, peak_memory_mb, reset_peak_memory
from affacrnn.resume import check_space, claim, run_identity
from affacrnn.reuse import keep, kept_dir, load_kept, run_key

import_tensorflow()  # before keras: mutes TensorFlow's native start-up logging
import keras  # noqa: E402

__all__ = ["TrainResult", "BestOnValidation", "WindowBatches", "window_batches", "fit_model", "train", "evaluate", "predict_classes", "result_record"]


@dataclass
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    model : keras.Model
        The model with the weights of its best validation epoch.
    config : AFFConfig
    classes : tuple of str
    history : pandas.DataFrame
        One row per epoch: ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy`` (and
        ``test_accuracy`` when ``track_test=True``, for the reproduction audit only).
    metrics : dict
        ``{"validation": {...}, "test": {...}}`` from :func:`evaluate`.
    best_epoch : int
        1-based epoch whose weights were kept (chosen on ``config.monitor``, a validation score).
    seconds, seconds_per_epoch : float
    peak_rss_mb : float
        Peak resident memory of the process during this call (MiB; where the OS cannot reset the
        high-water mark, the process's peak so far).
    stages : dict of str to pandas.DataFrame
        Staged fusion only: each stage's per-epoch history (``"ub"``, ``"sbcnn"``, ``"fusion"``),
        with its ``best_epoch``; ``history`` is the fusion stage's.
    model_path, results_path : pathlib.Path or None
    reused : pathlib.Path or None
        With ``train(..., reuse=True)``: the kept run this result was loaded from instead of
        training (:mod:`affacrnn.reuse`; ``seconds`` are then the seconds that run took).
    """

    model: object
    config: object
    classes: tuple[str, ...]
    history: pd.DataFrame
    metrics: dict
    best_epoch: int
    seconds: float
    seconds_per_epoch: float
    peak_rss_mb: float
    data: object = field(repr=False, default=None)
    stages: dict = field(default_factory=dict, repr=False)
    model_path: Path | None = None
    results_path: Path | None = None
    reused: Path | None = None


def predict_classes(model, inputs: dict[str, np.ndarray], *, batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Class indices and probabilities ``[shape=(n,), (n, n_classes)]`` of a model on an input dict."""
    if isinstance(model.input, dict) and isinstance(inputs, dict):
        # only the inputs the network has: Keras maps a dict with extra keys by position, silently wrong
        inputs = {k: v for k, v in inputs.items() if k in model.input}
    probs = np.asarray(model.predict(inputs, batch_size=batch_size, verbose=0))
    return probs.argmax(axis=1), probs


def evaluate(model, data, *, part: str = "test", seed: int = 0) -> dict:
    """The paper's metrics on one part of a prepared corpus, with the majority baseline beside them.

    Parameters
    ----------
    model : keras.Model
    data : affacrnn.features.dataset.Prepared
    part : {"train", "validation", "test", "all"}
    seed : int
        Seed of the bootstrap confidence interval.

    Returns
    -------
    dict
        Weighted accuracy (correct / total, the paper's name), balanced accuracy, F1 (binary) or
        macro F1, confusion matrix, majority baseline and a 95% bootstrap CI; see
        :func:`affacrnn.evaluation.metrics.evaluate_predictions`.
    """
    y_true = data.labels(part)
    if len(y_true) == 0:
        raise ParameterError(f"part {part!r} has no rows; check the split fractions (val_size, test_size).")
    y_pred, _ = predict_classes(model, data.inputs(part))
    train_y = data.labels("train") if part != "train" else None
    if train_y is not None and len(train_y) == 0:  # scoring every row of another corpus
        train_y = None
    return evaluate_predictions(y_true, y_pred, classes=data.classes, y_train=train_y, seed=seed)


def _class_weights(y: np.ndarray, n_classes: int) -> dict[int, float]:
    present = np.unique(y)
    weights = compute_class_weight("balanced", classes=present, y=y)
    out = {int(c): 1.0 for c in range(n_classes)}
    out.update({int(c): float(w) for c, w in zip(present, weights)})
    return out


@dataclass
class _Fit:
    history: pd.DataFrame
    best_epoch: int
    seconds: float
    epochs_run: int


def fit_model(
    model,
    config,
    *,
    train,
    validation,
    state: Path | None = None,
    resume: bool = True,
    track_test: dict | None = None,
    progress: bool = True,
    desc: str | None = None,
    class_weight: dict | None = None,
    callbacks: Sequence = (),
) -> _Fit:
    """Fit one compiled model, keeping its best validation epoch (the loop every stage shares).

    Parameters
    ----------
    model : keras.Model
        Compiled.
    config : AFFConfig
        ``epochs``, ``batch_size``, ``patience``, ``min_delta``, ``monitor``.
    train, validation : WindowBatches or tuple
        Batches of an indexed network (:class:`WindowBatches`, class weights inside), or
        ``(inputs, labels)`` arrays (inputs a dict ``{name: [shape=(n, ...)]}``).
    state : pathlib.Path, optional
        Resume folder (Keras ``BackupAndRestore`` and the best weights); nothing is written without it.
    track_test : dict, optional
        ``{"inputs", "y"}`` of the test part, for the audit's per-epoch test accuracy.
    class_weight : dict, optional
        Class → weight, for array inputs (:class:`WindowBatches` carry their own).
    callbacks : sequence of keras.callbacks.Callback
        Extra callbacks, after the package's own (e.g. a rule that stops training).

    Returns
    -------
    _Fit
        ``history`` (one row per epoch, 1-based index), ``best_epoch``, ``seconds`` (of ``fit``).
    """
    extra, callbacks = tuple(callbacks), []
    if state is not None:
        if not resume and state.exists():
            shutil.rmtree(state)
        state.mkdir(parents=True, exist_ok=True)
        check_space(state, n_params=model.count_params())
        # double_checkpoint: a kill while Keras writes its (non-atomic) checkpoint falls back on the previous one
        callbacks.append(
            keras.callbacks.BackupAndRestore(str(state / "backup"), delete_checkpoint=True, double_checkpoint=True)
        )
    val_pair = (validation.dataset(), validation.y) if isinstance(validation, WindowBatches) else validation
    if isinstance(validation, WindowBatches):
        validation = val_pair[0]
    best = BestOnValidation(state, track_test, config.monitor, validation=val_pair)
    callbacks.insert(0, best)
    if config.patience > 0:
        mode = "min" if config.monitor.endswith("loss") else "max"
        callbacks.append(keras.callbacks.EarlyStopping(monitor=config.monitor, patience=config.patience,
                                                       min_delta=config.min_delta, mode=mode))
    if progress:
        callbacks.append(EpochBar(desc=desc or config.model_name, monitor=config.monitor))
    callbacks.extend(extra)
    t_fit = time.perf_counter()
    if isinstance(train, WindowBatches):
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs=None: setattr(
            train, "epoch", epoch)))
        hist = model.fit(train.dataset(), validation_data=validation, epochs=config.epochs, callbacks=callbacks,
                         shuffle=False, verbose=0)  # the batches shuffle themselves
    else:
        x_train, y_train = train
        hist = model.fit(x_train, y_train, validation_data=validation, epochs=config.epochs,
                         batch_size=config.batch_size, class_weight=class_weight,
                         callbacks=callbacks, shuffle=True, verbose=0)
    seconds = time.perf_counter() - t_fit
    if best.best_weights is not None:
        model.set_weights(best.best_weights)
    history = pd.DataFrame(hist.history)
    history.index = np.arange(1, len(history) + 1) + (hist.epoch[0] if hist.epoch else 0)
    history.index.name = "epoch"
    return _Fit(history=history, best_epoch=int(best.best_epoch), seconds=seconds,
                epochs_run=max(1, len(hist.history.get("loss", []))))


def train(
    config=None,
    *,
    table: pd.DataFrame | None = None,
    data=None,
    out_dir: str | Path | None = None,
    resume: bool = True,
    class_weights: bool = True,
    track_test: bool = False,
    progress: bool = True,
    cache_dir=None,
    callbacks: Sequence = (),
    reuse: bool = False,
) -> TrainResult:
    """Train the model ``config`` describes on a speaker-disjoint split and evaluate it.

    Every network trains in its indexed form (each distinct utterance of a batch encoded once,
    :class:`WindowBatches`) and its weights are then copied into the usual window form, which is
    evaluated, saved and served. A fused model with ``config.training == "staged"`` (the default,
    paper §3) is trained in three stages: the UB-BiLSTM branch (with its own attention, producing
    LASV), the SBCNN branch (CASV), then the fusion on the frozen branches' per-utterance vectors.

    Parameters
    ----------
    config : AFFConfig, optional
        Model, data and training settings (default :data:`affacrnn.models.presets.CPU`).
    table : pandas.DataFrame, optional
        A corpus table (default: ``load_corpus(config.corpus)``); a ``split`` column is kept.
    data : affacrnn.features.dataset.Prepared, optional
        Already prepared inputs (skips featurisation; lets several models share one preparation).
    out_dir : path-like, optional
        Where to write ``model.keras`` (with config, scaler and classes), ``results.json`` and the
        resume state. Nothing is written without it.
    resume : bool
        Continue an interrupted run found in ``out_dir`` (default True).
    class_weights : bool
        Weight classes inversely to their training frequency.
    track_test : bool
        Also record test accuracy after every epoch in ``history`` — for the reproduction audit
        (book chapter 10) only; it is never used to choose anything.
    progress : bool
        Show progress bars.
    cache_dir : path-like, optional
        Feature cache folder.
    callbacks : sequence of keras.callbacks.Callback
        Extra Keras callbacks for every fit (each stage's, in staged fusion), after the package's
        own best-epoch, early-stopping and progress callbacks.
    reuse : bool
        Load the same run (same config, data, options and code) if one finished before on this
        machine, and keep this one for later (:mod:`affacrnn.reuse`). Not with ``callbacks``.

    Returns
    -------
    TrainResult
    """
    config = presets.CPU if config is None else config
    config.validate().check_run()
    if Path(config.corpus).exists():  # a manifest or folder: record it absolutely (evaluate may run elsewhere)
        config = config.replace(corpus=str(Path(config.corpus).resolve()))
    out = _check_out_dir(out_dir)  # refused before any work, so nothing is left half-done
    if reuse and callbacks:
        raise ParameterError("`reuse=True` cannot keep a run whose `callbacks` may change it; pass one or the other.")
    keras.utils.set_random_seed(config.seed)
    t0 = time.perf_counter()
    reset_peak_memory()
    if data is None:
        data = prepare(config, table=table, cache_dir=cache_dir, progress=progress)
    _check_parts(data, config)
    state = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        state = out / "state"  # only this run's own state is resumed (refused otherwise, nothing changed)
        claim(state, run_identity(config, corpus_fingerprint(data, name=config.corpus)), resume=resume)
    key = run_key(config, data, class_weights=class_weights) if reuse else None
    kept = load_kept(key, track_test=track_test) if key else None
    if kept is not None:
        result = TrainResult(config=config, classes=data.classes, peak_rss_mb=peak_memory_mb(), data=data,
                             reused=kept_dir(key), **kept)
    else:
        result = _fit_and_score(config, data, class_weights=class_weights, state=state, track_test=track_test,
                                progress=progress, resume=resume, callbacks=callbacks, t0=t0)
        if key:
            try:
                keep(key, model=result.model, config=config, data=data, history=result.history,
                     metrics=result.metrics, best_epoch=result.best_epoch, seconds=result.seconds,
                     seconds_per_epoch=result.seconds_per_epoch, stages=result.stages, track_test=track_test)
            except (OSError, OutputError) as exc:  # a full or read-only cache: the run itself succeeded
                warnings.warn(f"this run could not be kept for reuse ({exc}); it will be trained again next time.",
                              stacklevel=2)
    model = result.model
    if out is not None:
        result.model_path = save_model(
            model,
            out / "model.keras",
            config=config,
            scaler_dict=data.scaler.to_dict() if data.scaler is not None else None,
            label_classes=list(data.classes),
            corpus=corpus_fingerprint(data, name=config.corpus),
        )
        result.results_path = atomic_write_json(out / "results.json", result_record(result))
        shutil.rmtree(state, ignore_errors=True)  # finished: nothing to resume (a new run here starts clean)
    return result


def _fit_and_score(config, data, *, class_weights, state, track_test, progress, resume, callbacks, t0) -> TrainResult:
    n_classes = len(data.classes)
    weights = _class_weights(data.labels("train"), n_classes) if class_weights else None
    common = dict(resume=resume, progress=progress, callbacks=tuple(callbacks))
    stages: dict[str, pd.DataFrame] = {}
    if config.architecture == "affacrnn" and config.training == "staged":
        model, fit = _train_staged(config, data, n_classes=n_classes, weights=weights, state=state,
                                   track_test=track_test, stages=stages, **common)
    else:
        model, fit = _train_indexed(config, data, n_classes=n_classes, weights=weights, state=state,
                                    track_test=track_test, **common)
    metrics = {part: evaluate(model, data, part=part, seed=config.seed) for part in ("validation", "test")}
    return TrainResult(model=model, config=config, classes=data.classes, history=fit.history, metrics=metrics,
                       best_epoch=fit.best_epoch, seconds=time.perf_counter() - t0,
                       seconds_per_epoch=fit.seconds / fit.epochs_run, peak_rss_mb=peak_memory_mb(), data=data,
                       stages=stages)


def _train_indexed(config, data, *, n_classes, weights, state, track_test, progress, resume, desc=None,
                   callbacks=()):
    """Fit ``config``'s network in its indexed form; return the window-form model with its weights."""
    indexed = build_model(config, n_classes=n_classes, indexed=True)
    tracker = None
    if track_test:
        tracker = {"inputs": window_batches(data, config, "test", shuffle=False).dataset(), "y": data.labels("test")}
    fit = fit_model(indexed, config, train=window_batches(data, config, "train", shuffle=True, class_weight=weights),
                    validation=window_batches(data, config, "validation", shuffle=False), state=state,
                    track_test=tracker, progress=progress, resume=resume, desc=desc, callbacks=callbacks)
    model = build_model(config, n_classes=n_classes)
    copy_weights(indexed, model)
    del indexed
    return model, fit


def _train_staged(config, data, *, n_classes, weights, state, track_test, stages, progress, resume, callbacks=()):
    """The paper's stages: UB branch, SBCNN branch, then the fusion on their frozen recurrent states."""
    branches, fits = {}, []
    for arch, key in (("ub", "lasv"), ("sbcnn", "casv")):
        bconfig = config.replace(architecture=arch)
        branch, fit = _train_indexed(bconfig, data, n_classes=n_classes, weights=weights, track_test=False,
                                     state=None if state is None else state / arch, progress=progress,
                                     resume=resume, desc=f"stage {bconfig.model_name}", callbacks=callbacks)
        stages[arch] = fit.history.assign(best_epoch=fit.best_epoch)
        branches[key] = branch
        fits.append(fit)
    # the fusion head trains on the branches' recurrent states, computed once (the branches are frozen)
    parts = ("train", "validation", "test") if track_test else ("train", "validation")
    states = {}
    for key, layer, input_name in (("lasv", "aff2", "features"), ("casv", "cnn_context", "graphs")):
        probe = keras.Model(branches[key].input, branches[key].get_layer(layer).output)
        states[key] = {p: np.asarray(probe.predict({input_name: data.inputs(p)[input_name]}, batch_size=64,
                                                   verbose=0)) for p in parts}
    head = build_fusion_head(config, n_classes=n_classes)
    for key in ("lasv", "casv"):  # start each slot's attention from the branch's trained one
        src = branches[key].get_layer("attention")
        for layer in head.layers:
            if layer.name == f"{key}_attention" or layer.name.startswith(f"{key}_attention_"):
                layer.set_weights(src.get_weights())
    x = {p: {"lasv_states": states["lasv"][p], "casv_states": states["casv"][p]} for p in parts}
    tracker = {"inputs": x["test"], "y": data.labels("test")} if track_test else None
    head_fit = fit_model(head, config, train=(x["train"], data.labels("train")),
                         validation=(x["validation"], data.labels("validation")),
                         state=None if state is None else state / "fusion", track_test=tracker,
                         desc="stage fusion", progress=progress, resume=resume, class_weight=weights,
                         callbacks=callbacks)
    stages["fusion"] = head_fit.history.assign(best_epoch=head_fit.best_epoch)
    model = build_model(config, n_classes=n_classes)
    copy_weights(branches["lasv"], model, names={n: n for n in ("aff1", "aff2")})
    copy_weights(branches["casv"], model, names={n: n for n in ("cnn", "cnn_embedding", "cnn_context")})
    copy_weights(head, model)
    # the result's history is the fusion stage's; its time covers the three stages
    return model, dataclasses.replace(head_fit, seconds=head_fit.seconds + sum(f.seconds for f in fits),
                                      epochs_run=head_fit.epochs_run + sum(f.epochs_run for f in fits))


def _check_out_dir(out_dir) -> Path | None:
    """``out_dir`` as a Path, refused (one line, nothing written) if it cannot hold a run."""
    if out_dir is None:
        return None
    if not str(out_dir).strip():
        raise ParameterError("`out_dir` (--out) is empty. Pass a folder for model.keras and results.json, e.g. models/cpu.")
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise ParameterError(f"`out_dir` (--out) {out} is a file, not a folder. Pass a new or existing folder.")
    refuse_unwritable(out, what="`out_dir` (--out)", target=out)
    return out


def _check_parts(data, config) -> None:
    """Every part of the split has utterances, and the training part has at least two classes."""
    table = data.table
    speakers = {p: int(table.loc[table["split"] == p, "speaker"].nunique()) for p in ("train", "validation", "test")}
    empty = [p for p, n in speakers.items() if n == 0]
    if empty:
        total = int(table["speaker"].nunique())
        raise ParameterError(
            f"corpus {table.attrs.get('corpus', config.corpus)!r} has {total} speaker(s); a speaker-disjoint split "
            f"needs at least one speaker in each of train, validation and test (val_size={config.val_size:g}, "
            f"test_size={config.test_size:g}), and the {', '.join(empty)} part(s) got none. "
            + ("Its split column must name each part for some rows." if table.attrs.get("split_given") else
               "Use a corpus with at least 3 speakers, or give a manifest a split column.")
        )
    classes = sorted({str(data.classes[i]) for i in data.labels("train")})
    if len(classes) < 2:
        raise ParameterError(
            f"the training part has only one class ({', '.join(classes) or 'none'}) under scheme "
            f"{config.label_scheme!r}; a classifier needs at least two. Pick a scheme or corpus with several classes."
        )


def result_record(result: TrainResult) -> dict:
    """A JSON-able record of a training run: config, metrics, timing, provenance."""
    t = result.data.table if result.data is not None else None
    return {
        "model": result.config.model_name,
        "config": result.config.to_dict(),
        "classes": list(result.classes),
        "best_epoch": result.best_epoch,
        "epochs_run": int(len(result.history)),
        "seconds": round(result.seconds, 2),
        "seconds_per_epoch": round(result.seconds_per_epoch, 3),
        "peak_rss_mb": round(result.peak_rss_mb, 1),
        "split_sizes": t["split"].value_counts().to_dict() if t is not None else None,
        "metrics": result.metrics,
        "history": json.loads(result.history.to_json(orient="index")),
        "stages": {k: json.loads(v.to_json(orient="index")) for k, v in result.stages.items()},
        "environment": environment(),
    }
