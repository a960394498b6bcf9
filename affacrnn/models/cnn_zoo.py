"""The SBCNN zoo: the CNNs the paper compares for the spectrum-graph branch (§3 "CNN Layers", §4).

The paper tried LeNet, AlexNet, VGG16, ZFNet and ResNet18/50/152 on 512 × 512 spectrum graphs and
kept ResNet152. :func:`build_cnn` builds any of them, plus a ``"small"`` 4-convolution network for
the CPU preset, as a Keras model mapping one single-channel graph ``(size, size, 1)`` to one
vector: each network's convolutional trunk followed by global average pooling — the
``include_top=False, pooling="avg"`` form of :mod:`keras.applications`, which makes every network
work at any input size (the stand-in for adaptive pooling; a test builds them all at 32 × 32).

* ``vgg16``, ``resnet50``, ``resnet152`` come from :mod:`keras.applications`. They expect three
  channels, so the grey graph is repeated into three identical channels (a ``Concatenate``, no
  weights); a user who has ImageNet ``..._notop.h5`` weights can pass their path. Inputs must be
  at least 32 × 32.
* ``lenet``, ``alexnet``, ``zfnet``, ``resnet18`` are built here to their papers' layer tables
  (LeCun et al. 1998; Krizhevsky et al. 2012; Zeiler & Fergus 2014; He et al. 2016 with basic
  blocks), with ``padding="same"`` everywhere so that small inputs never shrink to nothing.
  One deviation: every convolution of LeNet, AlexNet and ZFNet is followed by batch
  normalisation (which also stands in for AlexNet's and ZFNet's local response normalisation,
  absent from Keras). Without it they do not train from random initialisation on spectrum
  graphs, which are mostly dark (200 RAVDESS graphs at 64²: mean 0.11, sd 0.17). Measured on RAVDESS
  2-class, CPU preset: LeNet's training loss stayed at ln 2 for 25 epochs, with tanh or ReLU,
  and every run answered one class. AlexNet did the same with batch norm on its first two
  convolutions only. With batch norm everywhere, LeNet reaches 73 % test accuracy in 8 epochs.
* ``small`` is ours: four 3 × 3 convolutions (16, 32, 64, 128 filters), each with batch norm, ReLU
  and 2 × 2 max pooling. At 128 × 128 it is about 3× faster than ResNet18 on a CPU.

Each network is declared once, as a :class:`CNNSpec` in :data:`CNNS` (:func:`register_cnn`): its output size,
description, display name and cost; :data:`CNN_ZOO` (``name -> (pooled vector size, description)``) is a view of it.

Notebook: book/07_sbcnn.ipynb
"""
from __future__ import annotations

import dataclasses
import os
import warnings
from pathlib import Path
from typing import Callable

from affacrnn.errors import ModelError, ParameterError

__all__ = ["CNN_ZOO", "CNNS", "APPLICATIONS", "CNNSpec", "build_cnn", "cnn_output_dim", "register_cnn"]


@dataclasses.dataclass(frozen=True)
class CNNSpec:
    """One CNN of the zoo, declared once: the model builder, the experiments, their labels and the cost model read it.

    Attributes
    ----------
    name : str
        Config value (``AFFConfig.cnn``) and crossval model ``sbcnn_<name>``.
    dim : int
        Length of the pooled vector per graph.
    description : str
        One line: where the network comes from.
    display : str
        How tables name it (``"ResNet18"``).
    trunk : callable, optional
        ``trunk(x) -> x``: the convolutional layers on a Keras tensor ``(batch, S, S, 1)`` (global average
        pooling is added after). None for a :mod:`keras.applications` network (``application``).
    application : str, optional
        The :mod:`keras.applications` class (``"ResNet50"``): three channels, at least 32 × 32.
    step_seconds : float
        Cost model: seconds per CPU-preset training step at 64² graphs, 2 cores (±50 %).
    build_seconds : float
        Cost model: seconds to build and trace the model (its first epoch's overhead).
    in_paper : bool
        Compared in the paper's Table 3.
    """

    name: str
    dim: int
    description: str
    display: str
    trunk: Callable | None = None
    application: str | None = None
    step_seconds: float = 1.0
    build_seconds: float = 10.0
    in_paper: bool = False


