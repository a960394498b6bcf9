"""CMU-MOSI's audio as bc-LSTM published it: one 73-value vector per utterance, joined to the labels.

The audio of CMU-MOSI cannot be had, but Poria et al. (2017) — bc-LSTM, the "state of the art" of
the paper's Table 6 — published the per-utterance audio feature vectors of all 2199 MOSI
utterances with their code (MIT licence; CMU-MOSI's terms apply to the data). They are the one
piece of the paper's own audio we have: enough for every model that reads one vector per
utterance (the UB branch's context stage, bc-LSTM, the classic baselines), not for librosa
frames or spectrum graphs.

Layout under ``<root>/mosi/bc-lstm/`` (the authors' ``bc-LSTM/data`` folder, commit 111b401d):

=======================================  =========================================================
file                                     what
=======================================  =========================================================
``audio_train0.csv``, ``audio_test0.csv``  no header; per row 73 feature values, then the binary
                                         label (1 positive, 0 negative); 1447 and 752 rows
``text_train.csv``, ``text_test.csv``      the same rows in the same order; column 0 is the 0-based
                                         row of ``transcripts.csv`` (the rest: text features)
``transcripts.csv``                      no header: utterance id ``<video>_<segment>``, transcript,
                                         a number, binary label; 2199 rows
=======================================  =========================================================

So row *i* of ``audio_train0.csv`` is utterance ``transcripts[text_train[i][0]][0]``, which
:func:`load_mosi_vectors` joins to ``OpinionLevelSentiment.csv`` by (video, segment), so every label
scheme of :mod:`affacrnn.data.labels` (``mosi2/5/7``, ``proto*``) and both splits apply: the paper's
(:func:`affacrnn.data.splits.mosi_paper_split`, rows 1–1616 / 1617–2199, 65 / 28 videos) and
bc-LSTM's own (:func:`affacrnn.data.splits.mosi_bclstm_split`, 62 / 31 videos, 1447 / 752
utterances), both disjoint by video.

What the 73 values are
    The source says only that they are openSMILE audio features per utterance — low-level
    descriptors such as MFCC, intensity and pitch, and their statistics — and names no column,
    so they are called ``v00`` … ``v72`` here. They arrive on different scales (``v00`` runs from
    about 80 to 380, a pitch in Hz perhaps; most others lie within ±10, and a few vary by less than
    0.01): every model standardises them with statistics of its training rows.

Notebook: book/04_data_labels_splits.ipynb
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd

from affacrnn.errors import CorpusError, ParameterError
from affacrnn.settings import data_root
from affacrnn.data.corpora.mosi import LABEL_FILE, load_mosi

__all__ = ["BCLSTM_FOLDER", "N_VECTOR_COLUMNS", "VECTOR_COLUMNS", "UtteranceVectors", "read_bclstm_vectors",
           "load_mosi_vectors", "has_mosi_vectors"]

#: Sub-folder of ``<root>/mosi`` holding bc-LSTM's files.
BCLSTM_FOLDER = "bc-lstm"
#: Values per utterance in bc-LSTM's audio files (the binary label follows them).
N_VECTOR_COLUMNS = 73
#: Our names of the 73 values (the source names none).
VECTOR_COLUMNS = tuple(f"v{i:02d}" for i in range(N_VECTOR_COLUMNS))
_PARTS = ("train", "test")


@dataclasses.dataclass(frozen=True)
class UtteranceVectors:
    """One feature vector per utterance, row-aligned with a corpus table.

    Attributes
    ----------
    table : pandas.DataFrame [shape=(n, n_columns)]
        The corpus table (MOSI: file order, column ``row`` 1..2199), plus ``bclstm_part``
        (``"train"`` / ``"test"``: the part of bc-LSTM's split the vector was published in) and
        ``bclstm_label`` (its binary label, 1 positive).
    X : np.ndarray [shape=(n, d), dtype=float64]
        Row *i* is the vector of ``table.iloc[i]``.
    columns : tuple of str
        Names of the ``d`` values.
    source : str
        Where the vectors come from (one line, for captions).
    """

    table: pd.DataFrame
    X: np.ndarray
    columns: tuple[str, ...]
    source: str

    def __len__(self) -> int:
        return len(self.X)

    def frame(self) -> pd.DataFrame:
        """The vectors as a table (one column per value), indexed like :attr:`table`."""
        return pd.DataFrame(self.X, columns=list(self.columns), index=self.table.index)


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise CorpusError(
            f"MOSI bc-LSTM features: no file {path}. Copy bc-LSTM's data folder (audio_*0.csv, text_*.csv, "
            f"transcripts.csv) there, or set AFFACRNN_DATA to the folder holding mosi/{BCLSTM_FOLDER}/."
        )
    try:
        return pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot be parsed as CSV ({exc}). Restore the file as published with bc-LSTM.") from None


def _numbers(frame: pd.DataFrame, path: Path, what: str) -> np.ndarray:
    values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = (int(a[0]) for a in np.nonzero(bad))
        raise CorpusError(
            f"{path}: row {i + 1}, column {j + 1}: {what} {frame.iat[i, j]!r} is not a finite number. "
            "Restore the file as published with bc-LSTM."
        )
    return values


def read_bclstm_vectors(folder: str | os.PathLike) -> pd.DataFrame:
    """Read bc-LSTM's published MOSI audio vectors, each with its utterance id.

    Parameters
    ----------
    folder : path-like
        The folder holding ``audio_train0.csv``, ``audio_test0.csv``, ``text_train.csv``,
        ``text_test.csv`` and ``transcripts.csv`` (module docstring).

    Returns
    -------
    pandas.DataFrame [shape=(2199, 3 + 73)]
        ``utterance_id`` (``<video>_<segment>``), ``bclstm_part`` (``train`` / ``test``),
        ``bclstm_label`` (1 positive, 0 negative), then :data:`VECTOR_COLUMNS`; training rows
        first, each part in its file's order.

    Raises
    ------
    CorpusError
        A file is missing or malformed, the audio and text files of a part differ in length, a row
        points outside ``transcripts.csv``, an utterance appears twice, or the audio file's label
        disagrees with the transcript's; the message names the file and row.
    """
    folder = Path(folder)
    transcripts = _read_csv(folder / "transcripts.csv")
    if transcripts.shape[1] < 2:
        raise CorpusError(f"{folder / 'transcripts.csv'}: expected the columns id, transcript, number, label; "
                          f"got {transcripts.shape[1]} column(s). Restore the file as published with bc-LSTM.")
    ids = transcripts[0].str.strip().to_numpy()
    t_labels = pd.to_numeric(transcripts[transcripts.columns[-1]], errors="coerce").to_numpy()
    parts = []
    for part in _PARTS:
        audio_path, text_path = folder / f"audio_{part}0.csv", folder / f"text_{part}.csv"
        audio, text = _read_csv(audio_path), _read_csv(text_path)
        if audio.shape[1] != N_VECTOR_COLUMNS + 1:
            raise CorpusError(
                f"{audio_path}: has {audio.shape[1]} columns, expected {N_VECTOR_COLUMNS} feature values and a label. "
                "Restore the file as published with bc-LSTM."
            )
        if len(audio) != len(text):
            raise CorpusError(
                f"{audio_path} has {len(audio)} rows but {text_path} has {len(text)}; they must list the same "
                "utterances in the same order. Restore both files from the same release."
            )
        values = _numbers(audio, audio_path, "value")
        index = _numbers(text[[0]], text_path, "row index")[:, 0]
        bad = (index < 0) | (index >= len(ids)) | (index != np.round(index))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise CorpusError(
                f"{text_path}: row {i + 1}: {text.iat[i, 0]!r} is not a row of transcripts.csv (0..{len(ids) - 1}). "
                "Restore the file as published with bc-LSTM."
            )
        index = index.astype(np.int64)
        label = values[:, -1]
        wrong = (label != t_labels[index]) | ~np.isin(label, (0, 1))
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            raise CorpusError(
                f"{audio_path}: row {i + 1} ({ids[index[i]]}) has label {label[i]:g} but transcripts.csv says "
                f"{t_labels[index[i]]:g}; the files come from different releases. Restore them together."
            )
        frame = pd.DataFrame(values[:, :-1], columns=list(VECTOR_COLUMNS))
        frame.insert(0, "bclstm_label", label.astype(np.int64))
        frame.insert(0, "bclstm_part", part)
        frame.insert(0, "utterance_id", ids[index])
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    dup = out["utterance_id"].duplicated()
    if dup.any():
        raise CorpusError(
            f"{folder}: utterance {out['utterance_id'][dup].iloc[0]!r} has two vectors (in audio_train0.csv / "
            "audio_test0.csv); each utterance must appear once. Restore the files as published with bc-LSTM."
        )
    return out


def has_mosi_vectors(*, root: str | os.PathLike | None = None) -> bool:
    """Whether bc-LSTM's MOSI vectors (and the label file) are under the data root."""
    folder = data_root(root) / "mosi"
    return (folder / LABEL_FILE).is_file() and (folder / BCLSTM_FOLDER / "audio_train0.csv").is_file()


def load_mosi_vectors(*, root: str | os.PathLike | None = None, folder: str | os.PathLike | None = None
                      ) -> UtteranceVectors:
    """CMU-MOSI's 2199 utterances with bc-LSTM's audio vectors, joined to the label file by utterance id.

    Parameters
    ----------
    root : path-like, optional
        Data root (default ``$AFFACRNN_DATA``, else the repository's ``data/``); the files are read
        from ``<root>/mosi/OpinionLevelSentiment.csv`` and ``<root>/mosi/bc-lstm/``.
    folder : path-like, optional
        The MOSI folder itself (instead of ``root``).

    Returns
    -------
    UtteranceVectors
        ``table``: :func:`affacrnn.load_corpus` ``("mosi")``'s table in file order plus
        ``bclstm_part`` and ``bclstm_label``; ``X`` [shape=(2199, 73)].

    Raises
    ------
    CorpusError
        Files missing or malformed (:func:`read_bclstm_vectors`), an utterance of one file missing
        from the other, or a published binary label that disagrees with the score's sign
        (``score >= 0`` is positive); the message names the utterance and the fix.

    Examples
    --------
    >>> vectors = load_mosi_vectors()                      # doctest: +SKIP
    >>> vectors.X.shape                                    # doctest: +SKIP
    (2199, 73)
    """
    if root is not None and folder is not None:
        raise ParameterError("pass `root` or `folder`, not both; `folder` is the mosi/ folder itself.")
    mosi = Path(folder) if folder is not None else data_root(root) / "mosi"
    table = load_mosi(mosi)
    vectors = read_bclstm_vectors(mosi / BCLSTM_FOLDER).set_index("utterance_id")
    ids = table["utterance_id"]
    missing = ~ids.isin(vectors.index)
    if missing.any():
        raise CorpusError(
            f"{mosi / BCLSTM_FOLDER}: no vector for utterance {ids[missing].iloc[0]!r} "
            f"({int(missing.sum())} of {len(ids)} missing) of {mosi / LABEL_FILE}. The label file and bc-LSTM's "
            "files must describe the same 2199 utterances: restore both."
        )
    extra = ~vectors.index.isin(ids)
    if extra.any():
        raise CorpusError(
            f"{mosi / BCLSTM_FOLDER}: utterance {vectors.index[extra][0]!r} is not in {mosi / LABEL_FILE} "
            f"({int(extra.sum())} such). The label file and bc-LSTM's files must describe the same utterances: "
            "restore both."
        )
    joined = vectors.loc[ids.to_numpy()]
    sign = (table["score"].to_numpy() >= 0).astype(np.int64)
    wrong = joined["bclstm_label"].to_numpy() != sign
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise CorpusError(
            f"{mosi / BCLSTM_FOLDER}: utterance {ids.iloc[i]!r} is labelled {joined['bclstm_label'].iloc[i]} there, "
            f"but its score in {LABEL_FILE} is {table['score'].iloc[i]:g} (positive means score >= 0). "
            "The files come from different releases: restore both."
        )
    out = table.assign(bclstm_part=joined["bclstm_part"].to_numpy(), bclstm_label=joined["bclstm_label"].to_numpy())
    out.attrs.update(table.attrs)
    out.attrs["vectors"] = "bc-lstm"
    X = joined[list(VECTOR_COLUMNS)].to_numpy(dtype=np.float64)
    source = (f"CMU-MOSI audio vectors published with bc-LSTM (Poria et al. 2017; {N_VECTOR_COLUMNS} openSMILE-based "
              f"values per utterance), joined to {LABEL_FILE} by utterance id")
    return UtteranceVectors(table=out, X=X, columns=VECTOR_COLUMNS, source=source)
