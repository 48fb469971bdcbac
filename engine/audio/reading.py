"""Sound files and microphone buffers as one mono signal the pitch tracker can hear."""

from __future__ import annotations

import os

import numpy as np

MAX_SECONDS = 600.0  # a sung idea is a phrase or a song, not a rehearsal (10 minutes)
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga")


def mono(samples: np.ndarray) -> np.ndarray:
    """The samples as one float32 channel in [-1, 1]: channels (frames x channels) averaged,
    integer PCM scaled. Raises ValueError for an empty or shapeless buffer."""
    x = np.asarray(samples)
    if np.issubdtype(x.dtype, np.integer):
        x = x / float(np.iinfo(x.dtype).max)
    if x.ndim == 2:
        x = x.mean(axis=1) if x.shape[1] <= x.shape[0] else x.mean(axis=0)
    if x.ndim != 1 or x.size == 0:
        raise ValueError("the recording is empty")
    x = np.nan_to_num(x.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    return np.clip(x, -1.0, 1.0)


def read_audio(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """(mono float32 samples, sample rate) of a WAV, FLAC or OGG file. Raises ValueError in
    words: not found, not a sound file soundfile can read, empty, longer than 10 minutes."""
    import soundfile

    name = os.fspath(path)
    if not os.path.isfile(name):
        raise ValueError("no such file")
    try:
        info = soundfile.info(name)
        if info.frames / max(info.samplerate, 1) > MAX_SECONDS:
            minutes = info.frames / info.samplerate / 60
            raise ValueError(f"the recording is {minutes:.0f} minutes long: sing up to 10 minutes at a time")
        data, rate = soundfile.read(name, dtype="float32", always_2d=True)
    except ValueError:
        raise
    except Exception as exc:
        kind = os.path.splitext(name)[1] or "this file"
        why = str(exc).rsplit(": ", 1)[-1].rstrip(".").lower() if "Error opening" in str(exc) else str(exc)
        raise ValueError(f"cannot read {kind} as sound (WAV, FLAC or OGG): {why}") from None
    return mono(data), int(rate)
