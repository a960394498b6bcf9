"""What every experiment shares: modes, the CPU cost model, shared data, training runs, summaries.

Each experiment module on one split (:mod:`~reproduction.branches`,
:mod:`~reproduction.mosi_labels`, :mod:`~reproduction.mosi_audio`) is a loop over configurations
built from these parts; :mod:`~reproduction.crossval` reads the modes and the cost model:

* :func:`mode_settings` — the sizes of ``"smoke"`` and ``"full"`` (:class:`ModeSettings`);
* the cost model (:func:`fit_seconds`) — minutes per training run on 2 CPU cores, so rows beyond a
  mode's budget are reported as "not run", never faked;
* :func:`load_table` and :class:`SharedData` — one featurisation per corpus, a view per model
  (:meth:`affacrnn.features.dataset.Prepared.select`);
* :func:`fit_once` — one scored training run (progress on a tqdm bar);
* :func:`summarize`, :func:`not_run`, :func:`finish` — mean ± sd over seeds, majority baseline
  and 95% interval, and the tidy table with its caption.

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from affacrnn.data.corpora import load_corpus
from affacrnn.data.labels import get_scheme
from affacrnn.data.splits import speaker_slice
from affacrnn.errors import ParameterError
from affacrnn.features.dataset import prepare
from affacrnn.features.frames import normalize_feature_set
from affacrnn.models import presets
from affacrnn.models.cnn_zoo import CNNS

__all__ = [
    "MODES", "SPLIT_SEED", "RESULT_COLUMNS", "ModeSettings", "mode_settings",
    "resolve_seeds", "check_schemes", "budget", "fit_seconds", "rows_estimate",
    "load_table", "SharedData", "progress_bar", "fit_once", "test_scores", "mean_sd",
    "summarize", "not_run", "classes_of", "finish",
]

MODES = ("smoke", "full")
#: Seed of the one speaker-disjoint split every row and seed of a table shares.
SPLIT_SEED = 0

# ----------------------------------------------------------------------------------------------
# Modes
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModeSettings:
    """Sizes of one mode.

    Attributes
    ----------
    mode : {"smoke", "full"}
    preset : AFFConfig
        ``SMOKE`` with 1 epoch, or ``CPU_ROUND_ONE`` (round two's changes are options of a run).
    seeds : tuple of int
        Default seeds (smoke ``(0,)``, full ``(0, 1, 2)``).
    n_speakers, per_speaker : int or None
        Smoke slice: this many speakers (half of each sex) and the first utterances of each in
        session order (a seeded shuffle, so labels are mixed); ``None`` = whole corpus.
    max_fit_minutes : float
        Rows whose estimated minutes per training run exceed this are reported as "not run".
    """

    mode: str
    preset: Any
    seeds: tuple[int, ...]
    n_speakers: int | None
    per_speaker: int | None
    max_fit_minutes: float


def mode_settings(mode: str) -> ModeSettings:
    """The :class:`ModeSettings` of ``"smoke"`` or ``"full"``."""
    if mode == "smoke":
        return ModeSettings("smoke", presets.SMOKE.replace(epochs=1), (0,), 6, 20, 0.5)
    if mode == "full":
        return ModeSettings("full", presets.CPU_ROUND_ONE, (0, 1, 2), None, None, 8.0)
    raise ParameterError(f"`mode` must be one of {', '.join(MODES)}; got {mode!r}. Pass mode='smoke' or 'full'.")


def resolve_seeds(seeds: Iterable[int] | None, settings: ModeSettings) -> tuple[int, ...]:
    if seeds is None:
        return settings.seeds
    out = tuple(seeds)
    if not out or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in out):
        raise ParameterError(f"`seeds` must be a non-empty list of ints >= 0; got {seeds!r}. Pass e.g. seeds=(0, 1, 2).")
    return tuple(int(s) for s in out)


def check_schemes(schemes: Sequence[str]) -> tuple[str, ...]:
    if isinstance(schemes, str):
        schemes = (schemes,)
    out = tuple(schemes)
    if not out:
        raise ParameterError("`schemes` must name at least one label scheme; got none. Pass e.g. schemes=('sentiment2',).")
    for s in out:
        get_scheme(s)
    return out


# ----------------------------------------------------------------------------------------------
# Cost model (2 CPU cores). Seconds per training step of the CPU preset (32 windows of 3
# utterances, 256 × 33 features, 64² graphs), first measured on this project's 2-core machine with
# whole-window batches, then divided by benchmarks/train_speed.py's ratios for the indexed,
# masked, cropped batches (UB 2.28×, CNNs 1.96×, end-to-end fusion 1.73×); VGG16 / ResNet50 /
# ResNet152 scaled from ResNet18 by published GFLOPs. Treat estimates as ±50%.
# ----------------------------------------------------------------------------------------------
_UB_STEP = {"bilstm": 0.16, "lstm": 0.11}
#: Seconds to build and trace the UB branch (the first epoch's overhead), unloaded; each CNN's are in its
#: :class:`~affacrnn.models.cnn_zoo.CNNSpec`, with its seconds per step.
_UB_BUILD_SECONDS = 12
_FUSION_FACTOR = 0.74           # end-to-end fused step ≈ 0.74 × (UB step + CNN step)
_EXPECTED_EPOCH_FRACTION = 0.65  # early stopping stopped at 34–42 of 60 epochs (crossval, UB-BiLSTM)
_RAVDESS_ROWS = {"sentiment2": 1152, "sentiment3": 1440, "ravdess5": 1440, "ravdess_emotion7": 1440}


#: Full-mode training budgets (epochs, patience) that differ from the CPU preset's (60, 12), so that
#: each table's full run stays within about an hour on 2 cores (``branches``: the budget its
#: committed results were made with; the speaker-fold protocol is ``crossval``).
_FULL_BUDGET = {"branches": (25, 5)}


def budget(base, name: str, mode: str, epochs: int | None, patience: int | None):
    e, p = _FULL_BUDGET.get(name, (base.epochs, base.patience)) if mode == "full" else (base.epochs, base.patience)
    return base.replace(epochs=epochs or e, patience=p if patience is None else patience)


def fit_seconds(config, n_rows: int) -> float:
    """Estimated seconds of one training run of ``config`` on ``n_rows`` utterances (2 CPU cores)."""
    train_windows = n_rows * (1 - config.val_size - config.test_size)
    steps = math.ceil(train_windows / config.batch_size)
    batch = config.batch_size / 32
    ub = _UB_STEP[config.recurrent] * batch * (config.n_frames / 256) * (config.lstm_units[0] / 32)
    spec = CNNS[config.cnn]
    cnn = spec.step_seconds * batch * (config.image_size / 64) ** 2
    if config.architecture == "ub":
        step, build = ub, _UB_BUILD_SECONDS
    elif config.architecture == "sbcnn":
        step, build = cnn, spec.build_seconds
    else:
        step, build = _FUSION_FACTOR * (ub + cnn), _UB_BUILD_SECONDS + spec.build_seconds
    epochs = max(1.0, config.epochs * (_EXPECTED_EPOCH_FRACTION if config.patience else 1.0))
    return build + epochs * steps * step * 1.15  # + validation and prediction passes


# ----------------------------------------------------------------------------------------------
# Data: one featurisation per corpus, views per model
# ----------------------------------------------------------------------------------------------

def rows_estimate(scheme: str, settings: ModeSettings) -> int:
    if settings.n_speakers is not None:
        return settings.n_speakers * settings.per_speaker
    return _RAVDESS_ROWS.get(scheme, 1440)


# ----------------------------------------------------------------------------------------------
# Data: one featurisation per corpus, views per model
# ----------------------------------------------------------------------------------------------
def load_table(corpus: str, settings: ModeSettings) -> pd.DataFrame:
    """The corpus table; in smoke mode a slice of ``n_speakers`` (half per sex) × ``per_speaker``."""
    table = load_corpus(corpus, seed=SPLIT_SEED)
    if settings.n_speakers is None:
        return table
    return speaker_slice(table, n_speakers=settings.n_speakers, per_speaker=settings.per_speaker)


class SharedData:
    """Prepare each (table, scheme, features, sizes) once; hand out per-model views."""

    def __init__(self, progress: bool):
        self.progress = progress
        self._cache: dict[tuple, tuple[Any, tuple[str, ...]]] = {}

    def get(self, config, table: pd.DataFrame, table_key: str, *, features: Sequence[str] | None = None,
            graphs: bool | None = None):
        """A :class:`Prepared` for ``config`` (split seed :data:`SPLIT_SEED`), from the shared one.

        ``features``: the feature types to featurise (a superset of ``config.features``, sliced
        per view); ``graphs``: whether to compute spectrum graphs (default ``config.uses_graphs``).
        """
        featurise = normalize_feature_set(features) if features is not None else config.features
        want_graphs = config.uses_graphs if graphs is None else graphs
        arch = "affacrnn" if want_graphs else "ub"
        key = (table_key, config.label_scheme, featurise, config.n_frames, config.sr, config.n_fft,
               config.hop_length, config.image_size if want_graphs else None, config.context,
               config.val_size, config.test_size,
               # what prepare() does to the numbers (after the slot the graph side takes above)
               config.mask_padding, config.normalization, config.graph_norm,
               config.graph_scale if want_graphs else None)
        if key not in self._cache:
            # reuse a preparation that has graphs for a request without them
            with_graphs = key[:7] + (config.image_size,) + key[8:]
            if not want_graphs and with_graphs in self._cache:
                self._cache[key] = self._cache[with_graphs]
            else:
                base = config.replace(architecture=arch, features=featurise, seed=SPLIT_SEED)
                self._cache[key] = (prepare(base, table=table, progress=self.progress), featurise)
        shared, have = self._cache[key]
        return shared.select(have=have, features=config.features if config.uses_features else None,
                             graphs=config.uses_graphs)



def test_scores(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if k != "confusion"}


def progress_bar(name: str, total: int, enabled: bool) -> tqdm:
    """The experiment's bar on stderr: finished training runs of ``total``, with tqdm's ETA."""
    return tqdm(total=max(1, total), desc=name, unit="run", disable=not enabled, leave=True)


def report(bar: tqdm, line: str) -> None:
    """Count one finished run on ``bar`` and print its one-line result above it (kept in logs)."""
    bar.update(1)
    if not bar.disable:
        tqdm.write(f"[{bar.desc} {bar.n}/{bar.total}] {line}")


def fit_once(config, data, bar: tqdm, label: str) -> dict:
    """Train ``config`` on ``data`` once; return its scores and timings (the model is freed)."""
    # affacrnn.training starts TensorFlow (seconds): imported here so that listing experiments,
    # estimating them and the label-only mosi_labels never pay for it.
    import keras

    from affacrnn.training import train

    result = train(config, data=data, progress=False)
    run = {
        "seed": config.seed,
        "test": test_scores(result.metrics["test"]),
        "validation": test_scores(result.metrics["validation"]),
        "seconds": result.seconds,
        "seconds_per_epoch": result.seconds_per_epoch,
        "epochs_run": int(len(result.history)),
        "best_epoch": int(result.best_epoch),
        "peak_rss_mb": result.peak_rss_mb,
    }
    del result
    keras.backend.clear_session()
    gc.collect()
    report(bar, f"{label} seed {config.seed}: test acc {100 * run['test']['weighted_accuracy']:.1f}% "
                f"({run['seconds']:.0f} s)")
    return run


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    v = np.asarray([x for x in values if x is not None and not np.isnan(x)], dtype=float)
    if len(v) == 0:
        return float("nan"), float("nan")
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else float("nan")


def summarize(runs: Sequence[dict], n_classes: int) -> dict:
    """Mean ± sd over seeds of the test scores (percent), with baseline and interval."""
    tests = [r["test"] for r in runs]
    f1_key = "f1" if n_classes == 2 else "macro_f1"
    acc, acc_sd = mean_sd([100 * t["weighted_accuracy"] for t in tests])
    f1, f1_sd = mean_sd([100 * t[f1_key] for t in tests])
    return {
        "status": "ok",
        "n_seeds": len(runs),
        "accuracy": acc,
        "accuracy_sd": acc_sd,
        "f1": f1,
        "f1_sd": f1_sd,
        "f1_kind": "F1" if n_classes == 2 else "macro F1",
        "balanced_accuracy": mean_sd([100 * t["balanced_accuracy"] for t in tests])[0],
        "majority_baseline": 100 * tests[0]["majority_accuracy"],
        "majority_train_class": 100 * tests[0]["majority_train_accuracy"],
        "ci_low": mean_sd([100 * t["accuracy_ci_low"] for t in tests])[0],
        "ci_high": mean_sd([100 * t["accuracy_ci_high"] for t in tests])[0],
        "n_test": int(tests[0]["n"]),
        "text": _text(acc, acc_sd, len(runs)),
    }


def _text(mean: float, sd: float, n: int) -> str:
    if np.isnan(mean):
        return "not run"
    return f"{mean:.2f} ± {'nan' if np.isnan(sd) else f'{sd:.2f}'} (n={n})"


def not_run(reason: str, n_classes: int) -> dict:
    nan = float("nan")
    return {"status": "not run", "n_seeds": 0, "accuracy": nan, "accuracy_sd": nan, "f1": nan, "f1_sd": nan,
            "f1_kind": "F1" if n_classes == 2 else "macro F1", "balanced_accuracy": nan, "majority_baseline": nan,
            "majority_train_class": nan, "ci_low": nan, "ci_high": nan, "n_test": 0, "text": "not run",
            "note": reason}


def classes_of(scheme: str) -> int:
    return get_scheme(scheme).n_classes


def finish(rows: list[dict], *, caption: str, config=None, extra: dict | None = None,
            columns_first: Sequence[str] = ()) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if "note" not in df:
        df["note"] = ""
    df["note"] = df["note"].fillna("")
    first = [c for c in columns_first if c in df]
    df = df[first + [c for c in df.columns if c not in first]]
    df.attrs["caption"] = caption
    df.attrs["config"] = config.to_dict() if config is not None else None
    df.attrs["extra"] = extra or {}
    return df


RESULT_COLUMNS = ("accuracy", "accuracy_sd", "n_seeds", "f1", "f1_sd", "f1_kind", "majority_baseline", "paper",
                   "paper_f1", "ci_low", "ci_high", "balanced_accuracy", "status")
