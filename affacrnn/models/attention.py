"""Attention over the utterances of a context window (paper §3, "Feature Fusion base on Attention").

For the target utterance x of a window of C utterances whose hidden states (the outputs of the
recurrent layer over the window) are the rows of H, the paper writes

    P = tanh(W_h · H)            (attention projection, one column per utterance)
    α = softmax(wᵀ · P)          (one weight per utterance of the window, summing to 1)
    R = H · αᵀ                   (the attention-weighted hidden state)
    h* = tanh(W_m · R + W_n · h_x)   (the final representation of x)

With batches and row vectors, as Keras stores them, that is, for one example with H of shape
``(C, d)``: ``P = tanh(H @ W_h)`` ``(C, a)``, ``α = softmax(P @ w)`` ``(C,)``,
``R = αᵀ @ H`` ``(d,)``, ``h* = tanh(R @ W_m + h_x @ W_n)`` ``(units_out,)``. As in the paper
there are no bias terms. The target is the middle slot ``C // 2`` (index 1 of 3), where
:func:`affacrnn.data.context.context_windows` puts it.

The layer returns ``(h*, α)``: h* feeds the classifier, α shows which utterance mattered.

Notebook: book/08_fusion_attention.ipynb
"""
from __future__ import annotations

from affacrnn._quiet import import_tensorflow

import_tensorflow()  # before keras: mutes TensorFlow's native start-up logging
import keras  # noqa: E402
from keras import ops

from affacrnn.errors import ParameterError

__all__ = ["ContextAttention"]


@keras.saving.register_keras_serializable(package="affacrnn")
class ContextAttention(keras.layers.Layer):
    """Attention of a target utterance over its context window (paper §3, attention equations).

    Parameters
    ----------
    units : int
        Size ``a`` of the attention projection ``P = tanh(W_h·H)``.
    output_units : int or None
        Size of ``h*``; ``None`` keeps the hidden size ``d`` of ``H``.
    target_index : int or None
        Slot of the target utterance in the window; ``None`` means the middle, ``C // 2``.
    all_targets : bool
        Return ``h*`` for every slot taken as the target, ``[shape=(batch, C, output_units)]``
        (α does not depend on the target, so one layer gives each utterance of the window its
        vector; the staged fusion's per-utterance LASV / CASV). Default False: the target's only.
    **kwargs
        Passed to :class:`keras.layers.Layer` (``name``, ``dtype``, ...).

    Call arguments
    --------------
    inputs : tensor [shape=(batch, C, d)]
        H: hidden states of the C utterances of each window.

    Returns
    -------
    h_star : tensor [shape=(batch, output_units)]
        ``tanh(W_m·R + W_n·h_x)``.
    alpha : tensor [shape=(batch, C)]
        Attention weights over the window; each row sums to 1.

    Weights
    -------
    ``W_h`` (d, a), ``w`` (a,), ``W_m`` (d, output_units), ``W_n`` (d, output_units).

    Examples
    --------
    >>> import numpy as np
    >>> from affacrnn.models import ContextAttention
    >>> h_star, alpha = ContextAttention(8)(np.zeros((2, 3, 4), "float32"))
    >>> tuple(h_star.shape), tuple(alpha.shape)
    ((2, 4), (2, 3))
    """

    def __init__(self, units: int, *, output_units: int | None = None, target_index: int | None = None,
                 all_targets: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ParameterError(f"`units` must be an int >= 1; got {units!r}. Pass an attention size, e.g. 64.")
        if output_units is not None and (not isinstance(output_units, int) or isinstance(output_units, bool) or output_units < 1):
            raise ParameterError(
                f"`output_units` must be None or an int >= 1; got {output_units!r}. Pass None to keep the hidden size."
            )
        if target_index is not None and (not isinstance(target_index, int) or isinstance(target_index, bool) or target_index < 0):
            raise ParameterError(
                f"`target_index` must be None or an int >= 0; got {target_index!r}. Pass None for the middle slot."
            )
        self.units = units
        self.output_units = output_units
        self.target_index = target_index
        self.all_targets = bool(all_targets)

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None or input_shape[1] is None:
            raise ParameterError(
                f"ContextAttention input must have shape (batch, context, d) with known context and d; "
                f"got {tuple(input_shape)}. Pass the recurrent layer's full sequence (return_sequences=True)."
            )
        context, d = int(input_shape[1]), int(input_shape[-1])
        target = self._target(context)
        if not 0 <= target < context:
            raise ParameterError(
                f"`target_index` must be in [0, {context - 1}] for a window of {context}; got {target}. "
                "Pass None for the middle slot."
            )
        out = self.output_units or d
        self.W_h = self.add_weight(name="W_h", shape=(d, self.units), initializer="glorot_uniform")
        self.w = self.add_weight(name="w", shape=(self.units,), initializer="glorot_uniform")
        self.W_m = self.add_weight(name="W_m", shape=(d, out), initializer="glorot_uniform")
        self.W_n = self.add_weight(name="W_n", shape=(d, out), initializer="glorot_uniform")

    def _target(self, context: int) -> int:
        return context // 2 if self.target_index is None else self.target_index

    def call(self, inputs):
        H = inputs
        target = self._target(H.shape[1])
        P = ops.tanh(ops.matmul(H, self.W_h))  # (batch, C, a)
        scores = ops.squeeze(ops.matmul(P, ops.expand_dims(self.w, -1)), -1)  # (batch, C)
        alpha = ops.softmax(scores, axis=-1)  # (batch, C)
        R = ops.sum(H * ops.expand_dims(alpha, -1), axis=1)  # (batch, d)
        if self.all_targets:  # every slot as the target: h*_x = tanh(W_m·R + W_n·h_x) for each x
            h_star = ops.tanh(ops.expand_dims(ops.matmul(R, self.W_m), 1) + ops.matmul(H, self.W_n))
            return h_star, alpha
        h_x = H[:, target, :]  # (batch, d)
        h_star = ops.tanh(ops.matmul(R, self.W_m) + ops.matmul(h_x, self.W_n))
        return h_star, alpha

    def compute_output_shape(self, input_shape):
        out = self.output_units or input_shape[-1]
        if self.all_targets:
            return (input_shape[0], input_shape[1], out), (input_shape[0], input_shape[1])
        return (input_shape[0], out), (input_shape[0], input_shape[1])

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "output_units": self.output_units, "target_index": self.target_index,
                       "all_targets": self.all_targets})
        return config
