"""What the committed fold runs answered, utterance by utterance: seed ensembles and per-speaker scores.

Every part file of :mod:`reproduction.crossval` keeps its test answers
(:func:`reproduction.fold_scores.test_predictions`): utterance ids, speakers, true and
predicted classes and, for the networks, class probabilities. From them, without training again:

* :func:`read_answers` — the answers of one recipe (corpus, scheme, model, options), one row per
  (seed, utterance); every speaker of the corpus appears once per seed, scored by the fold model
  that did not see them;
* :func:`ensemble_answers` — the seeds' probabilities averaged per utterance (the model a user
  would ship: one answer from several trained networks), majority vote where there are none;
* :func:`speaker_scores` — a score per test speaker: RAVDESS has 24 actors and EmoDB 10, the
  units a paired comparison of two recipes can use (4 folds give 3 degrees of freedom).

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from affacrnn.errors import ParameterError
from reproduction.results import REPO_ROOT

__all__ = ["SCORES", "ensemble_answers", "fold_macro_f1", "part_answers", "read_answers", "speaker_scores"]

#: Scores :func:`speaker_scores` computes, in percent (the fold tables' names).
SCORES = ("accuracy", "balanced_accuracy", "macro_f1")


def _group_scores(y_true: np.ndarray, y_pred: np.ndarray, group: np.ndarray, n_groups: int, score: str) -> np.ndarray:
    """One score per group of utterances, each exactly as scikit-learn computes it on the group alone.

    Written out because the ledger scores thousands of small groups (every speaker × seed × fold of
    every recipe it pairs): one ``f1_score`` call per group spent ~10 ms in input validation, about
    90 % of ``affacrnn experiment claims``. The arithmetic is scikit-learn's (``tests/test_claims.py``
    holds the two equal to the last bit on random answers):

    * ``accuracy``: the mean of ``y_true == y_pred`` (:func:`~sklearn.metrics.accuracy_score`);
    * ``balanced_accuracy``: the mean recall over the classes the group has
      (:func:`~sklearn.metrics.balanced_accuracy_score`);
    * ``macro_f1``: the mean over the classes the group has of ``2 tp / (n_true + n_pred)``, 0 where
      that is 0/0 (:func:`~sklearn.metrics.f1_score` with ``labels`` = the group's classes,
      ``average="macro"``, ``zero_division=0``).

    Parameters
    ----------
    y_true, y_pred, group : numpy.ndarray, shape (n,)
        Class indices (non-negative integers) and group indices (``0 .. n_groups - 1``).

    Returns
    -------
    numpy.ndarray, shape (n_groups,)
        Fractions in [0, 1].
    """
    k = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    n_true = np.bincount(group * k + y_true, minlength=n_groups * k).reshape(n_groups, k)
    n_pred = np.bincount(group * k + y_pred, minlength=n_groups * k).reshape(n_groups, k)
    hit = y_true == y_pred
    tp = np.bincount(group[hit] * k + y_true[hit], minlength=n_groups * k).reshape(n_groups, k)
    out = np.empty(n_groups)
    for g in range(n_groups):  # each group's own classes, in sorted order as scikit-learn takes them
        has = n_true[g] > 0
        if score == "accuracy":
            out[g] = tp[g].sum() / n_true[g].sum()
        elif score == "balanced_accuracy":
            out[g] = np.mean(tp[g][has] / n_true[g][has])
        else:
            denom = n_true[g][has] + n_pred[g][has]
            f1 = np.zeros(denom.shape)
            np.divide(2 * tp[g][has], denom, out=f1, where=denom != 0)
            out[g] = np.average(f1)
    return out


def _overrides(task: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in (task.get("overrides") or [])}


def read_answers(*, corpus: str, scheme: str, model: str, options: dict | None = None, cross: str = "",
                 results_dir: str | Path | None = None, mode: str = "full") -> pd.DataFrame:
    """The test answers of one recipe's fold runs, one row per (seed, utterance).

    Parameters
    ----------
    corpus, scheme, model : str
        As a crossval task names them (``"ravdess"``, ``"ravdess_emotion7"``, ``"ub_bilstm"``).
    options : dict, optional
        The task's config overrides, exactly (``{"normalization": "speaker"}``); none by default.
    cross : str
        The cross-corpus task's second corpus, or "" for in-corpus runs.
    results_dir : path-like, optional
        Folder holding ``crossval-parts/`` (default the repository's ``results/``).
    mode : {"full", "smoke"}

    Returns
    -------
    pandas.DataFrame
        Columns ``seed``, ``fold``, ``utterance_id``, ``speaker``, ``corpus``, ``y_true``, ``y_pred``
        and, where the model gave them, ``p0`` … ``p{k-1}``; ``attrs["classes"]``, ``attrs["parts"]``.

    Raises
    ------
    ParameterError
        When no part of that recipe keeps its answers (runs made before answers were kept).
    """
    parts_dir = (Path(results_dir) if results_dir is not None else REPO_ROOT / "results") / "crossval-parts"
    want = {k: tuple(v) if isinstance(v, list) else v for k, v in (options or {}).items()}
    chosen = []
    for path in sorted(parts_dir.glob(f"{mode}-{corpus}-{scheme}-{model}*.json")):
        task = json.loads(path.read_text())["task"]
        if (task["corpus"], task["scheme"], task["model"], task.get("cross") or "", task["mode"]) == \
                (corpus, scheme, model, cross, mode) and _overrides(task) == want:
            chosen.append(path)
    try:
        return part_answers(chosen)
    except ParameterError as exc:
        raise ParameterError(f"no fold run of {corpus}/{scheme}/{model} with options {want or 'none'} keeps its test "
                             f"answers in {parts_dir} ({exc}). Run it with `affacrnn experiment crossval --mode {mode}`."
                             ) from None


def part_answers(paths) -> pd.DataFrame:
    """The test answers kept in the part files ``paths``, one row per (seed, fold, utterance).

    Parameters
    ----------
    paths : iterable of path-like
        Crossval part files (``fold_runs``' ``path`` column names them).

    Returns
    -------
    pandas.DataFrame
        As :func:`read_answers`.

    Raises
    ------
    ParameterError
        When none of them keeps its answers (parts made before answers were kept), or they disagree on the classes.
    """
    frames, classes, used, without = [], None, [], 0
    for path in map(Path, paths):
        record = json.loads(path.read_text())
        task, answers = record["task"], dict(record["row"].get("predictions") or {})
        if not answers:
            without += 1
            continue
        proba = answers.pop("proba", None)
        names = answers.pop("classes")
        if classes is not None and names != classes:
            raise ParameterError(f"{path.name} names classes {names}, another part {classes}: pass parts of one scheme.")
        classes = names
        frame = pd.DataFrame(answers).assign(seed=task["seed"], fold=task["fold"])
        if proba is not None:
            frame[[f"p{i}" for i in range(len(classes))]] = np.asarray(proba, dtype=float)
        frames.append(frame)
        used.append(path.name)
    if not frames:
        raise ParameterError(f"none of {len(used) + without} part(s) keeps its answers"
                             + (f" ({without} predate kept answers: run them again)" if without else ""))
    out = pd.concat(frames, ignore_index=True)
    first = ["seed", "fold", "utterance_id", "speaker", "corpus", "y_true", "y_pred"]
    out = out[first + [c for c in out.columns if c not in first]]
    out.attrs.update(classes=classes, parts=used)
    return out


def ensemble_answers(answers: pd.DataFrame) -> pd.DataFrame:
    """One answer per utterance from every seed's: the mean probabilities' argmax (a vote without them).

    Parameters
    ----------
    answers : pandas.DataFrame
        :func:`read_answers` output.

    Returns
    -------
    pandas.DataFrame
        The same columns with ``seed = "ensemble"``, one row per utterance; ``attrs["seeds"]``.
    """
    prob_cols = [c for c in answers.columns if c.startswith("p") and c[1:].isdigit()]
    keys = ["fold", "utterance_id", "speaker", "corpus", "y_true"]
    if prob_cols and answers[prob_cols].notna().all().all():
        out = answers.groupby(keys, sort=False)[prob_cols].mean().reset_index()
        out["y_pred"] = out[prob_cols].to_numpy().argmax(axis=1)
    else:  # ties go to the lowest class index, as np.argmax does
        votes = answers.groupby(keys, sort=False)["y_pred"].agg(lambda s: int(np.bincount(s.to_numpy()).argmax()))
        out = votes.reset_index()
    out.insert(0, "seed", "ensemble")
    out.attrs.update(answers.attrs, seeds=sorted(answers["seed"].unique().tolist()))
    return out


def speaker_scores(answers: pd.DataFrame, *, score: str = "macro_f1") -> pd.Series:
    """Each test speaker's score (percent), averaged over seeds (and over the fold models that scored them, for the
    other corpus of a cross-corpus run): the units of a speaker-level test.

    Parameters
    ----------
    answers : pandas.DataFrame
        :func:`read_answers` or :func:`ensemble_answers` output.
    score : {"accuracy", "balanced_accuracy", "macro_f1"}
        Macro-F1 over the classes the speaker has (an actor of RAVDESS says every class).

    Returns
    -------
    pandas.Series
        Indexed by ``corpus:speaker``, sorted.
    """
    if score not in SCORES:
        raise ParameterError(f"`score` must be one of {', '.join(SCORES)}; got {score!r}.")
    grouped = answers.groupby(["seed", "fold", "corpus", "speaker"], sort=True)
    groups = grouped.size().index  # in the order ngroup numbers them
    group = grouped.ngroup().to_numpy()
    real = group >= 0  # rows with a missing key belong to no group (-1)
    values = 100 * _group_scores(answers["y_true"].to_numpy(np.int64)[real], answers["y_pred"].to_numpy(np.int64)[real],
                                 group[real], len(groups), score)
    rows: dict[str, list[float]] = {}
    for corpus, speaker, value in zip(groups.get_level_values("corpus"), groups.get_level_values("speaker"), values):
        rows.setdefault(f"{corpus}:{speaker}", []).append(float(value))
    return pd.Series({k: float(np.mean(v)) for k, v in sorted(rows.items())}, name=score)


def fold_macro_f1(answers: pd.DataFrame, *, n_classes: int | None = None) -> pd.Series:
    """Macro-F1 (percent) of each fold over all the scheme's classes, as the fold tables score it.

    Seeds are averaged within a fold; pass :func:`ensemble_answers` output to score the ensemble.
    """
    k = n_classes or len(answers.attrs.get("classes") or []) or int(answers["y_true"].max()) + 1
    per: dict[Any, list[float]] = {}
    for (seed, fold), g in answers.groupby(["seed", "fold"], sort=True):
        per.setdefault(fold, []).append(100 * f1_score(g["y_true"], g["y_pred"], labels=list(range(k)),
                                                       average="macro", zero_division=0))
    return pd.Series({f: float(np.mean(v)) for f, v in per.items()}, name="macro_f1")
