"""Chapter 6's widget (ipywidgets): tick feature types, retrain a small UB model, compare.

:func:`ablation_widget` is the interactive form of paper Table 2 (which feature combination
works best): the features are prepared once for every type, each press of *retrain* trains a
UB-BiLSTM on the ticked types' columns only and adds a row to the widget's table of runs.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

import time

import ipywidgets as w
import pandas as pd
from IPython.display import display

from affacrnn.book.lesson import Lesson, learned
from affacrnn.book.tables import wide_table
from affacrnn.errors import ParameterError
from affacrnn.features.frames import ALL_FEATURES, FEATURE_DIMS, PAPER_FEATURES, n_columns, normalize_feature_set
from affacrnn.models import presets

__all__ = ["ablation_widget", "AblationWidget"]

#: The history's columns as the table heads them (short: the widget's table sits in one cell).
_HEADERS = {"features": "features", "D": "D", "val_accuracy": "val acc %", "test_accuracy": "test acc %",
            "test_majority": "majority %", "test_balanced_accuracy": "balanced %", "test_macro_f1": "macro-F1 %",
            "learned": "learned", "best_epoch": "best epoch", "seconds": "s"}


class AblationWidget:
    """The widget behind :func:`ablation_widget`; ``.widget`` is what a notebook displays.

    Attributes
    ----------
    checks : dict of str to ipywidgets.Checkbox
        One per feature type held by the prepared data.
    button : ipywidgets.Button
        Retrains the model on the ticked types.
    status : ipywidgets.HTML
        ``D = …`` before a run; the last run's scores after it.
    table : ipywidgets.HTML
        Every run so far, one row each.
    history : list of dict
        The same runs as records (``features``, ``D``, validation and test accuracy, majority
        baseline, test balanced accuracy and macro F1, whether it learned, seconds).
    lessons : list of affacrnn.book.lesson.Lesson
        Each run's verdict (test accuracy against the majority, balanced accuracy against
        chance); display one to show it as a sentence.
    """

    def __init__(self, data, *, have, config, initial):
        self.data = data
        self.have = normalize_feature_set(have)
        self.config = config
        self.history: list[dict] = []
        self.lessons: list[Lesson] = []
        initial = tuple(f for f in normalize_feature_set(initial) if f in self.have)
        self.checks = {
            name: w.Checkbox(value=name in initial, description=f"{name} ({FEATURE_DIMS[name]})", indent=False,
                             layout=w.Layout(width="130px"))
            for name in self.have
        }
        self.button = w.Button(description="retrain", button_style="primary", icon="play")
        self.status = w.HTML()
        self.table = w.HTML()
        self.widget = w.VBox([w.HBox(list(self.checks.values())), w.HBox([self.button, self.status]), self.table])
        self._busy = False
        self._done_at = -1.0
        self.button.on_click(self._on_click)
        for box in self.checks.values():
            box.observe(lambda _: self._show_dims(), names="value")
        self._show_dims()

    @property
    def chosen(self) -> tuple[str, ...]:
        """The ticked feature types, in column order."""
        return tuple(n for n in self.have if self.checks[n].value)

    def _show_dims(self) -> None:
        chosen = self.chosen
        self.status.value = (f"D = {n_columns(chosen)}: press <i>retrain</i>" if chosen
                             else "tick at least one feature type")

    def view(self, features):
        """The prepared data with only the columns of ``features`` (a :class:`~affacrnn.features.dataset.Prepared`)."""
        return self.data.select(have=self.have, features=features, graphs=False)

    def score(self, features) -> dict:
        """Train the widget's model on ``features`` only and return its scores (also kept in ``history``)."""
        # imported here: affacrnn.training starts TensorFlow (seconds), a cost a listening chapter should not pay
        from affacrnn.training import train

        features = normalize_feature_set(features)
        t0 = time.perf_counter()
        result = train(self.config.replace(features=features), data=self.view(features), progress=False)
        return self._add(result, features, time.perf_counter() - t0)

    def record(self, result, *, seconds: float | None = None) -> dict:
        """Add a run trained elsewhere on this widget's split (a :class:`~affacrnn.training.TrainResult`)
        to the table, as if *retrain* had trained it; return its record.

        Chapter 6 adds its training cell's model this way instead of training it a second time.

        Raises
        ------
        ParameterError
            ``result`` was trained on other utterances or another split than the widget's data.
        """
        mine, theirs = self.data.table, result.data.table
        if sorted(zip(mine["utterance_id"], mine["split"])) != sorted(zip(theirs["utterance_id"], theirs["split"])):
            raise ParameterError("`result` was trained on other utterances or another split than this widget's "
                                 "data; only a run on the same split can join its table (use .score(features)).")
        return self._add(result, normalize_feature_set(result.config.features),
                         result.seconds if seconds is None else seconds)

    def _add(self, result, features: tuple[str, ...], seconds: float) -> dict:
        val, test = result.metrics["validation"], result.metrics["test"]
        lesson = learned(test, what=f"UB-BiLSTM on {', '.join(features)}")
        self.lessons.append(lesson)
        record = {
            "features": ",".join(features),
            "D": n_columns(features),
            "val_accuracy": val["weighted_accuracy"],
            "test_accuracy": test["weighted_accuracy"],
            "test_majority": test["majority_accuracy"],
            "test_balanced_accuracy": test["balanced_accuracy"],
            "test_macro_f1": test["macro_f1"],
            "learned": "yes" if lesson.ok else "no",
            "best_epoch": result.best_epoch,
            "seconds": seconds,
        }
        self.history.append(record)
        self._render()
        self._show_result(record)
        return record

    #: Seconds after a run during which another click is taken as part of the same (double) click.
    CLICK_GRACE_S = 0.5

    def _on_click(self, _button) -> None:
        """The button's handler: a click while training, or queued behind the run it started (a
        double-click: the kernel handles widget events one after another, so the second click
        arrives the moment the first run ends), is ignored."""
        if self._busy or time.monotonic() - self._done_at < self.CLICK_GRACE_S:
            return
        self.retrain()

    def retrain(self) -> dict | None:
        """Retrain on the ticked types (the button's action); ``None`` when nothing is ticked."""
        chosen = self.chosen
        if not chosen:
            self.status.value = "tick at least one feature type"
            return None
        self.button.disabled = True
        self._busy = True
        self.status.value = f"training on {', '.join(chosen)} …"
        try:
            record = self.score(chosen)
        finally:
            self._busy = False
            self._done_at = time.monotonic()
            self.button.disabled = False
        return record

    def _show_result(self, record: dict) -> None:
        self.status.value = (
            f"<b>{record['features']}</b> (D = {record['D']}): validation accuracy "
            f"{100 * record['val_accuracy']:.1f} %, test accuracy <b>{100 * record['test_accuracy']:.1f} %</b> "
            f"(majority baseline {100 * record['test_majority']:.1f} %), {record['seconds']:.0f} s"
            + (" — learned: above the majority and chance" if record["learned"] == "yes" else
               " — <i>not</i> above both the majority and chance")
        )

    def _render(self) -> None:
        if not self.history:
            self.table.value = ""
            return
        frame = pd.DataFrame(self.history)
        pct = [c for c in _HEADERS if c.startswith(("val_", "test_")) and c in frame]
        frame[pct] = 100 * frame[pct]
        frame["features"] = frame["features"].str.replace(",", ", ")  # so a long set wraps in its cell
        frame.insert(0, "run", range(1, len(frame) + 1))
        frame = frame[["run", *[c for c in _HEADERS if c in frame]]].rename(columns=_HEADERS)
        # wide_table: padded cells, wrapped text, scrolls sideways inside the cell instead of overflowing it
        self.table.value = wide_table(frame, precision=1, wrap="16em", one_line_heads=True)._repr_html_()

    def _ipython_display_(self) -> None:
        display(self.widget)