#: Every CNN of the zoo by name, in registration order (:func:`register_cnn`).
CNNS: dict[str, CNNSpec] = {}
#: Name → (length of the output vector, one-line description): a view of :data:`CNNS`, kept in step by
#: :func:`register_cnn`.
CNN_ZOO: dict[str, tuple[int, str]] = {}


def register_cnn(spec: CNNSpec) -> CNNSpec:
    """Add a CNN to the zoo: after this, ``AFFConfig(cnn=name)``, :func:`build_cnn`, the crossval model
    ``sbcnn_<name>``, the fold tables and the cost model know it. Register before importing
    :mod:`reproduction` (its model list is read once, at import).

    Raises
    ------
    ParameterError
        A name already taken, or a spec with neither or both of ``trunk`` and ``application``.
    """
    if spec.name in CNNS:
        raise ParameterError(f"a CNN named {spec.name!r} is already in the zoo; pick another name.")
    if (spec.trunk is None) == (spec.application is None):
        raise ParameterError(f"CNN {spec.name!r} needs exactly one of `trunk` (built here) or `application` "
                             "(a keras.applications class name).")
    CNNS[spec.name] = spec
    CNN_ZOO[spec.name] = (spec.dim, spec.description)
    return spec


#: Momentum of every batch-normalisation layer's moving statistics. Keras's default (0.99) averages
#: over ~100 steps; a CPU-preset epoch on RAVDESS is ~30 steps, so for the first 5–8 epochs the
#: statistics used at validation are far from the batches' and the network answers one class on
#: validation while its training accuracy climbs (measured: SBCNN small, validation stuck at one
#: class for 7 epochs, so early stopping on validation kept a collapsed model). 0.9 (~10 steps)
#: follows the batches within the first epoch.
BN_MOMENTUM = 0.9
_MIN_APP_SIZE = 32


def cnn_output_dim(name: str) -> int:
    """Length of the vector :func:`build_cnn` (``name``) produces per graph."""
    _check_name(name)
    return CNN_ZOO[name][0]


def _check_name(name: str) -> None:
    if name not in CNN_ZOO:
        raise ParameterError(
            f"`name` must be a CNN of the zoo ({', '.join(CNN_ZOO)}); got {name!r}. "
            "Pass e.g. 'small' (CPU) or 'resnet152' (paper)."
        )


# ---------------------------------------------------------------------- hand-built trunks
def _conv(x, filters: int, kernel: int, *, strides: int = 1, activation: str = "relu", bn: bool = False, name: str):
    from keras import layers

    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=not bn, name=f"{name}_conv")(x)
    if bn:
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    if activation:
        x = layers.Activation(activation, name=f"{name}_{activation}")(x)
    return x


def _small(x):
    from keras import layers

    for i, filters in enumerate((16, 32, 64, 128), start=1):
        x = _conv(x, filters, 3, bn=True, name=f"block{i}")
        x = layers.MaxPooling2D(2, padding="same", name=f"block{i}_pool")(x)
    return x


def _lenet(x):
    from keras import layers

    # batch norm after each convolution: see the module docstring (LeNet-5 has none)
    x = _conv(x, 6, 5, activation="tanh", bn=True, name="c1")
    x = layers.AveragePooling2D(2, padding="same", name="s2")(x)
    x = _conv(x, 16, 5, activation="tanh", bn=True, name="c3")
    x = layers.AveragePooling2D(2, padding="same", name="s4")(x)
    return _conv(x, 120, 5, activation="tanh", bn=True, name="c5")


