"""Speed and noise perturbation of the training audio (affacrnn.features.perturb, AFFConfig.perturb)."""
from __future__ import annotations

import numpy as np
import pytest

import affacrnn
from affacrnn.features.dataset import prepare
from affacrnn.features.perturb import check_perturbations, parse_perturbation, perturb_signal, perturbed_copies
from affacrnn.models import presets

SR = 22050


def _tone(freq=440.0, seconds=1.0):
    t = np.arange(int(SR * seconds)) / SR
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _peak_hz(y):
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return np.fft.rfftfreq(len(y), 1 / SR)[int(np.argmax(spectrum))]


def _slice(n_speakers=6, per_speaker=6):
    from affacrnn.data.splits import speaker_slice

    return speaker_slice(affacrnn.load_corpus("ravdess"), n_speakers=n_speakers, per_speaker=per_speaker)


@pytest.mark.parametrize("tag, message", [("speed", "not a tag"), ("pitch2", "not a tag"), ("speed1", "not 1"),
                                          ("speed3", r"\[0.5, 2\]"), ("noise90", r"\[0, 60\]")])
def test_a_bad_tag_is_refused_with_the_fix(tag, message):
    with pytest.raises(affacrnn.ParameterError, match=message):
        parse_perturbation(tag)
    with pytest.raises(affacrnn.ParameterError, match="perturb"):
        presets.SMOKE.replace(perturb=(tag,))


def test_tags_parse_and_a_repeated_one_is_refused():
    assert parse_perturbation("speed0.9") == ("speed", 0.9) and parse_perturbation("noise20") == ("noise", 20.0)
    assert check_perturbations("speed0.9,noise20") == ("speed0.9", "noise20")
    with pytest.raises(affacrnn.ParameterError, match="twice"):
        check_perturbations(["noise20", "noise20"])


def test_speed_scales_duration_and_pitch_together():
    y = _tone(440.0)
    slow, fast = perturb_signal(y, sr=SR, tag="speed0.9"), perturb_signal(y, sr=SR, tag="speed1.1")
    assert abs(len(slow) - len(y) / 0.9) <= 1 and abs(len(fast) - len(y) / 1.1) <= 1
    assert _peak_hz(slow) == pytest.approx(440 * 0.9, abs=2) and _peak_hz(fast) == pytest.approx(440 * 1.1, abs=2)


def test_noise_is_at_its_snr_and_the_same_for_the_same_seed():
    y = _tone()
    noisy = perturb_signal(y, sr=SR, tag="noise20", seed=7)
    snr = 10 * np.log10(np.mean(y.astype(np.float64) ** 2) / np.mean((noisy - y).astype(np.float64) ** 2))
    assert snr == pytest.approx(20, abs=0.3) and len(noisy) == len(y)
    assert np.array_equal(noisy, perturb_signal(y, sr=SR, tag="noise20", seed=7))
    assert not np.array_equal(noisy, perturb_signal(y, sr=SR, tag="noise20", seed=8))


def test_copies_are_new_speakers_written_once(ravdess_root, tmp_path):
    table = _slice(n_speakers=2, per_speaker=3)
    copies = perturbed_copies(table, tags=["speed1.1", "noise30"], sr=SR, folder=tmp_path, n_jobs=1, progress=False)
    assert len(copies) == 2 * len(table) and list(copies["perturbation"].unique()) == ["speed1.1", "noise30"]
    first = copies[copies["perturbation"] == "speed1.1"]
    assert list(first["speaker"]) == ["speed1.1-" + s for s in table["speaker"].astype(str)]
    assert np.allclose(first["duration"].to_numpy(), table["duration"].to_numpy() / 1.1)
    files = sorted(tmp_path.iterdir())
    assert len(files) == 2 * len(table) and all(f.suffix == ".wav" for f in files)  # no temporary file left
    y = affacrnn.data.audio.load_audio(first["path"].iloc[0], sr=SR)
    source = affacrnn.data.audio.load_audio(table["path"].iloc[0], sr=SR)
    assert abs(len(y) - len(source) / 1.1) <= 1
    stamps = [f.stat().st_mtime_ns for f in files]
    again = perturbed_copies(table, tags=["speed1.1", "noise30"], sr=SR, folder=tmp_path, n_jobs=1, progress=False)
    assert again.equals(copies) and [f.stat().st_mtime_ns for f in sorted(tmp_path.iterdir())] == stamps


