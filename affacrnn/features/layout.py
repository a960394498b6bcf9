"""The feature types and their column layout, and :class:`FeatureConfig` (how a clip becomes a matrix).

:data:`FEATURE_TYPES` declares every feature type once (its columns, their labels, what it measures)
and fixes the canonical column order of every feature matrix (MFCC 13, centroid 1, chroma 12,
contrast 7, RMS 1, flatness 1, tonnetz 6, then any type added with :func:`register_feature`, which
brings its own ``compute`` from a :class:`ClipSpectrum`); :data:`PAPER_FEATURES` are the paper's
four (256 × 33). :func:`column_blocks` says where each type's columns are, so any subset of a
matrix of all seven is a column slice. :mod:`affacrnn.features.frames` explains each type.

Notebook: book/05_features.ipynb
"""
from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from affacrnn.data.audio import DEFAULT_SR
from affacrnn.errors import ParameterError

__all__ = ["real_frames", "FEATURE_DIMS", "PAPER_FEATURES", "ALL_FEATURES", "FEATURES_VERSION", "FeatureConfig", "n_columns",
           "normalize_feature_set", "column_blocks", "column_names", "ROW_LABELS", "FeatureType", "FEATURE_TYPES",
           "ClipSpectrum", "register_feature"]

@dataclasses.dataclass(frozen=True)
class ClipSpectrum:
    """What a registered feature type computes from: one clip's signal and its magnitude STFT.

    Attributes
    ----------
    y : np.ndarray [shape=(n_samples,)]
        The clip at ``config.sr``.
    S : np.ndarray [shape=(1 + n_fft // 2, T)]
        ``|STFT|`` of ``y`` (Hann window, ``center=True``), every frame.
    config : FeatureConfig
    """

    y: np.ndarray
    S: np.ndarray
    config: "FeatureConfig"


@dataclasses.dataclass(frozen=True)
class FeatureType:
    """One feature type of the frame matrices, declared once.

    Attributes
    ----------
    name : str
        Its name in ``features=`` and ``--features`` (lower case).
    dims : int
        Columns it adds to a matrix.
    labels : tuple of str
        One label per column (:func:`column_names`).
    description : str
        One line: what it measures and how.
    compute : callable, optional
        ``compute(ClipSpectrum) -> array (dims, T)`` over every STFT frame. ``None`` for the seven
        built-in types, which :mod:`affacrnn.features.fastpath` derives together from one STFT
        (sharing the power spectrum, the mel spectrogram and the chroma between types is where
        its speed comes from, so they are not written as separate functions).
    version : str
        Part of the feature cache key of a registered type; change it when ``compute`` changes.
    """

    name: str
    dims: int
    labels: tuple[str, ...]
    description: str
    compute: Callable[[ClipSpectrum], np.ndarray] | None = None
    version: str = ""


_PITCHES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
#: Every feature type, in the canonical column order of every feature matrix (:func:`register_feature` adds).
FEATURE_TYPES: "OrderedDict[str, FeatureType]" = OrderedDict()
#: Columns per feature type (a view of :data:`FEATURE_TYPES`).
FEATURE_DIMS: "OrderedDict[str, int]" = OrderedDict()
#: Column labels per feature type (a view of :data:`FEATURE_TYPES`; used by :func:`column_names`).
ROW_LABELS: dict[str, tuple[str, ...]] = {}


def register_feature(feature: FeatureType) -> FeatureType:
    """Add a feature type: configs, extraction, the cache, the command line and the widgets accept its name.

    Its columns come after those of the types registered before it. Refuses a name taken, a
    name with a comma or upper case, a type with no columns, labels that do not match ``dims``,
    and (after the built-in seven) a type without ``compute``.
    """
    name = feature.name
    if name in FEATURE_TYPES:
        raise ParameterError(f"feature type {name!r} is already registered; pick another name.")
    if not name or name != name.strip().lower() or "," in name:
        raise ParameterError(f"feature type name {name!r} must be non-empty, lower case, without commas or spaces.")
    if not isinstance(feature.dims, int) or feature.dims < 1 or len(feature.labels) != feature.dims:
        raise ParameterError(f"feature type {name!r}: `dims` must be an int >= 1 with one label per column; got "
                             f"dims={feature.dims!r} and {len(feature.labels)} labels.")
    if feature.compute is None and len(FEATURE_TYPES) >= len(_BUILT_IN):
        raise ParameterError(f"feature type {name!r} needs `compute` (a function of a ClipSpectrum returning "
                             f"({feature.dims}, T) values).")
    FEATURE_TYPES[name] = feature
    FEATURE_DIMS[name] = feature.dims
    ROW_LABELS[name] = tuple(feature.labels)
    return feature


