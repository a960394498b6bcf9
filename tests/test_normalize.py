"""FeatureScaler: per-column statistics from training data, sklearn-style, JSON round trip."""
from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from affacrnn.errors import AffacrnnError, FeatureError, ParameterError
from affacrnn.features.normalize import FeatureScaler, ScalerNotFittedError


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    scale = np.array([1.0, 1000.0, 0.01, 5.0])
    return (rng.normal(size=(20, 50, 4)) * scale + np.array([3.0, 2000.0, 0.5, -1.0])).astype(np.float32)


def test_fit_learns_per_column_statistics(X):
    s = FeatureScaler().fit(X)
    flat = X.reshape(-1, 4).astype(np.float64)
    np.testing.assert_allclose(s.mean_, flat.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(s.scale_, flat.std(axis=0), rtol=1e-10)
    assert s.n_features_in_ == 4 and s.n_samples_seen_ == 1000
    Z = s.transform(X)
    assert Z.shape == X.shape and Z.dtype == np.float32
    np.testing.assert_allclose(Z.reshape(-1, 4).mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(Z.reshape(-1, 4).std(axis=0), 1.0, rtol=1e-4)


def test_two_d_input_and_fit_transform(X):
    flat = X.reshape(-1, 4)
    s = FeatureScaler()
    np.testing.assert_allclose(s.fit_transform(flat), FeatureScaler().fit(X).transform(X).reshape(-1, 4), rtol=1e-6)


def test_statistics_come_from_training_data_only(X):
    train, test = X[:15], X[15:] + 100.0
    s = FeatureScaler().fit(train)
    Zt = s.transform(test)
    # test data is scaled with the training statistics, so its mean is far from 0
    assert np.all(Zt.reshape(-1, 4).mean(axis=0)[[0, 2, 3]] > 10)


def test_constant_column_gets_unit_scale(X):
    X = X.copy()
    X[..., 2] = 7.0
    s = FeatureScaler().fit(X)
    assert s.scale_[2] == 1.0
    Z = s.transform(X)
    assert np.all(np.isfinite(Z)) and np.all(Z[..., 2] == 0.0)


def test_refuses_to_transform_before_fit(X):
    s = FeatureScaler()
    for method in (s.transform, s.inverse_transform):
        with pytest.raises(ScalerNotFittedError, match="not fitted yet. Call fit") as exc:
            method(X)
        assert isinstance(exc.value, AffacrnnError) and isinstance(exc.value, NotFittedError)


def test_inverse_round_trip(X):
    s = FeatureScaler().fit(X)
    np.testing.assert_allclose(s.inverse_transform(s.transform(X)), X, rtol=1e-5, atol=1e-4)
    X64 = X.astype(np.float64)
    assert s.transform(X64).dtype == np.float64


def test_to_dict_from_dict_json_round_trip(X):
    s = FeatureScaler().fit(X)
    d = json.loads(json.dumps(s.to_dict()))
    r = FeatureScaler.from_dict(d)
    np.testing.assert_array_equal(r.transform(X), s.transform(X))
    assert r.n_samples_seen_ == s.n_samples_seen_
    unfitted = FeatureScaler.from_dict(json.loads(json.dumps(FeatureScaler(with_std=False).to_dict())))
    assert unfitted.with_std is False and not hasattr(unfitted, "mean_")
    with pytest.raises(ParameterError, match="to_dict"):
        FeatureScaler.from_dict({"mean": [1.0]})


def test_options_and_sklearn_protocol(X):
    s = FeatureScaler(with_mean=False).fit(X)
    assert np.all(s.mean_ == 0)
    s = FeatureScaler(with_std=False).fit(X)
    assert np.all(s.scale_ == 1)
    c = clone(FeatureScaler(with_mean=False))
    assert c.get_params() == {"with_mean": False, "with_std": True} and not hasattr(c, "mean_")


def test_bad_inputs(X):
    s = FeatureScaler().fit(X)
    with pytest.raises(ParameterError, match="has 3 columns; the scaler was fitted on 4"):
        s.transform(X[..., :3])
    with pytest.raises(ParameterError, match="shape"):
        FeatureScaler().fit(np.zeros(5))
    bad = X.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(FeatureError, match="NaN/Inf"):
        FeatureScaler().fit(bad)
    with pytest.raises(ParameterError, match="with_mean"):
        FeatureScaler(with_mean="yes").fit(X)


def test_select_columns_is_the_scaler_of_those_columns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 7, 5)) * np.arange(1, 6) + np.arange(5)
    full = FeatureScaler().fit(X)
    cols = np.array([0, 3, 4])
    part = full.select_columns(cols)
    alone = FeatureScaler().fit(X[..., cols])
    np.testing.assert_allclose(part.mean_, alone.mean_)
    np.testing.assert_allclose(part.scale_, alone.scale_)
    np.testing.assert_allclose(part.transform(X[..., cols]), full.transform(X)[..., cols])
    assert part.n_features_in_ == 3 and full.n_features_in_ == 5  # the original is untouched
    with pytest.raises(ScalerNotFittedError):
        FeatureScaler().select_columns(cols)


def test_speaker_groups_of_two_corpora_do_not_merge_equal_speaker_ids():
    """EmoDB's speaker "03" and RAVDESS's actor "03" are two voices: per-speaker statistics keep them apart."""
    import pandas as pd

    from affacrnn.features.dataset import normalization_groups

    table = pd.DataFrame({"speaker": ["03", "03", "04"], "corpus": ["ravdess", "emodb", "emodb"]})
    groups = normalization_groups(table, "speaker")
    assert len(set(groups)) == 3
    one = table[table["corpus"] == "emodb"]
    assert list(normalization_groups(one, "speaker")) == ["03", "04"]  # one corpus: the ids as they are
