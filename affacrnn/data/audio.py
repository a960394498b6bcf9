"""Audio loading: any file soundfile can read, to mono float32 at a requested rate.

The paper extracts every feature with librosa at its default rate, 22050 Hz (§4, "Network
structure parameter"); :data:`DEFAULT_SR` is that rate. The shared RAVDESS copy is 16 kHz FLAC, a
user's own download 48 kHz WAV: both come out of :func:`load_audio` at the same rate.

Notebook: book/02_listen.ipynb
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from affacrnn._numba import load_librosa
from affacrnn.errors import AudioError, ParameterError

__all__ = ["DEFAULT_SR", "load_audio", "check_signal", "open_sound", "to_mono"]

#: librosa's default sampling rate, the one the paper's features were computed at.
DEFAULT_SR = 22050

#: A clip whose variation (standard deviation, so a DC offset counts as silence) is below this
#: amplitude (-80 dBFS) counts as silent.
SILENCE_PEAK = 1e-4

#: Samples beyond this amplitude are refused: float samples belong in [-1, 1], and a float file
#: whose peak is above 16 (+24 dB) holds unscaled integers (32767 for 16-bit PCM), not sound.
MAX_PEAK = 16.0
#: The lowest native sampling rate accepted: speech needs at least telephone bandwidth (8 kHz).
MIN_NATIVE_SR = 4000


def open_sound(path: str | os.PathLike, *, name: str | None = None):
    """``soundfile.SoundFile`` reading ``path``, opened through a file descriptor.

    Through a descriptor, not the name, because soundfile encodes a name as UTF-8 and refuses one
    that is not ("surrogates not allowed"), though the file is fine. A file without read
    permission is named as such (libsndfile would say "System error").

    Returns
    -------
    soundfile.SoundFile
        Open for reading; closing it closes the descriptor.

    Raises
    ------
    AudioError
        Permission denied, or libsndfile cannot decode it.
    """
    import soundfile as sf

    name = str(path) if name is None else name
    try:
        fd = os.open(os.fspath(path), os.O_RDONLY)
    except PermissionError:
        raise AudioError(
            f"{name}: cannot be read (permission denied). Give yourself read access (chmod +r) or copy the file."
        ) from None
    try:
        return sf.SoundFile(fd, closefd=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:  # libsndfile's own message follows
        try:  # soundfile may have closed it already
            os.close(fd)
        except OSError:
            pass
        reason = str(exc).split(":")[-1].strip() or type(exc).__name__
        raise AudioError(
            f"{name}: cannot be decoded as audio ({reason}). Pass a WAV/FLAC/OGG file, or convert it with ffmpeg or sox."
        ) from None


def to_mono(y: np.ndarray) -> np.ndarray:
    """Average the channels of ``y`` (shape ``(n,)`` or ``(n, channels)``) into ``(n,)`` float32."""
    y = np.asarray(y, dtype=np.float32)
    if y.ndim == 2:
        y = y.mean(axis=1, dtype=np.float32)
    elif y.ndim != 1:
        raise ParameterError(
            f"audio must have shape (n,) or (n, channels); got shape {y.shape}. Pass a 1-D or 2-D array."
        )
    return y


def check_signal(
    y: np.ndarray,
    *,
    sr: int,
    name: str = "signal",
    min_duration: float = 0.05,
    allow_silent: bool = False,
) -> np.ndarray:
    """Validate a mono signal; return it unchanged or raise :class:`~affacrnn.AudioError`.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono samples.
    sr : int
        Its sampling rate in Hz.
    name : str
        What to call it in error messages (usually the file path).
    min_duration : float
        Shortest accepted duration in seconds.
    allow_silent : bool
        Accept a clip whose peak is below -80 dBFS.

    Returns
    -------
    np.ndarray [shape=(n,)]
        ``y`` itself.
    """
    if y.size == 0:
        raise AudioError(f"{name}: contains no samples. Pass a recording with sound in it.")
    if not np.all(np.isfinite(y)):
        bad = int(np.count_nonzero(~np.isfinite(y)))
        raise AudioError(
            f"{name}: {bad} samples are NaN or Inf. Re-export the audio, or clean it with np.nan_to_num first."
        )
    peak = float(np.max(np.abs(y)))
    if peak > MAX_PEAK:  # unscaled integer PCM in a float file; squared, such values can overflow float32
        raise AudioError(
            f"{name}: peak amplitude {peak:.3g} is far outside [-1, 1] (unscaled integer samples?). Scale it first, "
            "e.g. divide 16-bit PCM by 32768."
        )
    duration = y.size / sr
    if duration < min_duration:
        raise AudioError(
            f"{name}: is {duration * 1000:.1f} ms long, shorter than the minimum {min_duration * 1000:.0f} ms. "
            "Pass a longer recording (or a smaller min_duration)."
        )
    # The standard deviation, not the peak: a constant (DC) offset of 0.9 has a high peak and no sound.
    if not allow_silent and float(np.std(y, dtype=np.float64)) < SILENCE_PEAK:
        raise AudioError(
            f"{name}: is silent or constant (no variation above -80 dBFS; a DC offset is not sound). "
            "Check the recording, or pass allow_silent=True."
        )
    return y


def load_audio(
    path: str | os.PathLike,
    *,
    sr: int | None = DEFAULT_SR,
    offset: float = 0.0,
    duration: float | None = None,
    min_duration: float = 0.05,
    allow_silent: bool = False,
) -> np.ndarray:
    """Load an audio file as mono float32 samples at rate ``sr``.

    Any format soundfile (libsndfile) decodes is accepted: WAV, FLAC, OGG, and MP3 where the
    platform's libsndfile supports it. Channels are averaged; the rate is converted with
    librosa's default high-quality resampler (soxr).

    Parameters
    ----------
    path : str or path-like
        The audio file.
    sr : int or None
        Target rate in Hz (default 22050, the paper's); ``None`` keeps the file's own rate.
    offset, duration : float
        Read only ``duration`` seconds starting ``offset`` seconds in (default: everything).
    min_duration : float
        Shortest accepted clip in seconds, after ``offset``/``duration``.
    allow_silent : bool
        Accept a clip whose peak is below -80 dBFS instead of raising.

    Returns
    -------
    np.ndarray [shape=(n,), dtype=float32]
        Samples in [-1, 1].

    Raises
    ------
    AudioError
        The file is missing, empty, undecodable, too short, silent, or holds NaN/Inf samples;
        the message names the file.
    ParameterError
        ``sr`` is not a positive int.

    See Also
    --------
    affacrnn.data.corpora.load_corpus : tables whose ``path`` column this function reads.

    Examples
    --------
    >>> y = load_audio("03-01-05-02-01-01-12.flac", sr=22050)  # doctest: +SKIP
    >>> y.dtype, y.ndim
    (dtype('float32'), 1)
    """
    import soundfile as sf

    if sr is not None and (not isinstance(sr, (int, np.integer)) or isinstance(sr, bool) or sr <= 0):
        raise ParameterError(f"`sr` must be a positive int in Hz or None; got {sr!r}. Pass e.g. sr=22050.")
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise ParameterError(f"`path` must be the path of an audio file (str or pathlib.Path); got {path!r}.")
    for label, value in (("offset", offset), ("duration", duration)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float, np.number))
                                  or not np.isfinite(value) or value < 0 or (label == "duration" and value == 0)):
            raise ParameterError(f"`{label}` must be a positive number of seconds{' or None' if label == 'duration' else ''}"
                                 f"; got {value!r}.")
    path = Path(path)
    if not path.exists():
        if path.is_symlink():
            raise AudioError(f"{path}: is a symbolic link that leads nowhere (a loop, or its target is gone). Point it "
                             "at the audio file, or pass the file itself.")
        raise AudioError(f"{path}: no such file. Check the path (and the data root, AFFACRNN_DATA).")
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not an audio file. Pass the path of one file.")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: is an empty (0-byte) file. Replace it with a complete recording.")
    try:
        with open_sound(path) as f:
            native_sr = f.samplerate
            start = int(round(offset * native_sr))
            if start:
                f.seek(min(start, f.frames))
            frames = -1 if duration is None else int(round(duration * native_sr))
            y = f.read(frames=frames, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:  # libsndfile's own message follows
        reason = str(exc).split(":")[-1].strip() or type(exc).__name__
        raise AudioError(
            f"{path}: cannot be decoded as audio ({reason}). Pass a WAV/FLAC/OGG file, or convert it with ffmpeg or sox."
        ) from None
    if native_sr < MIN_NATIVE_SR:
        raise AudioError(f"{path}: is sampled at {native_sr} Hz; speech needs at least {MIN_NATIVE_SR} Hz (8 kHz for "
                         "telephone quality). Check the file's header, or re-record it.")
    y = to_mono(y)
    check_signal(y, sr=native_sr, name=str(path), min_duration=min_duration, allow_silent=allow_silent)
    if sr is not None and native_sr != sr:
        librosa = load_librosa()

        y = librosa.resample(y, orig_sr=native_sr, target_sr=int(sr)).astype(np.float32, copy=False)
    return y
