"""The book's statistical plots, drawn with seaborn: confusion matrices, attention, folds, distributions.

Chapters call these instead of repeating matplotlib code: one look for the whole book, and a
reader can call them on their own results. Each draws on ``ax`` (a new figure when None) and
returns the axes; none calls ``plt.show()``.

=============================  ===========================================================
function                       what
=============================  ===========================================================
:func:`plot_confusion`         a confusion matrix as a heatmap (row-normalised by default)
:func:`plot_attention_map`     attention weights α, one row per window, one column per slot
:func:`plot_folds`             per-fold scores of several models with the majority rate
:func:`plot_distribution`      a value's distribution by group (box + points)
:func:`plot_feature_sets`      Table 2 on folds: a score against the number of feature types
=============================  ===========================================================

Notebook: book/08_fusion_attention.ipynb
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from affacrnn.errors import ParameterError

__all__ = ["wrapped_title", "plot_confusion", "plot_attention_map", "plot_folds", "plot_distribution", "plot_feature_sets"]


def wrapped_title(ax, text: str, **kwargs) -> None:
    """Set ``text`` as the axes' title, wrapped to the width of its figure so it is never cut off.

    matplotlib neither wraps nor shrinks a title: a long one on a narrow figure (the attention map
    of three slots is under 5 inches wide) or over one of several axes side by side runs off both
    edges. The width in characters is estimated from the axes' share of its figure's width and the
    title's font size (an average glyph is about 0.55 em).
    """
    import textwrap

    size = kwargs.get("fontsize", ax.title.get_fontsize())
    width = min(0.8, ax.get_position().width) * ax.figure.get_figwidth()
    chars = max(12, int(width * 72 / (0.55 * size)))
    ax.set_title(textwrap.fill(text, width=chars), **kwargs)


def _axes(ax, figsize: tuple[float, float]):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    return ax


def plot_confusion(matrix: pd.DataFrame, *, normalize: bool = True, ax=None, title: str | None = None):
    """A confusion matrix as a heatmap: rows the true class, columns the predicted one.

    Parameters
    ----------
    matrix : pandas.DataFrame [shape=(n_classes, n_classes)]
        Counts, as :func:`affacrnn.evaluation.metrics.confusion` returns them (and
        ``result.metrics["test"]["confusion"]`` holds them).
    normalize : bool
        Colour each row by its shares of that class (its recall on the diagonal), annotated with
        the counts; False colours the counts.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from affacrnn.evaluation.metrics import confusion
    >>> plot_confusion(confusion([0, 1, 1], [0, 1, 0], classes=["neg", "pos"]))  # doctest: +SKIP
    """
    import seaborn as sns

    counts = pd.DataFrame(matrix)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.empty:
        raise ParameterError(f"`matrix` must be a square table of counts (true × predicted); got shape {counts.shape}. "
                             "Make one with affacrnn.evaluation.metrics.confusion(y_true, y_pred, classes=...).")
    n = len(counts)
    ax = _axes(ax, (1.6 + 0.9 * n, 1.0 + 0.8 * n))
    if normalize:
        share = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
        sns.heatmap(share, annot=counts.to_numpy().astype(int).astype(str), fmt="", vmin=0, vmax=1, cmap="Blues",
                    cbar_kws={"label": "share of the true class"}, square=True, ax=ax)
    else:
        sns.heatmap(counts, annot=True, fmt="d", cmap="Blues", square=True, ax=ax)
    ax.set(xlabel="predicted", ylabel="true")
    wrapped_title(ax, title or "confusion matrix (counts)")
    ax.tick_params(axis="x", rotation=30)
    ax.tick_params(axis="y", rotation=0)
    return ax


def plot_attention_map(alpha: np.ndarray, *, slots: Sequence[str] | None = None, labels: Sequence[str] | None = None,
                   max_rows: int = 40, ax=None, title: str | None = None):
    """Attention weights as a heatmap: one row per context window, one column per slot.

    Parameters
    ----------
    alpha : np.ndarray [shape=(n_windows, context)]
        Weights of each window (rows sum to 1).
    slots : sequence of str, optional
        Column names (default ``previous, target, next`` for 3 slots).
    labels : sequence of str, optional
        Row names (e.g. each target's true label); default the row number.
    max_rows : int
        Draw at most this many rows (the first ones), so the labels stay readable.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import seaborn as sns

    alpha = np.asarray(alpha, dtype=float)
    if alpha.ndim != 2 or alpha.shape[0] == 0:
        raise ParameterError(f"`alpha` must be a non-empty 2-D array (windows × slots); got shape {alpha.shape}.")
    c = alpha.shape[1]
    slots = list(slots) if slots is not None else (["previous", "target", "next"] if c == 3 else [str(i) for i in range(c)])
    shown = alpha[:max_rows]
    index = list(labels)[: len(shown)] if labels is not None else list(range(len(shown)))
    frame = pd.DataFrame(shown, columns=slots, index=index)
    ax = _axes(ax, (1.5 + 1.1 * c, 1.2 + 0.18 * len(shown)))
    sns.heatmap(frame, vmin=0, vmax=1, cmap="viridis", annot=len(shown) <= 20, fmt=".2f",
                cbar_kws={"label": "α"}, ax=ax, yticklabels=True)
    ax.set(xlabel="slot of the window", ylabel="window")
    wrapped_title(ax, title or f"attention over {c} utterances")
    ax.axvline(c // 2, color="w", linewidth=0.8)
    ax.axvline(c // 2 + 1, color="w", linewidth=0.8)
    ax.tick_params(axis="y", labelsize=7, rotation=0)
    return ax


def plot_folds(rows: pd.DataFrame, *, metric: str = "macro_f1", scheme: str | None = None,
               models: Sequence[str] | None = None, names: Mapping[str, str] | None = None, ax=None,
               title: str | None = None, yardstick: str | None = None):
    """Per-fold scores of each model (points, one colour per fold) with their mean, the majority rate and a yardstick.

    Parameters
    ----------
    rows : pandas.DataFrame
        Cross-validation rows (``results/crossval.json``): ``scheme, model, fold`` and ``metric``;
        summary rows (``fold == "mean"``) are ignored; ``majority`` draws a dashed line.
    metric : str
        The column to plot (``macro_f1``, ``accuracy``, ``balanced_accuracy`` …).
    scheme : str, optional
        Keep one label scheme (needed when ``rows`` has several).
    models : sequence of str, optional
        The models to show, in this order (default every model, best mean first).
    names : mapping, optional
        Model name → label (e.g. :data:`reproduction.summary.MODEL_LABELS`).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    yardstick : str, optional
        A model of ``rows`` drawn as a solid vertical line at its mean over folds instead of a row
        (e.g. ``"compare_svm_speaker"``, the field's openSMILE + per-speaker SVM); skipped if absent.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import seaborn as sns

    runs = rows[rows["fold"].astype(str) != "mean"].copy()
    stick = runs[(runs["model"] == yardstick) & ((runs["scheme"] == scheme) if scheme is not None else True)]
    runs = runs[runs["model"] != yardstick] if yardstick is not None else runs
    if scheme is not None:
        runs = runs[runs["scheme"] == scheme]
    elif "scheme" in runs and runs["scheme"].nunique() > 1:
        raise ParameterError(f"`rows` holds schemes {sorted(runs['scheme'].unique())}; pass scheme= to pick one.")
    if metric not in runs:
        raise ParameterError(f"`metric` {metric!r} is not a column of the rows; pick one of "
                             f"{', '.join(c for c in ('macro_f1', 'accuracy', 'balanced_accuracy', 'weighted_f1') if c in runs)}.")
    if runs.empty:
        raise ParameterError(f"no per-fold rows to plot (scheme={scheme!r}); check the results file.")
    per_fold = runs.groupby(["model", "fold"], as_index=False)[metric].mean()  # seeds averaged within a fold
    order = list(models) if models is not None else \
        list(per_fold.groupby("model")[metric].mean().sort_values(ascending=False).index)
    per_fold = per_fold[per_fold["model"].isin(order)]
    names = dict(names or {})
    per_fold["label"] = per_fold["model"].map(lambda m: names.get(m, m))
    label_order = [names.get(m, m) for m in order]
    per_fold["fold"] = per_fold["fold"].astype(str)
    ax = _axes(ax, (7.5, 0.9 + 0.45 * len(order)))
    sns.stripplot(data=per_fold, y="label", x=metric, hue="fold", order=label_order, jitter=False, size=6,
                  palette="colorblind", ax=ax)
    sns.pointplot(data=per_fold, y="label", x=metric, order=label_order, errorbar="sd", color="0.2", markers="|",
                  linestyles="none", ax=ax)
    if "majority" in runs and runs["majority"].notna().any():
        majority = float(runs["majority"].mean())
        ax.axvline(majority, color="0.5", linestyle="--", linewidth=1, label=f"majority ({majority:.1f})")
    if yardstick is not None and len(stick):
        level = float(stick.groupby("fold")[metric].mean().mean())
        ax.axvline(level, color="tab:red", linewidth=1.2, label=f"{(names or {}).get(yardstick, yardstick)} ({level:.1f})")
    ax.set(ylabel="", xlabel=metric.replace("_", " ") + " (%)")
    wrapped_title(ax, title or (f"{scheme}: " if scheme else "") + "each fold (dots), mean ± sd (bars)")
    ax.legend(title="fold", fontsize=8, title_fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return ax


def plot_distribution(table: pd.DataFrame, *, value: str, by: str, order: Sequence[str] | None = None, ax=None,
                      title: str | None = None):
    """How ``value`` is distributed in each group of ``by``: a box per group with every point on it.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per item (an utterance), with columns ``value`` and ``by``.
    value : str
        A numeric column (a feature statistic, a loudness).
    by : str
        The grouping column (a label).
    order : sequence of str, optional
        Group order (default: by median, lowest first).
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import seaborn as sns

    for col in (value, by):
        if col not in table:
            raise ParameterError(f"column {col!r} is not in the table; it has {', '.join(map(str, table.columns))}.")
    data = table[[value, by]].dropna().assign(**{by: lambda t: t[by].astype(str)})
    order = list(order) if order is not None else list(data.groupby(by)[value].median().sort_values().index)
    ax = _axes(ax, (1.5 + 1.0 * len(order), 3.2))
    sns.boxplot(data=data, x=by, y=value, order=order, color="0.9", showfliers=False, ax=ax)
    sns.stripplot(data=data, x=by, y=value, order=order, hue=by, hue_order=order, palette="colorblind", size=4,
                  legend=False, ax=ax)
    wrapped_title(ax, title or f"{value} by {by}")
    ax.tick_params(axis="x", rotation=30)
    return ax


def plot_feature_sets(folds: pd.DataFrame, *, scheme: str, metric: str = "macro_f1", ax=None,
                      title: str | None = None):
    """Table 2 on folds as a figure: ``metric`` against the number of feature types, one line per model.

    Each line runs through the selection's set of each size and all seven types (mean ± sd over the
    folds run); the paper's four types are a separate star per model at 4, so a reader sees whether
    the paper's choice sits above the line of sets chosen on our data. A set run on fewer folds than
    the others (a run still going) is left out.

    Parameters
    ----------
    folds : pandas.DataFrame
        One row per (model, feature set, fold), as
        :func:`reproduction.fold_tables.table2_folds` returns: ``scheme, model, types,
        chosen by, fold`` and ``metric``.
    scheme : str
        The label scheme to draw (``ravdess_emotion7``, ``sentiment2``).
    metric : str
        The score (``macro_f1``, ``accuracy``, ``balanced_accuracy``).
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import seaborn as sns

    for col in ("scheme", "model", "types", "chosen by", metric):
        if col not in folds:
            raise ParameterError(f"column {col!r} is not in `folds`; pass the rows of "
                                 "reproduction.fold_tables.table2_folds(fold_runs()).")
    data = folds[folds["scheme"] == scheme]
    if data.empty:
        raise ParameterError(f"no Table 2 fold runs for scheme {scheme!r}; it has "
                             f"{', '.join(sorted(map(str, folds['scheme'].unique()))) or 'none'}.")
    # a set still running (fewer folds than the others) has no mean over folds yet: leave it out
    folds_run = data.groupby(["model", "types", "chosen by"])["fold"].transform("nunique")
    data = data[folds_run == folds_run.max()]
    models = sorted(data["model"].unique())
    palette = dict(zip(models, sns.color_palette("colorblind", len(models))))
    ax = _axes(ax, (6.5, 4.2))
    line = data[data["chosen by"] != "the paper"]
    if len(line):
        sns.lineplot(data=line, x="types", y=metric, hue="model", hue_order=models, palette=palette,
                     errorbar="sd", err_style="bars", marker="o", ax=ax)
    paper = data[data["chosen by"] == "the paper"]
    for i, model in enumerate(models):
        values = paper.loc[paper["model"] == model, metric].astype(float)
        if len(values):
            x = float(paper["types"].iloc[0]) + (i - (len(models) - 1) / 2) * 0.12  # side by side, not on top
            ax.errorbar([x], [values.mean()], yerr=[values.std(ddof=1) if len(values) > 1 else 0.0], fmt="*",
                        markersize=12, color=palette[model], markeredgecolor="0.2", capsize=3,
                        label=f"{model}, the paper's four")
    ax.set_xticks(range(1, 8))
    ax.set(xlabel="feature types", ylabel=metric.replace("_", " ") + " (%)")
    wrapped_title(ax, title or f"{scheme}: the selection's set of each size (line) and the paper's four (stars), "
                        "mean ± sd over folds")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    return ax
