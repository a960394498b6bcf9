"""All hyperparameters of an AFF-ACRNN run in one frozen dataclass (paper §3 and §4).

:class:`AFFConfig` holds every number and name a run can vary: which features and how many frames (the
UB-BiLSTM input, §4 "Network structure parameter"), how large the spectrum graphs are (the SBCNN input), the
layer sizes of both branches and of the fusion, and the training settings. The presets in
:mod:`affacrnn.models.presets` (``PAPER``, ``CPU``, ``SMOKE``) are instances of it; the command line's flags
map one-to-one onto its fields.

Constructing a config validates it: a bad value raises :class:`~affacrnn.ParameterError` with a one-line
message naming the field, the rule, the value and the fix. Configs are immutable; derive a new one with
:meth:`AFFConfig.replace`, store one with :meth:`AFFConfig.to_dict` (plain JSON types) and read it back with
:meth:`AFFConfig.from_dict`.

Which settings come from the paper and which are ours
-----------------------------------------------------
From §4: the four features (256 × 33 matrix), hop 512 at 22050 Hz, AFF1 = BiLSTM 128 → BiLSTM 32
→ Dense 200, 512 × 512 graphs into ResNet152, Adam or SGD, lr 1e-4 / 200 epochs / batch 30 for the
LSTM branch, lr 1e-3 / 200 epochs / batch 20 for the CNN branch. Not in the paper (our choices,
documented on each field): the sizes of the AFF2, CNN-branch and fusion BiLSTMs, the attention
size, the dropout rate, the CNN projection size, the fusion model's learning rate and batch size,
early stopping and the validation split.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from affacrnn.data.labels import SCHEMES, LabelScheme
from affacrnn.errors import ParameterError
from affacrnn.features.frames import PAPER_FEATURES, FeatureConfig, n_columns, normalize_feature_set
from affacrnn.features.spectrogram import GRAPH_SCALES
from affacrnn.models.cnn_zoo import CNN_ZOO

__all__ = ["AFFConfig", "ARCHITECTURES", "RECURRENT_KINDS", "OPTIMIZERS", "MODEL_NAMES", "MONITORS",
           "NORMALIZATIONS", "GRAPH_NORMS", "GRAPH_SCALES", "TRAININGS", "ATTENTIONS", "UTTERANCE_ENCODERS"]

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
    in) make the one-line message ``\`name\` must be RULE; got VALUE. FIX``.
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


@dataclass(frozen=True)
class AFFConfig:
    """Every hyperparameter of an AFF-ACRNN model and its training run (paper §3, §4).

    Parameters
    ----------
    name : str
        A label for the run or preset (``"paper"``, ``"cpu"``, ``"smoke"``, ``"custom"``).
    architecture : {"ub", "sbcnn", "affacrnn"}
        Which model :func:`~affacrnn.models.build_model` builds (§3, Figures 1–3).
    recurrent : {"bilstm", "lstm"}
        Cell of every recurrent layer. ``architecture="ub", recurrent="lstm"`` is the paper's
        UB-LSTM (Table 2).
    corpus : str
        Corpus name or path for :func:`affacrnn.load_corpus` (MOSI audio cannot be had here, so
        every preset trains on RAVDESS, its stand-in).
    label_scheme : str
        A scheme of :data:`affacrnn.data.labels.SCHEMES` (``"sentiment3"``, ``"mosi2"``, ...).
    n_classes : int or None
        Number of classes; ``None`` takes it from the label scheme.
    features : tuple of str
        Feature types of the UB branch, in column order (§4: MFCC, centroid, chroma, contrast).
    sr, n_fft, hop_length : int
        Sample rate (Hz), FFT size and hop (samples) for features and spectrum graphs.
    n_frames : int
        Frames per utterance: the feature matrix is ``(n_frames, D)`` (§4: 256).
    image_size : int
        Side of the square spectrum graph in pixels (§4: 512).
    context : int
        Utterances per window, odd; the target sits in the middle slot ``context // 2`` (§3: 3).
    lstm_units : tuple of int
        Units of AFF1's stacked recurrent layers, per direction (§4: 128 then 32).
    dense_units : int
        AFF1's dense layer: the size of one utterance's vector v_i (§4: 200).
    context_units : int
        AFF2's recurrent layer over the window, per direction (not in the paper).
    cnn : str
        SBCNN network, a name of :data:`affacrnn.models.CNN_ZOO` (§4: ``"resnet152"``).
    cnn_weights : str or None
        Path of a local weights file for the CNN (e.g. ImageNet ``..._notop.h5``); ``None``
        trains from random initialisation (no weights can be downloaded offline).
    cnn_embedding : int
        Dense projection of the CNN's pooled output, one vector per utterance (not in the paper).
    cnn_context_units : int
        The CNN branch's recurrent layer across the window, per direction (not in the paper).
    fusion_units : int
        The fusion recurrent layer over [LASV; CASV] per utterance, per direction (not in the paper).
    attention_units : int
        Size of the attention projection ``P = tanh(W_h·H)`` (not in the paper).
    dropout : float
        Dropout rate in [0, 1) before the softmax layer (§3, Figure 2; rate not in the paper).
    optimizer : {"adam", "sgd"}
        §4: "Adam or SGD".
    sgd_momentum : float
        Momentum of SGD (ignored by Adam).
    lr_lstm, lr_cnn, lr_fusion : float
        Learning rates of the UB, SBCNN and fused models (§4: 1e-4 and 1e-3; fusion not given).
    batch_size_lstm, batch_size_cnn, batch_size_fusion : int
        Batch sizes of the same three (§4: 30 and 20; fusion not given).
    epochs : int
        Maximum training epochs (§4: 200).
    patience : int
        Early stopping patience on the ``monitor`` score, in epochs; 0 turns it off (the paper
        trained a fixed 200 epochs).
    monitor : {"val_macro_f1", "val_balanced_accuracy", "val_accuracy", "val_loss"}
        The validation score that chooses the epoch whose weights are kept (and stops early).
        Macro-F1 by default, which agrees with the class-weighted loss (plain accuracy rewards
        the majority class the weights discount). Never a test score.
    min_delta : float
        Smallest rise of ``monitor`` that counts as progress for early stopping.
    mask_padding : bool
        AFF1 reads each utterance's real frames only (a ``Masking`` layer over zeroed padding);
        the scaler is fitted on real frames. False is the prototype's way (padding read as frames).
    normalization : {"global", "speaker", "corpus"}
        ``"global"`` (the paper's): one scaler fitted on the training rows only. ``"speaker"``
        first z-scores each speaker's features by that speaker's own real-frame statistics
        (label-free, so it also applies to test speakers and unseen corpora; not in the paper);
        ``"corpus"`` does so per corpus (for cross-corpus tests).
    graph_norm : {"minmax", "standard", "speaker"}
        Spectrum graphs in [0, 1] (default), standardised per graph, or each frequency row by its
        speaker's own statistics (a served recording: its own; the last two not in the paper).
    graph_scale : {"linear", "mel"}
        Frequency axis of the spectrum graphs: linear (the paper's figure) or ``image_size`` mel
        bands (not in the paper; :func:`affacrnn.features.spectrogram.spectrum_graph`).
    encoder_dropout : float
        Dropout after each of AFF1's recurrent layers (0: none, the paper's; not in the paper).
    utterance_encoder : {"recurrent", "statistics", "attentive"}
        AFF1's reading of the frames: the last recurrent state (the paper's), the mean and sd of
        the frames (no recurrent layer), or attentive statistics over the recurrent states.
    spec_augment : float
        In training, mask one random band of frames and one of columns of each feature matrix
        (and of rows and columns of each graph), each up to this fraction wide (0: none; not in
        the paper; :mod:`affacrnn.models.augment`).
    weight_decay : float
        Decoupled weight decay of the optimizer (AdamW-style; 0: none, the paper's).
    mixup : float
        Beta(α, α) of mixup in the branches' training: pairs of windows mixed, their losses weighted
        (0: none, the paper's; :class:`affacrnn.models.batches.WindowBatches`).
    training : {"staged", "end_to_end"}
        ``"staged"`` (the paper's, §3): train each branch with its own attention, then the fusion
        on the frozen branches' per-utterance vectors. ``"end_to_end"``: the whole fused model at
        once. Only the fused architecture has stages.
    attention : {"shared", "per_position"}
        In staged fusion, each window slot's branch vector comes from one attention network
        shared by all slots, or from one network per slot (the paper's W_h[x], w[x]).
    val_size, test_size : float
        Fractions of speakers held out for validation and test (:func:`affacrnn.data.splits.speaker_split`).
    seed : int
        Seed for weights, shuffling and splits (``keras.utils.set_random_seed``).

    Raises
    ------
    ParameterError
        On construction, if any field is malformed or out of range.

    See Also
    --------
    affacrnn.models.presets : the ``PAPER``, ``CPU`` and ``SMOKE`` instances.
    affacrnn.models.build_model : builds and compiles the model a config describes.

    Examples
    --------
    >>> from affacrnn.models.config import AFFConfig
    >>> cfg = AFFConfig(n_frames=64, image_size=64)
    >>> cfg.replace(architecture="ub").model_name
    'UB-BiLSTM'
    """

    name: str = "custom"
    architecture: str = "affacrnn"
    recurrent: str = "bilstm"
    corpus: str = "ravdess"
    label_scheme: str = "sentiment3"
    n_classes: int | None = None
    # -- inputs (§4) --
    features: tuple[str, ...] = PAPER_FEATURES
    sr: int = 22050
    n_fft: int = 2048
    hop_length: int = 512
    n_frames: int = 256
    image_size: int = 512
    context: int = 3
    # -- UB-BiLSTM branch (§3 Figure 2, §4) --
    lstm_units: tuple[int, ...] = (128, 32)
    dense_units: int = 200
    context_units: int = 64
    # -- SBCNN branch (§3 Figure 3, §4) --
    cnn: str = "resnet152"
    cnn_weights: str | None = None
    cnn_embedding: int = 200
    cnn_context_units: int = 64
    # -- fusion and attention (§3 "Fusion Layers", attention equations) --
    fusion_units: int = 64
    attention_units: int = 64
    dropout: float = 0.3
    # -- training (§4) --
    optimizer: str = "adam"
    sgd_momentum: float = 0.9
    lr_lstm: float = 1e-4
    lr_cnn: float = 1e-3
    lr_fusion: float = 1e-4
    batch_size_lstm: int = 30
    batch_size_cnn: int = 20
    batch_size_fusion: int = 20
    epochs: int = 200
    patience: int = 0
    monitor: str = "val_macro_f1"
    min_delta: float = 0.0
    mask_padding: bool = True
    normalization: str = "global"
    graph_norm: str = "minmax"
    graph_scale: str = "linear"
    encoder_dropout: float = 0.0
    utterance_encoder: str = "recurrent"
    spec_augment: float = 0.0
    weight_decay: float = 0.0
    mixup: float = 0.0
    training: str = "staged"
    attention: str = "shared"
    val_size: float = 0.15
    test_size: float = 0.2
    seed: int = 0

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:
        # Lists (from JSON or a CLI) become tuples so configs hash; feature names go to the
        # canonical column order of affacrnn.features.frames (a comma-separated string is accepted too).
        if isinstance(self.lstm_units, list):
            object.__setattr__(self, "lstm_units", tuple(self.lstm_units))
        object.__setattr__(self, "features", normalize_feature_set(self.features, repeats=False))
        self.validate()

    def validate(self) -> "AFFConfig":
        """Check every field; return ``self`` or raise :class:`~affacrnn.ParameterError`.

        Called on construction, so a config that exists is valid: the rules of :data:`CONSTRAINTS`,
        then the feature extractor's own checks and the registries (CNN zoo, label schemes).
        """
        for c in CONSTRAINTS:
            for name in c.fields:
                value = getattr(self, name)
                if not c.ok(value, self):
                    rule = c.rule(self) if callable(c.rule) else c.rule
                    fix = c.fix.format(name=name, default=_DEFAULTS.get(name))
                    raise ParameterError(f"`{name}` must be {rule}; got {value!r}. {fix}")
        self.feature_config()  # the feature extractor's own checks (e.g. n_fft even, sr >= 1000)
        self._validate_names()
        return self

    def _validate_names(self) -> None:
        """Checks against other modules' registries (CNN zoo, label schemes)."""
        if self.cnn not in CNN_ZOO:
            raise ParameterError(f"`cnn` must be one of {', '.join(CNN_ZOO)}; got {self.cnn!r}. "
                                 "Pass e.g. cnn='small' (CPU) or 'resnet152' (paper).")
        if self.label_scheme not in SCHEMES:
            raise ParameterError(f"`label_scheme` must be one of {', '.join(SCHEMES)}; got {self.label_scheme!r}. "
                                 "Pass one of these names.")

    # ------------------------------------------------------------------ derived values
    def check_run(self) -> "AFFConfig":
        """Refuse, before a training run, what it cannot use: ``n_classes`` other than its scheme's, or a
        ``cnn_weights`` file that is not there (not in :meth:`validate`: a trained model's config keeps
        the path, loading it elsewhere needs no weights, and a network built on other labels may
        set ``n_classes`` freely)."""
        n_scheme = self.scheme.n_classes
        if self.n_classes is not None and self.n_classes != n_scheme:
            raise ParameterError(f"`n_classes` is {self.n_classes}, but the label scheme {self.label_scheme!r} has "
                                 f"{n_scheme} classes. Leave n_classes out (it follows the scheme), or pick a scheme "
                                 "with that many classes.")
        if self.cnn_weights is not None and self.uses_graphs and not Path(self.cnn_weights).expanduser().is_file():
            raise ParameterError(f"`cnn_weights` {self.cnn_weights!r} is not a file. Pass the path of a local "
                                 ".h5/.weights.h5 file, or leave it out for random initialisation.")
        return self

    @property
    def scheme(self) -> LabelScheme:
        """The label scheme, resolved once here for every layer below the command line."""
        return SCHEMES[self.label_scheme]

    @property
    def target_index(self) -> int:
        """Slot of the target utterance in a window: the middle, ``context // 2``."""
        return self.context // 2

    @property
    def model_name(self) -> str:
        """The paper's name for this model (``"UB-BiLSTM"``, ``"SBCNN"``, ``"AFF-ACRNN"``, ...)."""
        return MODEL_NAMES[(self.architecture, self.recurrent)]

    @property
    def learning_rate(self) -> float:
        """The learning rate of :attr:`architecture`: ``lr_lstm``, ``lr_cnn`` or ``lr_fusion``."""
        return {"ub": self.lr_lstm, "sbcnn": self.lr_cnn, "affacrnn": self.lr_fusion}[self.architecture]

    @property
    def batch_size(self) -> int:
        """The batch size of :attr:`architecture`: ``batch_size_lstm``, ``_cnn`` or ``_fusion``."""
        return {"ub": self.batch_size_lstm, "sbcnn": self.batch_size_cnn, "affacrnn": self.batch_size_fusion}[
            self.architecture
        ]

    @property
    def uses_features(self) -> bool:
        """Whether the model reads the ``"features"`` input (UB branch)."""
        return self.architecture in ("ub", "affacrnn")

    @property
    def uses_graphs(self) -> bool:
        """Whether the model reads the ``"graphs"`` input (SBCNN branch)."""
        return self.architecture in ("sbcnn", "affacrnn")

    def n_feature_columns(self) -> int:
        """Columns D of the feature matrix, from :func:`affacrnn.features.frames.n_columns`."""
        return int(n_columns(self.features))

    def feature_config(self):
        """The :class:`affacrnn.features.frames.FeatureConfig` (sr, n_fft, hop_length, n_frames, features) of these settings."""
        return FeatureConfig(sr=self.sr, n_fft=self.n_fft, hop_length=self.hop_length, n_frames=self.n_frames,
                             features=self.features)

    # ------------------------------------------------------------------ copies and JSON
    def replace(self, **changes: Any) -> "AFFConfig":
        """A validated copy with ``changes`` applied; unknown field names raise ParameterError."""
        unknown = sorted(set(changes) - set(_FIELDS))
        if unknown:
            raise ParameterError(
                f"AFFConfig has no field {', '.join(map(repr, unknown))}; valid fields: {', '.join(_FIELDS)}. "
                "Check the spelling."
            )
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types (tuples become lists): ``json.dumps(cfg.to_dict())`` works."""
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "AFFConfig":
        """Rebuild a config from :meth:`to_dict` output (or parsed JSON); validates it.

        Raises
        ------
        ParameterError
            If ``data`` is not a mapping, has unknown keys, or a value is invalid.
        """
        if not isinstance(data, Mapping):
            raise ParameterError(f"`data` must be a mapping of AFFConfig fields; got {type(data).__name__}. Pass cfg.to_dict().")
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise ParameterError(
                f"AFFConfig has no field {', '.join(map(repr, unknown))}; valid fields: {', '.join(_FIELDS)}. "
                "The file may come from another version of affacrnn."
            )
        return cls(**dict(data))

    def to_json(self, **kwargs: Any) -> str:
        """JSON text of :meth:`to_dict` (``kwargs`` go to :func:`json.dumps`)."""
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_json(cls, text: str) -> "AFFConfig":
        """Inverse of :meth:`to_json`."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParameterError(f"config JSON cannot be parsed ({exc}). Pass the text written by to_json().") from None
        return cls.from_dict(data)


_FIELDS = tuple(f.name for f in dataclasses.fields(AFFConfig))
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(AFFConfig)}
