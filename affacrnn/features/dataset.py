"""From a corpus table to model inputs: labels, split, features, spectrum graphs, contexts.

:func:`prepare` does, in order (paper §3, Algorithm 1):

1. the label scheme → ``label`` / ``y`` columns (rows it does not classify are dropped);
2. a split (speaker-disjoint by default; MOSI: the paper's split with validation videos taken
   from the training rows) → ``split`` column — unless the table already has one;
3. features ``(n, n_frames, D)`` and spectrum graphs ``(n, size, size)`` for every utterance,
   cached on disk (:func:`affacrnn.features.cache.featurize`);
4. a :class:`~affacrnn.features.normalize.FeatureScaler` fitted on the **training rows only**;
5. three-utterance context windows (:func:`affacrnn.data.context.context_windows`).

:meth:`Prepared.inputs` then gathers, for one part, the model's input dict
``{"features": (n, C, n_frames, D), "graphs": (n, C, size, size, 1)}``.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd
import psutil

from affacrnn.data.context import context_windows
from affacrnn.data.corpora import load_corpus
from affacrnn.data.labels import LabelScheme, apply_scheme
from affacrnn.data.splits import SPLITS, mosi_paper_split, speaker_split
from affacrnn.errors import CorpusError, ParameterError
from affacrnn.features.cache import featurize, resolve_cache_dir
from affacrnn.features.entries import content_hash
from affacrnn.features.frames import FeatureConfig, column_blocks, normalize_feature_set
from affacrnn.features.perturb import PERTURBED_SUBDIR, perturbed_copies, scratch_folder
from affacrnn.features.normalize import (FeatureScaler, real_rows, speaker_prior, speaker_standardize,
                                        speaker_standardize_graphs, standardize_graphs, zero_padding)

__all__ = ["InputSettings", "Prepared", "prepare", "split_table", "scale_features"]


@runtime_checkable
class InputSettings(Protocol):
    """What :func:`prepare` reads of a run's settings: an :class:`~affacrnn.models.config.AFFConfig` is one.

    The config lives above this module (with the networks it also describes), so this is its side
    that turns a corpus into inputs, typed here: corpus, scheme and split, feature and graph
    settings, normalisation, context and the training copies.
    """

    corpus: str
    seed: int
    val_size: float
    test_size: float
    n_frames: int
    sr: int
    image_size: int
    graph_scale: str
    graph_norm: str
    normalization: str
    mask_padding: bool
    context: int
    perturb: tuple[str, ...]

    @property
    def scheme(self) -> LabelScheme: ...

    @property
    def uses_features(self) -> bool: ...

    @property
    def uses_graphs(self) -> bool: ...

    def feature_config(self) -> FeatureConfig: ...


@dataclass
class Prepared:
    """Everything a model needs from one labelled, split corpus table.

    Attributes
    ----------
    table : pandas.DataFrame
        The labelled table with ``split``, ``label`` and ``y``.
    classes : tuple of str
        Class names; ``y`` indexes them.
    windows : np.ndarray [shape=(n, C)]
        Context windows (row indices), target in the middle.
    features : np.ndarray [shape=(n, n_frames, D)] or None
        Scaled feature matrices (None when the model uses no features).
    graphs : np.ndarray [shape=(n, size, size)] or None
        Spectrum graphs in [0, 1] (None when the model uses none).
    scaler : FeatureScaler or None
        Fitted on the real frames of the training rows.
    lengths : np.ndarray [shape=(n,)] or None
        Real frames per utterance (the rest of each matrix is padding, zeroed when
        ``config.mask_padding``); None for tables built by hand.
    """

    table: pd.DataFrame
    classes: tuple[str, ...]
    windows: np.ndarray
    features: np.ndarray | None
    graphs: np.ndarray | None
    scaler: object | None
    lengths: np.ndarray | None = None
    _index: dict = field(default_factory=dict, repr=False)

    def rows(self, part: str) -> np.ndarray:
        """Positional indices of the rows of ``part`` (``"train"``, ``"validation"``, ``"test"``, or ``"all"``)."""
        if part == "all":
            return np.arange(len(self.table))
        if part not in SPLITS:
            raise ParameterError(f"`part` must be one of {', '.join(SPLITS)} or 'all'; got {part!r}.")
        if part not in self._index:
            self._index[part] = np.flatnonzero(self.table["split"].to_numpy() == part)
        return self._index[part]

    def inputs(self, part: str) -> dict[str, np.ndarray]:
        """The model's input dict for the rows of ``part`` (windows gathered per target)."""
        w = self.windows[self.rows(part)]
        out = {}
        if self.features is not None:
            out["features"] = self.features[w]
        if self.graphs is not None:
            out["graphs"] = self.graphs[w][..., None]
        return out

    def labels(self, part: str) -> np.ndarray:
        """Integer classes ``[shape=(n_part,)]`` of the rows of ``part``."""
        return self.table["y"].to_numpy()[self.rows(part)]

    def select(self, *, have: Sequence[str], features: Sequence[str] | None, graphs: bool = True) -> "Prepared":
        """A view with only the columns of ``features``, out of data featurised with ``have``.

        One featurisation of all seven types serves every subset (chapter 6's ablation, the
        feature tables of chapter 10): a subset is a column slice, and the scaler is sliced with it.

        Parameters
        ----------
        have : sequence of str
            The feature types ``self.features`` holds, in column order.
        features : sequence of str or None
            The types to keep (any order; kept in ``have``'s order); None keeps no features.
        graphs : bool
            Keep the spectrum graphs (they must be there).

        Returns
        -------
        Prepared
            Same table, classes and windows; ``features [shape=(n, n_frames, D')]``.
        """
        have = normalize_feature_set(have)
        kept = scaler = None
        if features is not None:
            features = normalize_feature_set(features)
            blocks = column_blocks(have)
            missing = [f for f in features if f not in blocks]
            if missing or self.features is None:
                raise ParameterError(f"features {missing or list(features)!r} were not featurised (have {list(have)!r}); "
                                     "prepare with features= that include them.")
            if features == have:
                kept, scaler = self.features, self.scaler
            else:
                cols = np.concatenate([np.arange(blocks[f].start, blocks[f].stop) for f in features])
                kept = np.ascontiguousarray(self.features[..., cols])
                scaler = self.scaler.select_columns(cols) if getattr(self.scaler, "mean_", None) is not None else self.scaler
        if graphs and self.graphs is None:
            raise ParameterError("spectrum graphs were not computed for this preparation; prepare it with a "
                                 "config that uses graphs (architecture 'sbcnn' or 'affacrnn').")
        return Prepared(table=self.table, classes=self.classes, windows=self.windows, features=kept,
                        graphs=self.graphs if graphs else None, scaler=scaler, lengths=self.lengths)


