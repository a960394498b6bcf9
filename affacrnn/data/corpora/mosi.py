"""CMU-MOSI (Zadeh et al. 2016): 2199 opinion utterances from 93 YouTube videos, scores in [-3, 3].

Labels come from ``<root>/mosi/OpinionLevelSentiment.csv`` — no header, one row per segment:
start (s), end (s), video id, segment index, score (mean of five annotators). Rows are kept in file
order and numbered 1..2199 in column ``row``: the authors' prototype numbered its files that way
and split on it (rows 1–1616 train, 1617–2199 test; :func:`affacrnn.data.splits.mosi_paper_split`).

Without audio the table is *labels-only* (``path`` is missing): enough for every label-scheme,
split and majority-baseline computation. With the audio CMU distributes — per-segment WAVs named
``<video>_<segment>.wav`` anywhere under ``<root>/mosi/`` (e.g. ``Raw/Audio/WAV_16000/Segmented/``)
— ``path`` is filled in.

Notebook: book/04_data_labels_splits.ipynb
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from affacrnn.errors import CorpusError
from affacrnn.data.corpora.table import finish_table

__all__ = ["LABEL_FILE", "LABEL_COLUMNS", "read_mosi_labels", "load_mosi"]

LABEL_FILE = "OpinionLevelSentiment.csv"
LABEL_COLUMNS = ("start", "end", "video", "segment", "score")


def read_mosi_labels(path: Path) -> pd.DataFrame:
    """Read and validate MOSI's label file (headerless, or with the header ``start,end,video,segment,score``).

    Returns
    -------
    pandas.DataFrame [shape=(n_rows, 6)]
        ``row`` (1-based file order), ``start``, ``end``, ``video``, ``segment``, ``score``.

    Raises
    ------
    CorpusError
        The file is missing, has the wrong number of columns, non-numeric fields, or a score
        outside [-3, 3]; the message names the file and the first bad row.
    """
    if not path.is_file():
        raise CorpusError(
            f"MOSI: no label file {path}. Put CMU-MOSI's {LABEL_FILE} there, or set AFFACRNN_DATA to the folder holding mosi/."
        )
    try:
        raw = pd.read_csv(path, header=None, dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot be parsed as CSV ({exc}). Restore the original label file.") from None
    first = raw.iloc[0].astype(str).str.strip().str.lower().tolist()
    if "score" in first or "video" in first:  # a header row
        raw.columns = first
        raw = raw.iloc[1:].reset_index(drop=True)
        missing = [c for c in LABEL_COLUMNS if c not in raw.columns]
        if missing:
            raise CorpusError(
                f"{path}: missing column(s) {missing}; expected {list(LABEL_COLUMNS)}. Add them or restore the original file."
            )
        raw = raw[list(LABEL_COLUMNS)]
    elif raw.shape[1] != len(LABEL_COLUMNS):
        raise CorpusError(
            f"{path}: has {raw.shape[1]} columns, expected {len(LABEL_COLUMNS)} ({', '.join(LABEL_COLUMNS)}). "
            "Restore the original label file."
        )
    else:
        raw.columns = list(LABEL_COLUMNS)
    df = pd.DataFrame({"row": np.arange(1, len(raw) + 1), "video": raw["video"].str.strip()})
    for col in ("start", "end", "segment", "score"):
        values = pd.to_numeric(raw[col], errors="coerce")
        bad = values.isna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise CorpusError(
                f"{path}: row {i + 1}: {col} {raw[col].iloc[i]!r} is not a number. Fix or remove that row."
            )
        df[col] = values
    out = (df["score"] < -3) | (df["score"] > 3)
    if out.any():
        i = int(np.flatnonzero(out.to_numpy())[0])
        raise CorpusError(
            f"{path}: row {i + 1}: score {df['score'].iloc[i]} is outside [-3, 3]. Fix the label (MOSI scores are means of -3..3 ratings)."
        )
    df["segment"] = df["segment"].astype(np.int64)
    return df


def load_mosi(folder: Path) -> pd.DataFrame:
    """Read CMU-MOSI under ``folder`` into the tidy corpus table (labels-only if no audio).

    Returns
    -------
    pandas.DataFrame [shape=(2199, n_columns)]
        The standard columns (``session`` = video, ``position`` = order within the video,
        ``speaker`` = video: MOSI has one speaker per video) plus ``row``, ``start``, ``end``,
        ``segment``. In file order.
    """
    labels = read_mosi_labels(folder / LABEL_FILE)
    audio = {p.stem: p for p in folder.rglob("*.wav")} if folder.is_dir() else {}
    ids = labels["video"] + "_" + labels["segment"].astype(str)
    df = labels.assign(
        utterance_id=ids,
        path=[str(audio[i].resolve()) if i in audio else None for i in ids],
        speaker=labels["video"],
        session=labels["video"],
        position=labels.groupby("video", sort=False).cumcount(),
        duration=labels["end"] - labels["start"],
        language="en",
    ).drop(columns=["video"])
    table = finish_table(df, corpus="mosi")
    table = table.sort_values("row", kind="stable").reset_index(drop=True)  # keep the prototype's file order
    table.attrs["corpus"] = "mosi"
    table.attrs["labels_only"] = bool(table["path"].isna().all())
    return table
