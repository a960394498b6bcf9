"""Comparisons with the units the data has: speakers, a speaker-level bootstrap, and a smallest effect that matters.

The ledger's fold-level test (:mod:`reproduction.verdicts`) pairs 4 RAVDESS folds: 3
degrees of freedom, so only differences of 8–15 macro-F1 points can be told from noise. Every fold
run now keeps its test answers (:mod:`reproduction.answers`), and every speaker is tested
once, by the fold model that did not see them: two recipes can be compared speaker by speaker —
24 RAVDESS actors, 10 EmoDB speakers.

* :func:`speaker_paired` — the per-speaker differences of two models' scores: a paired t-test
  over speakers and a bootstrap interval that resamples speakers (``scipy.stats.bootstrap``);
* :func:`effect_verdict` — the rule with a **smallest effect that matters**
  (:data:`SMALLEST_EFFECT` points): a claim "A beats B" *holds* when the whole interval lies
  above it, *does not hold* when the whole interval lies below it (A is at most a negligible
  amount better, if at all: an equivalence-style verdict), and is *inconclusive* only between;
* :func:`null_rejection_rate` — how often a test rejects when there is nothing to find, by
  simulation from real differences with no true effect (a model against itself under another
  seed): each simulated comparison draws speakers (or folds) with replacement and flips each
  difference's sign at random, which keeps the noise and removes any effect.

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from affacrnn.errors import ParameterError

__all__ = ["SMALLEST_EFFECT", "effect_verdict", "null_rejection_rate", "speaker_paired"]

#: Macro-F1 points below which a difference between two recipes does not matter (stated once, for every claim).
SMALLEST_EFFECT = 2.0


def speaker_paired(a: pd.Series, b: pd.Series, *, confidence: float = 0.95, n_boot: int = 5000,
                   seed: int = 0) -> dict:
    """``a`` minus ``b`` over the speakers both have: mean, sd, t-test p, and t and bootstrap intervals.

    Parameters
    ----------
    a, b : pandas.Series
        Per-speaker scores (points), indexed by speaker, e.g. from
        :func:`reproduction.answers.speaker_scores`.
    confidence : float
        Of both intervals.
    n_boot : int
        Bootstrap resamples of the speakers (percentile interval).
    seed : int

    Returns
    -------
    dict
        ``{"mean", "sd", "n", "p", "low", "high", "boot_low", "boot_high", "ahead"}``.

    Raises
    ------
    ParameterError
        With fewer than 3 shared speakers.
    """
    both = a.index.intersection(b.index)
    if len(both) < 3:
        raise ParameterError(f"speaker_paired needs at least 3 speakers scored by both models; got {len(both)}. "
                             "Pass per-speaker scores of the same corpus.")
    d = (a.loc[both].astype(float) - b.loc[both].astype(float)).to_numpy()
    n, mean, sd = len(d), float(d.mean()), float(d.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / np.sqrt(n))
    p = float(stats.ttest_1samp(d, 0.0).pvalue) if sd > 0 else (1.0 if mean == 0 else 0.0)
    if sd > 0:
        boot = stats.bootstrap((d,), np.mean, n_resamples=n_boot, confidence_level=confidence, method="percentile",
                               random_state=np.random.default_rng(seed))
        blow, bhigh = float(boot.confidence_interval.low), float(boot.confidence_interval.high)
    else:
        blow = bhigh = mean
    return {"mean": mean, "sd": sd, "n": n, "p": p, "low": mean - half, "high": mean + half,
            "boot_low": blow, "boot_high": bhigh, "ahead": int((d > 0).sum())}


def effect_verdict(low: float, high: float, *, smallest: float = SMALLEST_EFFECT) -> str:
    """*holds* when ``low > smallest``, *does not hold* when ``high < smallest``, else *inconclusive*.

    ``low`` and ``high`` bound the difference "A minus B" (points) the claim says is positive.
    """
    if not (np.isfinite(low) and np.isfinite(high)) or low > high:
        raise ParameterError(f"effect_verdict needs a finite interval low <= high; got [{low}, {high}].")
    if low > smallest:
        return "holds"
    if high < smallest:
        return "does not hold"
    return "inconclusive"


def null_rejection_rate(differences, *, test: str = "t", smallest: float = SMALLEST_EFFECT, n_sim: int = 2000,
                        alpha: float = 0.05, seed: int = 0) -> dict:
    """How often each rule finds an effect in differences that have none (simulation; module docstring).

    Parameters
    ----------
    differences : array-like [shape=(n,)]
        Real per-unit differences (speakers or folds) between two runs with no true effect, e.g. one
        recipe against itself under another seed.
    test : {"t", "bootstrap"}
        The interval the rules read: t (fast) or a speaker bootstrap (200 resamples per simulation).
    smallest, alpha : float
        The effect rule's smallest effect; the t-test's level.

    Returns
    -------
    dict
        ``{"n_units", "t_test"}``: share of simulations with p < ``alpha`` (either sign), and
        ``"effect_holds"``: share where the effect rule says *holds* for either direction.
    """
    d0 = np.asarray(differences, dtype=float)
    if d0.ndim != 1 or len(d0) < 3:
        raise ParameterError(f"null_rejection_rate needs at least 3 differences; got shape {d0.shape}.")
    if test not in ("t", "bootstrap"):
        raise ParameterError(f"`test` must be 't' or 'bootstrap'; got {test!r}.")
    rng = np.random.default_rng(seed)
    n, t_rejects, holds = len(d0), 0, 0
    crit = stats.t.ppf(1 - alpha / 2, n - 1)
    for _ in range(n_sim):
        d = rng.choice(d0, size=n, replace=True) * rng.choice([-1.0, 1.0], size=n)
        mean, sd = d.mean(), d.std(ddof=1)
        if sd == 0:
            continue
        half = crit * sd / np.sqrt(n)
        t_rejects += abs(mean) > half
        if test == "t":
            low, high = mean - half, mean + half
        else:
            means = rng.choice(d, size=(200, n), replace=True).mean(axis=1)
            low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
        holds += (low > smallest) or (-high > smallest)  # either model "beats" the other by a difference that matters
    return {"n_units": n, "t_test": t_rejects / n_sim, "effect_holds": holds / n_sim}
