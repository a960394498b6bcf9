"""The verdict a chapter prints under its live model: above the majority and above chance, or not."""
from __future__ import annotations

import pandas as pd

from affacrnn.book.lesson import LESSON_METADATA, learned


def _metrics(acc, maj, bal, n_classes=3):
    return {"n": 48, "weighted_accuracy": acc, "majority_accuracy": maj, "balanced_accuracy": bal,
            "confusion": pd.DataFrame(0, index=range(n_classes), columns=range(n_classes))}


def test_verdicts():
    ok = learned(_metrics(0.58, 0.46, 0.55), what="UB-BiLSTM")
    assert ok.ok and ok.chance == 1 / 3 and "it learned: above both" in str(ok)
    assert "majority 46.0 %" in str(ok) and "chance 33.3 %" in str(ok)
    assert not learned(_metrics(0.46, 0.46, 0.33), what="x").ok  # the majority class every time
    only_chance = learned(_metrics(0.45, 0.46, 0.48), what="x")
    assert not only_chance.ok and "above chance, not above the majority" in str(only_chance)
    assert learned(_metrics(0.7, 0.6, 0.6, n_classes=2), what="x").chance == 0.5


def test_the_verdict_travels_in_the_output_metadata():
    data, meta = learned(_metrics(0.58, 0.46, 0.55), what="UB-BiLSTM")._repr_mimebundle_()
    assert "<b>" in data["text/html"] and data["text/plain"].startswith("UB-BiLSTM: test accuracy 58.0 %")
    record = meta["text/plain"][LESSON_METADATA]
    assert record["ok"] is True and record["what"] == "UB-BiLSTM" and record["n_test"] == 48
