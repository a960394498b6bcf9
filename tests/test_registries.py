"""Registries: a new CNN is declared once, and everything that lists CNNs picks it up without another edit."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from affacrnn.errors import ParameterError
from affacrnn.models.cnn_zoo import CNN_ZOO, CNNS, CNNSpec, register_cnn

#: Run in a fresh interpreter: the CNN is registered before the experiments are imported, as a user's plugin would.
_PLUGIN = r'''
import json
from affacrnn.models.cnn_zoo import CNNSpec, register_cnn

def trunk(x):
    import keras
    return keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="tiny_conv")(x)

register_cnn(CNNSpec("tiny", 4, "one 3x3 convolution (a test's)", "Tiny", trunk=trunk, step_seconds=0.05,
                     build_seconds=2))

from reproduction import costs, crossval, fold_tables, summary
from affacrnn.models import build_cnn, presets

cfg = presets.SMOKE.replace(cnn="tiny")
runs = fold_tables.fold_runs("/nonexistent")
t3 = fold_tables.fold_tables(runs, sets={})["table3"]
tasks = crossval.plan_tasks(corpus="ravdess", schemes=["sentiment3"], models=["sbcnn_tiny"], seeds=[0], mode="full")
print(json.dumps({
    "config": cfg.cnn, "dim": build_cnn("tiny", input_size=16).output_shape[-1],
    "crossval": crossval.CROSSVAL_MODELS["sbcnn_tiny"], "label": fold_tables.LABELS["sbcnn_tiny"],
    "readme": summary.MODEL_LABELS["sbcnn_tiny"], "minutes": costs.fold_minutes(model="sbcnn_tiny"),
    "table3": [m for m in t3["model"] if "Tiny" in m], "tasks": len(tasks),
}))
'''


def test_a_cnn_registered_once_reaches_the_config_the_builder_the_experiments_and_the_cost_model():
    proc = subprocess.run([sys.executable, "-c", _PLUGIN], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["config"] == "tiny" and found["dim"] == 4
    assert found["crossval"] == {"architecture": "sbcnn", "cnn": "tiny"}
    assert found["label"] == found["readme"] == "SBCNN (Tiny)"
    assert 0 < found["minutes"] < 60 and found["table3"] == ["SBCNN (Tiny)", "SBCNN (Tiny)"]  # one row per scheme
    assert found["tasks"] == 4


def test_the_zoo_is_its_registry_and_refuses_a_second_entry_of_a_name():
    assert list(CNN_ZOO) == list(CNNS) and all(CNN_ZOO[n] == (s.dim, s.description) for n, s in CNNS.items())
    assert {n for n, s in CNNS.items() if s.in_paper} == {"lenet", "alexnet", "zfnet", "vgg16", "resnet18",
                                                          "resnet50", "resnet152"}
    with pytest.raises(ParameterError, match="already in the zoo"):
        register_cnn(CNNSpec("small", 1, "again", "Small", trunk=lambda x: x))
    with pytest.raises(ParameterError, match="exactly one of"):
        register_cnn(CNNSpec("neither", 1, "no builder", "Neither"))
    assert "neither" not in CNNS


_CORPUS_PLUGIN = r'''
import json, sys
from pathlib import Path
import pandas as pd
from affacrnn.data.corpora import CorpusSpec, load_corpus, available_corpora, register_corpus
from affacrnn.data.corpora.manifest import load_manifest

register_corpus(CorpusSpec("toy", "toy", "list.csv", lambda folder, seed: load_manifest(folder / "list.csv", seed=seed),
                           "a test's corpus", speaker_folds=3, utterances=12))

from reproduction import costs, crossval

root = sys.argv[1]
table = load_corpus("toy", root=root)
tasks = crossval.plan_tasks(corpus="toy", schemes=["sentiment2"], models=["svm"], seeds=[0], mode="full")
print(json.dumps({"rows": len(table), "speakers": int(table["speaker"].nunique()),
                  "available": "toy" in available_corpora(root=root), "folds": crossval.FOLDS["toy"],
                  "tasks": len(tasks), "minutes": costs.fold_minutes(model="ub_bilstm", corpus="toy")}))
'''


def test_a_corpus_registered_once_loads_by_name_and_reaches_the_folds_and_the_cost_model(tmp_path):
    import numpy as np
    import soundfile as sf

    folder = tmp_path / "toy"
    folder.mkdir()
    rows = []
    for i in range(12):  # 6 speakers, 2 clips each: half a second of a tone
        path = folder / f"clip{i}.wav"
        sf.write(path, 0.1 * np.sin(np.linspace(0, 400 * np.pi, 8000)).astype(np.float32), 16000)
        rows.append({"path": path.name, "speaker": f"s{i // 2}", "emotion": ("happy", "angry")[i % 2]})
    pd.DataFrame(rows).to_csv(folder / "list.csv", index=False)
    proc = subprocess.run([sys.executable, "-c", _CORPUS_PLUGIN, str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["rows"] == 12 and found["speakers"] == 6 and found["available"]
    assert found["folds"] == 3 and found["tasks"] == 3 and found["minutes"] > 0


def test_the_corpus_registry_is_what_load_corpus_and_the_folds_read():
    from affacrnn.data.corpora import CORPORA, CORPUS_SPECS, CorpusSpec, register_corpus
    from reproduction.costs import fold_minutes
    from reproduction.crossval import FOLDS

    assert list(CORPORA) == list(CORPUS_SPECS) == ["ravdess", "emodb", "mosi", "demo"]
    assert FOLDS == {"ravdess": 4, "emodb": 5}
    assert fold_minutes(model="ub_bilstm", corpus="emodb") < fold_minutes(model="ub_bilstm", corpus="ravdess")  # 535 vs 1440
    with pytest.raises(ParameterError, match="already registered"):
        register_corpus(CorpusSpec("emodb", "x", ".", lambda f, s: None, "again"))


def test_table_2s_all_seven_are_the_papers_not_whatever_the_layout_offers():
    from reproduction.fold_tables import ALL7
    from reproduction.paper import PAPER_SEVEN
    from affacrnn.features.frames import ALL_FEATURES, normalize_feature_set

    assert ALL7.split(",") == list(PAPER_SEVEN) == list(normalize_feature_set(PAPER_SEVEN))  # the runs' own order
    assert set(PAPER_SEVEN) <= set(ALL_FEATURES)


_MODEL_PLUGIN = r'''
import json
from affacrnn.data.labels import LabelScheme, register_scheme
from affacrnn.evaluation.baselines import SVMBaseline, make_baseline, register_baseline


class LinearishSVM(SVMBaseline):
    """A test's baseline: the SVM under another name, so every list must learn it from the registry."""


