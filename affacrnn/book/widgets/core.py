"""Interactive widgets for the book (ipywidgets): listen to a corpus before modelling it.

:func:`utterance_browser` is chapter 2's "listen first" tool: drop-downs choose a corpus, a
speaker, a label and an utterance; the utterance plays in an audio player and its waveform and
spectrum graph (the SBCNN branch's input, :func:`affacrnn.features.spectrogram.spectrum_graph`) are drawn
below. It works in JupyterLab (live) and in the HTML book (the state saved at execution time).
"""
from __future__ import annotations

import io
from typing import Mapping

import numpy as np
import pandas as pd

from affacrnn.data.audio import DEFAULT_SR, load_audio
from affacrnn.errors import ParameterError

__all__ = ["utterance_browser", "UtteranceBrowser", "label_column", "wav_bytes", "plot_utterance",
           "attention_viewer", "AttentionViewer", "plot_attention", "asv_projection", "plot_projection"]

#: Score scheme used to give score corpora (MOSI-style, the demo corpus) a browsable label.
SCORE_SCHEME = "mosi5"


def label_column(table: pd.DataFrame) -> pd.Series:
    """The label a browser filters on: ``emotion`` for emotion corpora, else the 5-class score label."""
    if "emotion" in table and table["emotion"].notna().any():
        return table["emotion"].astype(str)
    if "score" in table and table["score"].notna().any():
        from affacrnn.data.labels import get_scheme

        return get_scheme(SCORE_SCHEME).assign(table).astype(str)
    raise ParameterError(
        f"corpus {table.attrs.get('corpus', '?')!r} has neither an `emotion` nor a `score` column to browse by."
    )


