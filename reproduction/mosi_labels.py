"""Table 1 and the label schemes on the MOSI label file alone (no audio, instant).

The paper's MOSI split (rows 1–1616 train, the rest test) and each 2/5/7-class scheme — ours and
the authors' prototype's — with its class counts and majority baseline beside the paper's best
figure: the measurement behind the book's finding that the prototype's "2-class" task is
neutral vs polar.

Notebook: book/04_data_labels_splits.ipynb
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from affacrnn.data.corpora import load_corpus
from affacrnn.data.labels import apply_scheme, get_scheme
from affacrnn.data.splits import mosi_paper_split
from reproduction.paper import PAPER_MOSI_BEST
from reproduction.runner import finish, mode_settings

__all__ = ['mosi_labels']


def mosi_labels(*, mode: str = "smoke", seeds: Iterable[int] | None = None, progress: bool = True) -> pd.DataFrame:
    """The paper's MOSI split and every MOSI label scheme, from the label file (instant, no audio).

    One row per scheme — ours (``mosi2``, ``mosi2_nonzero``, ``mosi5``, ``mosi7``) and the authors'
    prototype's (``proto2/3/5/7``): rows and videos per part, class counts, the test majority
    class and its accuracy (the majority baseline), and the paper's best figure for that number
    of classes (Table 4). ``mode`` and ``seeds`` are accepted for a uniform API and ignored.

    Returns
    -------
    pandas.DataFrame
        ``attrs["extra"]["split"]``: rows and videos per part (paper Table 1: 1616 / 65 train,
        583 / 28 test).
    """
    mode_settings(mode)
    table = mosi_paper_split(load_corpus("mosi"))
    split = {part: {"rows": int((table["split"] == part).sum()),
                    "videos": int(table.loc[table["split"] == part, "session"].nunique())}
             for part in ("train", "test")}
    rows = []
    for name in ("mosi2", "mosi2_nonzero", "mosi5", "mosi7", "proto2", "proto3", "proto5", "proto7"):
        scheme = get_scheme(name)
        lab = apply_scheme(table, scheme)
        train, test = lab[lab["split"] == "train"], lab[lab["split"] == "test"]
        counts = test["label"].value_counts()
        majority = str(counts.idxmax())
        k = scheme.n_classes
        paper = PAPER_MOSI_BEST.get(k, float("nan"))
        n_test = len(test)

        def fmt(part: pd.DataFrame) -> str:
            c = part["label"].value_counts()
            return "; ".join(f"{cls} {int(c.get(cls, 0))}" for cls in scheme.classes)

        rows.append({
            "scheme": name,
            "source": "prototype" if name.startswith("proto") else "ours (CMU-MOSI convention)",
            "classes": k,
            "train_rows": len(train),
            "train_videos": int(train["session"].nunique()),
            "test_rows": n_test,
            "test_videos": int(test["session"].nunique()),
            "train_counts": fmt(train),
            "test_counts": fmt(test),
            "majority_class": majority,
            "majority_count": int(counts.max()),
            "majority_baseline": 100 * counts.max() / n_test,
            "majority_train_class": 100 * float((test["label"] == train["label"].value_counts().idxmax()).mean()),
            "paper": paper,
            "paper_correct_of_test": int(round(paper / 100 * n_test)) if not np.isnan(paper) else None,
            "paper_minus_majority": paper - 100 * counts.max() / n_test,
            "description": scheme.description,
        })
    caption = (
        "MOSI label schemes on the paper's split (Table 1: rows 1–1616 = 65 videos train, 1617–2199 = 28 "
        f"videos test; we count {split['train']['rows']} / {split['train']['videos']} and "
        f"{split['test']['rows']} / {split['test']['videos']}). Per scheme: class counts, the test majority "
        "class and its accuracy (majority baseline, the best any constant guess can do on these rows), and "
        "the paper's best accuracy for that many classes (Table 4, UB-BiLSTM + ResNet152). The prototype's "
        "'2-class' (proto2) is neutral (-1 < s <= 1) vs polar, not negative vs positive: its test majority "
        "is 400/583 = 68.61%, and the paper's 69.64% is 406/583 — one point above always answering 'polar'. "
        "Computed from OpinionLevelSentiment.csv alone; no audio involved."
    )
    return finish(rows, caption=caption, extra={"split": split},
                   columns_first=("scheme", "source", "classes", "majority_baseline", "paper"))
