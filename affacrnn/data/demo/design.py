"""The demo corpus's design: speakers, words, scores and prosody, as pure functions of a seed.

CMU-MOSI's audio cannot be downloaded here, and a reader may have no corpus at all. The synthetic
demo corpus is a small MOSI-shaped corpus made from nothing but a seed: "videos" (sessions) in
which one synthetic speaker talks about one topic for :data:`MIN_UTTERANCES`..:data:`MAX_UTTERANCES`
consecutive utterances, each with a sentiment score in [-3, 3] like MOSI's, so the paper's 2-, 5-
and 7-class schemes and its three-utterance context windows apply unchanged. This module holds
its design: the constants, the choice of sentences and the score and prosody of every utterance
(:func:`plan_demo_corpus`). It does no file or process work; :mod:`affacrnn.data.demo.build`
speaks the plan with espeak-ng and writes it to disk.

How sentiment is encoded
------------------------
Every utterance has a continuous score ``s`` in [-3, 3] on a 0.2 grid (MOSI's scores are means
of five annotators, so they sit on a similar grid). Within a session, ``s`` follows the
session's mood, which drifts linearly from a start to an end value, plus AR(1) noise (ρ =
:data:`AR_RHO`): neighbours are correlated, which is what a context model can exploit. The
start's sign alternates across each speaker's sessions, so no speaker is all positive or all
negative and the voice alone does not give the label away. ``s``
reaches the audio through two channels:

*Words.* ``k = round(s)`` (an integer in -3..3, the MOSI 7-class label) picks the sentence:
``sentiment`` is the sign of ``k`` (``negative``/``neutral``/``positive``) and ``strength`` is
``|k|`` as a word (:data:`STRENGTHS`): ``none`` (k = 0: a factual or mixed sentence), ``weak``
(hedged or negated words: "fairly nice", "not bad"), ``moderate`` ("really good") and ``strong``
("absolutely wonderful!"). English and German have parallel word lists (:data:`LEXICON`).

*Prosody.* Relative to the speaker's own baseline (:data:`SPEAKERS`): base pitch rises by
:data:`PITCH_PER_POINT` per score point, pitch range (liveliness) by :data:`RANGE_PER_POINT`,
speaking rate by :data:`RATE_PER_POINT` words per minute, and volume grows with ``|s|`` by
:data:`VOLUME_PER_POINT` (arousal, whatever the sign); each gets a little Gaussian jitter
(:data:`PROSODY_JITTER`). Prosody is the only channel that carries ``s`` *within* a class.

What a model can and cannot learn from it
-----------------------------------------
* It is synthetic: a formant synthesiser, :data:`SPEAKERS` (4 English, 4 German voices built from
  two base voices each plus espeak-ng variants), clean studio-silent audio, no overlap, noise or
  reverberation. Results on it say nothing about real speech; they show that the code runs and
  learns *something*, and make a fair sandbox for comparing features and architectures.
* The prosody rules are ours (a plausible textbook mapping: positive = higher, livelier, faster;
  strong = louder), not a finding about human speech. A model that learns them learns our rules.
* The strongest cue is lexical: the text names the sentiment. An audio model hears the words only
  as spectral patterns of a few dozen sentiment words; the MFCC/chroma features of the paper can
  only partly pick them up. The ``text`` column is there to show how much a text baseline gets.
* Speaker baselines differ (pitch, rate), so per-speaker normalisation matters, as in real data;
  with 8 speakers, a speaker-disjoint split leaves few speakers to test on.
* Volume as a cue disappears under per-utterance loudness normalisation.

Examples
--------
>>> from affacrnn.data.demo.design import plan_demo_corpus
>>> plan = plan_demo_corpus(seed=0, n_sessions=2)
>>> plan[0]["utterance_id"], plan[0]["speaker"]
('v000_00', 'en-f1')

Notebook: book/02_listen.ipynb
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from affacrnn.errors import ParameterError

__all__ = [
    "DEMO_VERSION",
    "MANIFEST_COLUMNS",
    "SPEAKERS",
    "Speaker",
    "LEXICON",
    "STRENGTHS",
    "DEFAULT_SESSIONS",
    "MIN_UTTERANCES",
    "MAX_UTTERANCES",
    "PITCH_PER_POINT",
    "RANGE_PER_POINT",
    "RATE_PER_POINT",
    "VOLUME_PER_POINT",
    "PROSODY_JITTER",
    "AR_RHO",
    "plan_demo_corpus",
    "score_to_sentiment",
    "check_seed",
    "check_sessions",
]

#: Bump when anything that changes the generated corpus changes; a manifest with another
#: version is regenerated on the next :func:`ensure_demo_corpus`.
DEMO_VERSION = "1"

#: Columns of ``manifest.csv``, in order.
MANIFEST_COLUMNS = (
    "utterance_id",  # "<session>_<position:02d>"
    "path",  # relative to the manifest's folder: "wav/<utterance_id>.wav"
    "speaker",  # e.g. "en-f1"
    "session",  # the "video": "v000", "v001", ...
    "position",  # 0-based order within the session
    "duration",  # seconds
    "language",  # "en" or "de"
    "score",  # float in [-3, 3], 0.2 grid
    "sentiment",  # "negative" / "neutral" / "positive" (sign of round(score))
    "strength",  # "none" / "weak" / "moderate" / "strong" (|round(score)|)
    "text",  # what was said
    "voice",  # espeak-ng voice, e.g. "de+m2"
    "seed",  # the corpus seed
    "topic",  # what the session is about
    "pitch",  # espeak-ng parameters used (see the module notes)
    "pitch_range",
    "rate",
    "volume",
    "synth_seed",  # seed of espeak-ng's noise generator for this utterance
    "version",  # DEMO_VERSION
    "engine",  # espeak-ng version string
)

#: Default number of sessions; with 6..10 utterances each, about 320 utterances.
DEFAULT_SESSIONS = 40
#: Fewest and most utterances in a session (inclusive).
MIN_UTTERANCES, MAX_UTTERANCES = 6, 10

#: Prosody rule (see the module notes): change per score point / per point of ``|score|``.
PITCH_PER_POINT = 5.0  # espeak pitch units (0..100), per score point
RANGE_PER_POINT = 8.0  # espeak pitch-range units (0..100), per score point
RATE_PER_POINT = 8.0  # words per minute, per score point
VOLUME_PER_POINT = 10.0  # espeak volume units (100 = normal), per point of |score|
#: Standard deviation of the Gaussian jitter added to pitch, range, rate, volume.
PROSODY_JITTER = {"pitch": 3.0, "pitch_range": 5.0, "rate": 6.0, "volume": 4.0}
#: Within-session persistence of the score's deviation from the session mood.
AR_RHO = 0.6
_AR_SIGMA = 0.7  # innovation standard deviation of that AR(1) deviation

#: ``|round(score)|`` → strength word.
STRENGTHS = ("none", "weak", "moderate", "strong")


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker: an espeak-ng voice and a personal prosody baseline."""

    speaker: str
    voice: str
    language: str
    pitch: int  # baseline espeak pitch, 0..100
    rate: int  # baseline words per minute


