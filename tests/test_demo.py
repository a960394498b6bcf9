"""The synthetic demo corpus: deterministic, MOSI-shaped, atomic, reused when up to date."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from affacrnn.data import demo
from affacrnn.data.demo import build
from affacrnn.errors import CorpusError, ParameterError

N = 4  # sessions in the test corpus (~30 utterances, ~1 s to generate)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """A 4-session demo corpus (seed 0), generated once for the module."""
    root = tmp_path_factory.mktemp("demo_root")
    return demo.ensure_demo_corpus(root=root, seed=0, n_sessions=N, progress=False)


@pytest.fixture(scope="module")
def table(small) -> pd.DataFrame:
    return pd.read_csv(small)


def _folder_digest(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_layout_and_columns(small, table):
    assert small.name == "manifest.csv" and small.parent.name == "demo"
    assert tuple(table.columns) == demo.MANIFEST_COLUMNS
    assert table["utterance_id"].is_unique
    assert (table["version"].astype(str) == demo.DEMO_VERSION).all() and (table["seed"] == 0).all()
    for row in table.itertuples():
        info = sf.info(str(small.parent / row.path))
        assert info.samplerate == 22050 and info.channels == 1
        assert info.frames / info.samplerate == pytest.approx(row.duration)
    assert not [p for p in small.parent.parent.iterdir() if p.name.startswith(".")]  # no temp folders left


def test_sessions_are_consecutive_and_single_speaker(table):
    assert table["session"].nunique() == N
    for _, g in table.groupby("session"):
        assert list(g["position"]) == list(range(len(g)))
        assert demo.MIN_UTTERANCES <= len(g) <= demo.MAX_UTTERANCES
        assert g["speaker"].nunique() == 1 and g["topic"].nunique() == 1 and g["language"].nunique() == 1


def test_languages_speakers_and_labels(table):
    assert set(table["language"]) == {"en", "de"}
    assert table["speaker"].nunique() >= 3
    assert table["score"].between(-3, 3).all()
    assert set(table["sentiment"]) == {"negative", "neutral", "positive"}
    for row in table.itertuples():
        assert (row.sentiment, row.strength) == demo.score_to_sentiment(row.score)
    k = np.round(table["score"]).astype(int)
    assert ((k > 0) == (table["sentiment"] == "positive")).all()


def test_words_and_prosody_follow_the_score(table):
    strong_pos = table[np.round(table["score"]) == 3]["text"]
    assert strong_pos.str.contains("!").all()
    neutral = table[table["strength"] == "none"]["text"]
    assert not neutral.str.contains("!").any()
    # the prosody rule: pitch, range and rate rise with the score, volume with |score|
    for col in ("pitch", "pitch_range", "rate"):
        assert table["score"].corr(table[col], method="spearman") > 0.6, col
    assert table["score"].abs().corr(table["volume"], method="spearman") > 0.5


def test_scores_are_correlated_within_sessions():
    plan = pd.DataFrame(demo.plan_demo_corpus(seed=0))
    prev = plan.groupby("session")["score"].shift()
    assert plan["score"].corr(prev) > 0.5  # context carries information
    # every speaker has both positive and negative utterances: the voice does not give the label
    per_speaker = plan.groupby("speaker")["sentiment"].agg(set)
    assert all({"positive", "negative"} <= s for s in per_speaker)


def test_plan_is_deterministic_and_prefix_stable():
    a = demo.plan_demo_corpus(seed=3, n_sessions=N)
    assert a == demo.plan_demo_corpus(seed=3, n_sessions=N)
    smaller = demo.plan_demo_corpus(seed=3, n_sessions=N - 1)
    assert a[: len(smaller)] == smaller
    assert a != demo.plan_demo_corpus(seed=4, n_sessions=N)


def test_same_seed_gives_identical_files(small, tmp_path):
    other = demo.generate_demo_corpus(root=tmp_path, seed=0, n_sessions=N, workers=1, progress=False)
    assert _folder_digest(other.parent) == _folder_digest(small.parent)


def test_second_call_reuses(small):
    before = small.stat().st_mtime_ns
    t0 = time.perf_counter()
    again = demo.ensure_demo_corpus(root=small.parent.parent, seed=0, n_sessions=N, progress=False)
    assert time.perf_counter() - t0 < 1.0
    assert again == small and small.stat().st_mtime_ns == before


def test_stale_manifest_is_regenerated(tmp_path):
    manifest = demo.ensure_demo_corpus(root=tmp_path, seed=1, n_sessions=2, progress=False)
    df = pd.read_csv(manifest)
    df["version"] = "0-old"
    df.to_csv(manifest, index=False)
    (manifest.parent / "stray.txt").write_text("from the old corpus")
    again = demo.ensure_demo_corpus(root=tmp_path, seed=1, n_sessions=2, progress=False)
    assert (pd.read_csv(again)["version"].astype(str) == demo.DEMO_VERSION).all()
    assert not (manifest.parent / "stray.txt").exists()


def test_interrupted_generation_leaves_nothing(tmp_path, monkeypatch):
    def boom(df, path):
        path.write_text("utterance_id,path\nhalf,")
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "_write_manifest", boom)
    with pytest.raises(KeyboardInterrupt):
        demo.ensure_demo_corpus(root=tmp_path, seed=0, n_sessions=2, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_regeneration_keeps_the_old_corpus(small, monkeypatch):
    root = small.parent.parent
    before = _folder_digest(small.parent)

    def boom(df, path):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(build, "_write_manifest", boom)
    with pytest.raises(RuntimeError, match="simulated"):
        demo.ensure_demo_corpus(root=root, seed=0, n_sessions=N, force=True, progress=False)
    assert _folder_digest(small.parent) == before
    assert sorted(p.name for p in root.iterdir()) == ["demo"]


def test_refuses_to_replace_a_foreign_folder(tmp_path):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "my_notes.txt").write_text("mine")
    with pytest.raises(CorpusError, match=r"demo.*not a generated demo corpus.*Move it away"):
        demo.ensure_demo_corpus(root=tmp_path, n_sessions=1, progress=False)
    assert (tmp_path / "demo" / "my_notes.txt").read_text() == "mine"


@pytest.mark.parametrize("kwargs", [{"seed": -1}, {"n_sessions": 0}, {"seed": 1.5}, {"workers": 0}])
def test_bad_parameters(tmp_path, kwargs):
    with pytest.raises(ParameterError):
        demo.generate_demo_corpus(root=tmp_path, progress=False, **kwargs)


def test_loads_as_a_corpus_table(small):
    from affacrnn.data.corpora import load_corpus

    t = load_corpus(str(small))
    assert len(t) == len(pd.read_csv(small)) and t["score"].between(-3, 3).all()
    assert all(Path(p).is_file() for p in t["path"])


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path):
    import os

    stale = tmp_path / ".demo-tmp-999-dead"
    (stale / "wav").mkdir(parents=True)
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    fresh = tmp_path / ".demo-tmp-998-busy"  # maybe another process at work: left alone
    fresh.mkdir()
    demo.ensure_demo_corpus(root=tmp_path, seed=0, n_sessions=1, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".demo-tmp-998-busy", "demo"]
