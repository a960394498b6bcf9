"""The claims ledger's verdict rule: an interval for the difference, and a smallest effect that matters.

A comparison of two models is paired over the units both were tested on: the **24 RAVDESS actors
or 10 EmoDB speakers** where both models' fold runs keep their test answers (each speaker scored
by the fold model that did not see them; :mod:`reproduction.speaker_tests`), otherwise the
speaker folds (4 or 5: 3 or 4 degrees of freedom). The difference is in **macro-F1** points
(balanced across classes, so a model cannot win by answering EmoDB's 84 % negatives) with its 95 %
t interval (``scipy.stats.ttest_1samp`` on the paired differences). The verdict reads the interval
against the **smallest effect that matters**, :data:`SMALLEST_EFFECT` = 2 points, stated once for
every claim: *holds* when the whole interval lies above it (A beats B by a margin that matters),
*does not hold* when the whole interval lies below it (A is not better by that margin: worse,
level, or better by a negligible amount — an equivalence-style verdict), *inconclusive* only
when the interval straddles it; *not tested* until every fold of the corpus is run (the ledger's
row gives the command). A comparison with chance (C8) reads the interval of the score minus chance
against :data:`CHANCE_MARGIN` points instead (a transfer that matters). The p-value of the same
t-test and the Wilcoxon signed-rank p (which cannot go below 0.125 on 4 folds) are printed beside;
the verdict does not use them. A count against a rate (the MOSI audit) is an exact binomial test
(``scipy.stats.binomtest``); the latency claim holds when our 95th percentile is below the paper's
mean. The ledger itself is :mod:`reproduction.claims`.

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from reproduction.speaker_tests import SMALLEST_EFFECT, effect_verdict

__all__ = ["ALPHA", "CHANCE_MARGIN", "SMALLEST_EFFECT", "VERDICTS", "p_text", "paired", "verdict"]

#: Significance level of the p-values printed beside (and of the MOSI audit's binomial test).
ALPHA = 0.05
#: The verdicts, in the order the ledger counts them.
VERDICTS = ("holds", "does not hold", "inconclusive", "not tested")
#: C8's smallest effect: a cross-language score must beat chance by this many points for the transfer to matter.
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


def verdict(test: dict | None, *, smallest: float = SMALLEST_EFFECT) -> str:
    """The ledger's rule (module docstring): the 95 % interval ``test["low"]``–``test["high"]`` of "A minus B"
    against ``smallest`` (:func:`~reproduction.speaker_tests.effect_verdict`); *not tested* without a test."""
    if test is None:
        return "not tested"
    return effect_verdict(test["low"], test["high"], smallest=smallest)


def p_text(p: float) -> str:
    """A p-value as the ledger prints it: three decimals, ``"< 0.001"`` below that, ``"–"`` when missing."""
    return "–" if pd.isna(p) else f"{p:.3f}" if p >= 0.001 else "< 0.001"