register_baseline("linearish_svm", LinearishSVM)
register_scheme(LabelScheme("arousal2", "emotion", ("low", "high"),
                            (("neutral", None, "low"), ("calm", None, "low"), ("sad", None, "low"),
                             ("angry", None, "high"), ("happy", None, "high"), ("fearful", None, "high"),
                             ("disgust", None, None), ("surprised", None, None)),
                            "a test's arousal scheme"))

from reproduction.models import ModelSpec, register_model

register_model(ModelSpec("linearish", "Linear-ish SVM", baseline="linearish_svm", params={"C": 1.0}, seconds=5))

from reproduction import costs, crossval, fold_tables, summary
from affacrnn.models import presets

df = crossval.crossval(mode="smoke", schemes=["arousal2"], models=["linearish"], scheduler="inline",
                       results_dir=None, progress=False)
mean = df[df["fold"] == "mean"].iloc[0]
print(json.dumps({
    "made": type(make_baseline("linearish_svm")).__name__, "config": presets.SMOKE.replace(label_scheme="arousal2").check_run().label_scheme,
    "label": fold_tables.LABELS["linearish"], "readme": summary.MODEL_LABELS["linearish"],
    "minutes": costs.fold_minutes(model="linearish"), "folds": int((df["fold"] != "mean").sum()),
    "scheme": mean["scheme"], "macro_f1": float(mean["macro_f1"]),
}))
'''


def test_a_baseline_a_scheme_and_a_model_registered_once_run_in_the_cross_validation(ravdess_root):
    proc = subprocess.run([sys.executable, "-c", _MODEL_PLUGIN], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["made"] == "LinearishSVM" and found["config"] == "arousal2"
    assert found["label"] == found["readme"] == "Linear-ish SVM"
    assert found["minutes"] == pytest.approx(4 * 5 / 60)
    assert found["folds"] == 4 and found["scheme"] == "arousal2" and 0 < found["macro_f1"] <= 100


def test_the_model_registry_is_every_list_the_experiments_keep():
    from reproduction.crossval import BASELINE_MODELS, CROSSVAL_MODELS, DEFAULT_MODELS, MODEL_LABELS
    from reproduction.models import MODELS, ModelSpec, register_model
    from reproduction.yardstick import FUNCTIONALS_MODELS

    assert list(CROSSVAL_MODELS) == list(MODELS) == list(MODEL_LABELS)
    assert DEFAULT_MODELS == ["svm", "svm_speaker", "ub_bilstm", "sbcnn_small", "sbcnn_resnet18", "affacrnn_staged",
                              "affacrnn_end_to_end"]
    assert BASELINE_MODELS["svm_speaker"] == ("svm", {"C": 10.0, "class_weight": "balanced"}, "speaker")
    assert FUNCTIONALS_MODELS["compare_svm_speaker"] == ("compare", "speaker")
    assert MODEL_LABELS["svm"] == "SVM (plain)" and MODEL_LABELS["compare_svm"] == "ComParE + SVM (plain)"
    with pytest.raises(ParameterError, match="already registered"):
        register_model(ModelSpec("svm", "again", baseline="svm"))
    with pytest.raises(ParameterError, match="exactly one of"):
        register_model(ModelSpec("both", "Both", overrides={}, baseline="svm"))
    with pytest.raises(ParameterError, match="Register the baseline first"):
        register_model(ModelSpec("nobody", "Nobody", baseline="nobody"))
    assert "both" not in MODELS and "nobody" not in MODELS


def test_schemes_and_baselines_refuse_a_second_entry_of_a_name():
    from affacrnn.data.labels import SCHEMES, register_scheme
    from affacrnn.evaluation.baselines import SVMBaseline, register_baseline

    with pytest.raises(ParameterError, match="already registered"):
        register_scheme(SCHEMES["sentiment2"])
    with pytest.raises(ParameterError, match="already registered"):
        register_baseline("svm", SVMBaseline)
    with pytest.raises(ParameterError, match="FrameBaseline subclass"):
        register_baseline("not_a_baseline", dict)


_FEATURE_PLUGIN = r'''
import json, sys, tempfile
import numpy as np
from affacrnn.features import ClipSpectrum, FeatureConfig, FeatureType, register_feature


