"""affacrnn — AFF-ACRNN audio sentiment analysis (Luo et al.), re-implemented for teaching.

The top level is the stable public surface; submodules hold one paper concept each:

=================  ===========================================================
corpora, labels    corpora as tidy tables; label schemes (2/5/7-class, prototype's)
splits, context    speaker-disjoint splits; three-utterance context windows
audio              load any audio file as mono float32
features           the seven librosa feature types → 256 × D matrices (§3)
spectrogram        spectrum graphs for the CNN branch (§3)
models             UB-BiLSTM, SBCNN, attention fusion (§3, Fig. 1–3)
metrics            weighted accuracy, F1, macro F1, baselines, CIs (§4)
=================  ===========================================================

Heavy modules (TensorFlow, librosa) load on first use, so ``import affacrnn`` is quick.
"""
from __future__ import annotations

import importlib
import os
from typing import Any

# TensorFlow's C++ start-up chatter (CUDA probes, oneDNN notes) drowns a notebook's output;
# keep warnings and errors. A value the user set wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# numba caches librosa's kernels in a folder affacrnn owns (set before librosa is imported;
# cheap: nothing is compiled here). See affacrnn/_numba.py for the race this guards against.
from ._numba import configure as _configure_numba

_configure_numba()

from .audio import load_audio
from .corpora import available_corpora, default_corpus, load_corpus
from .errors import (
    AffacrnnError,
    AudioError,
    CacheError,
    OutputError,
    CorpusError,
    FeatureError,
    ModelError,
    ParameterError,
)
from .labels import SCHEMES, apply_scheme, get_scheme

__version__ = "0.1.0"

# name -> module that defines it; imported on first attribute access (PEP 562).
_LAZY = {
    # features and spectrum graphs (paper §3)
    "extract_features": "features",
    "PAPER_FEATURES": "features",
    "ALL_FEATURES": "features",
    "FEATURE_DIMS": "features",
    "FeatureConfig": "features",
    "column_blocks": "features",
    "spectrum_graph": "spectrogram",
    "plot_spectrum_graph": "spectrogram",
    "FeatureScaler": "normalize",
    "featurize_corpus": "featurize",
    # splits and contexts
    "speaker_split": "splits",
    "mosi_paper_split": "splits",
    "cross_corpus_split": "splits",
    "context_windows": "context",
    # models, training, evaluation (paper §3-4)
    "AFFConfig": "config",
    "build_model": "models",
    "embedding_model": "models",
    "ContextAttention": "models",
    "save_model": "models",
    "load_model": "models",
    "prepare": "dataset",
    "train": "train",
    "evaluate": "train",
    "evaluate_predictions": "metrics",
    "predict": "inference",
    "Predictor": "inference",
}
_LAZY_MODULES = {
    "presets", "features", "spectrogram", "splits", "context", "labels", "corpora", "metrics", "models",
    "baselines", "experiments", "inference", "book", "widgets",
}

__all__ = [
    "__version__",
    "load_corpus",
    "available_corpora",
    "default_corpus",
    "load_audio",
    "apply_scheme",
    "get_scheme",
    "SCHEMES",
    "AffacrnnError",
    "ParameterError",
    "CorpusError",
    "AudioError",
    "FeatureError",
    "CacheError",
    "OutputError",
    "ModelError",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'affacrnn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _LAZY_MODULES)
