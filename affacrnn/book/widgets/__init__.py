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
=======================================  ===========================================================

Every public name is re-exported here, so chapters import from ``affacrnn.book.widgets``. The
widgets work in JupyterLab (live) and in the HTML book (the state saved at execution time).

Notebook: book/02_listen.ipynb
"""
from __future__ import annotations

from affacrnn.book.widgets.ablation import AblationWidget, ablation_widget
from affacrnn.book.widgets.features import FeatureExplorer, feature_explorer, plot_feature_matrix
from affacrnn.book.widgets.fusion import (
    AttentionViewer,
    asv_projection,
    attention_viewer,
    plot_attention,
    plot_projection,
)
from affacrnn.book.widgets.listen import (
    UtteranceBrowser,
    label_column,
    plot_utterance,
    utterance_browser,
    wav_bytes,
)

__all__ = ["utterance_browser", "UtteranceBrowser", "label_column", "wav_bytes", "plot_utterance",
           "attention_viewer", "AttentionViewer", "plot_attention", "asv_projection", "plot_projection",
           "feature_explorer", "FeatureExplorer", "plot_feature_matrix", "ablation_widget", "AblationWidget"]
