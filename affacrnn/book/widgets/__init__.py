"""The chapters' interactive widgets (ipywidgets), one module per chapter that has widgets.

=======================================  ===========================================================
module                                   chapter and what it holds
=======================================  ===========================================================
:mod:`affacrnn.book.widgets.listen`      2, listen: :func:`utterance_browser`, :func:`label_column`,
                                         :func:`wav_bytes`, :func:`plot_utterance`
:mod:`affacrnn.book.widgets.features`    5, features: :func:`feature_explorer`,
                                         :func:`plot_feature_matrix`
:mod:`affacrnn.book.widgets.ablation`    6, UB-BiLSTM: :func:`ablation_widget`
:mod:`affacrnn.book.widgets.fusion`      8, fusion and attention: :func:`attention_viewer`,
                                         :func:`plot_attention`, :func:`asv_projection`,
                                         :func:`plot_projection`
:mod:`affacrnn.book.widgets.voice`       11, inference: :func:`voice_classifier` (your own voice:
                                         microphone or upload), :class:`Microphone`
=======================================  ===========================================================

Chapter 9's yardstick widget reads the committed fold runs, so it lives with the reproduction
(:mod:`reproduction.widgets`). Every public name is re-exported here, so chapters import from ``affacrnn.book.widgets``; each
chapter's module loads on first use (PEP 562), so chapter 2 does not pay for chapter 8's
scikit-learn. The
widgets work in JupyterLab (live) and in the HTML book (the state saved at execution time).

Notebook: book/02_listen.ipynb
"""
from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the chapter module that defines it.
_WHERE = {
    "utterance_browser": "listen", "UtteranceBrowser": "listen", "label_column": "listen", "wav_bytes": "listen",
    "plot_utterance": "listen",
    "feature_explorer": "features", "FeatureExplorer": "features", "plot_feature_matrix": "features",
    "ablation_widget": "ablation", "AblationWidget": "ablation",
    "attention_viewer": "fusion", "AttentionViewer": "fusion", "plot_attention": "fusion", "asv_projection": "fusion",
    "plot_projection": "fusion",
    "voice_classifier": "voice", "VoiceClassifier": "voice", "Microphone": "voice",
}

__all__ = list(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"affacrnn.book.widgets.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
