"""Corpus adapters on the shared corpora, and their errors on broken ones."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

import affacrnn
from affacrnn.data.corpora import COLUMNS, load_corpus


def test_ravdess_counts(ravdess_root):
    t = load_corpus("ravdess")
    assert len(t) == 1440
    assert t["speaker"].nunique() == 24
    assert list(t.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert t["utterance_id"].is_unique
    assert set(t["emotion"]) == {"neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"}
    assert (t.loc[t["emotion"] == "neutral", "intensity"] == "normal").all()
    assert t.groupby("sex")["speaker"].nunique().to_dict() == {"female": 12, "male": 12}
    assert t["duration"].between(2.5, 6.0).all()
    assert (t["language"] == "en").all()


def test_emodb_counts(emodb_root):
    t = load_corpus("emodb")
    assert len(t) == 535
    assert t["speaker"].nunique() == 10
    assert t["emotion"].nunique() == 7
    assert t["recognition"].notna().all()
    assert t["recognition"].between(0, 100).all()
    assert (t["language"] == "de").all()


def test_mosi_labels_only(mosi_root):
    t = load_corpus("mosi")
    assert len(t) == 2199
    assert t["session"].nunique() == 93
    assert t["path"].isna().all() and t.attrs["labels_only"]
    assert t["row"].tolist() == list(range(1, 2200))
    assert t["score"].between(-3, 3).all()
    # positions count up within each video in file order
    assert (t.groupby("session")["position"].apply(lambda s: list(s) == list(range(len(s))))).all()


def test_mosi_with_audio_layout(tmp_path, mosi_root, speech_clip):
    mosi = tmp_path / "mosi"
    (mosi / "Raw" / "Audio" / "WAV_16000" / "Segmented").mkdir(parents=True)
    (mosi / "OpinionLevelSentiment.csv").write_text("0.0,1.0,vidA,1,2.0\n1.0,2.0,vidA,2,-1.0\n")
    _, y = speech_clip
    sf.write(mosi / "Raw" / "Audio" / "WAV_16000" / "Segmented" / "vidA_1.wav", y, 22050)
    t = load_corpus("mosi", root=tmp_path)
    assert t["path"].notna().tolist() == [True, False]
    assert not t.attrs["labels_only"]


def test_generic_manifest(tmp_path, speech_clip):
    _, y = speech_clip
    (tmp_path / "clips").mkdir()
    for i in range(4):
        sf.write(tmp_path / "clips" / f"c{i}.wav", y[: 5512 * (i + 1)], 22050)
    pd.DataFrame(
        {"path": [f"clips/c{i}.wav" for i in range(4)], "speaker": ["a", "a", "b", "b"], "label": [1.5, -2, 0, 3]}
    ).to_csv(tmp_path / "manifest.csv", index=False)
    for source in (tmp_path / "manifest.csv", tmp_path):
        t = load_corpus(source)
        assert len(t) == 4 and t["score"].notna().all()
        np.testing.assert_allclose(sorted(t["duration"]), [0.25, 0.5, 0.75, 1.0], atol=1e-3)
        assert t["corpus"].iloc[0] == tmp_path.name


@pytest.mark.parametrize(
    "content, expect",
    [
        ("path,label\nx.wav,1\n", "missing column"),
        ("path,speaker\nx.wav,a\n", "no label column"),
        ("path,speaker,score\nclip.wav,a,4.5\n", "outside|not a number in \\[-3, 3\\]"),
        ("path,speaker,emotion\nnope.wav,a,happy\n", "does not exist"),
    ],
)
def test_manifest_errors(tmp_path, speech_clip, content, expect):
    _, y = speech_clip
    sf.write(tmp_path / "clip.wav", y[:22050], 22050)
    (tmp_path / "m.csv").write_text(content)
    with pytest.raises(affacrnn.CorpusError, match=expect) as err:
        load_corpus(tmp_path / "m.csv")
    assert "m.csv" in str(err.value)


def test_missing_corpus_names_folder(tmp_path):
    with pytest.raises(affacrnn.CorpusError) as err:
        load_corpus("ravdess", root=tmp_path)
    msg = str(err.value)
    assert str(tmp_path / "ravdess") in msg and "AFFACRNN_DATA" in msg


def test_unknown_corpus_name():
    with pytest.raises(affacrnn.ParameterError, match="valid names"):
        load_corpus("iemocap")


def test_mosi_bad_labels(tmp_path):
    (tmp_path / "mosi").mkdir()
    f = tmp_path / "mosi" / "OpinionLevelSentiment.csv"
    f.write_text("0,1,v,1,2.0\n1,2,v,2,3.5\n")
    with pytest.raises(affacrnn.CorpusError, match=r"row 2: score 3.5 is outside \[-3, 3\]"):
        load_corpus("mosi", root=tmp_path)
    f.write_text("0,1,v,1\n")
    with pytest.raises(affacrnn.CorpusError, match="has 4 columns, expected 5"):
        load_corpus("mosi", root=tmp_path)
    f.write_text("start,end,video,score\n0,1,v,1\n")
    with pytest.raises(affacrnn.CorpusError, match=r"missing column\(s\) \['segment'\]"):
        load_corpus("mosi", root=tmp_path)


def test_unknown_emotion_code(tmp_path, speech_clip):
    _, y = speech_clip
    actor = tmp_path / "ravdess" / "Actor_01"
    actor.mkdir(parents=True)
    sf.write(actor / "03-01-09-01-01-01-01.wav", y[:22050], 22050)
    with pytest.raises(affacrnn.CorpusError, match="unknown RAVDESS emotion code '09'"):
        load_corpus("ravdess", root=tmp_path)
    (tmp_path / "emodb" / "wav").mkdir(parents=True)
    sf.write(tmp_path / "emodb" / "wav" / "03a01Xa.wav", y[:22050], 22050)
    with pytest.raises(affacrnn.CorpusError, match="unknown EmoDB emotion letter 'X'"):
        load_corpus("emodb", root=tmp_path)


def test_user_wav_download_layout(tmp_path, speech_clip):
    """A user's own RAVDESS download (48 kHz WAV) loads like the shared FLAC copy."""
    path, _ = speech_clip
    y16, sr = sf.read(path)
    actor = tmp_path / "Audio_Speech_Actors_01-24" / "Actor_12"
    actor.mkdir(parents=True)
    import librosa

    sf.write(actor / f"{path.stem}.wav", librosa.resample(y16, orig_sr=sr, target_sr=48000), 48000)
    t = load_corpus(tmp_path)
    assert t["corpus"].iloc[0] == "ravdess" and t["path"].iloc[0].endswith(".wav")
