"""The paper's own dataset: CMU-MOSI audio through bc-LSTM's published vectors, every model that can read them.

CMU-MOSI's audio cannot be had; bc-LSTM's per-utterance audio vectors can
(:func:`affacrnn.data.corpora.mosi_vectors.load_mosi_vectors`). On them run the models that read one
vector per utterance (:mod:`affacrnn.evaluation.vectors`): the majority, SVM, Naive Bayes and
GMM (Table 5's classic classifiers), bc-LSTM (Table 6's state of the art, on its own features)
and AFF-ACRNN's context stage (the UB branch's AFF2 + attention, fed the vectors in place of
AFF1's output) — the two recurrent ones with a 3-utterance window and, as the ablation, a window
of one. MOSI has real context (one person talking about one thing), unlike the acted corpora.

Protocol: both video-disjoint splits — the paper's (``paper``: rows 1–1616 / 1617–2199, 65 / 28
videos) and bc-LSTM's (``bc_lstm``: 62 / 31 videos, 1447 / 752 utterances); the label schemes
``mosi2``, ``mosi5``, ``mosi7`` (and any other score scheme); seeds for every model with
randomness (the others run once); early stopping on 15 % of the training videos, never the test
rows. Each row: accuracy (the paper's "weighted accuracy"), weighted and positive-class F1 (2
classes), macro-F1, balanced accuracy, mean ± sd over seeds, with the test set's majority rate
beside it. Every run's test predictions are kept in ``attrs["extra"]["predictions"]`` (one
character per utterance), so the ledger can pair models video by video without retraining.

Notebook: book/09_baselines.ipynb
"""
from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np
import pandas as pd

from affacrnn.data.context import context_windows
from affacrnn.data.corpora.mosi_vectors import load_mosi_vectors
from affacrnn.data.labels import apply_scheme, get_scheme
from affacrnn.data.splits import mosi_bclstm_split, mosi_paper_split
from affacrnn.errors import ParameterError
from affacrnn.evaluation.metrics import evaluate_predictions
from affacrnn.evaluation.vectors import CONTEXT_MODELS, VECTOR_LABELS, make_vector_model, stack_vectors
from reproduction.paper import PAPER_MOSI_BEST, PAPER_TABLE2, PAPER_TABLE5, PAPER_TABLE6
from reproduction.runner import finish, mean_sd, mode_settings, progress_bar, report, resolve_seeds

__all__ = ["MOSI_SPLITS", "MOSI_MODELS", "RECIPE", "SMOKE_RECIPE", "mosi_audio", "run_key", "video_of_each",
           "per_video_accuracy"]

#: Split name → function adding the ``split`` column (both disjoint by video).
MOSI_SPLITS = {"paper": mosi_paper_split, "bc_lstm": mosi_bclstm_split}
#: The models, in the table's order.
MOSI_MODELS = ("majority", "svm", "naive_bayes", "gmm", "bc_lstm", "context_stage")
#: Training of the two recurrent models in full mode: the paper's LSTM branch (§4: Adam at 1e-4,
#: batch 30, up to 200 epochs), with early stopping on validation videos (patience 20), classes
#: weighted by inverse frequency. The same for both, so the comparison is of networks, not recipes.
RECIPE = {"learning_rate": 1e-4, "batch_size": 30, "epochs": 200, "patience": 20, "validation_fraction": 0.15,
          "class_weight": "balanced"}
#: Smoke mode: a few epochs, to show that everything runs (not what is learned).
SMOKE_RECIPE = {**RECIPE, "learning_rate": 1e-3, "epochs": 3, "patience": 1}


def run_key(model: str, window: int) -> str:
    """The key of one model × window in the predictions (``"bc_lstm/w3"``, ``"svm/w1"``)."""
    return f"{model}/w{window}"


def _paper(model: str, k: int) -> tuple[float, str]:
    if k == 2 and model == "bc_lstm":
        return PAPER_TABLE6[("bc_lstm", "in_corpus")], "Table 6, bc-LSTM on MOSI"
    if k == 2 and model == "context_stage":
        return PAPER_TABLE6[("affacrnn", "in_corpus")], "Table 6, the whole AFF-ACRNN on MOSI (audio, both branches)"
    if model == "context_stage" and k in (5, 7):
        return PAPER_TABLE2[(4, "bilstm")][k], "Table 2, UB-BiLSTM with four feature types on MOSI"
    if k == 2 and model in PAPER_TABLE5:
        return PAPER_TABLE5[model][0], "Table 5, on MOUD (not MOSI)"
    if model == "majority":
        return PAPER_MOSI_BEST.get(k, float("nan")), "the paper's best on MOSI (Table 4), for scale"
    return float("nan"), ""


def _video_runs(test: pd.DataFrame) -> list[list]:
    """The test rows, compactly: ``[video, first row, n]`` per run of consecutive rows of one video, in order."""
    runs: list[list] = []
    for video, row in zip(test["session"].astype(str), test["row"].astype(int)):
        if runs and runs[-1][0] == video and runs[-1][1] + runs[-1][2] == row:
            runs[-1][2] += 1
        else:
            runs.append([video, row, 1])
    return runs


