"""Chapter 2's widget (ipywidgets): listen to a corpus before modelling it.

:func:`utterance_browser` is chapter 2's "listen first" tool: drop-downs choose a corpus, a
speaker, a label and an utterance; the utterance plays in an audio player and its waveform and
spectrum graph (the SBCNN branch's input, :func:`affacrnn.features.spectrogram.spectrum_graph`) are drawn
below. It works in JupyterLab (live) and in the HTML book (the state saved at execution time).

The helpers :func:`label_column` (the label a browser filters on), :func:`wav_bytes` (samples as
a WAV file for an audio player) and :func:`plot_utterance` (waveform above spectrum graph) are
public: the widgets of chapters 5 and 8 use them too.

Notebook: book/02_listen.ipynb
"""
from __future__ import annotations

import io
from typing import Mapping

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import soundfile as sf
from IPython.display import display

from affacrnn.data.audio import DEFAULT_SR, load_audio
from affacrnn.data.labels import get_scheme
from affacrnn.errors import ParameterError
from affacrnn.features.spectrogram import plot_spectrum_graph, spectrum_graph

__all__ = ["utterance_browser", "UtteranceBrowser", "label_column", "wav_bytes", "png_bytes", "plot_utterance"]


#: Score scheme used to give score corpora (MOSI-style, the demo corpus) a browsable label.
SCORE_SCHEME = "mosi5"


def label_column(table: pd.DataFrame) -> pd.Series:
    """The label a browser filters on: ``emotion`` for emotion corpora, else the 5-class score label."""
    if "emotion" in table and table["emotion"].notna().any():
        return table["emotion"].astype(str)
    if "score" in table and table["score"].notna().any():
        return get_scheme(SCORE_SCHEME).assign(table).astype(str)
    raise ParameterError(
        f"corpus {table.attrs.get('corpus', '?')!r} has neither an `emotion` nor a `score` column to browse by."
    )


def wav_bytes(y: np.ndarray, *, sr: int) -> bytes:
    """Encode mono float samples as a 16-bit PCM WAV file in memory (for an audio player)."""
    buf = io.BytesIO()
    sf.write(buf, np.clip(np.asarray(y, dtype=np.float32), -1.0, 1.0), int(sr), format="WAV", subtype="PCM_16")
    return buf.getvalue()


def png_bytes(fig, *, dpi: int) -> bytes:
    """A matplotlib figure as PNG bytes, whatever the backend (Agg in CI), closing the figure.

    The widgets show figures as ``ipywidgets.Image`` values made by this.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
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
    plot : ipywidgets.Image
        Its waveform and spectrum graph (a PNG).
    selected : pandas.Series
        The chosen row of its corpus table.
    draws : int
        How many times the plot was drawn (1 after construction).
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame], *, sr: int = DEFAULT_SR, max_seconds: float = 8.0,
                 dpi: int = 80):
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
        # an Image, not an Output: nbclient answers an Output widget's captured display on the
        # shell channel while it waits for the cell's reply there, which can hang papermill
        # (jupyter/nbclient#312, seen once in CI on this very cell)
        self.plot = w.Image(format="png")
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
        self.plot.value = png_bytes(fig, dpi=self.dpi)
        self.draws += 1

    def _ipython_display_(self) -> None:
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
