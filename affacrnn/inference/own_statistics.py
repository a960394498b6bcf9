"""A recording's own statistics: the label-free normalisation a speaker-normalised model needs when it serves.

A model trained with ``normalization="speaker"`` (frame features) or ``graph_norm="speaker"``
(spectrum graphs) saw every speaker z-scored by that speaker's own statistics, never the
training corpus's: a new voice, microphone or room is then moved to the same origin. A recording
to classify is taken to be one speaker: its utterances are featurised once for their statistics
(every real frame's mean and sd per feature column; every graph's mean and sd per frequency row),
then each utterance is scaled by them and classified. Statistics of a few seconds of speech are
noisy, and one utterance's own statistics remove what it expresses: a loud, high, angry clip looks
average against itself (a round-two model, each of its test actors' clips scaled by the clip's own
statistics, answered "positive" to all 36 clips of three classes tried, 2026-12-07). So the recording's statistics are
blended with the training speakers' typical ones (kept in the model's scaler,
:func:`affacrnn.features.normalize.speaker_prior`), with weight ``T / (T + PRIOR_SECONDS)`` for
``T`` seconds of speech, as a Bayesian estimate would shrink a small sample toward its prior; below
:data:`MIN_SPEECH_SECONDS` the prediction carries a note.

Notebook: book/11_inference.ipynb
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np


__all__ = ["MIN_SPEECH_SECONDS", "PRIOR_SECONDS", "OwnStatistics", "SpeakerMemory", "needs_own_statistics",
           "recording_statistics"]

#: Speech (seconds, over all utterances) below which a recording's own statistics are called unreliable.
MIN_SPEECH_SECONDS = 10.0
#: Seconds of speech the training speakers' typical statistics count for when blended with a
#: recording's own (a RAVDESS training speaker has about 100 s; 10 s of speech gets weight 1/2).
PRIOR_SECONDS = 10.0


def needs_own_statistics(config) -> bool:
    """Whether a model of ``config`` scales its inputs by each speaker's own statistics."""
    return (config.uses_features and config.normalization == "speaker") or \
        (config.uses_graphs and config.graph_norm == "speaker")


@dataclasses.dataclass(frozen=True)
class OwnStatistics:
    """One recording's statistics, and how to scale its utterances by them.

    Attributes
    ----------
    feature_mean, feature_sd : np.ndarray [shape=(D,)] or None
        Per feature column over the recording's real frames (None: the model does not need them).
    graph_mean, graph_sd : np.ndarray [shape=(H,)] or None
        Per frequency row over the recording's spectrum graphs.
    speech_seconds : float
        Speech the statistics come from.
    own_weight : float
        Weight of the recording's own feature statistics against the training speakers' typical
        ones (1 when the model keeps none).
    """

    feature_mean: np.ndarray | None
    feature_sd: np.ndarray | None
    graph_mean: np.ndarray | None
    graph_sd: np.ndarray | None
    speech_seconds: float
    own_weight: float = 1.0

    def features(self, feats: np.ndarray) -> np.ndarray:
        """An utterance's feature matrix ``[shape=(T, D)]`` z-scored by the recording's statistics."""
        if self.feature_mean is None:
            return feats
        return ((feats - self.feature_mean) / self.feature_sd).astype(np.float32)

    def graph(self, graph: np.ndarray) -> np.ndarray:
        """An utterance's spectrum graph ``[shape=(H, W)]`` z-scored row by row by the recording's statistics."""
        if self.graph_mean is None:
            return graph
        return ((graph - self.graph_mean[:, None]) / self.graph_sd[:, None]).astype(np.float32)

    def note(self) -> str | None:
        """A one-line warning when the statistics come from too little speech, else None."""
        if self.speech_seconds >= MIN_SPEECH_SECONDS:
            return None
        blend = (f" they count {100 * self.own_weight:.0f} % against the training speakers' typical statistics"
                 if self.own_weight < 1 else " a short clip tends to look average against itself")
        return (f"this model scales a recording by its speaker's own statistics, and this one has "
                f"{self.speech_seconds:.1f} s of speech (under {MIN_SPEECH_SECONDS:g} s):{blend}. Several utterances "
                "of the same speaker give steadier answers.")


