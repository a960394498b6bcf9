"""Frame-level acoustic features: the UB-BiLSTM branch's input (paper §3 "LSTM Layers", §4).

The paper extracts, with librosa at its defaults (22050 Hz, hop 512), seven candidate feature types
and keeps four: MFCC (13), spectral centroid (1), chroma_stft (12) and spectral contrast (7), i.e. a
``256 × 33`` matrix per utterance (§4, "Network structure parameter"; Table 2). The other three are
RMS energy, tonal centroid (tonnetz) and a spectral feature the paper does not name.

Feature types (canonical column order, see :data:`FEATURE_DIMS`)
----------------------------------------------------------------
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
    :func:`extract_features` computes one STFT per clip and derives every feature from it through
    librosa's ``S=`` arguments, estimates the chroma tuning once, reuses the mel filter bank, and
    computes frame-local features (all but MFCC's and contrast's dB scaling, and the tuning) only
    for the frames it keeps. Its output equals
    :func:`extract_features_naive` (one librosa call per feature on the raw signal, as the
    prototype did) within float32 rounding (``tests/test_features.py`` checks 1e-5 relative;
    ``benchmarks/features_speed.py`` times both).
"""
from __future__ import annotations

import dataclasses
import functools
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from affacrnn._numba import load_librosa
from affacrnn.data.audio import DEFAULT_SR, check_signal
from affacrnn.errors import FeatureError, ParameterError

__all__ = [
    "FEATURE_DIMS",
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

#: Columns per feature type, in the canonical order used by every feature matrix.
FEATURE_DIMS: "OrderedDict[str, int]" = OrderedDict(
    [
        ("mfcc", 13),
        ("centroid", 1),
        ("chroma", 12),
        ("contrast", 7),
        ("rms", 1),
        ("flatness", 1),
        ("tonnetz", 6),
    ]
)

#: The four types the paper keeps (§4): 13 + 1 + 12 + 7 = 33 columns.
PAPER_FEATURES: tuple[str, ...] = ("mfcc", "centroid", "chroma", "contrast")

#: All seven candidate types (Table 2, "Seven Types"): 41 columns.
ALL_FEATURES: tuple[str, ...] = tuple(FEATURE_DIMS)

#: Bump when a change to this module changes feature values; it is part of every cache key.
FEATURES_VERSION = "1"

_CROPS = ("head", "center")
_PADS = ("mean", "zero")
_TONNETZ_CHROMAS = ("stft", "cqt")

# Column labels within each block (used by column_names).
_ROW_LABELS: dict[str, tuple[str, ...]] = {
    "mfcc": tuple(f"mfcc_{i:02d}" for i in range(1, 14)),
    "centroid": ("centroid",),
    "chroma": tuple(
        f"chroma_{p}" for p in ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
    ),
    "contrast": tuple(f"contrast_{i}" for i in range(1, 7)) + ("contrast_valley",),
    "rms": ("rms",),
    "flatness": ("flatness",),
    "tonnetz": (
        "tonnetz_fifth_x",
        "tonnetz_fifth_y",
        "tonnetz_minor_x",
        "tonnetz_minor_y",
        "tonnetz_major_x",
        "tonnetz_major_y",
    ),
}


# --------------------------------------------------------------------------------------------
# Feature-set helpers
# --------------------------------------------------------------------------------------------
def normalize_feature_set(features: str | Iterable[str]) -> tuple[str, ...]:
    """Return ``features`` as a tuple in canonical order (that of :data:`FEATURE_DIMS`).

    Parameters
    ----------
    features : str or iterable of str
        Feature type names in any order, or one comma-separated string (``"chroma,mfcc"``).
        Names are case-insensitive; duplicates are dropped.

    Returns
    -------
    tuple of str
        The same names in canonical order, e.g. ``("mfcc", "chroma")``.

    Raises
    ------
    ParameterError
        A name is unknown (the message lists the valid ones), or the set is empty.

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
    return [label for n in normalize_feature_set(features) for label in _ROW_LABELS[n]]


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


# --------------------------------------------------------------------------------------------
# Internals shared by the fast path, the spectrum graph and the naive reference
# --------------------------------------------------------------------------------------------
def _check_input(y: Any, cfg: FeatureConfig, name: str = "y") -> np.ndarray:
    """Validate a signal: 1-D, finite, not silent, at least one frame (``n_fft``) long."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ParameterError(
            f"`{name}` must be mono audio of shape (n,); got shape {y.shape}. "
            "Average the channels first (affacrnn.data.audio.to_mono)."
        )
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(
            f"`{name}` must hold float samples in [-1, 1]; got dtype {y.dtype}. "
            "Load audio with affacrnn.load_audio, or divide integer PCM by its full scale."
        )
    check_signal(y, sr=cfg.sr, name=name, min_duration=0.0)
    if y.size < cfg.n_fft:
        raise FeatureError(
            f"`{name}` has {y.size} samples ({1000 * y.size / cfg.sr:.1f} ms), shorter than one "
            f"analysis frame (n_fft={cfg.n_fft}). Pass a clip of at least {cfg.n_fft} samples, "
            "or a smaller n_fft."
        )
    return y