#: The speakers, interleaved by language so that any first few sessions cover both languages.
#: Session ``i`` is spoken by ``SPEAKERS[i % len(SPEAKERS)]``.
SPEAKERS = (
    Speaker("en-f1", "en-us+f3", "en", 52, 170),
    Speaker("de-m1", "de+m2", "de", 48, 160),
    Speaker("en-m1", "en-us+m3", "en", 45, 182),
    Speaker("de-f1", "de+f3", "de", 55, 165),
    Speaker("en-f2", "en-gb-x-rp+f2", "en", 50, 160),
    Speaker("de-m2", "de+m7", "de", 52, 176),
    Speaker("en-m2", "en-gb-x-rp+m1", "en", 47, 190),
    Speaker("de-f2", "de+f4", "de", 46, 170),
)

#: Word lists per language. Topics are (nominative, accusative) phrases. ``weak``/``moderate``/
#: ``strong`` hold (intensifiers, positive adjectives, negative adjectives); ``negated`` holds
#: weak phrases that use the opposite word ("not bad"); ``clauses`` optional follow-ups for
#: moderate and strong utterances; ``neutral`` factual or mixed sentences.
LEXICON: dict[str, dict] = {
    "en": {
        "topics": [(t, t) for t in (
            "the movie", "this phone", "the new restaurant", "the hotel", "that book",
            "the concert", "the new album", "the video game", "the museum", "the train ride",
        )],
        "polar": [
            "{S} was {a}.", "I thought {o} was {a}.", "Honestly, {s} was {a}.",
            "Overall, {s} was {a}.", "In my opinion, {s} was {a}.",
        ],
        "weak": (["fairly", "rather", "quite"], ["good", "nice", "pleasant"], ["bad", "dull", "weak"]),
        "moderate": (["really", "very"], ["good", "enjoyable", "great", "nice"],
                     ["bad", "boring", "annoying", "disappointing"]),
        "strong": (["absolutely", "truly", "incredibly"], ["wonderful", "fantastic", "brilliant", "amazing"],
                   ["terrible", "awful", "horrible", "dreadful"]),
        "negated": (["not bad", "not too bad", "not bad at all"], ["not very good", "not great", "not that good"]),
        "clauses": (["I would recommend it.", "I enjoyed every minute."],
                    ["I would not recommend it.", "What a waste of time."]),
        "neutral": [
            "I tried {o} last week.", "I read about {o} in the newspaper.", "A friend told me about {o}.",
            "{S} costs about twenty dollars.", "I went there on a Tuesday afternoon.",
            "{S} is from last year.", "{S} had some good parts and some bad parts.",
        ],
    },
    "de": {
        "topics": [
            ("der Film", "den Film"), ("das Handy", "das Handy"), ("das neue Restaurant", "das neue Restaurant"),
            ("das Hotel", "das Hotel"), ("das Buch", "das Buch"), ("das Konzert", "das Konzert"),
            ("das neue Album", "das neue Album"), ("das Videospiel", "das Videospiel"),
            ("das Museum", "das Museum"), ("die Zugfahrt", "die Zugfahrt"),
        ],
        "polar": [
            "{S} war {a}.", "Ich fand {o} {a}.", "Ehrlich gesagt war {s} {a}.",
            "Insgesamt war {s} {a}.", "Meiner Meinung nach war {s} {a}.",
        ],
        "weak": (["ziemlich", "eher", "ganz"], ["gut", "nett", "angenehm"], ["schlecht", "langweilig", "schwach"]),
        "moderate": (["wirklich", "sehr"], ["gut", "unterhaltsam", "toll", "schön"],
                     ["schlecht", "langweilig", "ärgerlich", "enttäuschend"]),
        "strong": (["absolut", "unglaublich", "total"], ["wunderbar", "fantastisch", "großartig", "hervorragend"],
                   ["furchtbar", "schrecklich", "grauenhaft", "katastrophal"]),
        "negated": (["nicht schlecht", "gar nicht so schlecht", "nicht übel"],
                    ["nicht so gut", "nicht besonders gut", "nicht wirklich gut"]),
        "clauses": (["Ich kann es nur empfehlen.", "Das hat mir sehr gefallen."],
                    ["Ich kann es nicht empfehlen.", "Das war reine Zeitverschwendung."]),
        "neutral": [
            "Ich habe {o} letzte Woche ausprobiert.", "Ich habe in der Zeitung über {o} gelesen.",
            "{S} kostet ungefähr zwanzig Euro.", "Ich war an einem Dienstag dort.",
            "{S} ist vom letzten Jahr.", "{S} hatte gute und schlechte Seiten.",
        ],
    },
}


