"""The UB-BiLSTM branch, the SBCNN branch and their fusion, AFF-ACRNN (paper §3, Figures 1–3).

Every model reads one *window* of ``C = config.context`` utterances per example (the target in the
middle slot, :func:`affacrnn.data.context.context_windows`) and predicts the target's class. Inputs are
named, so a model is called with a dict:

``"features"`` ``[shape=(batch, C, n_frames, D)]``
    each utterance's acoustic feature matrix (§4: 256 × 33), for the UB branch;
``"graphs"`` ``[shape=(batch, C, image_size, image_size, 1)]``
    each utterance's spectrum graph (§4: 512 × 512), for the SBCNN branch.

The graph of layers, with the names :func:`embedding_model` looks up::

    features ─ aff1 (per utterance, shared: BiLSTM 128 → BiLSTM 32 → Dense 200) ─ aff2 (BiLSTM over C) = LASV ─┐
    graphs ── cnn (per utterance, shared: ResNet152 …) ─ cnn_embedding (Dense) ─ cnn_context (BiLSTM) = CASV ─┤
                                                                                                           │
      single branch (architecture "ub" / "sbcnn"): LASV or CASV ──────────────────────────────┐            │
      fusion, staged (the default): per slot, lasv_attention / casv_attention → *_dropout ──┐ │ ◄──────────┤
      fusion, end to end: [aff2; cnn_context] per utterance ────────────────────────────────┤ │ ◄──────────┘
                                    lasv_casv ─ fusion (BiLSTM over C) ─────────────────────┴─┤
                                                                                              ▼
                                   attention (ContextAttention → h*, α) ─ asv (Dropout) ─ sentiment (softmax)

Design decisions the paper leaves open (documented in the book's model chapter):

* LASV and CASV are kept *per utterance* (``(batch, C, ·)``), as the fusion needs "LASV and CASV
  for each utterance" (§3 "Fusion Layers"). In a single-branch model the attention-weighted,
  dropped-out target vector that enters the softmax is what the paper calls the branch's LASV
  (Figure 2) or CASV; in the fused model it is the ASV. :func:`embedding_model` returns it as
  ``which="asv"`` in every model.
* ``training="staged"`` (default) is the paper's order: each branch is trained alone with its
  own attention and dropout (Figures 2–3), then frozen; every slot x of the window gets the
  branch's attention output with x as the target (one shared attention network, or one per slot
  with ``attention="per_position"``, the paper's W_h[x]), and the fusion BiLSTM + attention is
  trained on those vectors (:func:`build_fusion_head`). ``training="end_to_end"`` is the first
  version's model: the branches' recurrent states fused, one attention on top, all trained at once.
* AFF1 masks padding (``mask_padding``): the scaled padding rows are exactly 0, and the LSTMs skip
  them, so the last state is the one after the utterance's last real frame.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from affacrnn._quiet import import_tensorflow
from affacrnn.models.config import AFFConfig

import_tensorflow()  # before keras: mutes TensorFlow's native start-up logging
import keras  # noqa: E402
from keras import layers

from affacrnn.errors import ParameterError
from affacrnn.models.attention import ContextAttention
from affacrnn.models.augment import BandMasking
from affacrnn.models.cnn_zoo import build_cnn
from affacrnn.models.pooling import AttentiveStatistics, FrameStatistics

if TYPE_CHECKING:
    from affacrnn.models.config import AFFConfig

__all__ = ["build_model", "build_context_stage", "build_utterance_encoder", "build_fusion_head", "branch_state_size", "copy_weights",
           "embedding_model", "EMBEDDINGS", "make_optimizer"]

#: ``which`` → (layer name, output index or None, what it is). See :func:`embedding_model`.
EMBEDDINGS = {
    "lasv": ("aff2", None, "per-utterance LASV, (batch, C, d): AFF2's recurrent states (UB branch)"),
    "casv": ("cnn_context", None, "per-utterance CASV, (batch, C, d): the CNN branch's recurrent states"),
    "asv": ("asv", None, "the target's vector entering the softmax, (batch, d): ASV (fusion), else LASV/CASV"),
    "attention": ("attention", 1, "attention weights α over the window, (batch, C); rows sum to 1"),
}


def _recurrent(units: int, kind: str, *, return_sequences: bool, name: str):
    """A recurrent layer: ``Bidirectional(LSTM)`` (output 2·units) or ``LSTM`` (output units)."""
    if kind == "bilstm":
        return layers.Bidirectional(layers.LSTM(units, return_sequences=return_sequences), name=name)
    return layers.LSTM(units, return_sequences=return_sequences, name=name)


def build_utterance_encoder(config: "AFFConfig", *, n_columns: int) -> keras.Model:
    """AFF1: one utterance's feature matrix → one vector v_i (paper §3 "LSTM Layers", §4).

    Parameters
    ----------
    config : AFFConfig
        Uses ``n_frames``, ``lstm_units`` (§4: 128, 32), ``dense_units`` (§4: 200), ``recurrent``,
        ``mask_padding``, ``encoder_dropout`` and ``utterance_encoder`` (the paper's last
        recurrent state, or :mod:`affacrnn.models.pooling`'s statistics of the frames).
    n_columns : int
        Feature columns D (§4: 33).

    Returns
    -------
    keras.Model
        Named ``"aff1"``: ``[shape=(batch, n_frames, D)]`` → ``[shape=(batch, dense_units)]``.
    """
    # with masking, any number of frames (training crops batches to their real lengths)
    frames = None if config.mask_padding else config.n_frames
    inp = keras.Input(shape=(frames, n_columns), name="utterance_features")
    # Padding rows are exactly 0 after scaling (affacrnn.features.normalize.zero_padding): the
    # mask makes every LSTM skip them, so the last LSTM's state is the one after the last real frame.
    x = layers.Masking(mask_value=0.0, name="aff1_mask")(inp) if config.mask_padding else inp
    if config.utterance_encoder == "statistics":  # no recurrent layer: [mean; sd] of the real frames
        x = FrameStatistics(name="aff1_statistics")(x)
    else:
        for i, units in enumerate(config.lstm_units, start=1):
            last = i == len(config.lstm_units) and config.utterance_encoder == "recurrent"
            x = _recurrent(units, config.recurrent, return_sequences=not last, name=f"aff1_rnn{i}")(x)
            if config.encoder_dropout > 0:  # an option beyond the paper; at 0 the network is the paper's
                x = layers.Dropout(config.encoder_dropout, name=f"aff1_dropout{i}")(x)
        if config.utterance_encoder == "attentive":
            x = AttentiveStatistics(config.attention_units, name="aff1_attentive")(x)
    x = layers.Dense(config.dense_units, activation="relu", name="aff1_dense")(x)
    return keras.Model(inp, x, name="aff1")


def _ub_branch(features, config: "AFFConfig", *, n_columns: int, windows=None):
    encoder = build_utterance_encoder(config, n_columns=n_columns)
    if windows is None:
        v = layers.TimeDistributed(encoder, name="aff1")(features)  # (batch, C, dense_units)
    else:  # indexed (training): each distinct utterance of the batch encoded once, then gathered into windows
        if config.spec_augment > 0:  # frames and columns of each matrix; acts in training only
            features = BandMasking(config.spec_augment, axes=(1, 2), seed=config.seed, name="aff1_augment")(features)
        v = keras.ops.take(encoder(features), windows, axis=0)
    return _recurrent(config.context_units, config.recurrent, return_sequences=True, name="aff2")(v)


def _cnn_branch(graphs, config: "AFFConfig", *, windows=None):
    cnn = build_cnn(config.cnn, input_size=config.image_size, weights=config.cnn_weights)
    if windows is None:
        c = layers.TimeDistributed(cnn, name="cnn")(graphs)  # (batch, C, cnn_output_dim)
    else:
        if config.spec_augment > 0:  # frequency rows and time columns of each graph; training only
            graphs = BandMasking(config.spec_augment, axes=(1, 2), seed=config.seed, name="cnn_augment")(graphs)
        c = keras.ops.take(cnn(graphs), windows, axis=0)
    c = layers.Dense(config.cnn_embedding, activation="relu", name="cnn_embedding")(c)
    return _recurrent(config.cnn_context_units, config.recurrent, return_sequences=True, name="cnn_context")(c)


def _attention_top(sequence, config: "AFFConfig", *, n_classes: int):
    """Attention over the window (target slot) → dropout (ASV) → softmax."""
    h_star, _alpha = ContextAttention(config.attention_units, target_index=config.target_index, name="attention")(
        sequence
    )
    asv = layers.Dropout(config.dropout, name="asv")(h_star)
    return layers.Dense(n_classes, activation="softmax", name="sentiment")(asv)


def _branch_vectors(states, config: "AFFConfig", *, branch: str):
    """Per-utterance branch vectors ``(batch, C, d)`` from a branch's recurrent states (paper Figures 2–3).

    Every slot x of the window gets the branch's attention output with x as the target: from one
    attention network (``attention="shared"``, the trained branch's own) or one per slot
    (``"per_position"``, the paper's W_h[x], w[x]), then the branch's dropout. These are LASV
    (``branch="lasv"``) or CASV (``"casv"``) "for each utterance", which the fusion reads.
    """
    if config.attention == "shared":
        vectors, _ = ContextAttention(config.attention_units, all_targets=True, name=f"{branch}_attention")(states)
    else:
        per_slot = []
        for x in range(config.context):
            h, _ = ContextAttention(config.attention_units, target_index=x, name=f"{branch}_attention_{x}")(states)
            per_slot.append(layers.Reshape((1, -1), name=f"{branch}_slot_{x}")(h))
        vectors = per_slot[0] if len(per_slot) == 1 else layers.Concatenate(axis=1, name=f"{branch}_slots")(per_slot)
    return layers.Dropout(config.dropout, name=f"{branch}_dropout")(vectors)


def _staged_top(lasv_states, casv_states, config: "AFFConfig", *, n_classes: int):
    """The staged fusion above the branches' recurrent states: LASV, CASV → fusion BiLSTM → attention → softmax."""
    lasv = _branch_vectors(lasv_states, config, branch="lasv")
    casv = _branch_vectors(casv_states, config, branch="casv")
    both = layers.Concatenate(axis=-1, name="lasv_casv")([lasv, casv])
    sequence = _recurrent(config.fusion_units, config.recurrent, return_sequences=True, name="fusion")(both)
    return _attention_top(sequence, config, n_classes=n_classes)


def branch_state_size(config: "AFFConfig", branch: str) -> int:
    """Width of a branch's recurrent states over the window (``aff2`` or ``cnn_context``)."""
    units = config.context_units if branch == "lasv" else config.cnn_context_units
    return 2 * units if config.recurrent == "bilstm" else units


def build_fusion_head(config: "AFFConfig", *, n_classes: int) -> keras.Model:
    """The staged fusion alone, on the branches' recurrent states (its second training stage).

    Parameters
    ----------
    config : AFFConfig
        A fused config (``architecture="affacrnn"``, ``training="staged"``).
    n_classes : int

    Returns
    -------
    keras.Model
        Inputs ``"lasv_states"`` ``[shape=(batch, C, d_ub)]`` (``aff2``'s outputs) and
        ``"casv_states"`` ``[shape=(batch, C, d_cnn)]`` (``cnn_context``'s); output the class
        probabilities. Its layers have the names of :func:`build_model`'s staged model, so
        :func:`copy_weights` moves them across. Compiled with ``lr_fusion``.
    """
    C = config.context
    lasv = keras.Input(shape=(C, branch_state_size(config, "lasv")), name="lasv_states")
    casv = keras.Input(shape=(C, branch_state_size(config, "casv")), name="casv_states")
    probs = _staged_top(lasv, casv, config, n_classes=n_classes)
    head = keras.Model({"lasv_states": lasv, "casv_states": casv}, probs, name="fusion_head")
    head.compile(optimizer=make_optimizer(config), loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                 run_eagerly=config.run_eagerly)
    return head


def copy_weights(source: keras.Model, target: keras.Model, *, names: dict[str, str] | None = None) -> list[str]:
    """Copy the weights of layers that share a name (or ``names``: source → target) from ``source`` to ``target``.

    Returns
    -------
    list of str
        The target layers that received weights.
    """
    wanted = names if names is not None else {layer.name: layer.name for layer in source.layers}
    if names is None:  # an indexed model holds the per-utterance encoders themselves, not TimeDistributed
        for layer in source.layers:
            if isinstance(layer, keras.Model) and layer.name != "aff1":
                wanted[layer.name] = "cnn"
    have = {layer.name for layer in target.layers}
    done = []
    for src, dst in wanted.items():
        if dst in have and source.get_layer(src).get_weights():
            target.get_layer(dst).set_weights(source.get_layer(src).get_weights())
            done.append(dst)
    return done


def make_optimizer(config: "AFFConfig") -> keras.optimizers.Optimizer:
    """Adam or SGD (paper §4) at ``config.learning_rate`` (the rate of its architecture), with
    ``config.weight_decay`` as Keras's decoupled weight decay when it is above 0 (Adam then is AdamW)."""
    decay = {"weight_decay": config.weight_decay} if config.weight_decay > 0 else {}
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=config.learning_rate, momentum=config.sgd_momentum, **decay)
    return keras.optimizers.Adam(learning_rate=config.learning_rate, **decay)


def _resolve_n_classes(config: "AFFConfig", n_classes: int | None) -> int:
    if n_classes is None:
        n_classes = config.n_classes
    if n_classes is None:

        n_classes = config.scheme.n_classes
    if not isinstance(n_classes, int) or isinstance(n_classes, bool) or n_classes < 2:
        raise ParameterError(f"`n_classes` must be an int >= 2; got {n_classes!r}. Pass the number of classes.")
    return n_classes


def build_model(config: "AFFConfig", *, n_classes: int | None = None, compile: bool = True,
                indexed: bool = False) -> keras.Model:
    """Build (and compile) the model ``config`` describes (paper §3, Figures 1–3).

    Parameters
    ----------
    config : AFFConfig
        ``config.architecture`` picks the model: ``"ub"`` (UB-BiLSTM, or UB-LSTM with
        ``recurrent="lstm"``), ``"sbcnn"`` or ``"affacrnn"``; the other fields give the sizes.
    n_classes : int, optional
        Number of classes; default ``config.n_classes``, else the size of ``config.label_scheme``.
    compile : bool
        Compile with ``config``'s optimizer and learning rate, sparse categorical cross-entropy
        and accuracy (default True).
    indexed : bool
        The training form of the same network: inputs ``"features"`` ``[shape=(U, n_frames, D)]``
        and/or ``"graphs"`` ``[shape=(U, size, size, 1)]`` hold each *distinct* utterance of a
        batch once, and ``"windows"`` ``[shape=(batch, C), int32]`` indexes them. A batch of
        windows over consecutive utterances then encodes each utterance once instead of C times
        (:class:`affacrnn.training.WindowBatches`). Its layers carry the window model's names, so
        :func:`copy_weights` moves the trained weights into :func:`build_model`'s usual form,
        which is what is saved and served.

    Returns
    -------
    keras.Model
        Inputs a dict with ``"features"`` ``[shape=(batch, C, n_frames, D)]`` (UB and fusion) and/or
        ``"graphs"`` ``[shape=(batch, C, image_size, image_size, 1)]`` (SBCNN and fusion); output
        ``"sentiment"`` ``[shape=(batch, n_classes)]``, class probabilities.

    Raises
    ------
    ParameterError
        ``config`` is not an :class:`~affacrnn.models.config.AFFConfig` or ``n_classes`` is invalid.

    See Also
    --------
    embedding_model : the LASV, CASV, ASV and attention weights of a built model.
    affacrnn.models.presets : ready-made configs.

    Examples
    --------
    >>> from affacrnn import presets
    >>> from affacrnn.models import build_model
    >>> model = build_model(presets.SMOKE, n_classes=3)
    >>> model.output_shape
    (None, 3)
    """

    if not isinstance(config, AFFConfig):
        raise ParameterError(
            f"`config` must be an AFFConfig; got {type(config).__name__}. Pass e.g. affacrnn.models.presets.CPU."
        )
    n_classes = _resolve_n_classes(config, n_classes)
    C = config.context
    inputs: dict = {}
    window = () if indexed else (C,)
    if config.uses_features:
        n_columns = config.n_feature_columns()
        frames = None if config.mask_padding else config.n_frames  # see build_utterance_encoder
        inputs["features"] = keras.Input(shape=(*window, frames, n_columns), name="features")
    if config.uses_graphs:
        inputs["graphs"] = keras.Input(shape=(*window, config.image_size, config.image_size, 1), name="graphs")
    index = None
    if indexed:
        index = inputs["windows"] = keras.Input(shape=(C,), dtype="int32", name="windows")

    if config.architecture == "ub":
        sequence = _ub_branch(inputs["features"], config, n_columns=n_columns, windows=index)
    elif config.architecture == "sbcnn":
        sequence = _cnn_branch(inputs["graphs"], config, windows=index)
    elif config.training == "staged":
        lasv_states = _ub_branch(inputs["features"], config, n_columns=n_columns, windows=index)
        casv_states = _cnn_branch(inputs["graphs"], config, windows=index)
        probs = _staged_top(lasv_states, casv_states, config, n_classes=n_classes)
    else:
        lasv = _ub_branch(inputs["features"], config, n_columns=n_columns, windows=index)
        casv = _cnn_branch(inputs["graphs"], config, windows=index)
        both = layers.Concatenate(axis=-1, name="lasv_casv")([lasv, casv])
        sequence = _recurrent(config.fusion_units, config.recurrent, return_sequences=True, name="fusion")(both)

    if config.architecture != "affacrnn" or config.training != "staged":
        probs = _attention_top(sequence, config, n_classes=n_classes)
    suffix = "_lstm" if config.recurrent == "lstm" and config.architecture != "ub" else ""
    name = {"ub": f"ub_{config.recurrent}", "sbcnn": "sbcnn", "affacrnn": "affacrnn"}[config.architecture] + suffix
    model = keras.Model(inputs, probs, name=name + ("_indexed" if indexed else ""))
    if compile:
        model.compile(
            optimizer=make_optimizer(config),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            run_eagerly=config.run_eagerly,
        )
    return model


def build_context_stage(config: "AFFConfig", *, n_columns: int, n_classes: int) -> keras.Model:
    """The UB branch's context stage alone, on given utterance vectors (AFF2 → attention → dropout → softmax).

    The UB-BiLSTM of :func:`build_model` with AFF1 taken out: each utterance of the window arrives
    as a ready vector (e.g. bc-LSTM's published MOSI audio features, where no frames exist) in
    place of AFF1's Dense output, and the rest is the branch's own: the ``aff2`` BiLSTM over the
    ``config.context`` utterances, the attention on the target slot (paper §3 equations), the
    dropout that makes LASV, and the softmax. Layer names match :func:`build_model`'s UB model.

    Parameters
    ----------
    config : AFFConfig
        Uses ``context``, ``context_units``, ``recurrent``, ``attention_units``, ``dropout``,
        ``optimizer`` and ``lr_lstm``.
    n_columns : int
        Values per utterance vector (MOSI's bc-LSTM vectors: 73).
    n_classes : int

    Returns
    -------
    keras.Model
        Input ``"utterance_vectors"`` ``[shape=(batch, C, n_columns)]``; output the target's class
        probabilities ``[shape=(batch, n_classes)]``. Compiled with ``lr_lstm``.
    """
    if not isinstance(config, AFFConfig):
        raise ParameterError(
            f"`config` must be an AFFConfig; got {type(config).__name__}. Pass e.g. affacrnn.models.presets.CPU."
        )
    n_classes = _resolve_n_classes(config, n_classes)
    config = config.replace(architecture="ub")  # the UB branch's learning rate
    inp = keras.Input(shape=(config.context, n_columns), name="utterance_vectors")
    states = _recurrent(config.context_units, config.recurrent, return_sequences=True, name="aff2")(inp)
    model = keras.Model(inp, _attention_top(states, config, n_classes=n_classes), name="context_stage")
    model.compile(optimizer=make_optimizer(config), loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  run_eagerly=config.run_eagerly)
    return model


def embedding_model(model: keras.Model, *, which: str = "asv") -> keras.Model:
    """A model sharing ``model``'s weights that outputs an inner vector instead of the classes.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`build_model` (or :func:`affacrnn.models.load_model`).
    which : {"asv", "lasv", "casv", "attention"}
        ``"asv"``: the target's vector entering the softmax ``[shape=(batch, d)]`` (paper: ASV in
        AFF-ACRNN, LASV in UB-BiLSTM, CASV in SBCNN); ``"lasv"`` / ``"casv"``: the branch's
        per-utterance vectors ``[shape=(batch, C, d)]``; ``"attention"``: the weights α
        ``[shape=(batch, C)]`` (paper §3 attention equations), showing which utterance mattered.

    Returns
    -------
    keras.Model
        Same inputs as ``model``; one output.

    Raises
    ------
    ParameterError
        Unknown ``which``, or ``model`` has no such part (e.g. ``"casv"`` of a UB model).
    """
    if which not in EMBEDDINGS:
        raise ParameterError(f"`which` must be one of {', '.join(EMBEDDINGS)}; got {which!r}. Pass e.g. which='asv'.")
    layer_name, index, _ = EMBEDDINGS[which]
    try:
        layer = model.get_layer(layer_name)
    except ValueError:
        raise ParameterError(
            f"`which`={which!r} needs a layer {layer_name!r}, which model {model.name!r} lacks. "
            f"Pass a part this architecture has (a UB model has no CASV, an SBCNN model no LASV)."
        ) from None
    output = layer.output if index is None else layer.output[index]
    return keras.Model(model.input, output, name=f"{model.name}_{which}")
