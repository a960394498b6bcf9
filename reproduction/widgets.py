"""Chapter 9's yardstick widget (ipywidgets): pick a feature set and a normalisation, see the folds' scores.

:func:`yardstick_folds` puts one of the field's yardstick pipelines
(:mod:`reproduction.yardstick`) beside AFF-ACRNN on the same committed speaker folds, fold
by fold; :func:`yardstick_widget` lets the reader switch the feature set (eGeMAPS / ComParE), the
normalisation (plain / per speaker) and the label scheme, and redraws that table.

Notebook: book/09_baselines.ipynb
"""
from __future__ import annotations

import ipywidgets as w
import pandas as pd

from affacrnn.errors import ParameterError
from reproduction.fold_tables import LABELS, fold_runs, per_fold, select_runs
from reproduction.models import FUNCTIONALS_MODELS

__all__ = ["yardstick_folds", "yardstick_widget", "COMPARED"]

#: The models shown beside the yardstick, when their folds are committed.
COMPARED = ("affacrnn_staged", "svm_speaker")


def yardstick_folds(runs: pd.DataFrame, *, scheme: str, model: str, corpus: str = "ravdess",
                    metric: str = "macro_f1") -> pd.DataFrame:
    """One yardstick model and the models of :data:`COMPARED`, fold by fold, on one scheme.

    Parameters
    ----------
    runs : pandas.DataFrame
        Committed fold runs (:func:`reproduction.fold_tables.fold_runs`).
    scheme : str
    model : str
        A key of :data:`reproduction.yardstick.FUNCTIONALS_MODELS`.
    corpus : str
    metric : str
        A score column of the runs (percent).

    Returns
    -------
    pandas.DataFrame
        Rows: the folds, then ``mean`` and ``sd``; columns: the models (their display names), and
        ``yardstick − AFF-ACRNN`` where both ran. Empty when the yardstick has no committed fold.
    """
    if model not in FUNCTIONALS_MODELS:
        raise ParameterError(f"`model` must be one of {', '.join(FUNCTIONALS_MODELS)}; got {model!r}.")
    columns = {}
    for name in (model, *COMPARED):  # each with its default recipe (the paper's four feature types, no options)
        values = per_fold(select_runs(runs, corpus=corpus, scheme=scheme, model=name), metric)
        if len(values):
            columns[LABELS.get(name, name)] = values
    if LABELS.get(model, model) not in columns:
        return pd.DataFrame()
    table = pd.DataFrame(columns)
    staged = LABELS["affacrnn_staged"]
    if staged in table:
        table[f"yardstick − {staged}"] = table[LABELS[model]] - table[staged]
    table.index = [f"fold {f}" for f in table.index]
    return pd.concat([table, table.mean().to_frame("mean").T, table.std(ddof=1).to_frame("sd").T]).round(1)


def yardstick_widget(runs: pd.DataFrame | None = None, *, schemes: tuple[str, ...] = ("sentiment3", "ravdess_emotion7",
                                                                                      "sentiment2")) -> w.VBox:
    """Switch feature set, normalisation and scheme; the table of :func:`yardstick_folds` follows.

    Parameters
    ----------
    runs : pandas.DataFrame, optional
        Committed fold runs (default: :func:`~reproduction.fold_tables.fold_runs` of the
        repository's ``results/``).
    schemes : tuple of str
        The schemes offered.

    Returns
    -------
    ipywidgets.VBox
        The controls and the table (an ``HTML`` widget, ``children[-1]``).
    """
    runs = fold_runs() if runs is None else runs
    features = w.ToggleButtons(options=[("eGeMAPS (88)", "egemaps"), ("ComParE (6373)", "compare")],
                               value="compare", description="features")
    norm = w.ToggleButtons(options=[("per speaker", "_speaker"), ("plain", "")], value="_speaker",
                           description="normalise")
    scheme = w.Dropdown(options=list(schemes), value=schemes[0], description="scheme")
    out = w.HTML()

    def redraw(_=None) -> None:
        model = f"{features.value}_svm{norm.value}"
        table = yardstick_folds(runs, scheme=scheme.value, model=model)
        out.value = (table.to_html(float_format=lambda v: f"{v:.1f}", border=0)
                     if len(table) else f"<p>No committed folds of <code>{model}</code> on {scheme.value}: run "
                     f"<code>affacrnn experiment crossval --mode full --param models={model} --param "
                     f"schemes={scheme.value}</code>.</p>")

    for control in (features, norm, scheme):
        control.observe(redraw, names="value")
    redraw()
    return w.VBox([features, norm, scheme, out])
