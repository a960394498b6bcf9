"""A generic CSV manifest, so users can bring their own corpus.

Required columns: ``path`` (absolute, or relative to the manifest's folder) and ``speaker``, plus at
least one label column: ``emotion`` (text) or ``score`` (number in [-3, 3]); a column ``label`` is
read as ``score`` if every value is numeric, else as ``emotion``. Optional: ``utterance_id``
(default: the file stem), ``session`` and ``position`` (an integer; default: one session per
speaker, in a seeded random order, so context windows do not leak labels), ``intensity``,
``language`` (default ``"und"``), ``duration`` (default: read from the audio headers), and
``split`` (``train`` / ``validation`` / ``test`` on every row: your own split, used instead of
the speaker-disjoint one; it is refused if a speaker appears in two parts). Other columns are
kept. Rows with no label (an empty ``score`` and no ``emotion``) are dropped with a warning that
says how many and which.

Example ``manifest.csv``::

    path,speaker,session,position,score
    clips/alice_01.wav,alice,review1,0,1.5
    clips/alice_02.wav,alice,review1,1,-0.5

Notebook: book/04_data_labels_splits.ipynb
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from affacrnn.errors import AffacrnnWarning, CorpusError
from affacrnn.data.corpora.table import audio_durations, finish_table, session_order

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
    if len(df) == 0:
        raise CorpusError(f"{path}: has a header but no rows. Add one row per audio file (path, speaker, label).")
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
    df = _drop_unlabelled(df, path)
    base = path.parent
    paths = []
    for i, cell in enumerate(df["path"]):
        if not isinstance(cell, str) or not cell.strip():
            raise CorpusError(f"{path}: row {i + 2}: the `path` cell is empty. Name the audio file or remove the row.")
        p = Path(cell.strip())
        p = p if p.is_absolute() else base / p
        if p.is_dir():
            raise CorpusError(f"{path}: row {i + 2}: {p} is a folder, not an audio file. Name a file inside it.")
        if not p.is_file():
            raise CorpusError(f"{path}: row {i + 2}: audio file {p} does not exist. Fix the path or remove the row.")
        paths.append(p)
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
    position = pd.to_numeric(df["position"], errors="coerce")
    bad = position.isna() | (position != position.round())
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise CorpusError(
            f"{path}: row {i + 2}: position {df['position'].iloc[i]!r} is not an integer. "
            "Give each utterance its place in its session (0, 1, 2, ...)."
        )
    df["position"] = position.astype(int)
    if "split" in df.columns:
        _check_split(df, path)
    if "language" not in df.columns:
        df["language"] = "und"
    if "duration" not in df.columns:
        df["duration"] = audio_durations(df["path"].tolist())
    return finish_table(df, corpus=corpus or base.name)


def _drop_unlabelled(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Drop rows with neither a score nor an emotion, saying how many (never silently)."""
    labelled = pd.Series(False, index=df.index)
    if "score" in df.columns:
        labelled |= df["score"].notna()
    if "emotion" in df.columns:
        labelled |= df["emotion"].notna() & df["emotion"].astype(str).str.strip().ne("")
    if labelled.all():
        return df
    rows = [int(i) + 2 for i in np.flatnonzero(~labelled.to_numpy())]
    if not labelled.any():
        raise CorpusError(f"{path}: no row has a label (every score/emotion cell is empty). Fill in the labels.")
    shown = ", ".join(map(str, rows[:5])) + (" ..." if len(rows) > 5 else "")
    warnings.warn(
        f"{path}: {len(rows)} of {len(df)} rows have no label (empty score/emotion; rows {shown}) and were dropped",
        AffacrnnWarning,
        stacklevel=3,
    )
    return df[labelled.to_numpy()].reset_index(drop=True)


_SPLIT_PARTS = ("train", "validation", "test")


def _check_split(df: pd.DataFrame, path: Path) -> None:
    """A user's own ``split`` column: known part names on every row, and no speaker in two parts."""
    split = df["split"].astype(str).str.strip().str.lower()
    bad = ~split.isin(_SPLIT_PARTS) | df["split"].isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise CorpusError(
            f"{path}: row {i + 2}: split {df['split'].iloc[i]!r} is not one of {', '.join(_SPLIT_PARTS)}. "
            "Fill in every row, or drop the split column to get a speaker-disjoint split."
        )
    df["split"] = split
    parts = df.groupby("speaker")["split"].agg(lambda s: sorted(set(s)))
    shared = parts[parts.map(len) > 1]
    if len(shared):
        shown = "; ".join(f"{spk} in {' and '.join(p)}" for spk, p in list(shared.items())[:3])
        raise CorpusError(
            f"{path}: the split column puts {len(shared)} speaker(s) in several parts ({shown}). "
            "Give each speaker one part, or drop the split column to get a speaker-disjoint split."
        )