def wav_bytes(y: np.ndarray, *, sr: int) -> bytes:
    """Encode mono float samples as a 16-bit PCM WAV file in memory (for an audio player)."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.clip(np.asarray(y, dtype=np.float32), -1.0, 1.0), int(sr), format="WAV", subtype="PCM_16")
    return buf.getvalue()


def plot_utterance(y: np.ndarray, *, sr: int = DEFAULT_SR, title: str = "", size: int = 256):
    """Waveform above spectrum graph of one utterance; returns the matplotlib figure.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono samples.
    sr : int
        Their rate in Hz.
    title : str
        Figure title.
    size : int
        Side of the spectrum graph (:func:`affacrnn.features.spectrogram.spectrum_graph`).
    """
    import matplotlib.pyplot as plt

    from affacrnn.features.spectrogram import plot_spectrum_graph, spectrum_graph

    duration = len(y) / sr
    fig, (ax_wave, ax_spec) = plt.subplots(
        2, 1, figsize=(8, 5), gridspec_kw={"height_ratios": [1, 2]}, constrained_layout=True
    )
    t = np.arange(len(y)) / sr
    ax_wave.plot(t, y, linewidth=0.5, color="#1f4e79")
    ax_wave.set_xlim(0, duration)
    ax_wave.set_ylabel("amplitude")
    ax_wave.set_xlabel("time (s)")
    plot_spectrum_graph(spectrum_graph(y, sr=sr, size=size), ax=ax_spec, sr=sr, duration=duration)
    if title:
        fig.suptitle(title)
    return fig


class UtteranceBrowser:
    """The widget behind :func:`utterance_browser`; ``.widget`` is what a notebook displays.

    Attributes
    ----------
    corpus, speaker, label, utterance : ipywidgets.Dropdown
        The choices, each narrowing the next.
    player : ipywidgets.Audio
        Plays the chosen utterance.
    plot : ipywidgets.Output
        Its waveform and spectrum graph.
    selected : pandas.Series
        The chosen row of its corpus table.
    draws : int
        How many times the plot was drawn (1 after construction).
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame], *, sr: int = DEFAULT_SR, max_seconds: float = 8.0,
                 dpi: int = 80):
        import ipywidgets as w

        self.sr = int(sr)
        self.dpi = int(dpi)
        self.max_seconds = float(max_seconds)
        self.tables = {}
        for name, table in tables.items():
            with_audio = table[table["path"].notna()] if "path" in table else table.iloc[:0]
            if len(with_audio):
                t = with_audio.reset_index(drop=True)
                t = t.assign(_label=label_column(t).to_numpy())
                self.tables[name] = t
        if not self.tables:
            raise ParameterError(
                "utterance_browser needs at least one corpus table with audio (a `path` column); "
                f"got {', '.join(tables) or 'none'}. Pass e.g. load_corpus('ravdess') or load_corpus('demo')."
            )
        layout = w.Layout(width="auto")
        style = {"description_width": "70px"}
        self.corpus = w.Dropdown(options=list(self.tables), description="corpus", layout=layout, style=style)
        self.speaker = w.Dropdown(description="speaker", layout=layout, style=style)
        self.label = w.Dropdown(description="label", layout=layout, style=style)
        self.utterance = w.Dropdown(description="utterance", layout=w.Layout(width="380px"), style=style)
        self.player = w.Audio(format="wav", autoplay=False, controls=True, loop=False)
        self.info = w.HTML()
        self.plot = w.Output()
        self.selected: pd.Series | None = None
        self.draws = 0
        self._busy = False
        self.widget = w.VBox(
            [w.HBox([self.corpus, self.speaker, self.label]), w.HBox([self.utterance, self.player]), self.info, self.plot]
        )
        # a user's change re-fills the drop-downs below it; changes made while filling are ignored
        self.corpus.observe(lambda _: self._busy or self._fill_speakers(), names="value")
        self.speaker.observe(lambda _: self._busy or self._fill_labels(), names="value")
        self.label.observe(lambda _: self._busy or self._fill_utterances(), names="value")
        self.utterance.observe(lambda _: self._busy or self._show(), names="value")
        self._fill_speakers()

    # each step fills the next drop-down; only the last one draws
    def _table(self) -> pd.DataFrame:
        return self.tables[self.corpus.value]

    def _fill_speakers(self) -> None:
        speakers = sorted(self._table()["speaker"].unique())
        self._set(self.speaker, speakers)
        self._fill_labels()

    def _fill_labels(self) -> None:
        t = self._table()
        labels = sorted(t.loc[t["speaker"] == self.speaker.value, "_label"].unique())
        self._set(self.label, labels)
        self._fill_utterances()

    def _fill_utterances(self) -> None:
        t = self._table()
        rows = t[(t["speaker"] == self.speaker.value) & (t["_label"] == self.label.value)]
        self._set(self.utterance, list(rows["utterance_id"]))
        self._show()

    def _set(self, dropdown, options: list) -> None:
        self._busy = True
        try:
            keep = dropdown.value if dropdown.value in options else (options[0] if options else None)
            dropdown.options = options
            dropdown.value = keep
        finally:
            self._busy = False

    def _show(self) -> None:
        if self.utterance.value is None:
            return
        import matplotlib.pyplot as plt
        from IPython.display import Image, display

        t = self._table()
        row = t[t["utterance_id"] == self.utterance.value].iloc[0]
        if self.selected is not None and row["utterance_id"] == self.selected["utterance_id"] and self.draws:
            return
        self.selected = row
        y = load_audio(row["path"], sr=self.sr, duration=self.max_seconds)
        self.player.value = wav_bytes(y, sr=self.sr)
        extra = f", {row['intensity']} intensity" if isinstance(row.get("intensity"), str) else ""
        self.info.value = (
            f"<b>{row['utterance_id']}</b> — speaker {row['speaker']}, label <b>{row['_label']}</b>{extra}, "
            f"{len(y) / self.sr:.2f} s at {self.sr} Hz"
        )
        fig = plot_utterance(y, sr=self.sr, title=f"{row['utterance_id']} ({row['_label']})")
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=self.dpi)  # a PNG whatever matplotlib's backend (Agg in CI)
        plt.close(fig)
        with self.plot:
            self.plot.clear_output(wait=True)
            display(Image(data=png.getvalue(), format="png"))
        self.draws += 1

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def utterance_browser(
    tables: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    sr: int = DEFAULT_SR,
    max_seconds: float = 8.0,
) -> UtteranceBrowser:
    """A widget to pick an utterance by corpus, speaker and label, play it, and see it.

    Parameters
    ----------
    tables : pandas.DataFrame or mapping of name to DataFrame
        One corpus table (:func:`affacrnn.load_corpus`) or several by name; rows without audio
        (MOSI in labels-only mode) are left out.
    sr : int
        Rate the audio is loaded, played and drawn at (default 22050, the paper's).
    max_seconds : float
        Play and draw at most this many seconds of each utterance.

    Returns
    -------
    UtteranceBrowser
        Display it (it is the last value of a cell); its drop-downs and player are attributes.

    Examples
    --------
    >>> browser = utterance_browser({"ravdess": load_corpus("ravdess")})  # doctest: +SKIP
    >>> browser  # doctest: +SKIP
    """
    if isinstance(tables, pd.DataFrame):
        tables = {str(tables.attrs.get("corpus", "corpus")): tables}
    return UtteranceBrowser(tables, sr=sr, max_seconds=max_seconds)


