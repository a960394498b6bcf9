"""A generic CSV manifest, so users can bring their own corpus.

Required columns: ``path`` (absolute, or relative to the manifest's folder) and ``speaker``, plus at
least one label column: ``emotion`` (text) or ``score`` (number in [-3, 3]); a column ``label`` is
read as ``score`` if every value is numeric, else as ``emotion``. Optional: ``utterance_id``
(default: the file stem), ``session`` and ``position`` (default: one session per speaker, in a
seeded random order, so context windows do not leak labels), ``intensity``, ``language``
(default ``"und"``), ``duration`` (default: read from the audio headers). Other columns are kept.

Example ``manifest.csv``::

    path,speaker,session,position,score
    clips/alice_01.wav,alice,review1,0,1.5
    clips/alice_02.wav,alice,review1,1,-0.5
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CorpusError
from ._table import audio_durations, finish_table, session_order

__all__ = ["load_manifest", "REQUIRED_COLUMNS"]

REQUIRED_COLUMNS = ("path", "speaker")


def load_manifest(path: Path, *, corpus: str | None = None, seed: int = 0) -> pd.DataFrame:
    """Read a CSV manifest into the tidy corpus table.

    Parameters
    ----------
    path : pathlib.Path
        The manifest CSV.
    corpus : str, optional
        Corpus name for the ``corpus`` column (default: the manifest folder's name).
    seed : int
        Seed of the session order when the manifest gives no ``position``.

    Returns
    -------
    pandas.DataFrame [shape=(n_rows, n_columns)]

    Raises
    ------
    CorpusError
        The manifest is missing, lacks a required column, has no label column, names an audio
        file that does not exist, or a score outside [-3, 3]; the message names the row.
    """
    if not path.is_file():
        raise CorpusError(f"manifest {path} does not exist. Pass the path of a CSV with columns path, speaker and a label.")
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot be parsed as CSV ({exc}). Save it as UTF-8 comma-separated text.") from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise CorpusError(
            f"{path}: missing column(s) {missing}; a manifest needs {list(REQUIRED_COLUMNS)} and 'emotion' or 'score'. Add them."
        )
    if "label" in df.columns and not {"emotion", "score"} & set(df.columns):
        numeric = pd.to_numeric(df["label"], errors="coerce")
        df = df.rename(columns={"label": "score" if numeric.notna().all() else "emotion"})
    if not {"emotion", "score"} & set(df.columns):
        raise CorpusError(f"{path}: no label column; add 'emotion' (text) or 'score' (a number in [-3, 3]).")
    if "score" in df.columns:
        score = pd.to_numeric(df["score"], errors="coerce")
        bad = score.isna() & df["score"].notna() | (score < -3) | (score > 3)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise CorpusError(
                f"{path}: row {i + 2}: score {df['score'].iloc[i]!r} is not a number in [-3, 3]. Fix the label."
            )
        df["score"] = score
    base = path.parent
    paths = [Path(p) if Path(p).is_absolute() else base / p for p in df["path"].astype(str)]
    for i, p in enumerate(paths):
        if not p.is_file():
            raise CorpusError(f"{path}: row {i + 2}: audio file {p} does not exist. Fix the path or remove the row.")
    df["path"] = [str(p.resolve()) for p in paths]
    if "utterance_id" not in df.columns:
        df["utterance_id"] = [p.stem for p in paths]
    df["speaker"] = df["speaker"].astype(str)
    if "session" not in df.columns:
        df["session"] = df["speaker"]
        if "position" not in df.columns:
            df["position"] = session_order(df["speaker"], seed=seed)
    if "position" not in df.columns:
        df["position"] = df.groupby("session", sort=False).cumcount()
    if "language" not in df.columns:
        df["language"] = "und"
    if "duration" not in df.columns:
        df["duration"] = audio_durations(df["path"].tolist())
    return finish_table(df, corpus=corpus or base.name)
