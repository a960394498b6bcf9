"""Each chapter's measured run time, written by a book run and shown where a reader looks first.

A chapter opens in smoke mode (``SMOKE = True`` in its parameters cell: *Run All* gives the quick
version), and its first lines say so, with how long that takes and how long the full-size run
takes (:func:`run_note`); its parameters cell's first line repeats the figures. They are not
typed: ``affacrnn book --run OUT --record-times`` (smoke, or ``--full``) times every chapter it
executes, merges the times into ``book/_times.json`` with the machine and corpus they were
measured on, and rewrites both lines from that file. A test keeps the chapters equal to the file,
so a stale or hand-made figure fails.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from pathlib import Path

from affacrnn._io import atomic_write_text
from affacrnn.settings import REPO_ROOT

__all__ = ["TIMES_FILE", "STAMP_PREFIX", "NOTE_PREFIX", "read_times", "record_times", "times_line", "run_note",
           "stamp_parameters"]

#: Where the measured times live (committed with the book).
TIMES_FILE = REPO_ROOT / "book" / "_times.json"
#: The parameters cell's first line starts with this.
STAMP_PREFIX = "# Run time, measured"
#: The chapter's note on modes and times (in its first Markdown cell, under the title) starts with this.
NOTE_PREFIX = "> **Run time.**"


def read_times(path: str | os.PathLike | None = None) -> dict:
    """The recorded times: ``{chapter stem: {"smoke"|"full": {"seconds", "date", "cpus", "corpus"}}}``."""
    p = Path(path) if path is not None else TIMES_FILE
    return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}


def record_times(runs: Iterable, *, smoke: bool, corpus: str, path: str | os.PathLike | None = None) -> Path:
    """Merge the run times of ``runs`` (:class:`~affacrnn.book.build.ChapterRun`) into the times file.

    Parameters
    ----------
    runs : iterable of ChapterRun
        Chapters just executed (their ``seconds``).
    smoke : bool
        Which mode they ran in.
    corpus : str
        The corpus the chapters used by default (recorded beside the figure).
    path : path-like, optional
        Default :data:`TIMES_FILE`.
    """
    p = Path(path) if path is not None else TIMES_FILE
    times = read_times(p)
    today = dt.date.today().isoformat()
    for run in runs:
        entry = times.setdefault(Path(run.chapter).stem, {})
        entry["smoke" if smoke else "full"] = {"seconds": round(float(run.seconds), 1), "date": today,
                                               "cpus": os.cpu_count(), "corpus": corpus}
    return atomic_write_text(p, json.dumps(dict(sorted(times.items())), indent=1) + "\n")


def _fmt(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def times_line(stem: str, times: dict | None = None) -> str:
    """The parameters cell's first line for chapter ``stem``, from the recorded times."""
    entry = (times if times is not None else read_times()).get(stem, {})
    parts = []
    for mode in ("smoke", "full"):
        m = entry.get(mode)
        parts.append(f"{mode} {_fmt(m['seconds'])} ({m['cpus']} cores, {m['corpus']}, {m['date']})" if m
                     else f"{mode} not measured yet")
    return f"{STAMP_PREFIX} (book/_times.json): " + "; ".join(parts)


def run_note(stem: str, times: dict | None = None) -> str:
    """The line under chapter ``stem``'s title: what *Run All* runs, how long, and how to run it at full size."""
    entry = (times if times is not None else read_times()).get(stem, {})

    def took(mode: str) -> str:
        m = entry.get(mode)
        return f"{_fmt(m['seconds'])} measured on {m['cpus']} cores ({m['corpus']}, {m['date']})" if m \
            else "not measured yet"

    return (f"{NOTE_PREFIX} *Run All* runs this chapter in smoke mode (`SMOKE = True` in the first code cell: "
            f"a small slice, a small model): {took('smoke')}. Set `SMOKE = False` there for the full-size run: "
            f"{took('full')}. Measured one chapter at a time, in reading order.")


def _stamped(source: str, prefix: str, line: str, *, at: int) -> str:
    """``source`` with its line starting ``prefix`` replaced by ``line``, or ``line`` inserted at line ``at``."""
    lines = source.splitlines()
    for i, old in enumerate(lines):
        if old.startswith(prefix):
            lines[i] = line
            return "\n".join(lines)
    # under a title: a blank line before the note (the title cell's own blank line follows it)
    return "\n".join([*lines[:at], *([""] if at else []), line, *lines[at:]])


def stamp_parameters(chapters: Iterable[str | os.PathLike], *, times: dict | None = None) -> list[Path]:
    """Rewrite each chapter's times from ``times``: the note under its title (:func:`run_note`) and
    the first line of its parameters cell (:func:`times_line`). Returns the chapters changed."""
    import nbformat

    times = times if times is not None else read_times()
    changed = []
    for chapter in map(Path, chapters):
        nb = nbformat.read(chapter, as_version=4)
        title = next(c for c in nb.cells if c.cell_type == "markdown")
        cell = next(c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", []))
        new_title = _stamped(title.source, NOTE_PREFIX, run_note(chapter.stem, times), at=1)
        new = _stamped(cell.source, STAMP_PREFIX, times_line(chapter.stem, times), at=0)
        if (new_title, new) != (title.source, cell.source):
            title.source, cell.source = new_title, new
            atomic_write_text(chapter, nbformat.writes(nb) + "\n")  # as JupyterLab and nbformat.write end a file
            changed.append(chapter)
    return changed