# ---------------------------------------------------------------------- features (chapters 5 and 6)
__all__ += ["feature_explorer", "FeatureExplorer", "plot_feature_matrix", "ablation_widget", "AblationWidget"]


def _png(fig, dpi: int) -> bytes:
    """A matplotlib figure as PNG bytes (whatever the backend), closing the figure."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def plot_feature_matrix(X: np.ndarray, *, features, n_real: int | None = None, ax=None, title: str = ""):
    """Draw a ``(n_frames, D)`` feature matrix as an image: frames across, one row per column.

    Each column is standardised over the frames for display only (MFCCs in dB, the centroid in Hz
    and chroma in [0, 1] share one colour scale); feature blocks are separated by lines and named.

    Parameters
    ----------
    X : np.ndarray [shape=(n_frames, D)]
        From :func:`affacrnn.features.frames.extract_features` with ``features``.
    features : sequence of str
        The feature types of its columns (canonical order, see :func:`affacrnn.features.frames.column_blocks`).
    n_real : int, optional
        Frames that come from the audio; a dashed line marks where the padding starts.
    ax : matplotlib.axes.Axes, optional
    title : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    from affacrnn.features.frames import column_blocks

    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ParameterError(f"`X` must be one feature matrix of shape (n_frames, D); got shape {X.shape}.")
    blocks = column_blocks(features)
    if X.shape[1] != sum(s.stop - s.start for s in blocks.values()):
        raise ParameterError(
            f"`X` has {X.shape[1]} columns but features {tuple(blocks)!r} make "
            f"{sum(s.stop - s.start for s in blocks.values())}. Pass the features it was extracted with."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.12 * X.shape[1] + 1.4), constrained_layout=True)
    Z = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    ax.imshow(Z.T, aspect="auto", origin="upper", cmap="coolwarm", vmin=-3, vmax=3, interpolation="nearest")
    for sl in list(blocks.values())[1:]:
        ax.axhline(sl.start - 0.5, color="black", linewidth=0.8)
    ax.set_yticks([(sl.start + sl.stop - 1) / 2 for sl in blocks.values()])
    ax.set_yticklabels([f"{name} ({sl.stop - sl.start})" for name, sl in blocks.items()], fontsize=8)
    if n_real is not None and n_real < X.shape[0]:
        ax.axvline(n_real - 0.5, color="black", linestyle="--", linewidth=1)
        ax.text(n_real + 1, -0.6, "padding →", fontsize=8, va="bottom")
    ax.set_xlabel("frame (hop 512 = 23 ms at 22050 Hz)")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