_BUILT_IN = (
    FeatureType("mfcc", 13, tuple(f"mfcc_{i:02d}" for i in range(1, 14)),
                "13 MFCCs of the Slaney mel power spectrogram in dB"),
    FeatureType("centroid", 1, ("centroid",), "spectral centroid of the magnitude spectrogram"),
    FeatureType("chroma", 12, tuple(f"chroma_{p}" for p in _PITCHES),
                "chroma_stft of the power spectrogram, tuning estimated from the clip"),
    FeatureType("contrast", 7, (*(f"contrast_{i}" for i in range(1, 7)), "contrast_valley"),
                "spectral contrast: 6 octave bands and the valley row"),
    FeatureType("rms", 1, ("rms",), "time-domain RMS energy per frame"),
    FeatureType("flatness", 1, ("flatness",), "spectral flatness (Wiener entropy) of the magnitude spectrogram"),
    FeatureType("tonnetz", 6, ("tonnetz_fifth_x", "tonnetz_fifth_y", "tonnetz_minor_x", "tonnetz_minor_y",
                               "tonnetz_major_x", "tonnetz_major_y"), "tonal centroid of a chroma"),
)
for _feature in _BUILT_IN:
    register_feature(_feature)

#: The four types the paper keeps (§4): 13 + 1 + 12 + 7 = 33 columns.
PAPER_FEATURES: tuple[str, ...] = ("mfcc", "centroid", "chroma", "contrast")

#: The seven built-in types (41 columns); :data:`FEATURE_TYPES` also holds any registered later.
ALL_FEATURES: tuple[str, ...] = tuple(f.name for f in _BUILT_IN)

#: Bump when a change to feature extraction (fastpath, frames) changes feature values; it is part of
#: every cache key.
FEATURES_VERSION = "1"

_CROPS = ("head", "center")
_PADS = ("mean", "zero")
_TONNETZ_CHROMAS = ("stft", "cqt")


# --------------------------------------------------------------------------------------------
# Feature-set helpers
# --------------------------------------------------------------------------------------------
def normalize_feature_set(features: str | Iterable[str], *, repeats: bool = True) -> tuple[str, ...]:
    """Return ``features`` as a tuple in canonical order (that of :data:`FEATURE_DIMS`).

    Parameters
    ----------
    features : str or iterable of str
        Feature type names in any order, or one comma-separated string (``"chroma,mfcc"``).
        Names are case-insensitive; duplicates are dropped.
    repeats : bool
        False refuses a name given twice (a run's config: ``--features mfcc,mfcc`` is a typo, not a
        set).

    Returns
    -------
    tuple of str
        The same names in canonical order, e.g. ``("mfcc", "chroma")``.

    Raises
    ------
    ParameterError
        A name is unknown (the message lists the valid ones), the set is empty, or (with
        ``repeats=False``) a name is given twice.

    Examples
    --------
    >>> normalize_feature_set(["contrast", "mfcc"])
    ('mfcc', 'contrast')
    """
    if isinstance(features, str):
        names = [f for f in features.split(",")]
    else:
        try:
            names = list(features)
        except TypeError:
            raise ParameterError(
                f"`features` must be a sequence of feature names; got {features!r}. "
                f"Pass e.g. features={PAPER_FEATURES!r}."
            ) from None
    cleaned = []
    for name in names:
        if not isinstance(name, str):
            raise ParameterError(
                f"`features` must hold feature names (str); got {name!r}. "
                f"Valid names: {', '.join(FEATURE_DIMS)}."
            )
        cleaned.append(name.strip().lower())
    unknown = [n for n in cleaned if n not in FEATURE_DIMS]
    if unknown:
        raise ParameterError(
            f"`features` holds unknown name(s) {unknown!r}. "
            f"Valid names: {', '.join(FEATURE_DIMS)}."
        )
    if not cleaned:
        raise ParameterError(
            f"`features` must name at least one feature type; got {features!r}. "
            f"Valid names: {', '.join(FEATURE_DIMS)}."
        )
    repeated = sorted({n for n in cleaned if cleaned.count(n) > 1})
    if repeated and not repeats:
        raise ParameterError(f"`features` names {', '.join(repeated)} more than once; got {features!r}. Name each "
                             "feature type once.")
    chosen = set(cleaned)
    return tuple(n for n in FEATURE_DIMS if n in chosen)


def n_columns(features: str | Iterable[str] = PAPER_FEATURES) -> int:
    """Number of columns ``D`` of a feature matrix holding ``features`` (33 for the paper's four)."""
    return sum(FEATURE_DIMS[n] for n in normalize_feature_set(features))


def column_blocks(features: str | Iterable[str] = PAPER_FEATURES) -> "OrderedDict[str, slice]":
    """Map each feature type to the column slice it occupies, in canonical order.

    Name the blocks instead of hard-coding ``data[:, :, 13:14]`` (the prototype's habit).

    Examples
    --------
    >>> column_blocks()["chroma"]
    slice(14, 26, None)
    """
    out: OrderedDict[str, slice] = OrderedDict()
    start = 0
    for name in normalize_feature_set(features):
        out[name] = slice(start, start + FEATURE_DIMS[name])
        start += FEATURE_DIMS[name]
    return out


