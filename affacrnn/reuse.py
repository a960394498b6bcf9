"""A finished training run kept by what it was trained on: the same run again is loaded, not trained.

The book trains small models live, and some chapters train the same one: chapter 11 trains
chapter 8's model (same preset, slice, split and seed) to have one to serve, and chapter 6's
ablation widget retrains the training cell's model to show it in its table. ``affacrnn.train(...,
reuse=True)`` keeps each finished run in the cache folder (``<AFFACRNN_CACHE>/trained/<key>/``:
``model.keras`` and ``run.json``), its key (:func:`run_key`) a hash of everything the result
depends on: the config; the model inputs, labels and split of every utterance; the class
weighting; the package's own source code and the Keras and TensorFlow versions. A later run with
the same key loads it (model, history, metrics, best epoch and the seconds it took) and says so
(``TrainResult.reused``). Any change of data, settings or code makes a new key; a kept run that
cannot be read is trained again. ``track_test`` (test accuracy logged each epoch, chapter 10's
audit) only logs, so it is not in the key: a run kept with it serves a run without it (the column
dropped), and a run that asks for it is trained again if the kept one lacks it.

Notebook: book/08_fusion_attention.ipynb
"""
from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

from affacrnn._io import atomic_write_json
from affacrnn.errors import AffacrnnError
from affacrnn.models.io import load_model, save_model
from affacrnn.settings import cache_dir

__all__ = ["run_key", "kept_dir", "keep", "load_kept"]


@cache
def _code_digest() -> str:
    """A hash of every source file of the package (a changed line of training code is another run)."""
    root = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "none"


def run_key(config, data, *, class_weights: bool) -> str:
    """The hash naming a run: config, data (inputs, labels, split), class weighting, source code, library versions.

    Parameters
    ----------
    config : AFFConfig
    data : affacrnn.features.dataset.Prepared
    class_weights : bool
        :func:`affacrnn.training.train`'s option of that name.

    Returns
    -------
    str
        32 hexadecimal digits.
    """
    digest = hashlib.blake2b(digest_size=16)
    settings = {"config": config.to_dict(), "class_weights": bool(class_weights),
                "classes": list(data.classes), "code": _code_digest(),
                "keras": _version("keras"), "tensorflow": _version("tensorflow")}
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for array in (data.windows, data.features, data.graphs, data.lengths):
        if array is not None:
            array = np.ascontiguousarray(array)
            digest.update(f"{array.dtype}{array.shape}".encode() + array.tobytes())
    digest.update(data.table[["utterance_id", "speaker", "split", "y"]].to_csv(index=False).encode())
    scaler = data.scaler.to_dict() if data.scaler is not None else None
    digest.update(json.dumps(scaler, sort_keys=True, default=lambda v: np.asarray(v).tolist()).encode())
    return digest.hexdigest()


def kept_dir(key: str) -> Path:
    """Where the run named ``key`` is kept: ``<cache>/trained/<key>``."""
    return cache_dir() / "trained" / key


def _frame(df: pd.DataFrame) -> dict:
    # to_dict, not to_json: pandas' JSON rounds floats to 10 digits, json keeps every one
    return {"split": df.to_dict(orient="split"), "index_name": df.index.name,
            "columns_name": df.columns.name}


def _unframe(d: dict) -> pd.DataFrame:
    df = pd.DataFrame(**d["split"])
    df.index.name, df.columns.name = d["index_name"], d["columns_name"]
    return df


def keep(key: str, *, model, config, data, history: pd.DataFrame, metrics: dict, best_epoch: int,
         seconds: float, seconds_per_epoch: float, stages: dict, track_test: bool) -> Path:
    """Keep a finished run under :func:`kept_dir` (the model first, ``run.json`` last: a run is kept
    once ``run.json`` exists). Returns the folder."""
    folder = kept_dir(key)
    save_model(model, folder / "model.keras", config=config,
               scaler_dict=data.scaler.to_dict() if data.scaler is not None else None,
               label_classes=list(data.classes))
    record = {
        "history": _frame(history), "stages": {k: _frame(v) for k, v in stages.items()},
        "metrics": {part: {k: _frame(v) if isinstance(v, pd.DataFrame) else v for k, v in m.items()}
                    for part, m in metrics.items()},
        "best_epoch": int(best_epoch), "seconds": float(seconds), "seconds_per_epoch": float(seconds_per_epoch),
        "track_test": bool(track_test),
    }
    atomic_write_json(folder / "run.json", record)
    return folder


def load_kept(key: str, *, track_test: bool) -> dict | None:
    """The run kept as ``key`` (``model``, ``history``, ``metrics``, ``best_epoch``, ``seconds``,
    ``seconds_per_epoch``, ``stages``), or None when none is kept, it cannot be read, or
    ``track_test`` asks for the per-epoch test accuracy it did not log."""
    folder = kept_dir(key)
    if not (folder / "run.json").is_file():
        return None
    try:
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        if track_test and not record.get("track_test"):
            return None
        model, _ = load_model(folder / "model.keras")
    except (OSError, ValueError, KeyError, AffacrnnError):
        return None
    untracked = [] if track_test else ["test_accuracy"]
    # strict JSON kept a NaN score (an undefined F1) as null: NaN again
    metrics = {part: {k: _unframe(v) if k == "confusion" else (np.nan if v is None else v) for k, v in m.items()}
               for part, m in record["metrics"].items()}
    return {"model": model, "history": _unframe(record["history"]).drop(columns=untracked, errors="ignore"),
            "metrics": metrics, "best_epoch": record["best_epoch"], "seconds": record["seconds"],
            "seconds_per_epoch": record["seconds_per_epoch"],
            "stages": {k: _unframe(v).drop(columns=untracked, errors="ignore") for k, v in record["stages"].items()}}
