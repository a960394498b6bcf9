"""Import TensorFlow without its C++ start-up chatter.

TensorFlow's native code logs to file descriptor 2 on import and on its first device probe
(absl's "log messages before InitializeLog", oneDNN notes, CUDA probes on machines without a
GPU). ``TF_CPP_MIN_LOG_LEVEL`` no longer silences all of it, and in a notebook it lands in the
output of whichever cell first touched a model. :func:`import_tensorflow` imports TensorFlow and
Keras and probes devices once with descriptor 2 pointed at ``/dev/null``; Python exceptions are
unaffected (they are raised after the descriptor is restored).

It also drops TensorFlow's "triggered tf.function retracing" warning: the experiments and the
book build many small models in one process on purpose, and each new model traces its own
functions, which that warning misreads as a performance bug.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import importlib.util
import logging
import os
import sys

__all__ = ["import_tensorflow", "load_keras"]


class _NoRetracingWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


logging.getLogger("tensorflow").addFilter(_NoRetracingWarning())  # this module is imported once


def _opensmile_first() -> None:
    """Load openSMILE's native library before TensorFlow's, when the optional extra is installed: loaded
    after TensorFlow, its first extraction aborts the process (see :mod:`affacrnn.features.opensmile`)."""
    if "opensmile" in sys.modules or importlib.util.find_spec("opensmile") is None:
        return
    try:
        import opensmile  # noqa: F401
    except Exception:  # noqa: BLE001 - a broken optional extra must not stop TensorFlow; using it says why
        pass


def import_tensorflow() -> None:
    """Import tensorflow and keras (once per process) with native stderr muted (openSMILE's library first)."""
    if "tensorflow" in sys.modules:
        return
    _opensmile_first()
    if "ipykernel" in sys.modules:
        # Inside a Jupyter kernel descriptor 2 is a pipe that ipykernel watches and synchronises
        # through; pointing it elsewhere, even briefly, can leave the notebook client waiting
        # forever for a cell to finish (seen with papermill). Import plainly there.
        import keras  # noqa: F401

        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real descriptor 2 (unusual embedding): import as is
        import keras  # noqa: F401
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf
        import keras  # noqa: F401

        tf.config.list_physical_devices("GPU")  # the CUDA probe logs here on CPU-only machines
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def load_keras():
    """The ``keras`` module, imported through :func:`import_tensorflow` (for lazy imports)."""
    import_tensorflow()
    import keras

    return keras