def column_names(features: str | Iterable[str] = PAPER_FEATURES) -> list[str]:
    """One label per column, e.g. ``["mfcc_01", ..., "centroid", "chroma_C", ...]``."""
    return [label for n in normalize_feature_set(features) for label in ROW_LABELS[n]]


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------
def _check_int(name: str, value: Any, *, low: int, fix: str, even: bool = False) -> None:
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= low
    if ok and even and value % 2:
        ok = False
    if not ok:
        rule = f"an {'even ' if even else ''}int >= {low}"
        raise ParameterError(f"`{name}` must be {rule}; got {value!r}. {fix}")


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ParameterError(
            f"`{name}` must be one of {', '.join(map(repr, choices))}; got {value!r}. "
            f"Pass e.g. {name}={choices[0]!r}."
        )


@dataclasses.dataclass(frozen=True)
class FeatureConfig:
    """Everything that determines a feature matrix (and so a feature-cache entry).

    Parameters
    ----------
    sr : int
        Sampling rate in Hz the audio is loaded at (paper: librosa's default 22050).
    n_fft : int
        STFT frame length in samples (even; librosa's default 2048).
    hop_length : int
        Samples between frames (paper: 512).
    n_frames : int
        Rows per utterance (paper: 256).
    features : tuple of str
        Feature types; stored in canonical order (paper: :data:`PAPER_FEATURES`).
    crop : {"head", "center"}
        Which ``n_frames`` frames a longer clip keeps (prototype: head).
    pad : {"mean", "zero"}
        How a shorter clip is extended (prototype: each column's mean).
    tonnetz_chroma : {"stft", "cqt"}
        Which chroma the tonnetz columns are computed from (see the module notes).

    Raises
    ------
    ParameterError
        A field is out of range; the message names it, the rule, the value and a fix.

    Examples
    --------
    >>> cfg = FeatureConfig()
    >>> cfg.n_columns
    33
    >>> FeatureConfig(features=["chroma", "mfcc"]).features
    ('mfcc', 'chroma')
    """

    sr: int = DEFAULT_SR
    n_fft: int = 2048
    hop_length: int = 512
    n_frames: int = 256
    features: tuple[str, ...] = PAPER_FEATURES
    crop: str = "head"
    pad: str = "mean"
    tonnetz_chroma: str = "stft"

    def __post_init__(self) -> None:
        _check_int("sr", self.sr, low=1000, fix="Pass a sampling rate in Hz, e.g. sr=22050.")
        _check_int(
            "n_fft",
            self.n_fft,
            low=16,
            even=True,
            fix="Pass an even frame length, e.g. n_fft=2048 (librosa infers n_fft from a "
            "spectrogram as 2 * (rows - 1), so an odd one would change the frequency grid).",
        )
        _check_int("hop_length", self.hop_length, low=1, fix="Pass e.g. hop_length=512.")
        _check_int("n_frames", self.n_frames, low=1, fix="Pass the rows wanted per utterance, e.g. n_frames=256.")
        _check_choice("crop", self.crop, _CROPS)
        _check_choice("pad", self.pad, _PADS)
        _check_choice("tonnetz_chroma", self.tonnetz_chroma, _TONNETZ_CHROMAS)
        object.__setattr__(self, "features", normalize_feature_set(self.features))
        if "contrast" in self.features and self.sr <= 12800:  # librosa's top contrast band starts at 6400 Hz
            raise ParameterError(
                f"`sr` must be > 12800 Hz for the 'contrast' feature (its 6 octave bands from 200 Hz need a "
                f"Nyquist above 6400 Hz); got {self.sr!r}. Load the audio at sr=22050 (load_audio resamples)."
            )
        for name in ("sr", "n_fft", "hop_length", "n_frames"):
            object.__setattr__(self, name, int(getattr(self, name)))

    @property
    def n_columns(self) -> int:
        """Columns ``D`` of the matrices this config produces."""
        return n_columns(self.features)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_frames, D)``, the shape of one utterance's feature matrix."""
        return (self.n_frames, self.n_columns)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict of the fields (``FeatureConfig(**d)`` rebuilds it)."""
        d = dataclasses.asdict(self)
        d["features"] = list(self.features)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "FeatureConfig":
        """Inverse of :meth:`to_dict`."""
        return cls(**{**d, "features": tuple(d.get("features", PAPER_FEATURES))})


def real_frames(n_samples: int, config: FeatureConfig) -> int:
    """Rows of an utterance's ``(n_frames, D)`` matrix that hold its own frames, not padding.

    A centred STFT of ``n`` samples has ``1 + n // hop_length`` frames (librosa's framing with
    ``center=True``); the matrix keeps at most ``n_frames`` of them.
    """
    return int(min(config.n_frames, 1 + int(n_samples) // config.hop_length))
