"""The tidy corpus table every adapter returns, and helpers shared by the adapters.

Notebook: book/04_data_labels_splits.ipynb
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from affacrnn.data.audio import open_sound
from affacrnn.errors import AudioError, CorpusError

__all__ = ["COLUMNS", "finish_table", "audio_durations", "session_order"]

#: Columns every corpus table has, in this order (adapters may append extra columns after them).
#:
#: ========== ==============================================================================
#: utterance_id unique id within the corpus (the file stem for RAVDESS/EmoDB, ``video_segment`` for MOSI)
#: path         absolute audio path (``None`` in MOSI's labels-only mode)
#: speaker      speaker id (str)
#: session      the "video": the group whose consecutive utterances form contexts
#: position     0-based order of the utterance within its session
#: duration     seconds
#: language     ISO 639-1 code
#: corpus       corpus name
#: emotion      raw emotion label (emotion corpora), else missing
#: intensity    "normal"/"strong" (RAVDESS), else missing
#: score        sentiment score in [-3, 3] (MOSI), else NaN
#: ========== ==============================================================================
COLUMNS = (
    "utterance_id",
    "path",
    "speaker",
    "session",
    "position",
    "duration",
    "language",
    "corpus",
    "emotion",
    "intensity",
    "score",
)


def audio_durations(paths: list[str]) -> np.ndarray:
    """Durations in seconds read from file headers (no decoding); raise naming a bad file."""

    out = np.empty(len(paths), dtype=np.float64)
    for i, p in enumerate(paths):
        try:
            with open_sound(p) as info:
                out[i] = info.frames / info.samplerate
        except AudioError as exc:
            raise CorpusError(f"{exc} (its audio header cannot be read; replace the file or remove it from the corpus)") from None
        except Exception as exc:  # noqa: BLE001 - libsndfile raises several types
            raise CorpusError(
                f"{p}: cannot read its audio header ({exc}). Replace the file or remove it from the corpus."
            ) from None
    return out


def session_order(speakers: pd.Series, *, seed: int) -> np.ndarray:
    """A seeded random order of utterances within each speaker's "session".

    Acted corpora (RAVDESS, EmoDB) have no natural order: sorted by file name, files of one
    emotion sit next to each other and a context window would hand the model the label. Here each
    speaker's utterances are shuffled with ``numpy.random.default_rng(seed)``, so a neighbour's
    label agrees with the target's only as often as chance would (``tests/test_context.py``).

    Returns
    -------
    np.ndarray [shape=(n,), dtype=int]
        0-based position of each row within its speaker.
    """
    rng = np.random.default_rng(seed)
    position = np.empty(len(speakers), dtype=np.int64)
    for _, idx in speakers.groupby(speakers, sort=True).indices.items():
        position[idx] = rng.permutation(len(idx))
    return position


def finish_table(rows: pd.DataFrame, *, corpus: str) -> pd.DataFrame:
    """Fill missing standard columns, order columns and rows, and check ids are unique."""
    df = rows.copy()
    for col in COLUMNS:
        if col not in df.columns:
            df[col] = np.nan if col in ("score", "duration") else None
    df["corpus"] = corpus
    df["speaker"] = df["speaker"].astype(str)
    df["session"] = df["session"].astype(str)
    df["position"] = df["position"].astype(np.int64)
    df["score"] = df["score"].astype(np.float64)
    df["duration"] = df["duration"].astype(np.float64)
    dup = df["utterance_id"][df["utterance_id"].duplicated()]
    if len(dup):
        raise CorpusError(
            f"corpus {corpus!r}: utterance ids are not unique (e.g. {dup.iloc[0]!r}). Give every file a unique name."
        )
    extra = [c for c in df.columns if c not in COLUMNS]
    df = df[list(COLUMNS) + extra]
    df = df.sort_values(["session", "position"], kind="stable").reset_index(drop=True)
    df.attrs["corpus"] = corpus
    return df
