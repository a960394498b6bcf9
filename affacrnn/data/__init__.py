"""The data path's first stage: corpora and their labels, audio, speaker splits, context windows.

=============================  ==============================================  ==================================
module                         what                                            chapter
=============================  ==============================================  ==================================
:mod:`affacrnn.data.audio`     load any audio file as mono float32             book/02_listen.ipynb
:mod:`affacrnn.data.corpora`   corpora as tidy tables (one module per corpus)  book/04_data_labels_splits.ipynb
:mod:`affacrnn.data.demo`      the synthetic espeak-ng corpus                  book/02_listen.ipynb
:mod:`affacrnn.data.labels`    label schemes (2/5/7-class, the prototype's)    book/04_data_labels_splits.ipynb
:mod:`affacrnn.data.splits`    speaker-disjoint and the paper's MOSI splits    book/04_data_labels_splits.ipynb
:mod:`affacrnn.data.context`   three-utterance context windows                 book/04_data_labels_splits.ipynb
=============================  ==============================================  ==================================

Nothing here imports from a later stage (features, models, ...); ``tests/test_layout.py`` checks it.

Notebook: book/04_data_labels_splits.ipynb
"""