class FeatureExplorer:
    """The widget behind :func:`feature_explorer`; ``.widget`` is what a notebook displays.

    Attributes
    ----------
    utterance : ipywidgets.Dropdown
        The utterance drawn.
    checks : dict of str to ipywidgets.Checkbox
        One per feature type; ticking or unticking one rebuilds the matrix.
    dims : ipywidgets.HTML
        ``D = 33`` and how many columns each ticked type adds.
    image : ipywidgets.Image
        The ``n_frames × D`` matrix as a PNG (its ``value`` changes on every redraw).
    matrix : np.ndarray or None
        The last matrix built, ``[shape=(n_frames, D)]`` (``None`` when no type is ticked).
    chosen : tuple of str
        The ticked types in column order.
    draws : int
        How many times the matrix was built and drawn.
    """

    def __init__(self, table: pd.DataFrame, *, features, initial, sr: int, max_utterances: int, dpi: int):
        import ipywidgets as w

        from affacrnn.features.frames import FEATURE_DIMS, normalize_feature_set

        self.features = normalize_feature_set(features)
        initial = tuple(f for f in normalize_feature_set(initial) if f in self.features)
        self.sr, self.dpi = int(sr), int(dpi)
        rows = table[table["path"].notna()] if "path" in table else table.iloc[:0]
        if not len(rows):
            raise ParameterError(
                "feature_explorer needs a corpus table with audio (a `path` column); got none. "
                "Pass e.g. load_corpus('ravdess') or load_corpus('demo')."
            )
        rows = rows.head(int(max_utterances)).reset_index(drop=True)
        labels = label_column(rows)
        self.rows = rows
        options = [(f"{u} ({lab})", i) for i, (u, lab) in enumerate(zip(rows["utterance_id"], labels))]
        self.utterance = w.Dropdown(options=options, value=0, description="utterance",
                                    layout=w.Layout(width="420px"), style={"description_width": "70px"})
        self.checks = {
            name: w.Checkbox(value=name in initial, description=f"{name} ({FEATURE_DIMS[name]})", indent=False,
                             layout=w.Layout(width="130px"))
            for name in self.features
        }
        self.dims = w.HTML()
        self.image = w.Image(format="png")
        self.matrix: np.ndarray | None = None
        self.chosen: tuple[str, ...] = ()
        self.draws = 0
        self._audio: dict[int, np.ndarray] = {}
        self.widget = w.VBox([self.utterance, w.HBox(list(self.checks.values())), self.dims, self.image])
        self.utterance.observe(lambda _: self.redraw(), names="value")
        for box in self.checks.values():
            box.observe(lambda _: self.redraw(), names="value")
        self.redraw()

    def _signal(self, i: int) -> np.ndarray:
        if i not in self._audio:
            self._audio = {i: load_audio(self.rows.loc[i, "path"], sr=self.sr)}  # keep one clip in memory
        return self._audio[i]

    def redraw(self) -> None:
        """Rebuild the matrix from the ticked types and redraw it (called on every change)."""
        import matplotlib.pyplot as plt

        from affacrnn.features.frames import FEATURE_DIMS, FeatureConfig, extract_features

        self.chosen = tuple(n for n in self.features if self.checks[n].value)
        D = sum(FEATURE_DIMS[n] for n in self.chosen)
        parts = " + ".join(f"{FEATURE_DIMS[n]} {n}" for n in self.chosen) or "tick at least one type"
        self.dims.value = f"<b>D = {D}</b> &nbsp;({parts})"
        if not self.chosen:
            self.matrix = None
            fig, ax = plt.subplots(figsize=(8, 1), constrained_layout=True)
            ax.set_axis_off()
            ax.text(0.5, 0.5, "no feature type ticked: the matrix has no columns", ha="center", va="center")
        else:
            y = self._signal(self.utterance.value)
            self.matrix = extract_features(y, sr=self.sr, features=self.chosen)
            n_real = 1 + len(y) // FeatureConfig().hop_length  # frames the audio fills (centred STFT)
            fig, ax = plt.subplots(figsize=(8, 0.12 * D + 1.4), constrained_layout=True)
            row = self.rows.loc[self.utterance.value]
            plot_feature_matrix(self.matrix, features=self.chosen, n_real=n_real, ax=ax,
                                title=f"{row['utterance_id']}: {self.matrix.shape[0]} × {D} (columns standardised for display)")
        self.image.value = _png(fig, self.dpi)
        self.draws += 1

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def feature_explorer(
    table: pd.DataFrame,
    *,
    features=None,
    initial=None,
    sr: int = DEFAULT_SR,
    max_utterances: int = 40,
    dpi: int = 72,
) -> FeatureExplorer:
    """A widget to build an utterance's ``256 × D`` feature matrix from ticked feature types.

    A drop-down picks an utterance; one check box per feature type (paper Table 2's seven
    candidates) chooses the columns; every change re-runs :func:`affacrnn.features.frames.extract_features`
    and redraws the matrix, and a label says how many columns each type adds (``D = 33`` for the
    paper's four).

    Parameters
    ----------
    table : pandas.DataFrame
        A corpus table with a ``path`` column (:func:`affacrnn.load_corpus`).
    features : sequence of str, optional
        The types offered (default all seven, :data:`affacrnn.features.frames.ALL_FEATURES`).
    initial : sequence of str, optional
        The types ticked at first (default the paper's four, :data:`affacrnn.features.frames.PAPER_FEATURES`).
    sr : int
        Rate the audio is loaded at (paper: 22050 Hz).
    max_utterances : int
        Offer the first this many utterances of the table.
    dpi : int
        Resolution of the drawn matrix.

    Returns
    -------
    FeatureExplorer
        Display it; ``.checks``, ``.utterance``, ``.dims``, ``.image`` and ``.matrix`` are attributes.

    Examples
    --------
    >>> explorer = feature_explorer(load_corpus("ravdess"))  # doctest: +SKIP
    >>> explorer.checks["mfcc"].value = False; explorer.matrix.shape  # doctest: +SKIP
    (256, 20)
    """
    from affacrnn.features.frames import ALL_FEATURES, PAPER_FEATURES

    return FeatureExplorer(table, features=ALL_FEATURES if features is None else features,
                           initial=PAPER_FEATURES if initial is None else initial, sr=sr,
                           max_utterances=max_utterances, dpi=dpi)


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
        baseline, test macro F1, seconds).
    """

    def __init__(self, data, *, have, config, initial):
        import ipywidgets as w

        from affacrnn.features.frames import FEATURE_DIMS, normalize_feature_set

        self.data = data
        self.have = normalize_feature_set(have)
        self.config = config
        self.history: list[dict] = []
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
        from affacrnn.features.frames import n_columns

        chosen = self.chosen
        self.status.value = (f"D = {n_columns(chosen)}: press <i>retrain</i>" if chosen
                             else "tick at least one feature type")

    def view(self, features):
        """The prepared data with only the columns of ``features`` (a :class:`~affacrnn.features.dataset.Prepared`)."""
        from affacrnn.features.dataset import Prepared
        from affacrnn.features.frames import column_blocks, normalize_feature_set

        features = normalize_feature_set(features)
        blocks = column_blocks(self.have)
        cols = np.concatenate([np.arange(blocks[f].start, blocks[f].stop) for f in features])
        d = self.data
        return Prepared(table=d.table, classes=d.classes, windows=d.windows,
                        features=np.ascontiguousarray(d.features[..., cols]), graphs=None, scaler=None)

    def score(self, features) -> dict:
        """Train the widget's model on ``features`` only and return its scores (also kept in ``history``)."""
        import time

        from affacrnn.features.frames import n_columns, normalize_feature_set
        from affacrnn.training import train

        features = normalize_feature_set(features)
        t0 = time.perf_counter()
        result = train(self.config.replace(features=features), data=self.view(features), progress=False)
        val, test = result.metrics["validation"], result.metrics["test"]
        record = {
            "features": ",".join(features),
            "D": n_columns(features),
            "val_accuracy": val["weighted_accuracy"],
            "test_accuracy": test["weighted_accuracy"],
            "test_majority": test["majority_accuracy"],
            "test_macro_f1": test["macro_f1"],
            "best_epoch": result.best_epoch,
            "seconds": time.perf_counter() - t0,
        }
        self.history.append(record)
        self._render()
        return record

    #: Seconds after a run during which another click is taken as part of the same (double) click.
    CLICK_GRACE_S = 0.5

    def _on_click(self, _button) -> None:
        """The button's handler: a click while training, or queued behind the run it started (a
        double-click: the kernel handles widget events one after another, so the second click
        arrives the moment the first run ends), is ignored."""
        import time

        if self._busy or time.monotonic() - self._done_at < self.CLICK_GRACE_S:
            return
        self.retrain()

    def retrain(self) -> dict | None:
        """Retrain on the ticked types (the button's action); ``None`` when nothing is ticked."""
        chosen = self.chosen
        if not chosen:
            self.status.value = "tick at least one feature type"
            return None
        import time

        self.button.disabled = True
        self._busy = True
        self.status.value = f"training on {', '.join(chosen)} …"
        try:
            record = self.score(chosen)
        finally:
            self._busy = False
            self._done_at = time.monotonic()
            self.button.disabled = False
        self.status.value = (
            f"<b>{record['features']}</b> (D = {record['D']}): validation accuracy "
            f"{100 * record['val_accuracy']:.1f} %, test accuracy <b>{100 * record['test_accuracy']:.1f} %</b> "
            f"(majority baseline {100 * record['test_majority']:.1f} %), {record['seconds']:.0f} s"
        )
        return record

    def _render(self) -> None:
        if not self.history:
            self.table.value = ""
            return
        frame = pd.DataFrame(self.history)
        pct = ["val_accuracy", "test_accuracy", "test_majority", "test_macro_f1"]
        frame[pct] = (100 * frame[pct]).round(1)
        frame["seconds"] = frame["seconds"].round(1)
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="run")
        self.table.value = frame.to_html(border=0)

    def _ipython_display_(self) -> None:
        from IPython.display import display

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
        The model trained on every press (default: :data:`affacrnn.models.presets.SMOKE` as a UB-BiLSTM
        with 5 epochs, sized to ``data``'s frames): keep it tiny, each press trains from scratch.
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
    from affacrnn.models import presets
    from affacrnn.features.frames import ALL_FEATURES, PAPER_FEATURES, n_columns

    have = ALL_FEATURES if have is None else have
    if getattr(data, "features", None) is None:
        raise ParameterError("`data` has no feature matrices; prepare it with a UB config (architecture='ub').")
    if data.features.shape[-1] != n_columns(have):
        raise ParameterError(
            f"`data` has {data.features.shape[-1]} feature columns but `have`={tuple(have)!r} makes "
            f"{n_columns(have)}. Pass the features `data` was prepared with."
        )
    if config is None:
        config = presets.SMOKE.replace(architecture="ub", epochs=5, n_frames=int(data.features.shape[1]),
                                       context=int(data.windows.shape[1]))
    if config.n_frames != data.features.shape[1]:
        raise ParameterError(
            f"`config.n_frames` ({config.n_frames}) must equal the prepared frames ({data.features.shape[1]}). "
            "Pass config.replace(n_frames=...)."
        )
    return AblationWidget(data, have=have, config=config, initial=PAPER_FEATURES if initial is None else initial)


# ---------------------------------------------------------------------- attention (chapter 8)
#: Names of the slots of a three-utterance window, target in the middle.
SLOT_NAMES = ("previous", "target", "next")


def _slot_names(context: int) -> list[str]:
    if context == 3:
        return list(SLOT_NAMES)
    mid = context // 2
    return [("target" if i == mid else f"{i - mid:+d}") for i in range(context)]


def _gather(data, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The model's input dict for the windows of positional ``rows`` of ``data`` (a Prepared)."""
    w = data.windows[rows]
    out = {}
    if data.features is not None:
        out["features"] = data.features[w]
    if data.graphs is not None:
        out["graphs"] = data.graphs[w][..., None]
    return out


def plot_attention(alpha: np.ndarray, *, slots: list[str] | None = None, labels: list[str] | None = None,
                   title: str = "", ax=None):
    """Bar plot of one window's attention weights α (paper §3), the target's bar highlighted.

    Parameters
    ----------
    alpha : np.ndarray [shape=(C,)]
        Weights over the window (they sum to 1).
    slots : list of str, optional
        Slot names (default ``previous``, ``target``, ``next``).
    labels : list of str, optional
        True label of each slot's utterance, written under its bar.
    title : str
        Axes title.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    alpha = np.asarray(alpha, dtype=float).ravel()
    slots = slots or _slot_names(len(alpha))
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3), constrained_layout=True)
    mid = len(alpha) // 2
    colours = ["#d95f02" if i == mid else "#1f4e79" for i in range(len(alpha))]
    ticks = [f"{s}\n{labels[i]}" if labels else s for i, s in enumerate(slots)]
    ax.bar(range(len(alpha)), alpha, color=colours)
    for i, a in enumerate(alpha):
        ax.text(i, a + 0.02, f"{a:.2f}", ha="center", va="bottom")
    ax.axhline(1 / len(alpha), color="grey", linestyle=":", linewidth=1, label="uniform")
    ax.set_xticks(range(len(alpha)), ticks)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("attention weight α")
    ax.legend(loc="upper right", frameon=False)
    if title:
        ax.set_title(title)
    return ax


class AttentionViewer:
    """The widget behind :func:`attention_viewer`; ``.widget`` is what a notebook displays.

    Attributes
    ----------
    target : ipywidgets.Dropdown
        The target utterance (``utterance_id · true label``); its value is a positional row of
        ``data.table``.
    players : list of ipywidgets.Audio
        One player per slot of the window (previous, target, next).
    captions : list of ipywidgets.HTML
        Each player's utterance, label and attention weight.
    plot : ipywidgets.Output
        The bar plot of α.
    alpha : np.ndarray [shape=(n, C)]
        Attention weights of every offered target (computed once).
    probs : np.ndarray [shape=(n, n_classes)]
        The model's class probabilities for them.
    rows : np.ndarray [shape=(n,)]
        Positional rows of ``data.table`` offered as targets.
    draws : int
        How many times the bars were drawn (1 after construction).
    """

    def __init__(self, model, data, *, part: str = "test", sr: int = DEFAULT_SR, max_seconds: float = 6.0,
                 max_targets: int = 200, dpi: int = 80):
        import ipywidgets as w

        from affacrnn.models import embedding_model

        rows = np.asarray(data.rows(part))
        if len(rows) == 0:
            raise ParameterError(f"part {part!r} of `data` has no rows; pass part='train', 'validation' or 'test'.")
        if "path" not in data.table or data.table["path"].isna().any():
            raise ParameterError("attention_viewer needs audio: every row of data.table must have a `path`.")
        if not isinstance(max_targets, int) or max_targets < 1:
            raise ParameterError(f"`max_targets` must be an int >= 1; got {max_targets!r}.")
        self.model, self.data, self.part = model, data, part
        self.sr, self.max_seconds, self.dpi = int(sr), float(max_seconds), int(dpi)
        self.rows = rows[:max_targets]
        inputs = _gather(data, self.rows)
        self.alpha = np.asarray(embedding_model(model, which="attention").predict(inputs, verbose=0))
        self.probs = np.asarray(model.predict(inputs, verbose=0))
        self.classes = tuple(data.classes)
        table = data.table
        self._ids = table["utterance_id"].astype(str).to_numpy()
        self._labels = table["label"].astype(str).to_numpy()
        self.slots = _slot_names(data.windows.shape[1])
        self.target = w.Dropdown(
            options=[(f"{self._ids[r]} · {self._labels[r]}", int(r)) for r in self.rows],
            description="target", layout=w.Layout(width="420px"), style={"description_width": "60px"},
        )
        self.players = [w.Audio(format="wav", autoplay=False, controls=True, loop=False,
                                layout=w.Layout(width="260px")) for _ in self.slots]
        self.captions = [w.HTML() for _ in self.slots]
        self.info = w.HTML()
        self.plot = w.Output()
        self.draws = 0
        boxes = [w.VBox([c, p]) for c, p in zip(self.captions, self.players)]
        self.widget = w.VBox([self.target, self.info, w.HBox(boxes), self.plot])
        self.target.observe(lambda _: self._show(), names="value")
        self._show()

    def _index(self) -> int:
        return int(np.flatnonzero(self.rows == self.target.value)[0])

    def _show(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import Image, display

        k = self._index()
        row = int(self.rows[k])
        window = self.data.windows[row]
        alpha, probs = self.alpha[k], self.probs[k]
        pred = self.classes[int(np.argmax(probs))]
        truth = self._labels[row]
        for slot, (r, a, player, caption) in enumerate(zip(window, alpha, self.players, self.captions)):
            y = load_audio(self.data.table["path"].iloc[int(r)], sr=self.sr, duration=self.max_seconds)
            player.value = wav_bytes(y, sr=self.sr)
            caption.value = (f"<b>{self.slots[slot]}</b>: {self._ids[r]}<br>label <b>{self._labels[r]}</b>, "
                             f"α = {a:.2f}")
        mark = "✓" if pred == truth else "✗"
        self.info.value = (f"target <b>{self._ids[row]}</b>: true label <b>{truth}</b>, predicted <b>{pred}</b> "
                           f"(p = {probs.max():.2f}) {mark}")
        fig, ax = plt.subplots(figsize=(5.5, 3), constrained_layout=True)
        plot_attention(alpha, slots=self.slots, labels=[self._labels[r] for r in window], ax=ax,
                       title=f"{self._ids[row]}: true {truth}, predicted {pred}")
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=self.dpi)
        plt.close(fig)
        with self.plot:
            self.plot.clear_output(wait=True)
            display(Image(data=png.getvalue(), format="png"))
        self.draws += 1

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def attention_viewer(model, data, *, part: str = "test", sr: int = DEFAULT_SR, max_seconds: float = 6.0,
                     max_targets: int = 200) -> AttentionViewer:
    """A widget to pick a target utterance, play its context window and see the attention weights.

    Paper §3 ("Feature Fusion base on Attention"): the attention layer weighs the utterances of a
    window (previous, target, next) before the softmax. This viewer shows those weights α for one
    target at a time, with three audio players for the window's utterances, each utterance's true
    label, and the model's predicted class for the target.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`affacrnn.models.build_model` (any architecture: all end in attention).
    data : affacrnn.features.dataset.Prepared
        The prepared corpus the model reads (e.g. ``TrainResult.data``); its table needs ``path``.
    part : {"train", "validation", "test", "all"}
        Which rows are offered as targets.
    sr : int
        Rate the audio is played at.
    max_seconds : float
        Play at most this many seconds of each utterance.
    max_targets : int
        Offer at most this many targets (the first rows of ``part``).

    Returns
    -------
    AttentionViewer
        Display it; ``.target`` is the drop-down, ``.players`` the three players, ``.alpha`` the weights.

    See Also
    --------
    affacrnn.models.embedding_model : ``which="attention"`` gives the weights α.
    asv_projection : the ASV vectors in two dimensions.

    Examples
    --------
    >>> result = affacrnn.train(presets.SMOKE, table=table)  # doctest: +SKIP
    >>> attention_viewer(result.model, result.data)          # doctest: +SKIP
    """
    return AttentionViewer(model, data, part=part, sr=sr, max_seconds=max_seconds, max_targets=max_targets)


def asv_projection(model, data, *, part: str = "test", which: str = "asv", method: str = "pca",
                   seed: int = 0) -> pd.DataFrame:
    """Project a model's per-target vectors (ASV by default) to two dimensions, with labels.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`affacrnn.models.build_model`.
    data : affacrnn.features.dataset.Prepared
        The prepared corpus.
    part : {"train", "validation", "test", "all"}
        Whose vectors.
    which : {"asv"}
        The vector (:func:`affacrnn.models.embedding_model`); ``"asv"`` is the one entering the
        softmax (ASV in AFF-ACRNN, LASV / CASV in a single-branch model).
    method : {"pca", "tsne"}
        scikit-learn ``PCA`` or ``TSNE`` (perplexity at most 30, below the number of points).
    seed : int
        Random state of the projection.

    Returns
    -------
    pandas.DataFrame
        One row per utterance of ``part``: ``x``, ``y``, ``label`` (true), ``predicted``,
        ``utterance_id``; ``attrs["explained_variance"]`` for PCA.
    """
    from affacrnn.models import embedding_model

    if method not in ("pca", "tsne"):
        raise ParameterError(f"`method` must be 'pca' or 'tsne'; got {method!r}.")
    rows = np.asarray(data.rows(part))
    if len(rows) < 3:
        raise ParameterError(f"part {part!r} has {len(rows)} rows; a projection needs at least 3.")
    inputs = _gather(data, rows)
    vectors = np.asarray(embedding_model(model, which=which).predict(inputs, verbose=0)).reshape(len(rows), -1)
    pred = np.asarray(model.predict(inputs, verbose=0)).argmax(axis=1)
    if method == "pca":
        from sklearn.decomposition import PCA

        proj = PCA(n_components=2, random_state=seed).fit(vectors)
        xy = proj.transform(vectors)
        explained = proj.explained_variance_ratio_.tolist()
    else:
        from sklearn.manifold import TSNE

        xy = TSNE(n_components=2, perplexity=float(min(30, len(rows) - 1)), random_state=seed,
                  init="pca").fit_transform(vectors)
        explained = None
    table = data.table
    out = pd.DataFrame({
        "x": xy[:, 0], "y": xy[:, 1],
        "label": table["label"].astype(str).to_numpy()[rows],
        "predicted": np.asarray(data.classes, dtype=object)[pred],
        "utterance_id": table["utterance_id"].astype(str).to_numpy()[rows],
    })
    out.attrs.update({"method": method, "which": which, "explained_variance": explained})
    return out


def plot_projection(points: pd.DataFrame, *, ax=None, title: str = ""):
    """Scatter of :func:`asv_projection`'s points coloured by true label (wrong predictions ringed)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4), constrained_layout=True)
    for label, grp in points.groupby("label", sort=True):
        ax.scatter(grp["x"], grp["y"], s=18, label=label, alpha=0.8)
    wrong = points[points["label"] != points["predicted"]]
    ax.scatter(wrong["x"], wrong["y"], s=60, facecolors="none", edgecolors="black", linewidths=0.6,
               label="misclassified")
    method = points.attrs.get("method", "pca")
    ev = points.attrs.get("explained_variance")
    if method == "pca" and ev:
        ax.set_xlabel(f"PC 1 ({ev[0]:.0%} of variance)")
        ax.set_ylabel(f"PC 2 ({ev[1]:.0%})")
    else:
        ax.set_xlabel(f"{method} 1")
        ax.set_ylabel(f"{method} 2")
    ax.legend(fontsize="small", frameon=False)
    if title:
        ax.set_title(title)
    return ax
