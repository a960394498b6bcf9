"""``Prepared.select``: one featurisation of all feature types serves every subset (a column view)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from affacrnn.errors import ParameterError
from affacrnn.features.dataset import Prepared
from affacrnn.features.frames import ALL_FEATURES, PAPER_FEATURES, column_blocks
from affacrnn.features.normalize import FeatureScaler


def _prepared(graphs: bool = True) -> Prepared:
    rng = np.random.default_rng(1)
    n, T = 6, 4
    D = column_blocks(ALL_FEATURES)["tonnetz"].stop
    X = rng.normal(size=(n, T, D)).astype(np.float32)
    table = pd.DataFrame({"split": ["train"] * 4 + ["test"] * 2, "y": [0, 1] * 3})
    return Prepared(table=table, classes=("a", "b"), windows=np.arange(n)[:, None], features=X,
                    graphs=rng.random((n, 8, 8)).astype(np.float32) if graphs else None,
                    scaler=FeatureScaler().fit(X))


def test_select_slices_the_columns_of_the_chosen_types_and_their_scaler():
    data = _prepared()
    view = data.select(have=ALL_FEATURES, features=("contrast", "mfcc"), graphs=False)
    blocks = column_blocks(ALL_FEATURES)
    cols = np.r_[np.arange(blocks["mfcc"].start, blocks["mfcc"].stop),
                 np.arange(blocks["contrast"].start, blocks["contrast"].stop)]
    np.testing.assert_array_equal(view.features, data.features[..., cols])  # kept in `have`'s order
    np.testing.assert_allclose(view.scaler.mean_, data.scaler.mean_[cols])
    assert view.graphs is None and view.table is data.table and view.windows is data.windows
    same = data.select(have=ALL_FEATURES, features=ALL_FEATURES)
    assert same.features is data.features and same.graphs is data.graphs and same.scaler is data.scaler
    assert data.select(have=ALL_FEATURES, features=None).features is None


def test_select_refuses_types_that_were_not_featurised_and_missing_graphs():
    data = _prepared(graphs=False)
    part = data.select(have=ALL_FEATURES, features=PAPER_FEATURES, graphs=False)
    with pytest.raises(ParameterError, match="were not featurised"):
        part.select(have=PAPER_FEATURES, features=("rms",), graphs=False)
    with pytest.raises(ParameterError, match="spectrum graphs were not computed"):
        data.select(have=ALL_FEATURES, features=PAPER_FEATURES, graphs=True)


def test_the_memory_check_counts_the_page_cache_the_kernel_can_reclaim(monkeypatch):
    """A machine that has just read a corpus has little *free* memory and much page cache: the check reads
    what is available (psutil), so a 0.2 GiB fold is not refused beside 19 GiB of cache."""
    import types

    from affacrnn.features import dataset
    from affacrnn.models import presets

    config = presets.CPU
    one = config.n_frames * config.feature_config().n_columns * 4 + config.image_size**2 * 4
    monkeypatch.setattr(dataset.psutil, "virtual_memory", lambda: types.SimpleNamespace(available=19 * 2**30, free=2**20))
    dataset._check_memory(1608, config)  # EmoDB + RAVDESS in one fold: fits
    monkeypatch.setattr(dataset.psutil, "virtual_memory", lambda: types.SimpleNamespace(available=one * 1608, free=2**20))
    with pytest.raises(ParameterError, match=r"n_frames.*1608 utterances.*available"):
        dataset._check_memory(1608, config)


def test_every_preset_is_the_input_settings_prepare_reads():
    """prepare (features, below the config) types its settings as a protocol; the config must keep satisfying it."""
    import typing

    from affacrnn.features.dataset import InputSettings
    from affacrnn.models import presets
    from affacrnn.models.config import AFFConfig

    for preset in presets.PRESETS.values():
        assert isinstance(preset, InputSettings)
    hints = typing.get_type_hints(AFFConfig)
    for name in InputSettings.__annotations__:
        assert name in hints, name
    assert not isinstance(object(), InputSettings)
