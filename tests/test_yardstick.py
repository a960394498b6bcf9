"""The field's yardstick: openSMILE features through the package, per-speaker normalisation, the tuned SVM,
the crossval models and chapter 9's widget (book chapter 09)."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from affacrnn.errors import FeatureError, ParameterError
from affacrnn.evaluation.baselines.functionals import FunctionalsSVM, speaker_zscore
from affacrnn.features import opensmile as osm


@pytest.fixture(scope="module")
def ravdess_clips(ravdess_root):
    """Six real RAVDESS utterances of two actors."""
    files = sorted((ravdess_root / "ravdess").rglob("*.flac")) or sorted((ravdess_root / "ravdess").rglob("*.wav"))
    chosen = [f for f in files if f.parent.name in ("Actor_01", "Actor_02")]
    return [str(f) for f in chosen[:3] + chosen[-3:]]


@pytest.mark.parametrize("feature_set, d", [("egemaps", 88), ("compare", 6373)])
def test_functionals_of_real_speech_are_finite_and_cached(ravdess_clips, tmp_path, feature_set, d):
    X = osm.opensmile_features(ravdess_clips, feature_set=feature_set, cache_dir=tmp_path, progress=False, n_jobs=1)
    assert X.shape == (6, d) and X.dtype == np.float32 and np.isfinite(X).all() and X.std(axis=0).max() > 0
    assert len(list((tmp_path / "features").rglob("*.npy"))) == 6
    again = osm.opensmile_features(ravdess_clips, feature_set=feature_set, cache_dir=tmp_path, progress=False)
    assert np.array_equal(X, again)
    names = osm.opensmile_names(feature_set=feature_set)
    assert len(names) == d and (feature_set != "egemaps" or names[0].startswith("F0semitone"))


def test_a_damaged_cache_entry_is_recomputed(ravdess_clips, tmp_path):
    X = osm.opensmile_features(ravdess_clips[:1], feature_set="egemaps", cache_dir=tmp_path, progress=False)
    entry = next((tmp_path / "features").rglob("*.npy"))
    entry.write_bytes(b"not an array")
    again = osm.opensmile_features(ravdess_clips[:1], feature_set="egemaps", cache_dir=tmp_path, progress=False)
    assert np.array_equal(X, again)


def test_low_level_descriptors_are_a_padded_frame_matrix(ravdess_clips):
    L = osm.opensmile_features(ravdess_clips[:2], feature_set="egemaps", level="llds", n_frames=600, cache_dir=False,
                               progress=False)
    assert L.shape == (2, 600, 25) and np.isfinite(L).all()
    assert (L[:, -1] == 0).all() and (np.abs(L[:, 0]).sum(axis=1) > 0).all()  # ~3.5 s clips: 10 ms frames, then zeros


def test_bad_arguments_and_the_missing_extra_say_the_fix(ravdess_clips, monkeypatch):
    with pytest.raises(ParameterError, match="feature_set.*'egemaps'"):
        osm.opensmile_features(ravdess_clips, feature_set="gemaps")
    with pytest.raises(ParameterError, match="level"):
        osm.opensmile_features(ravdess_clips, level="frames")
    monkeypatch.setitem(sys.modules, "opensmile", None)  # what Python does for a package that is not installed
    with pytest.raises(FeatureError, match=r"pip install 'affacrnn\[opensmile\]'.*not commercial use"):
        osm.opensmile_features(ravdess_clips, feature_set="egemaps", cache_dir=False)


def test_speaker_zscore_uses_each_speakers_own_statistics():
    X = np.array([[1.0, 5.0], [3.0, 5.0], [10.0, 0.0], [30.0, 2.0]])
    Z = speaker_zscore(X, ["a", "a", "b", "b"])
    assert np.allclose(Z, [[-1, 0], [1, 0], [-1, -1], [1, 1]])  # a constant column within a speaker becomes 0
    with pytest.raises(ParameterError, match="one speaker per row"):
        speaker_zscore(X, ["a", "b"])


def test_the_svm_chooses_kernel_and_c_on_other_speakers_only():
    rng = np.random.default_rng(0)
    speakers = np.repeat(np.arange(8), 20)
    y = rng.integers(0, 2, len(speakers))
    X = rng.normal(size=(len(y), 5)) + 2.0 * y[:, None] + 3.0 * speakers[:, None]  # a speaker offset on every column
    svm = FunctionalsSVM(Cs=(0.1, 1.0)).fit(speaker_zscore(X, speakers), y, groups=speakers)
    assert set(svm.best_params_) == {"svm__C", "svm__kernel"} and svm.search_.n_splits_ == 4
    assert (svm.predict(speaker_zscore(X, speakers)) == y).mean() > 0.9
    with pytest.raises(ParameterError, match="needs `groups`"):
        FunctionalsSVM().fit(X, y)
    with pytest.raises(ParameterError, match="at least 2 speakers"):
        FunctionalsSVM().fit(X, y, groups=np.zeros(len(y)))


def test_a_yardstick_fold_runs_through_crossval(ravdess_root, tmp_path):
    from reproduction.crossval import crossval

    df = crossval(mode="smoke", models=("egemaps_svm_speaker",), scheduler="inline", results_dir=tmp_path,
                  progress=False)
    folds = df[df["fold"] != "mean"]
    assert len(folds) == 4 and folds["macro_f1"].between(0, 100).all()
    assert folds["svm_params"].str.match(r"(linear|rbf), C=").all()
    assert len(df[df["fold"] == "mean"]) == 1  # the chosen settings do not split the summary row
    assert len(list((tmp_path / "crossval-parts").glob("smoke-ravdess-sentiment3-egemaps_svm_speaker-*.json"))) == 4


def test_chapter_9s_widget_switches_the_pipeline():
    from reproduction.widgets import yardstick_folds, yardstick_widget

    rows = []
    for fold in range(4):
        for model, f1 in (("compare_svm_speaker", 75.0 + fold), ("affacrnn_staged", 60.0), ("svm_speaker", 65.0)):
            rows.append({"corpus": "ravdess", "scheme": "sentiment3", "model": model, "fold": fold, "seed": 0,
                         "cross": "", "features": "mfcc,centroid,chroma,contrast", "options": "", "macro_f1": f1})
    runs = pd.DataFrame(rows)
    table = yardstick_folds(runs, scheme="sentiment3", model="compare_svm_speaker")
    assert list(table.index) == ["fold 0", "fold 1", "fold 2", "fold 3", "mean", "sd"]
    assert table.loc["mean", "yardstick − AFF-ACRNN (staged)"] == 16.5
    assert yardstick_folds(runs, scheme="sentiment3", model="egemaps_svm").empty
    with pytest.raises(ParameterError, match="must be one of"):
        yardstick_folds(runs, scheme="sentiment3", model="svm")
    box = yardstick_widget(runs)
    features, norm, _scheme, out = box.children
    assert "75.0" in out.value and "16.5" in out.value
    features.value = "egemaps"
    assert "No committed folds of <code>egemaps_svm_speaker</code>" in out.value
    features.value, norm.value = "compare", ""
    assert "compare_svm</code>" in out.value


@pytest.mark.parametrize("first", [
    pytest.param("import tensorflow", marks=pytest.mark.slow),
    pytest.param("from affacrnn._quiet import import_tensorflow; import_tensorflow()", marks=pytest.mark.slow),
    "import tensorflow\nimport opensmile",  # openSMILE imported after TensorFlow: still extracted in a worker
])
def test_opensmile_survives_tensorflow_in_the_same_process(ravdess_clips, first):
    """openSMILE's library loaded after TensorFlow's aborts at its first extraction (``malloc(): invalid size``):
    affacrnn loads it first, or extracts in fresh worker processes when TensorFlow came first."""
    import subprocess

    code = (f"{first}\nfrom affacrnn.features.opensmile import opensmile_features\n"
            f"X = opensmile_features({ravdess_clips[:2]!r}, cache_dir=False, progress=False)\n"
            f"Y = opensmile_features({ravdess_clips[:2]!r}, feature_set='compare', cache_dir=False, progress=False)\n"
            "print(X.shape)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "(2, 88)"
