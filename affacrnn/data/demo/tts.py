"""Offline speech synthesis: a small ctypes binding of espeak-ng.

The demo corpus (:mod:`affacrnn.data.demo.build`) is spoken by espeak-ng, a formant synthesiser, so
the package can show every step of the paper on audio it makes itself, with no download. The
library and its voice data come from the PyPI package ``espeakng-loader`` (no system install).

espeak-ng keeps its state (current voice, rate, pitch, the synthesis callback) in process-global
variables. This module therefore initialises it once per process and serialises every call with a
lock; to synthesise in parallel, use processes, not threads.

Reproducibility. espeak-ng draws some noise (breath, aspiration) from its own random generator,
which it seeds from the clock; :func:`synthesize` re-seeds it on every call (``seed=``). espeak-ng
also keeps a little waveform state from one call to the next (pitch "flutter" phase, gain
control) in C statics that no API resets. So: the *first* call in a process is exactly
reproducible, and so is any fixed *sequence* of calls in a fresh process; the same text spoken
twice in one process may differ by a few samples. :mod:`affacrnn.data.demo.build` therefore
synthesises in fresh worker processes, each speaking a fixed list of utterances in order.

Examples
--------
>>> from affacrnn.data.demo.tts import synthesize
>>> y, sr = synthesize("Hello world", voice="en+f3", pitch=70)  # doctest: +SKIP
>>> sr
22050

Notebook: book/02_listen.ipynb
"""
from __future__ import annotations

import ctypes
import os
import threading

import numpy as np

from affacrnn.errors import AffacrnnError, ParameterError

__all__ = [
    "TTSError",
    "synthesize",
    "list_voices",
    "list_variants",
    "sample_rate",
    "espeak_version",
]


class TTSError(AffacrnnError):
    """espeak-ng cannot be loaded, initialised, or cannot speak with the requested voice."""


# --- constants from espeak-ng's speak_lib.h ---------------------------------------------------
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_EE_OK = 0
_PARAMS = {"rate": 1, "volume": 2, "pitch": 3, "range": 4}
#: Accepted ranges of the prosody parameters (espeak-ng's documented ranges).
RATE_RANGE = (80, 450)  # words per minute
PITCH_RANGE = (0, 100)  # base pitch, 50 = the voice's normal
RANGE_RANGE = (0, 100)  # pitch range (0 = monotone, 50 = normal)
VOLUME_RANGE = (0, 200)  # 100 = normal

_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


