"""Sentiment of any recording: split it into utterances, classify each in its context (paper §3, §5).

The paper classifies one utterance at a time, each seen with its neighbours ("three continuous
utterances ... in one video", AFF2), and reports that a 10 s clip takes 655.94 ms from input to
sentiment (§5). :func:`predict` does the same for a whole recording of any length:

1. **Read** the file in blocks (any format soundfile decodes, any rate, any channel count;
   channels averaged), so a one-hour file never sits in memory at once.
2. **Split at silences**, like :func:`librosa.effects.split`: a frame (``n_fft`` / ``hop_length``
   of the model's config, in seconds, measured at the file's own rate) is *speech* when its mean
   energy is within :data:`TOP_DB` dB of the loudest frame of the whole recording. Speech runs
   separated by less than :data:`MIN_SILENCE` seconds are joined; each utterance gets
   :data:`EDGE_PAD` seconds of the surrounding audio on both sides (as the training clips have);
   one longer than :data:`MAX_UTTERANCE` is cut into equal parts; one shorter than
   :data:`MIN_UTTERANCE` is widened into its surroundings; a blip with less than
   :data:`MIN_VOICED` seconds of speech is dropped (unless it is all there is).
3. **Context windows**: utterances in time order form one session, and every utterance is the
   target of a window of ``config.context`` (3) utterances with the target in the middle and the
   edges padded by repeating the nearest utterance — the convention of
   :func:`affacrnn.data.context.context_windows`.
4. **Features and spectrum graph** of each utterance from one STFT
   (:func:`affacrnn.features.spectrogram.extract_all`), at the model's rate; features standardised with the
   scaler saved in the model file (fitted on its training split).
5. **Model**: windows go through the network in batches; one forward pass gives the class
   probabilities and the attention weights α over the window (the output of the ``attention``
   layer, :func:`affacrnn.models.embedding_model` ``which="attention"``). Only the utterances of the
   current batch (plus its context on either side) are held, so memory stays bounded.

The result is a plain dict (JSON-serialisable): per utterance its start and end time, class,
probabilities and attention over its context; and a whole-file summary.

Load the model once with :class:`Predictor` when classifying many files; :func:`predict` accepts a
path too and then loads it on every call.
"""
from __future__ import annotations

import math
import os
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from affacrnn._numba import load_librosa
from affacrnn.data.audio import SILENCE_PEAK, check_signal, open_sound, to_mono
from affacrnn.errors import AudioError, ModelError, ParameterError

__all__ = [
    "Predictor",
    "predict",
    "split_utterances",
    "TOP_DB",
    "MIN_SILENCE",
    "MIN_UTTERANCE",
    "MAX_UTTERANCE",
    "EDGE_PAD",
    "MIN_VOICED",
    "HOW_TO_GET_A_MODEL",
]

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

HOW_TO_GET_A_MODEL = (
    "Train one with `affacrnn train --preset cpu --out models/cpu` (it writes models/cpu/model.keras) "
    "and pass that path."
)


# --------------------------------------------------------------------------------------------
# Audio sources: the same interface for a file (streamed) and an in-memory array
# --------------------------------------------------------------------------------------------
class _ArraySource:
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


class _FileSource:
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
        import soundfile as sf

        step = size - overlap
        try:
            for start in range(0, max(self.frames, 1), step):
                self.file.seek(start)
                yield to_mono(self.file.read(size, dtype="float32", always_2d=True))
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise self._decode_error(exc) from None

    def read(self, start: int, stop: int) -> np.ndarray:
        import soundfile as sf

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
    from numpy.lib.stride_tricks import sliding_window_view

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


def _split_source(source, *, config, top_db, min_silence, min_utterance, max_utterance, edge_pad, min_voiced):
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


