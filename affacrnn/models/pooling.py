"""Pooling an utterance's frames into one vector: statistics, and attention-weighted statistics.

The paper's AFF1 reads an utterance's frames with two stacked BiLSTMs and keeps the last state
(§3 "LSTM Layers"). Two other readings, beyond the paper, answer the question "does the recurrent
branch learn less than an SVM on the mean and standard deviation of the same columns?":

* :class:`FrameStatistics` — the mean and standard deviation of each column over the utterance's
  real frames, ``[μ; σ]``: exactly what the SVM baseline sees, inside the network
  (``utterance_encoder="statistics"``).
* :class:`AttentiveStatistics` — the same with learnt weights per frame (Okabe et al., 2018,
  "Attentive statistics pooling"): ``e_t = vᵀ tanh(W h_t + b)``, ``α = softmax(e)`` over the real
  frames, ``μ = Σ α_t h_t``, ``σ = sqrt(Σ α_t h_t² − μ²)``; on top of the recurrent layers'
  full sequences (``utterance_encoder="attentive"``).

Both honour the Keras mask of a ``Masking`` layer (AFF1 masks the zeroed padding rows,
``mask_padding``), so padding never enters a statistic. Keras has masked average pooling
(``GlobalAveragePooling1D``) but no masked standard deviation or attentive pooling, hence these
two small layers.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

from affacrnn._quiet import import_tensorflow

import_tensorflow()  # before keras: mutes TensorFlow's native start-up logging
import keras  # noqa: E402
from keras import ops

from affacrnn.errors import ParameterError

__all__ = ["FrameStatistics", "AttentiveStatistics"]

#: Added to a variance before its square root: a constant column gets σ ≈ 0.003, not a NaN gradient.
VARIANCE_FLOOR = 1e-5


def _weights(inputs, mask):
    """Per-frame weights ``(batch, T, 1)``: 1 for real frames, 0 for masked ones (all 1 without a mask)."""
    if mask is None:
        return ops.ones_like(inputs[..., :1])
    return ops.expand_dims(ops.cast(mask, inputs.dtype), -1)


def _mean_sd(inputs, weights):
    """Weighted mean and sd over axis 1; ``weights`` ``(batch, T, 1)`` sum to 1 per row (or to 0)."""
    mean = ops.sum(inputs * weights, axis=1)
    var = ops.sum(ops.square(inputs) * weights, axis=1) - ops.square(mean)
    return ops.concatenate([mean, ops.sqrt(ops.maximum(var, 0.0) + VARIANCE_FLOOR)], axis=-1)


def _check_input(shape, layer: str) -> int:
    if len(shape) != 3 or shape[-1] is None:
        raise ParameterError(f"{layer} input must have shape (batch, frames, d) with known d; got {tuple(shape)}. "
                             "Pass the frames of one utterance (a recurrent layer with return_sequences=True).")
    return int(shape[-1])


@keras.saving.register_keras_serializable(package="affacrnn")
class FrameStatistics(keras.layers.Layer):
    """Mean and standard deviation of each column over an utterance's real frames.

    Call arguments
    --------------
    inputs : tensor [shape=(batch, T, d)]
        Frames; masked frames (a ``Masking`` layer before this one) are left out.

    Returns
    -------
    tensor [shape=(batch, 2·d)]
        ``[μ; σ]`` per utterance. An utterance with no real frame gets zeros and σ = sqrt(floor).

    Examples
    --------
    >>> import numpy as np
    >>> from affacrnn.models.pooling import FrameStatistics
    >>> x = np.array([[[1.0], [3.0], [0.0]]], "float32")  # two real frames, one padding row
    >>> mask = np.array([[True, True, False]])
    >>> np.round(np.asarray(FrameStatistics()(x, mask=mask)), 2).tolist()
    [[2.0, 1.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        _check_input(input_shape, "FrameStatistics")

    def call(self, inputs, mask=None):
        w = _weights(inputs, mask)
        return _mean_sd(inputs, w / ops.maximum(ops.sum(w, axis=1, keepdims=True), 1.0))

    def compute_mask(self, inputs, mask=None):
        return None  # one vector per utterance: nothing left to mask

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2 * input_shape[-1])


@keras.saving.register_keras_serializable(package="affacrnn")
class AttentiveStatistics(keras.layers.Layer):
    """Attention-weighted mean and standard deviation over an utterance's real frames.

    Parameters
    ----------
    units : int
        Size of the attention projection ``tanh(W h_t + b)``.
    **kwargs
        Passed to :class:`keras.layers.Layer`.

    Call arguments
    --------------
    inputs : tensor [shape=(batch, T, d)]
        Frame states (a recurrent layer's full sequence); masked frames get weight 0.

    Returns
    -------
    tensor [shape=(batch, 2·d)]
        ``[μ; σ]`` with the attention weights α over the real frames.

    Weights
    -------
    ``W`` (d, units), ``b`` (units,), ``v`` (units,).

    Examples
    --------
    >>> import numpy as np
    >>> from affacrnn.models.pooling import AttentiveStatistics
    >>> tuple(AttentiveStatistics(4)(np.zeros((2, 5, 3), "float32")).shape)
    (2, 6)
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ParameterError(f"`units` must be an int >= 1; got {units!r}. Pass an attention size, e.g. 32.")
        self.units = units
        self.supports_masking = True

    def build(self, input_shape):
        d = _check_input(input_shape, "AttentiveStatistics")
        self.W = self.add_weight(name="W", shape=(d, self.units), initializer="glorot_uniform")
        self.b = self.add_weight(name="b", shape=(self.units,), initializer="zeros")
        self.v = self.add_weight(name="v", shape=(self.units,), initializer="glorot_uniform")

    def weights_over_frames(self, inputs, mask=None):
        """α ``[shape=(batch, T)]``: softmax of the frame scores over the real frames (0 on masked ones)."""
        scores = ops.matmul(ops.tanh(ops.matmul(inputs, self.W) + self.b), self.v)  # (batch, T)
        if mask is not None:
            scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
        return ops.softmax(scores, axis=-1)

    def call(self, inputs, mask=None):
        alpha = self.weights_over_frames(inputs, mask)
        return _mean_sd(inputs, ops.expand_dims(alpha, -1))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2 * input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config
