"""A room around the built-in synth: convolution with a synthetic stereo impulse response.

A piano recorded or played in a room rings on after its strings are damped; without that the
SoundFont's samples sound dry and close. ``impulse_response`` makes a room's answer to a click
(a short pre-delay, then decaying noise whose high frequencies die sooner, decorrelated
between the ears); ``Reverb`` convolves a stream with it block by block (overlap-add with
FFTs: any block size, the same result as convolving the whole at once), so the audio sink's
reads, a loop's seam and a WAV export all get the same room.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# bands of the decay (Hz) and how long each rings relative to the room's RT60: lows ring
# longest, highs are absorbed first (air, curtains)
_BANDS = ((0, 500, 1.15), (500, 2000, 1.0), (2000, 6000, 0.7), (6000, 24000, 0.4))


@dataclass(frozen=True)
class Room:
    name: str
    rt60: float  # seconds for the tail to fall 60 dB (mid frequencies)
    predelay: float  # seconds before the first reflections
    wet: float  # level of the room against the direct sound


ROOMS = {
    "dry": None,
    "studio": Room("studio", rt60=1.0, predelay=0.012, wet=0.20),
    "hall": Room("hall", rt60=2.2, predelay=0.028, wet=0.28),
}
DEFAULT_ROOM = "studio"


@lru_cache(maxsize=8)
def impulse_response(room: Room, rate: int, seed: int = 7) -> np.ndarray:
    """The room's answer to a click: (frames, 2) float32 of unit energy per ear, as long as it
    takes the longest band to fall 66 dB."""
    longest = room.rt60 * max(f for _lo, _hi, f in _BANDS)
    n = int((room.predelay + longest * 1.1) * rate)
    start = int(room.predelay * rate)
    rng = np.random.default_rng(seed)
    t = np.arange(n - start) / rate
    noise = rng.standard_normal((n - start, 2))
    spectrum = np.fft.rfft(noise, axis=0)
    freqs = np.fft.rfftfreq(n - start, 1 / rate)
    ir = np.zeros((n, 2))
    for lo, hi, factor in _BANDS:
        band = np.fft.irfft(spectrum * ((freqs >= lo) & (freqs < hi))[:, None], n - start, axis=0)
        ir[start:] += band * np.exp(-6.91 * t / (room.rt60 * factor))[:, None]
    onset = np.minimum(1.0, t / 0.004)[:, None]  # the reflections build up over a few ms
    ir[start:] *= onset
    ir /= np.sqrt((ir**2).sum(axis=0, keepdims=True))
    ir = ir.astype(np.float32)
    ir.flags.writeable = False  # shared by every stream of the room
    return ir


class Reverb:
    """Adds a room to a stream of stereo blocks, in order (``process``); ``tail`` frames of
    ring follow the last block. ``None`` rooms are not made: the caller skips the reverb."""

    def __init__(self, room: Room, rate: int) -> None:
        self.room = room
        self.ir = impulse_response(room, rate)
        self.tail = len(self.ir) - 1
        self._pending = np.zeros((self.tail, 2), np.float64)  # the ring owed to later blocks
        self._spectra = _spectra(room, rate)

    @classmethod
    def named(cls, name: str, rate: int) -> Reverb | None:
        """The reverb of a room in ``ROOMS`` (None for 'dry'); ValueError names the rooms."""
        if name not in ROOMS:
            raise ValueError(f"no room called {name!r} (choose {', '.join(ROOMS)})")
        room = ROOMS[name]
        return None if room is None else cls(room, rate)

    def _spectrum(self, size: int) -> np.ndarray:
        spectrum = self._spectra.get(size)
        if spectrum is None:
            spectrum = self._spectra[size] = np.fft.rfft(self.ir, size, axis=0)
        return spectrum

    def process(self, dry: np.ndarray) -> np.ndarray:
        """The next block with the room added (same shape, float32)."""
        n = len(dry)
        if n == 0:
            return dry
        size = 1 << int(np.ceil(np.log2(n + self.tail)))
        wet = np.fft.irfft(np.fft.rfft(dry, size, axis=0) * self._spectrum(size), size, axis=0)
        wet = wet[: n + self.tail]
        wet[: self.tail] += self._pending
        self._pending = wet[n:].copy()
        return (dry + self.room.wet * wet[:n]).astype(np.float32)


@lru_cache(maxsize=8)
def _spectra(room: Room, rate: int) -> dict[int, np.ndarray]:
    """The impulse response's spectra by FFT size, shared by the room's streams."""
    return {}


def with_room(audio: np.ndarray, reverb: Reverb | None, block: int = 1 << 16) -> np.ndarray:
    """A whole render with the room added and its ring after the end (as the stream hears it)."""
    if reverb is None:
        return audio
    padded = np.concatenate([audio, np.zeros((reverb.tail, audio.shape[1]), audio.dtype)])
    return np.concatenate([reverb.process(padded[i : i + block]) for i in range(0, len(padded), block)])
