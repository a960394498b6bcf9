"""A synthetic, offline sentiment corpus spoken by espeak-ng: the default when no real one is set up.

CMU-MOSI's audio cannot be downloaded here, and a reader may have no corpus at all. This module
makes a small MOSI-shaped corpus from nothing but a seed: "videos" (sessions) in which one
synthetic speaker talks about one topic for :data:`MIN_UTTERANCES`..:data:`MAX_UTTERANCES`
consecutive utterances, each with a sentiment score in [-3, 3] like MOSI's, so the paper's 2-, 5-
and 7-class schemes and its three-utterance context windows apply unchanged.

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

Layout on disk
--------------
``<root>/demo/manifest.csv`` and ``<root>/demo/wav/<utterance_id>.wav`` (22 050 Hz mono 16-bit,
espeak-ng's native rate and the paper's librosa rate). Columns of the manifest:
:data:`MANIFEST_COLUMNS`. Generation is atomic (a temporary folder next to the target, renamed
at the end) and is skipped when a manifest with the same seed, session count,
:data:`DEMO_VERSION` and espeak-ng version is already there.

Examples
--------
>>> from affacrnn.data.demo.build import ensure_demo_corpus
>>> manifest = ensure_demo_corpus(root="data")  # doctest: +SKIP
>>> import pandas as pd; pd.read_csv(manifest).groupby("sentiment").size()  # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from affacrnn._io import atomic_write_text
from affacrnn.errors import AffacrnnError, CorpusError, ParameterError
from affacrnn.settings import data_root

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

#: Bump when anything that changes the generated corpus changes; a manifest with another
#: version is regenerated on the next :func:`ensure_demo_corpus`.
DEMO_VERSION = "1"

#: Sub-folder of the data root that holds the corpus.
DEMO_FOLDER = "demo"

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
#: Sessions are spoken in this many fixed groups (session ``i`` in group ``i % N_CHUNKS``), each in
#: a fresh process, so the audio does not depend on the number of worker processes.
N_CHUNKS = 4

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

_MANIFEST = "manifest.csv"
_RESULT_MARK = "AFFACRNN-DEMO-RESULT "


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


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"`seed` must be a non-negative int; got {seed!r}. Pass e.g. seed=0.")
    return int(seed)


def _check_sessions(n_sessions: int) -> int:
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
    seed = _check_seed(seed)
    n_sessions = _check_sessions(n_sessions)
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


# --- worker: speaks one fixed list of utterances in a fresh process ---------------------------


def _speak_chunk(out_dir: str, items: list[dict]) -> list[dict]:
    """Synthesise ``items`` in order into ``out_dir``; return ``utterance_id, n_samples, sr``."""
    import soundfile as sf

    from affacrnn.data.demo.tts import synthesize

    results = []
    for it in items:
        y, sr = synthesize(
            it["text"],
            voice=it["voice"],
            rate=it["rate"],
            pitch=it["pitch"],
            pitch_range=it["pitch_range"],
            volume=it["volume"],
            seed=it["synth_seed"],
        )
        pcm = np.round(y * 32768.0).clip(-32768, 32767).astype(np.int16)
        target = Path(out_dir) / it["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(target), pcm, sr, subtype="PCM_16", format="WAV")
        results.append({"utterance_id": it["utterance_id"], "n_samples": int(pcm.size), "sr": int(sr)})
    return results


def _worker_main() -> None:
    """Entry point of a worker process: a JSON job on stdin, a JSON result line on stdout."""
    job = json.loads(sys.stdin.read())
    try:
        out = {"ok": _speak_chunk(job["out_dir"], job["items"])}
    except AffacrnnError as exc:
        out = {"error": str(exc), "type": type(exc).__name__}
    sys.stdout.write(_RESULT_MARK + json.dumps(out) + "\n")
    sys.stdout.flush()


def _run_chunk(out_dir: Path, items: list[dict], procs: list) -> list[dict]:
    pkg_parent = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = pkg_parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    code = "from affacrnn.data.demo.build import _worker_main; _worker_main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        encoding="utf-8",
    )
    procs.append(proc)
    stdout, stderr = proc.communicate(json.dumps({"out_dir": str(out_dir), "items": items}))
    lines = [ln for ln in stdout.splitlines() if ln.startswith(_RESULT_MARK)]
    if proc.returncode != 0 or not lines:
        tail = (stderr.strip().splitlines() or ["no output"])[-1]
        raise CorpusError(
            f"demo corpus: a synthesis worker failed (exit code {proc.returncode}: {tail}). "
            "Check that espeakng-loader is installed (`pip install espeakng-loader`)."
        )
    result = json.loads(lines[-1][len(_RESULT_MARK):])
    if "error" in result:
        from affacrnn.data.demo.tts import TTSError

        raise TTSError(result["error"])
    return result["ok"]


def _write_manifest(df, path: Path) -> None:  # noqa: ANN001 - a DataFrame
    """Write the manifest (a separate function so tests can interrupt generation here)."""
    atomic_write_text(path, df.to_csv(index=False))


def _engine_version() -> str:
    from affacrnn.data.demo.tts import espeak_version

    return f"espeak-ng {espeak_version()}"


def _check_voices() -> None:
    """Fail early, in this process, with a clear TTSError if a voice or variant is missing."""
    from affacrnn.data.demo.tts import TTSError, list_variants, list_voices

    voices = {v.lower() for v in list_voices()}
    variants = set(list_variants())
    for spk in SPEAKERS:
        base, _, variant = spk.voice.partition("+")
        if base.lower() not in voices or (variant and variant not in variants):
            raise TTSError(
                f"espeak-ng: voice {spk.voice!r} (demo speaker {spk.speaker}) is not in the shipped data. "
                "Reinstall espeakng-loader (`pip install --force-reinstall espeakng-loader`)."
            )


def generate_demo_corpus(
    *,
    root: str | os.PathLike | None = None,
    seed: int = 0,
    n_sessions: int = DEFAULT_SESSIONS,
    workers: int | None = None,
    progress: bool = True,
) -> Path:
    """Generate the demo corpus into ``<root>/demo/``, replacing what is there; return the manifest.

    Audio is written into a temporary folder next to the target, which replaces the target only
    once everything, manifest included, is written: an interrupted run leaves the old corpus (or
    nothing) behind, never a half-written one.

    Parameters
    ----------
    root : str or path-like, optional
        Data root (default :func:`affacrnn.settings.data_root`, i.e. ``$AFFACRNN_DATA`` or ``data/``).
    seed : int
        Corpus seed; the same seed gives the same manifest and the same audio samples.
    n_sessions : int
        Number of sessions (default :data:`DEFAULT_SESSIONS`, about 320 utterances).
    workers : int, optional
        Worker processes (default: ``min(os.cpu_count(), N_CHUNKS)``); does not change the output.
    progress : bool
        Print progress lines to standard error.

    Returns
    -------
    pathlib.Path
        Path of ``manifest.csv``.

    Raises
    ------
    TTSError
        espeak-ng or one of the voices is unavailable.
    CorpusError
        The target folder exists but is not a demo corpus, or a synthesis worker failed.
    ParameterError
        ``seed``, ``n_sessions`` or ``workers`` is malformed.
    """
    import pandas as pd

    seed = _check_seed(seed)
    n_sessions = _check_sessions(n_sessions)
    if workers is None:
        workers = max(1, min(os.cpu_count() or 1, N_CHUNKS))
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ParameterError(f"`workers` must be a positive int or None; got {workers!r}. Pass e.g. workers=2.")
    base = data_root(root)
    target = base / DEMO_FOLDER
    _guard_target(target)
    _check_voices()
    engine = _engine_version()
    rows = plan_demo_corpus(seed=seed, n_sessions=n_sessions)
    t0 = time.perf_counter()
    if progress:
        print(
            f"affacrnn: generating the demo corpus ({len(rows)} utterances, {n_sessions} sessions, "
            f"seed {seed}) in {target} ...",
            file=sys.stderr,
            flush=True,
        )
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CorpusError(f"data root {base}: cannot be created ({exc}). Pass a writable root= or set AFFACRNN_DATA.") from None
    _remove_stale(base)
    # Not tempfile.mkdtemp: its 0700 mode would outlive the rename; mkdir honours the umask.
    tmp = base / f".{DEMO_FOLDER}-tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    procs: list[subprocess.Popen] = []
    try:
        (tmp / "wav").mkdir()
        chunks = [
            [r for r in rows if int(r["session"][1:]) % N_CHUNKS == c] for c in range(N_CHUNKS)
        ]
        chunks = [c for c in chunks if c]
        done: dict[str, dict] = {}
        with ThreadPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
            futures = [pool.submit(_run_chunk, tmp, chunk, procs) for chunk in chunks]
            for n_done, fut in enumerate(futures, start=1):
                for r in fut.result():
                    done[r["utterance_id"]] = r
                if progress:
                    print(f"affacrnn:   group {n_done}/{len(chunks)} spoken", file=sys.stderr, flush=True)
        df = pd.DataFrame(rows)
        df["duration"] = [done[u]["n_samples"] / done[u]["sr"] for u in df["utterance_id"]]
        df["engine"] = engine
        df = df[list(MANIFEST_COLUMNS)]
        _write_manifest(df, tmp / _MANIFEST)
        _install(tmp, target)
    except BaseException:
        for p in procs:
            if p.poll() is None:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if progress:
        size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
        print(
            f"affacrnn: demo corpus ready: {len(rows)} utterances, {size / 2**20:.1f} MiB, "
            f"{time.perf_counter() - t0:.1f} s -> {target / _MANIFEST}",
            file=sys.stderr,
            flush=True,
        )
    return target / _MANIFEST


def _remove_stale(base: Path, *, age_s: float = 3600.0) -> None:
    """Remove temporary folders that a killed generation left behind over ``age_s`` seconds ago."""
    now = time.time()
    for pattern in (f".{DEMO_FOLDER}-tmp-*", f".{DEMO_FOLDER}-old-*"):
        for p in base.glob(pattern):
            try:
                if p.is_dir() and now - p.stat().st_mtime > age_s:
                    shutil.rmtree(p, ignore_errors=True)
            except OSError:
                pass


def _is_ours(folder: Path) -> bool:
    """True if ``folder`` is empty or holds a demo manifest (so it may be replaced)."""
    if not folder.exists():
        return True
    if not folder.is_dir():
        return False
    if not any(folder.iterdir()):
        return True
    try:
        with open(folder / _MANIFEST, encoding="utf-8") as f:
            header = f.readline().strip().split(",")
    except OSError:
        return False
    return "version" in header and "synth_seed" in header


def _guard_target(target: Path) -> None:
    if not _is_ours(target):
        raise CorpusError(
            f"{target}: exists but is not a generated demo corpus (no demo manifest.csv); refusing to replace it. "
            "Move it away, or pass another root= / AFFACRNN_DATA."
        )


def _install(tmp: Path, target: Path) -> None:
    """Swap the finished ``tmp`` folder into place (two renames; the old corpus is removed last)."""
    old = None
    if target.exists():
        _guard_target(target)
        old = target.with_name(f".{target.name}-old-{os.getpid()}-{time.monotonic_ns()}")
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except OSError:
        if old is not None and not target.exists():
            os.replace(old, target)  # put the previous corpus back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _reusable(manifest: Path, *, seed: int, n_sessions: int) -> bool:
    """True if ``manifest`` is a complete demo corpus for this seed, size, version and engine."""
    import pandas as pd

    if not manifest.is_file():
        return False
    try:
        df = pd.read_csv(manifest, usecols=["path", "session", "seed", "version", "engine"], dtype=str)
    except (ValueError, OSError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return False
    if df.empty or df.isna().any().any():
        return False
    if set(df["version"]) != {DEMO_VERSION} or set(df["seed"]) != {str(seed)}:
        return False
    if df["session"].nunique() != n_sessions:
        return False
    try:
        if set(df["engine"]) != {_engine_version()}:
            return False
    except AffacrnnError:
        pass  # espeak-ng unavailable: a complete corpus on disk is still usable
    folder = manifest.parent
    return all((folder / p).is_file() for p in df["path"])


def ensure_demo_corpus(
    *,
    root: str | os.PathLike | None = None,
    seed: int = 0,
    n_sessions: int = DEFAULT_SESSIONS,
    force: bool = False,
    workers: int | None = None,
    progress: bool = True,
) -> Path:
    """Return the demo corpus's ``manifest.csv``, generating the corpus first if needed.

    A corpus already in ``<root>/demo/`` is reused when its manifest records the same ``seed``,
    number of sessions, :data:`DEMO_VERSION` and espeak-ng version and all its audio files exist;
    otherwise it is regenerated (a few seconds for the default size on 2 cores).

    Parameters
    ----------
    root : str or path-like, optional
        Data root (default :func:`affacrnn.settings.data_root`).
    seed : int
        Corpus seed.
    n_sessions : int
        Number of sessions (default :data:`DEFAULT_SESSIONS`).
    force : bool
        Regenerate even if a matching corpus exists.
    workers : int, optional
        Worker processes for generation (see :func:`generate_demo_corpus`).
    progress : bool
        Print progress lines to standard error while generating.

    Returns
    -------
    pathlib.Path
        Path of ``manifest.csv`` (columns :data:`MANIFEST_COLUMNS`; paths relative to its folder).

    Raises
    ------
    TTSError
        espeak-ng or a voice is unavailable and the corpus has to be generated.
    CorpusError
        ``<root>/demo`` exists but is not a demo corpus, or generation failed.

    Examples
    --------
    >>> path = ensure_demo_corpus(root="data", progress=False)  # doctest: +SKIP
    >>> path.name
    'manifest.csv'
    """
    seed = _check_seed(seed)
    n_sessions = _check_sessions(n_sessions)
    manifest = data_root(root) / DEMO_FOLDER / _MANIFEST
    if not force and _reusable(manifest, seed=seed, n_sessions=n_sessions):
        return manifest
    return generate_demo_corpus(root=root, seed=seed, n_sessions=n_sessions, workers=workers, progress=progress)
