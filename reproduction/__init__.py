"""The reproduction: the experiments of paper §4 (Tables 1–6) on the corpora we have, with baselines.

This package is the repository's, not the library's: it uses :mod:`affacrnn` as any user would,
reads and writes ``results/``, and regenerates the README's results block.

Each experiment is a function returning one tidy :class:`pandas.DataFrame` (one row per model ×
condition); :func:`run_experiment` writes it to ``<out_dir>/<name>.csv`` and ``<name>.json``
(rows + caption + provenance), both atomically.

==================================  =============================================================
module                              what
==================================  =============================================================
:mod:`~reproduction.registry`   :data:`EXPERIMENTS`, :func:`run_experiment`, :func:`estimate_minutes`, :func:`load_or_run`
:mod:`~reproduction.runner`     modes, the CPU cost model, shared data, training runs, summaries
:mod:`~reproduction.results`    results files: write, read back with provenance
:mod:`~reproduction.paper`      the paper's figures, copied as printed
``mosi_labels``, ``mosi_audio``,        one module per experiment
``branches``, ``crossval``, ``claims``
:mod:`~reproduction.fold_tables`   the paper's Tables 2–6 from the cross-validation's fold runs
:mod:`~reproduction.models`        the experiments' models, each declared once
==================================  =============================================================

The paper's tables were first made on one speaker-disjoint split; those results
(``results/table2.json`` … ``table6.json``) are kept as data the book reads
(:func:`load_or_run`), and each table now has one generation of code: the fold version.

Every row that trains something shows our mean ± sd over seeds (and how many seeds), the
majority baseline on the same test set, a 95% bootstrap interval of one run's accuracy, and the
paper's figure in the column ``paper`` (``paper_f1`` where the paper gives an F1).

Reading the ``paper`` column
    The paper's numbers are on CMU-MOSI (Tables 2–4, 6) and MOUD (Tables 5, 6). We have neither
    corpus's audio, so our rows are on RAVDESS (English, acted) and EmoDB (German, acted): other
    speakers, other labels, other class balance. Compare how far each result sits above *its own*
    majority baseline, never the raw numbers across the two columns.

Split and seeds (the experiments on one split: ``branches``, ``mosi_audio``)
    One speaker-disjoint split per corpus (seed :data:`SPLIT_SEED`), so every row of a table and
    every seed is scored on the same test speakers, and the majority baseline is that test set's.
    Seeds vary weight initialisation and shuffling only. Epochs are chosen on the validation
    speakers (:func:`affacrnn.training.train`), never on the test set.

Modes
    ``"smoke"``: the ``SMOKE`` preset with 1 epoch, 6 speakers × 20 utterances per corpus, 1 seed,
    and the cheapest variant of each table; it checks that everything runs, not what is learned.
    ``"full"``: the ``CPU`` preset (256 × 33 features, 64² graphs, at most 25 epochs with early
    stopping), whole corpora, seeds 0, 1, 2; each is designed for ≤ 60 min on 2 unloaded cores
    (:func:`estimate_minutes` prints the plan; a progress bar gives an ETA while it runs). Rows
    whose estimated cost is beyond the mode's per-fit budget (e.g. ResNet152 on a CPU) are reported
    as ``status="not run"`` with the reason, never faked.

Featurisation is shared: each corpus is featurised once per experiment (from the on-disk cache
of :func:`affacrnn.features.cache.featurize_corpus`), and every model of the table trains on a
view of that one :class:`~affacrnn.features.dataset.Prepared` (:meth:`~affacrnn.features.dataset.Prepared.select`).

Examples
--------
>>> from reproduction import run_experiment
>>> df = run_experiment("mosi_labels", out_dir="results")   # doctest: +SKIP
>>> df[["scheme", "majority_baseline", "paper"]]            # doctest: +SKIP

Notebook: book/10_reproduction_audit.ipynb
"""
from __future__ import annotations

import lazy_loader

# Each name is imported from its module on first use (PEP 562, through scientific Python's lazy_loader):
# the command line registers the `experiment` verb from this package on every `affacrnn` call, and
# importing every experiment up front (scikit-learn, tslearn, SciPy's statistics) cost each call about
# a second and a half before it did anything. The experiments themselves (``branches``, ``claims``,
# ``mosi_audio``, ``mosi_labels``, ``crossval``) are reached by name through :func:`run_experiment`, or
# as ``reproduction.<module>.<function>``.
__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs={
    "paper": ["PAPER_MOSI_BEST", "PAPER_NOTE", "PAPER_TABLE2", "PAPER_TABLE3", "PAPER_TABLE4", "PAPER_TABLE5",
              "PAPER_TABLE6", "RAVDESS_SCHEMES", "TABLE3_CNNS"],
    "registry": ["EXPERIMENT_CORPORA", "EXPERIMENTS", "SINGLE_SPLIT_TABLES", "describe_experiments",
                 "estimate_minutes", "load_or_run", "run_experiment"],
    "results": ["read_results", "write_results"],
    "runner": ["MODES", "SPLIT_SEED", "ModeSettings", "mode_settings"],
})
