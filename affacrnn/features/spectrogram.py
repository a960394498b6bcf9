"""Spectrum graphs: the SBCNN branch's input image (paper §3 "CNN Layers", §4).

The paper feeds each utterance's spectrum graph, "warped into a fixed size of 512 × 512", to a CNN.
The authors' prototype drew it with matplotlib's ``specgram`` (a linear-frequency, dB-scaled STFT),
saved the figure as a PNG and resized it with OpenCV's area interpolation. We compute the same kind
of picture directly as numbers, without a figure or a colour map:

1. the power STFT ``|STFT(y)|²`` (Hann window, ``n_fft``/``hop_length``, librosa's defaults),
2. in dB relative to the clip's loudest bin, floored at ``-top_db``: ``librosa.power_to_db(P,
   ref=np.max, top_db=top_db)``, then mapped linearly to ``[0, 1]`` (0 = ``-top_db`` dB or
   quieter, 1 = the loudest bin),
3. warped to ``size × size`` by area averaging (each output pixel is the mean of the input
   cells it covers, fractional cells weighted by overlap; OpenCV's ``INTER_AREA`` when shrinking).

Rows are frequency, from 0 Hz (row 0) up to ``sr / 2`` on a linear scale, as in the prototype's
figure; columns are time, the whole utterance stretched to ``size`` columns. The paper's size is
512; the CPU default here is 128 (``DESIGN.md``: ResNet at 512² does not train on a laptop).

``scale="mel"`` (beyond the paper, an option of the recipe) replaces step 3's frequency warp with
librosa's mel filter bank of ``size`` bands from 0 Hz to ``sr / 2`` (applied to the power, before
the dB step): at 64 rows a linear graph gives F0 and its first harmonics (≈ 100–1000 Hz) 5
rows, the mel graph 18. A purely logarithmic axis is not offered: at CPU sizes its lowest
bands are narrower than one FFT bin (64 bands from 100 Hz: 7.5 Hz wide, against 10.8 Hz bins at
``n_fft=2048``), so they would be empty.

:func:`extract_all` returns the feature matrix and the spectrum graph from one STFT, which is
what :func:`affacrnn.features.cache.featurize_corpus` uses.

Notebook: book/07_sbcnn.ipynb
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from affacrnn._numba import load_librosa
from affacrnn.data.audio import DEFAULT_SR
from affacrnn.errors import ParameterError
from affacrnn.features.fastpath import check_input, features_from_magnitude, magnitude
from affacrnn.features.layout import FeatureConfig

__all__ = ["spectrum_graph", "extract_all", "plot_spectrum_graph", "area_resize_matrix", "graph_from_magnitude",
           "check_size", "check_scale", "GRAPH_SCALES"]

#: Frequency axes of a spectrum graph: the paper's linear one, or librosa's mel filter bank.
GRAPH_SCALES = ("linear", "mel")


def check_size(size: Any) -> int:
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or not 8 <= size <= 4096:
        raise ParameterError(
            f"`size` (image side in pixels) must be an int in [8, 4096]; got {size!r}. "
            "Pass e.g. size=128 (CPU) or size=512 (the paper)."
        )
    return int(size)


def check_scale(scale: Any) -> str:
    if scale not in GRAPH_SCALES:
        raise ParameterError(
            f"`scale` (the graph's frequency axis) must be one of {', '.join(map(repr, GRAPH_SCALES))}; got {scale!r}. "
            "Pass 'linear' (the paper's) or 'mel'."
        )
    return str(scale)


@functools.lru_cache(maxsize=16)
def _mel_bank(sr: int, n_fft: int, n_bands: int) -> np.ndarray:
    """librosa's mel filter bank (Slaney area-normalised), read-only ``(n_bands, 1 + n_fft // 2)``."""
    W = load_librosa().filters.mel(sr=sr, n_fft=n_fft, n_mels=n_bands, fmin=0.0, fmax=sr / 2).astype(np.float32)
    W.setflags(write=False)
    return W


def _check_top_db(top_db: Any) -> float:
    try:
        value = float(top_db)
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        raise ParameterError(
            f"`top_db` must be a positive number of dB; got {top_db!r}. Pass e.g. top_db=80.0."
        )
    return value


