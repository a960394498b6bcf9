"""Train / validation / test splits that never share a speaker (or a video).

* :func:`speaker_split` — seeded, speaker-disjoint, stratified by sex when the table has a
  ``sex`` column (RAVDESS: odd actor ids are male, so its test set has as many men as women).
* :func:`mosi_paper_split` — the paper's MOSI split (§4, Table 1): rows 1–1616 train (65 videos),
  1617–2199 test (28 videos); validation videos, when asked for, come from the training rows.
* :func:`cross_corpus_split` — train (and validate) on one corpus, test on all of another.
* :func:`speaker_slice` — a small, mixed-label slice of a corpus (a few speakers' first
  utterances) for quick runs: the smoke experiments and the chapters' smoke mode.

Each returns a copy of the table with a ``split`` column (``"train"``, ``"validation"``,
``"test"``); :func:`check_disjoint` raises if any group appears in two parts.

Notebook: book/04_data_labels_splits.ipynb
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from affacrnn.errors import ParameterError

__all__ = ["SPLITS", "speaker_slice", "speaker_split", "mosi_paper_split", "mosi_bclstm_split", "cross_corpus_split", "check_disjoint", "MOSI_TRAIN_ROWS", "speaker_folds", "fold_split"]

SPLITS = ("train", "validation", "test")
#: The paper's MOSI training rows are 1..1616 of OpinionLevelSentiment.csv; the rest are test.
MOSI_TRAIN_ROWS = 1616


def _check_fraction(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and 0 <= value < 1):
        raise ParameterError(f"`{name}` must be a fraction in [0, 1); got {value!r}. Pass e.g. {name}=0.2.")


def _pick_groups(groups: pd.Series, strata: pd.Series | None, *, sizes: dict[str, float], seed: int) -> dict[str, str]:
    """Assign each group to a part, drawing ``round(size * n)`` groups per stratum for each part."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"g": groups.to_numpy(), "s": strata.to_numpy() if strata is not None else "all"})
    per_group = frame.drop_duplicates("g").sort_values("g")
    part: dict[str, str] = {}
    for _, stratum in per_group.groupby("s", sort=True):
        ids = list(rng.permutation(stratum["g"].to_numpy()))
        for name, frac in sizes.items():
            k = int(round(frac * len(stratum)))
            if frac > 0:
                k = max(k, 1)
            k = min(k, len(ids) - 1)  # always leave at least one group for training
            for g in ids[:k]:
                part[g] = name
            ids = ids[k:]
        for g in ids:
            part[g] = "train"
    return part


def speaker_split(
    table: pd.DataFrame,
    *,
    test_size: float = 0.2,
    val_size: float = 0.15,
    seed: int = 0,
    group: str = "speaker",
    stratify: str | None = "sex",
) -> pd.DataFrame:
    """Seeded train / validation / test split with no speaker in two parts.

    Parameters
    ----------
    table : pandas.DataFrame
        A corpus table.
    test_size, val_size : float
        Fractions of the speakers (per stratum) put in test and validation.
    seed : int
        Seed of the draw.
    group : str
        Column that must not cross parts (``"speaker"``; ``"session"`` for videos).
    stratify : str or None
        Column to balance the draw over (default ``"sex"``, used when the table has it).

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with a ``split`` column.

    Examples
    --------
    >>> t = speaker_split(load_corpus("ravdess"), seed=0)  # doctest: +SKIP
    >>> t.groupby("split").speaker.nunique()  # doctest: +SKIP
    test 4, train 16, validation 4
    """
    _check_fraction("test_size", test_size)
    _check_fraction("val_size", val_size)
    if group not in table:
        raise ParameterError(f"`group` must be a column of the table; got {group!r}. Pass 'speaker' or 'session'.")
    strata = table[stratify] if stratify and stratify in table else None
    part = _pick_groups(table[group], strata, sizes={"test": test_size, "validation": val_size}, seed=seed)
    out = table.assign(split=table[group].map(part))
    out.attrs.update(table.attrs)
    check_disjoint(out, group=group)
    return out


