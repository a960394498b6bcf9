"""The book's seaborn plots draw what they are given, and refuse what they cannot draw."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from affacrnn.book import plots  # noqa: E402
from affacrnn.book.figure_check import layout_problems  # noqa: E402
from affacrnn.errors import ParameterError  # noqa: E402
from affacrnn.evaluation.metrics import confusion  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_confusion_heatmap_colours_row_shares_and_prints_counts():
    matrix = confusion([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 2, 2], classes=["neg", "neu", "pos"])
    ax = plots.plot_confusion(matrix)
    shown = ax.collections[0].get_array().reshape(3, 3)
    np.testing.assert_allclose(shown.sum(axis=1), 1.0)
    np.testing.assert_allclose(shown[1], [0, 2 / 3, 1 / 3])
    assert [t.get_text() for t in ax.texts][:3] == ["1", "1", "0"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["neg", "neu", "pos"]
    with pytest.raises(ParameterError, match="square"):
        plots.plot_confusion(pd.DataFrame(np.ones((2, 3))))


def test_attention_heatmap_one_row_per_window_at_most_max_rows():
    alpha = np.random.default_rng(0).dirichlet([1, 1, 1], size=50)
    ax = plots.plot_attention_map(alpha, max_rows=30, labels=[f"u{i}" for i in range(50)])
    assert ax.collections[0].get_array().size == 30 * 3
    assert [t.get_text() for t in ax.get_xticklabels()] == ["previous", "target", "next"]
    assert ax.get_yticklabels()[0].get_text() == "u0"
    with pytest.raises(ParameterError, match="2-D"):
        plots.plot_attention_map(np.ones(3))


def _cv_rows():
    rows = [{"scheme": s, "model": m, "fold": f, "macro_f1": 50 + 10 * (m == "a") + f, "majority": 40.0}
            for s in ("x", "y") for m in ("a", "b") for f in range(4)]
    rows.append({"scheme": "x", "model": "a", "fold": "mean", "macro_f1": 999.0, "majority": 40.0})
    return pd.DataFrame(rows)


def test_folds_chart_draws_the_yardstick_as_a_line_not_a_row():
    stick = [{"scheme": s, "model": "stick", "fold": f, "macro_f1": 70.0 + 2 * (s == "y"), "majority": 40.0}
             for s in ("x", "y") for f in range(4)]
    rows = pd.concat([_cv_rows(), pd.DataFrame(stick)])
    ax = plots.plot_folds(rows, scheme="x", yardstick="stick", names={"stick": "the yardstick"})
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert any(len(line.get_xdata()) and np.all(np.asarray(line.get_xdata()) == 70.0) for line in ax.get_lines())
    assert "the yardstick (70.0)" in [t.get_text() for t in ax.get_legend().get_texts()] or any(
        line.get_label() == "the yardstick (70.0)" for line in ax.get_lines())
    _, fresh = plt.subplots()
    ax = plots.plot_folds(_cv_rows(), scheme="x", yardstick="absent", ax=fresh)  # no such runs: no line, no error
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert not any(len(line.get_xdata()) and np.all(np.asarray(line.get_xdata()) == 70.0) for line in ax.get_lines())


def test_folds_chart_draws_each_fold_and_the_majority_line():
    ax = plots.plot_folds(_cv_rows(), scheme="x", names={"a": "Model A"})
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Model A", "b"]  # best mean first; the summary row is ignored
    dots = np.concatenate([c.get_offsets() for c in ax.collections if len(c.get_offsets())])
    assert 999.0 not in dots[:, 0] and {50.0, 53.0, 60.0, 63.0} <= set(dots[:, 0])
    assert any(len(line.get_xdata()) and np.all(np.asarray(line.get_xdata()) == 40.0) for line in ax.get_lines())
    with pytest.raises(ParameterError, match="pass scheme="):
        plots.plot_folds(_cv_rows())
    with pytest.raises(ParameterError, match="not a column"):
        plots.plot_folds(_cv_rows(), scheme="x", metric="nope")


def test_distribution_by_group_in_median_order():
    table = pd.DataFrame({"v": [3.0, 4.0, 1.0, 2.0, 5.0, 6.0], "g": ["b", "b", "a", "a", "c", "c"]})
    ax = plots.plot_distribution(table, value="v", by="g")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    with pytest.raises(ParameterError, match="column 'w'"):
        plots.plot_distribution(table, value="w", by="g")


def _table2_folds():
    rows = []
    for model, shift in (("UB-LSTM", 0.0), ("UB-BiLSTM", 2.0)):
        for n, chosen in ((1, "selection (proxy)"), (4, "the paper"), (4, "selection (proxy)"), (7, "all")):
            for fold in range(4):
                rows.append({"scheme": "x", "model": model, "types": n, "chosen by": chosen, "fold": fold,
                             "macro_f1": 30 + n + shift + fold + (5 if chosen == "the paper" else 0)})
    rows.append({"scheme": "x", "model": "UB-LSTM", "types": 2, "chosen by": "selection (proxy)", "fold": 0,
                 "macro_f1": 99.0})  # a run still going: 1 fold of 4
    return pd.DataFrame(rows)


def test_feature_sets_chart_draws_a_line_per_model_and_the_papers_four_apart():
    ax = plots.plot_feature_sets(_table2_folds(), scheme="x")
    lines = {tuple(np.round(np.asarray(line.get_ydata(), dtype=float), 2)) for line in ax.get_lines()
             if len(line.get_xdata()) == 3}
    assert (32.5, 35.5, 38.5) in lines and (34.5, 37.5, 40.5) in lines  # mean over folds at 1, 4 and 7 types
    assert not any(99.0 in np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines())  # partial: left out
    stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
    assert sorted(round(float(s.get_ydata()[0]), 2) for s in stars) == [40.5, 42.5]  # the paper's four, apart
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"UB-LSTM, the paper's four", "UB-BiLSTM"}
    with pytest.raises(ParameterError, match="scheme 'y'.*it has x"):
        plots.plot_feature_sets(_table2_folds(), scheme="y")
    with pytest.raises(ParameterError, match="column 'types'"):
        plots.plot_feature_sets(_table2_folds().drop(columns="types"), scheme="x")


def test_wide_table_scrolls_and_wraps_text_columns():
    from affacrnn.book.tables import wide_table

    df = pd.DataFrame({"model": ["lenet", "resnet18"], "accuracy": [71.4321, 76.4], "note": ["x " * 80, ""]})
    shown = wide_table(df, caption="Table 3")
    text = shown._repr_html_()
    assert text.startswith('<div style="overflow-x: auto') and "<caption>Table 3</caption>" in text
    assert "white-space: normal" in text and "71.43" in text and "71.4321" not in text
    assert "lenet" in repr(shown)


def test_plots_keep_titles_and_labels_clear_of_each_other():
    """Long real-world labels (model names, utterance ids, emotions) stay inside the figure, not on the titles."""
    names = {"a": "AFF-ACRNN (staged)", "b": "SVM (per-speaker)"}
    classes = ["negative", "neutral", "positive"]
    matrix = confusion([0, 0, 1, 1, 2, 2], [0, 1, 1, 2, 2, 0], classes=classes)
    alpha = np.random.default_rng(0).dirichlet([1, 1, 1], size=12)
    table = pd.DataFrame({"rms": np.random.default_rng(1).random(40),
                          "emotion": np.repeat(["surprised", "fearful", "disgust", "neutral"], 10)})
    axes = [
        plots.plot_confusion(matrix, title="UB-BiLSTM, ravdess sentiment3: test speakers"),
        plots.plot_attention_map(alpha, labels=[f"03-01-0{i % 8 + 1}-01-01-01-12 negative" for i in range(12)],
                                 title="attention of the trained model on the test windows"),
        plots.plot_folds(_cv_rows(), scheme="x", names=names),
        plots.plot_distribution(table, value="rms", by="emotion", title="rms (mean over frames) by emotion"),
    ]
    # two charts side by side, as chapter 6 draws Table 2: each title wraps to its own axes
    _, pair = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
    for ax in pair:
        plots.plot_feature_sets(_table2_folds(), scheme="x", ax=ax,
                                title="ravdess_emotion7: the selection's set of each size (line) and the paper's "
                                      "four (stars), mean ± sd over folds")
    axes.append(pair[0])
    for ax in axes:
        assert layout_problems(ax.figure) == [], ax.get_title()


def test_widget_figures_keep_their_text_clear():
    """The figures the widgets draw (feature matrix, utterance, attention bars, projection), with real-length labels."""
    from affacrnn.book.widgets.features import plot_feature_matrix
    from affacrnn.book.widgets.fusion import plot_attention, plot_projection
    from affacrnn.book.widgets.listen import plot_utterance
    from affacrnn.features import PAPER_FEATURES, n_columns

    rng = np.random.default_rng(0)
    title = "ravdess: 03-01-05-01-02-01-12.wav (angry, negative), 256 frames × 33 columns"
    figures = [plot_feature_matrix(rng.normal(size=(256, n_columns(PAPER_FEATURES))), features=PAPER_FEATURES,
                                   n_real=n, title=title).figure for n in (40, 128, 250)]
    figures.append(plot_utterance(rng.normal(size=22050).astype(np.float32) * 0.1, title=title))
    figures.append(plot_attention(np.array([0.2, 0.5, 0.3]), slots=["previous", "target", "next"],
                                  labels=["03-01-05-01-02-01-12 negative"] * 3, title=title).figure)
    points = pd.DataFrame({"x": rng.normal(size=30), "y": rng.normal(size=30),
                           "label": np.repeat(["negative", "neutral", "positive"], 10),
                           "predicted": np.repeat(["negative", "positive", "positive"], 10)})
    figures.append(plot_projection(points, title=title).figure)
    for fig in figures:
        assert layout_problems(fig) == [], fig.axes[0].get_title()


def test_figure_hook_reports_text_on_a_title(capsys):
    """The hook the book's kernel installs (rcParams figure.hooks) prints one line per problem, once."""
    import io

    from affacrnn.book.figure_check import PREFIX

    with matplotlib.rc_context({"figure.hooks": ["affacrnn.book.figure_check:watch"]}):
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.set_title("the title of this figure")
        ax.text(0.3, 1.02, "a label on it", transform=ax.transAxes)
        fig.savefig(io.BytesIO(), format="png")
        fig.savefig(io.BytesIO(), format="png")
        clean, ax2 = plt.subplots(figsize=(4, 3))
        ax2.set_title("clean")
        clean.savefig(io.BytesIO(), format="png")
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{PREFIX} 'a label on it' overlaps 'the title of this figure'"]
    plt.close("all")
