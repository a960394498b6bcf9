"""Watching a training run epoch by epoch: the best validation epoch kept, and the progress bar.

:class:`BestOnValidation` keeps the weights of the best validation epoch (and persists them, so a
killed run resumes knowing them). :class:`EpochBar` is the run's progress bar: one bar per run (``affacrnn.train``, each stage of the staged model), on stderr in a terminal and
as a widget in a notebook (``tqdm.auto``). tqdm's own Keras callback fell short for a reader:

* a run that early stopping ends before its last epoch left the bar at 48-60 % (red in a
  notebook, where tqdm reads ``n < total`` as a failure); here the bar ends at 100 % of the epochs
  that ran and says why it stopped, and which epoch was best;
* it printed every log entry (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ...), which
  ran past the right edge of a notebook cell; here the bar shows the loss and the watched score;
* in a notebook the widget squeezed its label until it wrapped ("stage UB-" / "BiLSTM"); here the
  widget spans the cell and moves a part that does not fit to the next line, whole (:func:`span_cell`;
  tqdm's own ``ncols="100%"`` raises a TypeError in tqdm 4.70 when the kernel formats the widget).

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from affacrnn._io import atomic_path, atomic_write_json
from affacrnn._quiet import import_tensorflow
from affacrnn.evaluation.metrics import balanced_accuracy

import_tensorflow()  # before keras: mutes TensorFlow's native start-up logging
import keras  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

__all__ = ["BestOnValidation", "EpochBar", "span_cell"]


def span_cell(bar: tqdm) -> None:
    """Lay a notebook bar (tqdm's ``container``: label, bar, text) out across its cell, wrapping whole parts."""
    box = getattr(bar, "container", None)
    if box is None:  # a terminal bar
        return
    label, line, text = box.children
    box.layout.width, box.layout.flex_flow = "100%", "row wrap"
    label.layout.flex = text.layout.flex = "0 0 auto"  # never squeezed into two lines
    line.layout.flex = "1 1 160px"


def _short(name: str) -> str:
    return name.replace("val_", "val ").replace("accuracy", "acc").replace("_", " ")


class EpochBar(keras.callbacks.Callback):
    """A tqdm bar over a run's epochs that ends finished, and says why, when the run stops early.

    Parameters
    ----------
    desc : str
        The bar's label (the model or stage name).
    monitor : str
        The score early stopping and the best-epoch rule watch (e.g. ``"val_accuracy"``).
    """

    def __init__(self, *, desc: str, monitor: str) -> None:
        super().__init__()
        self.desc, self.monitor = desc, monitor
        self.larger_is_better = not monitor.endswith("loss")
        self.bar: tqdm | None = None
        self.best: tuple[int, float] | None = None

    def on_train_begin(self, logs=None) -> None:
        self.bar = tqdm(total=self.params.get("epochs"), desc=self.desc, unit="epoch", leave=True)
        span_cell(self.bar)
        self.best = None

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        if self.bar is not None and epoch > self.bar.n:  # a resumed run starts past epoch 0
            self.bar.update(epoch - self.bar.n)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is not None:
            better = self.best is None or (value > self.best[1] if self.larger_is_better else value < self.best[1])
            if better:
                self.best = (epoch + 1, float(value))
        shown = [k for k in ("loss", self.monitor) if k in logs]
        self.bar.set_postfix_str(", ".join(f"{_short(k)} {logs[k]:.3g}" for k in dict.fromkeys(shown)), refresh=False)
        self.bar.update(1)

    def on_train_end(self, logs=None) -> None:
        bar = self.bar
        if bar is None:
            return
        if bar.total and bar.n < bar.total:
            # Stopped before its last epoch: the bar becomes the epochs that ran (tqdm's reset is the
            # public way to change a notebook bar's length), keeping its start time.
            epochs, planned, started = bar.n, bar.total, bar.start_t
            bar.reset(total=epochs)
            bar.start_t = started
            best = f"; best {_short(self.monitor)} {self.best[1]:.3g} at epoch {self.best[0]}" if self.best else ""
            bar.set_postfix_str(f"stopped early after {epochs} of {planned} epochs{best}", refresh=False)
            bar.update(epochs)
        bar.close()


class BestOnValidation(keras.callbacks.Callback):
    """Keep the weights of the epoch with the best validation score (and persist them for resume).

    Keras's ``EarlyStopping(restore_best_weights=True)`` restores only when it stops early and
    forgets the best epoch across a resumed run; this callback keeps the best weights and score
    in ``state_dir`` (atomically) so a killed run resumes knowing them. With ``validation``
    (inputs, labels) it adds ``val_macro_f1`` and ``val_balanced_accuracy`` to each epoch's logs
    (so the kept epoch can be chosen on the score the class-weighted loss aims at, and
    ``EarlyStopping`` after it sees them), and it can log test accuracy per epoch for the
    reproduction audit (never used to choose anything).
    """

    def __init__(self, state_dir: Path | None, track_test: dict | None, monitor: str = "val_macro_f1",
                 validation: tuple | None = None):
        super().__init__()
        self.state_dir = state_dir
        self.track_test = track_test
        self.monitor = monitor
        self.validation = validation
        self.sign = 1.0 if monitor.endswith("loss") else -1.0  # lower is better after the sign
        self.best = np.inf
        self.best_epoch = 0
        self.best_weights = None
        if state_dir is not None and (state_dir / "best.json").is_file():
            saved = json.loads((state_dir / "best.json").read_text())
            if saved.get("monitor") == monitor:
                self.best, self.best_epoch = saved["score"], saved["epoch"]

    def on_train_begin(self, logs=None):
        if self.state_dir is not None and (self.state_dir / "best.weights.h5").is_file() and self.best_epoch:
            probe = self.model.get_weights()
            self.model.load_weights(self.state_dir / "best.weights.h5")
            self.best_weights = self.model.get_weights()
            self.model.set_weights(probe)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        if self.validation is not None:
            x_val, y_val = self.validation
            pred = np.asarray(self.model.predict(x_val, batch_size=256, verbose=0)).argmax(axis=1)
            logs["val_macro_f1"] = float(f1_score(y_val, pred, average="macro", zero_division=0))
            logs["val_balanced_accuracy"] = balanced_accuracy(y_val, pred)
        if self.track_test is not None:
            pred = np.asarray(self.model.predict(self.track_test["inputs"], verbose=0)).argmax(axis=1)
            logs["test_accuracy"] = float(np.mean(pred == self.track_test["y"]))
        score = self.sign * float(logs.get(self.monitor, np.nan))
        if np.isfinite(score) and score < self.best:
            self.best, self.best_epoch = score, epoch + 1
            self.best_weights = self.model.get_weights()
            if self.state_dir is not None:
                with atomic_path(self.state_dir / "best.weights.h5", suffix=".weights.h5") as tmp:
                    self.model.save_weights(tmp)
                atomic_write_json(
                    self.state_dir / "best.json", {"monitor": self.monitor, "score": score, "epoch": epoch + 1}
                )