def split_table(table: pd.DataFrame, *, val_size: float, test_size: float, seed: int) -> pd.DataFrame:
    """The default split of a table: the paper's for MOSI, speaker-disjoint otherwise (kept if present)."""
    if "split" in table and table["split"].notna().all():
        table = table.copy()
        table.attrs["split_given"] = True  # the corpus's own split: its messages say so
        return table
    if "row" in table and str(table.attrs.get("corpus")) == "mosi":
        return mosi_paper_split(table, val_size=val_size, seed=seed)
    return speaker_split(table, test_size=test_size, val_size=val_size, seed=seed)


def corpus_fingerprint(data: "Prepared", *, name: str) -> dict:
    """What a model was trained on: ``{"name", "fingerprint", "utterances"}``.

    The fingerprint hashes every labelled utterance's id, speaker and class (not the split, not the
    paths), so the same corpus found in another folder matches and another corpus under the same
    name (a ``clips/manifest.csv`` relative to another folder) does not. Perturbed copies of the
    training rows (``config.perturb``) are not the corpus: they are left out.
    """
    import hashlib

    t = data.table
    if "perturbation" in t.columns:
        t = t[t["perturbation"] == ""]
    rows = sorted(
        f"{u}\t{s}\t{data.classes[y]}" for u, s, y in zip(t["utterance_id"].astype(str), t["speaker"].astype(str), t["y"])
    )
    digest = hashlib.blake2b("\n".join(rows).encode(), digest_size=12).hexdigest()
    return {"name": str(name), "fingerprint": digest, "utterances": len(rows)}