def score_to_sentiment(score: float) -> tuple[str, str]:
    """Map a score in [-3, 3] to the coarse ``(sentiment, strength)`` labels.

    ``k = round(score)`` (the MOSI 7-class label, -3..3); sentiment is its sign, strength
    ``STRENGTHS[|k|]``. E.g. ``-0.4 → ("neutral", "none")``, ``1.6 → ("positive", "moderate")``.
    """
    k = int(np.clip(np.round(score), -3, 3))
    sentiment = "positive" if k > 0 else "negative" if k < 0 else "neutral"
    return sentiment, STRENGTHS[abs(k)]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(rng: np.random.Generator, lex: dict, k: int, topic: tuple[str, str]) -> str:
    subj, obj = topic
    if k == 0:
        template = lex["neutral"][rng.integers(len(lex["neutral"]))]
        return template.format(S=_cap(subj), s=subj, o=obj)
    positive = k > 0
    level = ("weak", "moderate", "strong")[abs(k) - 1]
    if level == "weak" and rng.random() < 0.4:
        choices = lex["negated"][0 if positive else 1]
        phrase = choices[rng.integers(len(choices))]
    else:
        intens, pos, neg = lex[level]
        words = pos if positive else neg
        phrase = f"{intens[rng.integers(len(intens))]} {words[rng.integers(len(words))]}"
    template = lex["polar"][rng.integers(len(lex["polar"]))]
    text = template.format(S=_cap(subj), s=subj, o=obj, a=phrase)
    if level == "strong":
        text = text[:-1] + "!"
    if level != "weak" and rng.random() < 0.5:
        clauses = lex["clauses"][0 if positive else 1]
        text += " " + clauses[rng.integers(len(clauses))]
    return text


