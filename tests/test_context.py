"""Context windows: target in the middle, edges padded within the session, and no label leak."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import affacrnn
from affacrnn.data.context import TARGET_SLOT, chance_agreement, context_windows, neighbour_agreement
from affacrnn.data.corpora import load_corpus
from affacrnn.data.labels import apply_scheme


def test_window_shape_and_edges():
    t = pd.DataFrame({"session": ["a"] * 4 + ["b"], "position": [2, 0, 3, 1, 0]})
    w = context_windows(t)
    assert w.shape == (5, 3)
    assert (w[:, TARGET_SLOT] == np.arange(5)).all()
    assert w[1].tolist() == [1, 1, 3]  # first of session a (position 0): left edge repeats itself
    assert w[2].tolist() == [0, 2, 2]  # last of session a
    assert w[4].tolist() == [4, 4, 4]  # a session of one utterance
    assert context_windows(t, size=5)[3].tolist() == [1, 1, 3, 0, 2]


def test_windows_stay_in_session(ravdess_root):
    t = load_corpus("ravdess")
    w = context_windows(t)
    sessions = t["session"].to_numpy()
    assert (sessions[w] == sessions[:, None]).all()


def test_even_size_rejected():
    with pytest.raises(affacrnn.ParameterError, match="odd int"):
        context_windows(pd.DataFrame({"session": ["a"], "position": [0]}), size=2)


@pytest.mark.parametrize("corpus, scheme", [("ravdess", "ravdess_emotion7"), ("ravdess", "sentiment3"), ("emodb", "emodb_emotion7")])
def test_acted_order_does_not_leak_labels(data_root, corpus, scheme):
    """Neighbours agree with the target no more than chance (seeded shuffle), while an order
    that groups files by emotion (RAVDESS sorted by file name does) would leak the label."""
    t = apply_scheme(load_corpus(corpus), scheme)
    w = context_windows(t)
    observed = neighbour_agreement(t["y"], w)
    chance = chance_agreement(t["y"], t["session"])
    pairs = len(t) * 2
    sd = np.sqrt(chance * (1 - chance) / pairs)
    assert observed < chance + 4 * sd
    by_name = t.sort_values(["emotion", "utterance_id"]).assign(
        position=lambda d: d.groupby("session").cumcount()).reset_index(drop=True)
    assert neighbour_agreement(by_name["y"], context_windows(by_name)) > chance + 0.2
