"""Ready-made configs: ``PAPER`` (for a GPU), ``CPU`` (the default), ``SMOKE`` (CI), ``LESSON`` (the book).

Each preset is an :class:`~affacrnn.models.config.AFFConfig`; derive variants with ``.replace(...)``.

``PAPER``
    The sizes of paper §4: 256 × 33 features, 512 × 512 spectrum graphs into ResNet152, AFF1 =
    BiLSTM 128 → BiLSTM 32 → Dense 200, lr 1e-4 / batch 30 (LSTM) and 1e-3 / batch 20 (CNN), 200
    epochs, no early stopping. Needs a GPU: ResNet152 at 512² takes ≈ 6 s per batch of 5 on a
    2-core CPU, and batch 20 does not fit in 24 GiB. Sizes the paper does not give are ours
    (see :mod:`affacrnn.models.config`). Trained from random initialisation unless ``cnn_weights`` names
    a local ImageNet file.
``CPU``
    The default: trains AFF-ACRNN on RAVDESS (1440 utterances) on a 2-core laptop CPU. Same
    features and 256 frames; 64 × 64 graphs into the ``"small"`` 4-conv CNN; smaller recurrent
    layers; lr 1e-3 and batch 32 throughout; at most 60 epochs, keeping the epoch of best
    validation macro-F1 and stopping after 12 without a better one, on speaker-disjoint
    validation speakers (a patience of 5 stopped at best epoch ≈ 8 of ≈ 13, 2–4 % of the paper's
    optimiser steps; with 12 the UB-BiLSTM's best validation epochs were 22–30 and early stopping
    ended its runs at 34–42, crossval, RAVDESS sentiment3). Training runs in the indexed form (each
    utterance of a batch encoded once, padding masked and cropped; ``benchmarks/train_speed.py``:
    2.3× (UB) and 2.0× (SBCNN) more windows per second than whole unmasked windows). Since round two (:data:`ROUND_TWO`): per-speaker
    normalisation, AFF1 as frame statistics, one utterance per window.
``CPU_ROUND_ONE``
    The ``CPU`` preset before round two (global normalisation, AFF1's last recurrent state,
    windows of 3). The experiments' ``--mode full`` starts from it, so every committed fold run
    keeps its key; round two's runs name its changes as options.
``SMOKE``
    Seconds, for CI: 32 frames, 32 × 32 graphs, tiny layers, 2 epochs. It checks that everything
    runs, not that anything is learned. Steps run eagerly (``run_eagerly``): over two epochs tracing
    the stages' graphs costs more than it saves (``affacrnn train --preset smoke`` on 120 RAVDESS
    utterances in a fresh process: 36 s traced, 20 s eager; ``benchmarks/smoke_eager.py``, in one
    warmed process: staged 1.12×, SBCNN 2.5×, the UB branch alone 0.79×). Longer runs trace:
    derive them with ``run_eagerly=False``.
``LESSON``
    The book's smoke-mode training cells: about a minute on a slice of 8 speakers, 128 frames,
    small layers, up to 25 epochs with early stopping and per-speaker normalisation, so the model
    a chapter trains live ends above its majority baseline and its balanced accuracy above chance.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

from affacrnn.models.config import AFFConfig
from affacrnn.errors import ParameterError

__all__ = ["PAPER", "CPU", "CPU_ROUND_ONE", "ROUND_TWO", "SMOKE", "LESSON", "PRESETS", "DEFAULT", "get_preset"]

PAPER = AFFConfig(
    name="paper",
    architecture="affacrnn",
    n_frames=256,
    image_size=512,
    lstm_units=(128, 32),
    dense_units=200,
    context_units=64,
    cnn="resnet152",
    cnn_embedding=200,
    cnn_context_units=64,
    fusion_units=64,
    attention_units=64,
    dropout=0.3,
    lr_lstm=1e-4,
    lr_cnn=1e-3,
    lr_fusion=1e-4,
    batch_size_lstm=30,
    batch_size_cnn=20,
    batch_size_fusion=20,
    epochs=200,
    patience=0,
)

CPU_ROUND_ONE = AFFConfig(
    name="cpu",
    architecture="affacrnn",
    n_frames=256,
    image_size=64,
    lstm_units=(32, 16),
    dense_units=64,
    context_units=32,
    cnn="small",
    cnn_embedding=64,
    cnn_context_units=32,
    fusion_units=32,
    attention_units=32,
    dropout=0.3,
    lr_lstm=1e-3,
    lr_cnn=1e-3,
    lr_fusion=1e-3,
    batch_size_lstm=32,
    batch_size_cnn=32,
    batch_size_fusion=32,
    epochs=60,
    patience=12,
)
#: Round two of the CPU recipe, each change measured on the 4 RAVDESS speaker folds (chapter 6): every speaker's features z-scored by their own statistics; AFF1 as
#: the mean and sd of the real frames (the last recurrent state learnt least: 30.9 macro-F1 on
#: seven emotions, 55.3 with these changes, beside 55.9 for the SVM on the same statistics); one
#: utterance per window (acted corpora have no real context: their "neighbours" are other
#: sentences of the speaker in random order, which cost 4.6 points).
ROUND_TWO = {"normalization": "speaker", "utterance_encoder": "statistics", "context": 1}
CPU = CPU_ROUND_ONE.replace(**ROUND_TWO)

SMOKE = AFFConfig(
    name="smoke",
    architecture="affacrnn",
    n_frames=32,
    image_size=32,
    lstm_units=(8, 4),
    dense_units=8,
    context_units=4,
    cnn="small",
    cnn_embedding=8,
    cnn_context_units=4,
    fusion_units=4,
    attention_units=4,
    dropout=0.1,
    lr_lstm=1e-3,
    lr_cnn=1e-3,
    lr_fusion=1e-3,
    batch_size_lstm=16,
    batch_size_cnn=16,
    batch_size_fusion=16,
    epochs=2,
    patience=0,
    run_eagerly=True,
)

#: The book's smoke runs: about a minute on 2 cores on a slice of 8 speakers × 24 utterances, and
#: enough to learn something a reader can see (SMOKE's two epochs on 32 frames cannot). Measured
#: on that slice (2 test speakers, 48 utterances; 2026-12-05, 2 busy cores): UB-BiLSTM 58 % on
#: RAVDESS sentiment3 (majority 46 %, 26 s) and 69 % on the demo corpus's mosi2 (majority 52 %);
#: staged AFF-ACRNN 56 % and 69 % (47-53 s). Per-speaker normalisation: with two test speakers,
#: each voice's own baseline is most of what separates them.
LESSON = AFFConfig(
    name="lesson",
    architecture="affacrnn",
    n_frames=128,
    image_size=32,
    lstm_units=(16, 8),
    dense_units=16,
    context_units=8,
    cnn="small",
    cnn_embedding=16,
    cnn_context_units=8,
    fusion_units=8,
    attention_units=8,
    dropout=0.2,
    lr_lstm=3e-3,
    lr_cnn=3e-3,
    lr_fusion=3e-3,
    batch_size_lstm=16,
    batch_size_cnn=16,
    batch_size_fusion=16,
    epochs=25,
    patience=8,
    normalization="speaker",
    val_size=0.25,
    test_size=0.25,
)

#: Preset name → config.
PRESETS: dict[str, AFFConfig] = {"paper": PAPER, "cpu": CPU, "smoke": SMOKE, "lesson": LESSON}
#: The preset used when none is named.
DEFAULT = CPU


def get_preset(name: str) -> AFFConfig:
    """The preset called ``name`` (``"paper"``, ``"cpu"``, ``"smoke"``; case-insensitive).

    Raises
    ------
    ParameterError
        Unknown name; the message lists the presets.
    """
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in PRESETS:
        raise ParameterError(f"unknown preset {name!r}; valid: {', '.join(PRESETS)}. Pass one of these names.")
    return PRESETS[key]
