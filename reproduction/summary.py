"""Readable summaries of the cross-validation results, for the book and the README (never typed by hand).

:func:`crossval_table` turns ``results/crossval.json`` into one row per (scheme, model): mean ±
sd over the speaker folds of macro-F1, accuracy, balanced accuracy and support-weighted F1, beside
the majority rate. :func:`ablation_table` reads every ``results/ablation-<option>/crossval.json``
(the same folds with one option changed) and pairs each fold with the default recipe's run of the
same model on the same fold: the change in macro-F1, mean ± sd over folds, and on how many folds
it helped. :func:`readme_block` renders both as Markdown; ``python -m reproduction.summary``
rewrites the README's block between its markers, and a test checks that the two agree.
:func:`mosi_table` summarises the vector models on MOSI's own audio features
(``results/mosi_audio.json``) for the README. :func:`ledger` shows the committed claims ledger (``results/claims.json``) in a chapter, as a
Markdown table whose chapter column links to the chapter holding each claim's evidence.

Notebook: book/08_fusion_attention.ipynb
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from affacrnn.errors import ParameterError
from affacrnn.provenance import atomic_write_text
from reproduction.crossval import CURRENT_RECIPE
from reproduction.models import MODEL_LABELS, is_baseline
from reproduction.recipe_tables import (RECIPE2_DIR, RECIPE_NAMES, ablation_table, change_text, committed_rows,
                                        ensemble_table, mean_sd, paired_difference, recipe_rows,
                                        recipe_table)
from reproduction.results import REPO_ROOT

__all__ = ["MODEL_LABELS", "RECIPE2_DIR", "ablation_table", "comparisons_table", "crossval_table", "ensemble_table",
           "ledger", "ledger_table", "mosi_table", "paired_difference", "readme_block", "recipe_rows", "recipe_table",
           "update_readme"]

#: The metric columns shown, in order, with their headings.
SHOWN = {"macro_f1": "macro-F1", "accuracy": "accuracy", "balanced_accuracy": "balanced acc.",
         "weighted_f1": "weighted F1"}
#: The README's generated block sits between these two lines.
BEGIN, END = "<!-- crossval-summary: generated, see reproduction/summary.py -->", "<!-- /crossval-summary -->"


def _markdown(df: pd.DataFrame) -> str:
    """A GitHub-style Markdown table (what ``DataFrame.to_markdown`` does, called directly)."""
    return tabulate(df, headers="keys", tablefmt="pipe", showindex=False)


def _recipe_name(recipe: str, model: str) -> str:
    if is_baseline(model):
        return "–"
    return RECIPE_NAMES.get(recipe, recipe) + (" (current)" if recipe == CURRENT_RECIPE else "")


def crossval_table(df: pd.DataFrame | None = None, *, results_dir: str | Path | None = None,
                   schemes: Sequence[str] | None = None, models: Sequence[str] | None = None,
                   recipe: str | None = None) -> pd.DataFrame:
    """One row per (scheme, model, recipe) of a crossval result: mean ± sd over folds, best macro-F1 first.

    Parameters
    ----------
    df : pandas.DataFrame, optional
        Rows of :func:`reproduction.crossval.crossval`; default the committed
        ``<results_dir>/crossval.json``.
    results_dir : path-like, optional
        Default the repository's ``results/``.
    schemes, models : sequence of str, optional
        Keep only these (models by their crossval names, e.g. ``"ub_bilstm"``).
    recipe : str, optional
        Only this recipe's networks (with the baselines, :func:`recipe_rows`); default every recipe's.

    Returns
    -------
    pandas.DataFrame
        Columns ``scheme, model, recipe, macro-F1, accuracy, balanced acc., weighted F1, majority,
        folds`` (strings, percent; the recipe "–" for a baseline, which no recipe changes); empty
        when there is no result.
    """
    if df is None:
        df = committed_rows(results_dir)
    columns = ["scheme", "model", "recipe", *SHOWN.values(), "majority", "folds"]
    if df is None or df.empty:
        return pd.DataFrame(columns=columns)
    if recipe is not None:
        df = recipe_rows(df, recipe)
    means = df[df["fold"].astype(str) == "mean"].copy()
    if schemes is not None:
        means = means[means["scheme"].isin(list(schemes))]
    if models is not None:
        means = means[means["model"].isin(list(models))]
    order = {s: i for i, s in enumerate(dict.fromkeys(df["scheme"]))}
    means = means.sort_values(["scheme", "macro_f1"], key=lambda c: c.map(order) if c.name == "scheme" else -c)
    out = pd.DataFrame({
        "scheme": means["scheme"],
        "model": means["model"].map(lambda m: MODEL_LABELS.get(m, m)),
        "recipe": [_recipe_name(r, m) for r, m in zip(means.get("recipe", pd.Series("round1", index=means.index)),
                                                      means["model"])],
        **{head: [mean_sd(r[k], r[f"{k}_sd"]) for _, r in means.iterrows()] for k, head in SHOWN.items()},
        "majority": [f"{v:.1f}" for v in means["majority"]],
        "folds": means["n_folds"].astype(int).astype(str),
    })
    return out.reset_index(drop=True)


#: The comparisons the README and chapter 8 report: (model, other or a rule for it, what it tests).
COMPARISONS = (
    ("affacrnn_staged", "best branch", "the staged fusion against its better branch"),
    ("affacrnn_staged", "affacrnn_end_to_end", "staged against end-to-end training"),
    ("best network", "svm", "the best network against the plain SVM"),
    ("best network", "svm_speaker", "the best network against the per-speaker SVM"),
    ("best network", "compare_svm_speaker", "the best network against the field's yardstick (openSMILE ComParE, "
                                            "per-speaker SVM)"),
)
BRANCHES = ("ub_bilstm", "sbcnn_small", "sbcnn_resnet18")
NETWORKS = (*BRANCHES, "affacrnn_staged", "affacrnn_end_to_end")


def comparisons_table(df: pd.DataFrame | None = None, *, results_dir: str | Path | None = None,
                      recipe: str = CURRENT_RECIPE) -> pd.DataFrame:
    """Paired macro-F1 differences over folds for :data:`COMPARISONS`, per scheme (the ones that were run).

    The networks are ``recipe``'s (default the current one; a table without a ``recipe`` column is
    read whole), held against the baselines on the same folds.

    "best branch" / "best network" is the one with the highest mean macro-F1 on that scheme.

    Returns
    -------
    pandas.DataFrame
        Columns ``scheme, comparison, model, other, difference, ahead on`` (points of macro-F1).
    """
    if df is None:
        df = committed_rows(results_dir)
    columns = ["scheme", "comparison", "model", "other", "difference", "ahead on"]
    if df is None or df.empty:
        return pd.DataFrame(columns=columns)
    df = recipe_rows(df, recipe)
    means = df[df["fold"].astype(str) == "mean"]
    rows = []
    for scheme in dict.fromkeys(df["scheme"]):
        m = means[means["scheme"] == scheme].set_index("model")["macro_f1"]

        def best(names, m=m):
            have = [n for n in names if n in m.index]
            return max(have, key=lambda n: m[n]) if have else None

        for model, other, what in COMPARISONS:
            model = best(NETWORKS) if model == "best network" else model
            other = best(BRANCHES) if other == "best branch" else other
            found = None if model is None or other is None else paired_difference(df, scheme=scheme, model=model,
                                                                                   other=other)
            if found is None:
                continue
            difference, ahead = change_text(found)
            rows.append({"scheme": scheme, "comparison": what, "model": MODEL_LABELS.get(model, model),
                         "other": MODEL_LABELS.get(other, other), "difference": difference, "ahead on": ahead})
    return pd.DataFrame(rows, columns=columns)


def ledger_table(*, results_dir: str | Path | None = None, chapter: str | None = None,
                 recipe: str | None = "current") -> pd.DataFrame:
    """The committed claims ledger (``results/claims.json``), one row per test, for the README and the book.

    Parameters
    ----------
    results_dir : path-like, optional
        Default the repository's ``results/``.
    chapter : str, optional
        Keep only the claims whose evidence a chapter holds (``"09_baselines"``).
    recipe : {"current", "round1", None}
        The rows judging the package's current recipe (and those no recipe changes), round one's, or all.

    Returns
    -------
    pandas.DataFrame
        Columns ``claim, recipe, test, data, ours, difference [95% CI], units, verdict, chapter``; empty
        when no ledger is committed.
    """
    df = committed_rows(results_dir, "claims")
    columns = ["claim", "recipe", "test", "data", "ours", "difference [95% CI]", "units", "verdict", "chapter"]
    if df is None or df.empty:
        return pd.DataFrame(columns=columns)
    if chapter is not None:
        df = df[df["chapter"] == chapter]
    if recipe is not None:
        df = df[(df["recipe"] == "round1") == (recipe == "round1")]
    return pd.DataFrame({"claim": df["id"] + ": " + df["claim"], "recipe": df["recipe"], "test": df["test"],
                         "data": df["data"], "ours": df["ours"], "difference [95% CI]": df["difference"],
                         "units": df["units"], "verdict": df["verdict"], "chapter": df["chapter"]}).reset_index(drop=True)


def mosi_table(*, results_dir: str | Path | None = None) -> pd.DataFrame:
    """The vector models on CMU-MOSI (``results/mosi_audio.json``): accuracy and macro-F1 on both splits, per scheme.

    Returns
    -------
    pandas.DataFrame
        One row per scheme × model (× window for the recurrent ones), then the test majority rate of
        each scheme; columns ``classes, model``, then accuracy and macro-F1 (mean ± sd over seeds) on
        the paper's split and on bc-LSTM's. Empty when nothing is committed.
    """
    df = committed_rows(results_dir, "mosi_audio")
    if df is None or df.empty:
        return pd.DataFrame()
    label = {"context_stage": "AFF-ACRNN context stage", "bc_lstm": "bc-LSTM", "svm": "SVM",
             "naive_bayes": "Naive Bayes", "gmm": "GMM", "majority": "training majority"}
    df = df.assign(run=[label.get(m, m) + (f", window {w}" if m in ("bc_lstm", "context_stage") else "")
                        for m, w in zip(df["model"], df["window"])])
    splits = {"paper": "paper's split", "bc_lstm": "bc-LSTM's split"}
    out = []
    for (scheme, run), grp in df.groupby(["scheme", "run"], sort=False):
        row = {"classes": int(grp["classes"].iloc[0]), "model": run}
        for split, name in splits.items():
            hit = grp[grp["split"] == split]
            for metric, head in (("accuracy", "accuracy"), ("macro_f1", "macro-F1")):
                row[f"{head}, {name}"] = (mean_sd(hit[metric].iloc[0], hit[f"{metric}_sd"].iloc[0]) if len(hit) else "–")
        out.append(row)
    for scheme, grp in df.groupby("scheme", sort=False):
        row = {"classes": int(grp["classes"].iloc[0]), "model": "test majority rate"}
        for split, name in splits.items():
            hit = grp[grp["split"] == split]
            row[f"accuracy, {name}"] = f"{hit['majority_baseline'].iloc[0]:.1f}" if len(hit) else "–"
            row[f"macro-F1, {name}"] = "–"
        out.append(row)
    return pd.DataFrame(out).sort_values("classes", kind="stable").reset_index(drop=True)


def readme_block(*, results_dir: str | Path | None = None) -> str:
    """The README's generated results block: the claims ledger, the crossval table and the ablations, Markdown."""
    table = crossval_table(results_dir=results_dir)
    lines = [BEGIN, ""]
    ledger, old = (ledger_table(results_dir=results_dir, recipe=r) for r in ("current", "round1"))
    if not ledger.empty:
        counts = ", ".join(f"{v} {n}" for v, n in ledger["verdict"].value_counts().items())
        lines += ["**The paper's claims, audited** on the current recipe (`results/claims.md`, from `affacrnn experiment "
                  "claims`; the 95 % interval of the macro-F1 difference, paired over speakers where both runs kept "
                  "their answers, else over folds, against a smallest effect of 2 points: *holds* above it, *does not "
                  "hold* below it, *inconclusive* across it; " + counts + "; round one's "
                  + str(len(old)) + " rows: " + ", ".join(f"{v} {n}" for v, n in old["verdict"].value_counts().items())
                  + "):", "", _markdown(ledger.drop(columns=["chapter", "data", "recipe"])), ""]
    if table.empty:
        lines += ["No cross-validation result is committed yet (`affacrnn experiment crossval --mode full`).", ""]
    else:
        lines += ["Speaker-disjoint cross-validation (`results/crossval.json`; RAVDESS, 4 folds of 6 actors; "
                  "mean ± sd over folds, percent; each network under the current recipe, round two, beside round one's "
                  "run of it; a baseline's runs are the same under both):", "", _markdown(table), ""]
    emodb = crossval_table(results_dir=Path(results_dir or REPO_ROOT / "results") / "crossval-emodb")
    if not emodb.empty:
        lines += ["EmoDB, the same protocol (`results/crossval-emodb/crossval.json`, 5 folds of 2 speakers: the "
                  "field's yardstick; the networks' EmoDB folds are in `results/crossval-parts/` and the ledger):", "",
                  _markdown(emodb), ""]
    recipe = recipe_table(results_dir=results_dir)
    if not recipe.empty:
        lines += ["**Round two of the recipe** (`results/recipe2/`: per-speaker normalisation, AFF1 as frame statistics, "
                  "one utterance per window, the `cpu` preset since round two; the same folds, each paired with round "
                  "one's run of the model and with the SVMs; macro-F1 points, mean ± sd of the per-fold differences):",
                  "", _markdown(recipe), ""]
    ensembles = ensemble_table(results_dir=results_dir)
    if not ensembles.empty:
        lines += ["Round two with several seeds: each fold scored by one seed (mean over seeds) and by the seeds' "
                  "averaged probabilities (an ensemble; from the answers the fold runs keep):", "",
                  _markdown(ensembles), ""]
    pairs = comparisons_table(results_dir=results_dir)
    if not pairs.empty:
        lines += ["Paired over the same folds, the networks under the current recipe (macro-F1 points, mean ± sd of the "
                  "per-fold differences):", "",
                  _markdown(pairs), ""]
    ablations = ablation_table(results_dir=results_dir)
    if not ablations.empty:
        lines += ["Ablations (`results/ablation-*/`: options changed from a recipe, the same folds, paired with that "
                  "recipe's run of the same model and fold):", "", _markdown(ablations), ""]
    mosi = mosi_table(results_dir=results_dir)
    if not mosi.empty:
        lines += ["**On the paper's own data**: CMU-MOSI through the audio vectors bc-LSTM published "
                  "(`results/mosi_audio.json`, from `affacrnn experiment mosi_audio`; 73 values per utterance, so only "
                  "the models that read one vector per utterance run: AFF-ACRNN's context stage, not its librosa or "
                  "CNN branches; mean ± sd over seeds 0–2 where the model has randomness; percent):", "",
                  _markdown(mosi), ""]
    lines.append(END)
    return "\n".join(lines)


