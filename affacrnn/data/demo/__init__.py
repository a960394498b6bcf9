"""The synthetic demo corpus: a small MOSI-shaped sentiment corpus spoken offline by espeak-ng.

The default when no real corpus is set up (CMU-MOSI's audio cannot be downloaded here).

==================================  ===========================================================
module                              what
==================================  ===========================================================
:mod:`affacrnn.data.demo.design`    the design: speakers, lexicon, scores, prosody (pure)
:mod:`affacrnn.data.demo.build`     speaking it in worker processes, manifest, reuse on disk
:mod:`affacrnn.data.demo.tts`       a small ctypes binding of espeak-ng
==================================  ===========================================================

Every public name of :mod:`~affacrnn.data.demo.design` and :mod:`~affacrnn.data.demo.build` in
``__all__`` is importable from here, e.g. ``from affacrnn.data.demo import ensure_demo_corpus``.

Notebook: book/02_listen.ipynb
"""
from affacrnn.data.demo.build import DEMO_FOLDER, N_CHUNKS, ensure_demo_corpus, generate_demo_corpus
from affacrnn.data.demo.design import (
    AR_RHO,
    DEFAULT_SESSIONS,
    DEMO_VERSION,
    LEXICON,
    MANIFEST_COLUMNS,
    MAX_UTTERANCES,
    MIN_UTTERANCES,
    PITCH_PER_POINT,
    PROSODY_JITTER,
    RANGE_PER_POINT,
    RATE_PER_POINT,
    SPEAKERS,
    STRENGTHS,
    VOLUME_PER_POINT,
    Speaker,
    plan_demo_corpus,
    score_to_sentiment,
)

__all__ = [
    "DEMO_VERSION",
    "DEMO_FOLDER",
    "MANIFEST_COLUMNS",
    "SPEAKERS",
    "Speaker",
    "LEXICON",
    "STRENGTHS",
    "DEFAULT_SESSIONS",
    "MIN_UTTERANCES",
    "MAX_UTTERANCES",
    "N_CHUNKS",
    "PITCH_PER_POINT",
    "RANGE_PER_POINT",
    "RATE_PER_POINT",
    "VOLUME_PER_POINT",
    "PROSODY_JITTER",
    "AR_RHO",
    "ensure_demo_corpus",
    "generate_demo_corpus",
    "plan_demo_corpus",
    "score_to_sentiment",
]
