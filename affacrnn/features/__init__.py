"""Acoustic features (paper §3): frame features, spectrum graphs, normalisation, the cache, datasets.

=================================  ================================================  ========================
module                             what                                              chapter
=================================  ================================================  ========================
:mod:`affacrnn.features.frames`     the seven librosa feature types → 256 × D matrices book/05_features.ipynb
:mod:`affacrnn.features.spectrogram` spectrum graphs for the CNN branch               book/07_sbcnn.ipynb
:mod:`affacrnn.features.normalize`  per-column scaler fitted on training speakers      book/05_features.ipynb
:mod:`affacrnn.features.cache`      ``featurize``: parallel, cached extraction          book/05_features.ipynb
:mod:`affacrnn.features.dataset`    ``prepare``: split, contexts, scaled arrays         book/06_ub_bilstm.ipynb
=================================  ================================================  ========================

The frame-feature names (``extract_features``, ``FeatureConfig``, ...) are re-exported here, so
``from affacrnn.features import extract_features`` reads as before. This stage imports only
:mod:`affacrnn.data` below it.

Notebook: book/05_features.ipynb
"""
from __future__ import annotations

from affacrnn.features import frames
from affacrnn.features.frames import *  # noqa: F401,F403  (the public surface of this stage)

__all__ = list(frames.__all__)