def ablation_widget(data, *, have=None, config=None, initial=None) -> AblationWidget:
    """Tick feature types, press *retrain*: a small UB model learns from those columns only.

    The interactive form of paper Table 2 (which feature combination works best). The features are
    extracted once, for every type in ``have`` (:func:`affacrnn.features.dataset.prepare` with
    ``features=have``); each run slices the ticked types' columns out
    (:func:`affacrnn.features.frames.column_blocks`) and trains ``config`` on the same speaker-disjoint
    split, choosing its epoch on the validation speakers (:func:`affacrnn.training.train`). Scores
    are shown beside the test set's majority baseline.

    Parameters
    ----------
    data : affacrnn.features.dataset.Prepared
        Prepared with ``features=have`` (scaled; its ``split`` has validation and test rows).
    have : sequence of str, optional
        The feature types of ``data``'s columns (default all seven, :data:`affacrnn.features.frames.ALL_FEATURES`).
    config : AFFConfig, optional
        The model trained on every press (default: :data:`affacrnn.models.presets.LESSON` as a
        UB-BiLSTM, sized to ``data``'s frames and context: small layers, at most 25 epochs with early
        stopping, the budget that learns on the book's slices); keep it small, each press trains from
        scratch. Prepare ``data`` with the normalisation you want the model to see (the book uses
        LESSON's per-speaker one).
    initial : sequence of str, optional
        Types ticked at first (default the paper's four).

    Returns
    -------
    AblationWidget
        Display it; call ``.retrain()`` or ``.score(features)`` from code.

    Raises
    ------
    ParameterError
        ``data`` has no features, or its column count does not match ``have``.
    """
    have = ALL_FEATURES if have is None else have
    if getattr(data, "features", None) is None:
        raise ParameterError("`data` has no feature matrices; prepare it with a UB config (architecture='ub').")
    if data.features.shape[-1] != n_columns(have):
        raise ParameterError(
            f"`data` has {data.features.shape[-1]} feature columns but `have`={tuple(have)!r} makes "
            f"{n_columns(have)}. Pass the features `data` was prepared with."
        )
    if config is None:
        config = presets.LESSON.replace(architecture="ub", n_frames=int(data.features.shape[1]),
                                        context=int(data.windows.shape[1]))
    if config.n_frames != data.features.shape[1]:
        raise ParameterError(
            f"`config.n_frames` ({config.n_frames}) must equal the prepared frames ({data.features.shape[1]}). "
            "Pass config.replace(n_frames=...)."
        )
    return AblationWidget(data, have=have, config=config, initial=PAPER_FEATURES if initial is None else initial)