def test_prepare_adds_copies_of_training_rows_only(ravdess_root, tmp_path):
    table = _slice()
    cfg = presets.SMOKE.replace(architecture="ub", context=1, normalization="speaker")
    plain = prepare(cfg, table=table, cache_dir=tmp_path / "cache", progress=False)
    more = prepare(cfg.replace(perturb=("speed0.9", "noise20")), table=table, cache_dir=tmp_path / "cache",
                   progress=False)
    n_train = len(plain.rows("train"))
    assert len(more.rows("train")) == 3 * n_train
    for part in ("validation", "test"):  # the held-out speakers are the real recordings, unchanged
        held = more.table.iloc[more.rows(part)]
        assert list(held["path"]) == list(plain.table["path"].iloc[plain.rows(part)])
        assert set(held["perturbation"]) == {""}
    copies = more.table[more.table["perturbation"] != ""]
    assert set(copies["split"]) == {"train"}
    assert set(copies["speaker"]) == {f"{t}-{s}" for t in ("speed0.9", "noise20")
                                      for s in plain.table.loc[plain.table["split"] == "train", "speaker"]}
    assert len(list((tmp_path / "cache" / "perturbed").iterdir())) == 2 * n_train
    from affacrnn.features.cache import clear_cache

    assert clear_cache(tmp_path / "cache") >= 2 * n_train and not list((tmp_path / "cache" / "perturbed").iterdir())


def test_prepare_without_a_cache_leaves_no_copies_behind(ravdess_root, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    cfg = presets.SMOKE.replace(architecture="ub", context=1, perturb=("speed1.1",))
    data = prepare(cfg, table=_slice(n_speakers=4, per_speaker=3), cache_dir=False, progress=False)
    assert (data.table["perturbation"] == "speed1.1").sum() == len(data.rows("train")) // 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("affacrnn-perturbed-")]


def test_a_model_trained_with_copies_is_scored_on_the_real_recordings(ravdess_root, tmp_path, monkeypatch, capsys):
    """The config keeps ``perturb``; ``affacrnn evaluate`` of the saved model finds its own corpus (the copies are
    not part of what it was trained on) and scores every real recording, writing no copy."""
    import json

    from affacrnn.cli import main

    monkeypatch.setenv("AFFACRNN_CACHE", str(tmp_path / "cache"))
    manifest = tmp_path / "manifest.csv"
    _slice().assign(emotion=lambda t: t["emotion"].astype(str))[["path", "speaker", "emotion"]].to_csv(manifest,
                                                                                                      index=False)
    cfg = presets.SMOKE.replace(corpus=str(manifest), architecture="ub", utterance_encoder="statistics", context=1,
                                perturb=["speed1.1"], epochs=1)
    assert cfg.perturb == ("speed1.1",) and affacrnn.AFFConfig.from_json(cfg.to_json()) == cfg
    result = affacrnn.train(cfg, out_dir=tmp_path / "run", progress=False)
    assert np.isfinite(result.history["loss"]).all()
    _, meta = affacrnn.load_model(tmp_path / "run" / "model.keras")
    assert meta["config"].perturb == ("speed1.1",) and meta["corpus"]["utterances"] == 36
    copies = sorted((tmp_path / "cache" / "perturbed").iterdir())
    capsys.readouterr()
    for part in ("test", "all"):
        assert main(["--quiet", "evaluate", "--model", str(tmp_path / "run" / "model.keras"), "--part", part,
                     "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["metrics"]["n"] == (36 if part == "all" else len(
            result.data.rows("test")))
    assert sorted((tmp_path / "cache" / "perturbed").iterdir()) == copies  # scoring made no copy


def test_the_train_command_takes_perturbations_as_a_list():
    from affacrnn.cli.app import build_parser
    from affacrnn.cli.train import config_from_args

    args = build_parser().parse_args(["train", "--preset", "smoke", "--perturb", "speed0.9,noise20", "--out", "x"])
    assert config_from_args(args).perturb == ("speed0.9", "noise20")
    bad = build_parser().parse_args(["train", "--preset", "smoke", "--perturb", "pitch3", "--out", "x"])
    with pytest.raises(affacrnn.ParameterError, match="'pitch3' is not a tag"):
        config_from_args(bad)
