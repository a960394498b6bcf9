"""``python -m affacrnn.cli``: the console script without installing it.

Notebook: book/01_preface.ipynb
"""
from affacrnn.cli.app import console

console()
