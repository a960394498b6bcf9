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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from affacrnn.data.labels import SCHEMES, LabelScheme
from affacrnn.errors import ParameterError
from affacrnn.features.perturb import check_perturbations
from affacrnn.features.frames import PAPER_FEATURES, FeatureConfig, n_columns, normalize_feature_set
from affacrnn.models.choices import (ARCHITECTURES, ATTENTIONS, CONSTRAINTS, GRAPH_NORMS, GRAPH_SCALES,
                                     MODEL_NAMES, MONITORS, NORMALIZATIONS, OPTIMIZERS, RECURRENT_KINDS, TRAININGS,
                                     UTTERANCE_ENCODERS)
from affacrnn.models.cnn_zoo import CNN_ZOO

__all__ = ["AFFConfig", "ARCHITECTURES", "RECURRENT_KINDS", "OPTIMIZERS", "MODEL_NAMES", "MONITORS",
           "NORMALIZATIONS", "GRAPH_NORMS", "GRAPH_SCALES", "TRAININGS", "ATTENTIONS", "UTTERANCE_ENCODERS"]


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
    perturb : tuple of str
        Perturbed copies of the training recordings added to training, one per tag: ``"speed0.9"``,
        ``"noise20"``... (empty: none, the paper's; :mod:`affacrnn.features.perturb`).
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
    run_eagerly : bool
        Keras's ``run_eagerly``: run each training and prediction step as Python instead of a traced
        graph. How the numbers are computed, not which: over two epochs the same seed gives the same
        model to about 1e-6 either way. Tracing costs seconds per model and stage; a graph's steps are
        then faster, and an eager LSTM steps through every frame in Python. So eager pays only for a
        few steps of small models (``SMOKE``, two epochs; ``benchmarks/smoke_eager.py``) and the graph
        for everything else (False, the default). Left out of a fold task's key (:mod:`reproduction.crossval`).

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
    perturb: tuple[str, ...] = ()
    training: str = "staged"
    attention: str = "shared"
    val_size: float = 0.15
    test_size: float = 0.2
    seed: int = 0
    run_eagerly: bool = False

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:
        # Lists (from JSON or a CLI) become tuples so configs hash; feature names go to the
        # canonical column order of affacrnn.features.frames (a comma-separated string is accepted too).
        for name in ("lstm_units", "perturb"):
            if isinstance(getattr(self, name), list):
                object.__setattr__(self, name, tuple(getattr(self, name)))
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
        check_perturbations(self.perturb)
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