def mosi_paper_split(table: pd.DataFrame, *, val_size: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """The paper's MOSI split: rows 1–1616 train, 1617–2199 test (video-disjoint).

    Parameters
    ----------
    table : pandas.DataFrame
        The MOSI table (needs its ``row`` column, 1-based file order).
    val_size : float
        Fraction of the *training videos* moved to validation (0: none, as in the paper; our
        training uses e.g. 0.15, so model selection never looks at the test rows).
    seed : int
        Seed for choosing validation videos.

    Returns
    -------
    pandas.DataFrame
        A copy with a ``split`` column.
    """
    if "row" not in table:
        raise ParameterError("mosi_paper_split needs the MOSI table's `row` column; load it with load_corpus('mosi').")
    _check_fraction("val_size", val_size)
    split = np.where(table["row"] <= MOSI_TRAIN_ROWS, "train", "test").astype(object)
    return _validation_videos(table.assign(split=split), table, val_size=val_size, seed=seed)


def mosi_bclstm_split(table: pd.DataFrame, *, val_size: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """bc-LSTM's MOSI split (Poria et al. 2017): 62 training videos (1447 utterances), 31 test (752).

    The split is the one bc-LSTM's published feature files were cut by, read from their
    ``bclstm_part`` column (:func:`affacrnn.data.corpora.mosi_vectors.load_mosi_vectors`); like
    the paper's split (:func:`mosi_paper_split`) it is disjoint by video, but it is another one
    (617 of the paper's training rows are bc-LSTM test rows).

    Parameters
    ----------
    table : pandas.DataFrame
        The MOSI table with its vectors' ``bclstm_part`` column.
    val_size : float
        Fraction of the training videos moved to validation (0: none).
    seed : int
        Seed for choosing validation videos.

    Returns
    -------
    pandas.DataFrame
        A copy with a ``split`` column.
    """
    if "bclstm_part" not in table:
        raise ParameterError("mosi_bclstm_split needs the `bclstm_part` column of bc-LSTM's files; load the table "
                             "with affacrnn.load_mosi_vectors().table.")
    _check_fraction("val_size", val_size)
    out = table.assign(split=table["bclstm_part"].astype(object).to_numpy())
    return _validation_videos(out, table, val_size=val_size, seed=seed)


def _validation_videos(out: pd.DataFrame, table: pd.DataFrame, *, val_size: float, seed: int) -> pd.DataFrame:
    """Move ``val_size`` of the training videos (``session``) of ``out`` to validation; check disjointness."""
    if val_size > 0:
        train = out[out["split"] == "train"]
        part = _pick_groups(train["session"], None, sizes={"validation": val_size}, seed=seed)
        moved = out["session"].map(part).eq("validation") & out["split"].eq("train")
        out.loc[moved, "split"] = "validation"
    out.attrs.update(table.attrs)
    check_disjoint(out, group="session")
    return out


def cross_corpus_split(
    train_table: pd.DataFrame,
    test_table: pd.DataFrame,
    *,
    val_size: float = 0.15,
    seed: int = 0,
) -> pd.DataFrame:
    """Train and validate on one corpus (speaker-disjoint), test on every row of another.

    Returns
    -------
    pandas.DataFrame
        Both tables stacked with a ``split`` column; ``test`` is exactly ``test_table``.
    """
    train = speaker_split(train_table, test_size=0.0, val_size=val_size, seed=seed)
    test = test_table.assign(split="test")
    out = pd.concat([train, test], ignore_index=True)
    out.attrs["corpus"] = f"{train_table.attrs.get('corpus', '?')}->{test_table.attrs.get('corpus', '?')}"
    return out


def check_disjoint(table: pd.DataFrame, *, group: str = "speaker") -> None:
    """Raise :class:`~affacrnn.ParameterError` if a ``group`` value appears in two parts of ``split``."""
    key = table["corpus"].astype(str) + ":" + table[group].astype(str) if "corpus" in table else table[group]
    parts = table.groupby(key, sort=False)["split"].nunique()
    shared = parts[parts > 1]
    if len(shared):
        raise ParameterError(f"split is not {group}-disjoint: {list(shared.index[:3])} appear in several parts.")


def speaker_slice(table: pd.DataFrame, *, n_speakers: int, per_speaker: int) -> pd.DataFrame:
    """A quick slice of a corpus: ``n_speakers`` speakers × their first ``per_speaker`` utterances.

    Speakers are taken in sorted order, half of each sex when the table has a complete ``sex``
    column (RAVDESS's first actors alternate, so 6 speakers are actors 01–06 either way);
    utterances in session order, which :func:`affacrnn.load_corpus` shuffles with a seed, so
    labels are mixed. The smoke experiments and the chapters' smoke mode all slice this way.

    Parameters
    ----------
    table : pandas.DataFrame
        A corpus table (``speaker``, ``session``, ``position``; ``sex`` optional).
    n_speakers, per_speaker : int
        Sizes of the slice (>= 1).

    Returns
    -------
    pandas.DataFrame
        At most ``n_speakers * per_speaker`` rows, index reset, the table's ``attrs`` kept.
    """
    for name, value in (("n_speakers", n_speakers), ("per_speaker", per_speaker)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ParameterError(f"`{name}` must be an int >= 1; got {value!r}. Pass e.g. {name}=6.")
    speaker = table["speaker"].astype(str)
    speakers = sorted(speaker.unique())
    if "sex" in table and table["sex"].notna().all():
        sex = table.groupby(speaker)["sex"].first()
        half = n_speakers // 2
        keep = [s for s in speakers if sex[s] == sex.iloc[0]][:half]
        keep += [s for s in speakers if sex[s] != sex.iloc[0]][: n_speakers - len(keep)]
    else:
        keep = speakers[:n_speakers]
    sub = table[speaker.isin(keep)]
    sub = sub.sort_values(["session", "position"], kind="stable").groupby("speaker", sort=False).head(per_speaker)
    out = sub.reset_index(drop=True)
    out.attrs.update(table.attrs)
    return out


def speaker_folds(table: pd.DataFrame, *, k: int, seed: int = 0, group: str = "speaker",
                  stratify: str | None = "sex") -> pd.Series:
    """Each row's fold (0 … k-1) in speaker-disjoint k-fold cross-validation.

    Speakers are shuffled with ``seed`` within each stratum (default ``sex``, when the table has
    it) and dealt round-robin into the folds, so every fold gets speakers of each sex (RAVDESS: 4
    folds of 6 actors, 3 of each sex; EmoDB: 5 folds of 2 speakers).

    Parameters
    ----------
    table : pandas.DataFrame
        A corpus table with a ``group`` column.
    k : int
        Folds, 2 <= k <= the number of speakers.

    Returns
    -------
    pandas.Series [shape=(n,), dtype=int]
        Aligned with ``table``'s index.
    """
    if group not in table:
        raise ParameterError(f"`group` must be a column of the table; got {group!r}. Pass 'speaker' or 'session'.")
    speakers = sorted(table[group].astype(str).unique())
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 2 <= k <= len(speakers):
        raise ParameterError(f"`k` (folds) must be an int in [2, {len(speakers)}] (the corpus has {len(speakers)} "
                             f"speakers); got {k!r}. Pass e.g. k=4 for RAVDESS, 5 for EmoDB.")
    key = table[group].astype(str)
    strata = (table.groupby(key)[stratify].first().astype(str) if stratify and stratify in table
              and table[stratify].notna().all() else pd.Series("all", index=speakers))
    rng = np.random.default_rng(seed)
    fold_of, dealt = {}, 0
    for stratum in sorted(strata.unique()):
        members = sorted(strata.index[strata == stratum])
        for s in rng.permutation(members):
            fold_of[str(s)] = dealt % k
            dealt += 1
    return key.map(fold_of).astype(int)


def fold_split(table: pd.DataFrame, *, fold: int, k: int, val_size: float = 0.15, seed: int = 0,
               group: str = "speaker", stratify: str | None = "sex") -> pd.DataFrame:
    """The split of one cross-validation fold: its speakers are the test part.

    Validation speakers are drawn from the fold's training speakers (``val_size`` of them, per
    stratum), so choosing epochs never looks at the test fold.

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with a ``split`` column.
    """
    folds = speaker_folds(table, k=k, seed=seed, group=group, stratify=stratify)
    if not isinstance(fold, (int, np.integer)) or not 0 <= fold < k:
        raise ParameterError(f"`fold` must be an int in [0, {k - 1}]; got {fold!r}.")
    _check_fraction("val_size", val_size)
    rest = table[folds != fold]
    strata = rest[stratify] if stratify and stratify in rest else None
    part = _pick_groups(rest[group], strata, sizes={"validation": val_size}, seed=seed)
    split = np.where(folds == fold, "test", table[group].map(part).fillna("train")).astype(object)
    out = table.assign(split=split)
    out.attrs.update(table.attrs)
    check_disjoint(out, group=group)
    return out
