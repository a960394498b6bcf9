"""Corpora as tidy tables: one row per utterance, the same columns for every corpus.

``load_corpus(name_or_path)`` is the entry point. Names are looked up under the data root
(:func:`affacrnn.settings.data_root`, i.e. ``$AFFACRNN_DATA`` or the repo's ``data/``):

========== ============================================ =============================================
name       expected under the data root                  what
========== ============================================ =============================================
ravdess    ``ravdess/**/Actor_NN/*.wav|flac``             RAVDESS speech, English, 24 actors
emodb      ``emodb/wav/*.wav`` (+ ``emodb/erkennung.txt``) EmoDB, German, 10 speakers
mosi       ``mosi/OpinionLevelSentiment.csv`` (+ WAVs)    CMU-MOSI labels, audio when present
demo       ``demo/manifest.csv`` (else the cache folder)  synthetic espeak-ng corpus, generated offline
========== ============================================ =============================================

A path instead of a name: a CSV manifest (see :mod:`affacrnn.data.corpora.manifest`), a folder with a
``manifest.csv``, or a folder laid out like one of the corpora above.

Notebook: book/04_data_labels_splits.ipynb
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from affacrnn.errors import CorpusError, ParameterError
from affacrnn.settings import cache_dir, data_root
from affacrnn.data.corpora.table import COLUMNS, session_order
from affacrnn.data.corpora.emodb import load_emodb
from affacrnn.data.corpora.manifest import load_manifest
from affacrnn.data.corpora.mosi import load_mosi
from affacrnn.data.corpora.ravdess import load_ravdess
from affacrnn.data.demo import ensure_demo_corpus

__all__ = ["COLUMNS", "CORPORA", "load_corpus", "available_corpora", "default_corpus", "session_order"]

#: Built-in corpus names → (sub-folder of the data root, file or folder that marks it as present).
CORPORA = {
    "ravdess": ("ravdess", "."),
    "emodb": ("emodb", "wav"),
    "mosi": ("mosi", "OpinionLevelSentiment.csv"),
    "demo": ("demo", "manifest.csv"),
}


def demo_manifest(*, root: str | os.PathLike | None = None) -> Path:
    """The demo corpus's manifest: ``<data root>/demo/`` if a demo corpus is there, else generated
    on first use into the cache folder (:func:`affacrnn.settings.cache_dir`), so a shared or
    read-only data root is never written to."""
    base = data_root(root)
    if (base / "demo" / "manifest.csv").is_file():
        return ensure_demo_corpus(root=base, progress=False)
    return ensure_demo_corpus(root=cache_dir())


def available_corpora(*, root: str | os.PathLike | None = None) -> list[str]:
    """Names of the built-in corpora present under the data root (``demo`` once generated, there
    or in the cache folder)."""
    base = data_root(root)
    found = [name for name, (sub, marker) in CORPORA.items() if (base / sub / marker).exists()]
    if "demo" not in found and (cache_dir() / "demo" / "manifest.csv").is_file():
        found.append("demo")
    return found


def default_corpus(*, root: str | os.PathLike | None = None) -> str:
    """The corpus a command uses when none is named: RAVDESS if present, else the synthetic demo."""
    return "ravdess" if "ravdess" in available_corpora(root=root) else "demo"


def _load_folder(folder: Path, *, seed: int) -> pd.DataFrame:
    if (folder / "manifest.csv").is_file():
        return load_manifest(folder / "manifest.csv", seed=seed)
    if (folder / "OpinionLevelSentiment.csv").is_file():
        return load_mosi(folder)
    if (folder / "wav").is_dir():
        return load_emodb(folder, seed=seed)
    if next(folder.rglob("Actor_*"), None) is not None:
        return load_ravdess(folder, seed=seed)
    raise CorpusError(
        f"{folder}: not a corpus folder: expected a manifest.csv, OpinionLevelSentiment.csv, wav/ (EmoDB) "
        "or Actor_NN/ folders (RAVDESS). Add a manifest.csv (columns path, speaker, emotion or score)."
    )


def load_corpus(
    name_or_path: str | os.PathLike,
    *,
    root: str | os.PathLike | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Load a corpus as one tidy table.

    Parameters
    ----------
    name_or_path : str or path-like
        ``"ravdess"``, ``"emodb"``, ``"mosi"``, ``"demo"``, or a path to a manifest CSV or a folder.
    root : str or path-like, optional
        Data root for named corpora (default: ``$AFFACRNN_DATA``, else the repo's ``data/``).
    seed : int
        Seed of the session order for corpora without a natural one (RAVDESS, EmoDB, manifests
        without ``position``).

    Returns
    -------
    pandas.DataFrame [shape=(n_utterances, n_columns)]
        Columns :data:`COLUMNS` first (``utterance_id, path, speaker, session, position,
        duration, language, corpus, emotion, intensity, score``), then corpus-specific extras.
        Rows are sorted by session and position (MOSI: file order, column ``row``).

    Raises
    ------
    CorpusError
        The corpus is missing or malformed; the message names the folder or file looked at,
        what was expected, and how to fix it.

    Examples
    --------
    >>> table = load_corpus("ravdess")  # doctest: +SKIP
    >>> table.groupby("emotion").size()  # doctest: +SKIP
    """
    if not isinstance(name_or_path, (str, os.PathLike)) or not str(name_or_path).strip():
        raise ParameterError(f"`name_or_path` must be a corpus name ({', '.join(CORPORA)}) or the path of a manifest "
                             f"or folder; got {name_or_path!r}.")
    if isinstance(name_or_path, str) and name_or_path.lower() in CORPORA:
        name = name_or_path.lower()
        base = data_root(root)
        folder = base / CORPORA[name][0]
        if name == "demo":
            return load_manifest(demo_manifest(root=root), corpus="demo", seed=seed)
        if not folder.is_dir():
            raise CorpusError(
                f"corpus {name!r}: folder {folder} does not exist (data root {base}). "
                f"Put the corpus there or set AFFACRNN_DATA to the folder that holds {CORPORA[name][0]}/."
            )
        if name == "ravdess":
            return load_ravdess(folder, seed=seed)
        if name == "emodb":
            return load_emodb(folder, seed=seed)
        return load_mosi(folder)
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return load_manifest(path, seed=seed)
    if path.is_dir():
        return _load_folder(path, seed=seed)
    if isinstance(name_or_path, str) and os.sep not in name_or_path and not path.suffix:
        raise ParameterError(
            f"unknown corpus {name_or_path!r}; valid names: {', '.join(CORPORA)}, or pass a path to a manifest CSV or folder."
        )
    raise CorpusError(f"{path}: no such file or folder. Pass a corpus name ({', '.join(CORPORA)}) or an existing path.")
