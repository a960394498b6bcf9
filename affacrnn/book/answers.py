"""The right answers of the book's exercises, computed from the data a chapter's check cell hands over.

Each function is registered under its exercise's key (``"ch04-1"``: chapter 4, exercise 1) with
:func:`affacrnn.book.exercises.exercise`; ``exercises.check(key, answer, **inputs)`` calls it
with the cell's inputs. Keeping them here, not in the notebooks, means a student edition of a
chapter (``affacrnn book --student``) shows no answer, and every answer is computed from the
run's own data (corpus, seed, trained model), never typed in. Where the chapter's solution
works the answer out one way (a formula, by hand), the function here gets it another (the
library, a Keras layer), so the solution cell is also a test of the library.

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import functools
import math

import librosa
import numpy as np
import pandas as pd

from affacrnn.book.exercises import exercise
from affacrnn.data.audio import load_audio
from affacrnn.data.context import context_windows, neighbour_agreement
from affacrnn.data.labels import get_scheme
from affacrnn.data.splits import speaker_split
from affacrnn.features import extract_features
from affacrnn.features.layout import PAPER_FEATURES, n_columns
from affacrnn.inference.segment import split_utterances

__all__: list[str] = []  # nothing to import: the functions are reached through exercises.check

# ----------------------------------------------------------------------------------- chapter 1


@exercise("ch01-1", what="the mean number of utterances per speaker",
          hint="divide the number of rows by the number of distinct speakers")
def _ch01_1(*, table: pd.DataFrame) -> float:
    return len(table) / table["speaker"].nunique()


@exercise("ch01-2", what="the speaker with the most audio", hint="group by speaker and sum `duration`")
def _ch01_2(*, table: pd.DataFrame) -> str:
    return str(table.groupby("speaker")["duration"].sum().idxmax())


# ----------------------------------------------------------------------------------- chapter 2


@exercise("ch02-1", what="the duration of y in seconds", tol=1e-3,
          hint="the number of samples divided by the sampling rate")
def _ch02_1(*, y: np.ndarray, sr: int) -> float:
    return len(y) / sr


@exercise("ch02-2", what="the quietest label",
          hint="group `sample` by the label column and take the median of `rms_db`")
def _ch02_2(*, sample: pd.DataFrame, label: str | None) -> str:
    return str(sample.groupby(label or "label", observed=True)["rms_db"].median().idxmin())


# ----------------------------------------------------------------------------------- chapter 3


@functools.lru_cache(maxsize=8)
def _lstm_parameters(units: int, n_inputs: int) -> int:
    import keras

    layer = keras.layers.LSTM(units)
    layer.build((None, None, n_inputs))
    return int(layer.count_params())


@exercise("ch03-1", what="the number of LSTM(8) parameters on 13 inputs",
          hint="each gate: (units + inputs) × units weights plus units biases; four gates")
def _ch03_1(*, units: int, n_inputs: int) -> int:
    return _lstm_parameters(int(units), int(n_inputs))


@exercise("ch03-2", what="the largest |h| with a closed forget gate", tol=1e-3,
          hint="copy `bias`, set bias[units:2*units] = -100, call lstm_numpy(x, kernel, recurrent_kernel, new_bias)")
def _ch03_2(*, x: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray, units: int) -> float:
    import keras

    closed = np.array(bias, copy=True)
    closed[units: 2 * units] = -100.0  # Keras' gate order i, f, C~, o: the forget gate is the 2nd block
    layer = keras.layers.LSTM(units, return_sequences=True)
    layer.build((None, None, x.shape[1]))
    layer.set_weights([kernel, recurrent_kernel, closed])
    return float(np.max(np.abs(np.asarray(layer(x[None]))[0])))


# ----------------------------------------------------------------------------------- chapter 4


@exercise("ch04-1", what="the number of test utterances",
          hint="call speaker_split, then count the rows whose `split` is 'test'")
def _ch04_1(*, labelled: pd.DataFrame, seed: int) -> int:
    return int((speaker_split(labelled, test_size=0.25, val_size=0.0, seed=seed)["split"] == "test").sum())


@exercise("ch04-2", what="the neighbour agreement in reverse name order", tol=1e-9,
          hint="set `position` to the descending rank of utterance_id within each session, then call context_windows")
def _ch04_2(*, labelled: pd.DataFrame) -> float:
    rank = labelled.groupby("session")["utterance_id"].rank(method="first", ascending=False).astype(int)
    rev = labelled.assign(position=rank)
    return neighbour_agreement(rev["y"], context_windows(rev))


# ----------------------------------------------------------------------------------- chapter 5


@exercise("ch05-1", what="D for mfcc + rms + tonnetz",
          hint="add the entries of FEATURE_DIMS, or look at extract_features(...).shape")
def _ch05_1(*, y: np.ndarray, sr: int) -> int:
    return int(extract_features(y, sr=sr, features=("mfcc", "rms", "tonnetz")).shape[1])


@exercise("ch05-2", what="the number of real frames",
          hint="a centred STFT of n samples at hop 512 has 1 + n // 512 frames; at most 256 are kept")
def _ch05_2(*, path: str, sr: int, n_fft: int, hop: int) -> int:
    y = load_audio(path, sr=sr)
    return min(256, librosa.stft(y, n_fft=n_fft, hop_length=hop).shape[1])


# ----------------------------------------------------------------------------------- chapter 6


@exercise("ch06-1", what="the number of AFF1 parameters",
          hint="an LSTM of u units on n inputs has 4·((u + n)·u + u); a BiLSTM twice that; the second "
               "layer's input is the first's 2 × 128 outputs")
def _ch06_1() -> int:
    from affacrnn.models import presets
    from affacrnn.models.network import build_utterance_encoder

    encoder = build_utterance_encoder(presets.PAPER.replace(architecture="ub"), n_columns=n_columns(PAPER_FEATURES))
    return int(encoder.count_params())


@exercise("ch06-2", what="the slot with the largest mean attention",
          hint="α is the layer's second output; average it over the rows, take the argmax")
def _ch06_2(*, alpha: np.ndarray) -> int:
    return int(np.argmax(np.asarray(alpha).mean(axis=0)))


# ----------------------------------------------------------------------------------- chapter 7


@exercise("ch07-1", what="the number of steps per epoch",
          hint="divide the training utterances by the batch size and round up")
def _ch07_1(*, n_train: int = 1616, batch_size: int | None = None) -> int:
    from affacrnn.models import presets

    return math.ceil(n_train / (batch_size or presets.PAPER.batch_size_cnn))


@functools.lru_cache(maxsize=4)
def _cnn_parameters(name: str, size: int) -> int:
    from affacrnn.models.cnn_zoo import build_cnn

    return int(build_cnn(name, input_size=size).count_params())


@exercise("ch07-2", what="ResNet18's number of weights", hint="build it and call .count_params()")
def _ch07_2() -> int:
    return _cnn_parameters("resnet18", 64)


# ----------------------------------------------------------------------------------- chapter 8


@exercise("ch08-1", what="the slot with the largest weight", hint="np.argmax over the first row of alpha")
def _ch08_1(*, alpha: np.ndarray) -> int:
    return int(np.argmax(np.asarray(alpha)[0]))


@exercise("ch08-2", what="the fraction of targets attending most to themselves", tol=1e-9,
          hint="compare the argmax of each row of viewer.alpha with the middle slot")
def _ch08_2(*, alpha: np.ndarray) -> float:
    alpha = np.asarray(alpha)
    return float(np.mean(alpha.argmax(axis=1) == alpha.shape[1] // 2))


# ----------------------------------------------------------------------------------- chapter 9


@exercise("ch09-1", what="the accuracy of the training majority on the test language",
          hint="find the most frequent class of yc[c_fit], then the fraction of yc[c_test] equal to it")
def _ch09_1(*, y_fit: np.ndarray, y_test: np.ndarray) -> float:
    values, counts = np.unique(np.asarray(y_fit), return_counts=True)
    return 100 * float(np.mean(np.asarray(y_test) == values[np.argmax(counts)]))


@exercise("ch09-2", what="AFF-ACRNN's lead over SVM in points", hint="68.74 minus the SVM row's accuracy")
def _ch09_2(*, table5: dict) -> float:
    best_other = max(acc for name, (acc, _) in table5.items() if name != "affacrnn")
    return table5["affacrnn"][0] - best_other


# ---------------------------------------------------------------------------------- chapter 10


@exercise("ch10-1", what="the training majority rate", tol=1e-4,
          hint="assign proto2 to `train`, count the classes, divide the largest count by len(train)")
def _ch10_1(*, train: pd.DataFrame) -> float:
    return float(get_scheme("proto2").assign(train).value_counts(normalize=True).max())


@exercise("ch10-2", what="the number of strongly negative 'neutral' rows",
          hint="the scheme's neutral row at -2.5 is closed on both sides")
def _ch10_2(*, scores: pd.DataFrame) -> int:
    proto7 = get_scheme("proto7").assign(scores)
    return int(((proto7 == "neutral") & (scores["score"] < -2)).sum())


# ---------------------------------------------------------------------------------- chapter 11


@exercise("ch11-1", what="the fraction of the recording that is speech", tol=1e-3,
          hint="divide out['summary']['speech_seconds'] by out['duration']")
def _ch11_1(*, out: dict) -> float:
    return out["summary"]["speech_seconds"] / out["duration"]


@exercise("ch11-2", what="the number of utterances with min_silence=4.0",
          hint="call split_utterances(long_y, sr=SR, min_silence=4.0) and count the rows")
def _ch11_2(*, y: np.ndarray, sr: int) -> int:
    return len(split_utterances(y, sr=sr, min_silence=4.0))
