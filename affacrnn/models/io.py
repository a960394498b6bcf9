"""Save and load a trained model with everything needed to use it, in one ``.keras`` file.

A ``.keras`` file is a zip archive (Keras writes ``config.json``, ``metadata.json`` and
``model.weights.h5``). :func:`save_model` adds one member, ``affacrnn.json``, holding the run's
:class:`~affacrnn.models.config.AFFConfig`, the feature scaler fitted on the training split and the class
names, so a single file is enough to predict. Keras ignores the extra member when loading.

The file is written to a temporary name in the target folder and renamed into place
(:func:`os.replace`), so a crash never leaves half a model under the final name.

:func:`load_model` loads in Keras's safe mode: a file holding a ``Lambda`` layer (arbitrary Python
code) is refused. Every failure is a :class:`~affacrnn.ModelError` with a one-line message.

Notebook: book/11_inference.ipynb
"""
from __future__ import annotations

import hashlib
import json
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from affacrnn._io import atomic_path
from affacrnn.errors import ModelError, ParameterError
from affacrnn.features.frames import FEATURES_VERSION, column_names
from affacrnn.features.normalize import FeatureScaler
from affacrnn.models.config import AFFConfig

__all__ = ["save_model", "load_model", "read_metadata", "model_file", "feature_layout", "META_MEMBER", "FORMAT_VERSION"]

#: Name of the affacrnn member inside the .keras zip.
META_MEMBER = "affacrnn.json"
#: Version of the ``affacrnn.json`` layout.
FORMAT_VERSION = 2  # 2: the metadata carries its own digest
GET_ONE = "Train one with `affacrnn train ...`, or pass the path of a .keras file it saved."


