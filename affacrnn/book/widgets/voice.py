"""Your own voice: record from the microphone (or upload a file) and classify it with a trained model.

Two widgets:

* :class:`Microphone`, a small `anywidget <https://anywidget.dev>`_ (JupyterLab 4, ipywidgets 8;
  ``ipywebrtc`` does not work with JupyterLab 4): a Record / Stop button that captures the
  browser's microphone with the Web Audio API and sends the raw samples (float32, the browser's
  rate) to the kernel in one binary message. Browsers allow a microphone only on ``https://`` or
  ``localhost`` / ``127.0.0.1``; elsewhere the widget says so and points at the upload.
* :class:`VoiceClassifier`, the microphone plus a file upload (the fallback when no microphone is
  allowed) and a report: the waveform with the utterances :mod:`affacrnn.inference` found,
  coloured by their predicted class, the spectrum graph of the loudest utterance, and each
  utterance's class probabilities and attention over its context.

Why hand-written JavaScript: ``ipywebrtc`` does not work with JupyterLab 4, recording through
the browser's ``MediaRecorder`` gives compressed audio (WebM/Opus, which libsndfile cannot read
without ffmpeg), and the other PyPI candidates (``ipyaudioworklet``, ``browseraudio``,
``ipyaudio``) were not evaluated here; about 70 lines of Web Audio give raw samples directly.

Notebook: book/11_inference.ipynb
"""
from __future__ import annotations

import html
import io
import re
from typing import Any

import numpy as np

from affacrnn.errors import AffacrnnError
from affacrnn.features.spectrogram import plot_spectrum_graph, spectrum_graph

__all__ = ["Microphone", "VoiceClassifier", "voice_classifier"]

_ESM = r"""
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "affacrnn-microphone";
  box.style.cssText = "display:flex;gap:0.6em;align-items:center;margin:0.3em 0";
  const button = document.createElement("button");
  button.className = "jupyter-button widget-button affacrnn-record";
  button.textContent = "● Record";
  const status = document.createElement("span");
  status.className = "affacrnn-mic-status";
  box.append(button, status);
  el.append(box);
  const show = () => { status.textContent = model.get("status"); };
  model.on("change:status", show);
  show();

  let ctx = null, stream = null, node = null, chunks = [], timer = null;
  const say = (text) => { model.set("status", text); model.save_changes(); };

  async function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("No microphone here: browsers allow one only on https:// or localhost (127.0.0.1). Upload a file below.");
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia(
        { audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    } catch (err) {
      const why = {
        NotFoundError: "No microphone was found on this computer. Connect one, or upload a file below.",
        NotAllowedError: "The microphone was not allowed. Allow it in the browser's site settings, or upload a file below.",
        NotReadableError: "The microphone is busy in another program. Close it there, or upload a file below.",
      };
      say(why[err.name] || ("The microphone could not be opened (" + err.name + "). Upload a file below."));
      return;
    }
    ctx = new AudioContext();
    const source = ctx.createMediaStreamSource(stream);
    // ScriptProcessorNode: deprecated but everywhere, and needs no separate worklet file.
    node = ctx.createScriptProcessor(4096, 1, 1);
    chunks = [];
    node.onaudioprocess = (e) => { chunks.push(new Float32Array(e.inputBuffer.getChannelData(0))); };
    source.connect(node);
    node.connect(ctx.destination);
    button.textContent = "■ Stop";
    say("Recording ... (at most " + model.get("max_seconds") + " s)");
    timer = setTimeout(stop, 1000 * model.get("max_seconds"));
  }

  async function stop() {
    if (!ctx) return;
    clearTimeout(timer);
    node.disconnect();
    stream.getTracks().forEach((t) => t.stop());
    const rate = ctx.sampleRate;
    await ctx.close();
    ctx = null;
    button.textContent = "● Record";
    const n = chunks.reduce((a, c) => a + c.length, 0);
    const all = new Float32Array(n);
    let k = 0;
    for (const c of chunks) { all.set(c, k); k += c.length; }
    model.set("sample_rate", rate);
    model.set("samples", new DataView(all.buffer));
    model.set("status", "Sent " + (n / rate).toFixed(1) + " s at " + rate + " Hz to the kernel.");
    model.save_changes();
  }

  button.addEventListener("click", () => (ctx ? stop() : start()));
  return () => { if (ctx) stop(); };
}
export default { render };
"""


def _anywidget():
    try:
        import anywidget
    except ImportError as exc:  # a dependency of the package; a clear message if an install lacks it
        raise AffacrnnError("the microphone widget needs the package anywidget: pip install anywidget") from exc
    return anywidget


