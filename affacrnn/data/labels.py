"""Label schemes: how a corpus's raw labels (emotion, intensity, score) become classes.

Every scheme is a visible table (:attr:`LabelScheme.table`), not code buried in ifs:

* score schemes (MOSI, the demo corpus, manifests with ``score``) are tables of intervals —
  ``class, low, high, low_closed, high_closed`` — and a score takes the class of the one interval
  that contains it (a test checks the intervals tile [-3, 3] exactly once);
* emotion schemes are tables ``emotion → class`` (plus ``intensity`` where it matters).

The paper (§4, "Dataset details") uses 2, 5 and 7 classes on MOSI without giving thresholds; our
``mosi2/5/7`` follow the usual CMU-MOSI convention (sign; score rounded to the nearest integer,
clipped to [-2, 2] for 5 classes). The ``proto*`` schemes reproduce the authors' prototype
(ASA-MOSI/Audio-Sentiment-Analysis) exactly as its scripts did, including that its "2-class" is
neutral vs polar and its 5-class swallows the neutral range (book chapter 10, "Reproduction
audit").

Emotion corpora need decisions, documented here once:

* RAVDESS *calm* → **neutral**: RAVDESS's calm is a low-arousal baseline delivery of the same
  sentences, acoustically closer to neutral than to happy, and the actors were asked for a
  pleasant-but-flat voice rather than a positive one.
* RAVDESS *surprised* → **positive** (the RAVDESS validation study rates it above neutral valence).
* EmoDB *boredom* → **negative**: low arousal, negative valence in the circumplex model.
* *neutral* stays neutral; happy/happiness positive; sad, angry, fearful, disgust (and German
  equivalents) negative.

The same ``sentiment3`` / ``sentiment2`` schemes apply to RAVDESS and EmoDB, which is what makes
the cross-language experiment (train RAVDESS, test EmoDB) possible.

Notebook: book/04_data_labels_splits.ipynb
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from affacrnn.errors import CorpusError, ParameterError

__all__ = ["LabelScheme", "SCHEMES", "get_scheme", "apply_scheme", "schemes_for", "register_scheme", "SENTIMENT_OF_EMOTION"]


@dataclass(frozen=True)
class LabelScheme:
    """A named mapping from raw labels to classes.

    Attributes
    ----------
    name : str
        Identifier used by configs and the CLI (``"mosi2"``, ``"sentiment3"``, ...).
    kind : {"score", "emotion"}
        Which raw column it reads.
    classes : tuple of str
        The classes, in a fixed order (negative → positive where that applies); class index i
        is ``classes[i]``.
    rows : tuple of tuple
        The table: for ``score`` schemes ``(class, low, high, low_closed, high_closed)``; for
        ``emotion`` schemes ``(emotion, intensity or None, class or None)`` where class ``None``
        drops the utterance.
    description : str
        One paragraph: where the scheme comes from.
    """

    name: str
    kind: str
    classes: tuple[str, ...]
    rows: tuple[tuple, ...]
    description: str

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def table(self) -> pd.DataFrame:
        """The scheme as a table, for reading (and for the book)."""
        if self.kind == "score":
            return pd.DataFrame(list(self.rows), columns=["class", "low", "high", "low_closed", "high_closed"])
        return pd.DataFrame(list(self.rows), columns=["emotion", "intensity", "class"])

    def assign(self, table: pd.DataFrame) -> pd.Series:
        """Class of every row of a corpus table; missing (``NA``) where the scheme drops a row.

        Parameters
        ----------
        table : pandas.DataFrame
            A corpus table (see :func:`affacrnn.load_corpus`).

        Returns
        -------
        pandas.Series [shape=(n_rows,), dtype=category]
            Categories are :attr:`classes` in order.
        """
        if self.kind == "score":
            labels = self._assign_score(table)
        else:
            labels = self._assign_emotion(table)
        return pd.Series(pd.Categorical(labels, categories=list(self.classes)), index=table.index, name=self.name)

    def codes(self, table: pd.DataFrame) -> np.ndarray:
        """Integer class indices (``-1`` where dropped) of every row."""
        return self.assign(table).cat.codes.to_numpy()

    def _assign_score(self, table: pd.DataFrame) -> list:
        if "score" not in table or table["score"].isna().all():
            raise CorpusError(
                f"label scheme {self.name!r} reads sentiment scores, but corpus "
                f"{table.attrs.get('corpus', '?')!r} has none. Use an emotion scheme ({', '.join(schemes_for('emotion'))})."
            )
        s = table["score"].to_numpy(dtype=float)
        out: list = [None] * len(s)
        for cls, low, high, lc, hc in self.rows:
            hit = ((s >= low) if lc else (s > low)) & ((s <= high) if hc else (s < high))
            for i in np.flatnonzero(hit):
                out[i] = cls
        return out

    def _assign_emotion(self, table: pd.DataFrame) -> list:
        if "emotion" not in table or table["emotion"].isna().all():
            raise CorpusError(
                f"label scheme {self.name!r} reads emotions, but corpus {table.attrs.get('corpus', '?')!r} has none. "
                f"Use a score scheme ({', '.join(schemes_for('score'))})."
            )
        lookup = {}
        for emo, inten, cls in self.rows:
            lookup[(emo, inten)] = cls
        known = {emo for emo, _, _ in self.rows}
        out = []
        intensity = table["intensity"] if "intensity" in table else pd.Series([None] * len(table), index=table.index)
        for emo, inten in zip(table["emotion"], intensity):
            if emo not in known:
                raise CorpusError(
                    f"label scheme {self.name!r}: unknown emotion {emo!r} (known: {', '.join(sorted(known))}). "
                    "Fix the corpus label or choose another scheme."
                )
            inten = inten if isinstance(inten, str) else None
            out.append(lookup.get((emo, inten), lookup.get((emo, None))))
        return out


#: Emotion → sentiment, for RAVDESS (English names) and EmoDB (English translations of its letters).
#: The decisions for calm, surprised and boredom are explained in the module docstring.
SENTIMENT_OF_EMOTION = {
    # RAVDESS
    "neutral": "neutral",
    "calm": "neutral",
    "happy": "positive",
    "surprised": "positive",
    "sad": "negative",
    "angry": "negative",
    "fearful": "negative",
    "disgust": "negative",
    # EmoDB
    "happiness": "positive",
    "boredom": "negative",
    "sadness": "negative",
    "anger": "negative",
    "fear": "negative",
}

_MOSI = "CMU-MOSI convention"
_PROTO = "the authors' prototype (ASA-MOSI/Audio-Sentiment-Analysis), reproduced exactly"


def _score_scheme(name: str, classes: tuple[str, ...], rows: list[tuple], description: str) -> LabelScheme:
    return LabelScheme(name=name, kind="score", classes=classes, rows=tuple(rows), description=description)


def _emotion_scheme(name: str, classes: tuple[str, ...], mapping: dict, description: str) -> LabelScheme:
    rows = []
    for key, cls in mapping.items():
        emo, inten = key if isinstance(key, tuple) else (key, None)
        rows.append((emo, inten, cls))
    return LabelScheme(name=name, kind="emotion", classes=classes, rows=tuple(rows), description=description)


_S7 = ("strong negative", "negative", "weak negative", "neutral", "weak positive", "positive", "strong positive")
_S5 = ("strong negative", "negative", "neutral", "positive", "strong positive")

SCHEMES: dict[str, LabelScheme] = {}
for _s in [
    _score_scheme(
        "mosi2", ("negative", "positive"),
        [("negative", -3, 0, True, False), ("positive", 0, 3, True, True)],
        f"2-class positive (score >= 0) vs negative (score < 0); {_MOSI}.",
    ),
    _score_scheme(
        "mosi2_nonzero", ("negative", "positive"),
        [("negative", -3, 0, True, False), ("positive", 0, 3, False, True)],
        f"2-class positive (score > 0) vs negative (score < 0), score 0 dropped; {_MOSI}.",
    ),
    _score_scheme(
        "mosi5", _S5,
        [
            ("strong negative", -3, -1.5, True, False), ("negative", -1.5, -0.5, True, False),
            ("neutral", -0.5, 0.5, True, True), ("positive", 0.5, 1.5, False, True),
            ("strong positive", 1.5, 3, False, True),
        ],
        f"5-class: score rounded to the nearest integer and clipped to [-2, 2] (paper's class names); {_MOSI}.",
    ),
    _score_scheme(
        "mosi7", _S7,
        [
            ("strong negative", -3, -2.5, True, False), ("negative", -2.5, -1.5, True, False),
            ("weak negative", -1.5, -0.5, True, False), ("neutral", -0.5, 0.5, True, True),
            ("weak positive", 0.5, 1.5, False, True), ("positive", 1.5, 2.5, False, True),
            ("strong positive", 2.5, 3, False, True),
        ],
        f"7-class: score rounded to the nearest integer in [-3, 3] (paper's class names); {_MOSI}.",
    ),
    _score_scheme(
        "proto2", ("neutral", "polar"),
        [("polar", -3, -1, True, True), ("neutral", -1, 1, False, True), ("polar", 1, 3, False, True)],
        f"The prototype's '2-class': neutral if -1 < s <= 1, else polar. Not positive vs negative; {_PROTO}.",
    ),
    _score_scheme(
        "proto3", ("negative", "neutral", "positive"),
        [("negative", -3, -1.5, True, False), ("neutral", -1.5, 1.5, True, True), ("positive", 1.5, 3, False, True)],
        f"3-class: positive s > 1.5, negative s < -1.5, else neutral; {_PROTO}.",
    ),
    _score_scheme(
        "proto5", ("strong_negative", "negative", "neutral", "positive", "strong_positive"),
        [
            ("strong_negative", -3, -2, True, False), ("neutral", -2, -2, True, True),
            ("negative", -2, 1, False, True), ("positive", 1, 2, False, True), ("strong_positive", 2, 3, False, True),
        ],
        "5-class with the prototype's boundary bug: 'negative' is -2 < s <= 1, which swallows the neutral "
        f"range, so 'neutral' is only s == -2 exactly; {_PROTO}.",
    ),
    _score_scheme(
        "proto7", ("strong_negative", "negative", "weak_negative", "neutral", "weak_positive", "positive", "strong_positive"),
        [
            ("strong_negative", -3, -2.5, True, False), ("neutral", -2.5, -2.5, True, True),
            ("negative", -2.5, -1, False, True),
            ("weak_negative", -1, -0.5, False, True), ("neutral", -0.5, 0.5, False, True),
            ("weak_positive", 0.5, 1, False, True), ("positive", 1, 2.5, False, True),
            ("strong_positive", 2.5, 3, False, True),
        ],
        "7-class: strong > 2.5, 1 < positive <= 2.5, 0.5 < weak <= 1 (mirrored for negative), neutral "
        f"otherwise, which includes s == -2.5 exactly (its negative bin is open at -2.5); {_PROTO}.",
    ),
    _emotion_scheme(
        "sentiment3", ("negative", "neutral", "positive"), SENTIMENT_OF_EMOTION,
        "Emotion → sentiment (positive / neutral / negative); decisions for calm, surprised and boredom in the module docstring.",
    ),
    _emotion_scheme(
        "sentiment2", ("negative", "positive"),
        {e: (None if s == "neutral" else s) for e, s in SENTIMENT_OF_EMOTION.items()},
        "Emotion → positive / negative; neutral (and RAVDESS calm) utterances dropped.",
    ),
    _emotion_scheme(
        "ravdess5", _S5,
        {
            **{(e, i): ("neutral" if s == "neutral" else (("strong " if i == "strong" else "") + s))
               for e, s in SENTIMENT_OF_EMOTION.items() for i in ("normal", "strong")},
            **{e: ("neutral" if s == "neutral" else s) for e, s in SENTIMENT_OF_EMOTION.items()},
        },
        "Intensity-aware 5-class for RAVDESS: strong/normal × positive/negative, plus neutral (neutral and calm). "
        "On corpora without intensity every polar utterance counts as normal intensity.",
    ),
    _emotion_scheme(
        "ravdess_emotion7", ("neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised"),
        {"neutral": "neutral", "calm": "neutral", "happy": "happy", "sad": "sad", "angry": "angry",
         "fearful": "fearful", "disgust": "disgust", "surprised": "surprised"},
        "RAVDESS's eight emotions with calm merged into neutral: seven classes, the 7-class task on RAVDESS.",
    ),
    _emotion_scheme(
        "emodb_emotion7", ("neutral", "happiness", "sadness", "anger", "fear", "disgust", "boredom"),
        {e: e for e in ("neutral", "happiness", "sadness", "anger", "fear", "disgust", "boredom")},
        "EmoDB's seven emotions as classes: the 7-class task on EmoDB.",
    ),
]:
    SCHEMES[_s.name] = _s


def register_scheme(scheme: LabelScheme) -> LabelScheme:
    """Add a label scheme: configs, ``prepare``, the command line and the experiments accept its name.

    Refuses a name already taken, a kind other than ``"score"``/``"emotion"``, and fewer than two classes.
    """
    if not isinstance(scheme, LabelScheme):
        raise ParameterError(f"`scheme` must be a LabelScheme; got {type(scheme).__name__}.")
    if scheme.name in SCHEMES:
        raise ParameterError(f"label scheme {scheme.name!r} is already registered; pick another name.")
    if scheme.kind not in ("score", "emotion"):
        raise ParameterError(f"label scheme {scheme.name!r}: `kind` must be 'score' or 'emotion'; got {scheme.kind!r}.")
    if scheme.n_classes < 2:
        raise ParameterError(f"label scheme {scheme.name!r} has {scheme.n_classes} class(es); give at least two.")
    SCHEMES[scheme.name] = scheme
    return scheme


def get_scheme(name: str | LabelScheme) -> LabelScheme:
    """Look up a scheme by name (a :class:`LabelScheme` passes through)."""
    if isinstance(name, LabelScheme):
        return name
    try:
        return SCHEMES[name]
    except KeyError:
        raise ParameterError(
            f"unknown label scheme {name!r}; valid: {', '.join(SCHEMES)}. Pass one of these names."
        ) from None


def schemes_for(kind: str) -> list[str]:
    """Names of the schemes that read ``kind`` (``"score"`` or ``"emotion"``)."""
    return [n for n, s in SCHEMES.items() if s.kind == kind]


def apply_scheme(table: pd.DataFrame, scheme: str | LabelScheme, *, drop: bool = True) -> pd.DataFrame:
    """Return ``table`` with a ``label`` (category) and ``y`` (int) column from ``scheme``.

    Parameters
    ----------
    table : pandas.DataFrame
        A corpus table.
    scheme : str or LabelScheme
        Scheme name (see :data:`SCHEMES`).
    drop : bool
        Drop rows the scheme does not classify (e.g. neutral in ``sentiment2``).

    Returns
    -------
    pandas.DataFrame
        A copy with ``label`` and ``y`` appended; ``attrs["scheme"]`` names the scheme.
    """
    sch = get_scheme(scheme)
    labels = sch.assign(table)
    out = table.assign(label=labels, y=labels.cat.codes.astype(np.int64))
    if drop:
        out = out[out["y"] >= 0].reset_index(drop=True)
    out.attrs.update(table.attrs)
    out.attrs["scheme"] = sch.name
    return out