def _available_bytes() -> int | None:
    """Memory available to start new work now (psutil's ``available``: free memory plus the page cache the
    kernel can reclaim — a machine that has read the corpus once has little *free* memory), or None where unknown."""
    try:
        return int(psutil.virtual_memory().available)
    except (OSError, RuntimeError, AttributeError):  # pragma: no cover - a platform psutil cannot read
        return None


def _check_memory(n_utterances: int, config: InputSettings) -> None:
    """Refuse sizes whose arrays cannot fit in memory, before anything is allocated.

    The feature matrices and graphs are float32, and the context windows hold each utterance up
    to ``context`` times; half the available memory is the limit (the model needs the rest).
    """
    feats = config.n_frames * config.feature_config().n_columns * 4 if config.uses_features else 0
    graphs = config.image_size**2 * 4 if config.uses_graphs else 0
    need = n_utterances * (feats + graphs) * (1 + config.context)
    free = _available_bytes()
    if free is not None and need > free // 2:
        name = "n_frames" if feats >= graphs else "image_size"
        raise ParameterError(
            f"`{name}` = {getattr(config, name)} needs about {need / 2**30:.1f} GiB for {n_utterances} utterances, "
            f"more than half the {free / 2**30:.1f} GiB available. Pass a smaller {name} (paper: "
            f"{'256 frames' if name == 'n_frames' else '512 pixels'}) or fewer utterances."
        )


def _check_one_speaker_per_recording(table: pd.DataFrame) -> None:
    """Refuse the same audio (by content) listed under two speakers: a speaker-disjoint split would
    put a test speaker's recordings in training under the other name.

    The featuriser hashes the same files again for its cache keys; a second read costs 0.06–0.15 ms
    per file (measured on RAVDESS, :func:`content_hash`), far below featurising one.
    """
    digests = pd.Series([content_hash(p, row=i) for i, p in enumerate(table["path"])], index=table.index)
    speakers = table.groupby(digests)["speaker"].nunique()
    shared = speakers[speakers > 1]
    if len(shared):
        rows = table[digests == shared.index[0]]
        pairs = ", ".join(f"{p} ({s})" for p, s in zip(rows["path"].astype(str)[:3], rows["speaker"].astype(str)[:3]))
        raise CorpusError(f"corpus {table.attrs.get('corpus', '?')!r}: the same recording is listed under several "
                          f"speakers: {pairs}{' and more' if len(shared) > 1 else ''}; a speaker-disjoint split would "
                          "leak it into training. Keep each recording once, under its real speaker.")


def prepare(
    config: InputSettings,
    *,
    table: pd.DataFrame | None = None,
    scaler=None,
    cache_dir=None,
    n_jobs: int | None = None,
    progress: bool = True,
) -> Prepared:
    """Label, split, featurise, scale and window a corpus for ``config``.

    Parameters
    ----------
    config : InputSettings
        Which corpus, scheme, features, graph size, context and split fractions (an ``AFFConfig``).
    table : pandas.DataFrame, optional
        A corpus table (default: ``load_corpus(config.corpus)``); a ``split`` column is kept.
    scaler : FeatureScaler, optional
        An already fitted scaler (e.g. a saved model's); default: fit one on the training rows.
    cache_dir : path-like, optional
        Feature cache folder (default :func:`affacrnn.settings.cache_dir`).
    n_jobs : int, optional
        Parallel featurisation workers.
    progress : bool
        Show a progress bar while featurising.

    Returns
    -------
    Prepared
    """
    if table is None:
        table = load_corpus(config.corpus, seed=config.seed)
    scheme = config.scheme
    labelled = apply_scheme(table, scheme)
    labelled = split_table(labelled, val_size=config.val_size, test_size=config.test_size, seed=config.seed)
    if labelled["path"].isna().any():
        raise ParameterError(
            f"corpus {labelled.attrs.get('corpus', '?')!r} has rows without audio (labels-only MOSI?); "
            "models need audio. Put the audio under the data root or pick a corpus with audio."
        )
    _check_one_speaker_per_recording(labelled)
    with contextlib.ExitStack() as stack:
        if config.perturb:
            labelled = _with_perturbed_copies(labelled, config, cache_dir=cache_dir, n_jobs=n_jobs, progress=progress,
                                              stack=stack)
        _check_memory(len(labelled), config)
        out = featurize(
            labelled,
            config=config.feature_config(),
            image_size=config.image_size if config.uses_graphs else None,
            graph_scale=config.graph_scale,
            cache_dir=cache_dir,
            n_jobs=n_jobs,
            progress=progress,
            lengths=True,
        )
    X, G, lengths = out.X, out.graphs, out.lengths
    if not config.uses_features:
        X = None
    if X is not None:
        X, scaler = scale_features(X, lengths=lengths, table=labelled, config=config, scaler=scaler)
    if G is not None and config.graph_norm == "standard":
        G = standardize_graphs(G)
    elif G is not None and config.graph_norm == "speaker":
        G = speaker_standardize_graphs(G, groups=normalization_groups(labelled, "speaker"))
    windows = context_windows(labelled, size=config.context)
    return Prepared(table=labelled, classes=scheme.classes, windows=windows, features=X, graphs=G, scaler=scaler,
                    lengths=lengths)


