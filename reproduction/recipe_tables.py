"""Fold runs paired: one recipe's rows, ablations and round two against the runs they change.

``results/crossval.json`` holds every recipe's fold runs, named in its ``recipe`` column
(``affacrnn experiment crossval --param recipe=all --param collect=true``); :func:`recipe_rows`
takes one recipe's networks with the baselines, which no recipe changes. :func:`paired_difference`
pairs two models fold by fold; :func:`ablation_table` pairs each ``results/ablation-*/`` run with
the run of the recipe it changed (round one's, or round two's for a ``--param recipe=round2``
ablation), :func:`recipe_table` round two with round one, and :func:`ensemble_table` one seed with
the seeds' averaged answers.

Notebook: book/08_fusion_attention.ipynb
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from affacrnn.errors import ParameterError
from affacrnn.models import presets
from reproduction.answers import ensemble_answers, fold_macro_f1, read_answers
from reproduction.crossval import CURRENT_RECIPE, RECIPE_FOLDERS, RECIPES, option_value
from reproduction.models import MODEL_LABELS, is_baseline
from reproduction.results import REPO_ROOT, read_results

__all__ = ["RECIPE2_AGAINST", "RECIPE2_DIR", "RECIPE_NAMES", "ablation_table", "change_text", "committed_rows",
           "ensemble_table", "mean_sd", "paired_difference", "recipe_rows", "recipe_table"]

#: How the tables name each recipe.
RECIPE_NAMES = {"round1": "round one", "round2": "round two"}


def committed_rows(results_dir: str | Path | None, name: str = "crossval") -> pd.DataFrame | None:
    """The rows of a committed results file (:func:`~reproduction.results.read_results`), or None."""
    found = read_results(name, results_dir=results_dir)
    return None if found is None else found[0]


def mean_sd(mean: float, sd: float) -> str:
    """``"55.0 ± 5.0"`` (the mean alone when there is no spread)."""
    return f"{mean:.1f}" if pd.isna(sd) else f"{mean:.1f} ± {sd:.1f}"


def _runs(df: pd.DataFrame, scheme: str, model: str) -> pd.DataFrame:
    runs = df[(df["fold"].astype(str) != "mean") & (df["scheme"] == scheme) & (df["model"] == model)]
    return runs.groupby("fold")[["macro_f1", "accuracy", "balanced_accuracy"]].mean()  # seeds within a fold


def paired_difference(df: pd.DataFrame, *, scheme: str, model: str, other: str, metric: str = "macro_f1",
                      other_df: pd.DataFrame | None = None) -> dict | None:
    """``model`` minus ``other`` on the folds both were run on: mean, sd, and folds where ``model`` is ahead.

    ``other`` is looked up in ``other_df`` when given (an ablation against the default runs).

    Returns
    -------
    dict or None
        ``{"mean", "sd", "wins", "n", "model_mean", "model_sd", "other_mean", "other_sd"}``
        (percentage points); None when the two share no fold.
    """
    a, b = _runs(df, scheme, model), _runs(df if other_df is None else other_df, scheme, other)
    both = a.index.intersection(b.index)
    if not len(both):
        return None
    a, b = a.loc[both, metric], b.loc[both, metric]
    d = a - b
    return {"mean": float(d.mean()), "sd": float(d.std()) if len(d) > 1 else float("nan"),
            "wins": int((d > 0).sum()), "n": int(len(d)), "model_mean": float(a.mean()), "model_sd": float(a.std()),
            "other_mean": float(b.mean()), "other_sd": float(b.std())}


def change_text(found: dict) -> tuple[str, str]:
    """``("+1.2 ± 3.4", "2 of 4 folds")`` from :func:`paired_difference`."""
    return f"{found['mean']:+.1f}" + ("" if pd.isna(found["sd"]) else f" ± {found['sd']:.1f}"), \
        f"{found['wins']} of {found['n']} folds"


def recipe_rows(df: pd.DataFrame | None, recipe: str = CURRENT_RECIPE) -> pd.DataFrame | None:
    """The rows of ``recipe``'s networks and of every baseline (a baseline's fold run is the same in every recipe).

    A table without a ``recipe`` column holds one recipe's runs and is returned whole.
    """
    if df is None or "recipe" not in df.columns:
        return df
    baseline = df["model"].map(is_baseline)
    return df[(df["recipe"] == recipe) | baseline]


def _ablation_recipe(folder: Path) -> tuple[str, dict]:
    """The recipe an ablation started from and the options it changed (from its results file's parameters)."""
    params = json.loads((folder / "crossval.json").read_text()).get("params") or {}
    recipe = params.get("recipe", "round1")
    return recipe, dict(params.get("options") or {})


def _ablation_dirs(results_dir: Path) -> list[Path]:
    return sorted(p for p in results_dir.glob("ablation-*") if (p / "crossval.json").is_file())


def ablation_table(*, results_dir: str | Path | None = None) -> pd.DataFrame:
    """Each ablation against the recipe it changed, on the same folds: the change in macro-F1.

    Every ``<results_dir>/ablation-<name>/crossval.json`` was run with ``--param options=...`` (and
    ``--param recipe=round2`` for round two's); each of its folds is paired with that recipe's run of the
    same model, scheme, fold and seeds in ``<results_dir>/crossval.json``.

    Returns
    -------
    pandas.DataFrame
        Columns ``option, recipe, scheme, model, macro-F1 default, macro-F1 with, change, better on``:
        mean ± sd over the paired folds, the change's mean ± sd, and the folds where it helped.
    """
    root = Path(results_dir) if results_dir is not None else REPO_ROOT / "results"
    columns = ["option", "recipe", "scheme", "model", "macro-F1 default", "macro-F1 with", "change", "better on"]
    every = committed_rows(root)
    rows = []
    for folder in _ablation_dirs(root):
        abl = committed_rows(folder)
        if abl is None or every is None:
            continue
        recipe, options = _ablation_recipe(folder)
        base = recipe_rows(every, recipe)
        runs = abl[abl["fold"].astype(str) != "mean"]
        changed = {k: v for k, v in options.items() if RECIPES.get(recipe, {}).get(k, object()) != v}
        if changed:
            label = ", ".join(f"{k}={option_value(v)}" for k, v in sorted(changed.items()))
        else:  # a file without its parameters: the columns the default run lacks (a later version's scores are none)
            extra = [c for c in runs.columns
                     if c not in base.columns and c not in ("top_share", "cross_top_share", "recipe")]
            if not extra:
                raise ParameterError(f"{folder}/crossval.json has no option column; an ablation is run with "
                                     "--param options='{\"field\": value}'. Re-run it, or move the folder away.")
            label = ", ".join(f"{c}={runs[c].iloc[0]}" for c in extra)
        for scheme, model in runs[["scheme", "model"]].drop_duplicates().itertuples(index=False):
            seeds = set(runs.loc[(runs["scheme"] == scheme) & (runs["model"] == model), "seed"])
            same = base[base["seed"].isin(seeds) | (base["fold"].astype(str) == "mean")]  # the same seeds, paired
            found = paired_difference(runs, scheme=scheme, model=model, other=model, other_df=same)
            if found is None:
                continue
            change, better = change_text(found)
            rows.append({"option": label, "recipe": RECIPE_NAMES.get(recipe, recipe), "scheme": scheme,
                         "model": MODEL_LABELS.get(model, model),
                         "macro-F1 default": mean_sd(found["other_mean"], found["other_sd"]),
                         "macro-F1 with": mean_sd(found["model_mean"], found["model_sd"]),
                         "change": change, "better on": better})
    return pd.DataFrame(rows, columns=columns)


#: Where round two's fold runs are kept (``affacrnn experiment crossval --param recipe=round2 --out results/recipe2``).
RECIPE2_DIR = RECIPE_FOLDERS["round2"]
#: What round two's networks are held against on the same folds: round one's run of the same model, and the SVMs.
RECIPE2_AGAINST = (("round one", None), ("SVM (per-speaker)", "svm_speaker"),
                   ("openSMILE + per-speaker SVM", "compare_svm_speaker"))


def _round_two_label(model: str, encoder: str | None) -> str:
    """A round-two model's name: its UB branch alone has no recurrent layer over the frames when AFF1 reads statistics."""
    return "UB (frame statistics)" if model.startswith("ub_") and encoder == "statistics" else MODEL_LABELS.get(model, model)


def recipe_table(*, results_dir: str | Path | None = None) -> pd.DataFrame:
    """Round two's networks (``<results_dir>/recipe2/crossval.json``) against round one and the SVMs, fold by fold.

    Returns
    -------
    pandas.DataFrame
        Columns ``scheme, model, macro-F1 round two`` and, for each of :data:`RECIPE2_AGAINST`,
        the paired change in macro-F1 (mean ± sd over the folds both ran, and on how many folds
        round two is ahead); empty when round two has no committed run.
    """
    root = Path(results_dir) if results_dir is not None else REPO_ROOT / "results"
    new, base = committed_rows(root / RECIPE2_DIR), recipe_rows(committed_rows(root), "round1")
    columns = ["scheme", "model", "macro-F1 round two", *(f"vs {name}" for name, _ in RECIPE2_AGAINST)]
    if new is None or base is None:
        return pd.DataFrame(columns=columns)
    rows = []
    means = new[new["fold"].astype(str) == "mean"]
    for _, r in means.iterrows():
        row = {"scheme": r["scheme"], "model": _round_two_label(r["model"], r.get("utterance_encoder")),
               "macro-F1 round two": mean_sd(r["macro_f1"], r["macro_f1_sd"])}
        for name, other in RECIPE2_AGAINST:
            found = paired_difference(new, scheme=r["scheme"], model=r["model"], other=other or r["model"],
                                      other_df=base)
            row[f"vs {name}"] = "not run" if found is None else "{} ({})".format(*change_text(found))
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def ensemble_table(*, results_dir: str | Path | None = None) -> pd.DataFrame:
    """Round two's networks run with several seeds: one seed against the seeds' averaged probabilities, fold by fold.

    Read from the answers the parts keep (:mod:`reproduction.answers`), so no model is
    trained again. An ensemble is what a user would ship: one answer from several trained networks.

    Returns
    -------
    pandas.DataFrame
        Columns ``scheme, model, seeds, macro-F1 one seed`` (each fold's mean over seeds),
        ``macro-F1 ensemble``, ``change`` (paired over folds), ``ahead on``.
    """
    root = Path(results_dir) if results_dir is not None else REPO_ROOT / "results"
    columns = ["scheme", "model", "seeds", "macro-F1 one seed", "macro-F1 ensemble", "change", "ahead on"]
    new = committed_rows(root / RECIPE2_DIR)
    if new is None:
        return pd.DataFrame(columns=columns)
    runs = new[new["fold"].astype(str) != "mean"]
    rows = []
    for (corpus, scheme, model), group in runs.groupby(["corpus", "scheme", "model"], sort=False):
        if group["seed"].nunique() < 2:
            continue
        answers = read_answers(corpus=corpus, scheme=scheme, model=model, options=presets.ROUND_TWO,
                               results_dir=root / RECIPE2_DIR)
        one, ens = fold_macro_f1(answers), fold_macro_f1(ensemble_answers(answers))
        d = ens - one
        change, ahead = change_text({"mean": d.mean(), "sd": d.std(), "wins": int((d > 0).sum()), "n": len(d)})
        rows.append({"scheme": scheme, "model": _round_two_label(model, presets.ROUND_TWO.get("utterance_encoder")),
                     "seeds": int(answers["seed"].nunique()),
                     "macro-F1 one seed": mean_sd(one.mean(), one.std()), "macro-F1 ensemble": mean_sd(ens.mean(), ens.std()),
                     "change": change, "ahead on": ahead})
    return pd.DataFrame(rows, columns=columns)


