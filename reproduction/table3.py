"""Paper Table 3: SBCNN with each CNN of the zoo, 2/5/7 classes, accuracy and (macro) F1.

Trained from random initialisation (no ImageNet weights offline) on spectrum graphs; rows whose
estimated cost is beyond this machine's budget are reported as "not run" with the estimate.

Notebook: book/07_sbcnn.ipynb
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from reproduction.paper import PAPER_NOTE, PAPER_TABLE3, TABLE3_CNNS
from reproduction.runner import (
    RESULT_COLUMNS,
    SharedData,
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

__all__ = ['table3']


def table3(
    *,
    mode: str = "smoke",
    seeds: Iterable[int] | None = None,
    progress: bool = True,
    cnns: Sequence[str] = TABLE3_CNNS,
    schemes: Sequence[str] | None = None,
    image_size: int | None = None,
    max_fit_minutes: float | None = None,
) -> pd.DataFrame:
    """SBCNN with each CNN of the zoo (paper Table 3), 2/5/7 classes, accuracy and (macro) F1.

    Parameters
    ----------
    cnns : sequence of str
        Default the paper's seven.
    schemes : sequence of str, optional
        Default ``("sentiment2",)``; pass ``("sentiment2", "ravdess5", "ravdess_emotion7")`` for the
        paper's 2/5/7 columns (each scheme ≈ 45 min in full mode).
    image_size : int, optional
        Graph side (default the preset's: 64 full, 32 smoke; the paper's is 512).
    max_fit_minutes : float, optional
        Rows whose estimated minutes per run exceed this are "not run" (default: the mode's,
        8 min full — VGG16, ResNet50 and ResNet152 at 64² on 2 cores are beyond it; 0.5 smoke,
        which skips ResNet50 and ResNet152 for their build time alone).

    Notes
    -----
    Full mode at 64²: LeNet, AlexNet, ZFNet, ResNet18 × 3 seeds = 12 runs per scheme, ≈ 40–50 min
    on 2 unloaded cores; the three keras.applications networks (estimated 13–50 min per run) are
    reported as not run.
    """
    settings = mode_settings(mode)
    seeds = resolve_seeds(seeds, settings)
    schemes = check_schemes(schemes if schemes is not None else ("sentiment2",))
    base = settings.preset.replace(architecture="sbcnn")
    if image_size is not None:
        base = base.replace(image_size=image_size)
    table = load_table("ravdess", settings)
    shared = SharedData(progress)
    plan = []
    for scheme in schemes:
        for cnn in cnns:
            cfg = base.replace(label_scheme=scheme, cnn=cnn)
            plan.append((scheme, cfg, budget_reason(cfg, rows_estimate(scheme, settings), settings,
                                                     max_fit_minutes, len(seeds))))
    bar = progress_bar("table3", sum(len(seeds) for *_, r in plan if r is None), progress)
    rows = []
    for scheme, cfg, reason in plan:
        k = classes_of(scheme)
        a, f = PAPER_TABLE3.get(cfg.cnn, {}).get(k, (float("nan"), float("nan")))
        keys = {"scheme": scheme, "classes": k, "model": f"SBCNN ({cfg.cnn})", "cnn": cfg.cnn,
                "image_size": cfg.image_size}
        row = scored_row(cfg, reason, keys=keys, shared=shared, table=table, table_key="ravdess", seeds=seeds,
                         bar=bar, label=f"SBCNN {cfg.cnn} {scheme}", per_epoch=True)
        rows.append({**row, "paper": a, "paper_f1": f})
    caption = (
        "SBCNN with each CNN of the zoo (paper Table 3), RAVDESS speaker-disjoint, trained from random "
        f"initialisation (no ImageNet weights offline) on {base.image_size}² spectrum graphs (paper: 512², "
        f"fine-tuned). Mode {settings.mode}: preset {base.name}, seeds {list(seeds)}. F1 for 2 classes, macro "
        "F1 for 5 and 7. Rows marked 'not run' were beyond this machine's budget (estimate in the note), not "
        "faked. 2/5/7-class = sentiment2 / ravdess5 / ravdess_emotion7. " + PAPER_NOTE
    )
    return finish(rows, caption=caption, config=base,
                   columns_first=("scheme", "classes", "model", "cnn") + RESULT_COLUMNS)
