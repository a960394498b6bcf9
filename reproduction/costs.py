"""What a cross-validation run would cost on this machine, before it is run, and scaled by what runs really took.

:func:`fold_minutes` is the runner's cost model (:func:`reproduction.runner.fit_seconds`:
measured per-step times of the CPU preset on 2 unloaded cores) applied to one model's speaker
folds. Its figures are optimistic on a busy machine, so :func:`scaled_minutes` multiplies a model's
estimate by how long a *reference* model's committed folds really took against their own
estimate (e.g. ResNet152 scaled by the committed ResNet18 folds): the "measured estimate" the
claims ledger gives for every row it could not run.

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from affacrnn.data.corpora import CORPUS_SPECS
from affacrnn.features.frames import PAPER_FEATURES
from reproduction.crossval import FOLDS, VAL_SIZE
from reproduction.models import BASELINE_SECONDS, CROSSVAL_MODELS
from reproduction.paper import PAPER_SEVEN
from reproduction.runner import fit_seconds, mode_settings

__all__ = ["BASELINE_SECONDS", "fold_minutes", "scaled_minutes", "selection_minutes"]

#: Utterances of each corpus (all labels; a scheme that drops some trains on fewer).
_ROWS = {name: spec.utterances for name, spec in CORPUS_SPECS.items() if spec.utterances}


def fold_minutes(*, model: str, corpus: str = "ravdess", mode: str = "full", options: Mapping | None = None,
                 folds: int | None = None, seeds: int = 1) -> float:
    """Estimated minutes of ``model``'s folds (× ``seeds``) on 2 unloaded CPU cores.

    Every scheme of a corpus is priced on the whole corpus (the step times dominate the difference).
    """
    k = folds or FOLDS.get(corpus, 4)
    spec = CROSSVAL_MODELS[model]
    if spec is None:  # a baseline: measured seconds per fold, once per fold
        return k * (BASELINE_SECONDS.get(model, 20) if mode == "full" else 2) / 60
    settings = mode_settings(mode)
    cfg = settings.preset.replace(**spec, **dict(options or {}))
    n_rows = _ROWS.get(corpus, 1440) if settings.n_speakers is None else 160
    fold_cfg = cfg.replace(test_size=1 / k, val_size=VAL_SIZE * (1 - 1 / k))
    # staged fusion trains both branches, then a small head on their saved states
    factor = 0.8 if cfg.architecture == "affacrnn" and cfg.training == "staged" else 1.0
    return k * seeds * fit_seconds(fold_cfg, n_rows) * factor / 60


def scaled_minutes(runs: pd.DataFrame, *, model: str, scheme: str, reference: str,
                   options: Mapping | None = None, corpus: str = "ravdess") -> dict:
    """``model``'s estimate, and that estimate scaled by ``reference``'s committed folds (measured / estimated).

    Parameters
    ----------
    runs : pandas.DataFrame
        Committed fold runs (:func:`reproduction.fold_tables.fold_runs`), with ``seconds``.
    model, reference : str
        Crossval model names; ``reference`` was run with the default options on ``scheme``.

    Returns
    -------
    dict
        ``{"estimate", "measured_reference", "reference_estimate", "scaled"}`` in minutes (``scaled``
        is NaN when ``reference`` has no committed run, ``estimate`` the best figure then).
    """
    est = fold_minutes(model=model, corpus=corpus, options=options)
    ref_est = fold_minutes(model=reference, corpus=corpus)
    ref = runs[(runs["corpus"] == corpus) & (runs["scheme"] == scheme) & (runs["model"] == reference)
               & (runs["options"] == "") & (runs["cross"] == "")
               & (runs["features"] == ",".join(PAPER_FEATURES))] if len(runs) else runs
    measured = float(ref["seconds"].sum()) / 60 if len(ref) and "seconds" in ref else float("nan")
    scaled = est * measured / ref_est if measured == measured and ref_est > 0 else float("nan")
    return {"estimate": est, "measured_reference": measured, "reference_estimate": ref_est, "scaled": scaled}


def selection_minutes(runs: pd.DataFrame, *, scheme: str = "ravdess_emotion7") -> float:
    """Minutes of Table 2's own search on RAVDESS's 4 folds: per fold and recurrent kind, the greedy
    forward selection's 28 candidate sets each trained once (half the epochs) and the 7 chosen sets
    trained in full; scaled by the committed UB-BiLSTM folds when there are some."""
    settings = mode_settings("full")
    k = FOLDS["ravdess"]
    n_candidates = sum(range(1, len(PAPER_SEVEN) + 1))
    total = 0.0
    for rec in ("lstm", "bilstm"):
        cfg = settings.preset.replace(architecture="ub", recurrent=rec, test_size=1 / k, val_size=VAL_SIZE * (1 - 1 / k))
        half = cfg.replace(epochs=max(1, cfg.epochs // 2))
        total += k * (n_candidates * fit_seconds(half, _ROWS["ravdess"])
                      + len(PAPER_SEVEN) * fit_seconds(cfg, _ROWS["ravdess"])) / 60
    ref = scaled_minutes(runs, model="ub_bilstm", scheme=scheme, reference="ub_bilstm")
    return total * (ref["scaled"] / ref["estimate"]) if ref["scaled"] == ref["scaled"] else total
