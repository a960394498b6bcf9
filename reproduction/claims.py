"""The paper's claims, audited: one row per claim, the runs that test it, our numbers, the paper's, a verdict.

Every number comes from committed evidence, never typed: the speaker-fold runs of
:mod:`reproduction.crossval` (``results/crossval-parts/*.json``, each with its config and
provenance), the MOSI label audit (``results/mosi_labels.json``), the vector models on MOSI's
audio (``results/mosi_audio.json``, :mod:`reproduction.mosi_audio`) and the latency benchmark
(``results/latency.json``, written by ``python benchmarks/latency.py --out results/latency.json``).
The same fold runs give :func:`fold_tables`, the paper's Tables 2–6 on our folds with the paper's
figures beside them.

Each claim's rows are built in :mod:`reproduction.claim_rows`, once for each recipe of
:data:`RECIPES_JUDGED` (the package's current recipe first, then the paper's as round one ran
it): a row reads only its recipe's runs (:func:`~reproduction.fold_tables.fold_runs`), so
no row mixes two. The verdict rule is :mod:`reproduction.verdicts`: the 95 % interval of
the paired difference in macro-F1, over speakers where both runs kept their test answers, else
over speaker folds, against a smallest effect that matters (2 points): *holds* above it, *does
not hold* below it, *inconclusive* across it; *not tested* until every fold is run.

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from affacrnn.provenance import atomic_write_text
from reproduction.claim_rows import ROWS
from reproduction.fold_tables import TABLE_CAPTIONS, Evidence, evidence, fold_tables
from reproduction.paper import PAPER_NOTE
from reproduction.verdicts import ALPHA, CHANCE_MARGIN, SMALLEST_EFFECT, VERDICTS, paired, verdict

__all__ = ["ALPHA", "CHANCE_MARGIN", "CLAIMS", "RECIPES_JUDGED", "SMALLEST_EFFECT", "VERDICTS", "Claim", "Evidence",
           "claims", "evidence", "ledger_markdown", "paired", "verdict"]

#: The recipes the ledger judges, the package's current one first (:data:`reproduction.crossval.RECIPES`).
RECIPES_JUDGED = ("round2", "round1")


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
    rows, read = [], []
    for recipe in RECIPES_JUDGED:
        ev = evidence(evidence_dir, mode=mode, recipe=recipe)
        read.append(ev.runs)
        if recipe == "round1":
            tables = fold_tables(ev.runs, sets=ev.sets)  # the paper's tables on our folds: the paper's recipe
        for c in CLAIMS:
            for r in c.rows(ev):
                if r.setdefault("recipe", recipe) != "–" or recipe == RECIPES_JUDGED[0]:  # recipe-free rows once
                    rows.append({"id": c.id, "claim": c.claim, "source": c.source, "chapter": c.chapter, **r})
    columns = ["id", "claim", "source", "chapter", "recipe", "test", "data", "metric", "ours", "difference", "units",
               "p", "folds", "ahead", "fold_difference", "p_wilcoxon", "verdict", "seed_minutes", "paper", "note", "run"]
    df = pd.DataFrame(rows).reindex(columns=columns)
    df[["ahead", "p_wilcoxon", "units", "fold_difference"]] = df[["ahead", "p_wilcoxon", "units", "fold_difference"]].fillna("–")
    current = df["recipe"] != "round1"
    df.attrs["caption"] = (
        f"The paper's claims against our committed evidence, judged on the package's current recipe ({RECIPES_JUDGED[0]}; "
        "'–': rows no recipe changes) and, below, on the paper's recipe as round one ran it. 'difference' is ours minus "
        "the other (macro-F1 points) with its 95 % t interval, paired over the speakers both models scored where both "
        "runs kept their test answers (24 RAVDESS actors, 10 EmoDB speakers, each scored by the fold model that did not "
        f"see them), else over the speaker folds ('units'). Verdict: holds when the whole interval lies above "
        f"{SMALLEST_EFFECT:g} points, the smallest effect that matters; does not hold when it lies below; inconclusive "
        "when it straddles it; not tested until every fold of the corpus is run. p is the same t-test's (beside, not "
        f"used). C8 compares balanced accuracy with chance ({CHANCE_MARGIN:g} points above chance for a transfer that "
        "matters), C9 the 95th percentile of latency with the paper's mean, C10 a count with the majority count (exact "
        "binomial test, α = 0.05). C6's MOSI rows pair the test videos of one split (accuracy per video, mean over "
        "seeds). " + PAPER_NOTE)
    df.attrs["config"] = None
    df.attrs["extra"] = {
        "verdicts": _counts(df[current]), "verdicts_round1": _counts(df[~current]), "recipe": RECIPES_JUDGED[0],
        "smallest_effect": SMALLEST_EFFECT, "chance_margin": CHANCE_MARGIN,
        "test": "t interval of the paired differences (scipy.stats.ttest_1samp) over speakers where both runs kept "
                "answers, else over folds, against the smallest effect",
        "cheapest_to_decide": _cheapest(df[current]),
        "runs_read": {r: int(len(runs)) for r, runs in zip(RECIPES_JUDGED, read)},
        "commits": sorted({c for runs in read for c in runs.get("commit", ())}),
        "tables": {k: v.to_dict(orient="records") for k, v in tables.items()},
    }
    if results_dir is not None:
        atomic_write_text(Path(results_dir) / "claims.md", ledger_markdown(df, tables))
    return df


def _cheapest(df: pd.DataFrame, n: int = 5) -> list[dict]:
    """The inconclusive rows whose next seed costs least: where more seeds are the cheapest way to a verdict."""
    open_rows = df[df["verdict"].eq("inconclusive") & df["seed_minutes"].notna()].sort_values("seed_minutes")
    return open_rows.head(n)[["id", "test", "data", "difference", "seed_minutes"]].to_dict(orient="records")


def _counts(df: pd.DataFrame) -> dict[str, int]:
    return {v: int((df["verdict"] == v).sum()) for v in VERDICTS}


def _md(df: pd.DataFrame) -> str:
    return tabulate(df, headers="keys", tablefmt="pipe", showindex=False, floatfmt=".2f")


def ledger_markdown(df: pd.DataFrame, tables: dict[str, pd.DataFrame] | None = None) -> str:
    """The ledger (and the fold tables) as Markdown: what ``results/claims.md`` holds."""
    current = df["recipe"] != "round1"
    lines = ["# The paper's claims, audited", "",
             "Generated by `affacrnn experiment claims --mode full` from the committed evidence "
             "(`results/crossval-parts/`, the later recipes' `results/*/crossval-parts/`, `results/mosi_labels.json`, "
             "`results/mosi_audio.json`, `results/latency.json`); do not edit by hand.",
             "", df.attrs.get("caption", ""), ""]
    columns = ["id", "claim", "recipe", "test", "data", "ours", "difference", "units", "verdict", "paper"]
    for title, part in ((f"## On the current recipe ({RECIPES_JUDGED[0]})", df[current]),
                        ("## On the paper's recipe (round one)", df[~current])):
        if len(part):
            lines += [title, "", "Verdicts: " + ", ".join(f"{v} {n}" for v, n in _counts(part).items()), "",
                      _md(part[columns]), ""]
    cheap = df.attrs.get("extra", {}).get("cheapest_to_decide") or []
    if cheap:
        lines += ["## Cheapest to decide with more seeds", "",
                  "The current recipe's inconclusive rows, by what one more seed of both models costs (minutes on 2 "
                  "CPU cores, from their committed folds' times):", ""]
        lines += [f"- **{r['id']}** {r['test']} ({r['data']}): {r['difference']}, ≈ {r['seed_minutes']:.0f} min"
                  for r in cheap] + [""]
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