@functools.lru_cache(maxsize=64)
def area_resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Weights ``W`` of shape ``(n_out, n_in)`` such that ``W @ x`` area-resamples ``x`` to ``n_out``.

    Output cell ``i`` covers input interval ``[i·n_in/n_out, (i+1)·n_in/n_out)``; its value is the
    overlap-weighted mean of the input cells it touches (rows of ``W`` sum to 1). Shrinking this
    is OpenCV's ``INTER_AREA``; enlarging it repeats cells (nearest neighbour with blended edges).

    Parameters
    ----------
    n_in, n_out : int
        Input and output lengths (>= 1).

    Returns
    -------
    np.ndarray [shape=(n_out, n_in), dtype=float32]
        Read-only.
    """
    edges = np.arange(n_out + 1, dtype=np.float64) * (n_in / n_out)
    lo, hi = edges[:-1, None], edges[1:, None]
    cells = np.arange(n_in, dtype=np.float64)[None, :]
    overlap = np.clip(np.minimum(hi, cells + 1) - np.maximum(lo, cells), 0.0, None)
    W = (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)
    W.setflags(write=False)
    return W


def graph_from_magnitude(S: np.ndarray, *, size: int, top_db: float, scale: str = "linear",
                         sr: int = DEFAULT_SR) -> np.ndarray:
    """Spectrum graph from a magnitude spectrogram ``S`` (shape ``(1 + n_fft/2, T)``).

    ``scale="linear"`` area-warps the dB image's rows to ``size``; ``"mel"`` first sums the power
    into ``size`` mel bands (``sr`` and ``n_fft = 2 (rows - 1)`` define the bank), then takes dB.
    """
    librosa = load_librosa()

    power = S**2 if scale == "linear" else _mel_bank(int(sr), 2 * (S.shape[0] - 1), size) @ (S**2)
    img = (librosa.power_to_db(power, ref=np.max, top_db=top_db) + top_db) / top_db
    if scale == "linear":  # the mel bank already has `size` rows
        img = area_resize_matrix(img.shape[0], size) @ img
    img = img @ area_resize_matrix(img.shape[1], size).T
    return np.clip(img, 0.0, 1.0).astype(np.float32, copy=False)


def spectrum_graph(
    y: np.ndarray,
    *,
    sr: int = DEFAULT_SR,
    size: int = 128,
    n_fft: int = 2048,
    hop_length: int = 512,
    top_db: float = 80.0,
    scale: str = "linear",
) -> np.ndarray:
    """Square spectrum-graph image of one utterance, values in ``[0, 1]`` (paper §4: 512 × 512).

    Parameters
    ----------
    y : np.ndarray [shape=(n,), float]
        Mono samples at rate ``sr`` (at least ``n_fft`` long, finite, not silent).
    sr : int
        Sampling rate in Hz (paper: 22050).
    size : int
        Side of the square image in pixels (paper: 512; CPU default 128).
    n_fft, hop_length : int
        STFT frame length (even) and hop in samples.
    top_db : float
        Dynamic range shown: bins more than ``top_db`` dB below the loudest map to 0.
    scale : {"linear", "mel"}
        Frequency axis: linear as in the paper's figure, or ``size`` mel bands (0 Hz to ``sr/2``).

    Returns
    -------
    np.ndarray [shape=(size, size), dtype=float32]
        Row 0 is 0 Hz, the last row ``sr/2`` (linear or mel frequency); columns span the whole clip.
        ``1.0`` is the clip's loudest bin, ``0.0`` is ``top_db`` dB below it or quieter.

    Raises
    ------
    ParameterError
        ``size``, ``top_db``, ``scale``, ``n_fft`` or ``hop_length`` out of range.
    AudioError, FeatureError
        As :func:`affacrnn.features.frames.extract_features` (silent, NaN/Inf, shorter than ``n_fft``).

    See Also
    --------
    plot_spectrum_graph : draw it like the paper's figure.
    extract_all : features and spectrum graph from one STFT.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32) * 0.1
    >>> img = spectrum_graph(y, sr=22050, size=64)
    >>> img.shape, float(img.min()) >= 0.0, float(img.max()) <= 1.0
    ((64, 64), True, True)
    """
    cfg = FeatureConfig(sr=sr, n_fft=n_fft, hop_length=hop_length, features=("centroid",))  # STFT settings only
    size = check_size(size)
    top_db = _check_top_db(top_db)
    scale = check_scale(scale)
    y = check_input(y, cfg)
    return graph_from_magnitude(magnitude(y, cfg), size=size, top_db=top_db, scale=scale, sr=sr)


def extract_all(
    y: np.ndarray,
    *,
    config: FeatureConfig | None = None,
    image_size: int | None = 128,
    top_db: float = 80.0,
    graph_scale: str = "linear",
) -> tuple[np.ndarray, np.ndarray | None]:
    """Feature matrix and spectrum graph of one utterance from a single STFT.

    Parameters
    ----------
    y : np.ndarray [shape=(n,), float]
        Mono samples at rate ``config.sr``.
    config : FeatureConfig, optional
        Feature parameters (default ``FeatureConfig()``, the paper's 256 × 33); its ``sr``,
        ``n_fft`` and ``hop_length`` also define the graph's STFT.
    image_size : int or None
        Side of the spectrum graph; ``None`` skips it.
    top_db : float
        Dynamic range of the graph in dB.
    graph_scale : {"linear", "mel"}
        The graph's frequency axis (:func:`spectrum_graph`'s ``scale``).

    Returns
    -------
    features : np.ndarray [shape=(n_frames, D), dtype=float32]
        Equal to ``extract_features(y, config=config)``.
    graph : np.ndarray [shape=(image_size, image_size), dtype=float32] or None
        Equal to ``spectrum_graph(y, sr=..., size=image_size, n_fft=..., hop_length=..., scale=graph_scale)``.
    """
    cfg = FeatureConfig() if config is None else config
    if not isinstance(cfg, FeatureConfig):
        raise ParameterError(
            f"`config` must be a FeatureConfig; got {type(cfg).__name__}. Pass affacrnn.FeatureConfig(...)."
        )
    size = None if image_size is None else check_size(image_size)
    top_db = _check_top_db(top_db)
    graph_scale = check_scale(graph_scale)
    y = check_input(y, cfg)
    S = magnitude(y, cfg)
    feats = features_from_magnitude(y, S, cfg)
    graph = None if size is None else graph_from_magnitude(S, size=size, top_db=top_db, scale=graph_scale, sr=cfg.sr)
    return feats, graph


def plot_spectrum_graph(
    img: np.ndarray,
    *,
    ax: Any = None,
    sr: int = DEFAULT_SR,
    duration: float | None = None,
    top_db: float = 80.0,
    cmap: str = "magma",
    colorbar: bool = True,
    title: str | None = None,
) -> Any:
    """Draw a spectrum graph like the paper's figure: time across, frequency up, loudness as colour.

    Parameters
    ----------
    img : np.ndarray [shape=(size, size)]
        From :func:`spectrum_graph` (values in ``[0, 1]``, row 0 = 0 Hz).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure's axes.
    sr : int
        Sampling rate the graph was made at; labels the frequency axis (0 to ``sr/2`` Hz).
    duration : float, optional
        Clip length in seconds for the time axis; default: label columns 0..1 (relative time).
    top_db : float
        The graph's dynamic range; the colour bar is labelled in dB (``-top_db`` to 0).
    cmap : str
        Matplotlib colour map.
    colorbar : bool
        Add a colour bar.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.image.AxesImage
        The drawn image (``.axes`` is the axes).
    """
    import matplotlib.pyplot as plt

    img = np.asarray(img)
    if img.ndim != 2:
        raise ParameterError(
            f"`img` must be a 2-D spectrum graph of shape (size, size); got shape {img.shape}. "
            "Pass the output of spectrum_graph()."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    t_max = 1.0 if duration is None else float(duration)
    im = ax.imshow(
        (img - 1.0) * top_db,
        origin="lower",
        aspect="auto",
        cmap=cmap,
        vmin=-top_db,
        vmax=0.0,
        extent=(0.0, t_max, 0.0, sr / 2000.0),
        interpolation="nearest",
    )
    ax.set_xlabel("time (s)" if duration is not None else "time (relative)")
    ax.set_ylabel("frequency (kHz)")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label="dB re. loudest bin")
    return im
