"""The verdict a chapter prints under its live model: above the majority and above chance, or not."""
from __future__ import annotations

import pandas as pd
import pytest

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


def test_the_ablation_widget_gives_each_retrain_the_same_verdict(monkeypatch):
    """Chapter 6's widget holds every retrain to the rule of the training cells (its status and table say it)."""
    import types

    import affacrnn.training
    from affacrnn.book.widgets import AblationWidget
    from affacrnn.features.frames import PAPER_FEATURES
    from affacrnn.models import presets

    runs = iter([_metrics(0.58, 0.46, 0.55), _metrics(0.40, 0.46, 0.36)])

    def fake_train(config, *, data, progress):
        test = next(runs)
        return types.SimpleNamespace(metrics={"validation": {"weighted_accuracy": 0.5}, "test": {**test, "macro_f1": 0.5}},
                                     best_epoch=3)

    monkeypatch.setattr(affacrnn.training, "train", fake_train)
    widget = AblationWidget(None, have=PAPER_FEATURES, config=presets.LESSON, initial=PAPER_FEATURES)
    monkeypatch.setattr(widget, "view", lambda features: None)
    first = widget.retrain()
    assert first["learned"] == "yes" and first["test_balanced_accuracy"] == 0.55
    assert widget.lessons[-1].ok and "learned: above the majority and chance" in widget.status.value
    second = widget.retrain()
    assert second["learned"] == "no" and not widget.lessons[-1].ok
    assert "<i>not</i> above both" in widget.status.value
    assert "balanced %" in widget.table.value and widget.table.value.count("<tr>") == 3


def test_the_ablation_widget_takes_a_run_of_its_own_split_only():
    """record(result): a run trained elsewhere on the widget's split joins its table; another split is refused."""
    import types

    import pandas as pd

    from affacrnn.book.widgets import AblationWidget
    from affacrnn.errors import ParameterError
    from affacrnn.features.frames import PAPER_FEATURES
    from affacrnn.models import presets

    split = pd.DataFrame({"utterance_id": ["a", "b", "c"], "split": ["train", "validation", "test"]})
    widget = AblationWidget(types.SimpleNamespace(table=split), have=PAPER_FEATURES, config=presets.LESSON,
                            initial=PAPER_FEATURES)

    def result(table):
        return types.SimpleNamespace(data=types.SimpleNamespace(table=table), config=presets.LESSON, seconds=12.5,
                                     best_epoch=4, metrics={"validation": {"weighted_accuracy": 0.5},
                                                            "test": {**_metrics(0.58, 0.46, 0.55), "macro_f1": 0.5}})

    record = widget.record(result(split.iloc[::-1]))  # same rows and parts, any order
    assert record["seconds"] == 12.5 and record["features"] == ",".join(PAPER_FEATURES) and len(widget.history) == 1
    with pytest.raises(ParameterError, match="another split"):
        widget.record(result(split.assign(split=["test", "validation", "train"])))
    assert len(widget.history) == 1
