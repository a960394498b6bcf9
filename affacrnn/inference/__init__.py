"""Inference on real speech (paper §5): split a recording into utterances, classify each in context.

======================================  ===========================================================
module                                  what
======================================  ===========================================================
:mod:`affacrnn.inference.segment`       split a recording at its silences (streamed energy VAD)
:mod:`affacrnn.inference.runtime`       compiled forward passes, batch padding, one BLAS thread
:mod:`affacrnn.inference.predictor`     :class:`Predictor`: a saved model applied to a file or array
======================================  ===========================================================

:class:`Predictor` and :func:`predict` load on first use (PEP 562): they start TensorFlow, which
splitting a recording does not need.

Notebook: book/11_inference.ipynb
"""
from __future__ import annotations

import importlib
from typing import Any

from affacrnn.inference.segment import (
    EDGE_PAD,
    MAX_UTTERANCE,
    MIN_SILENCE,
    MIN_UTTERANCE,
    MIN_VOICED,
    TOP_DB,
    split_utterances,
)

__all__ = ["Predictor", "predict", "split_utterances", "TOP_DB", "MIN_SILENCE", "MIN_UTTERANCE", "MAX_UTTERANCE",
           "EDGE_PAD", "MIN_VOICED", "HOW_TO_GET_A_MODEL"]

_LAZY = {"Predictor", "predict", "HOW_TO_GET_A_MODEL"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module("affacrnn.inference.predictor"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY)
