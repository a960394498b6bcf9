"""Paper Table 2: the best feature combination of each size (1…7 types), UB-LSTM vs UB-BiLSTM.

Greedy forward selection on the validation speakers (a logistic-regression proxy, or the UB model
itself), then each chosen set trained with every seed and scored once on the test speakers.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from affacrnn.errors import ParameterError
from reproduction.paper import PAPER_NOTE, PAPER_SEVEN, PAPER_TABLE2
from reproduction.runner import (
    RESULT_COLUMNS,
    TABLE2_SMOKE_SIZES,
    SharedData,
    budget,
    check_schemes,
    classes_of,
    finish,
    fit_once,
    load_table,
    mode_settings,
    progress_bar,
    resolve_seeds,
    summarize,
)

__all__ = ['table2']


def _proxy_score(data_all, features: tuple[str, ...], have: tuple[str, ...], seed: int) -> float:
    """Validation accuracy of a logistic regression on utterance mean + std of the chosen blocks."""
    X = data_all.select(have=have, features=features, graphs=False).features
    V = np.concatenate([X.mean(axis=1), X.std(axis=1)], axis=1)
    tr, va = data_all.rows("train"), data_all.rows("validation")
    y = data_all.table["y"].to_numpy()
    clf = LogisticRegression(max_iter=2000, class_weight="balanced", random_state=seed).fit(V[tr], y[tr])
    return float(np.mean(clf.predict(V[va]) == y[va]))


def table2(
    *,
    mode: str = "smoke",
    seeds: Iterable[int] | None = None,
    progress: bool = True,
    schemes: Sequence[str] | None = None,
    recurrents: Sequence[str] = ("lstm", "bilstm"),
    sizes: Sequence[int] | None = None,
    select_by: str = "proxy",
    selection_epochs: int | None = None,
    epochs: int | None = None,
    patience: int | None = None,
) -> pd.DataFrame:
    """Best feature combination of each size (1…7 types), UB-LSTM vs UB-BiLSTM (paper Table 2).

    Not all 127 subsets: **greedy forward selection on the validation speakers**. Start from no
    feature; at each step add the type whose addition scores best on validation; the set after
    step k is the "best combination of k types". Each chosen set is then trained with every seed
    and scored once on the test speakers. Selection never looks at the test set.

    Parameters
    ----------
    schemes : sequence of str, optional
        Default: full ``("sentiment2",)`` (≈ 45 min; ``ravdess5`` and ``ravdess_emotion7`` add as
        much each), smoke ``("sentiment2",)``.
    recurrents : sequence of {"lstm", "bilstm"}
    sizes : sequence of int, optional
        Which set sizes to train and report (default full 1…7, smoke ``(1, 7)``); selection
        always runs through all seven steps.
    select_by : {"proxy", "model"}
        How a candidate set is scored on validation. ``"proxy"`` (default): a class-balanced
        logistic regression on each utterance's column means and standard deviations — seconds
        for all 28 candidates, the same features the UB model reads. ``"model"``: train the UB
        model itself (seed 0, ``selection_epochs``) per candidate and recurrent kind: 56 extra runs
        per scheme, ≈ 1 h more on 2 cores in full mode.
    selection_epochs : int, optional
        Epochs of each selection run with ``select_by="model"`` (default: the preset's / 2).
    epochs, patience : int, optional
        Training budget of the reported runs. Default full: 15 epochs, patience 3 (the CPU preset's
        25 / 5 would take ≈ 90 min for one scheme); smoke: the preset's.

    Returns
    -------
    pandas.DataFrame
        One row per (scheme, recurrent, size): the chosen ``features``, the selection score
        (``selection_val_accuracy``), test accuracy / F1 over seeds, majority baseline, paper.
    """
    settings = mode_settings(mode)
    seeds = resolve_seeds(seeds, settings)
    schemes = check_schemes(schemes if schemes is not None else ("sentiment2",))
    if select_by not in ("proxy", "model"):
        raise ParameterError(f"`select_by` must be 'proxy' or 'model'; got {select_by!r}.")
    for r in recurrents:
        if r not in ("lstm", "bilstm"):
            raise ParameterError(f"`recurrents` must hold 'lstm' and/or 'bilstm'; got {r!r}.")
    sizes = tuple(sizes) if sizes is not None else (tuple(range(1, 8)) if mode == "full" else TABLE2_SMOKE_SIZES)
    if not sizes or not all(isinstance(s, int) and 1 <= s <= len(PAPER_SEVEN) for s in sizes):
        raise ParameterError(f"`sizes` must hold ints in 1..{len(PAPER_SEVEN)}; got {sizes!r}.")
    base = settings.preset.replace(architecture="ub")
    base = budget(base, "table2", mode, epochs, patience)
    sel_epochs = selection_epochs or max(1, base.epochs // 2)
    table = load_table("ravdess", settings)
    shared = SharedData(progress)
    n_sel = sum(range(1, len(PAPER_SEVEN) + 1)) * len(recurrents) if select_by == "model" else 0
    bar = progress_bar("table2", len(schemes) * (n_sel + len(recurrents) * len(sizes) * len(seeds)), progress)
    rows = []
    selections: dict[str, Any] = {}
    for scheme in schemes:
        k = classes_of(scheme)
        probe = base.replace(label_scheme=scheme, features=PAPER_SEVEN)
        data_all = shared.get(probe, table, "ravdess", features=PAPER_SEVEN, graphs=False)
        for rec in recurrents:
            cfg = base.replace(label_scheme=scheme, recurrent=rec)
            chosen: list[str] = []
            path = []
            for step in range(1, len(PAPER_SEVEN) + 1):
                scored = []
                for cand in [f for f in PAPER_SEVEN if f not in chosen]:
                    feats = tuple(f for f in PAPER_SEVEN if f in chosen or f == cand)
                    if select_by == "proxy":
                        score = _proxy_score(data_all, feats, PAPER_SEVEN, seeds[0])
                    else:
                        c = cfg.replace(features=feats, epochs=sel_epochs, seed=seeds[0])
                        run = fit_once(c, shared.get(c, table, "ravdess", features=PAPER_SEVEN, graphs=False), bar,
                                   f"select {scheme} {rec} +{cand}")
                        score = run["validation"]["weighted_accuracy"]
                    scored.append((score, -PAPER_SEVEN.index(cand), cand))
                score, _, best = max(scored)
                chosen.append(best)
                path.append({"size": step, "added": best, "val_accuracy": 100 * score,
                             "candidates": {c: round(100 * s, 2) for s, _, c in scored}})
            selections[f"{scheme}/{rec}"] = path
            for size in sizes:
                feats = tuple(f for f in PAPER_SEVEN if f in chosen[:size])
                c = cfg.replace(features=feats)
                data = shared.get(c, table, "ravdess", features=PAPER_SEVEN, graphs=False)
                runs = [fit_once(c.replace(seed=s), data, bar, f"{c.model_name} {scheme} {size} types") for s in seeds]
                paper = PAPER_TABLE2[(size, rec)].get(k, float("nan"))
                rows.append({"scheme": scheme, "classes": k, "model": c.model_name, "recurrent": rec,
                             "n_types": size, "features": ",".join(feats),
                             "selection_val_accuracy": path[size - 1]["val_accuracy"],
                             **summarize(runs, k), "paper": paper, "paper_f1": float("nan"),
                             "paper_features": "mfcc,centroid,chroma,contrast" if size == 4 else ""})
    caption = (
        "Best feature combination of each size (paper Table 2), UB-LSTM vs UB-BiLSTM, RAVDESS speaker-disjoint. "
        "Sets chosen by greedy forward selection on the validation speakers "
        f"({'logistic-regression proxy on utterance mean+std' if select_by == 'proxy' else 'UB model, seed 0, ' + str(sel_epochs) + ' epochs'}), "
        "then each chosen set trained with every seed and scored once on test. Seven candidate types: mfcc, "
        "centroid, chroma, contrast, rms, flatness (our pick for the paper's unnamed one), tonnetz. "
        f"Mode {settings.mode}: preset {base.name}, seeds {list(seeds)}, sizes {list(sizes)}. "
        "2/5/7-class = sentiment2 / ravdess5 / ravdess_emotion7 (paper: MOSI score bins). " + PAPER_NOTE
    )
    return finish(rows, caption=caption, config=base, extra={"selection": selections, "select_by": select_by},
                   columns_first=("scheme", "classes", "model", "n_types", "features") + RESULT_COLUMNS)