def _microphone_class():
    import traitlets
    from ipywidgets.widgets.trait_types import bytes_serialization  # binary buffers arrive as memoryview

    anywidget = _anywidget()

    class Microphone(anywidget.AnyWidget):
        """A Record / Stop button; ``samples`` (float32 bytes) and ``sample_rate`` arrive after Stop.

        Attributes
        ----------
        samples : bytes
            The last recording, little-endian float32 mono (``np.frombuffer(samples, "<f4")``).
        sample_rate : int
            Its rate in Hz (the browser's, usually 44100 or 48000).
        max_seconds : float
            Recording stops by itself after this long.
        status : str
            What the widget shows next to its button.
        """

        _esm = _ESM
        samples = traitlets.Bytes(b"").tag(sync=True, **bytes_serialization)
        sample_rate = traitlets.Int(0).tag(sync=True)
        max_seconds = traitlets.Float(15.0).tag(sync=True)
        status = traitlets.Unicode("Press Record, speak a sentence or two, press Stop.").tag(sync=True)

        def recording(self) -> tuple[np.ndarray, int]:
            """The last recording as (samples [shape=(n,)], rate)."""
            return np.frombuffer(self.samples, dtype="<f4").copy(), int(self.sample_rate)

    return Microphone


def _microphone() -> type:
    """The :class:`Microphone` class, made once on first use (anywidget is imported only then)."""
    if "Microphone" not in globals():
        globals()["Microphone"] = _microphone_class()
    return globals()["Microphone"]


def __getattr__(name: str) -> Any:
    if name == "Microphone":
        return _microphone()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: The name under which the widget's predictor remembers the reader's voice: a speaker-normalised
#: model scales each recording by all the reader's recordings so far (one short clip alone looks
#: average against itself; :mod:`affacrnn.inference.own_statistics`).
SPEAKER = "reader"


