"""The feature cache's files: one array per recording and setting, with a checksum of its bytes.

An entry is a ``.npy`` file followed by a 24-byte trailer (``affacrnn`` and a BLAKE2b-128 of the
array's bytes). :func:`load_entry` serves an entry only when the trailer matches: a bit flipped
on disk, a write cut short, or an entry of a version without checksums is recomputed instead of
being served (a flipped exponent bit once served values of 5.9e22 as "cached"). ``np.load`` of the
file still reads the array: the trailer comes after it.

The keys (:func:`content_hash` of a recording's bytes, hashed with the settings) are made in
:mod:`affacrnn.features.cache`.

Notebook: book/05_features.ipynb
"""
from __future__ import annotations

import errno
import hashlib
import io
import os
from pathlib import Path

import numpy as np

from affacrnn._io import atomic_path
from affacrnn.errors import AudioError, CacheError, OutputError

__all__ = ["content_hash", "entry_path", "load_entry", "save_entry"]

_MAGIC = b"affacrnn"
_TRAILER_BYTES = len(_MAGIC) + 16


def _trailer(body: bytes) -> bytes:
    return _MAGIC + hashlib.blake2b(body, digest_size=16).digest()


def content_hash(path: str | os.PathLike, *, row: int | None = None) -> str:
    """BLAKE2b-128 of a file's bytes: the feature cache's key for that recording.

    On content, not on path, size and modification time: a recording replaced by another of the
    same size with its time kept (``cp -p``, ``rsync -t``, ``tar``, ``touch -d``) must not be served
    the old features. Measured on the 1,440 RAVDESS files here (51 MiB): 0.06–0.15 ms per file,
    warm and cold page cache, against tens of milliseconds to extract its features.
    """
    h = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except FileNotFoundError:
        where = "" if row is None else f" (row {row} of the table)"
        raise AudioError(f"{path}: no such file{where}. Check the path and the data root (AFFACRNN_DATA).") from None
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        raise AudioError(f"{path}: is a symbolic link that leads nowhere (a loop). Point it at the audio file, or "
                         "pass the file itself.") from None
    except PermissionError:
        raise AudioError(f"{path}: cannot be read (permission denied). Give yourself read access (chmod +r).") from None
    except IsADirectoryError:
        raise AudioError(f"{path}: is a folder, not an audio file. Pass the path of one file.") from None
    return h.hexdigest()


def entry_path(root: Path, key: str) -> Path:
    """The cache file of ``key`` under ``root`` (sub-folders by the key's first two characters)."""
    return root / key[:2] / f"{key}.npy"


def load_entry(path: Path, shape: tuple[int, ...]) -> np.ndarray | None:
    """Load a cached array; ``None`` if absent, unreadable, failing its checksum, or not a finite
    float32 ``shape`` array (the caller then recomputes and overwrites it)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    body, mark = data[:-_TRAILER_BYTES], data[-_TRAILER_BYTES:]
    if len(data) <= _TRAILER_BYTES or mark != _trailer(body):
        return None  # a flipped bit, a truncated write, an entry from before checksums
    try:
        arr = np.load(io.BytesIO(body), allow_pickle=False)
    except Exception:  # noqa: BLE001 - garbage that passed the checksum cannot happen, but never serve it
        return None
    if not isinstance(arr, np.ndarray) or arr.shape != shape or arr.dtype != np.float32:
        return None
    if not np.all(np.isfinite(arr)):
        return None
    return arr


def save_entry(path: Path, arr: np.ndarray) -> None:
    """Write ``arr`` and its checksum to ``path`` atomically: a temporary file, then :func:`os.replace`."""
    buffer = io.BytesIO()
    np.save(buffer, arr, allow_pickle=False)
    body = buffer.getvalue()
    try:
        with atomic_path(path, suffix=".npy") as tmp:
            Path(tmp).write_bytes(body + _trailer(body))
    except OutputError as exc:
        raise CacheError(
            f"cannot write feature cache entry {path} ({os.strerror(exc.errno)}). "
            "Free disk space, pass cache_dir= a writable folder, or cache_dir=False."
        ) from None
