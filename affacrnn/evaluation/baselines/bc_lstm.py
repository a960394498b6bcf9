"""bc-LSTM (Poria et al. 2017), the paper's state of the art (Table 6).

The paper compares AFF-ACRNN with the bidirectional contextual LSTM of Poria et al. 2017 (§4,
"Comparison with the state-of-art", Table 6): utterance vectors
(:func:`~affacrnn.evaluation.baselines.statistics.utterance_statistics`) of each utterance and its
neighbours, a BiLSTM over them, a dense layer and a softmax (Keras). Context travels inside ``X``
(:func:`~affacrnn.evaluation.baselines.statistics.stack_context`). The paper gives no settings;
the choices below are ours and are documented where they are made.

Notebook: book/09_baselines.ipynb
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

# Only the helper is imported here; TensorFlow / Keras itself is slow to start, so it is loaded
# lazily (load_keras() inside _build and fit), with its start-up chatter muted by affacrnn._quiet.
from affacrnn._quiet import load_keras
from affacrnn.errors import ParameterError
from affacrnn.evaluation.baselines.base import FrameBaseline, check_int
from affacrnn.evaluation.baselines.statistics import utterance_statistics
from affacrnn.features.frames import PAPER_FEATURES

__all__ = ["BCLSTMBaseline", "build_bc_lstm"]


def build_bc_lstm(*, window: int, d: int, n_classes: int, units: int, hidden_units: int, dropout: float,
                  learning_rate: float):
    """bc-LSTM's network (Poria et al. 2017), compiled: utterance vectors → BiLSTM → dense (tanh) → softmax.

    Parameters
    ----------
    window : int
        Utterances per window (odd; the target is the middle one).
    d : int
        Values per utterance vector.
    n_classes, units, hidden_units, dropout, learning_rate
        As in :class:`BCLSTMBaseline`.

    Returns
    -------
    keras.Model
        Input ``"utterance_vectors"`` ``[shape=(batch, window, d)]``; output the target's class
        probabilities ``[shape=(batch, n_classes)]``; Adam, sparse categorical cross-entropy.
    """
    keras = load_keras()  # lazy: TensorFlow / Keras load on first use (see the imports above)
    from keras import layers

    inputs = keras.Input(shape=(window, d), name="utterance_vectors")
    h = layers.Bidirectional(layers.LSTM(units, return_sequences=True), name="bc_lstm")(inputs)
    h = layers.Dropout(dropout)(h)
    h = layers.Dense(hidden_units, activation="tanh", name="hidden")(h)
    h = layers.Dropout(dropout)(h)
    target = h[:, window // 2, :]  # the middle utterance's contextual representation
    outputs = layers.Dense(n_classes, activation="softmax", name="softmax")(target)
    model = keras.Model(inputs, outputs, name="bc_lstm")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


class BCLSTMBaseline(FrameBaseline):
    """Bidirectional contextual LSTM of Poria et al. 2017 (paper Table 6, "State-of-the-art").

    bc-LSTM classifies each utterance from its own feature vector *and* those of its neighbours
    in the same video: utterance vectors → bidirectional LSTM over the utterances → a dense layer
    → softmax per utterance. The paper describes its audio input as MFCC only, hence the default
    ``use_features=("mfcc",)``; each utterance vector is :func:`utterance_statistics` of its
    frames (Poria et al. used openSMILE functionals: statistics of the same kind).

    Design: context travels inside ``X``
        ``X`` of shape ``(n, window, n_frames, D)`` holds, for each target utterance, the frame
        matrices of its context window (:func:`stack_context` of the windows from
        :func:`affacrnn.data.context.context_windows`); the target is the middle slot. So ``fit(X, y)``
        and ``predict(X)`` stay plain scikit-learn (a sample is self-contained and can be split
        or cross-validated), at the price of storing each matrix ``window`` times. A 3-D ``X``
        ``(n, n_frames, D)`` means no context (a window of one), which makes this a plain
        per-utterance LSTM classifier: useful as the "without context" ablation.

        Poria et al. run the LSTM over a whole video and predict every utterance; here, as in the
        paper's AFF2, the window is ``window`` utterances (3) and the output is the target's.

    Training: Adam, cross-entropy, up to ``epochs`` epochs; ``validation_fraction`` of the
    training samples (stratified, seeded) is held out for early stopping on validation loss with
    the best weights restored — never the test set. Utterance vectors are standardised with a
    scaler fitted on the training targets.

    Parameters
    ----------
    units : int
        LSTM units per direction.
    hidden_units : int
        Width of the dense (tanh) layer after the LSTM.
    dropout : float
        Dropout after the LSTM and after the dense layer.
    learning_rate : float
    epochs : int
    batch_size : int
    validation_fraction : float
        In [0, 1); 0 trains all ``epochs`` without early stopping.
    patience : int
        Early-stopping patience in epochs.
    statistics : sequence of str
        Utterance vector statistics (:data:`STATISTICS`).
    features, use_features, ignore_padding
        As in :class:`SVMBaseline` (default MFCC only).
    random_state : int or None
        Seeds Keras (``keras.utils.set_random_seed``) and the validation split.
    verbose : int
        Keras ``fit`` verbosity.

    Attributes
    ----------
    model_ : keras.Model
        Input ``(window, d)`` utterance vectors, output the target's class probabilities.
    scaler_ : StandardScaler
    window_ : int
        Window length seen in ``fit`` (``predict`` needs the same).
    history_ : dict
        Keras training history (``loss``, ``val_loss``, ...).
    classes_ : np.ndarray
    """

    _ndims = (3, 4)

    def __init__(
        self,
        *,
        units: int = 64,
        hidden_units: int = 64,
        dropout: float = 0.3,
        learning_rate: float = 1e-3,
        epochs: int = 100,
        batch_size: int = 32,
        validation_fraction: float = 0.15,
        patience: int = 10,
        statistics: Sequence[str] = ("mean", "std"),
        features: Sequence[str] = PAPER_FEATURES,
        use_features: Sequence[str] | None = ("mfcc",),
        ignore_padding: bool = True,
        random_state: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.units = units
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.statistics = statistics
        self.features = features
        self.use_features = use_features
        self.ignore_padding = ignore_padding
        self.random_state = random_state
        self.verbose = verbose

    def _windows_of_vectors(self, X: Any, *, fitting: bool) -> np.ndarray:
        """(n, window, d) utterance vectors, unscaled."""
        F = self._frames(X, fitting=fitting)
        if F.ndim == 3:
            F = F[:, None]
        n, window = F.shape[:2]
        if window % 2 == 0:
            raise ParameterError(
                f"the context window must have an odd length (target in the middle); got {window}. "
                "Pass stack_context(X, context_windows(table))."
            )
        flat = F.reshape(n * window, *F.shape[2:])
        V = utterance_statistics(flat, statistics=self.statistics, lengths=self._lengths(flat))
        return V.reshape(n, window, -1)

    def _build(self, window: int, d: int, n_classes: int):
        return build_bc_lstm(window=window, d=d, n_classes=n_classes, units=self.units,
                             hidden_units=self.hidden_units, dropout=self.dropout, learning_rate=self.learning_rate)

    def fit(self, X: Any, y: Any) -> "BCLSTMBaseline":
        """Train on ``X`` [shape=(n, window, n_frames, D) or (n, n_frames, D)] and ``y`` [shape=(n,)]."""
        keras = load_keras()  # lazy: TensorFlow / Keras load on first use (see the imports above)

        for name, low, example in (("units", 1, "64"), ("hidden_units", 1, "64"), ("epochs", 1, "100"),
                                   ("batch_size", 1, "32"), ("patience", 0, "10")):
            check_int(name, getattr(self, name), low=low, example=example)
        if not (isinstance(self.validation_fraction, (int, float)) and 0 <= self.validation_fraction < 1):
            raise ParameterError(
                f"`validation_fraction` must be a fraction in [0, 1); got {self.validation_fraction!r}. "
                "Pass e.g. validation_fraction=0.15."
            )
        V = self._windows_of_vectors(X, fitting=True)
        codes = self._targets(y, len(V))
        n, self.window_, d = V.shape
        self.scaler_ = StandardScaler().fit(V[:, self.window_ // 2])
        V = self.scaler_.transform(V.reshape(-1, d)).reshape(V.shape).astype(np.float32)

        if self.random_state is not None:
            keras.utils.set_random_seed(int(self.random_state))
        callbacks, validation = [], None
        train = np.arange(n)
        if self.validation_fraction > 0:
            counts = np.bincount(codes)
            stratify = codes if counts.min() >= 2 else None
            train, val = train_test_split(
                train, test_size=self.validation_fraction, stratify=stratify, random_state=self.random_state
            )
            validation = (V[val], codes[val])
            stop = keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=self.patience, restore_best_weights=True
            )
            callbacks.append(stop)
        self.model_ = self._build(self.window_, d, len(self.classes_))
        history = self.model_.fit(
            V[train],
            codes[train],
            validation_data=validation,
            epochs=self.epochs,
            batch_size=self.batch_size,
            shuffle=True,
            callbacks=callbacks,
            verbose=self.verbose,
        )
        self.history_ = dict(history.history)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities of each target utterance, shape ``(n, n_classes)``."""
        check_is_fitted(self)
        V = self._windows_of_vectors(X, fitting=False)
        if V.shape[1] != self.window_:
            raise ParameterError(
                f"`X` has context windows of {V.shape[1]} utterances but the model was fitted on "
                f"{self.window_}. Pass windows of the same size as in fit."
            )
        d = V.shape[2]
        V = self.scaler_.transform(V.reshape(-1, d)).reshape(V.shape).astype(np.float32)
        return np.asarray(self.model_.predict(V, batch_size=max(256, self.batch_size), verbose=0))

    def predict(self, X: Any) -> np.ndarray:
        """Class of each target utterance, values from ``classes_``."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

