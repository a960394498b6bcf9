"""Each branch alone and the fusion on RAVDESS, speaker-disjoint: does fusing help?

UB-BiLSTM, SBCNN with each CNN asked for, and AFF-ACRNN, every row with mean ± sd over seeds,
the majority baseline, a bootstrap interval, time per epoch and peak memory; the fusion row says
whether it beats each branch by more than the seeds' spread.

Notebook: book/08_fusion_attention.ipynb
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from reproduction.paper import PAPER_NOTE, paper_for_model
from reproduction.runner import (
    RESULT_COLUMNS,
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

__all__ = ['branches']


def branches(
    *,
    mode: str = "smoke",
    seeds: Iterable[int] | None = None,
    progress: bool = True,
    schemes: Sequence[str] = ("sentiment3",),
    cnns: Sequence[str] = ("small", "resnet18"),
    fusion_cnn: str | None = None,
) -> pd.DataFrame:
    """Each branch alone and the fusion, RAVDESS speaker-disjoint (chapter 8's measurement).

    Rows, per label scheme: UB-BiLSTM, SBCNN with each CNN of ``cnns`` (at the preset's graph
    size: 64² in full mode), and AFF-ACRNN (UB-BiLSTM + ``fusion_cnn``, default the preset's
    ``"small"``). Each with accuracy and F1 / macro F1 (mean ± sd over seeds), majority baseline,
    95% bootstrap interval, seconds per epoch, seconds per run and peak RSS of the run. The
    fusion row's ``note`` says whether the fusion beats each branch (mean accuracy, and whether
    the gap exceeds the seeds' spread).

    Parameters
    ----------
    schemes : sequence of str
        Label schemes (default ``("sentiment3",)``; add ``"sentiment2"``, ``"ravdess5"``).
    cnns : sequence of str
        SBCNN networks to run alone.
    fusion_cnn : str, optional
        The fused model's CNN (default the preset's).

    Notes
    -----
    Full mode: 4 models × 3 seeds × 1 scheme = 12 runs, ≈ 25–45 min on 2 unloaded cores (see
    :func:`estimate_minutes`); each extra scheme adds as much again.
    """
    settings = mode_settings(mode)
    seeds = resolve_seeds(seeds, settings)
    schemes = check_schemes(schemes)
    base = budget(settings.preset, "branches", mode, None, None)
    fusion_cnn = fusion_cnn or base.cnn
    models = [("UB-BiLSTM", base.replace(architecture="ub", recurrent="bilstm"))]
    models += [(f"SBCNN ({c})", base.replace(architecture="sbcnn", cnn=c)) for c in cnns]
    models.append((f"AFF-ACRNN (UB-BiLSTM + {fusion_cnn})", base.replace(architecture="affacrnn", cnn=fusion_cnn)))
    table = load_table("ravdess", settings)
    shared = SharedData(progress)
    bar = progress_bar("branches", len(schemes) * len(models) * len(seeds), progress)
    rows = []
    for scheme in schemes:
        k = classes_of(scheme)
        scheme_rows = []
        for label, cfg in models:
            cfg = cfg.replace(label_scheme=scheme)
            data = shared.get(cfg, table, "ravdess", graphs=True)
            runs = [fit_once(cfg.replace(seed=s), data, bar, f"{label} {scheme}") for s in seeds]
            paper, paper_f1, source = paper_for_model(cfg.architecture, cfg.recurrent,
                                                       cfg.cnn if cfg.uses_graphs else None, k)
            row = {"scheme": scheme, "classes": k, "model": label, "architecture": cfg.architecture,
                   "cnn": cfg.cnn if cfg.uses_graphs else "", **summarize(runs, k),
                   "paper": paper, "paper_f1": paper_f1, "paper_source": source,
                   "seconds_per_epoch": float(np.mean([r["seconds_per_epoch"] for r in runs])),
                   "train_seconds": float(np.mean([r["seconds"] for r in runs])),
                   "epochs_run": float(np.mean([r["epochs_run"] for r in runs])),
                   "peak_rss_mb": float(np.max([r["peak_rss_mb"] for r in runs])),
                   "image_size": cfg.image_size if cfg.uses_graphs else None,
                   "_accs": [100 * r["test"]["weighted_accuracy"] for r in runs]}
            scheme_rows.append(row)
        fusion = scheme_rows[-1]
        verdicts = []
        for other in scheme_rows[:-1]:
            gap = fusion["accuracy"] - other["accuracy"]
            spread = np.nanmax([fusion["accuracy_sd"], other["accuracy_sd"], 0.0])
            verdict = "beats" if gap > 0 else ("ties with" if gap == 0 else "trails")
            clear = " (1 seed: no spread)" if np.isnan(fusion["accuracy_sd"]) else (
                " (gap larger than the seeds' sd)" if abs(gap) > spread else " (within the seeds' sd)")
            verdicts.append(f"{verdict} {other['model']} by {abs(gap):.2f} pts{clear}")
        fusion["note"] = "fusion " + "; ".join(verdicts)
        fusion["fusion_beats_all_branches"] = all(fusion["accuracy"] > o["accuracy"] for o in scheme_rows[:-1])
        rows.extend(scheme_rows)
    for r in rows:
        r.pop("_accs", None)
    caption = (
        "Branches alone and fused, RAVDESS, one speaker-disjoint split (seed 0; seeds vary initialisation). "
        f"Mode {settings.mode}: preset {base.name}, {base.n_frames} frames, {base.image_size}² graphs, "
        f"seeds {list(seeds)}. Accuracy = the paper's 'weighted accuracy' (correct / total); F1 for 2 classes, "
        "macro F1 otherwise; majority_baseline = accuracy of always answering the test set's most frequent "
        "class; ci = 95% bootstrap interval over test utterances of one run (mean over seeds); peak_rss_mb = "
        "peak resident memory during that run. Classes: sentiment3 = negative / neutral / positive; "
        "2/5/7-class = sentiment2 / ravdess5 / ravdess_emotion7. " + PAPER_NOTE
    )
    return finish(rows, caption=caption, config=base, columns_first=("scheme", "classes", "model") + RESULT_COLUMNS)
