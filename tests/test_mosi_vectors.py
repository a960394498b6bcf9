"""CMU-MOSI through bc-LSTM's published audio vectors: the loader, its join and errors, the splits, the
vector models, the mosi_audio experiment and the ledger's MOSI rows (book chapters 04 and 09)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from affacrnn.data.context import context_windows
from affacrnn.data.corpora.mosi_vectors import N_VECTOR_COLUMNS, load_mosi_vectors, read_bclstm_vectors
from affacrnn.data.labels import apply_scheme
from affacrnn.data.splits import mosi_bclstm_split, mosi_paper_split
from affacrnn.errors import CorpusError, ParameterError
from affacrnn.evaluation.vectors import (
    ContextStageClassifier,
    GMMVectorClassifier,
    make_vector_model,
    stack_vectors,
)
from reproduction.claims import claims
from reproduction.mosi_audio import mosi_audio, per_video_accuracy, run_key, video_of_each


# ----------------------------------------------------------------------------------------------
# The real files
# ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def vectors(mosi_vectors_root):
    return load_mosi_vectors(root=mosi_vectors_root)


def test_every_utterance_gets_its_vector_in_the_label_files_order(vectors):
    t = vectors.table
    assert vectors.X.shape == (2199, N_VECTOR_COLUMNS) and np.isfinite(vectors.X).all()
    assert t["row"].tolist() == list(range(1, 2200)) and len(t) == len(vectors.X)
    assert (t["bclstm_label"] == (t["score"] >= 0).astype(int)).all()
    assert t["bclstm_part"].value_counts().to_dict() == {"train": 1447, "test": 752}
    assert vectors.frame().shape == (2199, 73) and vectors.frame().columns[0] == "v00"


def test_both_splits_have_the_published_sizes_and_are_disjoint_by_video(vectors):
    paper = mosi_paper_split(vectors.table)
    bc = mosi_bclstm_split(vectors.table)
    for table, sizes, videos in ((paper, (1616, 583), (65, 28)), (bc, (1447, 752), (62, 31))):
        assert tuple((table["split"] == p).sum() for p in ("train", "test")) == sizes
        assert tuple(table.loc[table["split"] == p, "session"].nunique() for p in ("train", "test")) == videos
        train, test = (set(table.loc[table["split"] == p, "session"]) for p in ("train", "test"))
        assert not train & test
    with_val = mosi_bclstm_split(vectors.table, val_size=0.15, seed=0)
    val = with_val[with_val["split"] == "validation"]
    assert len(val) and not set(val["session"]) & set(with_val.loc[with_val["split"] != "validation", "session"])
    with pytest.raises(ParameterError, match="load_mosi_vectors"):
        mosi_bclstm_split(vectors.table.drop(columns="bclstm_part"))


@pytest.mark.parametrize("scheme, k", [("mosi2", 2), ("mosi5", 5), ("mosi7", 7), ("proto2", 2)])
def test_every_mosi_scheme_labels_every_vector(vectors, scheme, k):
    lab = apply_scheme(vectors.table, scheme)
    assert len(lab) == 2199 and lab["y"].between(0, k - 1).all()


# ----------------------------------------------------------------------------------------------
# A small copy of the layout, to break on purpose
# ----------------------------------------------------------------------------------------------

def _fake(tmp_path, *, ids=("vA_1", "vA_2", "vB_1", "vB_2"), scores=(1.0, -2.0, 0.0, -0.5), train=2,
          audio_ids=None, labels=None, text_index=None, columns=N_VECTOR_COLUMNS):
    mosi = tmp_path / "mosi"
    bc = mosi / "bc-lstm"
    bc.mkdir(parents=True)
    rows = [f"{i},{i + 1},{u.split('_')[0]},{u.split('_')[1]},{s}" for i, (u, s) in enumerate(zip(ids, scores))]
    (mosi / "OpinionLevelSentiment.csv").write_text("\n".join(rows) + "\n")
    audio_ids = list(audio_ids or ids)
    order = sorted(audio_ids)
    (bc / "transcripts.csv").write_text("\n".join(
        f'"{u}","TEXT","9","{int(dict(zip(ids, scores)).get(u, 0) >= 0)}"' for u in order) + "\n")
    rng = np.random.default_rng(0)
    for part, chosen in (("train", audio_ids[:train]), ("test", audio_ids[train:])):
        lines, text = [], []
        for u in chosen:
            label = labels[u] if labels and u in labels else int(dict(zip(ids, scores)).get(u, 0) >= 0)
            lines.append(",".join(f'"{v}"' for v in [*rng.normal(size=columns).round(4), label]))
            text.append(f'"{order.index(u) if text_index is None else text_index}","0.1"')
        (bc / f"audio_{part}0.csv").write_text("\n".join(lines) + "\n")
        (bc / f"text_{part}.csv").write_text("\n".join(text) + "\n")
    return tmp_path


def test_a_small_copy_loads_and_joins_by_id(tmp_path):
    vec = load_mosi_vectors(root=_fake(tmp_path))
    assert vec.X.shape == (4, N_VECTOR_COLUMNS)
    assert vec.table["utterance_id"].tolist() == ["vA_1", "vA_2", "vB_1", "vB_2"]
    assert vec.table["bclstm_part"].tolist() == ["train", "train", "test", "test"]
    raw = read_bclstm_vectors(tmp_path / "mosi" / "bc-lstm")
    assert raw.set_index("utterance_id").loc[vec.table["utterance_id"], "v00"].to_numpy() == pytest.approx(vec.X[:, 0])


@pytest.mark.parametrize("breakage, message", [
    (dict(audio_ids=("vA_1", "vA_2", "vB_1")), r"no vector for utterance 'vB_2' \(1 of 4 missing\)"),
    (dict(audio_ids=("vA_1", "vA_2", "vB_1", "vB_2", "vC_9")), r"'vC_9' is not in .*OpinionLevelSentiment.csv"),
    (dict(labels={"vA_2": 1}), r"row 2 \(vA_2\) has label 1 but transcripts.csv says 0"),
    (dict(columns=5), r"has 6 columns, expected 73 feature values and a label"),
    (dict(text_index=99), r"99.* is not a row of transcripts.csv"),
])
def test_a_mismatch_is_refused_with_the_file_and_the_fix(tmp_path, breakage, message):
    root = _fake(tmp_path, **breakage)
    with pytest.raises(CorpusError, match=message):
        load_mosi_vectors(root=root)


def test_a_label_that_disagrees_with_the_score_is_refused(tmp_path):
    root = _fake(tmp_path)
    (root / "mosi" / "OpinionLevelSentiment.csv").write_text(  # vB_1's score turned negative in the label file only
        "0,1,vA,1,1.0\n1,2,vA,2,-2.0\n2,3,vB,1,-0.1\n3,4,vB,2,-0.5\n")
    with pytest.raises(CorpusError, match=r"'vB_1' is labelled 1 there, but its score .* is -0.1"):
        load_mosi_vectors(root=root)


def test_missing_files_name_the_folder_and_the_setting(tmp_path):
    (tmp_path / "mosi").mkdir()
    (tmp_path / "mosi" / "OpinionLevelSentiment.csv").write_text("0,1,vA,1,1.0\n")
    with pytest.raises(CorpusError, match="no file .*transcripts.csv.*AFFACRNN_DATA"):
        load_mosi_vectors(root=tmp_path)


# ----------------------------------------------------------------------------------------------
# The models
# ----------------------------------------------------------------------------------------------

def _toy(n_videos=12, per=8, d=6, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n_videos * per)
    X = rng.normal(size=(len(y), d)) + 1.5 * y[:, None]
    table = pd.DataFrame({"session": np.repeat([f"v{i}" for i in range(n_videos)], per),
                          "position": np.tile(np.arange(per), n_videos)})
    return X, y, table


@pytest.mark.parametrize("name", ["majority", "svm", "naive_bayes", "gmm"])
def test_the_classic_models_read_the_target_of_a_window(name):
    X, y, table = _toy()
    W = stack_vectors(X, context_windows(table, size=3))
    assert W.shape == (96, 3, 6) and np.array_equal(W[:, 1], X)
    model = make_vector_model(name, random_state=0).fit(W, y)
    same = clone(model).fit(X, y)  # a 2-D X is the same as the windows' middle slot
    assert np.array_equal(model.predict(W), same.predict(X))
    if name != "majority":
        assert (model.predict(W) == y).mean() > 0.7


@pytest.mark.parametrize("name", ["bc_lstm", "context_stage"])
def test_the_recurrent_models_train_on_windows_and_keep_whole_videos_for_validation(name):
    X, y, table = _toy()
    W = stack_vectors(X, context_windows(table, size=3))
    model = make_vector_model(name, random_state=0, epochs=3, patience=1, learning_rate=1e-2)
    model.fit(W, y, groups=table["session"].to_numpy())
    proba = model.predict_proba(W)
    assert proba.shape == (96, 2) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert 1 <= model.best_epoch_ <= 3 and len(model.history_["val_loss"]) >= 1
    with pytest.raises(ParameterError, match="windows of 1 utterances but the model was fitted on 3"):
        model.predict(X)
    with pytest.raises(ParameterError, match="one group"):
        clone(model).fit(W, y, groups=["v0"])


def test_the_context_stage_is_the_ub_branch_without_aff1():
    model = ContextStageClassifier(epochs=1, validation_fraction=0, random_state=0)
    X, y, table = _toy()
    model.fit(stack_vectors(X, context_windows(table, size=3)), y)
    names = [layer.name for layer in model.model_.layers]
    assert names[0] == "utterance_vectors" and {"aff2", "attention", "asv", "sentiment"} <= set(names)
    assert "aff1" not in names and model.model_.input_shape == (None, 3, 6)


def test_vector_models_refuse_bad_input_with_the_fix():
    with pytest.raises(ParameterError, match="must be one of 'majority'"):
        make_vector_model("hmm")
    with pytest.raises(ParameterError, match="vector model 'gmm'.*Pass only parameters"):
        make_vector_model("gmm", units=3)
    with pytest.raises(ParameterError, match="odd window"):
        ContextStageClassifier().fit(np.zeros((4, 2, 3)), [0, 1, 0, 1])
    with pytest.raises(ParameterError, match="class_weight"):
        ContextStageClassifier(class_weight="inverse").fit(np.zeros((4, 3)), [0, 1, 0, 1])
    with pytest.raises(ParameterError, match="row indices into X"):
        stack_vectors(np.zeros((3, 2)), np.array([[0, 1, 5]]))
    with pytest.raises(ParameterError, match="at least 2 classes"):
        GMMVectorClassifier().fit(np.zeros((4, 3)), [1, 1, 1, 1])


# ----------------------------------------------------------------------------------------------
# The experiment and the ledger
# ----------------------------------------------------------------------------------------------

def test_the_experiment_keeps_every_runs_predictions(mosi_vectors_root):
    df = mosi_audio(mode="smoke", progress=False, splits=("paper",), schemes=("mosi2",),
                    models=("majority", "svm", "context_stage"), windows=(3,), root=mosi_vectors_root)
    assert df["model"].tolist() == ["majority", "svm", "context_stage"]
    assert (df["n_test"] == 583).all() and (df["test_videos"] == 28).all() and (df["train_videos"] == 65).all()
    assert df["majority_baseline"].round(2).eq(51.29).all()  # 299 of 583 test rows are positive
    assert df.loc[df["model"] == "svm", "paper_source"].iloc[0].startswith("Table 5")
    kept = df.attrs["extra"]["predictions"]["paper"]["mosi2"]
    assert len(kept["y"]) == 583 and len(video_of_each(kept)) == 583 and kept["videos"][0][1] == 1617
    acc = per_video_accuracy(kept, run_key("context_stage", 3))
    assert len(acc) == 28 and acc.between(0, 100).all()
    assert per_video_accuracy(kept, run_key("bc_lstm", 3)).empty
    with pytest.raises(ParameterError, match="reads emotions"):
        mosi_audio(mode="smoke", progress=False, schemes=("sentiment2",), root=mosi_vectors_root)
    with pytest.raises(ParameterError, match="odd ints"):
        mosi_audio(mode="smoke", progress=False, windows=(2,), root=mosi_vectors_root)


def _record(mode="full"):
    videos = [[f"v{i}", 1 + 10 * i, 10] for i in range(6)]
    y = "0101010101" * 6
    right = y
    wrong = "".join("1" if c == "0" else "0" for c in y)
    half = "".join(c if i % 2 else ("1" if c == "0" else "0") for i, c in enumerate(y))
    kept = {"videos": videos, "y": y, "runs": {"context_stage/w3": {"0": right, "1": right[:50] + wrong[50:]},
                                                "bc_lstm/w3": {"0": half, "1": half}}}
    return {"name": "mosi_audio", "mode": mode, "extra": {"predictions": {"paper": {"mosi2": kept}}}}


def test_the_ledger_pairs_the_context_stage_with_bc_lstm_over_test_videos(tmp_path):
    (tmp_path / "mosi_audio.json").write_text(json.dumps(_record()))
    df = claims(results_dir=None, evidence_dir=tmp_path)
    mosi = df[(df["id"] == "C6") & df["data"].str.startswith("mosi")]
    assert len(mosi) == 2
    paper, bc = mosi.iloc[0], mosi.iloc[1]
    # 5 videos right in both seeds (100 %), the last right in one seed of two (50 %), against 50 % everywhere
    assert paper["folds"] == 6 and paper["verdict"] == "holds" and paper["difference"].startswith("+41.7")
    assert "context stage" in paper["note"] and "AFF1" in paper["note"]
    assert bc["verdict"] == "not tested" and "affacrnn experiment mosi_audio --mode full" in bc["run"]
    (tmp_path / "mosi_audio.json").write_text(json.dumps(_record(mode="smoke")))  # smoke runs are no evidence
    df = claims(results_dir=None, evidence_dir=tmp_path)
    assert (df[(df["id"] == "C6") & df["data"].str.startswith("mosi")]["verdict"] == "not tested").all()


def test_affacrnn_corpora_lists_the_vectors(mosi_vectors_root, capsys):
    import json as _json

    from affacrnn.cli import main

    assert main(["corpora", "mosi", "--root", str(mosi_vectors_root), "--json"]) == 0
    mosi = _json.loads(capsys.readouterr().out)["corpora"][0]
    assert mosi["corpus"] == "mosi" and mosi["vectors"] == {"source": "bc-lstm", "utterances": 2199, "values": 73}
    assert main(["corpora", "mosi", "--root", str(mosi_vectors_root)]) == 0
    assert "audio vectors published with bc-LSTM: 2199 utterances × 73 values" in capsys.readouterr().out
