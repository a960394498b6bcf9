"""Split a recording into utterances at its silences (step 2 of :func:`affacrnn.inference.predict`).

Like :func:`librosa.effects.split`, a frame (``n_fft`` / ``hop_length`` of the model's config, in
seconds, measured at the file's own rate) is *speech* when its energy is within :data:`TOP_DB` dB
of the loudest frame of the whole recording. Speech runs separated by less than
:data:`MIN_SILENCE` seconds are joined; each utterance gets :data:`EDGE_PAD` seconds of the
surrounding audio on both sides (as the training clips have); one longer than
:data:`MAX_UTTERANCE` is cut into equal parts; one shorter than :data:`MIN_UTTERANCE` is widened
into its surroundings; a blip with less than :data:`MIN_VOICED` seconds of speech is dropped
(unless it is all there is).

A file is read in blocks (:class:`FileSource`, any format soundfile decodes, channels averaged),
so a one-hour recording never sits in memory at once; :class:`ArraySource` gives an array the
same interface. librosa's ``split`` needs the whole signal in memory, hence this streaming
version (checked against it in ``tests/test_inference.py``).

Notebook: book/11_inference.ipynb
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import soundfile as sf
from numpy.lib.stride_tricks import sliding_window_view

from affacrnn.data.audio import SILENCE_PEAK, check_signal, open_sound, to_mono
from affacrnn.errors import AudioError, ParameterError
from affacrnn.models.config import AFFConfig

__all__ = ["TOP_DB", "MIN_SILENCE", "MIN_UTTERANCE", "MAX_UTTERANCE", "EDGE_PAD", "MIN_VOICED", "BLOCK_FRAMES",
           "ArraySource", "FileSource", "split_source", "segmentation", "split_utterances"]

#: A frame is speech when its energy is within this many dB of the recording's loudest frame.
#: librosa's default is 60 dB (meant for trimming digital silence); 40 dB separates speech from
#: room noise in RAVDESS/EmoDB-like recordings while keeping soft syllables.
TOP_DB = 40.0
#: Pauses shorter than this (seconds) do not end an utterance (pauses between words are shorter).
MIN_SILENCE = 0.5
#: Shortest utterance in seconds; a shorter one is widened symmetrically into its surroundings.
MIN_UTTERANCE = 1.0
#: Longest utterance in seconds; a longer one is cut into equal parts. (Features see the first
#: ``n_frames · hop_length / sr`` seconds of an utterance — 5.9 s in the paper's setting — and the
#: spectrum graph all of it.)
MAX_UTTERANCE = 10.0
#: Seconds of surrounding audio kept on each side of an utterance (never past half the pause).
EDGE_PAD = 0.2
#: An utterance with less speech than this (seconds) is a click or breath and is dropped.
MIN_VOICED = 0.1
#: Frames read per block while streaming a file (about 47 s at 22050 Hz).
BLOCK_FRAMES = 1 << 20


# --------------------------------------------------------------------------------------------
# Audio sources: the same interface for a file (streamed) and an in-memory array
# --------------------------------------------------------------------------------------------
class ArraySource:
    def __init__(self, y: Any, sr: Any):
        if sr is None or not isinstance(sr, (int, np.integer)) or isinstance(sr, bool) or sr <= 0:
            raise ParameterError(
                f"`sr` must be a positive int in Hz when passing samples; got {sr!r}. Pass e.g. sr=16000."
            )
        y = np.asarray(y)
        if not np.issubdtype(y.dtype, np.floating):
            raise ParameterError(
                f"audio samples must be floats in [-1, 1]; got dtype {y.dtype}. "
                "Divide integer PCM by its full scale (e.g. y / 32768) first."
            )
        self.y = to_mono(y)
        self.samplerate = int(sr)
        self.frames = int(self.y.size)
        self.name = "audio array"

    def blocks(self, size: int, overlap: int) -> Iterator[np.ndarray]:
        step = size - overlap
        for start in range(0, max(self.frames, 1), step):
            yield self.y[start : start + size]

    def read(self, start: int, stop: int) -> np.ndarray:
        return self.y[start:stop]

    def close(self) -> None:
        pass


class FileSource:
    def __init__(self, path: str | os.PathLike):

        self.path = Path(path).expanduser()
        self.name = str(self.path)
        if not self.path.exists():
            raise AudioError(f"{self.name}: no such file. Check the path.")
        if self.path.is_dir():
            raise AudioError(f"{self.name}: is a folder, not an audio file. Pass the path of one file.")
        if self.path.stat().st_size == 0:
            raise AudioError(f"{self.name}: is an empty (0-byte) file. Replace it with a complete recording.")
        self.file = open_sound(self.path, name=self.name)
        self.samplerate = int(self.file.samplerate)
        self.frames = int(self.file.frames)

    def _decode_error(self, exc: Exception) -> AudioError:
        reason = str(exc).split(":")[-1].strip() or type(exc).__name__
        return AudioError(f"{self.name}: decoding failed part-way ({reason}). The file may be truncated; re-export it.")

    def blocks(self, size: int, overlap: int) -> Iterator[np.ndarray]:
        step = size - overlap
        try:
            for start in range(0, max(self.frames, 1), step):
                self.file.seek(start)
                yield to_mono(self.file.read(size, dtype="float32", always_2d=True))
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise self._decode_error(exc) from None

    def read(self, start: int, stop: int) -> np.ndarray:
        try:
            self.file.seek(start)
            return to_mono(self.file.read(stop - start, dtype="float32", always_2d=True))
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise self._decode_error(exc) from None

    def close(self) -> None:
        self.file.close()


# --------------------------------------------------------------------------------------------
# Splitting at silences
# --------------------------------------------------------------------------------------------
def _frame_energy(source, *, frame_length: int, hop: int) -> tuple[np.ndarray, float]:
    """AC energy (variance) of frames ``[k·hop, k·hop + frame_length)`` over the whole source, streamed.

    Blocks overlap by ``frame_length - hop`` samples, so each frame lies inside one block. The
    frame's mean is removed, so a constant (DC) offset counts as silence, not as sound.
    Returns the energies and the largest frame RMS (the source's level).
    """
    n_hops = max(BLOCK_FRAMES // hop, 1)
    size = n_hops * hop + frame_length - hop
    out: list[np.ndarray] = []
    peak = 0.0
    n_frames = max(1, 1 + (source.frames - 1) // hop) if source.frames else 0
    for block in source.blocks(size, frame_length - hop):
        check_signal(block, sr=source.samplerate, name=source.name, min_duration=0.0, allow_silent=True)
        if block.size == 0:
            break
        if block.size < size:  # the last block: pad with its last sample so its partial frames exist
            block = np.pad(block, (0, size - block.size), mode="edge")
        x = block.astype(np.float64)
        mean = sliding_window_view(x, frame_length)[::hop].mean(axis=1)[:n_hops]
        power = sliding_window_view(x**2, frame_length)[::hop].mean(axis=1)[:n_hops]
        var = np.maximum(power - mean**2, 0.0)
        out.append(var)
        peak = max(peak, float(np.sqrt(var.max())) if var.size else 0.0)
    energy = np.concatenate(out)[:n_frames] if out else np.zeros(0)
    return energy, peak


def _runs(mask: np.ndarray) -> np.ndarray:
    """``(n, 2)`` [start, stop) index pairs of the runs of True in a boolean vector."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)], axis=1)


def _utterances_from_energy(
    energy: np.ndarray,
    *,
    sr: int,
    n_samples: int,
    frame_length: int,
    hop: int,
    top_db: float,
    min_silence: float,
    min_utterance: float,
    max_utterance: float,
    edge_pad: float,
    min_voiced: float,
) -> np.ndarray:
    """Utterance spans ``(n, 2)`` in samples from frame energies (see the module docstring)."""
    if energy.size == 0 or n_samples == 0:
        return np.zeros((0, 2), dtype=np.int64)
    ref = float(energy.max())
    with np.errstate(divide="ignore"):
        db = 10.0 * np.log10(np.maximum(energy, 1e-30) / max(ref, 1e-30))
    runs = _runs(db > -top_db)
    # frames -> samples: frame k covers [k·hop, k·hop + frame_length)
    spans = [[int(a) * hop, min(int(b - 1) * hop + frame_length, n_samples)] for a, b in runs]
    voiced = [float((b - a) * hop) / sr for a, b in runs]
    # join runs separated by short pauses
    joined: list[list[int]] = []
    joined_voiced: list[float] = []
    for (s, e), v in zip(spans, voiced):
        if joined and s - joined[-1][1] < min_silence * sr:
            joined[-1][1] = max(joined[-1][1], e)
            joined_voiced[-1] += v
        else:
            joined.append([s, e])
            joined_voiced.append(v)
    keep = [i for i, v in enumerate(joined_voiced) if v >= min_voiced]
    if not keep:  # only blips: keep the loudest-looking (longest) one rather than nothing
        keep = [int(np.argmax(joined_voiced))]
    joined = [joined[i] for i in keep]
    # pad into the surrounding pauses, never past half of a pause
    pad = int(round(edge_pad * sr))
    padded = []
    for i, (s, e) in enumerate(joined):
        lo = 0 if i == 0 else (joined[i - 1][1] + s) // 2
        hi = n_samples if i == len(joined) - 1 else (e + joined[i + 1][0]) // 2
        padded.append((max(s - pad, lo), min(e + pad, hi)))
    # cut long ones into equal parts, widen short ones
    max_len = max(int(round(max_utterance * sr)), 1)
    min_len = min(int(round(min_utterance * sr)), n_samples)
    out: list[tuple[int, int]] = []
    for s, e in padded:
        parts = max(1, math.ceil((e - s) / max_len))
        bounds = np.linspace(s, e, parts + 1).round().astype(np.int64)
        for a, b in zip(bounds[:-1], bounds[1:]):
            a, b = int(a), int(b)
            if b - a < min_len:
                grow = min_len - (b - a)
                a = a - grow // 2
                b = b + (grow - grow // 2)
                if a < 0:
                    a, b = 0, b - a
                if b > n_samples:
                    a, b = max(a - (b - n_samples), 0), n_samples
            out.append((a, b))
    return np.asarray(out, dtype=np.int64).reshape(-1, 2)


def split_source(source, *, config, top_db, min_silence, min_utterance, max_utterance, edge_pad, min_voiced):
    sr = source.samplerate
    frame_length = max(int(round(config.n_fft * sr / config.sr)), 2)
    hop = max(int(round(config.hop_length * sr / config.sr)), 1)
    energy, peak = _frame_energy(source, frame_length=frame_length, hop=hop)
    if source.frames == 0:
        raise AudioError(f"{source.name}: contains no samples. Pass a recording with sound in it.")
    if peak < SILENCE_PEAK:
        raise AudioError(
            f"{source.name}: is silent or constant (no variation above -80 dBFS; a DC offset is not sound). "
            "Check the recording."
        )
    if source.frames < frame_length:  # not one analysis frame: there is nothing to classify
        raise AudioError(
            f"{source.name}: is {1000 * source.frames / sr:.1f} ms long, shorter than the minimum "
            f"{1000 * frame_length / sr:.0f} ms (one analysis frame of the model). Pass a longer recording."
        )
    return _utterances_from_energy(
        energy,
        sr=sr,
        n_samples=source.frames,
        frame_length=frame_length,
        hop=hop,
        top_db=top_db,
        min_silence=min_silence,
        min_utterance=min_utterance,
        max_utterance=max_utterance,
        edge_pad=edge_pad,
        min_voiced=min_voiced,
    )


def _check_seconds(name: str, value: Any, *, allow_zero: bool = False, unit: str = "seconds") -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        rule = ">= 0" if allow_zero else "> 0"
        raise ParameterError(f"`{name}` must be a number of {unit} {rule}; got {value!r}.")
    return v


def segmentation(top_db, min_silence, min_utterance, max_utterance, edge_pad, min_voiced) -> dict:
    seg = {
        "top_db": _check_seconds("top_db", top_db, unit="decibels below the loudest frame"),
        "min_silence": _check_seconds("min_silence", min_silence, allow_zero=True),
        "min_utterance": _check_seconds("min_utterance", min_utterance),
        "max_utterance": _check_seconds("max_utterance", max_utterance),
        "edge_pad": _check_seconds("edge_pad", edge_pad, allow_zero=True),
        "min_voiced": _check_seconds("min_voiced", min_voiced, allow_zero=True),
    }
    if seg["max_utterance"] < seg["min_utterance"]:
        raise ParameterError(
            f"`max_utterance` ({seg['max_utterance']} s) must be >= `min_utterance` ({seg['min_utterance']} s)."
        )
    return seg


def split_utterances(
    y: np.ndarray,
    *,
    sr: int,
    top_db: float = TOP_DB,
    min_silence: float = MIN_SILENCE,
    min_utterance: float = MIN_UTTERANCE,
    max_utterance: float = MAX_UTTERANCE,
    edge_pad: float = EDGE_PAD,
    min_voiced: float = MIN_VOICED,
    n_fft: int = 2048,
    hop_length: int = 512,
) -> np.ndarray:
    """Utterance boundaries of a recording, split at its silences (what :func:`predict` uses).

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (n, channels), float]
        The recording (channels are averaged).
    sr : int
        Its sampling rate in Hz.
    top_db : float
        Frames more than ``top_db`` dB below the loudest frame are silence (default :data:`TOP_DB`).
    min_silence, min_utterance, max_utterance, edge_pad, min_voiced : float
        Seconds; see :data:`MIN_SILENCE`, :data:`MIN_UTTERANCE`, :data:`MAX_UTTERANCE`,
        :data:`EDGE_PAD`, :data:`MIN_VOICED`.
    n_fft, hop_length : int
        Analysis frame and hop in samples at 22050 Hz (scaled to ``sr``).

    Returns
    -------
    np.ndarray [shape=(n_utterances, 2), dtype=int64]
        ``[start, stop)`` sample indices, in time order.

    See Also
    --------
    librosa.effects.split : the same energy rule, without joining, padding or length limits.

    Examples
    --------
    >>> import numpy as np
    >>> sr = 16000
    >>> tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(2 * sr) / sr)
    >>> y = np.concatenate([tone, np.zeros(2 * sr), tone]).astype(np.float32)
    >>> (split_utterances(y, sr=sr) / sr).round(1).tolist()
    [[0.0, 2.2], [3.8, 6.0]]
    """
    seg = segmentation(top_db, min_silence, min_utterance, max_utterance, edge_pad, min_voiced)
    cfg = AFFConfig(n_fft=n_fft, hop_length=hop_length)
    return split_source(ArraySource(y, sr), config=cfg, **seg)
