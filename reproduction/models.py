"""The models of the experiments, each declared once: what it is, how tables name it, what a fold costs.

A model of the cross-validation (and of the tables, the ledger and the README built from it) is a
:class:`ModelSpec`: a network (config overrides of the mode's preset), a baseline of
:mod:`affacrnn.evaluation.baselines` (its settings and the features' normalisation), or one of the
field's openSMILE yardsticks (a feature set and a normalisation). :func:`register_model` adds one;
every list the experiments keep (:data:`CROSSVAL_MODELS`, :data:`MODEL_LABELS`,
:data:`BASELINE_MODELS`, :data:`FUNCTIONALS_MODELS`, :data:`DEFAULT_MODELS`, the cost model's
:data:`BASELINE_SECONDS`) is a view of :data:`MODELS` that it keeps up to date. A CNN of the zoo
(:data:`affacrnn.models.cnn_zoo.CNNS`) becomes the model ``sbcnn_<name>`` when this module is
imported.

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from affacrnn.errors import ParameterError
from affacrnn.evaluation.baselines import BASELINES
from affacrnn.models.cnn_zoo import CNNS

__all__ = ["ModelSpec", "is_baseline", "register_model", "MODELS", "CROSSVAL_MODELS", "MODEL_LABELS",
           "BASELINE_MODELS", "FUNCTIONALS_MODELS", "FUNCTIONALS_LABELS", "BASELINE_SECONDS", "DEFAULT_MODELS"]

_NORMALIZATIONS = ("global", "speaker")


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """One model of the experiments.

    Attributes
    ----------
    name : str
        Its name in ``models=`` and in every results file (``"ub_bilstm"``).
    label : str
        How every table, ledger row and README block writes it (``"UB-BiLSTM"``).
    overrides : mapping, optional
        A network: its config overrides of the mode's preset (``{"architecture": "ub"}``).
    baseline : str, optional
        A baseline: its name in :data:`affacrnn.evaluation.baselines.BASELINES`.
    params : mapping
        The baseline's settings (empty: its documented defaults).
    normalization : {"global", "speaker"}
        How a baseline's or a yardstick's features are normalised (per speaker: each speaker by its
        own statistics).
    functionals : str, optional
        A yardstick: the openSMILE feature set (``"egemaps"``, ``"compare"``).
    seconds : float
        A baseline's or yardstick's measured seconds per fold in full mode (the cost model's figure;
        a network's cost comes from its config).
    default : bool
        Part of a crossval run that names no models.
    role : str
        What it stands for in the paper (``"Table 5"``, ``"ours"``).
    """

    name: str
    label: str
    overrides: Mapping[str, Any] | None = None
    baseline: str | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    normalization: str = "global"
    functionals: str | None = None
    seconds: float = 20.0
    default: bool = False
    role: str = ""

    @property
    def kind(self) -> str:
        """``"network"``, ``"baseline"`` or ``"functionals"``."""
        return "network" if self.overrides is not None else "baseline" if self.baseline else "functionals"


#: Name → spec, in declaration order.
MODELS: dict[str, ModelSpec] = {}
#: Name → config overrides of a network, ``None`` for a baseline or a yardstick.
CROSSVAL_MODELS: dict[str, dict | None] = {}
#: Name → label (one spelling everywhere).
MODEL_LABELS: dict[str, str] = {}
#: Baseline name → (its :mod:`affacrnn.evaluation.baselines` name, settings, normalisation).
BASELINE_MODELS: dict[str, tuple[str, dict, str]] = {}
#: Yardstick name → (openSMILE feature set, normalisation).
FUNCTIONALS_MODELS: dict[str, tuple[str, str]] = {}
#: Yardstick name → label.
FUNCTIONALS_LABELS: dict[str, str] = {}
#: Baseline or yardstick name → measured seconds of one full-mode fold.
BASELINE_SECONDS: dict[str, float] = {}
#: The models of a crossval run that names none (filled in declaration order).
DEFAULT_MODELS: list[str] = []


def is_baseline(name: str) -> bool:
    """Whether model ``name`` is a baseline or yardstick, not a network: no recipe changes its runs."""
    return CROSSVAL_MODELS.get(name) is None


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add a model to :data:`MODELS` and to every view of it; refuse a name twice or an incomplete spec.

    Register before a crossval run plans its tasks (e.g. in the script that starts it).
    """
    if spec.name in MODELS:
        raise ParameterError(f"model {spec.name!r} is already registered; pick another name.")
    kinds = [spec.overrides is not None, spec.baseline is not None, spec.functionals is not None]
    if sum(kinds) != 1:
        raise ParameterError(f"model {spec.name!r}: give exactly one of `overrides` (a network), `baseline` or "
                             "`functionals` (an openSMILE feature set).")
    if spec.baseline is not None and spec.baseline not in BASELINES:
        raise ParameterError(f"model {spec.name!r}: `baseline` must be one of {', '.join(BASELINES)}; got "
                             f"{spec.baseline!r}. Register the baseline first (affacrnn.evaluation.baselines).")
    if spec.normalization not in _NORMALIZATIONS:
        raise ParameterError(f"model {spec.name!r}: `normalization` must be one of {', '.join(_NORMALIZATIONS)}; "
                             f"got {spec.normalization!r}.")
    MODELS[spec.name] = spec
    MODEL_LABELS[spec.name] = spec.label
    CROSSVAL_MODELS[spec.name] = dict(spec.overrides) if spec.overrides is not None else None
    if spec.baseline is not None:
        BASELINE_MODELS[spec.name] = (spec.baseline, dict(spec.params), spec.normalization)
    if spec.functionals is not None:
        FUNCTIONALS_MODELS[spec.name] = (spec.functionals, spec.normalization)
        FUNCTIONALS_LABELS[spec.name] = spec.label
    if spec.overrides is None:
        BASELINE_SECONDS[spec.name] = spec.seconds
    if spec.default:
        DEFAULT_MODELS.append(spec.name)
    return spec


_SVM = {"C": 10.0, "class_weight": "balanced"}  # the settings crossval's SVM has always used
for _spec in (
    ModelSpec("svm", "SVM (plain)", baseline="svm", params=_SVM, default=True, role="Table 5"),
    ModelSpec("svm_speaker", "SVM (per-speaker)", baseline="svm", params=_SVM, normalization="speaker",
              default=True, role="ours: the SVM with per-speaker normalisation"),
    ModelSpec("ub_bilstm", "UB-BiLSTM", overrides={"architecture": "ub", "recurrent": "bilstm"}, default=True,
              role="Table 2"),
    ModelSpec("sbcnn_small", f"SBCNN ({CNNS['small'].display})", overrides={"architecture": "sbcnn", "cnn": "small"},
              default=True, role="Table 3 (ours: a CPU-sized CNN)"),
    ModelSpec("sbcnn_resnet18", f"SBCNN ({CNNS['resnet18'].display})",
              overrides={"architecture": "sbcnn", "cnn": "resnet18"}, default=True, role="Table 3"),
    ModelSpec("affacrnn_staged", "AFF-ACRNN (staged)", overrides={"architecture": "affacrnn", "training": "staged"},
              default=True, role="Table 4 (ours: branches trained first)"),
    ModelSpec("affacrnn_end_to_end", "AFF-ACRNN (end to end)",
              overrides={"architecture": "affacrnn", "training": "end_to_end"}, default=True, role="Table 4"),
    ModelSpec("ub_lstm", "UB-LSTM", overrides={"architecture": "ub", "recurrent": "lstm"}, role="Table 2"),
    *(ModelSpec(f"sbcnn_{n}", f"SBCNN ({c.display})", overrides={"architecture": "sbcnn", "cnn": n}, role="Table 3")
      for n, c in CNNS.items() if n not in ("small", "resnet18")),
    ModelSpec("naive_bayes", "Naive Bayes", baseline="naive_bayes", role="Table 5"),
    ModelSpec("gmm", "GMM", baseline="gmm", seconds=60, role="Table 5"),
    ModelSpec("hmm", "HMM", baseline="hmm", seconds=80, role="Table 5"),
    ModelSpec("dtw", "DTW", baseline="dtw", seconds=60, role="Table 5"),
    ModelSpec("bc_lstm", "bc-LSTM", baseline="bc_lstm", seconds=60, role="Table 6"),
    *(ModelSpec(f"{fs}_svm{'_speaker' if norm == 'speaker' else ''}",
                f"{label} + SVM ({'per-speaker' if norm == 'speaker' else 'plain'})", functionals=fs,
                normalization=norm, role="the field's yardstick (chapter 9)")
      for fs, label in (("egemaps", "eGeMAPS"), ("compare", "ComParE")) for norm in ("global", "speaker")),
):
    register_model(_spec)
