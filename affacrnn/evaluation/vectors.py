"""Models that read one vector per utterance: the UB branch's context stage, bc-LSTM and the classic baselines.

Where a corpus comes as ready per-utterance vectors and no audio — CMU-MOSI through the features
bc-LSTM published (:func:`affacrnn.data.corpora.mosi_vectors.load_mosi_vectors`) — AFF-ACRNN's
librosa frames and spectrum graphs cannot be made, but every model that reads one vector per
utterance can run on the paper's own data:

=================  ========================================================================  ========
name               model                                                                     context
=================  ========================================================================  ========
``majority``       always the training set's most frequent class (scikit-learn dummy)      no
``svm``            StandardScaler → SVC (RBF)                                               no
``naive_bayes``    StandardScaler → Gaussian Naive Bayes                                    no
``gmm``            one Gaussian mixture per class, the most likely class wins               no
``bc_lstm``        bc-LSTM (Poria et al. 2017): BiLSTM over the window → dense → softmax   yes
``context_stage``  the UB branch's context stage (AFF2 BiLSTM → attention → dropout → softmax,
                   :func:`affacrnn.models.network.build_context_stage`) fed these vectors
                   in place of AFF1's output                                                 yes
=================  ========================================================================  ========

Every model is a scikit-learn classifier. ``X`` is ``(n, d)`` (one vector per utterance) or
``(n, window, d)``: each utterance with its context window (:func:`stack_vectors`), the target in
the middle slot. The models without context read the middle slot only; the two recurrent ones
read the window, and ``window=1`` is their "no context" ablation.

Training of the two Keras models (our choices; the paper gives none for MOSI's vectors): the
vectors are standardised with the training targets' statistics; ``validation_fraction`` of the
training *videos* (``groups`` in :meth:`KerasVectorClassifier.fit`; stratified utterances without
groups) is held out for early stopping on validation loss, best weights restored — never the test
set; classes weighted by inverse frequency when ``class_weight="balanced"`` (MOSI's 5 and 7 classes
are far from balanced, and the paper reports macro-F1 there).

Notebook: book/09_baselines.ipynb
"""
from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GroupShuffleSplit, train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_array, check_is_fitted

from affacrnn._quiet import load_keras
from affacrnn.errors import ParameterError
from affacrnn.evaluation.baselines.base import check_choice, check_int, class_codes
from affacrnn.evaluation.baselines.bc_lstm import build_bc_lstm
from affacrnn.models.config import AFFConfig

__all__ = ["VECTOR_MODELS", "VECTOR_LABELS", "CONTEXT_MODELS", "stack_vectors", "target_vectors",
           "KerasVectorClassifier", "BCLSTMVectorClassifier", "ContextStageClassifier", "GMMVectorClassifier",
           "make_vector_model"]


