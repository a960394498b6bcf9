"""A recording's own statistics: the label-free normalisation a speaker-normalised model needs when it serves.

A model trained with ``normalization="speaker"`` (frame features) or ``graph_norm="speaker"``
(spectrum graphs) saw every speaker z-scored by that speaker's own statistics, never the
training corpus's: a new voice, microphone or room is then moved to the same origin. A recording
to classify is taken to be one speaker: its utterances are featurised once for their statistics
(every real frame's mean and sd per feature column; every graph's mean and sd per frequency row),
then each utterance is scaled by them and classified. Statistics of a few seconds of speech are
noisy, and one utterance's own statistics remove part of what it expresses (a loud, high voice
looks average against itself): below :data:`MIN_SPEECH_SECONDS` the prediction carries a note.

Notebook: book/11_inference.ipynb
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np

from affacrnn.features.normalize import frame_statistics, graph_row_statistics

__all__ = ["MIN_SPEECH_SECONDS", "OwnStatistics", "needs_own_statistics", "recording_statistics"]

#: Speech (seconds, over all utterances) below which a recording's own statistics are called unreliable.
MIN_SPEECH_SECONDS = 10.0


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
    """

    feature_mean: np.ndarray | None
    feature_sd: np.ndarray | None
    graph_mean: np.ndarray | None
    graph_sd: np.ndarray | None
    speech_seconds: float

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
        return (f"this model scales a recording by its own statistics, and this one has {self.speech_seconds:.1f} s of "
                f"speech (under {MIN_SPEECH_SECONDS:g} s): the scaling is rough and a short clip tends to look average "
                "against itself. Several utterances of the same speaker give steadier answers.")


def recording_statistics(utterances: Iterable[tuple[np.ndarray | None, np.ndarray | None, int]], *,
                         features: bool, graphs: bool, seconds: float) -> OwnStatistics:
    """The statistics of one recording's utterances.

    Parameters
    ----------
    utterances : iterable of (feats, graph, length)
        Each utterance's unscaled feature matrix ``[shape=(T, D)]``, spectrum graph
        ``[shape=(H, W)]`` (either may be None) and real frame count.
    features, graphs : bool
        Which statistics the model needs.
    seconds : float
        Speech duration of the utterances.

    Returns
    -------
    OwnStatistics
    """
    frames, graph_list = [], []
    for feats, graph, length in utterances:
        if features:
            frames.append(np.asarray(feats)[:length])
        if graphs:
            graph_list.append(np.asarray(graph))
    fm, fs = frame_statistics(np.concatenate(frames)) if features else (None, None)
    gm, gs = graph_row_statistics(np.stack(graph_list)) if graphs else (None, None)
    return OwnStatistics(feature_mean=fm, feature_sd=fs, graph_mean=gm, graph_sd=gs, speech_seconds=float(seconds))
