"""The names and ranges every field of :class:`~affacrnn.models.config.AFFConfig` may take, and its rules.

Each rule of :data:`CONSTRAINTS` pairs fields with a check, the rule in words and the fix, so a bad
value gets the one-line message "`name` must be RULE; got VALUE. FIX". The choices
(:data:`ARCHITECTURES`, :data:`NORMALIZATIONS`, ...) are the values the command line and the
chapters offer.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

from affacrnn.features.spectrogram import GRAPH_SCALES

__all__ = ["ARCHITECTURES", "RECURRENT_KINDS", "OPTIMIZERS", "MODEL_NAMES", "MONITORS", "NORMALIZATIONS",
           "GRAPH_NORMS", "GRAPH_SCALES", "TRAININGS", "ATTENTIONS", "UTTERANCE_ENCODERS", "MAX_SEED", "MAX_FRAMES",
           "MAX_IMAGE_SIZE", "Constraint", "CONSTRAINTS"]

#: Model kinds :func:`affacrnn.models.build_model` can build (paper §3):
#: ``"ub"`` the utterance-based branch alone (UB-BiLSTM, or UB-LSTM with ``recurrent="lstm"``),
#: ``"sbcnn"`` the spectrum-based CNN branch alone, ``"affacrnn"`` both branches fused.
ARCHITECTURES = ("ub", "sbcnn", "affacrnn")
#: Recurrent cell of every recurrent layer: bidirectional LSTM (the paper's choice) or plain LSTM
#: (the paper's Table 2 comparison).
RECURRENT_KINDS = ("bilstm", "lstm")
OPTIMIZERS = ("adam", "sgd")
#: Readable names of (architecture, recurrent), as the paper writes them.
MODEL_NAMES = {("ub", "bilstm"): "UB-BiLSTM", ("ub", "lstm"): "UB-LSTM", ("sbcnn", "bilstm"): "SBCNN",
               ("sbcnn", "lstm"): "SBCNN (LSTM)", ("affacrnn", "bilstm"): "AFF-ACRNN",
               ("affacrnn", "lstm"): "AFF-ACRNN (LSTM)"}

def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


#: Validation scores that may choose the kept epoch (higher-is-better ones first).
MONITORS = ("val_macro_f1", "val_balanced_accuracy", "val_accuracy", "val_loss")
#: How feature matrices are standardised: one scaler from the training rows, or per speaker / corpus first.
NORMALIZATIONS = ("global", "speaker", "corpus")
#: How spectrum graphs are scaled: into [0, 1] over the graph's dB range, to mean 0 / sd 1, or per speaker.
GRAPH_NORMS = ("minmax", "standard", "speaker")
#: How the fused model is trained: the paper's stages (branches, then fusion) or all at once.
TRAININGS = ("staged", "end_to_end")
#: One attention network shared by every window slot, or one per slot (the paper's W_h[x]).
ATTENTIONS = ("shared", "per_position")
#: AFF1's frames → one vector (:mod:`affacrnn.models.pooling`): last recurrent state, mean and sd, or attentive.
UTTERANCE_ENCODERS = ("recurrent", "statistics", "attentive")

#: Largest seed: NumPy and TensorFlow take 32-bit seeds.
MAX_SEED = 2**32 - 1
#: Largest ``n_frames`` (an hour at hop 512, 22050 Hz); memory is checked by :func:`~affacrnn.features.dataset.prepare`.
MAX_FRAMES = 160_000
#: Largest spectrum graph side (the paper's is 512).
MAX_IMAGE_SIZE = 4096


@dataclasses.dataclass(frozen=True)
class Constraint:
    """One rule of :meth:`AFFConfig.validate`: ``ok(value, config)`` must hold for each of ``fields``.

    ``rule`` (a text, or a function of the config) and ``fix`` (``{name}`` / ``{default}`` filled
    in) make the one-line message "`name` must be RULE; got VALUE. FIX".
    """

    fields: tuple[str, ...]
    ok: Callable[[Any, Any], bool]
    rule: str | Callable[[Any], str]
    fix: str


def _positive_int(fix: str, *names: str) -> Constraint:
    return Constraint(names, lambda v, c: _is_int(v) and v >= 1, "an int >= 1", fix)


def _one_of(name: str, choices: tuple[str, ...], fix: str) -> Constraint:
    return Constraint((name,), lambda v, c: v in choices, f"one of {', '.join(choices)}", fix)


#: Every field's constraint, checked in this order (a declarative table, as scikit-learn's
#: ``_parameter_constraints``; the first broken one is reported).
CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint(("name", "corpus", "label_scheme"), lambda v, c: isinstance(v, str) and bool(v),
               "a non-empty str", "Pass e.g. {name}={default!r}."),
    _one_of("architecture", ARCHITECTURES, "Pass e.g. architecture='affacrnn'."),
    _one_of("recurrent", RECURRENT_KINDS, "Pass 'bilstm' (the paper's) or 'lstm'."),
    _one_of("optimizer", OPTIMIZERS, "Pass 'adam' or 'sgd' (paper §4)."),
    _one_of("monitor", MONITORS, "Pass 'val_macro_f1' (default) or another validation score."),
    _one_of("normalization", NORMALIZATIONS, "Pass 'global' (the paper's), 'speaker' or 'corpus'."),
    _one_of("graph_norm", GRAPH_NORMS, "Pass 'minmax' (default), 'standard' or 'speaker'."),
    _one_of("graph_scale", GRAPH_SCALES, "Pass 'linear' (the paper's) or 'mel'."),
    _one_of("training", TRAININGS, "Pass 'staged' (the paper's) or 'end_to_end'."),
    _one_of("attention", ATTENTIONS, "Pass 'shared' or 'per_position' (the paper's indexing)."),
    _one_of("utterance_encoder", UTTERANCE_ENCODERS, "Pass 'recurrent' (the paper's), 'statistics' or 'attentive'."),
    Constraint(("mask_padding",), lambda v, c: isinstance(v, bool), "True or False",
               "Pass True (read real frames only) or False."),
    Constraint(("run_eagerly",), lambda v, c: isinstance(v, bool), "True or False",
               "Pass False (traced graphs, the default) or True (eager steps, for tiny runs)."),
    Constraint(("min_delta",), lambda v, c: _is_num(v) and 0 <= v < 1, "a float in [0, 1)", "Pass e.g. 0.002."),
    Constraint(("n_classes",), lambda v, c: v is None or (_is_int(v) and v >= 2), "None or an int >= 2",
               "Pass None to take it from the label scheme."),
    _positive_int("Pass a sample rate in Hz, e.g. 22050.", "sr"),
    _positive_int("Pass an FFT size, e.g. 2048.", "n_fft"),
    _positive_int("Pass a hop in samples, e.g. 512.", "hop_length"),
    _positive_int("Pass a positive number of frames.", "n_frames"),
    _positive_int("Pass a graph side in pixels, e.g. 128.", "image_size"),
    _positive_int("Pass a positive layer size, e.g. 200.", "dense_units"),
    _positive_int("Pass a positive layer size, e.g. 64.", "context_units"),
    _positive_int("Pass a positive vector size, e.g. 200.", "cnn_embedding"),
    _positive_int("Pass a positive layer size, e.g. 64.", "cnn_context_units", "fusion_units", "attention_units"),
    _positive_int("Pass a positive batch size, e.g. 30.", "batch_size_lstm"),
    _positive_int("Pass a positive batch size, e.g. 20.", "batch_size_cnn", "batch_size_fusion"),
    _positive_int("Pass a positive number of epochs.", "epochs"),
    Constraint(("hop_length",), lambda v, c: v <= c.n_fft, lambda c: f"<= n_fft ({c.n_fft})",
               "Pass a hop no longer than the FFT, e.g. n_fft // 4."),
    Constraint(("image_size",), lambda v, c: v >= 8, "an int >= 8", "Pass a graph side of at least 8 pixels, e.g. 32."),
    Constraint(("context",), lambda v, c: _is_int(v) and v >= 1 and v % 2 == 1, "an odd int >= 1",
               "Pass 3 (the paper's three consecutive utterances)."),
    Constraint(("patience", "seed"), lambda v, c: _is_int(v) and v >= 0, "an int >= 0", "Pass 0 or a positive int."),
    Constraint(("seed",), lambda v, c: v <= MAX_SEED, f"an int in [0, {MAX_SEED}]",
               "Pass a smaller seed (NumPy and TensorFlow take 32-bit seeds)."),
    Constraint(("n_frames",), lambda v, c: v <= MAX_FRAMES, f"an int in [1, {MAX_FRAMES}]",
               "Pass e.g. 256 (the paper's frames per utterance)."),
    Constraint(("image_size",), lambda v, c: v <= MAX_IMAGE_SIZE, f"an int in [8, {MAX_IMAGE_SIZE}]",
               "Pass e.g. 512 (the paper's) or 128 (CPU)."),
    Constraint(("lstm_units",), lambda v, c: isinstance(v, tuple) and bool(v) and all(_is_int(u) and u >= 1 for u in v),
               "a non-empty tuple of ints >= 1", "Pass e.g. (128, 32) (paper §4)."),
    Constraint(("dropout", "encoder_dropout", "spec_augment"), lambda v, c: _is_num(v) and 0 <= v < 1,
               "a float in [0, 1)", "Pass e.g. 0.3, or 0 for none."),
    Constraint(("weight_decay",), lambda v, c: _is_num(v) and 0 <= v < 1, "a float in [0, 1)", "Pass e.g. 1e-4, or 0."),
    Constraint(("mixup",), lambda v, c: _is_num(v) and 0 <= v <= 10, "a float in [0, 10]", "Pass e.g. 0.2, or 0."),
    Constraint(("perturb",), lambda v, c: isinstance(v, tuple) and all(isinstance(t, str) for t in v),
               "a tuple of tags", "Pass e.g. ('speed0.9', 'speed1.1'), or () for none."),
    Constraint(("sgd_momentum",), lambda v, c: _is_num(v) and 0 <= v < 1, "a float in [0, 1)", "Pass e.g. 0.9."),
    Constraint(("lr_lstm", "lr_cnn", "lr_fusion"), lambda v, c: _is_num(v) and 0 < v < 1, "a float in (0, 1)",
               "Pass e.g. 1e-4 (paper §4)."),
    Constraint(("val_size", "test_size"), lambda v, c: _is_num(v) and 0 <= v < 1, "a fraction in [0, 1)",
               "Pass e.g. {name}={default}."),
    Constraint(("val_size",), lambda v, c: v + c.test_size < 1, lambda c: f"< 1 - test_size ({1 - c.test_size:g})",
               "Leave some speakers for training."),
    Constraint(("cnn_weights",), lambda v, c: v is None or (isinstance(v, str) and bool(v)), "None or a path string",
               "Pass the path of a local weights file, or None."),
)
