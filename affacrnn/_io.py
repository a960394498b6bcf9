"""The one way affacrnn writes a file: atomically, and as strict JSON where it is JSON.

Every file the package writes (results, models, feature caches and ``--output`` arrays, kernel
specs, the demo corpus's manifest) goes through :func:`atomic_path`: the content is written to a
temporary file in the target's folder and moved onto the target with :func:`os.replace` only once
it is complete and flushed. A full disk, a killed process or an exception mid-write leaves the
old file as it was (or no file), never half of one; the temporary file is removed.

A failure to write raises :class:`~affacrnn.errors.OutputError` (an ``OSError`` too) whose one-line
message names the file, the reason (``No space left on device``, ``Permission denied`` ...) and
the fix.

JSON is written with :func:`strict_json`: ``NaN`` and infinities become ``null`` (strict readers
such as ``JSON.parse`` reject ``NaN``), numpy scalars and arrays become numbers and lists.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

from affacrnn.errors import OutputError, ParameterError

__all__ = [
    "atomic_path", "atomic_write_bytes", "atomic_write_text", "atomic_write_json", "strict_json", "to_jsonable",
    "refuse_unwritable",
]

_FIX = {
    errno.ENOSPC: "Free disk space or write somewhere else.",
    errno.EDQUOT: "Free disk space (quota) or write somewhere else.",
    errno.EACCES: "Choose a folder you can write to.",
    errno.EPERM: "Choose a folder you can write to.",
    errno.EROFS: "Choose a folder on a writable file system.",
    errno.ENOENT: "Create the folder first or choose another path.",
    errno.ENOTDIR: "A part of the path is a file, not a folder: choose another path.",
    errno.EISDIR: "The path is a folder: name a file inside it.",
}


def _error(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    fix = _FIX.get(exc.errno or -1, "Check the path and the disk.")
    return OutputError(exc.errno or errno.EIO, f"cannot write {path}: {reason}. {fix}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, make_parents: bool = True, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` when the block succeeds.

    Parameters
    ----------
    path : path-like
        The file to write.
    make_parents : bool
        Create missing parent folders (``False``: a missing folder is an error).
    suffix : str
        Ending of the temporary name (some writers, e.g. Keras, insist on ``.keras``).

    Yields
    ------
    pathlib.Path
        Write the whole content there (any writer: ``np.savez``, ``model.save``, ``open``).

    Raises
    ------
    OutputError
        The folder cannot be made or written, or the disk is full; ``path`` is unchanged.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(errno.EISDIR, f"cannot write {path}: it is a folder. Name a file inside it.")
    try:
        if make_parents:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{suffix}", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise _error(path, exc) from None
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:  # the content is on disk before it gets the final name
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(path))  # mkstemp makes 0600; the file gets the mode `open` would give it
        os.replace(tmp, path)
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise _error(path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _mode_for(path: Path) -> int:
    """The replaced file's own mode, or a new file's (0666 less the umask), as a plain ``open`` would leave."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


def _read_umask() -> int:
    umask = os.umask(0)  # the only way to read it; done once, at import, before any thread starts
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`); return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def to_jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON types: NaN/inf floats as ``None``, numpy values as Python ones, tuples
    as lists, a DataFrame as ``{"classes", "matrix"}`` (square, same names: a confusion matrix) or
    ``{"index", "columns", "data"}``, anything else as its ``str``."""
    if hasattr(obj, "to_numpy") and hasattr(obj, "columns") and hasattr(obj, "index"):  # a DataFrame
        index, columns = [str(i) for i in obj.index], [str(c) for c in obj.columns]
        values = to_jsonable(obj.to_numpy())
        if index == columns:  # a confusion matrix: rows true, columns predicted, one list of names
            return {"classes": columns, "matrix": values}
        return {"index": index, "columns": columns, "data": values}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "tolist") and hasattr(obj, "dtype"):  # numpy arrays and scalars
        return to_jsonable(obj.tolist())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return str(obj)


def strict_json(obj: Any, *, indent: int | None = None) -> str:
    """``json.dumps`` that never writes ``NaN``/``Infinity`` (they become ``null``)."""
    return json.dumps(to_jsonable(obj), indent=indent, allow_nan=False)


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as strict, indented JSON to ``path`` atomically; return the path."""
    return atomic_write_text(path, strict_json(obj, indent=2) + "\n")


def refuse_unwritable(folder: str | os.PathLike, *, what: str, target: str | os.PathLike) -> None:
    """Refuse, before any work, a ``target`` whose ``folder`` cannot be made or written.

    Missing folders are made when the target is written, so what is checked is the nearest
    folder that exists: it must be a folder, and writable.

    Parameters
    ----------
    folder : path-like
        The folder the target will be written in (or the target folder itself).
    what : str
        The parameter as the user typed it, e.g. ``"`--output`"``; starts the message.
    target : path-like
        The path the user gave, shown in the message.

    Raises
    ------
    ParameterError
        ``WHAT TARGET: FOLDER is a file, not a folder`` or ``... is not writable``, with the fix.
    """
    existing = next((p for p in (Path(folder), *Path(folder).parents) if p.exists()), None)
    if existing is None:
        return
    if not existing.is_dir():
        raise ParameterError(f"{what} {target}: {existing} is a file, not a folder. Choose another path.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ParameterError(f"{what} {target}: {existing} is not writable. Choose a folder you can write to.")
    try:  # access() says yes for root everywhere, and for file systems such as /proc that take no new files
        os.rmdir(tempfile.mkdtemp(prefix=".affacrnn-probe-", dir=existing))
    except OSError as exc:
        raise ParameterError(f"{what} {target}: nothing can be created in {existing} ({exc.strerror}). Choose a "
                             "folder you can write to.") from None