class VoiceClassifier:
    """Microphone + upload + report, around one :class:`~affacrnn.inference.Predictor`.

    Parameters
    ----------
    model : path-like or Predictor
        A trained model (``model.keras`` or its folder) or a loaded predictor.
    max_seconds : float
        Longest recording.

    Attributes
    ----------
    widget : ipywidgets.VBox
        What a notebook displays (the object itself displays as it, too).
    microphone : Microphone
    upload : ipywidgets.FileUpload
    forget : ipywidgets.Button
        Clears the reader's voice gathered so far (another reader at the same widget).
    last : dict or None
        The last prediction (:meth:`Predictor.predict`'s dict) with ``source``
        (``"microphone"`` or the uploaded file's name).
    """

    def __init__(self, *, model: Any, max_seconds: float = 15.0) -> None:
        import ipywidgets as w

        from affacrnn.inference.predictor import Predictor

        self.predictor = model if isinstance(model, Predictor) else Predictor(model)
        self.predictor.speakers.pop(SPEAKER, None)  # a new widget starts with a new reader's voice
        self.microphone = _microphone()(max_seconds=float(max_seconds))
        self.upload = w.FileUpload(accept="audio/*,.wav,.flac,.ogg", multiple=False, description="Upload a file")
        self.info = w.HTML("", layout=w.Layout(min_height="1.5em"))
        self.output = w.Output()
        self.last: dict | None = None
        self.figure = None  # the last report's figure and per-utterance table
        self.table = None
        self.forget = w.Button(description="Forget my voice", icon="eraser",
                               tooltip="Start again from the typical speaker (another reader takes over)")
        self.forget.on_click(self._on_forget)
        self.microphone.observe(self._on_recording, names="samples")
        self.upload.observe(self._on_upload, names="value")
        self.widget = w.VBox([w.HTML("<b>Record your voice</b> (or upload a recording):"), self.microphone,
                              w.HBox([self.upload, self.forget]), self.info, self.output])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    # -- inputs --------------------------------------------------------------------------------
    def _on_recording(self, change) -> None:
        y, sr = self.microphone.recording()
        if y.size == 0 or sr <= 0:
            return
        self.classify(y, sr=sr, source="microphone")

    def _on_upload(self, change) -> None:
        import soundfile as sf

        files = change["new"]
        if not files:
            return
        item = files[0]
        name, content = item["name"], bytes(item["content"])
        try:
            y, sr = sf.read(io.BytesIO(content), dtype="float32", always_2d=True)
        except Exception as exc:  # soundfile raises LibsndfileError / RuntimeError: say it, do not crash the widget
            # libsndfile names the in-memory buffer ("Error opening <_io.BytesIO object at 0x...>: "); keep its reason
            reason = re.sub(r"^Error opening <[^>]*>:\s*", "", str(exc)).strip().rstrip(".") or type(exc).__name__
            self.info.value = (f"<span style='color:#cf222e'>Cannot read {html.escape(name)}: it is not a recording "
                               f"this widget can decode ({html.escape(reason)}). Upload a WAV, FLAC or OGG file.</span>")
            self.output.clear_output()  # the previous file's report is not this file's answer
            return
        self.classify(y.mean(axis=1), sr=int(sr), source=name)

    def _on_forget(self, _button=None) -> None:
        """Drop what the widget gathered of the reader's voice: the next recording is scaled from its own
        statistics and the typical speaker's alone, as for a new reader."""
        heard = self.predictor.speakers.pop(SPEAKER, None)
        self.info.value = ("Forgot your voice: the next recording starts afresh." if heard is not None
                           else "Nothing of your voice is kept yet.")

    # -- the work ------------------------------------------------------------------------------
    def classify(self, y: np.ndarray, *, sr: int, source: str = "array") -> dict | None:
        """Classify ``y`` (mono samples at ``sr`` Hz) and redraw the report; return the prediction.

        Returns None (and says why in the widget) when the recording is too short or silent.
        """
        y = np.asarray(y, dtype=np.float32).ravel()
        seconds = y.size / sr if sr else 0.0
        self.info.value = f"Received {seconds:.1f} s at {sr} Hz from {source}; classifying ..."
        try:
            out = self.predictor.predict(y, sr=sr, speaker=SPEAKER)  # every recording here is the reader
        except AffacrnnError as exc:
            self.info.value = f"<span style='color:#cf222e'>{exc}</span>"
            self.output.clear_output()
            return None
        out["source"] = source
        self.last = out
        self._draw(y, sr, out)  # first the report, then the line saying it is done (the browser test waits for it)
        summary = out["summary"]
        self.info.value = (f"Received {seconds:.1f} s at {sr} Hz from {source}: <b>{summary['n_utterances']}</b> "
                           f"utterance(s), overall <b class='affacrnn-voice-sentiment'>{summary['sentiment']}</b>."
                           + "".join(f"<br><i>Note: {n}</i>" for n in out.get("notes", ())))
        return out

    def _draw(self, y: np.ndarray, sr: int, out: dict) -> None:
        import matplotlib.pyplot as plt
        import pandas as pd
        from IPython.display import display

        utts = out["utterances"]
        colours = dict(zip(out["classes"], plt.cm.tab10.colors))
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3), constrained_layout=True,
                                      gridspec_kw={"width_ratios": [2.2, 1]})
        ax.plot(np.arange(y.size) / sr, y, linewidth=0.4, color="0.3")
        for u in utts:
            ax.axvspan(u["start"], u["end"], alpha=0.3, color=colours[u["sentiment"]])
        ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.4) for c in colours.values()],
                  labels=list(colours), loc="upper right", fontsize=8)
        ax.set(xlabel="time (s)", ylabel="amplitude", title="your recording: utterances by predicted class")
        if utts:
            def peak(u):
                return float(np.abs(y[int(u["start"] * sr): int(u["end"] * sr)]).max(initial=0))

            loudest = max(utts, key=peak)
            seg = y[int(loudest["start"] * sr): max(int(loudest["end"] * sr), int(loudest["start"] * sr) + 1)]
            size = int(self.predictor.config.image_size)
            plot_spectrum_graph(spectrum_graph(seg, sr=sr, size=size), ax=ax2, sr=sr, duration=seg.size / sr,
                                colorbar=False, title=f"spectrum graph, {loudest['start']:.1f}–{loudest['end']:.1f} s")
        else:
            ax2.set_axis_off()
        plt.close(fig)  # shown once, in the output area below, not again by the inline backend
        self.figure = fig
        self.table = pd.DataFrame([{"start (s)": u["start"], "end (s)": u["end"], "sentiment": u["sentiment"],
                                    **{f"p({c})": round(p, 2) for c, p in u["probabilities"].items()},
                                    "context": u["context"],
                                    "attention (prev, this, next)": [round(a, 2) for a in u["attention"]]}
                                   for u in utts])
        self.output.clear_output(wait=True)
        with self.output:
            display(fig)
            display(self.table if len(self.table) else
                    "No utterance found: speak louder or closer to the microphone.")


def voice_classifier(*, model: Any, max_seconds: float = 15.0) -> VoiceClassifier:
    """A :class:`VoiceClassifier` for ``model`` (a path or a :class:`~affacrnn.inference.Predictor`)."""
    return VoiceClassifier(model=model, max_seconds=max_seconds)
