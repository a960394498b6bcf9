"""Keras models of the paper (§3): the attention layer, the CNN zoo, the branches and their fusion.

* :class:`ContextAttention` — attention over a context window (§3 attention equations).
* :class:`FrameStatistics`, :class:`AttentiveStatistics` — an utterance's frames pooled into one vector.
* :func:`build_cnn`, :data:`CNN_ZOO` — the SBCNN zoo (LeNet … ResNet152, plus a small CPU CNN).
* :func:`build_model` — UB-BiLSTM / UB-LSTM, SBCNN or AFF-ACRNN from an :class:`~affacrnn.models.config.AFFConfig`.
* :func:`embedding_model` — LASV, CASV, ASV or the attention weights of a built model.
* :func:`save_model`, :func:`load_model` — one ``.keras`` file with config, scaler and class names.

Submodules are imported on first use (PEP 562), so ``import affacrnn.models`` does not start
TensorFlow until a model is actually needed.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

import importlib

__all__ = [
    "ContextAttention",
    "FrameStatistics",
    "AttentiveStatistics",
    "CNN_ZOO",
    "build_cnn",
    "cnn_output_dim",
    "build_model",
    "build_context_stage",
    "build_utterance_encoder",
    "embedding_model",
    "EMBEDDINGS",
    "make_optimizer",
    "save_model",
    "load_model",
    "read_metadata",
]

_WHERE = {
    "ContextAttention": "attention",
    "FrameStatistics": "pooling",
    "AttentiveStatistics": "pooling",
    "CNN_ZOO": "cnn_zoo",
    "build_cnn": "cnn_zoo",
    "cnn_output_dim": "cnn_zoo",
    "build_model": "network",
    "build_context_stage": "network",
    "build_utterance_encoder": "network",
    "embedding_model": "network",
    "EMBEDDINGS": "network",
    "make_optimizer": "network",
    "save_model": "io",
    "load_model": "io",
    "read_metadata": "io",
}


def __getattr__(name: str):
    if name in _WHERE:
        from affacrnn._quiet import import_tensorflow

        import_tensorflow()
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
