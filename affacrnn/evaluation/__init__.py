"""Evaluation (paper §4): the metrics every result is read by, and the baselines it is read against.

====================================  ===========================================================  ========================
module                                what                                                         chapter
====================================  ===========================================================  ========================
:mod:`affacrnn.evaluation.metrics`    weighted accuracy, F1, macro F1, majority baseline, CIs       book/10_reproduction_audit.ipynb
:mod:`affacrnn.evaluation.baselines`  the paper's Table 5/6 baselines (SVM, NB, GMM, HMM, DTW, ...)  book/09_baselines.ipynb
====================================  ===========================================================  ========================

Evaluation sits below training in the data path (training scores its runs with
:mod:`~affacrnn.evaluation.metrics`) and imports only data and features.

Notebook: book/09_baselines.ipynb
"""
