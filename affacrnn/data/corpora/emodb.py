"""EmoDB, the Berlin Database of Emotional Speech (Burkhardt et al. 2005): 10 speakers, 535 files, German.

Layout: ``<root>/emodb/wav/03a01Fa.wav`` (speaker, text code, emotion letter, version letter) and,
optionally, ``<root>/emodb/erkennung.txt``: the listener test (per file, % of listeners who
recognised the emotion and % who judged it natural), added as columns ``recognition`` and
``naturalness``.

Notebook: book/04_data_labels_splits.ipynb
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from affacrnn.errors import CorpusError
from affacrnn.data.corpora.table import audio_durations, finish_table, session_order

__all__ = ["EMOTIONS", "SPEAKER_SEX", "load_emodb", "read_recognition"]

#: Emotion letters (sixth character of the name) → English emotion.
EMOTIONS = {
    "W": "anger",  # Wut
    "L": "boredom",  # Langeweile
    "E": "disgust",  # Ekel
    "A": "fear",  # Angst
    "F": "happiness",  # Freude
    "T": "sadness",  # Trauer
    "N": "neutral",
}
#: Speaker sex, from the EmoDB documentation.
SPEAKER_SEX = {
    "03": "male", "08": "female", "09": "female", "10": "male", "11": "male",
    "12": "male", "13": "female", "14": "female", "15": "male", "16": "female",
}

_NAME = re.compile(r"^(\d\d)([ab]\d\d)([A-Z])([a-z])$")


def read_recognition(path: Path) -> pd.DataFrame:
    """Read ``erkennung.txt`` (tab-separated, German decimal commas) into ``file, recognition, naturalness``."""
    try:
        raw = pd.read_csv(path, sep="\t", dtype=str, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CorpusError(f"{path}: cannot be read as the EmoDB listener table ({exc}). Restore the original file.") from None
    need = {"Satz", "erkannt", "natuerlich"}
    if not need <= set(raw.columns):
        raise CorpusError(
            f"{path}: expected columns {sorted(need)}, found {list(raw.columns)}. Restore the original erkennung.txt."
        )

    def num(s: pd.Series) -> pd.Series:
        return pd.to_numeric(s.str.replace("\u00a0", "").str.strip().str.replace(",", "."), errors="coerce")

    return pd.DataFrame(
        {
            "utterance_id": raw["Satz"].str.strip().str.replace(".wav", "", regex=False),
            "recognition": num(raw["erkannt"]),
            "naturalness": num(raw["natuerlich"]),
        }
    )


def load_emodb(folder: Path, *, seed: int = 0) -> pd.DataFrame:
    """Read EmoDB under ``folder`` (which holds ``wav/``) into the tidy corpus table.

    Each speaker is one session, in a seeded random order (acted corpus: see
    :func:`affacrnn.data.corpora.table.session_order`).

    Returns
    -------
    pandas.DataFrame [shape=(n_utterances, n_columns)]
        The standard columns plus ``sex``, ``text``, ``version``, and ``recognition`` /
        ``naturalness`` (percent) when ``erkennung.txt`` is present.
    """
    wav = folder / "wav"
    files = sorted(p for p in wav.glob("*") if p.suffix.lower() in {".wav", ".flac"}) if wav.is_dir() else []
    if not files:
        raise CorpusError(
            f"EmoDB: no audio files in {wav}. Put the corpus's wav/ folder there, "
            "or set AFFACRNN_DATA to the folder that holds emodb/."
        )
    rows = []
    for p in files:
        m = _NAME.match(p.stem)
        if not m:
            raise CorpusError(f"{p}: not an EmoDB name (expected e.g. 03a01Fa). Rename or remove the file.")
        spk, text, emo, version = m.groups()
        if emo not in EMOTIONS:
            raise CorpusError(
                f"{p}: unknown EmoDB emotion letter {emo!r} (valid: {''.join(EMOTIONS)}). Rename or remove the file."
            )
        rows.append(
            {
                "utterance_id": p.stem,
                "path": str(p.resolve()),
                "speaker": spk,
                "session": f"speaker{spk}",
                "language": "de",
                "emotion": EMOTIONS[emo],
                "sex": SPEAKER_SEX.get(spk, "unknown"),
                "text": text,
                "version": version,
            }
        )
    df = pd.DataFrame(rows)
    df["duration"] = audio_durations(df["path"].tolist())
    df["position"] = session_order(df["speaker"], seed=seed)
    rec_path = folder / "erkennung.txt"
    if rec_path.is_file():
        df = df.merge(read_recognition(rec_path), on="utterance_id", how="left")
    else:
        df["recognition"] = np.nan
        df["naturalness"] = np.nan
    return finish_table(df, corpus="emodb")