def bandwidth(clip: ClipSpectrum) -> np.ndarray:
    import librosa
    return librosa.feature.spectral_bandwidth(S=clip.S, sr=clip.config.sr)


register_feature(FeatureType("bandwidth", 1, ("bandwidth",), "spectral bandwidth (a test's)", compute=bandwidth,
                             version="1"))

from affacrnn.cli import main
from affacrnn.data.audio import load_audio
from affacrnn.data.corpora import load_corpus
from affacrnn.features import column_names, extract_features, extract_features_naive
from affacrnn.features.cache import featurize
from affacrnn.models import presets

cfg = FeatureConfig(features=("bandwidth", "mfcc"))
table = load_corpus("ravdess").head(3)
y = load_audio(table["path"].iloc[0], sr=cfg.sr)
fast, naive = extract_features(y, config=cfg), extract_features_naive(y, config=cfg)
with tempfile.TemporaryDirectory() as cache:
    first = featurize(table, config=cfg, image_size=None, cache_dir=cache, n_jobs=1, progress=False)
    again = featurize(table, config=cfg, image_size=None, cache_dir=cache, n_jobs=1, progress=False)
    code = main(["--quiet", "features", "ravdess", "--limit", "2", "--features", "all", "--cache-dir", cache])
print(json.dumps({
    "features": list(cfg.features), "columns": column_names(cfg.features)[-1], "shape": list(fast.shape),
    "close": bool(np.allclose(fast, naive, rtol=1e-4, atol=1e-3)), "X": list(first.X.shape),
    "cached": again.report.n_cached, "same": bool(np.array_equal(first.X, again.X)),
    "config": presets.SMOKE.replace(features=("mfcc", "bandwidth")).n_feature_columns(), "cli": code,
}))
'''


def test_a_feature_type_registered_once_reaches_extraction_the_cache_the_config_and_the_command_line(ravdess_root):
    proc = subprocess.run([sys.executable, "-c", _FEATURE_PLUGIN], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["features"] == ["mfcc", "bandwidth"] and found["columns"] == "bandwidth"  # after the built-in types
    assert found["shape"] == [256, 14] and found["close"]
    assert found["X"] == [3, 256, 14] and found["cached"] == 3 and found["same"]
    assert found["config"] == 14 and found["cli"] == 0


def test_the_feature_registry_is_what_the_column_layout_reads_and_it_refuses_bad_entries():
    from affacrnn.features.layout import FEATURE_DIMS, FEATURE_TYPES, ROW_LABELS, FeatureType, register_feature

    assert list(FEATURE_TYPES)[:7] == ["mfcc", "centroid", "chroma", "contrast", "rms", "flatness", "tonnetz"]
    assert all(FEATURE_DIMS[n] == f.dims and ROW_LABELS[n] == f.labels for n, f in FEATURE_TYPES.items())
    with pytest.raises(ParameterError, match="already registered"):
        register_feature(FEATURE_TYPES["mfcc"])
    with pytest.raises(ParameterError, match="needs `compute`"):
        register_feature(FeatureType("nothing", 1, ("nothing",), "no function"))
    with pytest.raises(ParameterError, match="one label per column"):
        register_feature(FeatureType("short", 2, ("one",), "two columns, one label", compute=lambda c: c.S[:2]))
    with pytest.raises(ParameterError, match="lower case"):
        register_feature(FeatureType("Loud", 1, ("loud",), "upper case", compute=lambda c: c.S[:1]))
    assert not {"nothing", "short", "Loud"} & set(FEATURE_TYPES)