def video_of_each(kept: dict) -> np.ndarray:
    """The video of each test utterance of one ``predictions[split][scheme]`` entry, in order."""
    return np.concatenate([[video] * n for video, _, n in kept["videos"]]) if kept["videos"] else np.array([])


def per_video_accuracy(kept: dict, key: str) -> pd.Series:
    """Accuracy (%) on each test video of one run key, the mean over its seeds; indexed by video.

    Parameters
    ----------
    kept : dict
        One ``predictions[split][scheme]`` entry of :func:`mosi_audio`'s ``attrs["extra"]`` (or of
        ``results/mosi_audio.json``'s ``extra``).
    key : str
        A run key (:func:`run_key`), e.g. ``"context_stage/w3"``.

    Returns
    -------
    pandas.Series [shape=(n_test_videos,)]
        Empty when the key was not run.
    """
    runs = kept.get("runs", {}).get(key)
    if not runs:
        return pd.Series(dtype=float)
    videos = video_of_each(kept)
    y = np.frombuffer(kept["y"].encode(), dtype=np.uint8)
    hits = np.mean([np.frombuffer(p.encode(), dtype=np.uint8) == y for p in runs.values()], axis=0)
    return 100 * pd.Series(hits, index=videos).groupby(level=0, sort=False).mean()


def _check(name: str, values: Iterable[str], valid: Iterable[str]) -> tuple[str, ...]:
    values = (values,) if isinstance(values, str) else tuple(values)
    valid = tuple(valid)
    bad = [v for v in values if v not in valid]
    if bad or not values:
        raise ParameterError(f"`{name}` must be a non-empty list of {', '.join(valid)}; got {list(values)!r}. "
                             f"Pass e.g. {name}={valid[0]}.")
    return values