def update_readme(readme: str | Path | None = None, *, results_dir: str | Path | None = None) -> bool:
    """Rewrite the block between :data:`BEGIN` and :data:`END` in ``readme``; return whether it changed."""
    path = Path(readme) if readme is not None else REPO_ROOT / "README.md"
    text = path.read_text()
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ParameterError(f"{path} has no generated results block; put the two lines {BEGIN!r} and "
                             f"{END!r} where the results go.")
    new = pattern.sub(lambda _: readme_block(results_dir=results_dir), text)
    if new != text:
        atomic_write_text(path, new)
    return new != text


class _Markdown:
    """An object Jupyter shows as Markdown (so its links to other chapters work in JupyterLab and the HTML book)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def ledger(*, chapter: str | None = None, results_dir=None, recipe: str | None = "current") -> _Markdown:
    """The committed claims ledger as a Markdown table, each row linked to the chapter with its evidence.

    Parameters
    ----------
    chapter : str, optional
        Only the claims this chapter holds the evidence of (``"09_baselines"``); the chapter
        column is then left out.
    results_dir : path-like, optional
        Default the repository's ``results/``.
    recipe : {"current", "round1", None}
        As :func:`ledger_table`.

    Returns
    -------
    object
        Displayed as Markdown by Jupyter; ``repr`` is the same text.
    """
    df = ledger_table(results_dir=results_dir, chapter=chapter, recipe=recipe)
    if df.empty:
        return _Markdown("*No claims ledger is committed" + (" for this chapter" if chapter else "")
                         + " yet: make it with `affacrnn experiment claims --mode full`.*")
    if chapter is None:
        df = df.assign(chapter=[f"[ch. {c[:2]}]({c}.ipynb)" for c in df["chapter"]])
    else:
        df = df.drop(columns=["chapter"])
    df = df.assign(verdict=[f"**{v}**" for v in df["verdict"]])
    head = "| " + " | ".join(df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return _Markdown("\n".join([head, rule, *body]))


if __name__ == "__main__":  # python -m reproduction.summary
    print("README.md " + ("updated" if update_readme() else "already current"))
