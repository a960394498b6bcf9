"""Batches a network trains on: each distinct utterance of a batch once, windows as indices into them.

:func:`affacrnn.models.build_model` with ``indexed=True`` reads these batches; :mod:`affacrnn.training`
makes them with :func:`window_batches`.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

import numpy as np

from affacrnn._quiet import import_tensorflow

import_tensorflow()  # before keras: mutes TensorFlow's native start-up logging
import tensorflow as tf  # noqa: E402

__all__ = ["WindowBatches", "window_batches"]


class WindowBatches:
    """Batches for an indexed network: each distinct utterance once, the windows as indices into them.

    A window is the target and its neighbours, so a batch of 32 random windows encodes 96
    utterances, each of which also sits in two other windows of the epoch. Here the targets are
    taken in runs of ``run`` consecutive windows of a session (they share all but two
    utterances), a batch gathers ``batch_size / run`` runs, and the network
    (:func:`affacrnn.models.build_model` with ``indexed=True``) encodes the batch's distinct
    utterances once and gathers them into windows: about 2.4 times less encoder work at
    ``run=8``. With ``lengths``, runs are sorted by their longest real utterance within pools of
    ``pool`` batches and a batch's feature frames are cut to its longest real utterance (rounded up
    to ``multiple`` frames; masked LSTMs still step through padding). Keras has no batching of
    this kind for NumPy inputs, hence this class. Class weights become per-window sample weights.
    Keras reads it as a ``tf.data.Dataset`` (:meth:`dataset`) whose signature leaves every
    varying axis open; Keras's own ``PyDataset`` fixes each axis from the first two batches,
    which breaks on a later batch with another number of frames or utterances.

    Parameters
    ----------
    arrays : dict
        ``"features"`` ``[shape=(n, n_frames, D)]`` and/or ``"graphs"`` ``[shape=(n, S, S)]``: every
        utterance of the corpus (rows of the prepared table).
    windows : np.ndarray [shape=(m, C)]
        The windows (row indices) of this part's targets.
    y : np.ndarray [shape=(m,)]
    lengths : np.ndarray [shape=(n,)], optional
        Real frames per utterance.
    shuffle : bool
        New runs order every epoch (training); False keeps the windows' order (validation,
        prediction: the outputs are then in the order of ``windows``).
    mixup : float
        Beta(α, α) parameter of mixup (0: none; training batches only). Each window of a batch is
        mixed with another window of the batch, utterance slot by utterance slot, with one weight λ
        drawn per batch, and is given twice: once with its own label and sample weight 2λ, once with
        its partner's label and weight 2(1 − λ) (times the class weights). With sparse labels this
        is exactly mixup's loss λ·CE(y_a) + (1 − λ)·CE(y_b), and the mixed utterances are encoded
        once (Keras's mixup layers mix one-hot labels, which this model's sparse loss does not take).
    """

    def __init__(self, arrays: dict, windows: np.ndarray, y: np.ndarray, *, batch_size: int, seed: int = 0,
                 lengths: np.ndarray | None = None, class_weight: dict | None = None, shuffle: bool = True,
                 run: int = 8, pool: int = 16, multiple: int = 16, mixup: float = 0.0):
        self.arrays, self.windows, self.y = arrays, np.asarray(windows), np.asarray(y)
        self.mixup = float(mixup) if shuffle else 0.0
        self.lengths = None if lengths is None else np.asarray(lengths)
        self.batch_size, self.shuffle, self.pool, self.multiple = batch_size, shuffle, pool, multiple
        self.run = max(1, min(run, batch_size))
        self.seed, self.epoch = seed, 0  # fit_model sets epoch at each epoch's start
        self.rng = np.random.default_rng(seed)
        self.weights = None
        if class_weight is not None:
            self.weights = np.array([class_weight[int(c)] for c in self.y], dtype=np.float32)
        self._order()

    def _order(self) -> None:
        m = len(self.y)
        if not self.shuffle:
            self.batches = [np.arange(b, min(b + self.batch_size, m)) for b in range(0, m, self.batch_size)]
            return
        # consecutive windows share utterances: runs of neighbours in (session) order
        by_window = np.lexsort(self.windows.T[::-1])
        runs = [by_window[r:r + self.run] for r in range(0, m, self.run)]
        runs = [runs[i] for i in self.rng.permutation(len(runs))]
        per_batch = max(1, self.batch_size // self.run)
        if self.lengths is not None:  # similar lengths together, so crops are short
            longest = np.array([self.lengths[self.windows[r]].max() for r in runs])
            step = per_batch * self.pool
            pooled = []
            for p0 in range(0, len(runs), step):
                idx = np.arange(p0, min(p0 + step, len(runs)))
                pooled += [runs[i] for i in idx[np.argsort(longest[idx], kind="stable")]]
            runs = pooled
        batches = [np.concatenate(runs[b:b + per_batch]) for b in range(0, len(runs), per_batch)]
        self.batches = [batches[i] for i in self.rng.permutation(len(batches))]

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, i: int):
        targets = self.batches[i]
        if self.mixup > 0:
            return self._mixed(targets)
        rows, local = np.unique(self.windows[targets], return_inverse=True)
        x = {"windows": local.reshape(len(targets), -1).astype(np.int32)}
        x.update(self._inputs(rows))
        if self.weights is None:
            return x, self.y[targets]
        return x, self.y[targets], self.weights[targets]

    def _inputs(self, rows: np.ndarray, partner: np.ndarray | None = None, lam: float = 1.0) -> dict:
        """The utterances ``rows`` (mixed with ``partner`` by ``lam``), feature frames cut to the longest."""
        x = {}
        if "features" in self.arrays:
            frames = self.arrays["features"].shape[1]
            if self.lengths is not None:
                both = rows if partner is None else np.concatenate([rows, partner])
                frames = min(frames, -(-int(self.lengths[both].max()) // self.multiple) * self.multiple)
            x["features"] = self.arrays["features"][rows, :frames]
            if partner is not None:
                x["features"] = lam * x["features"] + (1 - lam) * self.arrays["features"][partner, :frames]
        if "graphs" in self.arrays:
            x["graphs"] = self.arrays["graphs"][rows][..., None]
            if partner is not None:
                x["graphs"] = lam * x["graphs"] + (1 - lam) * self.arrays["graphs"][partner][..., None]
        return {k: v.astype(np.float32, copy=False) for k, v in x.items()}

    def _mixed(self, targets: np.ndarray):
        """One mixup batch (``mixup`` in the class docstring); its randomness follows the epoch's seed."""
        lam = float(self.rng.beta(self.mixup, self.mixup))
        perm = self.rng.permutation(len(targets))
        own, other = self.windows[targets], self.windows[targets[perm]]
        slots = np.arange(own.size, dtype=np.int32).reshape(own.shape)  # one mixed utterance per window slot
        x = {"windows": np.concatenate([slots, slots])}
        x.update(self._inputs(own.ravel(), other.ravel(), lam))
        y = np.concatenate([self.y[targets], self.y[targets[perm]]])
        w = np.ones(len(targets), np.float32) if self.weights is None else self.weights[targets]
        w_other = np.ones(len(targets), np.float32) if self.weights is None else self.weights[targets[perm]]
        return x, y, np.concatenate([2 * lam * w, 2 * (1 - lam) * w_other]).astype(np.float32)

    def dataset(self) -> tf.data.Dataset:
        """The batches as a ``tf.data.Dataset`` (a new order each time it is iterated, when shuffling)."""
        C = self.windows.shape[1]
        x_spec = {"windows": tf.TensorSpec((None, C), tf.int32)}
        if "features" in self.arrays:
            x_spec["features"] = tf.TensorSpec((None, None, self.arrays["features"].shape[2]), tf.float32)
        if "graphs" in self.arrays:
            side = self.arrays["graphs"].shape[1:]
            x_spec["graphs"] = tf.TensorSpec((None, *side, 1), tf.float32)
        spec = (x_spec, tf.TensorSpec((None,), tf.int64))
        if self.weights is not None or self.mixup > 0:
            spec = (*spec, tf.TensorSpec((None,), tf.float32))

        def batches():
            if self.shuffle:  # the order of epoch e depends on (seed, e) only, so a resumed run repeats it
                self.rng = np.random.default_rng([self.seed, self.epoch])
                self._order()
            for i in range(len(self)):
                x, y, *w = self[i]
                yield (x, y.astype(np.int64), *w)

        data = tf.data.Dataset.from_generator(batches, output_signature=spec)
        # a known length: Keras then counts steps instead of warning at each epoch's end
        return data.apply(tf.data.experimental.assert_cardinality(len(self))).prefetch(2)


def window_batches(data, config, part: str, *, shuffle: bool, class_weight: dict | None = None,
                   batch_size: int | None = None) -> WindowBatches:
    """The :class:`WindowBatches` of one part of a prepared corpus, for ``config``'s inputs (``config.mixup``
    mixes the training batches: ``shuffle=True``)."""
    arrays = {}
    if config.uses_features:
        arrays["features"] = data.features
    if config.uses_graphs:
        arrays["graphs"] = data.graphs
    lengths = data.lengths if (config.uses_features and config.mask_padding) else None
    return WindowBatches(arrays, data.windows[data.rows(part)], data.labels(part),
                         batch_size=batch_size or config.batch_size, seed=config.seed, lengths=lengths,
                         class_weight=class_weight, shuffle=shuffle, mixup=config.mixup)
