"""``python -m affacrnn.cli``: the console script without installing it.

Notebook: book/01_preface.ipynb
"""
import sys

from affacrnn.cli.app import main

sys.exit(main())