def mosi_audio(
    *,
    mode: str = "smoke",
    seeds: Iterable[int] | None = None,
    progress: bool = True,
    splits: Iterable[str] = ("paper", "bc_lstm"),
    schemes: Iterable[str] = ("mosi2", "mosi5", "mosi7"),
    models: Iterable[str] = MOSI_MODELS,
    windows: Iterable[int] = (3, 1),
    root: str | None = None,
) -> pd.DataFrame:
    """Every vector model on CMU-MOSI's audio (bc-LSTM's vectors), both splits, 2/5/7 classes (module docstring).

    Parameters
    ----------
    mode : {"smoke", "full"}
        ``full``: :data:`RECIPE`, seeds 0–2 (577 s measured on 2 cores); ``smoke``: :data:`SMOKE_RECIPE`.
    seeds : iterable of int, optional
    progress : bool
        A bar of finished runs on stderr.
    splits : iterable of {"paper", "bc_lstm"}
    schemes : iterable of str
        Score schemes (:func:`affacrnn.data.labels.schemes_for` ``("score")``).
    models : iterable of str
        From :data:`MOSI_MODELS`.
    windows : iterable of int
        Context windows of the recurrent models (odd; 1 is the no-context ablation).
    root : path-like, optional
        Data root (default ``$AFFACRNN_DATA``).

    Returns
    -------
    pandas.DataFrame
        One row per split × scheme × model × window; ``attrs["extra"]`` holds the split sizes, the
        recipe, and ``predictions[split][scheme]``: ``videos`` (``[video, first row, n]`` per run
        of test rows, in order: :func:`video_of_each`), ``y`` and, per run key (:func:`run_key`) and
        seed, the predicted classes, one character per test utterance.
    """
    settings = mode_settings(mode)
    seeds = resolve_seeds(seeds, settings)
    splits = _check("splits", splits, MOSI_SPLITS)
    models = _check("models", models, MOSI_MODELS)
    schemes = (schemes,) if isinstance(schemes, str) else tuple(schemes)
    for s in schemes:
        if get_scheme(s).kind != "score":
            raise ParameterError(f"`schemes`: {s!r} reads emotions; MOSI has sentiment scores. "
                                 "Pass e.g. mosi2, mosi5, mosi7.")
    windows = tuple(int(w) if isinstance(w, str) and w.isdigit() else w  # `--param windows=3,1` gives strings
                    for w in ((windows,) if isinstance(windows, (int, str)) else windows))
    if not windows or any(not isinstance(w, (int, np.integer)) or w < 1 or w % 2 == 0 for w in windows):
        raise ParameterError(f"`windows` must be odd ints >= 1; got {list(windows)!r}. Pass e.g. windows=(3, 1).")
    recipe = SMOKE_RECIPE if mode == "smoke" else RECIPE
    vectors = load_mosi_vectors(root=root)
    plan = [(m, w) for m in models for w in (windows if m in CONTEXT_MODELS else (1,))]
    runs_per = sum(len(seeds) if m in CONTEXT_MODELS or m == "gmm" else 1 for m, _ in plan)
    bar = progress_bar("mosi_audio", len(splits) * len(schemes) * runs_per, progress)
    rows, predictions, sizes = [], {}, {}
    for split in splits:
        table = MOSI_SPLITS[split](vectors.table).assign(vector=np.arange(len(vectors)))
        sizes[split] = {part: {"rows": int((table["split"] == part).sum()),
                               "videos": int(table.loc[table["split"] == part, "session"].nunique())}
                        for part in ("train", "test")}
        predictions[split] = {}
        for scheme_name in schemes:
            scheme = get_scheme(scheme_name)
            lab = apply_scheme(table, scheme)
            train = lab[lab["split"] == "train"].reset_index(drop=True)
            test = lab[lab["split"] == "test"].reset_index(drop=True)
            X_train, X_test = vectors.X[train["vector"].to_numpy()], vectors.X[test["vector"].to_numpy()]
            y_train, y_test = train["y"].to_numpy(), test["y"].to_numpy()
            classes = list(range(scheme.n_classes))
            kept = {"videos": _video_runs(test), "y": "".join(map(str, y_test)), "runs": {}}
            for model, window in plan:
                W_train = stack_vectors(X_train, context_windows(train, size=window))
                W_test = stack_vectors(X_test, context_windows(test, size=window))
                seeded = model in CONTEXT_MODELS or model == "gmm"
                scores, epochs, seconds, preds = [], [], [], {}
                for seed in (seeds if seeded else seeds[:1]):
                    params = recipe if model in CONTEXT_MODELS else {}
                    est = make_vector_model(model, random_state=seed, **params)
                    t0 = time.perf_counter()
                    if model in CONTEXT_MODELS:
                        est.fit(W_train, y_train, groups=train["session"].to_numpy())
                        epochs.append(est.best_epoch_)
                    else:
                        est.fit(W_train, y_train)
                    pred = np.asarray(est.predict(W_test)).astype(int)
                    seconds.append(time.perf_counter() - t0)
                    scores.append(evaluate_predictions(y_test, pred, classes=classes, y_train=y_train, n_boot=200,
                                                       seed=seed))
                    preds[str(seed)] = "".join(map(str, pred))
                    report(bar, f"{split} {scheme_name} {model} w{window} seed {seed}: "
                                f"accuracy {100 * scores[-1]['weighted_accuracy']:.1f} "
                                f"(majority {100 * scores[-1]['majority_accuracy']:.1f})")
                kept["runs"][run_key(model, window)] = preds
                k = scheme.n_classes
                paper, paper_source = _paper(model, k)
                row = {"split": split, "scheme": scheme_name, "classes": k, "model": model,
                       "label": VECTOR_LABELS[model], "window": window, "n_seeds": len(scores)}
                for key in ("weighted_accuracy", "balanced_accuracy", "macro_f1", "weighted_f1", "positive_f1"):
                    name = "accuracy" if key == "weighted_accuracy" else key
                    row[name], row[f"{name}_sd"] = mean_sd([100 * s[key] for s in scores])
                row.update({
                    "majority_baseline": 100 * scores[0]["majority_accuracy"],
                    "majority_train_class": 100 * scores[0]["majority_train_accuracy"],
                    "n_train": len(train), "n_test": len(test),
                    "train_videos": int(train["session"].nunique()), "test_videos": int(test["session"].nunique()),
                    "best_epoch": float(np.mean(epochs)) if epochs else float("nan"),
                    "fit_seconds": float(np.mean(seconds)),
                    "paper": paper, "paper_source": paper_source,
                })
                rows.append(row)
            predictions[split][scheme_name] = kept
    bar.close()
    caption = (
        "CMU-MOSI, the paper's own dataset, through the audio vectors bc-LSTM published (73 openSMILE-based values "
        "per utterance; the audio itself cannot be had). Models that read one vector per utterance: the majority "
        "(the training set's most frequent class), SVM, Naive Bayes, GMM, bc-LSTM and AFF-ACRNN's context stage "
        "(UB branch AFF2 + attention, the part of AFF-ACRNN that can run without frames or spectrum graphs), the "
        "recurrent two with a 3-utterance window and a window of 1 (ablation). Splits: 'paper' = rows 1–1616 / "
        "1617–2199 (65 / 28 videos), 'bc_lstm' = bc-LSTM's own (62 / 31 videos); both video-disjoint. Mean ± sd over "
        f"seeds {list(seeds)} for the models with randomness. Read each accuracy against 'majority_baseline' (the "
        "test set's most frequent class): the paper's 69.64 % and bc-LSTM's 60.31 % (Table 6) are the paper's "
        f"figures, not measured here. Mode {mode}: recurrent models trained with {recipe}."
    )
    return finish(rows, caption=caption, extra={"splits": sizes, "recipe": recipe, "source": vectors.source,
                                                "predictions": predictions},
                  columns_first=("split", "scheme", "model", "window", "accuracy", "accuracy_sd", "macro_f1",
                                 "majority_baseline"))
