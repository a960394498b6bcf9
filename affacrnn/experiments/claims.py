"""The paper's claims, audited: one row per claim, the runs that test it, our numbers, the paper's, a verdict.

Every number comes from committed evidence, never typed: the speaker-fold runs of
:mod:`affacrnn.experiments.crossval` (``results/crossval-parts/*.json``, each with its config and
provenance), the MOSI label audit (``results/mosi_labels.json``), the vector models on MOSI's
audio (``results/mosi_audio.json``, :mod:`affacrnn.experiments.mosi_audio`) and the latency benchmark
(``results/latency.json``, written by ``python benchmarks/latency.py --out results/latency.json``).
The same fold runs give :func:`fold_tables`, the paper's Tables 2–6 on our folds with the paper's
figures beside them.

Each claim's rows are built in :mod:`affacrnn.experiments.claim_rows`. The verdict rule is
:mod:`affacrnn.experiments.verdicts`: a two-sided paired t-test over speaker
folds on macro-F1 at α = 0.05 (*holds* / *does not hold* by the sign when p < 0.05, else
*inconclusive*; *not tested* until every fold is run).

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from affacrnn.experiments.claim_rows import ROWS
from affacrnn.experiments.fold_tables import Evidence, TABLE_CAPTIONS, evidence, fold_tables
from affacrnn.experiments.paper import PAPER_NOTE
from affacrnn.experiments.verdicts import ALPHA, CHANCE_MARGIN, VERDICTS, paired, verdict
from affacrnn.provenance import atomic_write_text

__all__ = ["ALPHA", "CHANCE_MARGIN", "CLAIMS", "VERDICTS", "Claim", "Evidence", "claims", "evidence", "ledger_markdown", "paired",
           "verdict"]


# ----------------------------------------------------------------------------------------------
# The claims
# ----------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Claim:
    """One claim of the paper and how the ledger tests it.

    Attributes
    ----------
    id : str
        ``"C1"`` …
    claim : str
        A short paraphrase.
    source : str
        Where the paper makes it (section / table).
    chapter : str
        The book chapter holding the evidence (``"06_ub_bilstm"``).
    rows : callable
        ``rows(evidence) -> list[dict]``: one dict per test (``test``, ``data``, ``ours``,
        ``difference``, ``p``, ``verdict``, ``paper``, ``note``, ``run``).
    """

    id: str
    claim: str
    source: str
    chapter: str
    rows: Callable[[Evidence], list[dict]]


#: The ledger's claims, in the paper's order.
CLAIMS: tuple[Claim, ...] = (
    Claim("C1", "The four types MFCC, spectral centroid, chroma and spectral contrast are the most effective "
                "feature set; more types do not help", "§4, Table 2", "06_ub_bilstm", ROWS["C1"]),
    Claim("C2", "UB-BiLSTM beats UB-LSTM", "§4, Table 2", "06_ub_bilstm", ROWS["C2"]),
    Claim("C3", "The deepest CNN (ResNet152) gives the best SBCNN", "§4, Table 3", "07_sbcnn", ROWS["C3"]),
    Claim("C4", "The attention fusion beats each of its branches", "§4, Table 4 against Tables 2–3",
          "08_fusion_attention", ROWS["C4"]),
    Claim("C5", "AFF-ACRNN beats SVM, Naive Bayes, GMM, HMM and DTW", "§4, Table 5", "09_baselines", ROWS["C5"]),
    Claim("C6", "AFF-ACRNN beats bc-LSTM (by 9.33 points on MOSI)", "§4, Table 6", "09_baselines", ROWS["C6"]),
    Claim("C7", "AFF-ACRNN beats bc-LSTM across languages", "§4, Table 6 and its text", "09_baselines", ROWS["C7"]),
    Claim("C8", "AFF-ACRNN is language-insensitive: trained on one language, it still works on another",
          "§4, Table 6; abstract", "09_baselines", ROWS["C8"]),
    Claim("C9", "AFF-ACRNN is fast: 655.94 ms for a 10 s clip", "§5", "11_inference", ROWS["C9"]),
    Claim("C10", "The prototype's reported 2-class accuracy is above its own labels' majority rate",
          "Table 4 with the prototype's code (our audit)", "10_reproduction_audit", ROWS["C10"]),
    Claim("C11", "AFF-ACRNN beats the field's standard: openSMILE functionals with per-speaker normalisation and "
                 "an SVM", "implied by §4's comparison with SVM (our yardstick)", "09_baselines", ROWS["C11"]),
)


# ----------------------------------------------------------------------------------------------
# The experiment
# ----------------------------------------------------------------------------------------------

def claims(
    *,
    mode: str = "full",
    seeds: Iterable[int] | None = None,
    progress: bool = True,
    results_dir: str | Path | None = None,
    evidence_dir: str | Path | None = None,
) -> pd.DataFrame:
    """The claims ledger: each claim of the paper tested on the committed fold runs, with a verdict by a stated rule.

    Trains nothing: it reads the committed evidence (module docstring) and writes, besides the
    usual ``claims.csv`` / ``claims.json``, ``<results_dir>/claims.md`` — the ledger and the
    paper's Tables 2–6 on our folds (:func:`fold_tables`), for reading on GitHub.

    Parameters
    ----------
    mode : {"full", "smoke"}
        Which fold runs count (their task's mode).
    seeds, progress
        Unused (the runs are already made); accepted like every experiment's.
    results_dir : path-like, optional
        Where ``claims.md`` is written (``run_experiment`` passes its ``out_dir``); None writes none.
    evidence_dir : path-like, optional
        Where the evidence is read (default the repository's ``results/``, where runs are committed).

    Returns
    -------
    pandas.DataFrame
        Columns ``id, claim, source, chapter, test, data, metric, ours, difference, p, folds,
        verdict, paper, note, run``; ``attrs["extra"]`` holds the verdict counts, the fold tables and
        the commits of the runs read.
    """
    del seeds, progress
    ev = evidence(evidence_dir, mode=mode)
    rows = []
    for c in CLAIMS:
        for r in c.rows(ev):
            rows.append({"id": c.id, "claim": c.claim, "source": c.source, "chapter": c.chapter, **r})
    columns = ["id", "claim", "source", "chapter", "test", "data", "metric", "ours", "difference", "p", "folds",
               "ahead", "p_wilcoxon", "verdict", "paper", "note", "run"]
    df = pd.DataFrame(rows).reindex(columns=columns)
    df[["ahead", "p_wilcoxon"]] = df[["ahead", "p_wilcoxon"]].fillna("–")
    tables = fold_tables(ev.runs, sets=ev.sets)
    counts = {v: int((df["verdict"] == v).sum()) for v in VERDICTS}
    df.attrs["caption"] = (
        "The paper's claims against our committed evidence. Verdict rule: two-sided paired t-test over speaker "
        f"folds on macro-F1 (points), α = {ALPHA}: holds / does not hold when p < {ALPHA} (by the sign), "
        "inconclusive otherwise; not tested until every fold of the corpus is run. 'difference' is ours minus the "
        "other with its 95 % t interval. C8 compares balanced accuracy with chance (one-sample t-test; does not "
        f"hold either when the whole interval is within {CHANCE_MARGIN:g} points of chance), C9 the 95th percentile "
        "of latency with the paper's mean, C10 a count with the majority count (exact binomial test). C6's MOSI rows "
        "pair the test videos of one split (accuracy per video, mean over seeds) instead of folds. " + PAPER_NOTE)
    df.attrs["config"] = None
    df.attrs["extra"] = {
        "verdicts": counts, "alpha": ALPHA, "test": "scipy.stats.ttest_rel (two-sided), paired over folds",
        "runs_read": int(len(ev.runs)), "commits": sorted(set(ev.runs["commit"])) if len(ev.runs) else [],
        "tables": {k: v.to_dict(orient="records") for k, v in tables.items()},
    }
    if results_dir is not None:
        atomic_write_text(Path(results_dir) / "claims.md", ledger_markdown(df, tables))
    return df


def _md(df: pd.DataFrame) -> str:
    return tabulate(df, headers="keys", tablefmt="pipe", showindex=False, floatfmt=".2f")


def ledger_markdown(df: pd.DataFrame, tables: dict[str, pd.DataFrame] | None = None) -> str:
    """The ledger (and the fold tables) as Markdown: what ``results/claims.md`` holds."""
    counts = {v: int((df["verdict"] == v).sum()) for v in VERDICTS}
    lines = ["# The paper's claims, audited", "",
             "Generated by `affacrnn experiment claims --mode full` from the committed evidence "
             "(`results/crossval-parts/`, `results/mosi_labels.json`, `results/mosi_audio.json`, `results/latency.json`); "
             "do not edit by hand.",
             "", df.attrs.get("caption", ""), "",
             "Verdicts: " + ", ".join(f"{v} {n}" for v, n in counts.items()), "",
             _md(df[["id", "claim", "test", "data", "ours", "difference", "p", "verdict", "paper"]]), ""]
    notes = df[(df["note"].fillna("") != "") | (df["run"].fillna("") != "")]
    if len(notes):
        lines += ["## Notes and missing evidence", ""]
        for _, r in notes.iterrows():
            text = f"- **{r['id']}** ({r['test']}): {r['note']}".rstrip()
            if r["run"]:
                text += f" Not run yet; to run it: `{r['run']}`"
            lines.append(text)
        lines.append("")
    for name, table in (tables or {}).items():
        lines += [f"## {name[:1].upper() + name[1:5]} {name[5:]} on our folds", "", TABLE_CAPTIONS[name], "",
                  _md(table), ""]
    return "\n".join(lines)
