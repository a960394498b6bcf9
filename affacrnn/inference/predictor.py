"""Sentiment of any recording: split it into utterances, classify each in its context (paper §3, §5).

The paper classifies one utterance at a time, each seen with its neighbours ("three continuous
utterances ... in one video", AFF2), and reports that a 10 s clip takes 655.94 ms from input to
sentiment (§5). :func:`predict` does the same for a whole recording of any length:

1. **Read** the file in blocks (any format soundfile decodes, any rate, any channel count;
   channels averaged), so a one-hour file never sits in memory at once.
2. **Split at silences** (:mod:`affacrnn.inference.segment`), like :func:`librosa.effects.split`: a frame (``n_fft`` / ``hop_length``
   of the model's config, in seconds, measured at the file's own rate) is *speech* when its mean
   energy is within :data:`TOP_DB` dB of the loudest frame of the whole recording. Speech runs
   separated by less than :data:`MIN_SILENCE` seconds are joined; each utterance gets
   :data:`EDGE_PAD` seconds of the surrounding audio on both sides (as the training clips have);
   one longer than :data:`MAX_UTTERANCE` is cut into equal parts; one shorter than
   :data:`MIN_UTTERANCE` is widened into its surroundings; a blip with less than
   :data:`MIN_VOICED` seconds of speech is dropped (unless it is all there is).
3. **Context windows**: utterances in time order form one session, and every utterance is the
   target of a window of ``config.context`` (3) utterances with the target in the middle and the
   edges padded by repeating the nearest utterance — the convention of
   :func:`affacrnn.data.context.context_windows`.
4. **Features and spectrum graph** of each utterance from one STFT
   (:func:`affacrnn.features.spectrogram.extract_all`), at the model's rate; features standardised with the
   scaler saved in the model file (fitted on its training split); a speaker-normalised model's
   inputs first by the speaker's own statistics (:mod:`affacrnn.inference.own_statistics`).
5. **Model**: windows go through the network in batches; one forward pass gives the class
   probabilities and the attention weights α over the window (the output of the ``attention``
   layer, :func:`affacrnn.models.embedding_model` ``which="attention"``). Only the utterances of the
   current batch (plus its context on either side) are held, so memory stays bounded.

The result is a plain dict (JSON-serialisable): per utterance its start and end time, class,
probabilities and attention over its context; and a whole-file summary. Load the model once with
:class:`Predictor` for many files (:func:`predict` loads it on every call).

Notebook: book/11_inference.ipynb
"""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from affacrnn._numba import load_librosa
from affacrnn._quiet import load_keras
from affacrnn.data.audio import SILENCE_PEAK
from affacrnn.errors import ModelError, ParameterError
from affacrnn.features.layout import real_frames
from affacrnn.features.normalize import FeatureScaler, standardize_graphs
from affacrnn.inference.own_statistics import OwnStatistics, SpeakerMemory, needs_own_statistics, recording_statistics
from affacrnn.features.spectrogram import extract_all
from affacrnn.inference.runtime import (  # starts TensorFlow (Predictor needs it anyway)
    CONTEXT_BATCH,
    bucket_size,
    compiled,
    one_blas_thread,
    pad_rows,
    session_windows,
)
from affacrnn.inference.segment import (
    EDGE_PAD,
    MAX_UTTERANCE,
    MIN_SILENCE,
    MIN_UTTERANCE,
    MIN_VOICED,
    TOP_DB,
    ArraySource,
    FileSource,
    segmentation,
    split_source,
    split_utterances,
)
from affacrnn.models import embedding_model
from affacrnn.models import io as model_io

__all__ = ["Predictor", "predict", "split_utterances", "HOW_TO_GET_A_MODEL"]

HOW_TO_GET_A_MODEL = (
    "Train one with `affacrnn train --preset cpu --out models/cpu` (it writes models/cpu/model.keras) "
    "and pass that path."
)





# --------------------------------------------------------------------------------------------
# The predictor
# --------------------------------------------------------------------------------------------
def _model_error(path: Path, problem: str) -> ModelError:
    return ModelError(f"model file {str(path)!r} {problem}. {HOW_TO_GET_A_MODEL}")


