"""Frame-level acoustic features: the UB-BiLSTM branch's input (paper §3 "LSTM Layers", §4).

The paper extracts, with librosa at its defaults (22050 Hz, hop 512), seven candidate feature types
and keeps four: MFCC (13), spectral centroid (1), chroma_stft (12) and spectral contrast (7), i.e. a
``256 × 33`` matrix per utterance (§4, "Network structure parameter"; Table 2). The other three are
RMS energy, tonal centroid (tonnetz) and a spectral feature the paper does not name.

Feature types (canonical column order, see :data:`FEATURE_DIMS`; more with ``register_feature``)
-------------------------------------------------------------------------------------------------
========= ==== ==================================================================================
name      cols librosa definition (all on one STFT: Hann window, ``center=True``, constant padding)
========= ==== ==================================================================================
mfcc      13   ``feature.mfcc(n_mfcc=13)`` of the Slaney mel power spectrogram in dB
centroid  1    ``feature.spectral_centroid`` of the magnitude spectrogram
chroma    12   ``feature.chroma_stft`` of the power spectrogram, tuning estimated from the clip
contrast  7    ``feature.spectral_contrast`` (6 bands + valley row) of the magnitude spectrogram
rms       1    ``feature.rms(y=y, frame_length=n_fft)``: time-domain RMS per frame
flatness  1    ``feature.spectral_flatness`` (Wiener entropy) of the magnitude spectrogram
tonnetz   6    ``feature.tonnetz`` of a chroma (``chroma_stft`` by default, see below)
========= ==== ==================================================================================

The seventh, unnamed type: spectral flatness
    The paper lists "MFCC, root-mean-square energy, spectral and tonal features" and names six. We
    pick **spectral flatness** for the seventh. It measures how noise-like (flat) versus tone-like
    (peaky) each frame is, which tracks breathy, whispered or tense phonation; none of the other six
    measures that. The usual alternatives, spectral bandwidth and roll-off, are largely redundant
    with the centroid (all three follow where the energy sits), and zero-crossing rate is not a
    spectral feature. Flatness is also the cheapest of them (0.5 ms per 10 s clip). This is our
    choice, not the authors'.

Tonnetz and its chroma
    ``librosa.feature.tonnetz(y=y)`` computes its own constant-Q chroma (``chroma_cqt``), a
    separate transform that costs ~5× all the other features together. By default
    (``tonnetz_chroma="stft"``) we feed tonnetz the same ``chroma_stft`` that the chroma columns
    hold, i.e. ``librosa.feature.tonnetz(chroma=librosa.feature.chroma_stft(y=y, sr=sr, ...))``.
    Its values therefore differ from a bare ``tonnetz(y=y)`` call. Pass
    ``tonnetz_chroma="cqt"`` for librosa's own default definition (slower, same numbers as
    ``librosa.feature.tonnetz(y=y, sr=sr, hop_length=...)``).

Frames: head crop, mean padding (the authors' prototype)
    Each utterance becomes exactly ``n_frames`` rows. A clip with more frames keeps the first
    ``n_frames`` (``crop="head"``, as the prototype's ``feature.T[0:256]``; ``crop="center"``
    keeps the middle ones). A clip with fewer frames is extended with each column's mean over its
    real frames (``pad="mean"``, the prototype's ``Extended_array``), so padding adds no new
    values to a column's range; ``pad="zero"`` appends zeros instead. At hop 512 and 22050 Hz,
    256 frames are 5.94 s.

Speed without changing numbers
    :func:`extract_features` computes one STFT per clip and derives every feature from it
    (:mod:`affacrnn.features.fastpath`). Its output equals
    :func:`extract_features_naive` (one librosa call per feature on the raw signal, as the
    prototype did) within float32 rounding (``tests/test_features.py`` checks 1e-5 relative;
    ``benchmarks/features_speed.py`` times both).

The feature types, their columns and :class:`FeatureConfig` live in :mod:`affacrnn.features.layout`
and are re-exported here.

Notebook: book/05_features.ipynb
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from affacrnn._numba import load_librosa
from affacrnn.data.audio import DEFAULT_SR
from affacrnn.errors import ParameterError
from affacrnn.features.fastpath import (check_input, features_from_magnitude, fit_frames, magnitude, match_frames,
                                        registered_block)
from affacrnn.features.layout import (
    ALL_FEATURES,
    FEATURE_DIMS,
    FEATURE_TYPES,
    ClipSpectrum,
    FeatureType,
    register_feature,
    FEATURES_VERSION,
    PAPER_FEATURES,
    FeatureConfig,
    column_blocks,
    column_names,
    n_columns,
    normalize_feature_set,
)

__all__ = [
    "FEATURE_DIMS",
    "FEATURE_TYPES",
    "FeatureType",
    "ClipSpectrum",
    "register_feature",
    "PAPER_FEATURES",
    "ALL_FEATURES",
    "FEATURES_VERSION",
    "FeatureConfig",
    "n_columns",
    "normalize_feature_set",
    "column_blocks",
    "column_names",
    "extract_features",
    "extract_features_naive",
]


def _config(
    config: FeatureConfig | None,
    *,
    sr: int,
    features: Sequence[str] | str,
    n_fft: int,
    hop_length: int,
    n_frames: int,
    crop: str,
    pad: str,
    tonnetz_chroma: str,
) -> FeatureConfig:
    if config is not None:
        if not isinstance(config, FeatureConfig):
            raise ParameterError(
                f"`config` must be a FeatureConfig; got {type(config).__name__}. "
                "Pass affacrnn.FeatureConfig(...)."
            )
        return config
    return FeatureConfig(
        sr=sr,
        n_fft=n_fft,
        hop_length=hop_length,
        n_frames=n_frames,
        features=tuple(normalize_feature_set(features)),
        crop=crop,
        pad=pad,
        tonnetz_chroma=tonnetz_chroma,
    )


# --------------------------------------------------------------------------------------------
# Public extraction functions
# --------------------------------------------------------------------------------------------
def extract_features(
    y: np.ndarray,
    *,
    sr: int = DEFAULT_SR,
    features: Sequence[str] | str = PAPER_FEATURES,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_frames: int = 256,
    crop: str = "head",
    pad: str = "mean",
    tonnetz_chroma: str = "stft",
    config: FeatureConfig | None = None,
) -> np.ndarray:
    """Frame-level feature matrix of one utterance (paper §4: ``256 × 33``).

    One STFT is computed and every feature is derived from it (see the module notes); the numbers
    equal those of separate librosa calls (:func:`extract_features_naive`).

    Parameters
    ----------
    y : np.ndarray [shape=(n,), float]
        Mono samples at rate ``sr``, at least ``n_fft`` long, finite, not silent.
    sr : int
        Sampling rate in Hz (paper: 22050).
    features : sequence of str or str
        Feature types in any order (canonical order is used for the columns); default the paper's
        four, :data:`PAPER_FEATURES`. See :data:`FEATURE_DIMS` for all seven.
    n_fft, hop_length : int
        STFT frame length (even) and hop in samples (paper: 2048, 512).
    n_frames : int
        Rows of the result (paper: 256); longer clips are cropped, shorter ones padded.
    crop : {"head", "center"}
        Which frames a longer clip keeps (prototype: the first ``n_frames``).
    pad : {"mean", "zero"}
        How a shorter clip is extended (prototype: each column's mean).
    tonnetz_chroma : {"stft", "cqt"}
        Chroma fed to tonnetz: ``"stft"`` (default, shared with the chroma columns) or ``"cqt"``
        (librosa's own default, slower).
    config : FeatureConfig, optional
        All of the above in one object; when given, it replaces the individual arguments.

    Returns
    -------
    np.ndarray [shape=(n_frames, D), dtype=float32]
        ``D = n_columns(features)``; :func:`column_blocks` names the column ranges. Never NaN.

    Raises
    ------
    ParameterError
        Unknown feature name (the valid ones are listed) or an out-of-range parameter.
    AudioError
        ``y`` is empty, silent (peak below -80 dBFS) or holds NaN/Inf.
    FeatureError
        ``y`` is shorter than one analysis frame (``n_fft`` samples).

    See Also
    --------
    extract_features_naive : the same matrix from separate librosa calls (the prototype's way).
    affacrnn.features.spectrogram.extract_all : features and spectrum graph from one STFT.
    affacrnn.features.cache.featurize_corpus : a whole corpus, in parallel, cached.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(22050 * 2) / 22050
    >>> y = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    >>> extract_features(y, sr=22050).shape
    (256, 33)
    """
    cfg = _config(
        config,
        sr=sr,
        features=features,
        n_fft=n_fft,
        hop_length=hop_length,
        n_frames=n_frames,
        crop=crop,
        pad=pad,
        tonnetz_chroma=tonnetz_chroma,
    )
    y = check_input(y, cfg)
    return features_from_magnitude(y, magnitude(y, cfg), cfg)


def extract_features_naive(
    y: np.ndarray,
    *,
    sr: int = DEFAULT_SR,
    features: Sequence[str] | str = PAPER_FEATURES,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_frames: int = 256,
    crop: str = "head",
    pad: str = "mean",
    tonnetz_chroma: str = "stft",
    config: FeatureConfig | None = None,
) -> np.ndarray:
    """The reference: one librosa call per feature on the raw signal, as the authors' prototype did.

    Each call computes its own STFT (and chroma its own tuning); all frames are computed, then the
    same crop/pad policy as :func:`extract_features` is applied. Kept for tests, the benchmark
    and the book's "build it, then the library call" comparison; use :func:`extract_features`.

    Parameters
    ----------
    y, sr, features, n_fft, hop_length, n_frames, crop, pad, tonnetz_chroma, config
        As in :func:`extract_features`.

    Returns
    -------
    np.ndarray [shape=(n_frames, D), dtype=float32]
        Equal to ``extract_features(y, ...)`` within float32 rounding.
    """
    librosa = load_librosa()

    cfg = _config(
        config,
        sr=sr,
        features=features,
        n_fft=n_fft,
        hop_length=hop_length,
        n_frames=n_frames,
        crop=crop,
        pad=pad,
        tonnetz_chroma=tonnetz_chroma,
    )
    y = check_input(y, cfg)
    kw = dict(n_fft=cfg.n_fft, hop_length=cfg.hop_length)
    blocks: dict[str, np.ndarray] = {}
    for name in cfg.features:
        if name == "mfcc":
            blocks[name] = librosa.feature.mfcc(y=y, sr=cfg.sr, n_mfcc=13, **kw)
        elif name == "centroid":
            blocks[name] = librosa.feature.spectral_centroid(y=y, sr=cfg.sr, **kw)
        elif name == "chroma":
            blocks[name] = librosa.feature.chroma_stft(y=y, sr=cfg.sr, **kw)
        elif name == "contrast":
            blocks[name] = librosa.feature.spectral_contrast(y=y, sr=cfg.sr, **kw)
        elif name == "rms":
            blocks[name] = librosa.feature.rms(y=y, frame_length=cfg.n_fft, hop_length=cfg.hop_length)
        elif name == "flatness":
            blocks[name] = librosa.feature.spectral_flatness(y=y, **kw)
        elif name == "tonnetz":
            if cfg.tonnetz_chroma == "cqt":
                ton = librosa.feature.tonnetz(y=y, sr=cfg.sr, hop_length=cfg.hop_length)
            else:
                ton = librosa.feature.tonnetz(chroma=librosa.feature.chroma_stft(y=y, sr=cfg.sr, **kw))
            blocks[name] = ton
        else:  # a registered type: its own function of the clip's STFT
            blocks[name] = registered_block(name, y, magnitude(y, cfg), cfg)
    T = blocks[cfg.features[0]].shape[1]
    F = np.concatenate([match_frames(blocks[n], T) for n in cfg.features], axis=0)
    return fit_frames(F, cfg)
