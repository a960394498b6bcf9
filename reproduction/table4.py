"""Paper Table 4: fusion of UB-LSTM / UB-BiLSTM with the three best SBCNNs.

The three CNNs are read from a committed Table 3 result when there is one (by accuracy above the
majority baseline), else the paper's ResNet18, ResNet50 and ResNet152.

Notebook: book/08_fusion_attention.ipynb
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from reproduction.paper import PAPER_NOTE, PAPER_TABLE4
from reproduction.results import read_results, results_path
from reproduction.runner import (
    RESULT_COLUMNS,
    SharedData,
    budget,
    budget_reason,
    check_schemes,
    classes_of,
    finish,
    load_table,
    mode_settings,
    progress_bar,
    resolve_seeds,
    rows_estimate,
    scored_row,
)

__all__ = ['table4']


def _best_cnns(results_dir: str | Path | None, n: int = 3) -> tuple[tuple[str, ...], str]:
    """The ``n`` best CNNs of a table3 result (mean accuracy minus majority over its schemes)."""
    default = ("resnet18", "resnet50", "resnet152")
    if results_dir is None:
        return default, "the paper's three (no table3 results found)"
    path = results_path("table3", results_dir)
    found = read_results("table3", results_dir=results_dir)
    if found is None:
        return default, f"the paper's three ({path} not found)"
    rows = found[0]
    ok = rows[rows["status"] == "ok"].copy()
    if ok.empty:
        return default, f"the paper's three ({path} has no finished rows)"
    ok["gain"] = ok["accuracy"].astype(float) - ok["majority_baseline"].astype(float)
    ranked = ok.groupby("cnn")["gain"].mean().sort_values(ascending=False)
    best = tuple(ranked.index[:n])
    return best, f"best {len(best)} of {path} by mean accuracy above the majority baseline"


def table4(
    *,
    mode: str = "smoke",
    seeds: Iterable[int] | None = None,
    progress: bool = True,
    recurrents: Sequence[str] = ("lstm", "bilstm"),
    cnns: Sequence[str] | None = None,
    schemes: Sequence[str] | None = None,
    image_size: int | None = None,
    max_fit_minutes: float | None = None,
    results_dir: str | Path | None = None,
    epochs: int | None = None,
    patience: int | None = None,
) -> pd.DataFrame:
    """Fusion of UB-LSTM / UB-BiLSTM with the three best SBCNNs (paper Table 4).

    Parameters
    ----------
    cnns : sequence of str, optional
        Default: the three best of ``<results_dir>/table3.json`` (by accuracy above the majority
        baseline; rows that ran), else the paper's ResNet18, ResNet50, ResNet152.
    schemes, image_size, max_fit_minutes
        As :func:`table3`.
    results_dir : path-like, optional
        Where to look for ``table3.json`` (:func:`run_experiment` passes its ``out_dir``).
    epochs, patience : int, optional
        Default full: 12 epochs, patience 3 (18 fused runs must fit in an hour); smoke: the preset's.

    Notes
    -----
    Full mode: 2 recurrents × 3 CNNs × 3 seeds = 18 fused runs on ``sentiment2`` ≈ 40–60 min
    on 2 unloaded cores with table3's best (cheap) CNNs; with the paper's three, ResNet50 and
    ResNet152 are reported as not run. Each extra scheme adds as much again.
    """
    settings = mode_settings(mode)
    seeds = resolve_seeds(seeds, settings)
    schemes = check_schemes(schemes if schemes is not None else ("sentiment2",))
    if cnns is None:
        cnns, cnn_source = _best_cnns(results_dir)
    else:
        cnns, cnn_source = tuple(cnns), "given"
    base = settings.preset.replace(architecture="affacrnn")
    if image_size is not None:
        base = base.replace(image_size=image_size)
    base = budget(base, "table4", mode, epochs, patience)
    table = load_table("ravdess", settings)
    shared = SharedData(progress)
    plan = []
    for scheme in schemes:
        for rec in recurrents:
            for cnn in cnns:
                cfg = base.replace(label_scheme=scheme, recurrent=rec, cnn=cnn)
                plan.append((scheme, cfg, budget_reason(cfg, rows_estimate(scheme, settings), settings,
                                                         max_fit_minutes, len(seeds))))
    bar = progress_bar("table4", sum(len(seeds) for *_, r in plan if r is None), progress)
    rows = []
    for scheme, cfg, reason in plan:
        k = classes_of(scheme)
        a, f = PAPER_TABLE4.get((cfg.recurrent, cfg.cnn), {}).get(k, (float("nan"), float("nan")))
        name = f"UB-{'BiLSTM' if cfg.recurrent == 'bilstm' else 'LSTM'}+{cfg.cnn}"
        keys = {"scheme": scheme, "classes": k, "model": name, "recurrent": cfg.recurrent, "cnn": cfg.cnn,
                "image_size": cfg.image_size}
        row = scored_row(cfg, reason, keys=keys, shared=shared, table=table, table_key="ravdess", seeds=seeds,
                         bar=bar, label=f"{name} {scheme}")
        rows.append({**row, "paper": a, "paper_f1": f})
    caption = (
        "Fusion of the UB branch (LSTM or BiLSTM) with SBCNN (paper Table 4), RAVDESS speaker-disjoint. "
        f"CNNs: {', '.join(cnns)} ({cnn_source}). Mode {settings.mode}: preset {base.name}, "
        f"{base.image_size}² graphs, seeds {list(seeds)}. 'paper' is blank where the paper has no row for that "
        "CNN. 2/5/7-class = sentiment2 / ravdess5 / ravdess_emotion7. " + PAPER_NOTE
    )
    return finish(rows, caption=caption, config=base, extra={"cnns": list(cnns), "cnn_source": cnn_source},
                   columns_first=("scheme", "classes", "model") + RESULT_COLUMNS)