class Predictor:
    """A trained model file, loaded once, ready to classify recordings.

    Loads the ``.keras`` file written by ``affacrnn train`` (:func:`affacrnn.models.save_model`) in
    Keras's safe mode, with its :class:`~affacrnn.models.config.AFFConfig`, feature scaler and class
    names, checks they fit together, and prepares one compiled forward pass that returns the class
    probabilities and the attention weights together.

    Parameters
    ----------
    path : str or path-like
        A ``.keras`` model file, or a folder holding ``model.keras`` (an ``affacrnn train --out``
        folder).
    batch_size : int
        Context windows per forward pass (memory grows with it; default 16).
    top_db, min_silence, min_utterance, max_utterance, edge_pad, min_voiced : float
        How recordings are split into utterances (module constants by default).
    jit_compile : bool
        Compile the network with XLA (default True; ~5× faster recurrent layers on a CPU). XLA
        compiles once per batch size, and batches are padded to powers of two, so the first
        clips of new lengths pay a compile (about a second for the ``cpu`` preset).

    Attributes
    ----------
    path : pathlib.Path
    model : keras.Model
    config : AFFConfig
    classes : tuple of str
    scaler : FeatureScaler or None

    Raises
    ------
    ModelError
        Missing, corrupt, unsafe (a ``Lambda`` layer) or inconsistent model file; the message says
        how to get a good one.

    Examples
    --------
    >>> p = Predictor("models/cpu/model.keras")  # doctest: +SKIP
    >>> p.predict("interview.wav")["summary"]["sentiment"]  # doctest: +SKIP
    'neutral'
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        batch_size: int = 16,
        top_db: float = TOP_DB,
        min_silence: float = MIN_SILENCE,
        min_utterance: float = MIN_UTTERANCE,
        max_utterance: float = MAX_UTTERANCE,
        edge_pad: float = EDGE_PAD,
        min_voiced: float = MIN_VOICED,
        jit_compile: bool = True,
    ) -> None:
        self.jit_compile = bool(jit_compile)
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ParameterError(f"`batch_size` must be an int >= 1; got {batch_size!r}. Pass e.g. batch_size=16.")
        self.batch_size = int(batch_size)
        self.segmentation = segmentation(top_db, min_silence, min_utterance, max_utterance, edge_pad, min_voiced)
        self.path = self._resolve(path)
        self._load()

    # -- loading -------------------------------------------------------------------------------
    @staticmethod
    def _resolve(path: Any) -> Path:
        if not isinstance(path, (str, os.PathLike)):
            raise ParameterError(
                f"`model` must be a path to a .keras file or a Predictor; got {type(path).__name__}. {HOW_TO_GET_A_MODEL}"
            )
        p = Path(path).expanduser()
        if p.is_dir():
            if (p / "model.keras").is_file():
                return p / "model.keras"
            raise _model_error(p, "is a folder without a model.keras in it")
        if not p.exists():
            raise _model_error(p, "does not exist")
        return p

    def _load(self) -> None:

        try:
            model, meta = model_io.load_model(self.path)
        except ModelError as exc:
            text = str(exc).replace(model_io.GET_ONE, "").rstrip(" .")
            raise ModelError(f"{text}. {HOW_TO_GET_A_MODEL}") from None
        config = meta["config"]
        self.model, self.config = model, config
        n_out = int(model.output_shape[-1])
        classes = meta.get("label_classes")
        if classes is None:

            classes = config.scheme.classes
        if len(classes) != n_out:
            raise _model_error(
                self.path, f"names {len(classes)} classes but its network has {n_out} outputs (inconsistent file)"
            )
        self.classes = tuple(str(c) for c in classes)
        # load_model has already checked the network inputs against these shapes; the compiled
        # forward functions are traced for them
        expected = model_io.window_input_shapes(config)
        self.scaler = None
        if config.uses_features:
            if meta.get("scaler") is None:
                raise _model_error(self.path, "has no feature scaler (it was saved without scaler_dict)")
            try:
                self.scaler = FeatureScaler.from_dict(meta["scaler"])
            except ParameterError as exc:
                raise _model_error(self.path, f"holds an unusable feature scaler ({exc})") from None
            if getattr(self.scaler, "n_features_in_", None) != config.n_feature_columns():
                raise _model_error(
                    self.path,
                    f"has a scaler for {getattr(self.scaler, 'n_features_in_', 'unfitted')} columns but "
                    f"{config.n_feature_columns()} feature columns",
                )
        self.feature_config = config.feature_config()
        self._own: OwnStatistics | None = None
        self.speakers: dict[str, SpeakerMemory] = {}  # what each named speaker said so far (predict's speaker=)
        self._expected = expected
        self._make_forward()

    def _make_forward(self) -> None:
        """Compile the forward passes.

        AFF1 and the CNN run on each utterance separately (``TimeDistributed``), so a window of 3
        would encode every utterance 3 times. Instead the network is cut after those two layers:
        the *encoders* run once per utterance, and the *context* part (``aff2``, ``cnn_context``,
        fusion, attention, softmax) on the gathered windows of encoded vectors. The numbers are
        the same as the whole network's (``tests/test_inference.py`` checks it). A network
        without those layers is run whole, windows of raw inputs at a time.
        """

        try:
            alpha = embedding_model(self.model, which="attention").output
        except ParameterError as exc:
            raise _model_error(self.path, f"has no attention layer ({exc})") from None
        self._keys = [k for k, used in (("features", self.config.uses_features), ("graphs", self.config.uses_graphs)) if used]
        outputs = [self.model.output, alpha]
        try:
            td = [self.model.get_layer({"features": "aff1", "graphs": "cnn"}[k]) for k in self._keys]
            encoders = [layer.layer for layer in td]
            context = load_keras().Model([layer.output for layer in td], outputs, name=f"{self.model.name}_context")
        except Exception:  # noqa: BLE001 - not laid out like build_model's network: run it whole
            self._use_whole_network()
            return
        self.split = True
        self._encode = compiled(
            lambda xs: [enc(x, training=False) for enc, x in zip(encoders, xs)],
            [tuple(enc.inputs[0].shape) for enc in encoders],
            jit_compile=self.jit_compile,
        )
        # the context part is small (recurrent layers over 3 steps): a plain graph, no XLA compiles
        self._context = compiled(
            lambda xs: list(context(xs, training=False)),
            [tuple(t.shape) for t in context.inputs],
            jit_compile=False,
        )

    def _use_whole_network(self) -> None:
        """Run the whole network on windows of raw inputs (3 encodings per utterance; slower)."""

        alpha = embedding_model(self.model, which="attention").output
        whole = load_keras().Model(self.model.input, [self.model.output, alpha], name=f"{self.model.name}_predict")
        keys = list(self._keys)
        self.split = False
        self._whole = compiled(
            lambda xs: list(whole(dict(zip(keys, xs)), training=False)),
            [(None, *self._expected[k]) for k in keys],
            jit_compile=self.jit_compile,
        )

    def __repr__(self) -> str:
        return f"Predictor({str(self.path)!r}, model={self.config.model_name}, classes={list(self.classes)})"

    # -- one utterance -------------------------------------------------------------------------
    def _raw_inputs(self, y: np.ndarray, native_sr: int) -> tuple[Any, Any, int]:
        """Unscaled features ``(n_frames, D)``, graph and real frame count of one utterance's samples."""
        if native_sr != self.config.sr:
            librosa = load_librosa()

            y = librosa.resample(y, orig_sr=native_sr, target_sr=self.config.sr).astype(np.float32, copy=False)
        if y.size < self.config.n_fft:  # a very short file: pad so one analysis frame exists
            y = np.pad(y, (0, self.config.n_fft - y.size))
        if float(np.std(y, dtype=np.float64)) < SILENCE_PEAK:  # a near-silent stretch kept as an utterance:
            y = y + np.float32(2 * SILENCE_PEAK) * np.sin(np.arange(y.size, dtype=np.float32))  # sd above the floor
        with one_blas_thread():
            feats, graph = extract_all(
                y, config=self.feature_config, image_size=self.config.image_size if self.config.uses_graphs else None,
                graph_scale=self.config.graph_scale,
            )
        return feats, graph, real_frames(len(y), self.feature_config)

    def _utterance_inputs(self, y: np.ndarray, native_sr: int, name: str) -> tuple[Any, Any]:
        feats, graph, length = self._raw_inputs(y, native_sr)
        if graph is not None and self.config.graph_norm == "standard":  # as prepare() scaled the training graphs
            graph = standardize_graphs(graph[None])[0]
        if graph is not None and self._own is not None:  # graph_norm="speaker": the recording's own statistics
            graph = self._own.graph(graph)
        if not self.config.uses_features:
            return None, graph
        if self._own is not None:  # normalization="speaker": the recording's own statistics
            feats = self._own.features(feats)
        if self.scaler is not None:
            feats = self.scaler.transform(feats).astype(np.float32, copy=False)
        if self.config.mask_padding:
            feats[length:] = 0.0
        return feats, graph

    # -- a recording ---------------------------------------------------------------------------
    def predict(self, path_or_array: Any, *, sr: int | None = None, speaker: str | None = None) -> dict[str, Any]:
        """Classify every utterance of a recording in its context; summarise the whole file.

        Parameters
        ----------
        path_or_array : str, path-like or np.ndarray [shape=(n,) or (n, channels), float]
            An audio file (any format, rate, channel count and length soundfile reads) or samples.
        sr : int, optional
            The samples' rate in Hz; required with an array, not allowed with a file.
        speaker : str, optional
            Who speaks: a speaker-normalised model then scales by everything this speaker said in
            this Predictor's earlier calls too (:class:`~affacrnn.inference.own_statistics.SpeakerMemory`).

        Returns
        -------
        dict
            ``file`` (str or None), ``duration`` (s), ``sr`` (the input's rate), ``model``,
            ``classes``, ``utterances`` — a list of ``{"index", "start", "end", "sentiment",
            "probabilities": {class: p}, "context": [i-1, i, i+1], "attention": [α…]}`` (times in
            s; probabilities sum to 1; ``attention[j]`` is the weight of ``context[j]``, they sum
            to 1) — and ``summary``: ``sentiment`` (argmax of ``probabilities``, the
            duration-weighted mean of the utterances'), ``majority`` (the most frequent utterance
            class, ties to the longer total), ``counts``, ``n_utterances``, ``speech_seconds``;
            ``notes``: one-line warnings (a speaker-normalised model on too little speech).

        Raises
        ------
        AudioError
            Missing, undecodable, empty, silent or non-finite audio (message names the file).
        ParameterError
            ``sr`` missing with an array or given with a file.
        """
        if isinstance(path_or_array, (str, os.PathLike)):
            if sr is not None:
                raise ParameterError(
                    f"`sr` is only for sample arrays; got sr={sr!r} with a file (its rate is read from the file). Drop sr."
                )
            source = FileSource(path_or_array)
        else:
            source = ArraySource(path_or_array, sr)
        try:
            spans = split_source(source, config=self.config, **self.segmentation)
            n = len(spans)
            windows = session_windows(n, self.config.context)
            self._own = None
            if needs_own_statistics(self.config):  # one speaker per recording: its statistics first
                cfg = self.config
                memory = None if speaker is None else self.speakers.setdefault(str(speaker), SpeakerMemory())
                self._own = recording_statistics(
                    (self._raw_inputs(source.read(int(s), int(e)), source.samplerate) for s, e in spans), memory=memory,
                    features=cfg.uses_features and cfg.normalization == "speaker",
                    graphs=cfg.uses_graphs and cfg.graph_norm == "speaker",
                    seconds=float((spans[:, 1] - spans[:, 0]).sum()) / source.samplerate,
                    prior=None if getattr(self.scaler, "speaker_mean_", None) is None else
                    (self.scaler.speaker_mean_, self.scaler.speaker_sd_))
            run = self._run_split if self.split else self._run_whole
            probs, alpha = run(source, spans, windows)
        finally:
            source.close()
        return self._result(source, spans, windows, probs, alpha)

    def _inputs_of(self, source, spans, i0: int, i1: int) -> list[np.ndarray]:
        """Stacked model inputs ``[features (k, T, D)], [graphs (k, S, S, 1)]`` of utterances i0..i1-1."""
        pairs = [self._utterance_inputs(source.read(int(s), int(e)), source.samplerate, source.name) for s, e in spans[i0:i1]]
        out = []
        if self.config.uses_features:
            out.append(np.stack([p[0] for p in pairs]))
        if self.config.uses_graphs:
            out.append(np.stack([p[1] for p in pairs])[..., None])
        return out

    def _run_split(self, source, spans, windows):
        n = len(spans)
        encoded: list[np.ndarray] = []
        for r0 in range(0, n, self.batch_size):
            r1 = min(r0 + self.batch_size, n)
            size = bucket_size(r1 - r0, self.batch_size)
            out = self._encode([pad_rows(x, size) for x in self._inputs_of(source, spans, r0, r1)])
            if not encoded:
                encoded = [np.empty((n, *v.shape[1:]), dtype=np.float32) for v in out]
            for e, v in zip(encoded, out):
                e[r0:r1] = v[: r1 - r0]
        probs, alpha = [], []
        for b0 in range(0, n, CONTEXT_BATCH):
            w = windows[b0 : b0 + CONTEXT_BATCH]
            size = bucket_size(len(w), CONTEXT_BATCH)
            p, a = self._context([pad_rows(e[w], size) for e in encoded])
            probs.append(p[: len(w)])
            alpha.append(a[: len(w)])
        return np.concatenate(probs), np.concatenate(alpha)

    def _run_whole(self, source, spans, windows):
        """Whole network on windows of raw inputs; holds only a batch's utterances (and context)."""
        n = len(spans)
        half = self.config.context // 2
        cache: dict[int, list[np.ndarray]] = {}
        next_read = 0
        probs, alpha = [], []
        for b0 in range(0, n, self.batch_size):
            b1 = min(b0 + self.batch_size, n)
            need_to = min(b1 - 1 + half, n - 1)
            if next_read <= need_to:
                xs = self._inputs_of(source, spans, next_read, need_to + 1)
                for j in range(next_read, need_to + 1):
                    cache[j] = [x[j - next_read] for x in xs]
                next_read = need_to + 1
            w = windows[b0:b1]
            size = bucket_size(len(w), self.batch_size)
            xs = [np.stack([np.stack([cache[j][k] for j in row]) for row in w]) for k in range(len(self._keys))]
            p, a = self._whole([pad_rows(x, size) for x in xs])
            probs.append(p[: len(w)])
            alpha.append(a[: len(w)])
            for j in [j for j in cache if j < b1 - half]:  # no later window needs them
                del cache[j]
        return np.concatenate(probs), np.concatenate(alpha)

    def _result(self, source, spans, windows, probs, alpha) -> dict[str, Any]:
        sr = source.samplerate
        probs = probs / probs.sum(axis=1, keepdims=True)
        alpha = alpha / alpha.sum(axis=1, keepdims=True)
        utterances = []
        labels = []
        for i, (s, e) in enumerate(spans):
            k = int(np.argmax(probs[i]))
            labels.append(self.classes[k])
            utterances.append(
                {
                    "index": i,
                    "start": round(float(s) / sr, 3),
                    "end": round(float(e) / sr, 3),
                    "sentiment": self.classes[k],
                    "probabilities": {c: float(probs[i, j]) for j, c in enumerate(self.classes)},
                    "context": [int(j) for j in windows[i]],
                    "attention": [float(v) for v in alpha[i]],
                }
            )
        durations = (spans[:, 1] - spans[:, 0]).astype(np.float64) / sr
        mean = (probs * durations[:, None]).sum(axis=0) / durations.sum()
        counts = Counter(labels)
        by_time = Counter()
        for lab, d in zip(labels, durations):
            by_time[lab] += d
        majority = max(counts, key=lambda c: (counts[c], by_time[c]))
        summary = {
            "sentiment": self.classes[int(np.argmax(mean))],
            "probabilities": {c: float(mean[j]) for j, c in enumerate(self.classes)},
            "majority": majority,
            "counts": {c: int(counts.get(c, 0)) for c in self.classes},
            "n_utterances": int(len(spans)),
            "speech_seconds": round(float(durations.sum()), 3),
        }
        return {
            "file": str(source.path) if isinstance(source, FileSource) else None,
            "duration": round(source.frames / sr, 3),
            "sr": int(sr),
            "model": {"path": str(self.path), "name": self.config.name, "architecture": self.config.model_name},
            "classes": list(self.classes),
            "utterances": utterances,
            "summary": summary,
            "notes": [n for n in (self._own.note() if self._own is not None else None,) if n],
        }