def _jsonable(value: Any) -> Any:
    """numpy arrays/scalars → lists/numbers; mappings and sequences recursively."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def save_model(
    model,
    path: str | os.PathLike,
    *,
    config,
    scaler_dict: Mapping[str, Any] | None = None,
    label_classes: Sequence[str] | None = None,
    corpus: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``model`` and its metadata to one ``.keras`` file, atomically.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`affacrnn.models.build_model` (trained or not).
    path : str or path-like
        Destination; must end in ``.keras``. Its folder is created if missing; an existing file
        is replaced.
    config : AFFConfig
        The config the model was built and trained with.
    scaler_dict : mapping, optional
        The feature scaler fitted on the training split, as plain values (numpy arrays allowed,
        stored as lists), e.g. ``{"mean_": ..., "scale_": ...}``.
    label_classes : sequence of str, optional
        Class names in output order (``label_classes[i]`` is output column i).
    corpus : mapping, optional
        What it was trained on: ``{"name", "fingerprint", "utterances"}`` from
        :func:`affacrnn.features.dataset.corpus_fingerprint`; ``affacrnn evaluate`` refuses another corpus
        found under the same name.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ParameterError
        ``path`` does not end in ``.keras``, ``config`` is not an AFFConfig, or the metadata is
        not JSON-serialisable.
    """

    path = Path(path).expanduser()
    if path.suffix != ".keras":
        raise ParameterError(f"`path` must end in '.keras'; got {str(path)!r}. Pass e.g. 'model.keras'.")
    if not isinstance(config, AFFConfig):
        raise ParameterError(f"`config` must be an AFFConfig; got {type(config).__name__}. Pass the config used to build the model.")
    from affacrnn._quiet import load_keras

    keras = load_keras()

    meta = {
        "format": "affacrnn-model",
        "format_version": FORMAT_VERSION,
        "keras_version": keras.__version__,
        "config": config.to_dict(),
        "scaler": _jsonable(scaler_dict) if scaler_dict is not None else None,
        "label_classes": [str(c) for c in label_classes] if label_classes is not None else None,
        "feature_layout": feature_layout(config),
        "corpus": dict(corpus) if corpus is not None else None,
    }
    try:
        meta["digest"] = metadata_digest(meta)
        meta_text = json.dumps(meta, indent=1, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"`scaler_dict` must hold plain numbers, strings, lists or arrays; {exc}. Convert it first.") from None

    with atomic_path(path, suffix=".keras") as tmp:
        model.save(tmp, overwrite=True)
        with zipfile.ZipFile(tmp, mode="a", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(META_MEMBER, meta_text)
    return path


def model_file(path: str | os.PathLike) -> Path:
    """``path`` as a model file: a training folder (``affacrnn train --out``) stands for its ``model.keras``."""
    path = Path(path).expanduser()
    return path / "model.keras" if path.is_dir() and (path / "model.keras").is_file() else path


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The ``affacrnn.json`` of a model file, without loading the network.

    Returns
    -------
    dict
        ``config`` (an :class:`~affacrnn.models.config.AFFConfig`), ``scaler`` (dict or None),
        ``label_classes`` (list or None), ``keras_version``, ``format_version``.

    Raises
    ------
    ModelError
        Missing, not a zip, no ``affacrnn.json``, or a config this version cannot read.
    """

    path = model_file(path)
    if not path.is_file():
        raise ModelError(f"no model file at {str(path)!r}. {GET_ONE}")
    if not zipfile.is_zipfile(path):
        raise ModelError(f"model file {str(path)!r} is corrupt (not a .keras zip archive). {GET_ONE}")
    try:
        with zipfile.ZipFile(path) as zf:
            if META_MEMBER not in zf.namelist():
                raise ModelError(
                    f"model file {str(path)!r} has no {META_MEMBER} (not saved by affacrnn.save_model). {GET_ONE}"
                )
            meta = json.loads(zf.read(META_MEMBER).decode("utf-8"))
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"model file {str(path)!r} is corrupt ({type(exc).__name__}). {GET_ONE}") from None
    if not isinstance(meta, dict) or meta.get("format") != "affacrnn-model":
        raise ModelError(f"model file {str(path)!r} has a malformed {META_MEMBER}. {GET_ONE}")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"model file {str(path)!r} has format version {meta.get('format_version')!r}; this affacrnn reads "
            f"{FORMAT_VERSION}. {GET_ONE}"
        )
    digest = metadata_digest(meta)
    try:
        meta["config"] = AFFConfig.from_dict(meta.get("config"))
    except ParameterError as exc:
        raise ModelError(f"model file {str(path)!r} holds a config this affacrnn cannot use ({exc}) {GET_ONE}") from None
    if meta.get("digest") != digest:
        raise ModelError(f"model file {str(path)!r} is inconsistent: its {META_MEMBER} does not match the digest "
                         f"written with it, so the metadata was edited or damaged after it was saved. {GET_ONE}")
    _check_fields(meta, path)
    stored = meta.get("feature_layout")
    if stored != feature_layout(meta["config"]):
        raise ModelError(
            f"model file {str(path)!r} is inconsistent: its {META_MEMBER} names the feature set "
            f"{','.join(meta['config'].features)} ({meta['config'].n_frames} frames), but the network was "
            "trained on the columns fingerprinted "
            f"{stored.get('sha', '?')} ({stored.get('n_columns', '?')} columns); the metadata was edited or "
            f"damaged. {GET_ONE}"
        )
    return meta


def _check_fields(meta: dict[str, Any], path: Path) -> None:
    """Refuse metadata whose fields disagree with each other (the field named): an edited or damaged file."""
    config = meta["config"]

    def refuse(field: str, why: str) -> None:
        raise ModelError(f"model file {str(path)!r}: {META_MEMBER} field `{field}` {why}; the metadata was edited or "
                         f"damaged. {GET_ONE}")

    if not isinstance(meta.get("feature_layout"), dict):
        refuse("feature_layout", "is missing (every model file affacrnn writes has one)")
    classes = meta.get("label_classes")
    if classes is not None and (not isinstance(classes, list) or not all(isinstance(c, str) for c in classes)
                                or len(set(classes)) != len(classes)):
        refuse("label_classes", f"must be a list of distinct class names; got {str(classes)[:80]}")
    scaler = meta.get("scaler")
    if not _finite(scaler):
        refuse("scaler", "holds a number that is not finite")
    if isinstance(scaler, dict) and scaler.get("class") == "FeatureScaler":
        try:
            fitted = FeatureScaler.from_dict(scaler)
        except ParameterError as exc:
            refuse("scaler", str(exc).replace("FeatureScaler.from_dict: ", "").split(". Save with")[0])
        width = config.n_feature_columns() if config.uses_features else None
        if width is not None and getattr(fitted, "n_features_in_", width) != width:
            refuse("scaler", f"holds {fitted.n_features_in_} columns; the config's features have {width}")
    if meta.get("corpus") is not None and not isinstance(meta["corpus"], dict):
        refuse("corpus", "must be an object {name, fingerprint, utterances}")


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return bool(np.isfinite(value))
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def metadata_digest(meta: Mapping[str, Any]) -> str:
    """SHA-256 of the metadata's JSON (keys sorted, ``digest`` left out): written at save, checked at load.

    It catches any change to ``affacrnn.json`` after saving (a hand edit, a damaged archive): a
    scaler with other statistics, class names reordered, a deleted field. It is a checksum, not
    a signature: someone who recomputes it can still pass off a file, so only load models from
    people you trust.
    """
    body = {k: v for k, v in meta.items() if k != "digest"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def feature_layout(config) -> dict[str, Any]:
    """Fingerprint of the feature columns a model reads: their names in order, frames, rate, hop.

    Stored in the model file at save and checked at load, so a model whose ``affacrnn.json`` is
    changed to name another feature set of the same width is refused instead of predicting from
    the wrong columns.
    """
    import hashlib

    fc = config.feature_config()
    text = "\n".join([*column_names(fc.features), f"frames={fc.n_frames}", f"sr={fc.sr}", f"n_fft={fc.n_fft}",
                      f"hop={fc.hop_length}", f"version={FEATURES_VERSION}"])
    return {"sha": hashlib.sha256(text.encode()).hexdigest()[:16], "n_columns": fc.n_columns}


def load_model(path: str | os.PathLike) -> tuple[Any, dict[str, Any]]:
    """Load a model file written by :func:`save_model`, in Keras's safe mode.

    Parameters
    ----------
    path : str or path-like
        A ``.keras`` file from :func:`save_model`.

    Returns
    -------
    model : keras.Model
        The network, compiled as it was saved.
    meta : dict
        As :func:`read_metadata`: ``config`` (AFFConfig), ``scaler``, ``label_classes``, ...

    Raises
    ------
    ModelError
        The file is missing, corrupt, not from affacrnn, holds a ``Lambda`` layer (refused in safe
        mode), or cannot be rebuilt by this version of Keras/affacrnn.

    Examples
    --------
    >>> model, meta = load_model("results/cpu/model.keras")  # doctest: +SKIP
    >>> meta["label_classes"]  # doctest: +SKIP
    ['negative', 'neutral', 'positive']
    """
    path = model_file(path)
    meta = read_metadata(path)  # before importing Keras: a missing or corrupt file fails in a blink
    from affacrnn._quiet import load_keras

    keras = load_keras()

    from affacrnn.models import attention, pooling  # noqa: F401 - registers their layers for deserialisation

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = keras.saving.load_model(path, safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - every loader failure becomes one ModelError
        text = str(exc)
        if "Lambda" in text or "safe_mode" in text:
            raise ModelError(
                f"model file {str(path)!r} contains a Lambda layer (arbitrary code), refused in safe mode. {GET_ONE}"
            ) from None
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        raise ModelError(f"model file {str(path)!r} cannot be loaded ({first[:200]}). {GET_ONE}") from None
    for w in caught:
        message = str(w.message)
        if "skipping" in message.lower() and "optimizer" not in message:
            # Keras loaded what matched and kept fresh weights for the rest: not the saved model.
            raise ModelError(
                f"model file {str(path)!r} does not match the network it describes ({message.split(':')[0]}). {GET_ONE}"
            )
        if "optimizer" not in message:  # an untrained model's optimizer state is legitimately absent
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    _check_consistent(model, meta, path)
    return model, meta


def window_input_shapes(config) -> dict[str, tuple[int, ...]]:
    """Input name → shape of one window (no batch axis) of the network ``config`` describes.

    ``"features"`` ``(context, n_frames, D)`` when the model reads features, ``"graphs"``
    ``(context, image_size, image_size, 1)`` when it reads spectrum graphs.
    """
    shapes: dict[str, tuple[int, ...]] = {}
    if config.uses_features:
        shapes["features"] = (config.context, config.n_frames, config.n_feature_columns())
    if config.uses_graphs:
        shapes["graphs"] = (config.context, config.image_size, config.image_size, 1)
    return shapes


def _check_consistent(model, meta: dict[str, Any], path: Path) -> None:
    """Raise ModelError if the network's inputs or outputs are not the ones its metadata describes."""
    config = meta["config"]
    names = {t.name.split(":")[0] for t in getattr(model, "inputs", [])}
    if not names <= {"features", "graphs"}:
        return  # not an affacrnn network (a user's own model saved with save_model): nothing to compare
    expected = window_input_shapes(config)
    shapes = model.input_shape if isinstance(model.input_shape, dict) else None
    if shapes is None:
        order = [t.name.split(":")[0] for t in model.inputs]
        shapes = dict(zip(order, model.input_shape if len(model.inputs) > 1 else [model.input_shape]))
    got = {k: tuple(v[1:]) for k, v in shapes.items()}
    # a masked network takes any number of frames: None there matches the config's n_frames
    got = {k: tuple(e if g is None else g for g, e in zip(v, expected.get(k, v))) if len(v) == len(expected.get(k, v))
           else v for k, v in got.items()}
    classes = meta.get("label_classes")
    n_out = model.output_shape[-1] if not isinstance(model.output_shape, list) else None
    if got != expected or (classes is not None and n_out is not None and len(classes) != n_out):
        raise ModelError(
            f"model file {str(path)!r} is inconsistent: its network takes {got} with {n_out} outputs but its "
            f"config describes {expected} and {len(classes) if classes is not None else '?'} classes. {GET_ONE}"
        )