def _alex_like(x, *, first_kernel: int, first_stride: int, second_stride: int):
    from keras import layers

    x = _conv(x, 96, first_kernel, strides=first_stride, bn=True, name="conv1")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = _conv(x, 256, 5, strides=second_stride, bn=True, name="conv2")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    # batch norm on conv3-5 too: see the module docstring (the original has LRN on conv1-2 only)
    x = _conv(x, 384, 3, bn=True, name="conv3")
    x = _conv(x, 384, 3, bn=True, name="conv4")
    x = _conv(x, 256, 3, bn=True, name="conv5")
    return layers.MaxPooling2D(3, strides=2, padding="same", name="pool5")(x)


def _alexnet(x):
    return _alex_like(x, first_kernel=11, first_stride=4, second_stride=1)


def _zfnet(x):
    return _alex_like(x, first_kernel=7, first_stride=2, second_stride=2)


def _basic_block(x, filters: int, *, strides: int, name: str):
    from keras import layers

    shortcut = x
    y = _conv(x, filters, 3, strides=strides, bn=True, name=f"{name}_1")
    y = _conv(y, filters, 3, bn=True, activation="", name=f"{name}_2")
    if strides != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=strides, use_bias=False, name=f"{name}_proj_conv")(x)
        shortcut = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_proj_bn")(shortcut)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def _resnet18(x):
    from keras import layers

    x = _conv(x, 64, 7, strides=2, bn=True, name="conv1")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    for stage, filters in enumerate((64, 128, 256, 512), start=2):
        for block in (1, 2):
            strides = 2 if (block == 1 and stage > 2) else 1
            x = _basic_block(x, filters, strides=strides, name=f"conv{stage}_block{block}")
    return x


for _spec in (
    CNNSpec("small", 128, "4 conv layers (16-32-64-128) + BN + max pooling; ours, for the CPU preset", "small CNN",
            trunk=_small, step_seconds=0.17, build_seconds=7),
    CNNSpec("lenet", 120, "LeNet-5 (LeCun et al. 1998): C1 6@5x5, S2, C3 16@5x5, S4, C5 120@5x5", "LeNet",
            trunk=_lenet, step_seconds=0.03, build_seconds=3, in_paper=True),
    CNNSpec("alexnet", 256, "AlexNet (Krizhevsky et al. 2012): 96@11x11/4, 256@5x5, 384, 384, 256", "AlexNet",
            trunk=_alexnet, step_seconds=0.34, build_seconds=6, in_paper=True),
    CNNSpec("zfnet", 256, "ZFNet (Zeiler & Fergus 2014): 96@7x7/2, 256@5x5/2, 384, 384, 256", "ZFNet",
            trunk=_zfnet, step_seconds=0.34, build_seconds=7, in_paper=True),
    CNNSpec("vgg16", 512, "VGG16 (Simonyan & Zisserman 2015), keras.applications", "VGG16",
            application="VGG16", step_seconds=3.6, build_seconds=15, in_paper=True),
    CNNSpec("resnet18", 512, "ResNet18 (He et al. 2016): basic blocks [2, 2, 2, 2]", "ResNet18",
            trunk=_resnet18, step_seconds=0.42, build_seconds=17, in_paper=True),
    CNNSpec("resnet50", 2048, "ResNet50 (He et al. 2016), keras.applications", "ResNet50",
            application="ResNet50", step_seconds=0.97, build_seconds=35, in_paper=True),
    CNNSpec("resnet152", 2048, "ResNet152 (He et al. 2016), keras.applications; the paper's choice", "ResNet152",
            application="ResNet152", step_seconds=2.7, build_seconds=80, in_paper=True),
):
    register_cnn(_spec)
#: The zoo members taken from keras.applications when this module was imported (3-channel input, >= 32 x 32).
APPLICATIONS = tuple(n for n, spec in CNNS.items() if spec.application)


def _application(name: str, x, *, input_size: int, weights: str | None):
    from affacrnn._quiet import load_keras

    keras = load_keras()

    constructor = getattr(keras.applications, CNNS[name].application)
    rgb = keras.layers.Concatenate(axis=-1, name="grey_to_rgb")([x, x, x])
    net = constructor(
        include_top=False, weights=weights, input_shape=(input_size, input_size, 3), pooling="avg", name=name
    )
    for layer in net.layers:  # keras.applications builds them with momentum 0.99 (see BN_MOMENTUM)
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = BN_MOMENTUM
    return net(rgb)


