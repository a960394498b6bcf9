"""affacrnn — AFF-ACRNN audio sentiment analysis (Luo et al.), re-implemented for teaching.

The top level is the stable public surface. The folders follow the data path, and a module
imports only from its own stage or the ones before it (``tests/test_layout.py``):

=================  ===============================================================
data               corpora as tidy tables, label schemes, speaker splits, contexts, audio
features           the seven librosa feature types → 256 × D matrices; spectrum graphs (§3)
models             UB-BiLSTM, SBCNN, attention fusion, presets, model files (§3, Fig. 1–3)
evaluation         weighted accuracy, F1, majority baselines, CIs; the paper's baselines (§4)
training           train on a speaker-disjoint split, choose the epoch on validation
inference          split a recording into utterances and classify each in context (§5)
book, cli          the Jupyter book's build, kernel and widgets; the ``affacrnn`` command
=================  ===============================================================

The paper's experiments (Tables 1–6 on speaker folds, the claims ledger, the committed results and
the README's generated blocks) are not part of this library: they are the repository's
``reproduction`` package, which uses ``affacrnn`` as any user would.

Older short names still resolve as attributes (``affacrnn.spectrogram``, ``affacrnn.metrics``,
``affacrnn.baselines``, ``affacrnn.presets`` ...). Heavy modules (TensorFlow, librosa) load on
first use, so ``import affacrnn`` is quick.

Notebook: book/01_preface.ipynb
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
from affacrnn._numba import configure as _configure_numba

_configure_numba()

from affacrnn.data.audio import load_audio
from affacrnn.data.corpora import available_corpora, default_corpus, load_corpus
from affacrnn.errors import (
    AffacrnnError,
    AudioError,
    CacheError,
    OutputError,
    CorpusError,
    FeatureError,
    ModelError,
    ParameterError,
)
from affacrnn.data.labels import SCHEMES, apply_scheme, get_scheme

__version__ = "0.1.0"

# name -> module that defines it; imported on first attribute access (PEP 562).
_LAZY = {
    # features and spectrum graphs (paper §3)
    "extract_features": "features.frames",
    "PAPER_FEATURES": "features.frames",
    "ALL_FEATURES": "features.frames",
    "FEATURE_DIMS": "features.frames",
    "FeatureConfig": "features.frames",
    "column_blocks": "features.frames",
    "spectrum_graph": "features.spectrogram",
    "plot_spectrum_graph": "features.spectrogram",
    "FeatureScaler": "features.normalize",
    "featurize": "features.cache",
    "featurize_corpus": "features.cache",
    # splits and contexts
    "speaker_split": "data.splits",
    "mosi_paper_split": "data.splits",
    "mosi_bclstm_split": "data.splits",
    "load_mosi_vectors": "data.corpora.mosi_vectors",
    "cross_corpus_split": "data.splits",
    "context_windows": "data.context",
    # models, training, evaluation (paper §3-4)
    "AFFConfig": "models.config",
    "build_model": "models",
    "embedding_model": "models",
    "ContextAttention": "models",
    "save_model": "models",
    "load_model": "models",
    "prepare": "features.dataset",
    "train": "training",
    "evaluate": "training",
    "evaluate_predictions": "evaluation.metrics",
    "predict": "inference",
    "Predictor": "inference",
}
# public submodule name -> where it lives now (the names readers used before the layout of
# stages: data, features, models, training, evaluation, inference, book/cli).
_LAZY_MODULES = {
    "data": "data", "features": "features", "models": "models", "training": "training",
    "evaluation": "evaluation", "inference": "inference", "book": "book",
    "cli": "cli", "presets": "models.presets", "spectrogram": "features.spectrogram",
    "splits": "data.splits", "context": "data.context", "labels": "data.labels", "corpora": "data.corpora",
    "metrics": "evaluation.metrics", "baselines": "evaluation.baselines", "widgets": "book.widgets",
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
        return importlib.import_module(f".{_LAZY_MODULES[name]}", __name__)
    raise AttributeError(f"module 'affacrnn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_MODULES))
