"""Where affacrnn looks for corpora and keeps its cache.

One setting each, read from the environment at call time (never at import), so a notebook or a
test can change them with ``os.environ``:

``AFFACRNN_DATA``
    The data root holding one folder per corpus (``ravdess/``, ``emodb/``, ``mosi/``, ``demo/``).
    Default: ``data/`` at the top of the repository (for an editable install), else ``./data``.
``AFFACRNN_CACHE``
    The feature cache. Default: the user's cache folder (``$XDG_CACHE_HOME/affacrnn`` or
    ``~/.cache/affacrnn``).

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import os
from pathlib import Path

from affacrnn.errors import ParameterError

__all__ = ["data_root", "check_data_root", "cache_dir", "REPO_ROOT"]

#: The repository root when the package is used from a checkout (editable install).
REPO_ROOT = Path(__file__).resolve().parent.parent


def data_root(root: str | os.PathLike | None = None) -> Path:
    """Return the data root: ``root`` if given, else ``$AFFACRNN_DATA``, else the repo's ``data/``.

    Parameters
    ----------
    root : str or path-like, optional
        An explicit folder; wins over the environment.

    Returns
    -------
    pathlib.Path
        The folder (it may not exist; corpus loaders say so with a :class:`~affacrnn.CorpusError`).
    """
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("AFFACRNN_DATA")
    if env:
        return Path(env).expanduser()
    repo_data = REPO_ROOT / "data"
    if (REPO_ROOT / "pyproject.toml").is_file():
        return repo_data
    return Path.cwd() / "data"


def check_data_root(root: str | os.PathLike | None) -> None:
    """Refuse an explicit data root (``--root``) that is not a folder: no corpus is there, and the
    demo corpus would be built in its place without a word.

    Raises
    ------
    ParameterError
        ``root`` is empty or not an existing folder.
    """
    if root is None:
        return
    if not str(root).strip():
        raise ParameterError("`--root` is empty. Pass the folder that holds the corpora, or leave --root out.")
    if not Path(root).expanduser().is_dir():
        raise ParameterError(f"`--root` {root} is not a folder. Pass the folder that holds the corpora "
                             "(ravdess/, emodb/, mosi/), or leave --root out to use $AFFACRNN_DATA.")


def cache_dir(path: str | os.PathLike | None = None) -> Path:
    """Return the feature cache folder: ``path``, else ``$AFFACRNN_CACHE``, else the user cache."""
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get("AFFACRNN_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "affacrnn"