def _magnitude(y: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """``|STFT(y)|`` with librosa's defaults: shape ``(1 + n_fft // 2, 1 + len(y) // hop)``."""
    librosa = load_librosa()

    return np.abs(librosa.stft(y, n_fft=cfg.n_fft, hop_length=cfg.hop_length))


@functools.lru_cache(maxsize=16)
def _mel_basis(sr: int, n_fft: int) -> np.ndarray:
    """librosa's default (Slaney, 128-band) mel filter bank, built once per (sr, n_fft)."""
    librosa = load_librosa()

    basis = librosa.filters.mel(sr=sr, n_fft=n_fft)
    basis.setflags(write=False)
    return basis


@functools.lru_cache(maxsize=64)
def _chroma_basis(sr: int, n_fft: int, tuning: float) -> np.ndarray:
    """librosa's 12-bin chroma filter bank; tuning is quantised to 0.01 bins, so few banks recur."""
    librosa = load_librosa()

    basis = librosa.filters.chroma(sr=sr, n_fft=n_fft, tuning=tuning, n_chroma=FEATURE_DIMS["chroma"])
    basis.setflags(write=False)
    return basis


def _chroma(P: np.ndarray, *, sr: int, n_fft: int, tuning: float) -> np.ndarray:
    """``librosa.feature.chroma_stft(S=P, sr=sr, tuning=tuning)`` with its filter bank cached.

    Written out because librosa rebuilds the filter bank on every call (a third of chroma's
    cost); the two lines below are librosa's own (projection, then max-normalisation per frame).
    """
    librosa = load_librosa()

    raw = np.einsum("cf,...ft->...ct", _chroma_basis(sr, n_fft, float(tuning)), P, optimize=True)
    return librosa.util.normalize(raw, norm=np.inf, axis=-2)


@functools.lru_cache(maxsize=16)
def _fft_freqs(sr: int, n_fft: int) -> np.ndarray:
    librosa = load_librosa()

    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    freqs.setflags(write=False)
    return freqs


def _centroid(S: np.ndarray, *, sr: int, n_fft: int) -> np.ndarray:
    """``librosa.feature.spectral_centroid(S=S, sr=sr)`` as one matrix product.

    librosa L1-normalises every frame and then takes the frequency-weighted sum; dividing the
    weighted sum by the frame's sum is the same number, without building the normalised copy.
    Frames whose sum is below librosa's threshold (silence) are left unnormalised, as librosa does.
    """
    total = S.sum(axis=-2, keepdims=True)
    small = total < np.finfo(S.dtype).tiny
    total = np.where(small, 1.0, total)
    return (_fft_freqs(sr, n_fft) @ S)[None, :] / total


def _estimate_tuning(
    S: np.ndarray,
    *,
    sr: int,
    bins_per_octave: int,
    fmin: float = 150.0,
    fmax: float = 4000.0,
    threshold: float = 0.1,
    resolution: float = 0.01,
) -> float:
    """``librosa.estimate_tuning(S=S, sr=sr, bins_per_octave=...)``, computed on the pitch band only.

    librosa's ``piptrack`` interpolates peaks over all ``1 + n_fft/2`` bins and then keeps those in
    ``[fmin, fmax)``. Every kept value depends only on its bin's two neighbours and on the column
    maximum, so computing the same operations on the band plus one bin either side gives the same
    numbers with a third of the work. ``tests/test_features.py`` checks equality with librosa.
    """
    librosa = load_librosa()

    try:
        from librosa.core.pitch import _parabolic_interpolation
    except ImportError:  # pragma: no cover - librosa reorganised its internals: use the public call
        return float(librosa.estimate_tuning(S=S, sr=sr, bins_per_octave=bins_per_octave))

    S = np.abs(S)
    n_fft = 2 * (S.shape[-2] - 1)
    fmin = max(fmin, 0.0)
    fmax = min(fmax, float(sr) / 2)
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    band = np.flatnonzero((fmin <= freqs) & (freqs < fmax))
    if band.size == 0:
        return 0.0
    a, b = int(band[0]), int(band[-1]) + 1
    lo, hi = max(a - 1, 0), min(b + 1, S.shape[-2])
    sub = S[lo:hi]
    ref_value = threshold * np.max(S, axis=-2, keepdims=True)
    avg = np.gradient(sub, axis=-2)
    shift = _parabolic_interpolation(sub, axis=-2)
    dskew = 0.5 * avg * shift
    peaks = librosa.util.localmax(sub * (sub > ref_value), axis=-2)
    rows, cols = np.nonzero(peaks[a - lo : b - lo])
    rows_sub = rows + (a - lo)
    pitch = ((rows + a) + shift[rows_sub, cols]) * float(sr) / n_fft
    pitch = pitch.astype(S.dtype)
    mag = (sub[rows_sub, cols] + dskew[rows_sub, cols]).astype(S.dtype)
    positive = pitch > 0
    thresh = np.median(mag[positive]) if positive.any() else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "empty frequency set" -> tuning 0.0
        return float(
            librosa.pitch_tuning(
                pitch[(mag >= thresh) & positive], resolution=resolution, bins_per_octave=bins_per_octave
            )
        )


def _keep_slice(n_available: int, cfg: FeatureConfig) -> slice:
    """The frames a clip keeps: all of them if it is short, else ``n_frames`` (head or centre)."""
    if n_available <= cfg.n_frames:
        return slice(0, n_available)
    start = 0 if cfg.crop == "head" else (n_available - cfg.n_frames) // 2
    return slice(start, start + cfg.n_frames)


def _fit_frames(F: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Crop or pad a ``(D, T)`` block (T frames already kept) to ``(n_frames, D)`` float32."""
    F = np.asarray(F, dtype=np.float32)
    T = F.shape[1]
    if T > cfg.n_frames:
        F = F[:, _keep_slice(T, cfg)]
    elif T < cfg.n_frames:
        if cfg.pad == "mean":
            fill = np.mean(F, axis=1, keepdims=True)
        else:
            fill = np.zeros((F.shape[0], 1), dtype=np.float32)
        F = np.concatenate([F, np.repeat(fill, cfg.n_frames - T, axis=1)], axis=1)
    out = np.ascontiguousarray(F.T, dtype=np.float32)
    if not np.all(np.isfinite(out)):  # pragma: no cover - guarded against by _check_input
        raise FeatureError(
            "feature matrix holds NaN/Inf values; the signal passed the input checks, so please "
            "report this with the clip."
        )
    return out


def _features_from_magnitude(y: np.ndarray, S: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """The fast path: every requested feature from one magnitude spectrogram ``S``."""
    librosa = load_librosa()

    sr, wanted = cfg.sr, set(cfg.features)
    T = S.shape[1]
    keep = _keep_slice(T, cfg)
    Sk = S[:, keep]
    P = None
    if wanted & {"mfcc", "chroma", "tonnetz"}:
        P = S**2  # power spectrogram, exactly as librosa's _spectrogram(power=2)
    blocks: dict[str, np.ndarray] = {}
    if "mfcc" in wanted:
        # The dB conversion clips at (global max - 80 dB), so the mel spectrogram covers all frames.
        mel = np.einsum("...ft,mf->...mt", P, _mel_basis(sr, cfg.n_fft), optimize=True)
        log_mel = librosa.power_to_db(mel)
        blocks["mfcc"] = librosa.feature.mfcc(S=log_mel[:, keep], n_mfcc=FEATURE_DIMS["mfcc"])
    if "centroid" in wanted:
        blocks["centroid"] = _centroid(Sk, sr=sr, n_fft=cfg.n_fft)
    chroma = None
    if "chroma" in wanted or ("tonnetz" in wanted and cfg.tonnetz_chroma == "stft"):
        # Tuning depends on the whole clip: estimated once, from every frame.
        tuning = _estimate_tuning(P, sr=sr, bins_per_octave=12)
        chroma = _chroma(P[:, keep], sr=sr, n_fft=cfg.n_fft, tuning=tuning)
        if "chroma" in wanted:
            blocks["chroma"] = chroma
    if "contrast" in wanted:
        # Not frame-local: its dB conversion clips at (global max - 80 dB), so all frames go in.
        blocks["contrast"] = librosa.feature.spectral_contrast(S=S, sr=sr)[:, keep]
    if "rms" in wanted:
        blocks["rms"] = librosa.feature.rms(y=y, frame_length=cfg.n_fft, hop_length=cfg.hop_length)[:, keep]
    if "flatness" in wanted:
        blocks["flatness"] = librosa.feature.spectral_flatness(S=Sk)
    if "tonnetz" in wanted:
        if cfg.tonnetz_chroma == "cqt":
            # chroma_cqt estimates tuning from |STFT| at n_fft=2048, hop 512: reuse ours when it is that one.
            tuning36 = (
                _estimate_tuning(S, sr=sr, bins_per_octave=36)
                if (cfg.n_fft, cfg.hop_length) == (2048, 512)
                else None
            )
            cq = librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=cfg.hop_length, tuning=tuning36)
            chroma_t = _match_frames(cq, T)[:, keep]
        else:
            chroma_t = chroma
        blocks["tonnetz"] = librosa.feature.tonnetz(chroma=chroma_t)
    F = np.concatenate([blocks[n] for n in cfg.features], axis=0)
    return _fit_frames(F, cfg)


def _match_frames(F: np.ndarray, T: int) -> np.ndarray:
    """Trim or edge-extend a ``(rows, T')`` block to ``T`` frames (CQT and STFT grids may differ by one)."""
    if F.shape[1] == T:
        return F
    if F.shape[1] > T:
        return F[:, :T]
    return np.pad(F, ((0, 0), (0, T - F.shape[1])), mode="edge")


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
    y = _check_input(y, cfg)
    return _features_from_magnitude(y, _magnitude(y, cfg), cfg)


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
    y = _check_input(y, cfg)
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
    T = blocks[cfg.features[0]].shape[1]
    F = np.concatenate([_match_frames(blocks[n], T) for n in cfg.features], axis=0)
    return _fit_frames(F, cfg)