class _Sums:
    """Running count, sum and sum of squares of rows ``[shape=(m, D)]``: their mean and sd without keeping them."""

    def __init__(self):
        self.n, self.s1, self.s2 = 0, 0.0, 0.0

    def add(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.float64)
        self.n, self.s1, self.s2 = self.n + len(rows), self.s1 + rows.sum(axis=0), self.s2 + (rows ** 2).sum(axis=0)

    def mean_sd(self) -> tuple[np.ndarray, np.ndarray]:
        mean = self.s1 / self.n
        sd = np.sqrt(np.maximum(self.s2 / self.n - mean ** 2, 0.0))
        sd[sd < 1e-8] = 1.0  # as frame_statistics: a constant column is not divided by 0
        return mean, sd


class SpeakerMemory:
    """Everything one speaker has said so far: running statistics over several recordings.

    A speaker-normalised model needs its speaker's statistics, and one short clip cannot give
    them; the same speaker's earlier recordings can (chapter 11's voice widget keeps one memory for
    the reader; ``affacrnn predict --same-speaker`` one for all its files). Each recording adds its
    real frames and graph columns (:meth:`add`); :meth:`statistics` gives the statistics of all of
    them, blended with the training speakers' typical ones by the seconds heard.
    """

    def __init__(self):
        self.features, self.graphs, self.seconds, self.recordings = _Sums(), _Sums(), 0.0, 0

    def add(self, utterances: Iterable[tuple[np.ndarray | None, np.ndarray | None, int]], *, seconds: float) -> None:
        """Add one recording: each utterance's unscaled ``(feats [T, D] or None, graph [H, W] or None, real frames)``."""
        for feats, graph, length in utterances:
            if feats is not None:
                self.features.add(np.asarray(feats)[:length])
            if graph is not None:
                self.graphs.add(np.asarray(graph).T)  # a graph's columns are its frames
        self.seconds += float(seconds)
        self.recordings += 1

    def statistics(self, *, prior: tuple[np.ndarray, np.ndarray] | None = None) -> OwnStatistics:
        """The statistics of everything added, feature statistics blended with ``prior`` (see :func:`recording_statistics`)."""
        fm, fs = self.features.mean_sd() if self.features.n else (None, None)
        gm, gs = self.graphs.mean_sd() if self.graphs.n else (None, None)
        w = 1.0
        if fm is not None and prior is not None:
            w = self.seconds / (self.seconds + PRIOR_SECONDS)
            fm, fs = w * fm + (1 - w) * prior[0], w * fs + (1 - w) * prior[1]
        return OwnStatistics(feature_mean=fm, feature_sd=fs, graph_mean=gm, graph_sd=gs, speech_seconds=self.seconds,
                             own_weight=w)


def recording_statistics(utterances: Iterable[tuple[np.ndarray | None, np.ndarray | None, int]], *,
                         features: bool, graphs: bool, seconds: float,
                         prior: tuple[np.ndarray, np.ndarray] | None = None,
                         memory: SpeakerMemory | None = None) -> OwnStatistics:
    """The statistics of one recording's utterances (and of the same speaker's earlier ones, with ``memory``).

    Parameters
    ----------
    utterances : iterable of (feats, graph, length)
        Each utterance's unscaled feature matrix ``[shape=(T, D)]``, spectrum graph
        ``[shape=(H, W)]`` (either may be None) and real frame count.
    features, graphs : bool
        Which statistics the model needs.
    seconds : float
        Speech duration of the utterances.
    prior : (mean, sd) of np.ndarray [shape=(D,)], optional
        The training speakers' typical feature statistics (the model scaler's ``speaker_mean_``,
        ``speaker_sd_``): the speaker's own are blended with them, weight ``T / (T + PRIOR_SECONDS)``
        for ``T`` seconds of speech heard.
    memory : SpeakerMemory, optional
        The speaker's earlier recordings: this one is added to it, and the statistics are of all.

    Returns
    -------
    OwnStatistics
    """
    memory = SpeakerMemory() if memory is None else memory
    memory.add(((f if features else None, g if graphs else None, n) for f, g, n in utterances), seconds=seconds)
    return memory.statistics(prior=prior)