def stack_vectors(X: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """Each utterance's vector with those of its context window.

    Parameters
    ----------
    X : np.ndarray [shape=(n, d)]
        One vector per utterance, rows in the order of the table the windows were built from.
    windows : np.ndarray [shape=(n, window), dtype=int]
        From :func:`affacrnn.data.context.context_windows` (target in the middle).

    Returns
    -------
    np.ndarray [shape=(n, window, d)]
        ``X[windows]``.
    """
    X, windows = np.asarray(X), np.asarray(windows)
    if X.ndim != 2:
        raise ParameterError(f"`X` must have shape (n_utterances, d); got shape {X.shape}. Pass one vector per row.")
    if windows.ndim != 2 or (windows.size and (windows.min() < 0 or windows.max() >= len(X))):
        raise ParameterError(f"`windows` must be row indices into X of shape (n, window); got shape {windows.shape}. "
                             "Build them with affacrnn.context_windows(table) on the table X follows.")
    return X[windows]


def target_vectors(X: Any) -> np.ndarray:
    """The target's vector of each sample: ``X`` itself if ``(n, d)``, the middle slot if ``(n, window, d)``."""
    X = check_array(X, allow_nd=True, dtype=(np.float64, np.float32), input_name="X")
    if X.ndim == 3:
        return X[:, X.shape[1] // 2]
    if X.ndim != 2:
        raise ParameterError(f"`X` must have shape (n, d) or (n, window, d); got shape {X.shape}. "
                             "Stack one vector per utterance (stack_vectors for windows).")
    return X


class GMMVectorClassifier(ClassifierMixin, BaseEstimator):
    """One Gaussian mixture per class on standardised utterance vectors; the most probable class wins.

    scikit-learn has mixtures but no mixture *classifier*, so the few lines of Bayes' rule are ours:
    ``log p(c | x) ∝ log p(x | c) + log p(c)``, priors from the training counts.

    Parameters
    ----------
    n_components : int
        Components per class (fewer where a class has fewer training vectors).
    covariance_type : str
        Passed to :class:`sklearn.mixture.GaussianMixture` (default ``"diag"``).
    reg_covar : float
        Covariance floor, on the standardised scale.
    random_state : int or None

    Attributes
    ----------
    scaler_ : StandardScaler
    mixtures_ : list of GaussianMixture
        One per class of ``classes_``.
    log_prior_ : np.ndarray [shape=(n_classes,)]
    classes_ : np.ndarray
    """

    def __init__(self, *, n_components: int = 4, covariance_type: str = "diag", reg_covar: float = 1e-3,
                 random_state: int | None = None) -> None:
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> "GMMVectorClassifier":
        """Fit on ``X`` [shape=(n, d) or (n, window, d)] and ``y`` [shape=(n,)]."""
        check_int("n_components", self.n_components, low=1, example="4")
        V = target_vectors(X)
        codes = class_codes(self, y, len(V))
        self.scaler_ = StandardScaler().fit(V)
        Z = self.scaler_.transform(V)
        self.mixtures_ = [
            GaussianMixture(n_components=min(self.n_components, int((codes == c).sum())),
                            covariance_type=self.covariance_type, reg_covar=self.reg_covar,
                            random_state=self.random_state).fit(Z[codes == c])
            for c in range(len(self.classes_))
        ]
        self.log_prior_ = np.log(np.bincount(codes, minlength=len(self.classes_)) / len(codes))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Posterior class probabilities, shape ``(n, n_classes)``."""
        check_is_fitted(self)
        Z = self.scaler_.transform(target_vectors(X))
        joint = np.stack([m.score_samples(Z) for m in self.mixtures_], axis=1) + self.log_prior_
        return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class of each utterance, values from ``classes_``."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


@contextlib.contextmanager
def _one_slot_softmax_quiet():
    """Keras warns about a softmax over an axis of size 1: the attention over a window of one
    utterance (the no-context ablation), where the weight is 1 by design."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="You are using a softmax over axis -1 of a tensor of shape")
        yield


class KerasVectorClassifier(ClassifierMixin, BaseEstimator):
    """Shared training of the Keras models on windows of utterance vectors (module docstring).

    Subclasses store their architecture's parameters and implement ``_build(window, d, n_classes)``.

    Attributes
    ----------
    model_ : keras.Model
    scaler_ : StandardScaler
        Fitted on the training targets' vectors.
    window_ : int
        Window length seen in ``fit`` (``predict`` needs the same).
    history_ : dict
        Keras training history.
    best_epoch_ : int
        Epoch (1-based) whose weights were kept.
    classes_ : np.ndarray
    """

    def _windows(self, X: Any) -> np.ndarray:
        X = check_array(X, allow_nd=True, dtype=(np.float64, np.float32), input_name="X")
        if X.ndim == 2:
            X = X[:, None]
        if X.ndim != 3 or X.shape[1] % 2 == 0:
            raise ParameterError(
                f"`X` must have shape (n, d) or (n, window, d) with an odd window; got shape {X.shape}. "
                "Pass stack_vectors(X, context_windows(table))."
            )
        return X

    def _scaled(self, W: np.ndarray) -> np.ndarray:
        d = W.shape[-1]
        return self.scaler_.transform(W.reshape(-1, d)).reshape(W.shape).astype(np.float32)

    def _check(self) -> None:
        for name, low, example in (("epochs", 1, "200"), ("batch_size", 1, "30"), ("patience", 0, "20")):
            check_int(name, getattr(self, name), low=low, example=example)
        if not (isinstance(self.validation_fraction, (int, float)) and 0 <= self.validation_fraction < 1):
            raise ParameterError(f"`validation_fraction` must be a fraction in [0, 1); got "
                                 f"{self.validation_fraction!r}. Pass e.g. validation_fraction=0.15.")
        check_choice("class_weight", self.class_weight, (None, "balanced"))

    def _split(self, codes: np.ndarray, groups: Any) -> tuple[np.ndarray, np.ndarray | None]:
        n = len(codes)
        if self.validation_fraction == 0:
            return np.arange(n), None
        if groups is not None:
            groups = np.asarray(groups)
            if len(groups) != n:
                raise ParameterError(f"`groups` must hold one group (video) per utterance ({n}); got {len(groups)}.")
            if len(np.unique(groups)) >= 2:
                splitter = GroupShuffleSplit(n_splits=1, test_size=self.validation_fraction,
                                             random_state=self.random_state)
                return next(splitter.split(np.zeros(n), codes, groups))
        counts = np.bincount(codes)
        return train_test_split(np.arange(n), test_size=self.validation_fraction,
                                stratify=codes if counts.min() >= 2 else None, random_state=self.random_state)

    def fit(self, X: Any, y: Any, groups: Any = None) -> "KerasVectorClassifier":
        """Train on ``X`` [shape=(n, d) or (n, window, d)] and ``y`` [shape=(n,)].

        Parameters
        ----------
        groups : array-like [shape=(n,)], optional
            The video (speaker) of each sample: the early-stopping hold-out takes whole videos,
            so it never shares a speaker, or a window, with the training samples.
        """
        keras = load_keras()  # lazy: TensorFlow starts only when a Keras model is trained
        self._check()
        W = self._windows(X)
        codes = class_codes(self, y, len(W))
        n, self.window_, d = W.shape
        self.scaler_ = StandardScaler().fit(W[:, self.window_ // 2])
        W = self._scaled(W)
        if self.random_state is not None:
            keras.utils.set_random_seed(int(self.random_state))
        train, val = self._split(codes, groups)
        weights = None
        if self.class_weight == "balanced":
            present = np.unique(codes[train])
            w = compute_class_weight("balanced", classes=present, y=codes[train])
            weights = {int(c): float(v) for c, v in zip(present, w)}
        callbacks, validation = [], None
        if val is not None:
            validation = (W[val], codes[val])
            callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=self.patience,
                                                           restore_best_weights=True))
        self.model_ = self._build(self.window_, d, len(self.classes_))
        with _one_slot_softmax_quiet():
            history = self.model_.fit(W[train], codes[train], validation_data=validation, epochs=self.epochs,
                                      batch_size=self.batch_size, shuffle=True, class_weight=weights,
                                      callbacks=callbacks, verbose=self.verbose)
        self.history_ = dict(history.history)
        losses = self.history_.get("val_loss") or self.history_["loss"]
        self.best_epoch_ = int(np.argmin(losses)) + 1
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities of each target utterance, shape ``(n, n_classes)``."""
        check_is_fitted(self)
        W = self._windows(X)
        if W.shape[1] != self.window_:
            raise ParameterError(f"`X` has windows of {W.shape[1]} utterances but the model was fitted on "
                                 f"{self.window_}. Pass windows of the same size as in fit.")
        with _one_slot_softmax_quiet():
            return np.asarray(self.model_.predict(self._scaled(W), batch_size=256, verbose=0))

    def predict(self, X: Any) -> np.ndarray:
        """Class of each target utterance, values from ``classes_``."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class BCLSTMVectorClassifier(KerasVectorClassifier):
    """bc-LSTM (Poria et al. 2017, the paper's Table 6 "state of the art") on given utterance vectors.

    The network of :func:`~affacrnn.evaluation.baselines.bc_lstm.build_bc_lstm` (BiLSTM over the
    window → dense tanh → softmax on the target), trained as :class:`KerasVectorClassifier` says.
    Poria et al. run the LSTM over a whole video; here, as in the paper's AFF2, over the window.

    Parameters
    ----------
    units, hidden_units, dropout, learning_rate
        The network's sizes and Adam's rate.
    epochs, batch_size, validation_fraction, patience, class_weight, random_state, verbose
        Training (module docstring).
    """

    def __init__(self, *, units: int = 64, hidden_units: int = 64, dropout: float = 0.3, learning_rate: float = 1e-3,
                 epochs: int = 200, batch_size: int = 30, validation_fraction: float = 0.15, patience: int = 20,
                 class_weight: str | None = "balanced", random_state: int | None = None, verbose: int = 0) -> None:
        self.units = units
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.class_weight = class_weight
        self.random_state = random_state
        self.verbose = verbose

    def _build(self, window: int, d: int, n_classes: int):
        check_int("units", self.units, low=1, example="64")
        check_int("hidden_units", self.hidden_units, low=1, example="64")
        return build_bc_lstm(window=window, d=d, n_classes=n_classes, units=self.units,
                             hidden_units=self.hidden_units, dropout=self.dropout, learning_rate=self.learning_rate)


class ContextStageClassifier(KerasVectorClassifier):
    """AFF-ACRNN's context stage (UB branch, AFF2 → attention → dropout → softmax) on given utterance vectors.

    The network is :func:`affacrnn.models.network.build_context_stage` with an
    :class:`~affacrnn.models.config.AFFConfig` of these sizes; it is the part of AFF-ACRNN that can
    run where no audio is: not its librosa encoder (AFF1) nor its CNN branch.

    Parameters
    ----------
    context_units, attention_units, dropout, recurrent
        As the config fields of the same names (``recurrent="lstm"``: the UB-LSTM's stage).
    learning_rate : float
        Adam's rate (the config's ``lr_lstm``).
    epochs, batch_size, validation_fraction, patience, class_weight, random_state, verbose
        Training (module docstring).
    """

    def __init__(self, *, context_units: int = 64, attention_units: int = 64, dropout: float = 0.3,
                 recurrent: str = "bilstm", learning_rate: float = 1e-3, epochs: int = 200, batch_size: int = 30,
                 validation_fraction: float = 0.15, patience: int = 20, class_weight: str | None = "balanced",
                 random_state: int | None = None, verbose: int = 0) -> None:
        self.context_units = context_units
        self.attention_units = attention_units
        self.dropout = dropout
        self.recurrent = recurrent
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.class_weight = class_weight
        self.random_state = random_state
        self.verbose = verbose

    def _build(self, window: int, d: int, n_classes: int):
        from affacrnn.models.network import build_context_stage  # starts TensorFlow: only when training

        config = AFFConfig(architecture="ub", context=window, context_units=self.context_units,
                           attention_units=self.attention_units, dropout=self.dropout, recurrent=self.recurrent,
                           lr_lstm=self.learning_rate, n_classes=n_classes)
        return build_context_stage(config, n_columns=d, n_classes=n_classes)


#: The pipelines' first step: a window's middle slot (the target), or the vectors themselves.
_TARGET = FunctionTransformer(target_vectors)


def _svm(random_state: int | None = None, **params: Any) -> Pipeline:
    params = {"kernel": "rbf", "C": 1.0, "gamma": "scale", "class_weight": "balanced", **params}
    return Pipeline([("target", _TARGET), ("scale", StandardScaler()),
                     ("svm", SVC(random_state=random_state, **params))])


def _naive_bayes(random_state: int | None = None, **params: Any) -> Pipeline:
    del random_state  # deterministic
    return Pipeline([("target", _TARGET), ("scale", StandardScaler()), ("nb", GaussianNB(**params))])


def _majority(random_state: int | None = None, **params: Any) -> DummyClassifier:
    del random_state
    return DummyClassifier(strategy="most_frequent", **params)


#: Name → factory ``(random_state=..., **params) -> unfitted classifier`` (module docstring's table).
VECTOR_MODELS: dict[str, Callable[..., Any]] = {
    "majority": _majority,
    "svm": _svm,
    "naive_bayes": _naive_bayes,
    "gmm": GMMVectorClassifier,
    "bc_lstm": BCLSTMVectorClassifier,
    "context_stage": ContextStageClassifier,
}
#: Display names.
VECTOR_LABELS = {"majority": "majority", "svm": "SVM", "naive_bayes": "Naive Bayes", "gmm": "GMM",
                 "bc_lstm": "bc-LSTM", "context_stage": "AFF-ACRNN context stage (UB-BiLSTM's AFF2 + attention)"}
#: The models that read a context window (and take ``groups`` in ``fit``).
CONTEXT_MODELS = ("bc_lstm", "context_stage")


def make_vector_model(name: str, *, random_state: int | None = None, **params: Any) -> Any:
    """An unfitted classifier of :data:`VECTOR_MODELS` by name, e.g. ``make_vector_model("svm", C=0.1)``.

    Raises
    ------
    ParameterError
        Unknown name (the known ones are listed), or a parameter the model does not take.
    """
    if name not in VECTOR_MODELS:
        raise ParameterError(f"`name` must be one of {', '.join(map(repr, VECTOR_MODELS))}; got {name!r}. "
                             "Pass e.g. make_vector_model('svm').")
    try:
        return VECTOR_MODELS[name](random_state=random_state, **params)
    except TypeError as exc:
        raise ParameterError(f"vector model {name!r}: {exc}. Pass only parameters that model takes.") from None
