"""The fast path of :func:`affacrnn.features.extract_features`: every feature from one STFT.

Speed without changing numbers: one magnitude spectrogram per clip; every feature derived from it
through librosa's ``S=`` arguments; the chroma tuning estimated once, on the pitch band only; the
mel and chroma filter banks built once per (sr, n_fft) and reused; frame-local features computed
only for the frames a clip keeps. The output equals
:func:`affacrnn.features.frames.extract_features_naive` (one librosa call per feature, as the
authors' prototype) within float32 rounding: ``tests/test_features.py`` checks it and
``benchmarks/features_speed.py`` times both. A few librosa steps are written out here (cached
filter banks, the centroid as one product, tuning on the band, :func:`parabolic_shifts`):
librosa has no call that reuses its filter banks or restricts ``piptrack`` to a band.

Notebook: book/05_features.ipynb
"""
from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

from affacrnn._numba import load_librosa
from affacrnn.data.audio import check_signal
from affacrnn.errors import FeatureError, ParameterError
from affacrnn.features.layout import FEATURE_DIMS, FEATURE_TYPES, ClipSpectrum, FeatureConfig

__all__ = ["check_input", "magnitude", "features_from_magnitude", "estimate_tuning", "parabolic_shifts", "fit_frames",
           "match_frames", "registered_block"]


def parabolic_shifts(x: np.ndarray, *, axis: int = -2) -> np.ndarray:
    """Offsets of the parabola through each bin and its two neighbours (the peak's sub-bin position).

    librosa's private ``librosa.core.pitch._parabolic_interpolation`` (0.10–0.11, ISC licence),
    written with numpy here because a private name can change in any release: at bin ``n``,
    ``a = x[n+1] + x[n-1] - 2 x[n]``, ``b = (x[n+1] - x[n-1]) / 2``, shift ``-b / a``, and 0 where
    the optimum lies outside ``[n-1, n+1]`` (``|b| >= |a|``) and at both edges.
    ``tests/test_features.py`` checks it equals librosa's.

    Parameters
    ----------
    x : np.ndarray [shape=(..., n, ...)]
        Values to interpolate along ``axis``.
    axis : int
        The axis of bins.

    Returns
    -------
    np.ndarray [shape=x.shape]
        The shift of each bin's parabola optimum, in bins.
    """
    xi = np.moveaxis(x, axis, -1)
    prev, mid, nxt = xi[..., :-2], xi[..., 1:-1], xi[..., 2:]
    # librosa's numba stencil sums neighbours in x's dtype and mixes in Python ints, which numba
    # promotes to float64; the same steps here give the same numbers to the last bit.
    a = (nxt + prev).astype(np.float64) - 2.0 * mid.astype(np.float64)
    b = (nxt - prev).astype(np.float64) / 2.0
    shifts = np.zeros_like(xi)
    with np.errstate(divide="ignore", invalid="ignore"):
        shifts[..., 1:-1] = np.where(np.abs(b) >= np.abs(a), 0.0, -b / a)
    return np.moveaxis(shifts, -1, axis)


def check_input(y: Any, cfg: FeatureConfig, name: str = "y") -> np.ndarray:
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


def magnitude(y: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
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


def estimate_tuning(
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
    shift = parabolic_shifts(sub, axis=-2)
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


def fit_frames(F: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
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
    if not np.all(np.isfinite(out)):  # pragma: no cover - guarded against by check_input
        raise FeatureError(
            "feature matrix holds NaN/Inf values; the signal passed the input checks, so please "
            "report this with the clip."
        )
    return out


def features_from_magnitude(y: np.ndarray, S: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
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
        tuning = estimate_tuning(P, sr=sr, bins_per_octave=12)
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
                estimate_tuning(S, sr=sr, bins_per_octave=36)
                if (cfg.n_fft, cfg.hop_length) == (2048, 512)
                else None
            )
            cq = librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=cfg.hop_length, tuning=tuning36)
            chroma_t = match_frames(cq, T)[:, keep]
        else:
            chroma_t = chroma
        blocks["tonnetz"] = librosa.feature.tonnetz(chroma=chroma_t)
    for name in wanted - set(blocks):
        blocks[name] = registered_block(name, y, S, cfg)[:, keep]
    F = np.concatenate([blocks[n] for n in cfg.features], axis=0)
    return fit_frames(F, cfg)


def registered_block(name: str, y: np.ndarray, S: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """A registered feature type's ``(dims, T)`` block over every frame of ``S``, its shape checked."""
    feature = FEATURE_TYPES[name]
    block = np.asarray(feature.compute(ClipSpectrum(y=y, S=S, config=cfg)), dtype=np.float32)
    if block.shape != (feature.dims, S.shape[1]):
        raise FeatureError(f"feature type {name!r} computed a block of shape {block.shape}; it must be "
                           f"({feature.dims}, {S.shape[1]}): one row per column, one column per STFT frame.")
    return block


def match_frames(F: np.ndarray, T: int) -> np.ndarray:
    """Trim or edge-extend a ``(rows, T')`` block to ``T`` frames (CQT and STFT grids may differ by one)."""
    if F.shape[1] == T:
        return F
    if F.shape[1] > T:
        return F[:, :T]
    return np.pad(F, ((0, 0), (0, T - F.shape[1])), mode="edge")
