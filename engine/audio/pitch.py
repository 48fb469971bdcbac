"""The voice's pitch, frame by frame: librosa's probabilistic YIN (pyin) on the signal at
16 kHz, with the loudness of each frame beside it.

At 16 kHz, 64 ms frames and a 16 ms hop, pyin hears C2 (65 Hz, a low male hum) to C6 (a high
soprano) at about a tenth of real time on two cores; the first call in a process also
compiles librosa's numba kernels (cached on disk after that).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RATE = 16000
FRAME = 1024
HOP = 256
FMIN, FMAX = 65.0, 1100.0
CHUNK_FRAMES = 3750  # a minute


@dataclass(frozen=True)
class PitchTrack:
    """One value a frame, frames ``hop`` seconds apart, frame i centred at i * hop:
    ``midi`` the pitch (fractional MIDI number, NaN where no pitch was heard), ``voiced``
    where pyin heard a voice, ``sureness`` pyin's probability that a frame is voiced (low
    where two voices or an instrument blur the pitch), ``level`` the loudness in dB below the loudest frame
    (0 = the loudest, -80 floor), ``rms`` the frames' RMS level (linear)."""

    midi: np.ndarray
    voiced: np.ndarray
    sureness: np.ndarray
    level: np.ndarray
    rms: np.ndarray
    hop: float

    @property
    def seconds(self) -> float:
        return len(self.midi) * self.hop


def resampled(samples: np.ndarray, rate: int) -> np.ndarray:
    """The mono signal at RATE (soxr through librosa)."""
    if rate == RATE:
        return samples
    import librosa

    return librosa.resample(samples, orig_sr=rate, target_sr=RATE).astype(np.float32)


def _pyin(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pyin's (f0 Hz, voiced, voicing probability) a frame, a minute at a time (its memory
    grows with the length: a 10-minute take at once would need gigabytes)."""
    import librosa

    chunk = CHUNK_FRAMES * HOP
    parts = []
    for start in range(0, max(len(y), 1), chunk):
        piece = y[start : start + chunk]
        if len(piece) < FRAME // 2 and parts:
            break
        found = librosa.pyin(piece, fmin=FMIN, fmax=FMAX, sr=RATE, frame_length=FRAME, hop_length=HOP)
        last = start + chunk >= len(y)
        parts.append([a if last else a[:CHUNK_FRAMES] for a in found])
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))


def track_pitch(samples: np.ndarray, rate: int) -> PitchTrack:
    """The pitch track of a mono float signal at ``rate`` Hz."""
    import librosa

    y = resampled(samples, rate)
    f0, voiced, prob = _pyin(y)
    rms = librosa.feature.rms(y=y, frame_length=FRAME // 4, hop_length=HOP, center=True)[0]
    n = min(len(f0), len(rms))
    f0, voiced, prob, rms = f0[:n], voiced[:n], prob[:n], rms[:n]
    with np.errstate(divide="ignore", invalid="ignore"):
        midi = np.where(voiced & (f0 > 0), 69.0 + 12.0 * np.log2(f0 / 440.0), np.nan)
    peak = float(rms.max()) if n else 0.0
    level = 20.0 * np.log10(np.maximum(rms, 1e-9) / max(peak, 1e-9))
    voiced = voiced & np.isfinite(midi)
    return PitchTrack(midi, voiced, np.nan_to_num(prob), np.maximum(level, -80.0), rms, HOP / RATE)