def predict(path_or_array: Any, *, model: "str | os.PathLike | Predictor", sr: int | None = None) -> dict[str, Any]:
    """Sentiment of every utterance of a recording, and of the whole (paper §3; see module doc).

    Parameters
    ----------
    path_or_array : str, path-like or np.ndarray [shape=(n,) or (n, channels), float]
        An audio file of any format, rate, channel count and length, or samples (with ``sr``).
    model : str, path-like or Predictor
        A ``.keras`` file from ``affacrnn train`` (or its ``--out`` folder), or a
        :class:`Predictor` that already loaded one (much faster for many calls).
    sr : int, optional
        Rate of an array input in Hz.

    Returns
    -------
    dict
        As :meth:`Predictor.predict`.

    Raises
    ------
    ModelError, AudioError, ParameterError
        A missing, corrupt, unsafe or inconsistent model file; bad audio or arguments.

    Examples
    --------
    >>> out = predict("clip.wav", model="models/cpu/model.keras")  # doctest: +SKIP
    >>> out["summary"]["sentiment"], [u["sentiment"] for u in out["utterances"]]  # doctest: +SKIP
    ('negative', ['negative', 'neutral', 'negative'])
    """
    predictor = model if isinstance(model, Predictor) else Predictor(model)
    return predictor.predict(path_or_array, sr=sr)
