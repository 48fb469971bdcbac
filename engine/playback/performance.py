"""Notes played on a SoundFont, rendered window by window: once, or looping with the tails of
one pass ringing into the next."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .soundfont import SoundFont
from .voices import mix, voice

SAMPLE_RATE = 44100  # Hz, of everything the built-in synth renders


@dataclass(frozen=True)
class NoteEvent:
    """A note to render: times in seconds, a GM program (0 = acoustic grand piano)."""

    onset: float
    duration: float
    pitch: int
    velocity: int
    program: int = 0


class Passes:
    """Playing once or in a loop: ``period`` frames a pass and ``tail`` frames of ring after
    the last one; ``last_pass`` None while looping."""

    period: int
    tail: int
    last_pass: int | None

    @property
    def loop(self) -> bool:
        return self.last_pass is None

    def set_loop(self, loop: bool, position: int = 0) -> None:
        """Loop on, or off from the pass that ``position`` (a frame) is in."""
        self.last_pass = None if loop else max(0, position // self.period)

    @property
    def frames(self) -> int | None:
        """How many frames it lasts (None while it loops)."""
        if self.last_pass is None:
            return None
        return (self.last_pass + 1) * self.period + max(0, self.tail)


class Performance(Passes):
    """Notes played on a SoundFont, rendered window by window (stereo float32).

    ``length`` (seconds) is where a loop wraps; with ``loop`` the performance repeats for
    ever and the tails of one pass sound into the next. ``gain`` scales the mix (volume)."""

    def __init__(
        self,
        font: SoundFont,
        notes: list[NoteEvent],
        length: float,
        rate: int = SAMPLE_RATE,
        gain: float = 1.0,
        loop: bool = False,
    ) -> None:
        self.font, self.rate, self.gain = font, rate, gain
        self.period = max(rate // 20, int(round(length * rate)))  # a loop of at least 50 ms
        voices = []
        for n in notes:
            preset = font.preset(n.program)
            onset = int(round(n.onset * rate))
            off = max(onset + 1, int(round((n.onset + n.duration) * rate)))
            for region in preset.regions_for(n.pitch, n.velocity):
                voices.append(voice(font.pcm(region.sample), region, n.pitch, n.velocity, onset, off, rate))
        voices.sort(key=lambda v: v.onset)
        self.voices = voices
        self._onsets = np.array([v.onset for v in voices], np.int64)
        self._ends = np.array([v.end for v in voices], np.int64)
        self.tail = int(self._ends.max()) - self.period if voices else 0
        self.last_pass = None if loop else 0

    def render(self, start: int, count: int) -> np.ndarray:
        """Frames ``start .. start+count`` as a (count, 2) float32 array."""
        out = np.zeros((count, 2), np.float32)
        if not len(self.voices) or count <= 0:
            return out
        stop = start + count
        last = stop // self.period if self.last_pass is None else min(self.last_pass, stop // self.period)
        for k in range(max(0, (start - int(self._ends.max())) // self.period), last + 1):
            shift = k * self.period
            hits = np.nonzero((self._onsets + shift < stop) & (self._ends + shift > start))[0]
            for i in hits:
                v = self.voices[i]
                lo = max(start, v.onset + shift)
                hi = min(stop, v.end + shift)
                mix(v, lo - v.onset - shift, hi - lo, out, lo - start)
        if self.gain != 1.0:
            out *= self.gain
        return out

    def render_all(self) -> np.ndarray:
        """The whole performance, once through (a loop's first pass with its tail)."""
        frames = self.period + max(0, self.tail) if self.last_pass is None else self.frames
        if self.last_pass is None:
            saved, self.last_pass = self.last_pass, 0
            try:
                return self.render(0, frames)
            finally:
                self.last_pass = saved
        return self.render(0, frames)
