"""The exception family of affacrnn.

Every error a user can cause by passing bad input derives from :class:`AffacrnnError`, so
``except affacrnn.AffacrnnError`` catches them all. Messages are one line: what was wrong
(naming the file or parameter), the value received, and how to fix it.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

__all__ = [
    "AffacrnnError",
    "ParameterError",
    "CorpusError",
    "AudioError",
    "FeatureError",
    "CacheError",
    "ModelError",
    "OutputError",
    "AffacrnnWarning",
]


class AffacrnnError(Exception):
    """Base class of every error raised on purpose by affacrnn."""


class ParameterError(AffacrnnError, ValueError):
    """A function or config parameter is malformed or out of range."""


class CorpusError(AffacrnnError):
    """A corpus folder, manifest or label file is missing or malformed."""


class AudioError(AffacrnnError):
    """An audio file cannot be used: missing, empty, undecodable, silent, too short or non-finite."""


class FeatureError(AffacrnnError):
    """Features cannot be computed for a signal (e.g. shorter than one analysis frame)."""


class CacheError(AffacrnnError):
    """The feature cache cannot be used (e.g. its folder is not writable)."""


class ModelError(AffacrnnError):
    """A model file is missing, corrupt, unsafe or incompatible with its config."""


class OutputError(AffacrnnError, OSError):
    """A file cannot be written (full disk, read-only or missing folder); nothing was changed.

    Raised by :func:`affacrnn._io.atomic_path` as ``OutputError(errno, message)``; ``str()`` is the
    one-line message.
    """

    def __str__(self) -> str:
        return self.strerror or super().__str__()


class AffacrnnWarning(UserWarning):
    """Something was done that the user should know about (e.g. rows dropped), not an error.

    The command line prints it as one line, ``affacrnn VERB: warning: ...``.
    """
