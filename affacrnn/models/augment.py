"""SpecAugment-style masking of frame features and spectrum graphs while a network trains.

Park et al. (2019, "SpecAugment") mask a random band of time steps and a random band of
frequency channels of each training example, so a network cannot lean on any one stretch of the
utterance or any one band of the spectrum: regularisation that small corpora need (RAVDESS has
24 speakers). :class:`BandMasking` does the same to both inputs of the paper's network:

* a feature matrix ``(batch, frames, columns)``: a band of frames and a band of columns set to 0,
  which is each column's mean after scaling (and a zeroed frame is skipped as padding by AFF1's
  mask, so a time band removes frames);
* a spectrum graph ``(batch, rows = frequency, columns = time, 1)``: a band of rows and a band of
  columns set to 0 (silence in a min-max graph).

It acts only in training (``training=True``); at inference it returns its input unchanged, and the
models :func:`affacrnn.models.build_model` builds for inference do not contain it. Keras has random
image erasing but no per-example band masking along named axes, hence this small layer.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

from affacrnn._quiet import import_tensorflow

import_tensorflow()  # before keras: mutes TensorFlow's native start-up logging
import keras  # noqa: E402
from keras import ops

from affacrnn.errors import ParameterError

__all__ = ["BandMasking"]


@keras.saving.register_keras_serializable(package="affacrnn")
class BandMasking(keras.layers.Layer):
    """Zero one random band along each of ``axes`` of every example, in training only.

    Parameters
    ----------
    max_fraction : float
        Widest band, as a fraction of its axis, in [0, 1): each example's band width is drawn
        uniformly from 0 to this (0 masks nothing).
    axes : tuple of int
        Axes (of the batched input, >= 1) that each get one band, e.g. ``(1, 2)`` for frames and
        columns of a feature matrix, ``(1, 2)`` for frequency rows and time columns of a graph.
    seed : int or None
        Seed of the layer's random stream.

    Call arguments
    --------------
    inputs : tensor [shape=(batch, ...)]
    training : bool
        Mask only when True.

    Returns
    -------
    tensor
        Same shape as ``inputs``.

    Examples
    --------
    >>> import numpy as np
    >>> from affacrnn.models.augment import BandMasking
    >>> x = np.ones((2, 10, 4), "float32")
    >>> bool((np.asarray(BandMasking(0.5, axes=(1, 2))(x, training=False)) == x).all())
    True
    """

    def __init__(self, max_fraction: float, *, axes: tuple[int, ...] = (1, 2), seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(max_fraction, bool) or not isinstance(max_fraction, (int, float)) or not 0 <= max_fraction < 1:
            raise ParameterError(f"`max_fraction` must be a float in [0, 1); got {max_fraction!r}. Pass e.g. 0.2.")
        axes = tuple(axes)
        if not axes or not all(isinstance(a, int) and not isinstance(a, bool) and a >= 1 for a in axes):
            raise ParameterError(f"`axes` must be a non-empty tuple of ints >= 1 (not the batch axis); got {axes!r}. "
                                 "Pass e.g. (1, 2).")
        self.max_fraction = float(max_fraction)
        self.axes = axes
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def build(self, input_shape):
        if max(self.axes) >= len(input_shape):
            raise ParameterError(f"BandMasking axes {self.axes} do not fit an input of shape {tuple(input_shape)}. "
                                 "Pass axes inside the input's rank.")

    def _keep(self, shape, axis: int, rank: int):
        """``(batch, 1, …, n, …, 1)``: 0 inside each example's band along ``axis``, 1 elsewhere."""
        n = ops.cast(shape[axis], "float32")
        width = keras.random.uniform((shape[0], 1), 0.0, self.max_fraction, seed=self.seed_generator) * n
        start = keras.random.uniform((shape[0], 1), 0.0, 1.0, seed=self.seed_generator) * (n - width)
        pos = ops.expand_dims(ops.cast(ops.arange(shape[axis]), "float32"), 0)  # (1, n)
        keep = ops.cast(ops.logical_or(pos < start, pos >= start + width), "float32")  # (batch, n)
        for _ in range(1, axis):
            keep = ops.expand_dims(keep, 1)
        for _ in range(axis + 1, rank):
            keep = ops.expand_dims(keep, -1)
        return keep

    def call(self, inputs, training=None):
        if not training or self.max_fraction == 0:
            return inputs
        shape, rank = ops.shape(inputs), len(inputs.shape)
        out = inputs
        for axis in self.axes:
            out = out * ops.cast(self._keep(shape, axis, rank), inputs.dtype)
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_fraction": self.max_fraction, "axes": list(self.axes), "seed": self.seed})
        return config
