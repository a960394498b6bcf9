"""The claims ledger's verdict rule: paired tests over speaker folds, and the verdict each gives.

A comparison of two models is paired over the speaker folds both were run on: the per-fold
difference in **macro-F1** (points; balanced across classes, so a model cannot win by
answering EmoDB's 84 % negatives), tested with a two-sided **paired t-test**
(``scipy.stats.ttest_rel``) at α = 0.05 (:data:`ALPHA`). *holds*: p < 0.05 and the difference
goes the way the paper says; *does not hold*: p < 0.05 the other way; *inconclusive*: p ≥ 0.05,
the difference is within the folds' spread; *not tested*: no committed runs yet (the ledger's row
gives the command). With 4 or 5 folds the Wilcoxon signed-rank test cannot go below p = 0.125
(4 folds) or 0.0625 (5), so it could never say *holds*; it is reported beside, not used.
A comparison with a constant (chance, C8) is a one-sample t-test on the per-fold values, and
there a claim that the model *works* also fails when the whole 95 % interval lies within
:data:`CHANCE_MARGIN` points of chance (it transfers nothing worth the name); a comparison of a
count with a rate (the MOSI audit) an exact binomial test (``scipy.stats.binomtest``); the
latency claim holds when our 95th percentile is below the paper's mean. The ledger itself is
:mod:`affacrnn.experiments.claims`.

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["ALPHA", "CHANCE_MARGIN", "VERDICTS", "p_text", "paired", "verdict"]

#: Significance level of every test of the ledger.
ALPHA = 0.05
#: The verdicts, in the order the ledger counts them.
VERDICTS = ("holds", "does not hold", "inconclusive", "not tested")
#: C8: a cross-language score whose 95 % interval stays below chance + this many points does not hold.
CHANCE_MARGIN = 5.0


def paired(a: pd.Series, b: pd.Series | float) -> dict | None:
    """``a`` minus ``b`` over the folds both have (or minus a constant): mean, sd, 95 % CI, t-test p.

    Returns
    -------
    dict or None
        ``{"mean", "sd", "low", "high", "p", "p_wilcoxon", "n", "ahead", "a_mean", "a_sd",
        "b_mean", "b_sd"}``; None with fewer than 2 paired folds.
    """
    if isinstance(b, pd.Series):
        both = a.index.intersection(b.index)
        a, b = a.loc[both].astype(float), b.loc[both].astype(float)
        d = a - b
        b_mean, b_sd = float(b.mean()) if len(b) else np.nan, float(b.std()) if len(b) > 1 else np.nan
    else:
        a = a.astype(float)
        d = a - float(b)
        b_mean, b_sd = float(b), 0.0
    n = int(len(d))
    if n < 2:
        return None
    sd = float(d.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n))
    if sd == 0:
        p = 1.0 if d.mean() == 0 else 0.0
    else:
        p = float(stats.ttest_1samp(d.to_numpy(), 0.0).pvalue)  # == ttest_rel(a, b) for a paired difference
    try:
        p_w = float(stats.wilcoxon(d.to_numpy()).pvalue) if np.any(d != 0) else 1.0
    except ValueError:
        p_w = float("nan")
    return {"mean": float(d.mean()), "sd": sd, "low": float(d.mean()) - half, "high": float(d.mean()) + half,
            "p": p, "p_wilcoxon": p_w, "n": n, "ahead": int((d > 0).sum()),
            "a_mean": float(a.mean()), "a_sd": float(a.std(ddof=1)), "b_mean": b_mean, "b_sd": b_sd}


def verdict(test: dict | None, *, alpha: float = ALPHA) -> str:
    """The ledger's rule: *holds* / *does not hold* when p < ``alpha`` (by the difference's sign), else
    *inconclusive*; *not tested* without a test (module docstring)."""
    if test is None:
        return "not tested"
    if test["p"] < alpha:
        return "holds" if test["mean"] > 0 else "does not hold"
    return "inconclusive"


def p_text(p: float) -> str:
    """A p-value as the ledger prints it: three decimals, ``"< 0.001"`` below that, ``"–"`` when missing."""
    return "–" if pd.isna(p) else f"{p:.3f}" if p >= 0.001 else "< 0.001"
