"""RAVDESS speech (Livingstone & Russo 2018): 24 actors, 1440 utterances, English.

Layout: ``<root>/ravdess/**/Actor_NN/MM-VC-EE-II-SS-RR-AA.(wav|flac)`` — the original 48 kHz WAV
download and the shared 16 kHz FLAC copy both load. Name fields: modality, vocal channel, emotion,
intensity, statement, repetition, actor (odd ids male, even female).

Notebook: book/04_data_labels_splits.ipynb
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from affacrnn.errors import CorpusError
from affacrnn.data.corpora.table import audio_durations, finish_table, session_order

__all__ = ["EMOTIONS", "INTENSITIES", "STATEMENTS", "load_ravdess"]

#: RAVDESS emotion codes (third field of the file name).
EMOTIONS = {
    "01": "neutral",
    "02": "calm",
    "03": "happy",
    "04": "sad",
    "05": "angry",
    "06": "fearful",
    "07": "disgust",
    "08": "surprised",
}
#: Intensity codes (fourth field); neutral has no strong intensity.
INTENSITIES = {"01": "normal", "02": "strong"}
#: The two statements (fifth field).
STATEMENTS = {"01": "Kids are talking by the door", "02": "Dogs are sitting by the door"}

_NAME = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$")
_AUDIO_EXT = {".wav", ".flac"}


def load_ravdess(folder: Path, *, seed: int = 0) -> pd.DataFrame:
    """Read the RAVDESS speech files under ``folder`` into the tidy corpus table.

    Parameters
    ----------
    folder : pathlib.Path
        A folder holding ``Actor_NN`` sub-folders at any depth.
    seed : int
        Seed of the session order. RAVDESS has no natural order, so each actor is one session
        whose utterances are put in a seeded random order (see
        :func:`affacrnn.data.corpora.table.session_order`): sorted names would put one emotion next to
        itself and a context window would leak the label.

    Returns
    -------
    pandas.DataFrame [shape=(n_utterances, n_columns)]
        The standard columns plus ``sex``, ``statement``, ``repetition``, ``modality``.

    Raises
    ------
    CorpusError
        No audio files found, or a file name does not follow the RAVDESS scheme.
    """
    files = sorted(p for p in folder.rglob("Actor_*/*") if p.suffix.lower() in _AUDIO_EXT)
    if not files:
        raise CorpusError(
            f"RAVDESS: no Actor_NN/*.wav or *.flac files under {folder}. "
            "Unzip Audio_Speech_Actors_01-24.zip there, or set AFFACRNN_DATA to the folder that holds ravdess/."
        )
    rows = []
    for p in files:
        m = _NAME.match(p.stem)
        if not m:
            raise CorpusError(
                f"{p}: not a RAVDESS name (expected MM-VC-EE-II-SS-RR-AA, e.g. 03-01-05-02-01-01-12). "
                "Rename or remove the file."
            )
        modality, channel, emo, inten, stmt, rep, actor = m.groups()
        if emo not in EMOTIONS:
            raise CorpusError(
                f"{p}: unknown RAVDESS emotion code {emo!r} (valid: {', '.join(EMOTIONS)}). Rename or remove the file."
            )
        if inten not in INTENSITIES or stmt not in STATEMENTS:
            raise CorpusError(
                f"{p}: unknown intensity {inten!r} or statement {stmt!r} code. Rename or remove the file."
            )
        if channel != "01":  # song files share the scheme; the paper is about speech
            continue
        rows.append(
            {
                "utterance_id": p.stem,
                "path": str(p.resolve()),
                "speaker": actor,
                "session": f"actor{actor}",
                "language": "en",
                "emotion": EMOTIONS[emo],
                "intensity": INTENSITIES[inten],
                "sex": "male" if int(actor) % 2 else "female",
                "statement": STATEMENTS[stmt],
                "repetition": int(rep),
                "modality": modality,
            }
        )
    if not rows:
        raise CorpusError(f"RAVDESS: only song files (vocal channel 02) under {folder}; the speech part is needed.")
    df = pd.DataFrame(rows)
    df["duration"] = audio_durations(df["path"].tolist())
    df["position"] = session_order(df["speaker"], seed=seed)
    return finish_table(df, corpus="ravdess")
