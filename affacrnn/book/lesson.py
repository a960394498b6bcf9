"""Did the chapter's live model learn? One line that reads its test score against its baselines.

Every chapter that trains a model live ends the training cell with :func:`learned`: test accuracy
against the majority baseline of the same test speakers, balanced accuracy against chance
(1 / number of classes). A model that beats neither has learned nothing the reader can see,
whatever its loss curve says. The verdict also travels in the output's metadata
(``affacrnn-lesson``), so the book's tests check that each smoke-mode model learned.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

import html
from dataclasses import asdict, dataclass

__all__ = ["LESSON_METADATA", "Lesson", "learned"]

#: Output-metadata key carrying the verdict (read by the book's tests).
LESSON_METADATA = "affacrnn-lesson"


@dataclass(frozen=True)
class Lesson:
    """A trained model's test scores beside its baselines."""

    what: str
    n_test: int
    accuracy: float
    majority: float
    balanced_accuracy: float
    chance: float

    @property
    def beats_majority(self) -> bool:
        return self.accuracy > self.majority

    @property
    def beats_chance(self) -> bool:
        return self.balanced_accuracy > self.chance

    @property
    def ok(self) -> bool:
        """Above the majority baseline and balanced accuracy above chance."""
        return self.beats_majority and self.beats_chance

    def __str__(self) -> str:
        verdict = ("it learned: above both" if self.ok else
                   "above chance, not above the majority" if self.beats_chance else
                   "above the majority only by favouring it" if self.beats_majority else "it learned nothing visible")
        return (f"{self.what}: test accuracy {100 * self.accuracy:.1f} % (majority {100 * self.majority:.1f} %), "
                f"balanced accuracy {100 * self.balanced_accuracy:.1f} % (chance {100 * self.chance:.1f} %) "
                f"on {self.n_test} test utterances — {verdict}.")

    __repr__ = __str__

    def _repr_mimebundle_(self, include=None, exclude=None):
        colour = "#1a7f37" if self.ok else "#9a6700"
        data = {"text/plain": str(self),
                "text/html": f'<p style="color:{colour}"><b>{html.escape(str(self))}</b></p>'}
        record = {**asdict(self), "ok": self.ok}
        return data, {"text/plain": {LESSON_METADATA: record}, "text/html": {LESSON_METADATA: record}}


def learned(metrics: dict, *, what: str) -> Lesson:
    """The verdict on one model from its test metrics.

    Parameters
    ----------
    metrics : dict
        ``result.metrics["test"]`` of :func:`affacrnn.train` (``weighted_accuracy``,
        ``majority_accuracy``, ``balanced_accuracy``, ``n`` and ``confusion``).
    what : str
        The model's name in the sentence ("UB-BiLSTM").

    Returns
    -------
    Lesson
        Displays as one coloured sentence.
    """
    n_classes = len(metrics["confusion"]) if "confusion" in metrics else int(metrics.get("n_classes", 2))
    return Lesson(what=what, n_test=int(metrics["n"]), accuracy=float(metrics["weighted_accuracy"]),
                  majority=float(metrics["majority_accuracy"]), balanced_accuracy=float(metrics["balanced_accuracy"]),
                  chance=1.0 / max(n_classes, 1))
