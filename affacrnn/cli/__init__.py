"""The ``affacrnn`` command line: :mod:`affacrnn.cli.app` parses and dispatches; one module per verb.

========== ===================================  =========================================
verb       module                               chapter
========== ===================================  =========================================
corpora    :mod:`affacrnn.cli.app`              book/04_data_labels_splits.ipynb
features   :mod:`affacrnn.cli.features`         book/05_features.ipynb
train      :mod:`affacrnn.cli.train`            book/06_ub_bilstm.ipynb
predict    :mod:`affacrnn.cli.predict`          book/11_inference.ipynb
book       :mod:`affacrnn.cli.book`             book/01_preface.ipynb
experiment :mod:`reproduction.cli`       book/10_reproduction_audit.ipynb
========== ===================================  =========================================

The console script is ``affacrnn = affacrnn.cli:console`` (:func:`main` as a process); ``python -m affacrnn.cli``
is the same.
(The parser lives in ``app.py``, not ``main.py``: a submodule named ``main`` would be shadowed by
the ``main`` function the console script needs here.)

Notebook: book/01_preface.ipynb
"""
from affacrnn.cli.app import build_parser, console, main

__all__ = ["main", "console", "build_parser"]
