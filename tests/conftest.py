"""Shared fixtures.

Tests that need the real corpora read them from the data root (``AFFACRNN_DATA``; ``.ci/run``
points it at ``../shared/data``). On a reader's machine without the corpora those tests are
skipped with a message saying how to provide them; under CI (``CI`` set) a missing corpus is a
failure, so nothing is hidden there.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from affacrnn.data.corpora import CORPUS_SPECS
from affacrnn.settings import data_root as _data_root

#: What marks each shared corpus as present under the data root: the registry's markers (the demo corpus is made,
#: never needed), and bc-LSTM's published MOSI audio vectors.
CORPUS_MARKERS = {
    **{n: f"{s.folder}/{s.marker}".removesuffix("/.") for n, s in CORPUS_SPECS.items() if not s.generated},
    "mosi_vectors": "mosi/bc-lstm/audio_train0.csv",
}


#: Test modules whose module-scoped fixtures train a model (30–40 s each on 2 cores). They are collected first:
#: xdist's ``--dist worksteal`` (pyproject.toml) hands each worker a contiguous block of the collection and
#: steals only from the tail of a block, so these run whole on the first worker and each model trains once
#: a run (split over both workers, as happened, each worker trained its own; test_dependency_hooks.py checks
#: the scheduling this relies on).
TRAINED_FIXTURE_MODULES = ("test_train.py", "test_inference.py")


def pytest_collection_modifyitems(config, items):  # noqa: ARG001 - pytest's hook signature
    first = {name: rank for rank, name in enumerate(TRAINED_FIXTURE_MODULES)}
    items.sort(key=lambda item: first.get(item.path.name, len(first)))  # stable: every module keeps its order


def _need(name: str) -> Path:
    root = _data_root()
    if not (root / CORPUS_MARKERS[name]).exists():
        msg = (
            f"corpus {name!r} not found under {root}; set AFFACRNN_DATA to a folder holding "
            f"{CORPUS_MARKERS[name]} (CI uses ../shared/data)"
        )
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return root


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The data root holding every shared corpus (and MOSI's published vectors)."""
    for name in CORPUS_MARKERS:
        _need(name)
    return _data_root()


@pytest.fixture(scope="session")
def ravdess_root() -> Path:
    return _need("ravdess")


@pytest.fixture(scope="session")
def emodb_root() -> Path:
    return _need("emodb")


@pytest.fixture(scope="session")
def mosi_root() -> Path:
    return _need("mosi")


@pytest.fixture(scope="session")
def mosi_vectors_root() -> Path:
    """The data root holding MOSI's label file and bc-LSTM's published audio vectors (``mosi/bc-lstm/``)."""
    _need("mosi")
    return _need("mosi_vectors")


@pytest.fixture(scope="session")
def speech_clip(ravdess_root):
    """A real RAVDESS utterance (angry, strong, actor 12), path and 22050 Hz samples."""
    from affacrnn.data.audio import load_audio

    path = next((ravdess_root / "ravdess").rglob("03-01-05-02-01-01-12.*"))
    return path, load_audio(path, sr=22050)
