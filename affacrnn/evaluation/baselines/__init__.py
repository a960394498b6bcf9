"""Baselines: the paper's traditional classifiers (Table 5) and its state of the art (Table 6).

The paper compares AFF-ACRNN with five "traditional" classifiers on MOUD (§4, "Comparison with
traditional method", Table 5) — SVM and Naive Bayes (after Maghilnan et al. 2017, there on text)
and DTW, HMM and GMM on MFCC-type features (after Bakır et al. 2018) — and with the contextual
LSTM of Poria et al. 2017 (§4, "Comparison with the state-of-art", Table 6). The paper gives no
settings for any of them; the choices are ours and are documented where they are made.

Every baseline is a scikit-learn classifier (``fit(X, y)``, ``predict(X)``, ``predict_proba``
where natural, ``get_params``/``set_params``), so ``clone``, ``cross_val_score`` and grid
searches work. Constructors only store their arguments; everything learned ends in ``_``.
The input ``X`` and the handling of padding frames are described in
:mod:`affacrnn.evaluation.baselines.base`.

===================================================  ==================================================
module                                               what
===================================================  ==================================================
:mod:`affacrnn.evaluation.baselines.base`            ``FrameBaseline`` (shared glue), argument checks,
                                                     ``frame_lengths`` (padding detection)
:mod:`affacrnn.evaluation.baselines.statistics`      ``STATISTICS``, ``utterance_statistics``,
                                                     ``stack_context``, ``StatisticsBaseline``
:mod:`affacrnn.evaluation.baselines.classic`         ``SVMBaseline``, ``NaiveBayesBaseline``
:mod:`affacrnn.evaluation.baselines.generative`      ``GMMBaseline``, ``HMMBaseline``
:mod:`affacrnn.evaluation.baselines.dtw`             ``DTWBaseline``
:mod:`affacrnn.evaluation.baselines.bc_lstm`         ``BCLSTMBaseline``
``affacrnn.evaluation.baselines`` (this package)     the registry ``BASELINES``, ``make_baseline``, and
                                                     the public names above
===================================================  ==================================================

===============  ===================================================  =======================
name             model                                                default input
===============  ===================================================  =======================
``svm``          utterance statistics → StandardScaler → SVC          all blocks, mean + std
``naive_bayes``  utterance statistics → GaussianNB                    all blocks, mean + std
``gmm``          a GaussianMixture per class on frames                MFCC frames
``hmm``          an hmmlearn GaussianHMM per class on sequences       MFCC, every 2nd frame
``dtw``          k-nearest neighbours by DTW (tslearn ``cdist_dtw``)  MFCC, resampled to 80
``bc_lstm``      statistics → BiLSTM over a context window (Keras)    MFCC, mean + std
===============  ===================================================  =======================

Cost, measured on RAVDESS (256 × 33 features; 8 emotions; actors 1–19 train = 1140
utterances, actors 20–24 test = 300; defaults, ``random_state=0``; 2 CPU cores shared with other
jobs; ranges are two runs at different loads): fit / predict in seconds, and held-out
accuracy (chance 12.5 %; the same in both runs).

===========  =======  ===========  ========
baseline     fit (s)  predict (s)  accuracy
===========  =======  ===========  ========
svm          0.3–0.8  < 0.1        0.45
naive_bayes  0.1      < 0.1        0.41
gmm          18–31    0.4–0.6      0.34
hmm          35–45    0.4–0.8      0.20
dtw          3–5      17–28 [#]_   0.36
bc_lstm      26–27    1.5          0.44
===========  =======  ===========  ========

.. [#] of which ~6 s compile tslearn's numba DTW, once per process. bc_lstm was given
   3-utterance context windows (:func:`stack_context`).

See Also
--------
affacrnn.features.frames.extract_features : the per-utterance input matrices.
affacrnn.data.context.context_windows : the window indices :func:`stack_context` takes.

Notebook: book/09_baselines.ipynb
"""
from __future__ import annotations

from typing import Any

from affacrnn.errors import ParameterError
from affacrnn.evaluation.baselines.base import FrameBaseline, frame_lengths
from affacrnn.evaluation.baselines.bc_lstm import BCLSTMBaseline
from affacrnn.evaluation.baselines.classic import NaiveBayesBaseline, SVMBaseline
from affacrnn.evaluation.baselines.dtw import DTWBaseline
from affacrnn.evaluation.baselines.generative import GMMBaseline, HMMBaseline
from affacrnn.evaluation.baselines.statistics import STATISTICS, stack_context, utterance_statistics

__all__ = [
    "STATISTICS",
    "frame_lengths",
    "utterance_statistics",
    "stack_context",
    "SVMBaseline",
    "NaiveBayesBaseline",
    "GMMBaseline",
    "HMMBaseline",
    "DTWBaseline",
    "BCLSTMBaseline",
    "BASELINES",
    "make_baseline",
    "param_names",
    "register_baseline",
]


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------
#: Name → baseline class (the rows of the paper's Tables 5 and 6).
BASELINES: dict[str, type[FrameBaseline]] = {
    "svm": SVMBaseline,
    "naive_bayes": NaiveBayesBaseline,
    "gmm": GMMBaseline,
    "hmm": HMMBaseline,
    "dtw": DTWBaseline,
    "bc_lstm": BCLSTMBaseline,
}


def register_baseline(name: str, cls: type[FrameBaseline]) -> type[FrameBaseline]:
    """Add a baseline class under ``name``: :func:`make_baseline` and the experiments' models can use it.

    ``cls`` must be a scikit-learn classifier on the frame tensors (a :class:`FrameBaseline`
    subclass) whose constructor takes only keyword arguments with defaults.
    """
    if name in BASELINES:
        raise ParameterError(f"baseline {name!r} is already registered; pick another name.")
    if not (isinstance(cls, type) and issubclass(cls, FrameBaseline)):
        raise ParameterError(f"baseline {name!r}: `cls` must be a FrameBaseline subclass; got {cls!r}.")
    BASELINES[name] = cls
    return cls


def make_baseline(name: str, **params: Any) -> FrameBaseline:
    """An unfitted baseline by name, e.g. ``make_baseline("svm", C=10.0)``.

    Parameters
    ----------
    name : str
        A key of :data:`BASELINES`: ``svm``, ``naive_bayes``, ``gmm``, ``hmm``, ``dtw``, ``bc_lstm``.
    **params
        Constructor arguments of that class.

    Raises
    ------
    ParameterError
        Unknown name (the known ones are listed) or an argument the class does not take.
    """
    if name not in BASELINES:
        raise ParameterError(
            f"`name` must be one of {', '.join(map(repr, BASELINES))}; got {name!r}. "
            "Pass e.g. make_baseline('svm')."
        )
    cls = BASELINES[name]
    valid = param_names(name)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ParameterError(
            f"{cls.__name__} takes no parameter(s) {unknown!r}; it takes {', '.join(valid)}."
        )
    return cls(**params)


def param_names(name: str) -> list[str]:
    """The constructor parameters of baseline ``name``, through scikit-learn's public ``get_params``."""
    return sorted(BASELINES[name]().get_params(deep=False))