# ---------------------------------------------------------------------- public
def build_cnn(name: str, *, input_size: int, weights: str | os.PathLike | None = None):
    """Build one CNN of the zoo: a single-channel spectrum graph → one pooled vector (paper §3, §4).

    Parameters
    ----------
    name : str
        A key of :data:`CNN_ZOO`: ``"small"``, ``"lenet"``, ``"alexnet"``, ``"zfnet"``,
        ``"vgg16"``, ``"resnet18"``, ``"resnet50"``, ``"resnet152"``.
    input_size : int
        Side of the square graph in pixels (paper: 512); >= 8, and >= 32 for the
        keras.applications networks (vgg16, resnet50, resnet152).
    weights : str or path-like, optional
        A local weights file. For vgg16/resnet50/resnet152 an ImageNet ``*_notop.h5`` file
        (passed to :mod:`keras.applications`, 3-channel weights fit because the grey graph is
        repeated into three channels); for the others a file saved from this same network with
        ``model.save_weights``. ``None``: random initialisation.

    Returns
    -------
    keras.Model
        Named ``"cnn_<name>"``; input ``[shape=(batch, input_size, input_size, 1)]``, output
        ``[shape=(batch, cnn_output_dim(name))]``.

    Raises
    ------
    ParameterError
        Unknown ``name``, bad ``input_size``, or ``weights`` not an existing file.
    ModelError
        The weights file does not fit the network.

    See Also
    --------
    affacrnn.models.build_model : puts the CNN into the SBCNN branch.

    Examples
    --------
    >>> from affacrnn.models import build_cnn
    >>> cnn = build_cnn("small", input_size=64)
    >>> cnn.output_shape
    (None, 128)
    """
    from affacrnn._quiet import load_keras

    keras = load_keras()

    _check_name(name)
    if not isinstance(input_size, int) or isinstance(input_size, bool) or input_size < 8:
        raise ParameterError(f"`input_size` must be an int >= 8; got {input_size!r}. Pass the graph side, e.g. 128.")
    if CNNS[name].application and input_size < _MIN_APP_SIZE:
        raise ParameterError(
            f"`input_size` must be >= {_MIN_APP_SIZE} for {name} (keras.applications); got {input_size}. "
            "Pass a larger graph size or a hand-built CNN such as 'small'."
        )
    if weights is not None:
        weights = Path(weights).expanduser()
        if not weights.is_file():
            raise ParameterError(
                f"`weights` must be an existing weights file; got {str(weights)!r}. "
                "Pass the path of a local .h5/.weights.h5 file, or None for random initialisation."
            )

    inp = keras.Input(shape=(input_size, input_size, 1), name="graph")
    if CNNS[name].application:
        try:
            out = _application(name, inp, input_size=input_size, weights=None if weights is None else str(weights))
        except ValueError as exc:  # keras.applications refuses weights that do not fit
            raise ModelError(f"weights file {str(weights)!r} does not fit {name}: {exc}") from None
        return keras.Model(inp, out, name=f"cnn_{name}")

    x = CNNS[name].trunk(inp)
    out = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    model = keras.Model(inp, out, name=f"cnn_{name}")
    if weights is not None:
        fix = "Pass weights saved from the same network and input size."
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model.load_weights(str(weights))
        except Exception as exc:  # noqa: BLE001 - any loader failure means the file does not fit
            raise ModelError(f"weights file {str(weights)!r} does not fit {name}: {str(exc).splitlines()[0]}. {fix}") from None
        skipped = [str(w.message) for w in caught if "skipping" in str(w.message).lower()]
        if skipped:  # Keras loads what matches and keeps fresh weights for the rest: refuse that
            raise ModelError(f"weights file {str(weights)!r} does not fit {name}: {skipped[0].split(':')[0]}. {fix}")
    return model
