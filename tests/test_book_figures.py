"""The chapters' prose quotes committed results, never figures of its own: a drift guard.

Prose that reads a result ("ZFNet, 65.5 ± 5.6") is typed, so a re-run can leave it behind. This
test finds every ``mean ± sd`` figure in the chapters' Markdown and looks for it in what the
committed results say: ``results/claims.md`` (the ledger and Tables 2–6 on our folds), the README's
generated block, the cross-validation summaries (:mod:`reproduction.summary`), the
single-split tables (``results/table*.csv``, accuracy and F1 over seeds) and the paired
differences over folds of any two committed fold series of one corpus and scheme (the way the
ledger pairs them). A figure found nowhere is a typo or a number the results no longer give.
"""
from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from reproduction.fold_tables import fold_runs, per_fold, plus_minus
from reproduction.summary import ablation_table, comparisons_table, crossval_table
from reproduction.verdicts import paired

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
#: ``62.0 ± 7.5``, ``+0.0 ± 5.4``, ``−2.0 ± 2.7`` (the prose writes a true minus).
FIGURE = re.compile(r"[−+-]?\d+\.\d ± \d+\.\d")


def _figures(text: str) -> set[str]:
    """The ``mean ± sd`` figures of ``text``, signs made one way (``+0.3`` is ``0.3``, ``−2.0`` is ``-2.0``)."""
    return {f.replace("−", "-").lstrip("+") for f in FIGURE.findall(text)}


def _fold_differences() -> set[str]:
    """Every paired difference of macro-F1 over folds, ``mean ± sd``, of two series of one corpus and scheme
    (paired as the ledger pairs them: :func:`~reproduction.verdicts.paired`)."""
    runs = fold_runs(RESULTS)
    out: set[str] = set()
    for _, group in runs.groupby(["corpus", "scheme"]):
        series = [per_fold(g, "macro_f1") for _, g in group.groupby(["model", "options", "features", "cross"])]
        for a, b in itertools.permutations(series, 2):
            test = paired(a, b)
            if test is not None:
                out.add(plus_minus(test["mean"], test["sd"]))
    return out


def committed_figures() -> set[str]:
    """Every ``mean ± sd`` figure the committed results give (module docstring)."""
    if not (RESULTS / "claims.md").is_file():
        pytest.fail("results/claims.md is missing: run `affacrnn experiment claims --mode full`.")
    parts = [(RESULTS / "claims.md").read_text(), (ROOT / "README.md").read_text()]
    parts += [t.to_string() for t in (crossval_table(), comparisons_table(), ablation_table())]
    for path in sorted(RESULTS.rglob("table*.csv")):
        table = pd.read_csv(path)
        for metric in ("accuracy", "f1"):
            if {metric, f"{metric}_sd"} <= set(table.columns):
                ok = table[[metric, f"{metric}_sd"]].dropna()
                parts += [plus_minus(m, s) for m, s in ok.itertuples(index=False)]
    parts += sorted(_fold_differences())
    return _figures("\n".join(parts))


@pytest.fixture(scope="module")
def committed() -> set[str]:
    return committed_figures()


def _prose_figures() -> list[tuple[str, str, str]]:
    out = []
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                out += [(path.stem, cell.get("id", "?"), f) for f in FIGURE.findall("".join(cell["source"]))]
    return out


def test_the_chapters_quote_figures():
    assert len(_prose_figures()) > 40  # the reading cells of chapters 6–8 hold most of them


def test_every_figure_the_prose_quotes_is_in_the_committed_results(committed):
    missing = [f"{chapter} (cell {cell}): {figure}" for chapter, cell, figure in _prose_figures()
               if not _figures(figure) <= committed]
    assert not missing, ("figures the committed results do not give (re-read the results and mend the "
                         "prose): " + "; ".join(missing))
