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


def _toy_corpus(n_speakers: int = 8, per_speaker: int = 10) -> pd.DataFrame:
    rows = [{"speaker": f"{s:02d}", "sex": "male" if s % 2 else "female", "session": f"{s:02d}-{i // 5}",
             "position": i % 5, "utterance_id": f"{s:02d}-{i}"}
            for s in range(1, n_speakers + 1) for i in range(per_speaker)]
    table = pd.DataFrame(rows)
    table.attrs["corpus"] = "toy"
    return table


def test_speaker_slice_takes_a_few_speakers_first_utterances_half_per_sex():
    from affacrnn.data.splits import speaker_slice

    table = _toy_corpus()
    out = speaker_slice(table, n_speakers=4, per_speaker=3)
    assert len(out) == 12 and out["speaker"].nunique() == 4
    assert out.groupby("speaker")["sex"].first().value_counts().tolist() == [2, 2]
    assert (out.groupby("speaker").size() == 3).all()
    assert out.attrs["corpus"] == "toy" and list(out.index) == list(range(12))
    # the first utterances of each speaker in session order
    first = table.sort_values(["session", "position"], kind="stable").groupby("speaker").head(3)
    assert set(out["utterance_id"]) <= set(first["utterance_id"])
    # without a sex column: the first speakers in sorted order
    plain = speaker_slice(table.drop(columns="sex"), n_speakers=3, per_speaker=2)
    assert sorted(plain["speaker"].unique()) == ["01", "02", "03"]


@pytest.mark.parametrize("kw", [{"n_speakers": 0, "per_speaker": 3}, {"n_speakers": 2, "per_speaker": 1.5},
                                {"n_speakers": True, "per_speaker": 3}])
def test_speaker_slice_refuses_bad_sizes(kw):
    from affacrnn.data.splits import speaker_slice
    from affacrnn.errors import ParameterError

    with pytest.raises(ParameterError, match="must be an int >= 1"):
        speaker_slice(_toy_corpus(), **kw)
