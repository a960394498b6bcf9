"""Label schemes: their tables tile [-3, 3], and the counts the paper and its prototype depend on."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import affacrnn
from affacrnn.data.corpora import load_corpus
from affacrnn.data.labels import SCHEMES, apply_scheme, get_scheme, schemes_for


@pytest.mark.parametrize("name", schemes_for("score"))
def test_score_intervals_tile_range(name):
    """Every score in [-3, 3] (boundaries included) lands in at most one interval; only
    mosi2_nonzero leaves a gap (score 0), by design."""
    grid = np.unique(np.concatenate([np.linspace(-3, 3, 1201), np.arange(-3, 3.01, 0.25)]))
    table = pd.DataFrame({"score": grid})
    sch = get_scheme(name)
    hits = np.zeros(len(grid), dtype=int)
    for cls, low, high, lc, hc in sch.rows:
        hits += ((grid >= low) if lc else (grid > low)) & ((grid <= high) if hc else (grid < high))
    assert hits.max() == 1
    missing = grid[hits == 0]
    assert missing.tolist() == ([0.0] if name == "mosi2_nonzero" else [])
    assert set(sch.assign(table).dropna()) == set(sch.classes)


def test_tables_are_visible():
    t = get_scheme("proto2").table
    assert list(t.columns) == ["class", "low", "high", "low_closed", "high_closed"]
    e = get_scheme("sentiment3").table
    assert e.set_index("emotion").loc["calm", "class"] == "neutral"
    assert e.set_index("emotion").loc["boredom", "class"] == "negative"


def test_prototype_two_class_on_mosi(mosi_root):
    mosi = load_corpus("mosi")
    lab = get_scheme("proto2").assign(mosi)
    assert lab.value_counts().to_dict() == {"polar": 1454, "neutral": 745}
    test = lab[mosi["row"] > 1616].value_counts()
    assert test.to_dict() == {"polar": 400, "neutral": 183}
    assert round(100 * test.max() / test.sum(), 2) == 68.61


def test_prototype_five_class_bug(mosi_root):
    mosi = load_corpus("mosi")
    lab = get_scheme("proto5").assign(mosi)
    assert (mosi.loc[lab == "neutral", "score"] == -2).all()
    assert (lab == "neutral").sum() == 103


def test_prototype_seven_class_neutral_includes_minus_2_5():
    lab = get_scheme("proto7").assign(pd.DataFrame({"score": [-2.5, -2.4, 0.5, -0.5, 2.5]}))
    assert lab.tolist() == ["neutral", "negative", "neutral", "weak_negative", "positive"]


def test_mosi_standard_schemes(mosi_root):
    mosi = load_corpus("mosi")
    two = apply_scheme(mosi, "mosi2")
    assert len(two) == 2199 and two["y"].isin([0, 1]).all()
    nz = apply_scheme(mosi, "mosi2_nonzero")
    assert len(nz) == 2199 - int((mosi["score"] == 0).sum())
    assert apply_scheme(mosi, "mosi7")["label"].nunique() == 7


def test_emotion_schemes(ravdess_root, emodb_root):
    r = load_corpus("ravdess")
    assert apply_scheme(r, "sentiment3")["label"].value_counts().to_dict() == {
        "negative": 768, "positive": 384, "neutral": 288}
    assert len(apply_scheme(r, "sentiment2")) == 1440 - 288
    five = apply_scheme(r, "ravdess5")["label"].value_counts().to_dict()
    assert five == {"strong negative": 384, "negative": 384, "neutral": 288, "positive": 192, "strong positive": 192}
    assert apply_scheme(r, "ravdess_emotion7")["label"].nunique() == 7
    e = load_corpus("emodb")
    assert apply_scheme(e, "sentiment3")["label"].value_counts().to_dict() == {
        "negative": 385, "neutral": 79, "positive": 71}
    assert apply_scheme(e, "emodb_emotion7")["label"].nunique() == 7


def test_scheme_errors(mosi_root):
    with pytest.raises(affacrnn.ParameterError, match="valid:"):
        get_scheme("nine-class")
    with pytest.raises(affacrnn.CorpusError, match="reads emotions"):
        apply_scheme(load_corpus("mosi"), "sentiment3")
    with pytest.raises(affacrnn.CorpusError, match="unknown emotion 'joy'"):
        apply_scheme(pd.DataFrame({"emotion": ["joy"]}), "sentiment3")


def test_every_scheme_documented():
    for sch in SCHEMES.values():
        assert len(sch.description) > 20 and sch.n_classes == len(sch.classes)
