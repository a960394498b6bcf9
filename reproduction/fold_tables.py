"""The paper's Tables 2–6 rebuilt from the committed speaker-fold runs, with the paper's figures beside ours.

:func:`fold_runs` reads every committed run of :mod:`reproduction.crossval`
(``results/crossval-parts/*.json``, each with its config and provenance), whatever session or
command made it; :func:`fold_tables` arranges them as the paper's tables (mean ± sd over folds,
the majority rate and the SVMs on the same folds), a row not run yet saying so with what it
would cost on this machine (:mod:`reproduction.costs`). The claims ledger
(:mod:`reproduction.claims`) tests the paper's claims on the same runs.

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from affacrnn.errors import ParameterError
from affacrnn.features.frames import PAPER_FEATURES
from affacrnn.models.cnn_zoo import CNNS
from reproduction.costs import scaled_minutes
from reproduction.crossval import FOLDS, RECIPES, option_value
from reproduction.fold_scores import RUN_DETAILS
from reproduction.models import MODEL_LABELS, is_baseline
from reproduction.paper import (
    PAPER_SEVEN,
    PAPER_TABLE2,
    PAPER_TABLE3,
    PAPER_TABLE4,
    PAPER_TABLE5,
    PAPER_TABLE6,
    TABLE3_CNNS,
)
from reproduction.results import REPO_ROOT

__all__ = ["LABELS", "PAPER4", "ALL7", "TABLE3_ROWS", "TABLE_CAPTIONS", "Evidence", "best_cnns", "evidence", "fold_runs",
           "fold_tables", "fusion_options", "per_fold", "recipe_of", "select_runs", "selected_sets", "plus_minus",
           "table2_cells", "table2_folds"]

#: How rows name the models: the one spelling of :data:`reproduction.crossval.MODEL_LABELS`.
LABELS = MODEL_LABELS
PAPER4 = ",".join(PAPER_FEATURES)
#: Table 3's rows: our small CNN, the paper's CNNs in its order, then any other CNN of the zoo.
TABLE3_ROWS = ("small", *TABLE3_CNNS, *(n for n in CNNS if n != "small" and n not in TABLE3_CNNS))
ALL7 = ",".join(PAPER_SEVEN)  # Table 2's "all seven": the paper's, not whatever the layout offers


# ----------------------------------------------------------------------------------------------
# Evidence: the committed fold runs
# ----------------------------------------------------------------------------------------------

def recipe_of(overrides: dict) -> str:
    """The recipe a run's config overrides name: the latest of :data:`~reproduction.crossval.RECIPES`
    whose every change they hold (``"round1"``, the recipe without changes, otherwise)."""
    found = "round1"
    for name, changes in RECIPES.items():
        if changes and all(overrides.get(k) == v for k, v in changes.items()):
            found = name
    return found


def fold_runs(results_dir: str | Path | None = None, *, mode: str = "full", recipe: str = "round1") -> pd.DataFrame:
    """Every committed crossval run of ``mode`` and ``recipe``: one row per (corpus, scheme, model, options, cross,
    fold, seed).

    Read from ``<results_dir>/crossval-parts/*.json`` (default the repository's ``results/``), so
    runs of separate sessions and commands count together; a later recipe's runs also from every
    ``<results_dir>/*/crossval-parts/`` (where they were run, ``results/recipe2/`` …), each part once
    (those folders' copy first). A network's recipe is what its overrides name (:func:`recipe_of`), so one
    table never mixes two; a baseline (no network, no recipe) belongs to every recipe.
    Columns: the run's row (scores, ``features`` — the paper's four where the run overrode nothing —
    ``options``, the overrides beyond the recipe's own, and ``cross``, empty for in-corpus runs),
    plus ``recipe``, ``key`` (the part's file name), ``path`` and ``commit`` (its provenance).
    """
    if recipe not in RECIPES:
        raise ParameterError(f"`recipe` must be one of {', '.join(RECIPES)}; got {recipe!r}.")
    root = Path(results_dir) if results_dir is not None else REPO_ROOT / "results"
    changes = RECIPES[recipe]
    paths = sorted((root / "crossval-parts").glob("*.json"))
    if changes:  # the later recipe's folders first: a baseline re-run there keeps its answers
        paths = sorted(root.glob("*/crossval-parts/*.json")) + paths
    rows, seen = [], set()
    for path in paths:
        try:
            record = json.loads(path.read_text())
            task, row = record["task"], record["row"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ParameterError(f"{path} is not a crossval part ({exc}); delete it or re-run its task.") from exc
        overrides = dict(task.get("overrides") or [])
        baseline = is_baseline(task.get("model"))  # no network: the same under every recipe
        if task.get("mode") != mode or path.stem in seen or (recipe_of(overrides) != recipe and not baseline):
            continue
        seen.add(path.stem)
        out = {k: v for k, v in row.items() if k not in RUN_DETAILS}
        feats = overrides.get("features")
        out["features"] = ",".join(feats) if isinstance(feats, (list, tuple)) else (feats or PAPER4)
        out["options"] = ",".join(f"{k}={option_value(v)}" for k, v in sorted(overrides.items())
                                  if k != "features" and k not in changes)
        out["cross"] = task.get("cross") or ""
        out["recipe"] = recipe
        out["key"] = path.stem
        out["path"] = str(path)
        out["commit"] = str((record.get("provenance") or {}).get("commit", ""))[:12]
        rows.append(out)
    columns = ["corpus", "scheme", "model", "features", "options", "cross", "fold", "seed", "recipe", "key", "path",
               "commit"]
    if not rows:
        return pd.DataFrame(columns=columns)
    df = pd.DataFrame(rows)
    numeric = [c for c in df.columns if c not in columns]
    df[numeric] = df[numeric].apply(pd.to_numeric, errors="coerce")
    return df


def select_runs(runs: pd.DataFrame, *, corpus: str, scheme: str, model: str, features: str = PAPER4,
            cross: str | None = None, options: str = "") -> pd.DataFrame:
    """The runs of one recipe. In-corpus scores (``cross=None``) also come from runs that were scored
    across corpora (the same recipe; their ``accuracy`` … are on the fold's own speakers), when
    there is no plain run."""
    if runs.empty:
        return runs
    sel = runs[(runs["corpus"] == corpus) & (runs["scheme"] == scheme) & (runs["model"] == model)
               & (runs["features"] == features) & (runs["options"] == options)]
    if cross is not None:
        return sel[sel["cross"] == cross]
    plain = sel[sel["cross"] == ""]
    return plain if len(plain) else sel[sel["cross"] == sel["cross"].min()] if len(sel) else sel


def per_fold(sel: pd.DataFrame, metric: str) -> pd.Series:
    """One value per fold (seeds averaged within a fold)."""
    if sel.empty or metric not in sel:
        return pd.Series(dtype=float)
    return sel.groupby("fold")[metric].mean().dropna()


def plus_minus(mean: float, sd: float) -> str:
    return "–" if pd.isna(mean) else f"{mean:.1f}" if pd.isna(sd) else f"{mean:.1f} ± {sd:.1f}"



# ----------------------------------------------------------------------------------------------
# The paper's tables on our folds
# ----------------------------------------------------------------------------------------------

def _summary(sel: pd.DataFrame, prefix: str = "") -> dict:
    out = {}
    for m, head in (("macro_f1", "macro-F1"), ("accuracy", "accuracy"), ("balanced_accuracy", "balanced acc."),
                    ("majority", "majority")):
        s = per_fold(sel, prefix + m)
        out[head] = plus_minus(s.mean(), s.std(ddof=1) if len(s) > 1 else np.nan) if len(s) else "not run"
    out["folds"] = int(sel["fold"].nunique()) if len(sel) else 0
    return out


def selected_sets(path: str | Path | None = None) -> dict[int, str]:
    """The feature set of each size (1–7 types) that Table 2's greedy selection chose, by size.

    Read from the committed single-split ``results/table2.json`` (its ``sentiment2`` rows; chosen on
    validation speakers with the logistic-regression proxy); empty when the file is missing.
    """
    data = _read_json(Path(path) if path is not None else REPO_ROOT / "results" / "table2.json")
    if not data:
        return {}
    return {int(r["n_types"]): str(r["features"]) for r in data.get("rows", [])
            if r.get("scheme") == "sentiment2" and r.get("features")}


def _table2_sets(sets: dict[int, str]) -> list[tuple[int, str, str]]:
    """(types, features, chosen by) of Table 2's rows: the paper's four, all seven, and the selection's sets."""
    rows = [(4, PAPER4, "the paper"), (7, ALL7, "all")]
    rows += [(n, f, "selection (proxy)") for n, f in sorted(sets.items()) if f not in (PAPER4, ALL7)]
    return sorted(rows, key=lambda r: (r[0], r[2] != "the paper"))


def table2_cells(runs: pd.DataFrame, sets: dict[int, str]) -> Iterator[tuple]:
    """Table 2's cells in its order, each ``(scheme, classes, model, recurrent, types, features, chosen by, runs)``.

    ``runs`` is the cell's committed fold runs (:func:`select_runs`; empty when not run); ``sets``
    the selection's set of each size (:func:`selected_sets`). One walk for :func:`table2_folds`,
    :func:`fold_tables` and the ledger's C2.
    """
    for scheme, k in (("ravdess_emotion7", 7), ("sentiment2", 2)):
        for model, rec in (("ub_lstm", "lstm"), ("ub_bilstm", "bilstm")):
            for n, feats, chosen in _table2_sets(sets):
                yield (scheme, k, model, rec, n, feats, chosen,
                       select_runs(runs, corpus="ravdess", scheme=scheme, model=model, features=feats))


def table2_folds(runs: pd.DataFrame, *, sets: dict[int, str] | None = None) -> pd.DataFrame:
    """Table 2 fold by fold: every committed run of its rows, one row per (scheme, model, feature set, fold).

    Parameters
    ----------
    runs : pandas.DataFrame
        The committed fold runs (:func:`fold_runs`).
    sets : dict of int to str, optional
        Table 2's selected feature set of each size (default :func:`selected_sets`).

    Returns
    -------
    pandas.DataFrame
        Columns ``scheme, model`` (its label), ``types, features, chosen by`` (``"the paper"``,
        ``"all"`` or ``"selection (proxy)"``), ``fold`` and the scores (``macro_f1``, ``accuracy``,
        ``balanced_accuracy``, ``majority``; seeds averaged within a fold). Rows not run are absent;
        :func:`fold_tables` lists them with their cost. Drawn by :func:`affacrnn.book.plots.plot_feature_sets`.
    """
    sets = selected_sets() if sets is None else sets
    metrics = ["macro_f1", "accuracy", "balanced_accuracy", "majority"]
    out = []
    for scheme, _, model, _, n, feats, chosen, sel in table2_cells(runs, sets):
        if sel.empty:
            continue
        folds = sel.groupby("fold", as_index=False)[[m for m in metrics if m in sel]].mean()
        out.append(folds.assign(scheme=scheme, model=LABELS[model], types=n, features=feats,
                                **{"chosen by": chosen}))
    columns = ["scheme", "model", "types", "features", "chosen by", "fold", *metrics]
    return pd.concat(out, ignore_index=True).reindex(columns=columns) if out else pd.DataFrame(columns=columns)


def fold_tables(runs: pd.DataFrame, *, sets: dict[int, str] | None = None) -> dict[str, pd.DataFrame]:
    """The paper's Tables 2–6 on our speaker folds, from the committed runs, with the paper's figures.

    Rows not run yet say "not run" (their command is in the ledger, or in the caption). RAVDESS
    folds: 4 of 6 actors; EmoDB: 5 of 2 speakers. Mean ± sd over folds, percent.

    Parameters
    ----------
    runs : pandas.DataFrame
        The committed fold runs (:func:`fold_runs`).
    sets : dict of int to str, optional
        Table 2's selected feature set of each size (default :func:`selected_sets`).
    """
    sets = selected_sets() if sets is None else sets
    tables: dict[str, pd.DataFrame] = {}
    rows = []
    for scheme, cells in itertools.groupby(table2_cells(runs, sets), key=lambda cell: cell[0]):
        for _, k, model, rec, n, feats, chosen, sel in cells:
            cost = "" if len(sel) else _minutes(scaled_minutes(
                runs, model=model, scheme=scheme, reference="ub_bilstm", options={"features": feats.split(",")}))
            rows.append({"scheme": scheme, "model": LABELS[model], "types": n, "features": feats,
                         "chosen by": chosen, **_summary(sel), "paper acc.": PAPER_TABLE2[(n, rec)][k],
                         "4 folds would take": cost})
        rows += _baseline_rows(runs, scheme, types=4, features=PAPER4, **{"chosen by": "the paper",
                                                                           "4 folds would take": ""})
    tables["table2"] = pd.DataFrame(rows)
    rows = []
    for scheme, k in (("ravdess_emotion7", 7), ("sentiment3", 3)):
        for cnn in TABLE3_ROWS:
            sel = select_runs(runs, corpus="ravdess", scheme=scheme, model=f"sbcnn_{cnn}")
            paper = PAPER_TABLE3.get(cnn, {}).get(k, (np.nan, np.nan))
            cost = "" if len(sel) else _minutes(scaled_minutes(runs, model=f"sbcnn_{cnn}", scheme=scheme,
                                                               reference="sbcnn_resnet18"))
            rows.append({"scheme": scheme, "model": LABELS[f"sbcnn_{cnn}"], **_summary(sel),
                         "paper acc.": paper[0], "paper F1": paper[1], "4 folds would take": cost})
        rows += _baseline_rows(runs, scheme, **{"4 folds would take": ""})
    tables["table3"] = pd.DataFrame(rows)
    rows = []
    for scheme, k in (("ravdess_emotion7", 7), ("sentiment3", 3)):
        for model in ("affacrnn_staged", "affacrnn_end_to_end", "ub_bilstm", "sbcnn_small", "svm", "svm_speaker"):
            sel = select_runs(runs, corpus="ravdess", scheme=scheme, model=model)
            paper = PAPER_TABLE4[("bilstm", "resnet152")].get(k, (np.nan, np.nan)) if model.startswith("affacrnn") \
                else (np.nan, np.nan)
            rows.append({"scheme": scheme, "model": LABELS[model], "options": "", **_summary(sel),
                         "paper acc.": paper[0], "paper F1": paper[1], "4 folds would take": ""})
        for rec, cnn in _table4_fusions(runs, scheme):
            options = fusion_options(recurrent=rec, cnn=cnn)
            sel = select_runs(runs, corpus="ravdess", scheme=scheme, model="affacrnn_staged", options=options)
            paper = PAPER_TABLE4.get((rec, cnn), {}).get(k, (np.nan, np.nan))
            cost = "" if len(sel) else _minutes(scaled_minutes(runs, model="affacrnn_staged", scheme=scheme,
                                                               reference="affacrnn_staged",
                                                               options={"cnn": cnn, "recurrent": rec}))
            rows.append({"scheme": scheme, "model": f"UB-{'BiLSTM' if rec == 'bilstm' else 'LSTM'} + {cnn} (staged)",
                         "options": options, **_summary(sel), "paper acc.": paper[0], "paper F1": paper[1],
                         "4 folds would take": cost})
    tables["table4"] = pd.DataFrame(rows)
    rows = []
    for model, paper_key in (("affacrnn_staged", "affacrnn"), ("svm", "svm"), ("svm_speaker", None),
                             ("naive_bayes", "naive_bayes"), ("gmm", "gmm"), ("hmm", "hmm"), ("dtw", "dtw"),
                             ("bc_lstm", None)):
        sel = select_runs(runs, corpus="emodb", scheme="sentiment2", model=model)
        paper = PAPER_TABLE5.get(paper_key, (np.nan, np.nan)) if paper_key else (np.nan, np.nan)
        rows.append({"corpus": "emodb", "model": LABELS[model], **_summary(sel), "paper acc.": paper[0],
                     "paper F1": paper[1]})
    tables["table5"] = pd.DataFrame(rows)
    rows = []
    for model in ("affacrnn_staged", "bc_lstm", "svm"):
        paper_model = {"affacrnn_staged": "affacrnn", "bc_lstm": "bc_lstm"}.get(model)
        for corpus, cross in (("ravdess", ""), ("emodb", ""), ("ravdess", "emodb"), ("emodb", "ravdess")):
            if cross:
                sel = select_runs(runs, corpus=corpus, scheme="sentiment2", model=model, cross=cross)
                summary = _summary(sel, prefix="cross_")
                summary["test majority"] = plus_minus(*_mean_sd(per_fold(sel, "cross_test_majority")))
                setting = f"{corpus} → {cross}"
            else:
                sel = select_runs(runs, corpus=corpus, scheme="sentiment2", model=model)
                summary = _summary(sel)
                summary["test majority"] = "–"
                setting = f"{corpus} (in corpus)"
            paper = PAPER_TABLE6.get((paper_model, "cross" if cross else "in_corpus"), np.nan) \
                if paper_model else np.nan
            rows.append({"setting": setting, "model": LABELS[model], **summary, "paper acc.": paper})
    tables["table6"] = pd.DataFrame(rows)
    return tables


def _baseline_rows(runs: pd.DataFrame, scheme: str, **keys) -> list[dict]:
    """The two SVMs on the same RAVDESS folds, to read a table's rows against (their majority column too)."""
    return [{"scheme": scheme, "model": LABELS[m], **keys,
             **_summary(select_runs(runs, corpus="ravdess", scheme=scheme, model=m))} for m in ("svm", "svm_speaker")]


def best_cnns(runs: pd.DataFrame, *, scheme: str, n: int = 3) -> list[str]:
    """The ``n`` best CNNs of Table 3 on our folds, best first (``["zfnet", "small", "alexnet"]``).

    Ranked by the mean macro-F1 of the SBCNN runs of ``scheme`` on RAVDESS that were run on every fold,
    so a CNN half-way through its folds cannot move the choice; too few such CNNs are filled with the
    paper's ResNets.

    Parameters
    ----------
    runs : pandas.DataFrame
        Fold runs, as :func:`fold_runs` reads them.
    scheme : str
        The label scheme whose SBCNN runs are ranked (``"sentiment3"``).
    n : int
        How many CNNs.

    Returns
    -------
    list of str
        ``n`` keys of :data:`affacrnn.models.cnn_zoo.CNN_ZOO`, best mean macro-F1 first.
    """
    sb = runs[(runs["corpus"] == "ravdess") & (runs["scheme"] == scheme) & runs["model"].str.startswith("sbcnn_")
              & (runs["options"] == "") & (runs["cross"] == "")] if len(runs) else runs
    if len(sb):
        sb = sb[sb.groupby("model")["fold"].transform("nunique") == FOLDS["ravdess"]]
    ranked = list(sb.groupby("model")["macro_f1"].mean().sort_values(ascending=False).index.str[6:]) if len(sb) else []
    return list(dict.fromkeys(ranked + ["resnet18", "resnet50", "resnet152"]))[:n]


def fusion_options(*, recurrent: str, cnn: str) -> str:
    """The staged fusion's overrides as its fold runs record them (``"cnn=zfnet,recurrent=lstm"``; the
    default UB-BiLSTM + small CNN is ``""``)."""
    return ",".join(f"{k}={v}" for k, v in (("cnn", cnn), ("recurrent", recurrent))
                    if (k, v) not in (("cnn", "small"), ("recurrent", "bilstm")))


def _table4_fusions(runs: pd.DataFrame, scheme: str) -> list[tuple[str, str]]:
    """Table 4's fusions: UB-LSTM and UB-BiLSTM with the three best CNNs on our folds (:func:`best_cnns`),
    less our default fusion."""
    return [(rec, cnn) for cnn in best_cnns(runs, scheme=scheme) for rec in ("lstm", "bilstm")
            if (rec, cnn) != ("bilstm", "small")]


def _minutes(cost: dict) -> str:
    """``"≈ 120 min"``: the scaled estimate, or the plain one when nothing to scale by was run."""
    m = cost["scaled"] if cost["scaled"] == cost["scaled"] else cost["estimate"]
    return f"≈ {m:.0f} min"


def _mean_sd(s: pd.Series) -> tuple[float, float]:
    return (float(s.mean()), float(s.std(ddof=1)) if len(s) > 1 else np.nan) if len(s) else (np.nan, np.nan)


TABLE_CAPTIONS = {
    "table2": "Table 2 on folds: UB-LSTM / UB-BiLSTM with the paper's 4 feature types, all 7, and the set of each "
              "size that the greedy selection chose (on validation speakers of one split, with the "
              "logistic-regression proxy; selecting with the UB model itself on every fold costs the hours C1's "
              "note gives) (RAVDESS). A row not run gives its cost on 2 CPU cores, scaled by the committed "
              "UB-BiLSTM folds; to run it: affacrnn experiment crossval --mode full --seeds 0 --param corpus=ravdess "
              "--param schemes=SCHEME --param models=ub_lstm,ub_bilstm --param options='{\"features\": [...]}'. "
              "Paper: MOSI, its 2 and 7 classes.",
    "table3": "Table 3 on folds: SBCNN with each CNN, 64² graphs, random initialisation (RAVDESS). Paper: MOSI, "
              "512², ImageNet-pretrained. A row not run gives its cost on 2 CPU cores: the runner's estimate scaled "
              "by how long the committed ResNet18 folds took against theirs.",
    "table4": "Table 4 on folds: the staged fusion beside its branches and the SVM (RAVDESS; the default fusion is "
              "UB-BiLSTM + the small CNN), then UB-LSTM / UB-BiLSTM with the three best CNNs of Table 3 on our folds "
              "(a row not run gives its cost on 2 CPU cores, scaled by the committed fusion folds). Paper: MOSI.",
    "table5": "Table 5 on folds: EmoDB sentiment2 (84 % negative: read macro-F1 and balanced accuracy), 5 folds of "
              "2 speakers. Paper: MOUD.",
    "table6": "Table 6 on folds: sentiment2 in corpus and across languages, each fold's model scored on every "
              "utterance of the other corpus; 'test majority' is that corpus's most frequent class. Paper: MOSI "
              "and MOSI → MOUD.",
}


@dataclasses.dataclass(frozen=True)
class Evidence:
    """All the committed evidence the ledger reads."""

    runs: pd.DataFrame
    mosi: pd.DataFrame | None
    latency: dict | None
    #: Table 2's selected feature set of each size (:func:`selected_sets`); empty when none is committed.
    sets: dict = dataclasses.field(default_factory=dict)
    #: ``results/mosi_audio.json`` (the vector models on MOSI), or None when not committed.
    mosi_audio: dict | None = None
    #: The recipe of every run in ``runs`` (:func:`fold_runs`).
    recipe: str = "round1"


def _read_json(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError as exc:
        raise ParameterError(f"{path} is not valid JSON ({exc}); delete it and re-run what writes it.") from exc


def evidence(results_dir: str | Path | None = None, *, mode: str = "full", recipe: str = "round1") -> Evidence:
    """The committed fold runs of one recipe, MOSI label audit and audio runs, latency record and Table 2's selected
    sets under ``results_dir`` (the MOSI audio runs only when made in ``mode``)."""
    root = Path(results_dir) if results_dir is not None else REPO_ROOT / "results"
    mosi = _read_json(root / "mosi_labels.json")
    audio = _read_json(root / "mosi_audio.json")
    return Evidence(runs=fold_runs(root, mode=mode, recipe=recipe), recipe=recipe,
                    mosi=None if mosi is None else pd.DataFrame(mosi["rows"], columns=mosi.get("columns")),
                    latency=_read_json(root / "latency.json"), sets=selected_sets(root / "table2.json"),
                    mosi_audio=audio if audio is not None and audio.get("mode") == mode else None)