def _session_scores(rng: np.random.Generator, n: int, sign: int) -> np.ndarray:
    start = sign * rng.uniform(0.0, 2.6)
    end = float(np.clip(start + rng.normal(0.0, 1.5), -3.0, 3.0))
    mood = np.linspace(start, end, n)
    dev = np.empty(n)
    dev[0] = rng.normal(0.0, _AR_SIGMA)
    for t in range(1, n):
        dev[t] = AR_RHO * dev[t - 1] + rng.normal(0.0, _AR_SIGMA)
    score = np.clip(mood + dev, -3.0, 3.0)
    return np.round(np.round(score * 5.0) / 5.0, 1)


def check_seed(seed: int) -> int:
    """Return ``seed`` as an int; raise :class:`~affacrnn.errors.ParameterError` unless it is an int >= 0."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"`seed` must be a non-negative int; got {seed!r}. Pass e.g. seed=0.")
    return int(seed)


def check_sessions(n_sessions: int) -> int:
    """Return ``n_sessions`` as an int; raise :class:`~affacrnn.errors.ParameterError` unless it is an int >= 1."""
    if isinstance(n_sessions, bool) or not isinstance(n_sessions, (int, np.integer)) or n_sessions < 1:
        raise ParameterError(
            f"`n_sessions` must be a positive int; got {n_sessions!r}. Pass e.g. n_sessions={DEFAULT_SESSIONS}."
        )
    return int(n_sessions)


def plan_demo_corpus(*, seed: int = 0, n_sessions: int = DEFAULT_SESSIONS) -> list[dict]:
    """Return the corpus plan: one dict per utterance with text, labels and prosody, no audio.

    Session ``i`` depends only on ``seed`` and ``i`` (its own ``numpy.random.default_rng``), so a
    corpus with fewer sessions is a prefix of a larger one.

    Parameters
    ----------
    seed : int
        Corpus seed.
    n_sessions : int
        Number of sessions ("videos").

    Returns
    -------
    list of dict
        Keys: the :data:`MANIFEST_COLUMNS` except ``duration`` and ``engine``.
    """
    seed = check_seed(seed)
    n_sessions = check_sessions(n_sessions)
    rows: list[dict] = []
    for i in range(n_sessions):
        rng = np.random.default_rng([seed, i])
        spk = SPEAKERS[i % len(SPEAKERS)]
        lex = LEXICON[spk.language]
        topic = lex["topics"][rng.integers(len(lex["topics"]))]
        n = int(rng.integers(MIN_UTTERANCES, MAX_UTTERANCES + 1))
        # The starting mood's sign alternates per speaker and per round of speakers, so every
        # speaker has positive and negative sessions: the voice alone does not give the label.
        sign = 1 if (i // len(SPEAKERS) + i % len(SPEAKERS)) % 2 == 0 else -1
        scores = _session_scores(rng, n, sign)
        session = f"v{i:03d}"
        for pos, score in enumerate(scores):
            score = float(score)
            sentiment, strength = score_to_sentiment(score)
            k = int(np.clip(np.round(score), -3, 3))
            jit = {key: rng.normal(0.0, sd) for key, sd in PROSODY_JITTER.items()}
            uid = f"{session}_{pos:02d}"
            rows.append(
                {
                    "utterance_id": uid,
                    "path": f"wav/{uid}.wav",
                    "speaker": spk.speaker,
                    "session": session,
                    "position": pos,
                    "language": spk.language,
                    "score": score,
                    "sentiment": sentiment,
                    "strength": strength,
                    "text": _sentence(rng, lex, k, topic),
                    "voice": spk.voice,
                    "seed": seed,
                    "topic": topic[0],
                    "pitch": int(np.clip(round(spk.pitch + PITCH_PER_POINT * score + jit["pitch"]), 5, 95)),
                    "pitch_range": int(np.clip(round(50 + RANGE_PER_POINT * score + jit["pitch_range"]), 5, 95)),
                    "rate": int(np.clip(round(spk.rate + RATE_PER_POINT * score + jit["rate"]), 100, 300)),
                    "volume": int(np.clip(round(90 + VOLUME_PER_POINT * abs(score) + jit["volume"]), 50, 150)),
                    "synth_seed": int(rng.integers(0, 2**31 - 1)),
                    "version": DEMO_VERSION,
                }
            )
    return rows