def _check_seconds(name: str, value: Any, *, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        rule = ">= 0" if allow_zero else "> 0"
        raise ParameterError(f"`{name}` must be a number of seconds {rule}; got {value!r}.")
    return v


def _segmentation(top_db, min_silence, min_utterance, max_utterance, edge_pad, min_voiced) -> dict:
    seg = {
        "top_db": _check_seconds("top_db", top_db),
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
    from affacrnn.models.config import AFFConfig

    seg = _segmentation(top_db, min_silence, min_utterance, max_utterance, edge_pad, min_voiced)
    cfg = AFFConfig(n_fft=n_fft, hop_length=hop_length)
    return _split_source(_ArraySource(y, sr), config=cfg, **seg)


#: Windows of encoded vectors per forward pass of the context part (they are small).
CONTEXT_BATCH = 256


def _windows(n: int, size: int) -> np.ndarray:
    """Context windows ``(n, size)`` of n utterances in time order.

    The convention of :func:`affacrnn.data.context.context_windows` for one session (target in the
    middle, edges repeat the nearest utterance), computed directly: that function groups a table
    with pandas, which costs more than the rest of a short clip's bookkeeping.
    """
    half = size // 2
    return np.clip(np.arange(n)[:, None] + np.arange(-half, half + 1)[None, :], 0, max(n - 1, 0)).astype(np.int64)


def _bucket(n: int, cap: int) -> int:
    """Batch size to pad ``n`` rows to: the next power of two, or a multiple of ``cap`` above it."""
    if n >= cap:
        return -(-n // cap) * cap
    return 1 << max(n - 1, 0).bit_length()


def _pad_rows(x: np.ndarray, size: int) -> np.ndarray:
    """``x`` with its last row repeated up to ``size`` rows."""
    return x if len(x) == size else np.concatenate([x, np.repeat(x[-1:], size - len(x), axis=0)])


def _compiled(fn, shapes: Sequence[tuple], *, jit_compile: bool):
    """``call(list of arrays) -> list of arrays``: ``fn`` (Keras calls, ``training=False``) as one graph.

    The batch dimension is free in the signature; callers pad batches to a few sizes
    (:func:`_bucket`), as XLA compiles once per concrete shape. Measured on the ``cpu`` preset (3
    utterances of a 10 s clip, busy 2-core machine): AFF1's BiLSTM encoder takes 2.9 ms compiled
    with XLA, 17–26 ms as a plain ``tf.function``, 170–215 ms through ``model.predict`` (its
    per-call setup) and about 3 s eagerly (the recurrent loop in Python).
    """
    import keras

    if keras.backend.backend() != "tensorflow":  # pragma: no cover - other Keras backends
        def call_eager(xs):
            return [np.asarray(o) for o in fn(list(xs))]

        return call_eager
    import tensorflow as tf

    spec = [tf.TensorSpec((None, *shape[1:]), tf.float32) for shape in shapes]
    graph = tf.function(lambda xs: fn(list(xs)), input_signature=[spec], jit_compile=jit_compile, autograph=False)
    state = {"graph": graph}

    def call(xs):
        tensors = [tf.convert_to_tensor(x, dtype=tf.float32) for x in xs]
        try:
            out = state["graph"](tensors)
        except tf.errors.InvalidArgumentError:  # an op XLA cannot compile here: plain graph from now on
            if state["graph"] is not graph or not jit_compile:
                raise
            state["graph"] = tf.function(lambda xs: fn(list(xs)), input_signature=[spec], autograph=False)
            out = state["graph"](tensors)
        return [o.numpy() for o in out]

    return call



_BLAS = None


def _one_blas_thread():
    """Limit BLAS to one thread while featurising one utterance.

    Its matrices are small (a 128 × 1025 resize of a 1025 × T spectrogram): a second BLAS thread
    brings nothing, and on a busy machine (or beside TensorFlow's own threads) the threads' spin
    and hand-over cost dominates — measured 84 ms against 0.7 ms for one spectrum graph of a 3 s
    clip on a loaded 2-core machine.
    """
    global _BLAS
    try:
        if _BLAS is None:
            from threadpoolctl import ThreadpoolController

            _BLAS = ThreadpoolController()
        return _BLAS.limit(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001 - threadpoolctl missing or failing: run unlimited
        import contextlib

        return contextlib.nullcontext()


# --------------------------------------------------------------------------------------------
# The predictor
# --------------------------------------------------------------------------------------------
def _model_error(path: Path, problem: str) -> ModelError:
    return ModelError(f"model file {str(path)!r} {problem}. {HOW_TO_GET_A_MODEL}")


class Predictor:
    """A trained model file, loaded once, ready to classify recordings.

    Loads the ``.keras`` file written by ``affacrnn train`` (:func:`affacrnn.models.save_model`) in
    Keras's safe mode, with its :class:`~affacrnn.models.config.AFFConfig`, feature scaler and class
    names, checks they fit together, and prepares one compiled forward pass that returns the class
    probabilities and the attention weights together.

    Parameters
    ----------
    path : str or path-like
        A ``.keras`` model file, or a folder holding ``model.keras`` (an ``affacrnn train --out``
        folder).
    batch_size : int
        Context windows per forward pass (memory grows with it; default 16).
    top_db, min_silence, min_utterance, max_utterance, edge_pad, min_voiced : float
        How recordings are split into utterances (module constants by default).
    jit_compile : bool
        Compile the network with XLA (default True; ~5× faster recurrent layers on a CPU). XLA
        compiles once per batch size, and batches are padded to powers of two, so the first
        clips of new lengths pay a compile (about a second for the ``cpu`` preset).

    Attributes
    ----------
    path : pathlib.Path
    model : keras.Model
    config : AFFConfig
    classes : tuple of str
    scaler : FeatureScaler or None

    Raises
    ------
    ModelError
        Missing, corrupt, unsafe (a ``Lambda`` layer) or inconsistent model file; the message says
        how to get a good one.

    Examples
    --------
    >>> p = Predictor("models/cpu/model.keras")  # doctest: +SKIP
    >>> p.predict("interview.wav")["summary"]["sentiment"]  # doctest: +SKIP
    'neutral'
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        batch_size: int = 16,
        top_db: float = TOP_DB,
        min_silence: float = MIN_SILENCE,
        min_utterance: float = MIN_UTTERANCE,
        max_utterance: float = MAX_UTTERANCE,
        edge_pad: float = EDGE_PAD,
        min_voiced: float = MIN_VOICED,
        jit_compile: bool = True,
    ) -> None:
        self.jit_compile = bool(jit_compile)
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ParameterError(f"`batch_size` must be an int >= 1; got {batch_size!r}. Pass e.g. batch_size=16.")
        self.batch_size = int(batch_size)
        self.segmentation = _segmentation(top_db, min_silence, min_utterance, max_utterance, edge_pad, min_voiced)
        self.path = self._resolve(path)
        self._load()

    # -- loading -------------------------------------------------------------------------------
    @staticmethod
    def _resolve(path: Any) -> Path:
        if not isinstance(path, (str, os.PathLike)):
            raise ParameterError(
                f"`model` must be a path to a .keras file or a Predictor; got {type(path).__name__}. {HOW_TO_GET_A_MODEL}"
            )
        p = Path(path).expanduser()
        if p.is_dir():
            if (p / "model.keras").is_file():
                return p / "model.keras"
            raise _model_error(p, "is a folder without a model.keras in it")
        if not p.exists():
            raise _model_error(p, "does not exist")
        return p

    def _load(self) -> None:
        from affacrnn.models import io as model_io
        from affacrnn.features.normalize import FeatureScaler

        try:
            model, meta = model_io.load_model(self.path)
        except ModelError as exc:
            text = str(exc).replace(model_io._GET_ONE, "").rstrip(" .")
            raise ModelError(f"{text}. {HOW_TO_GET_A_MODEL}") from None
        config = meta["config"]
        self.model, self.config = model, config
        n_out = int(model.output_shape[-1])
        classes = meta.get("label_classes")
        if classes is None:
            from affacrnn.data.labels import get_scheme

            classes = get_scheme(config.label_scheme).classes
        if len(classes) != n_out:
            raise _model_error(
                self.path, f"names {len(classes)} classes but its network has {n_out} outputs (inconsistent file)"
            )
        self.classes = tuple(str(c) for c in classes)
        # load_model has already checked the network inputs against these shapes; the compiled
        # forward functions are traced for them
        expected = model_io.window_input_shapes(config)
        self.scaler = None
        if config.uses_features:
            if meta.get("scaler") is None:
                raise _model_error(self.path, "has no feature scaler (it was saved without scaler_dict)")
            try:
                self.scaler = FeatureScaler.from_dict(meta["scaler"])
            except ParameterError as exc:
                raise _model_error(self.path, f"holds an unusable feature scaler ({exc})") from None
            if getattr(self.scaler, "n_features_in_", None) != config.n_feature_columns():
                raise _model_error(
                    self.path,
                    f"has a scaler for {getattr(self.scaler, 'n_features_in_', 'unfitted')} columns but "
                    f"{config.n_feature_columns()} feature columns",
                )
        self.feature_config = config.feature_config()
        self._expected = expected
        self._make_forward()

    def _make_forward(self) -> None:
        """Compile the forward passes.

        AFF1 and the CNN run on each utterance separately (``TimeDistributed``), so a window of 3
        would encode every utterance 3 times. Instead the network is cut after those two layers:
        the *encoders* run once per utterance, and the *context* part (``aff2``, ``cnn_context``,
        fusion, attention, softmax) on the gathered windows of encoded vectors. The numbers are
        the same as the whole network's (``tests/test_inference.py`` checks it). A network
        without those layers is run whole, windows of raw inputs at a time.
        """
        import keras

        from affacrnn.models import embedding_model

        try:
            alpha = embedding_model(self.model, which="attention").output
        except ParameterError as exc:
            raise _model_error(self.path, f"has no attention layer ({exc})") from None
        self._keys = [k for k, used in (("features", self.config.uses_features), ("graphs", self.config.uses_graphs)) if used]
        outputs = [self.model.output, alpha]
        try:
            td = [self.model.get_layer({"features": "aff1", "graphs": "cnn"}[k]) for k in self._keys]
            encoders = [layer.layer for layer in td]
            context = keras.Model([layer.output for layer in td], outputs, name=f"{self.model.name}_context")
        except Exception:  # noqa: BLE001 - not laid out like build_model's network: run it whole
            self._use_whole_network()
            return
        self.split = True
        self._encode = _compiled(
            lambda xs: [enc(x, training=False) for enc, x in zip(encoders, xs)],
            [tuple(enc.inputs[0].shape) for enc in encoders],
            jit_compile=self.jit_compile,
        )
        # the context part is small (recurrent layers over 3 steps): a plain graph, no XLA compiles
        self._context = _compiled(
            lambda xs: list(context(xs, training=False)),
            [tuple(t.shape) for t in context.inputs],
            jit_compile=False,
        )

    def _use_whole_network(self) -> None:
        """Run the whole network on windows of raw inputs (3 encodings per utterance; slower)."""
        import keras

        from affacrnn.models import embedding_model

        alpha = embedding_model(self.model, which="attention").output
        whole = keras.Model(self.model.input, [self.model.output, alpha], name=f"{self.model.name}_predict")
        keys = list(self._keys)
        self.split = False
        self._whole = _compiled(
            lambda xs: list(whole(dict(zip(keys, xs)), training=False)),
            [(None, *self._expected[k]) for k in keys],
            jit_compile=self.jit_compile,
        )

    def __repr__(self) -> str:
        return f"Predictor({str(self.path)!r}, model={self.config.model_name}, classes={list(self.classes)})"

    # -- one utterance -------------------------------------------------------------------------
    def _utterance_inputs(self, y: np.ndarray, native_sr: int, name: str) -> tuple[Any, Any]:
        from affacrnn.features.spectrogram import extract_all

        if native_sr != self.config.sr:
            librosa = load_librosa()

            y = librosa.resample(y, orig_sr=native_sr, target_sr=self.config.sr).astype(np.float32, copy=False)
        if y.size < self.config.n_fft:  # a very short file: pad so one analysis frame exists
            y = np.pad(y, (0, self.config.n_fft - y.size))
        if float(np.max(np.abs(y))) < SILENCE_PEAK:  # a near-silent stretch kept as an utterance
            y = y + np.float32(SILENCE_PEAK) * np.sin(np.arange(y.size, dtype=np.float32))
        with _one_blas_thread():
            feats, graph = extract_all(
                y, config=self.feature_config, image_size=self.config.image_size if self.config.uses_graphs else None
            )
        if self.scaler is not None:
            feats = self.scaler.transform(feats).astype(np.float32, copy=False)
        return (feats if self.config.uses_features else None), graph

    # -- a recording ---------------------------------------------------------------------------
    def predict(self, path_or_array: Any, *, sr: int | None = None) -> dict[str, Any]:
        """Classify every utterance of a recording in its context; summarise the whole file.

        Parameters
        ----------
        path_or_array : str, path-like or np.ndarray [shape=(n,) or (n, channels), float]
            An audio file (any format, rate, channel count and length soundfile reads) or samples.
        sr : int, optional
            The samples' rate in Hz; required with an array, not allowed with a file.

        Returns
        -------
        dict
            ``file`` (str or None), ``duration`` (s), ``sr`` (the input's rate), ``model``,
            ``classes``, ``utterances`` — a list of ``{"index", "start", "end", "sentiment",
            "probabilities": {class: p}, "context": [i-1, i, i+1], "attention": [α…]}`` (times in
            s; probabilities sum to 1; ``attention[j]`` is the weight of ``context[j]``, they sum
            to 1) — and ``summary``: ``sentiment`` (argmax of ``probabilities``, the
            duration-weighted mean of the utterances'), ``majority`` (the most frequent utterance
            class, ties to the longer total), ``counts``, ``n_utterances``, ``speech_seconds``.

        Raises
        ------
        AudioError
            Missing, undecodable, empty, silent or non-finite audio (message names the file).
        ParameterError
            ``sr`` missing with an array or given with a file.
        """
        if isinstance(path_or_array, (str, os.PathLike)):
            if sr is not None:
                raise ParameterError(
                    f"`sr` is only for sample arrays; got sr={sr!r} with a file (its rate is read from the file). Drop sr."
                )
            source = _FileSource(path_or_array)
        else:
            source = _ArraySource(path_or_array, sr)
        try:
            spans = _split_source(source, config=self.config, **self.segmentation)
            n = len(spans)
            windows = _windows(n, self.config.context)
            run = self._run_split if self.split else self._run_whole
            probs, alpha = run(source, spans, windows)
        finally:
            source.close()
        return self._result(source, spans, windows, probs, alpha)

    def _inputs_of(self, source, spans, i0: int, i1: int) -> list[np.ndarray]:
        """Stacked model inputs ``[features (k, T, D)], [graphs (k, S, S, 1)]`` of utterances i0..i1-1."""
        pairs = [self._utterance_inputs(source.read(int(s), int(e)), source.samplerate, source.name) for s, e in spans[i0:i1]]
        out = []
        if self.config.uses_features:
            out.append(np.stack([p[0] for p in pairs]))
        if self.config.uses_graphs:
            out.append(np.stack([p[1] for p in pairs])[..., None])
        return out

    def _run_split(self, source, spans, windows):
        n = len(spans)
        encoded: list[np.ndarray] = []
        for r0 in range(0, n, self.batch_size):
            r1 = min(r0 + self.batch_size, n)
            size = _bucket(r1 - r0, self.batch_size)
            out = self._encode([_pad_rows(x, size) for x in self._inputs_of(source, spans, r0, r1)])
            if not encoded:
                encoded = [np.empty((n, *v.shape[1:]), dtype=np.float32) for v in out]
            for e, v in zip(encoded, out):
                e[r0:r1] = v[: r1 - r0]
        probs, alpha = [], []
        for b0 in range(0, n, CONTEXT_BATCH):
            w = windows[b0 : b0 + CONTEXT_BATCH]
            size = _bucket(len(w), CONTEXT_BATCH)
            p, a = self._context([_pad_rows(e[w], size) for e in encoded])
            probs.append(p[: len(w)])
            alpha.append(a[: len(w)])
        return np.concatenate(probs), np.concatenate(alpha)

    def _run_whole(self, source, spans, windows):
        """Whole network on windows of raw inputs; holds only a batch's utterances (and context)."""
        n = len(spans)
        half = self.config.context // 2
        cache: dict[int, list[np.ndarray]] = {}
        next_read = 0
        probs, alpha = [], []
        for b0 in range(0, n, self.batch_size):
            b1 = min(b0 + self.batch_size, n)
            need_to = min(b1 - 1 + half, n - 1)
            if next_read <= need_to:
                xs = self._inputs_of(source, spans, next_read, need_to + 1)
                for j in range(next_read, need_to + 1):
                    cache[j] = [x[j - next_read] for x in xs]
                next_read = need_to + 1
            w = windows[b0:b1]
            size = _bucket(len(w), self.batch_size)
            xs = [np.stack([np.stack([cache[j][k] for j in row]) for row in w]) for k in range(len(self._keys))]
            p, a = self._whole([_pad_rows(x, size) for x in xs])
            probs.append(p[: len(w)])
            alpha.append(a[: len(w)])
            for j in [j for j in cache if j < b1 - half]:  # no later window needs them
                del cache[j]
        return np.concatenate(probs), np.concatenate(alpha)

    def _result(self, source, spans, windows, probs, alpha) -> dict[str, Any]:
        sr = source.samplerate
        probs = probs / probs.sum(axis=1, keepdims=True)
        alpha = alpha / alpha.sum(axis=1, keepdims=True)
        utterances = []
        labels = []
        for i, (s, e) in enumerate(spans):
            k = int(np.argmax(probs[i]))
            labels.append(self.classes[k])
            utterances.append(
                {
                    "index": i,
                    "start": round(float(s) / sr, 3),
                    "end": round(float(e) / sr, 3),
                    "sentiment": self.classes[k],
                    "probabilities": {c: float(probs[i, j]) for j, c in enumerate(self.classes)},
                    "context": [int(j) for j in windows[i]],
                    "attention": [float(v) for v in alpha[i]],
                }
            )
        durations = (spans[:, 1] - spans[:, 0]).astype(np.float64) / sr
        mean = (probs * durations[:, None]).sum(axis=0) / durations.sum()
        counts = Counter(labels)
        by_time = Counter()
        for lab, d in zip(labels, durations):
            by_time[lab] += d
        majority = max(counts, key=lambda c: (counts[c], by_time[c]))
        summary = {
            "sentiment": self.classes[int(np.argmax(mean))],
            "probabilities": {c: float(mean[j]) for j, c in enumerate(self.classes)},
            "majority": majority,
            "counts": {c: int(counts.get(c, 0)) for c in self.classes},
            "n_utterances": int(len(spans)),
            "speech_seconds": round(float(durations.sum()), 3),
        }
        return {
            "file": str(source.path) if isinstance(source, _FileSource) else None,
            "duration": round(source.frames / sr, 3),
            "sr": int(sr),
            "model": {"path": str(self.path), "name": self.config.name, "architecture": self.config.model_name},
            "classes": list(self.classes),
            "utterances": utterances,
            "summary": summary,
        }


def predict(path_or_array: Any, *, model: "str | os.PathLike | Predictor", sr: int | None = None) -> dict[str, Any]:
    """Sentiment of every utterance of a recording, and of the whole (paper §3; see module doc).

    Parameters
    ----------
    path_or_array : str, path-like or np.ndarray [shape=(n,) or (n, channels), float]
        An audio file of any format, rate, channel count and length, or samples (with ``sr``).
    model : str, path-like or Predictor
        A ``.keras`` file from ``affacrnn train`` (or its ``--out`` folder), or a
        :class:`Predictor` that already loaded one (much faster for many calls).
    sr : int, optional
        Rate of an array input in Hz.

    Returns
    -------
    dict
        As :meth:`Predictor.predict`.

    Raises
    ------
    ModelError
        The model file is missing, corrupt, unsafe or inconsistent.
    AudioError, ParameterError
        Bad audio or arguments.

    Examples
    --------
    >>> out = predict("clip.wav", model="models/cpu/model.keras")  # doctest: +SKIP
    >>> out["summary"]["sentiment"], [u["sentiment"] for u in out["utterances"]]  # doctest: +SKIP
    ('negative', ['negative', 'neutral', 'negative'])
    """
    predictor = model if isinstance(model, Predictor) else Predictor(model)
    return predictor.predict(path_or_array, sr=sr)
