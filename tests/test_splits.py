"""Splits never share a speaker or video; the MOSI split is the paper's."""
from __future__ import annotations

import pandas as pd
import pytest

import affacrnn
from affacrnn.data.corpora import load_corpus
from affacrnn.data.splits import check_disjoint, cross_corpus_split, mosi_paper_split, speaker_split


def _parts(t: pd.DataFrame, col: str) -> dict[str, set]:
    return {k: set(v) for k, v in t.groupby("split")[col]}


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_ravdess_speaker_split(ravdess_root, seed):
    t = speaker_split(load_corpus("ravdess"), seed=seed)
    p = _parts(t, "speaker")
    assert p["train"].isdisjoint(p["test"]) and p["train"].isdisjoint(p["validation"])
    assert p["test"].isdisjoint(p["validation"])
    assert {k: len(v) for k, v in p.items()} == {"test": 4, "train": 16, "validation": 4}
    # balanced by sex: odd actor ids are male
    for part in ("test", "validation"):
        assert sum(int(s) % 2 for s in p[part]) == 2


def test_split_is_seeded(ravdess_root):
    t = load_corpus("ravdess")
    a = speaker_split(t, seed=3)["split"]
    assert a.equals(speaker_split(t, seed=3)["split"])
    assert not a.equals(speaker_split(t, seed=4)["split"])


def test_mosi_paper_split(mosi_root):
    t = mosi_paper_split(load_corpus("mosi"))
    train, test = t[t["split"] == "train"], t[t["split"] == "test"]
    assert (len(train), train["session"].nunique()) == (1616, 65)
    assert (len(test), test["session"].nunique()) == (583, 28)
    assert set(train["session"]).isdisjoint(test["session"])
    v = mosi_paper_split(load_corpus("mosi"), val_size=0.15)
    assert (v["split"] == "test").sum() == 583
    assert v[v["split"] != "test"]["row"].max() == 1616
    check_disjoint(v, group="session")


def test_cross_corpus(ravdess_root, emodb_root):
    t = cross_corpus_split(load_corpus("ravdess"), load_corpus("emodb"))
    assert (t.loc[t["split"] == "test", "corpus"] == "emodb").all()
    assert (t.loc[t["split"] != "test", "corpus"] == "ravdess").all()
    assert (t["split"] == "test").sum() == 535


def test_check_disjoint_raises():
    bad = pd.DataFrame({"speaker": ["a", "a"], "split": ["train", "test"]})
    with pytest.raises(affacrnn.ParameterError, match="not speaker-disjoint"):
        check_disjoint(bad)


def test_bad_fraction(ravdess_root):
    with pytest.raises(affacrnn.ParameterError, match="`test_size` must be a fraction"):
        speaker_split(load_corpus("ravdess"), test_size=1.5)
