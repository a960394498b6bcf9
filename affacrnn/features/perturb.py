"""Speed and noise perturbation of the training audio: more speakers' worth of data from the same corpus.

A corpus of 24 actors is small; the speech recognisers' remedy (Ko et al., 2015, "Audio
augmentation for speech recognition"; Kaldi's ``perturb_data_dir_speed.sh``) is to add copies of
the training recordings played a little faster or slower, and copies with noise added. Each copy
is a new recording of a new "speaker" (Kaldi's convention: ``sp0.9-<speaker>``), so per-speaker
normalisation and the speaker-disjoint split treat it as what it acoustically is.

A perturbation is named by a tag:

``"speed<factor>"``
    Resampled so it plays ``factor`` times as fast: ``factor`` 0.9 makes it 10 % slower *and*
    lower (sox's ``speed``, what Kaldi does; not a time stretch, which keeps the pitch). Factor in
    [0.5, 2], not 1.
``"noise<snr>"``
    White Gaussian noise at ``snr`` dB below the recording's mean power (0 to 60 dB), seeded by the
    recording's content and the tag, so the same copy is made on every run and machine.

The copies are written as WAV files into the feature cache (``perturbed/``), named by the source
recording's content hash and the tag, so their features are cached like any recording's and a
second fold, seed or run reuses them. Only training rows are ever perturbed
(:func:`affacrnn.features.dataset.prepare`): validation and test stay the real recordings.

Notebook: book/06_ub_bilstm.ipynb
"""
from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from affacrnn._io import atomic_path
from affacrnn._numba import load_librosa
from affacrnn.data.audio import load_audio
from affacrnn.errors import ParameterError
from affacrnn.features.entries import content_hash

__all__ = ["PERTURBATION_KINDS", "PERTURBED_SUBDIR", "check_perturbations", "parse_perturbation", "perturb_signal",
           "perturbed_copies", "scratch_folder"]

#: Kinds of perturbation and the range of their number.
PERTURBATION_KINDS = {"speed": (0.5, 2.0), "noise": (0.0, 60.0)}
_TAG = re.compile(r"^(speed|noise)(\d+(?:\.\d+)?)$")
#: Folder of the perturbed copies under the cache root.
PERTURBED_SUBDIR = "perturbed"


def parse_perturbation(tag: str) -> tuple[str, float]:
    """``"speed0.9"`` → ``("speed", 0.9)``; ``"noise20"`` → ``("noise", 20.0)``.

    Raises
    ------
    ParameterError
        The tag is not a kind followed by a number in its range.
    """
    m = _TAG.match(tag) if isinstance(tag, str) else None
    if m is None:
        raise ParameterError(f"perturbation {tag!r} is not a tag like 'speed0.9' or 'noise20'. "
                             "Pass speed<factor> (0.5 to 2) or noise<snr in dB> (0 to 60).")
    kind, value = m.group(1), float(m.group(2))
    low, high = PERTURBATION_KINDS[kind]
    if not low <= value <= high or (kind == "speed" and value == 1.0):
        raise ParameterError(f"perturbation {tag!r}: {kind} must be in [{low:g}, {high:g}]"
                             f"{' and not 1' if kind == 'speed' else ''}. Pass e.g. 'speed0.9' or 'noise20'.")
    return kind, value


def check_perturbations(tags: Sequence[str]) -> tuple[str, ...]:
    """The tags as a tuple, each checked (:func:`parse_perturbation`) and none twice."""
    if isinstance(tags, str):
        tags = [t for t in tags.split(",") if t]
    tags = tuple(tags)
    for tag in tags:
        parse_perturbation(tag)
    if len(set(tags)) != len(tags):
        raise ParameterError(f"perturbations {list(tags)!r} name one twice. Name each copy once.")
    return tags


def perturb_signal(y: np.ndarray, *, sr: int, tag: str, seed: int = 0) -> np.ndarray:
    """One perturbed copy of a mono signal.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Samples at ``sr``.
    sr : int
        Sample rate in Hz (the copy has the same rate).
    tag : str
        ``"speed<factor>"`` or ``"noise<snr>"`` (module docstring).
    seed : int
        Seed of the noise (ignored by speed).

    Returns
    -------
    np.ndarray [shape=(round(n / factor),) for speed, (n,) for noise, float32]
    """
    kind, value = parse_perturbation(tag)
    y = np.asarray(y, dtype=np.float32)
    if kind == "speed":
        # Resampling to sr / factor and playing the result at sr is sox's "speed": tempo and pitch
        # both scale by factor. librosa's resampler (soxr) does it.
        return load_librosa().resample(y, orig_sr=sr, target_sr=sr / value).astype(np.float32)
    power = float(np.mean(y.astype(np.float64) ** 2))
    noise = np.random.default_rng(seed).standard_normal(len(y))
    scale = math.sqrt(power / 10 ** (value / 10)) if power > 0 else 0.0
    return (y + scale * noise).astype(np.float32)