class _Engine:
    """The process's espeak-ng handle: library, sample rate and the live callback."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError:
            raise TTSError(
                "espeak-ng: the Python package 'espeakng-loader' is not installed. "
                "Install it with `pip install espeakng-loader`."
            ) from None
        lib_path = espeakng_loader.get_library_path()
        try:
            self.data_path = espeakng_loader.get_data_path()
        except Exception as exc:  # noqa: BLE001 - the loader raises RuntimeError
            raise TTSError(
                f"espeak-ng: voice data not found ({exc}). Reinstall it with "
                "`pip install --force-reinstall espeakng-loader`."
            ) from None
        try:
            lib = ctypes.CDLL(lib_path)
        except OSError as exc:
            raise TTSError(
                f"espeak-ng: cannot load {lib_path} ({exc}). Reinstall it with "
                "`pip install --force-reinstall espeakng-loader`."
            ) from None
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.POINTER(ctypes.c_uint),
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.argtypes = []
        lib.espeak_Synchronize.restype = ctypes.c_int
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p

        # 0x8000 = espeakINITIALIZE_DONT_EXIT: report errors instead of exiting the process.
        sr = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, self.data_path.encode(), 0x8000)
        if sr <= 0:
            raise TTSError(
                f"espeak-ng: initialisation failed with data folder {self.data_path} (code {sr}). "
                "Reinstall it with `pip install --force-reinstall espeakng-loader`."
            )
        self.lib = lib
        self.sr = int(sr)
        self.chunks: list[np.ndarray] = []
        self.variants: list[str] | None = None
        # Keep the ctypes callback object referenced for the process's lifetime: the C library
        # holds only a raw pointer to it, and a collected thunk would crash the next synthesis.
        self.callback = _CALLBACK(self._collect)
        lib.espeak_SetSynthCallback(self.callback)
        # espeak-ng seeds its own noise generator with the clock at initialisation; builds since
        # 1.52 export espeak_ng_SetRandSeed so a caller can make synthesis reproducible.
        try:
            self.set_seed = lib.espeak_ng_SetRandSeed
            self.set_seed.argtypes = [ctypes.c_long]
            self.set_seed.restype = None
        except AttributeError:  # pragma: no cover - older library: output may vary slightly
            self.set_seed = None

    def _collect(self, wav, n: int, _events) -> int:  # noqa: ANN001 - ctypes pointer
        if wav and n > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0  # 0 = continue synthesising


_lock = threading.RLock()
_engine: _Engine | None = None
_engine_pid: int | None = None


def _get_engine() -> _Engine:
    """Initialise espeak-ng once per process (after a fork the child initialises its own)."""
    global _engine, _engine_pid
    if _engine is None or _engine_pid != os.getpid():
        _engine = _Engine()
        _engine_pid = os.getpid()
    return _engine


def espeak_version() -> str:
    """Return the espeak-ng version string, e.g. ``'1.52.0'``."""
    with _lock:
        eng = _get_engine()
        return eng.lib.espeak_Info(None).decode(errors="replace")


def sample_rate() -> int:
    """Return the rate espeak-ng synthesises at, in Hz (22050 for the shipped data)."""
    with _lock:
        return _get_engine().sr


def list_voices() -> list[str]:
    """Return the identifiers of the base voices in the shipped data (``'en'``, ``'de'``, ...).

    A base voice may be combined with a variant as ``'<voice>+<variant>'`` (see
    :func:`list_variants`), e.g. ``'en+f3'``.
    """
    with _lock:
        eng = _get_engine()
        arr = eng.lib.espeak_ListVoices(None)
        out: list[str] = []
        i = 0
        while arr[i]:
            v = arr[i].contents
            ident = (v.identifier or b"").decode(errors="replace")
            name = (v.name or b"").decode(errors="replace")
            out.append(ident.rsplit("/", 1)[-1] if ident else name)
            i += 1
        return sorted(out)


def list_variants() -> list[str]:
    """Return the voice variant names (``'f1'``..``'f5'``, ``'m1'``..``'m8'``, ...) shipped."""
    with _lock:
        eng = _get_engine()
        if eng.variants is None:
            try:
                eng.variants = sorted(os.listdir(os.path.join(eng.data_path, "voices", "!v")))
            except OSError:
                eng.variants = []
        return list(eng.variants)


def _check_int(name: str, value: int, bounds: tuple[int, int]) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(f"`{name}` must be an int in {bounds[0]}..{bounds[1]}; got {value!r}.")
    if not bounds[0] <= value <= bounds[1]:
        raise ParameterError(
            f"`{name}` must be in {bounds[0]}..{bounds[1]}; got {value}. Pass a value in that range."
        )
    return int(value)


def _voice_error(voice: str) -> TTSError:
    base, _, variant = voice.partition("+")
    try:
        voices = list_voices()
        variants = list_variants()
    except TTSError:
        voices, variants = [], []
    if variant and variant not in variants:
        some = ", ".join(variants[:8])
        return TTSError(
            f"espeak-ng: voice {voice!r} not available: unknown variant {variant!r}. "
            f"Use one of the shipped variants, e.g. {some} (see affacrnn.data.demo.tts.list_variants())."
        )
    some = ", ".join(v for v in ("en", "en-us", "de", "fr", "es") if v in voices) or ", ".join(voices[:5])
    return TTSError(
        f"espeak-ng: voice {voice!r} not available in the shipped data. Use one of the "
        f"{len(voices)} voices, e.g. {some} (see affacrnn.data.demo.tts.list_voices()), optionally with '+<variant>'."
    )


def synthesize(
    text: str,
    *,
    voice: str = "en",
    rate: int = 175,
    pitch: int = 50,
    pitch_range: int = 50,
    volume: int = 100,
    seed: int = 0,
) -> tuple[np.ndarray, int]:
    """Speak ``text`` with espeak-ng and return the waveform.

    Parameters
    ----------
    text : str
        What to say (plain text, UTF-8; not SSML).
    voice : str
        An espeak-ng voice name, optionally with a variant: ``'en'``, ``'de'``, ``'en+f3'``,
        ``'de+m2'``. See :func:`list_voices` and :func:`list_variants`.
    rate : int
        Speaking rate in words per minute, 80..450 (espeak's default 175).
    pitch : int
        Base pitch, 0..100 (50 = the voice's normal).
    pitch_range : int
        Pitch range, 0..100 (0 = monotone, 50 = normal).
    volume : int
        Amplitude, 0..200 (100 = normal).
    seed : int
        Seed of espeak-ng's noise generator (see the module notes on reproducibility).

    Returns
    -------
    y : np.ndarray [shape=(n,), dtype=float32]
        Mono samples in [-1, 1].
    sr : int
        Sampling rate in Hz (22050).

    Raises
    ------
    TTSError
        espeak-ng cannot be loaded, the voice is unknown, or synthesis fails or yields nothing.
    ParameterError
        ``text`` is empty or a prosody parameter is out of range.

    Notes
    -----
    espeak-ng is process-global state; calls are serialised by a lock and each call sets voice
    and all four parameters, so no setting leaks from one call to the next.
    """
    if not isinstance(text, str) or not text.strip():
        raise ParameterError(f"`text` must be a non-empty string; got {text!r}. Pass something to say.")
    if not isinstance(voice, str) or not voice:
        raise ParameterError(f"`voice` must be a voice name such as 'en' or 'de+m2'; got {voice!r}.")
    params = {
        "rate": _check_int("rate", rate, RATE_RANGE),
        "pitch": _check_int("pitch", pitch, PITCH_RANGE),
        "range": _check_int("pitch_range", pitch_range, RANGE_RANGE),
        "volume": _check_int("volume", volume, VOLUME_RANGE),
    }
    seed = _check_int("seed", seed, (0, 2**31 - 1))
    with _lock:
        eng = _get_engine()
        _, _, variant = voice.partition("+")
        # espeak-ng silently ignores an unknown variant: check it ourselves.
        if (variant and variant not in list_variants()) or eng.lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
            raise _voice_error(voice)
        for name, value in params.items():
            if eng.lib.espeak_SetParameter(_PARAMS[name], value, 0) != _EE_OK:
                raise TTSError(f"espeak-ng: cannot set {name}={value}. Pass a value in its documented range.")
        if eng.set_seed is not None:
            eng.set_seed(seed)  # breath/aspiration noise and pitch jitter come from this generator
        data = text.encode("utf-8") + b"\0"
        buf = ctypes.create_string_buffer(data, len(data))
        eng.chunks = []
        try:
            err = eng.lib.espeak_Synth(buf, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            if err == _EE_OK:
                err = eng.lib.espeak_Synchronize()
            chunks = eng.chunks
        finally:
            eng.chunks = []
        if err != _EE_OK:
            raise TTSError(f"espeak-ng: synthesis of {text[:40]!r} with voice {voice!r} failed (code {err}).")
        sr = eng.sr
    if not chunks:
        raise TTSError(f"espeak-ng: voice {voice!r} produced no audio for {text[:40]!r}. Try another voice.")
    y = np.concatenate(chunks).astype(np.float32) / 32768.0
    return y, sr