def _with_perturbed_copies(labelled: pd.DataFrame, config: InputSettings, *, cache_dir, n_jobs, progress,
                           stack: contextlib.ExitStack) -> pd.DataFrame:
    """``labelled`` and, after it, ``config.perturb``'s copies of its training rows (new speakers, split
    ``"train"``); the copies' audio goes to the cache root's ``perturbed/`` folder, or to a scratch folder
    ``stack`` removes when the cache is off."""
    root = resolve_cache_dir(cache_dir)
    if root is None:
        folder = stack.enter_context(scratch_folder())
    else:
        folder = root.parent / PERTURBED_SUBDIR
    train = labelled[labelled["split"] == "train"]
    copies = perturbed_copies(train, tags=config.perturb, sr=config.sr, folder=folder,
                              n_jobs=n_jobs, progress=progress)
    out = pd.concat([labelled.assign(perturbation=""), copies], ignore_index=True)
    out.attrs = dict(labelled.attrs)
    return out


def normalization_groups(table: pd.DataFrame, normalization: str) -> np.ndarray:
    """Whose statistics standardise each row: its speaker (``"speaker"``) or its corpus (``"corpus"``)."""
    if normalization == "speaker":
        speaker = table["speaker"].astype(str)
        if "corpus" in table.columns and table["corpus"].nunique() > 1:  # EmoDB's "03" is not RAVDESS's "03"
            speaker = table["corpus"].astype(str) + ":" + speaker
        return speaker.to_numpy()
    if "corpus" in table.columns:
        return table["corpus"].astype(str).to_numpy()
    return np.full(len(table), str(table.attrs.get("corpus", "corpus")))


def scale_features(X: np.ndarray, *, lengths: np.ndarray, table: pd.DataFrame, config: InputSettings, scaler=None):
    """Standardise feature matrices as ``config`` says; fit the scaler on training rows if none is given.

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_frames, D)]
        Raw features of the rows of ``table``.
    lengths : np.ndarray [shape=(n,)]
        Real frames per row.
    table : pandas.DataFrame
        With ``speaker`` (for ``normalization="speaker"``; ``corpus`` or ``attrs["corpus"]`` for
        ``"corpus"``) and, to fit a scaler, ``split``.
    config : InputSettings
        ``normalization`` and ``mask_padding`` (an ``AFFConfig``).
    scaler : FeatureScaler, optional
        Already fitted (a saved model's); default: fit on the training rows' real frames
        (all frames with ``mask_padding=False``, the prototype's way).

    Returns
    -------
    X : np.ndarray [shape=(n, n_frames, D), float32]
        Scaled; padding rows exactly 0 when ``config.mask_padding``.
    scaler : FeatureScaler
    """
    raw = X
    if config.normalization != "global":
        groups = normalization_groups(table, config.normalization)
        X = speaker_standardize(X, lengths=lengths, groups=groups)
    if scaler is None:
        train = np.flatnonzero(table["split"].to_numpy() == "train")
        fit_on = real_rows(X[train], lengths[train]) if config.mask_padding else X[train]
        scaler = FeatureScaler().fit(fit_on)
        if config.normalization == "speaker":  # the typical training speaker, for recordings too short for their own
            scaler.speaker_mean_, scaler.speaker_sd_ = speaker_prior(raw[train], lengths=lengths[train],
                                                                     groups=groups[train])
    X = scaler.transform(X).astype(np.float32, copy=False)
    if config.mask_padding:
        zero_padding(X, lengths)
    return X, scaler