def _copy_name(digest: str, tag: str, sr: int) -> str:
    return f"{digest}-{tag}-{sr}.wav"


def _noise_seed(digest: str, tag: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{digest}:{tag}".encode(), digest_size=4).digest(), "little")


def _write_copies(jobs: list[tuple[str, str, list[str]]], *, sr: int, folder: str) -> None:
    """Worker task: load each source once and write its missing copies (atomically)."""
    import soundfile  # librosa's own dependency for writing and reading WAV

    for path, digest, tags in jobs:
        y = load_audio(path, sr=sr)
        for tag in tags:
            copy = perturb_signal(y, sr=sr, tag=tag, seed=_noise_seed(digest, tag))
            peak = float(np.max(np.abs(copy))) if len(copy) else 0.0
            if peak > 1.0:  # noise on a loud clip can pass full scale; a WAV of floats keeps it, but scale for players
                copy = copy / peak
            with atomic_path(Path(folder) / _copy_name(digest, tag, sr), suffix=".wav") as tmp:
                soundfile.write(tmp, copy, sr, subtype="FLOAT", format="WAV")


def perturbed_copies(
    table: pd.DataFrame,
    *,
    tags: Sequence[str],
    sr: int,
    folder: str | os.PathLike,
    n_jobs: int | None = -1,
    progress: bool = True,
) -> pd.DataFrame:
    """A table of perturbed copies of every row of ``table``, their audio written to ``folder``.

    Parameters
    ----------
    table : pandas.DataFrame
        Corpus rows (``path``, ``speaker`` and the corpus's other columns), e.g. the training rows.
    tags : sequence of str
        Perturbations (module docstring), one copy of every row per tag.
    sr : int
        Sample rate of the copies (the features' rate).
    folder : path-like
        Where the WAV copies go; an existing copy is reused (its name holds the source's content hash).
    n_jobs : int or None
        joblib workers (``-1``: every core; ``None``: joblib's active setting, else one).
    progress : bool
        Show a progress bar while writing copies.

    Returns
    -------
    pandas.DataFrame [shape=(len(table) * len(tags), ...)]
        The rows again, tag by tag: ``path`` the copy, ``speaker``/``session``/``utterance_id``
        prefixed ``"<tag>-"`` (a new speaker, Kaldi's convention), ``duration`` divided by a speed
        factor, and a ``perturbation`` column naming the tag.
    """
    tags = check_perturbations(tags)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = table["path"].astype(str).tolist()
    digests = [content_hash(p, row=i) for i, p in enumerate(paths)]
    jobs = []
    for path, digest in dict(zip(paths, digests)).items():
        missing = [t for t in tags if not (folder / _copy_name(digest, t, sr)).is_file()]
        if missing:
            jobs.append((path, digest, missing))
    if jobs:
        chunks = [jobs[i:i + 16] for i in range(0, len(jobs), 16)]
        run = Parallel(n_jobs=n_jobs, return_as="generator")
        with tqdm(total=len(jobs), desc="perturbed copies", unit="file", disable=not progress, leave=False) as bar:
            for _, chunk in zip(run(delayed(_write_copies)(c, sr=sr, folder=str(folder)) for c in chunks), chunks):
                bar.update(len(chunk))
    parts = []
    for tag in tags:
        kind, value = parse_perturbation(tag)
        copy = table.copy()
        copy["path"] = [str(folder / _copy_name(d, tag, sr)) for d in digests]
        for column in ("speaker", "session", "utterance_id"):
            if column in copy.columns:
                copy[column] = f"{tag}-" + copy[column].astype(str)
        if kind == "speed" and "duration" in copy.columns:
            copy["duration"] = copy["duration"] / value
        copy["perturbation"] = tag
        parts.append(copy)
    out = pd.concat(parts, ignore_index=True) if parts else table.iloc[:0].copy()
    out.attrs = dict(table.attrs)
    return out


def scratch_folder() -> tempfile.TemporaryDirectory:
    """A temporary folder for copies when the feature cache is off (removed when closed)."""
    return tempfile.TemporaryDirectory(prefix="affacrnn-perturbed-")
