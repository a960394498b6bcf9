"""The type of the object ``argparse.ArgumentParser.add_subparsers()`` returns, for the verbs' signatures.

argparse has no public name for that class (it is ``argparse._SubParsersAction``), so the verbs'
``add_parser(subparsers)`` functions are annotated with this alias instead of the private name.

Notebook: book/01_preface.ipynb
"""
from typing import Any

__all__ = ["Subparsers"]

#: What ``ArgumentParser.add_subparsers()`` returns; every verb module's ``add_parser`` takes one.
Subparsers = Any
