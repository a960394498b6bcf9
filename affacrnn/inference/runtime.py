"""Fast forward passes for inference: a compiled graph per input shape, batch padding, one BLAS thread.

Only what makes :class:`affacrnn.inference.Predictor` meet the paper's latency (§5: 655.94 ms
from input to sentiment for a 10 s clip) on a laptop CPU: Keras's ``model.predict`` sets itself
up on every call (170–215 ms), so the forward pass is traced once as a ``tf.function`` (with
XLA where it compiles) and batches are padded to a few sizes so it is traced only a few times.

Notebook: book/11_inference.ipynb
"""
from __future__ import annotations

import contextlib
from typing import Sequence

import numpy as np
from threadpoolctl import ThreadpoolController

from affacrnn._quiet import import_tensorflow

import_tensorflow()  # before keras: mutes TensorFlow's native start-up logging
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

__all__ = ["CONTEXT_BATCH", "session_windows", "bucket_size", "pad_rows", "compiled", "one_blas_thread"]

#: Windows of encoded vectors per forward pass of the context part (they are small).
CONTEXT_BATCH = 256


def session_windows(n: int, size: int) -> np.ndarray:
    """Context windows ``(n, size)`` of n utterances in time order.

    The convention of :func:`affacrnn.data.context.context_windows` for one session (target in the
    middle, edges repeat the nearest utterance), computed directly: that function groups a table
    with pandas, which costs more than the rest of a short clip's bookkeeping.
    """
    half = size // 2
    return np.clip(np.arange(n)[:, None] + np.arange(-half, half + 1)[None, :], 0, max(n - 1, 0)).astype(np.int64)


def bucket_size(n: int, cap: int) -> int:
    """Batch size to pad ``n`` rows to: the next power of two, or a multiple of ``cap`` above it."""
    if n >= cap:
        return -(-n // cap) * cap
    return 1 << max(n - 1, 0).bit_length()


def pad_rows(x: np.ndarray, size: int) -> np.ndarray:
    """``x`` with its last row repeated up to ``size`` rows."""
    return x if len(x) == size else np.concatenate([x, np.repeat(x[-1:], size - len(x), axis=0)])


def compiled(fn, shapes: Sequence[tuple], *, jit_compile: bool):
    """``call(list of arrays) -> list of arrays``: ``fn`` (Keras calls, ``training=False``) as one graph.

    The batch dimension is free in the signature; callers pad batches to a few sizes
    (:func:`bucket_size`), as XLA compiles once per concrete shape. Measured on the ``cpu`` preset (3
    utterances of a 10 s clip, busy 2-core machine): AFF1's BiLSTM encoder takes 2.9 ms compiled
    with XLA, 17–26 ms as a plain ``tf.function``, 170–215 ms through ``model.predict`` (its
    per-call setup) and about 3 s eagerly (the recurrent loop in Python).
    """
    if keras.backend.backend() != "tensorflow":  # pragma: no cover - other Keras backends
        def call_eager(xs):
            return [np.asarray(o) for o in fn(list(xs))]

        return call_eager
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


def one_blas_thread():
    """Limit BLAS to one thread while featurising one utterance.

    Its matrices are small (a 128 × 1025 resize of a 1025 × T spectrogram): a second BLAS thread
    brings nothing, and on a busy machine (or beside TensorFlow's own threads) the threads' spin
    and hand-over cost dominates — measured 84 ms against 0.7 ms for one spectrum graph of a 3 s
    clip on a loaded 2-core machine.
    """
    global _BLAS
    try:
        if _BLAS is None:
            _BLAS = ThreadpoolController()
        return _BLAS.limit(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001 - threadpoolctl missing or failing: run unlimited
        return contextlib.nullcontext()
