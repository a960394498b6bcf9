"""Results files of the experiments: ``<name>.csv`` and ``<name>.json`` with provenance.

:func:`write_results` writes both atomically (rows, caption, mode, seeds, wall time, parameters,
config and :func:`affacrnn.provenance.environment`); :func:`read_results` reads a committed one
back for the book, saying where it came from.

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from affacrnn.errors import ParameterError
from affacrnn.provenance import atomic_write_json, atomic_write_text, environment, to_jsonable

__all__ = ["write_results", "read_results", "results_path", "REPO_ROOT", "RESULTS_DIR"]

#: The repository this package is part of: the reproduction reads and writes its files, the library never does.
REPO_ROOT = Path(__file__).resolve().parent.parent
#: Where the committed results live (``results/`` of the repository).
RESULTS_DIR = REPO_ROOT / "results"


def write_results(df: pd.DataFrame, name: str, out_dir: str | Path, *, mode: str, seeds: Sequence[int] | None,
                  wall_seconds: float, params: dict | None = None) -> tuple[Path, Path]:
    """Write ``<out_dir>/<name>.csv`` and ``<out_dir>/<name>.json`` atomically.

    The JSON holds ``rows`` (the table), ``caption``, ``mode``, ``seeds``, ``wall_seconds``,
    ``params``, the base ``config``, experiment-specific ``extra`` and ``provenance``
    (:func:`affacrnn.provenance.environment`: command, git commit, package versions, date,
    machine).

    Returns
    -------
    (csv_path, json_path)
    """
    out = Path(out_dir)
    csv_path = atomic_write_text(out / f"{name}.csv", df.to_csv(index=False, float_format="%.4f"))
    record = {
        "name": name,
        "caption": df.attrs.get("caption", ""),
        "mode": mode,
        "seeds": list(seeds) if seeds is not None else None,
        "wall_seconds": round(float(wall_seconds), 2),
        "params": to_jsonable(params or {}),
        "config": df.attrs.get("config"),
        "extra": to_jsonable(df.attrs.get("extra", {})),
        "columns": list(df.columns),
        "rows": to_jsonable(df.astype(object).to_dict(orient="records")),
        "provenance": environment(),
    }
    json_path = atomic_write_json(out / f"{name}.json", record)
    return csv_path, json_path


def results_path(name: str, results_dir: str | Path | None) -> Path:
    """``<results_dir>/<name>.json``; default the repository's ``results/``."""
    return (Path(results_dir) if results_dir is not None else REPO_ROOT / "results") / f"{name}.json"


def read_results(name: str, *, results_dir: str | Path | None = None) -> tuple[pd.DataFrame, str, str] | None:
    """A committed result of :func:`run_experiment`, or None when there is none.

    Parameters
    ----------
    name : str
        Experiment name (``table2`` …).
    results_dir : path-like, optional
        Default the repository's ``results/``.

    Returns
    -------
    (table, caption, source) or None
        ``table``: the rows (columns in their written order); ``source``: one line saying where it
        came from (mode, seeds, wall time, commit, date, CPUs).
    """
    path = results_path(name, results_dir)
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
        rows = record["rows"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ParameterError(f"{path} is not a results file of `affacrnn experiment` ({exc}); "
                             "delete it or re-run the experiment.") from exc
    prov = record.get("provenance") or {}
    source = (f"read from {path.parent.name}/{path.name}: mode {record.get('mode')}, seeds {record.get('seeds')}, "
              f"{(record.get('wall_seconds') or 0) / 60:.0f} min wall time, commit {str(prov.get('commit'))[:12]}, "
              f"{prov.get('date', '?')}, {prov.get('cpus', '?')} CPUs")
    return pd.DataFrame(rows, columns=record.get("columns")), record.get("caption", ""), source
