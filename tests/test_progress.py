"""The training bar (affacrnn.progress): it ends finished, and says why, when early stopping ends a run."""
from __future__ import annotations

import numpy as np
from tqdm.notebook import tqdm_notebook

from affacrnn import progress
from affacrnn.progress import EpochBar

import keras  # after affacrnn, which quiets TensorFlow's start-up messages


def _fit(epochs: int, patience: int) -> tuple[EpochBar, int]:
    """Train a model that cannot learn (learning rate 0); return its bar and the epochs that ran."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3)).astype("float32"), rng.integers(0, 2, 40)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    bar = EpochBar(desc="stage UB-BiLSTM", monitor="val_accuracy")
    stop = [keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=patience)] if patience else []
    history = model.fit(x, y, validation_data=(x, y), epochs=epochs, verbose=0, callbacks=[*stop, bar])
    return bar, len(history.history["loss"])


def _last_line(err: str) -> str:
    return err.strip().splitlines()[-1].split("\r")[-1]


def test_a_run_stopped_early_ends_at_100_percent_and_says_why(capsys):
    bar, ran = _fit(epochs=20, patience=2)
    assert ran == 3
    last = _last_line(capsys.readouterr().err)
    assert "100%" in last and "3/3" in last, last
    assert "stopped early after 3 of 20 epochs" in last and "best val acc" in last and "at epoch 1" in last, last
    assert "val_loss" not in last  # only the loss and the watched score


def test_a_run_to_its_last_epoch_says_nothing_of_stopping(capsys):
    _fit(epochs=3, patience=0)
    last = _last_line(capsys.readouterr().err)
    assert "100%" in last and "3/3" in last and "stopped" not in last, last
    assert "loss" in last and "val acc" in last, last


def test_the_notebook_bar_ends_full_and_green(monkeypatch):
    """In a notebook tqdm draws a widget: its length follows the run, it is not red, and it spans the cell."""
    monkeypatch.setattr(progress, "tqdm", tqdm_notebook)
    bar, ran = _fit(epochs=20, patience=2)
    label, widget, right = bar.bar.container.children
    assert (widget.value, widget.max) == (ran, ran)
    assert widget.bar_style == "success"  # tqdm paints a bar that closes short of its total red ("danger")
    assert bar.bar.container.layout.width == "100%" and bar.bar.container.layout.flex_flow == "row wrap"
    assert "stopped early after 3 of 20 epochs" in right.value.replace("\u2007", " ")
