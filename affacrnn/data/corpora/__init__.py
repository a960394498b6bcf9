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

import dataclasses
import os
from collections.abc import Callable
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

__all__ = ["COLUMNS", "CORPORA", "CORPUS_SPECS", "CorpusSpec", "load_corpus", "available_corpora", "default_corpus",
           "register_corpus", "session_order"]


@dataclasses.dataclass(frozen=True)
class CorpusSpec:
    """One named corpus, declared once: :func:`load_corpus`, the CLI, the cross-validation's folds and the cost
    model read it.

    Attributes
    ----------
    name : str
        The name users pass (``load_corpus("emodb")``, ``--corpus emodb``).
    folder : str
        Its sub-folder of the data root.
    marker : str
        A file or folder inside ``folder`` whose presence says the corpus is there (``"."``: the folder).
    load : callable
        ``load(folder, seed) -> table`` (columns :data:`COLUMNS` first).
    detect : callable, optional
        ``detect(folder) -> bool``: a folder passed as a path is laid out like this corpus.
    description : str
        One line for listings.
    speaker_folds : int, optional
        Speaker-disjoint folds of its cross-validation (None: not cross-validated).
    utterances : int, optional
        Utterances of the whole corpus (the cost model's size).
    generated : bool
        Made on first use (the demo corpus): no folder needs to exist.
    """

    name: str
    folder: str
    marker: str
    load: Callable[[Path, int], pd.DataFrame]
    description: str
    detect: Callable[[Path], bool] | None = None
    speaker_folds: int | None = None
    utterances: int | None = None
    generated: bool = False


#: Every named corpus, in registration order (:func:`register_corpus`).
CORPUS_SPECS: dict[str, CorpusSpec] = {}
#: Name → (sub-folder of the data root, file or folder that marks it as present): a view of :data:`CORPUS_SPECS`.
CORPORA: dict[str, tuple[str, str]] = {}


def register_corpus(spec: CorpusSpec) -> CorpusSpec:
    """Add a named corpus: after this, :func:`load_corpus`, :func:`available_corpora`, the CLI and (with
    ``speaker_folds``) the cross-validation and its cost model know it. Register before importing
    :mod:`reproduction` (its fold counts are read once, at import).

    Raises
    ------
    ParameterError
        A name already taken.
    """
    if spec.name in CORPUS_SPECS:
        raise ParameterError(f"a corpus named {spec.name!r} is already registered; pick another name.")
    CORPUS_SPECS[spec.name] = spec
    CORPORA[spec.name] = (spec.folder, spec.marker)
    return spec


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


for _spec in (
    CorpusSpec("ravdess", "ravdess", ".", lambda folder, seed: load_ravdess(folder, seed=seed),
               "RAVDESS speech, English, 24 actors", detect=lambda f: next(f.rglob("Actor_*"), None) is not None,
               speaker_folds=4, utterances=1440),
    CorpusSpec("emodb", "emodb", "wav", lambda folder, seed: load_emodb(folder, seed=seed),
               "EmoDB, German, 10 speakers", detect=lambda f: (f / "wav").is_dir(), speaker_folds=5, utterances=535),
    CorpusSpec("mosi", "mosi", "OpinionLevelSentiment.csv", lambda folder, seed: load_mosi(folder),
               "CMU-MOSI labels, audio when present", detect=lambda f: (f / "OpinionLevelSentiment.csv").is_file()),
    CorpusSpec("demo", "demo", "manifest.csv",
               lambda folder, seed: load_manifest(demo_manifest(root=folder.parent), corpus="demo", seed=seed),
               "synthetic espeak-ng corpus, generated offline", generated=True),
):
    register_corpus(_spec)


def default_corpus(*, root: str | os.PathLike | None = None) -> str:
    """The corpus a command uses when none is named: RAVDESS if present, else the synthetic demo."""
    return "ravdess" if "ravdess" in available_corpora(root=root) else "demo"


def _load_folder(folder: Path, *, seed: int) -> pd.DataFrame:
    if (folder / "manifest.csv").is_file():
        return load_manifest(folder / "manifest.csv", seed=seed)
    for spec in reversed(CORPUS_SPECS.values()):  # the latest registered first; RAVDESS's search of subfolders last
        if spec.detect is not None and spec.detect(folder):
            return spec.load(folder, seed)
    expected = ", ".join(f"{spec.marker} ({spec.name})" for spec in CORPUS_SPECS.values() if spec.detect is not None)
    raise CorpusError(
        f"{folder}: not a corpus folder: expected a manifest.csv or a layout of a named corpus: {expected}. "
        "Add a manifest.csv (columns path, speaker, emotion or score)."
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
    if isinstance(name_or_path, str) and name_or_path.lower() in CORPUS_SPECS:
        spec = CORPUS_SPECS[name_or_path.lower()]
        base = data_root(root)
        folder = base / spec.folder
        if not spec.generated and not folder.is_dir():
            raise CorpusError(
                f"corpus {spec.name!r}: folder {folder} does not exist (data root {base}). "
                f"Put the corpus there or set AFFACRNN_DATA to the folder that holds {spec.folder}/."
            )
        return spec.load(folder, seed)
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
