"""A note's voices: each region of its preset playing the region's sample at the note's pitch,
under the volume envelope, rendered for any stretch of time (a voice's sound at a moment
depends only on the time since its note began)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .sf2 import (
    ATTACK,
    ATTENUATION,
    COARSE_TUNE,
    DECAY,
    DELAY,
    END,
    END_COARSE,
    FINE_TUNE,
    HOLD,
    KEY_DECAY,
    KEY_HOLD,
    KEYNUM,
    LOOP_END,
    LOOP_END_COARSE,
    LOOP_START,
    LOOP_START_COARSE,
    PAN,
    RELEASE,
    ROOT_KEY,
    SAMPLE_MODES,
    SCALE_TUNING,
    START,
    START_COARSE,
    SUSTAIN,
    VELOCITY,
    Region,
)

SILENT_DB = 96.0  # a voice below this is inaudible (16-bit floor) and ends
MIN_RELEASE = 0.006  # seconds: even a font's 'no release' fades instead of clicking


def _seconds(timecents: int) -> float:
    return 0.0 if timecents <= -12000 else 2.0 ** (timecents / 1200.0)


@dataclass(frozen=True, eq=False)
class Voice:
    """One region of one note, ready to render: times in output samples from the start,
    positions in frames of its sample's ``data``."""

    data: np.ndarray
    onset: int
    off: int  # the note's end (the release begins)
    end: int  # silent from here
    data_start: int
    data_end: int
    loop: tuple[int, int] | None
    step: float  # sample positions advanced per output sample
    gain_left: float
    gain_right: float
    delay: float  # envelope times in output samples
    attack: float
    hold: float
    decay: float  # samples for a 100 dB fall
    sustain_db: float
    release: float  # samples for a 100 dB fall


def voice(
    data: np.ndarray, region: Region, key: int, velocity: int, onset: int, off: int, rate: int
) -> Voice:
    """The voice of ``region`` (its sample's frames: ``data``) for a note of ``key`` and
    ``velocity`` held from sample ``onset`` to ``off`` of a ``rate`` Hz output."""
    g = region.get
    s = region.sample
    start = min(len(data) - 1, max(0, g(START) + 32768 * g(START_COARSE)))
    end = min(len(data), max(start + 1, len(data) + g(END) + 32768 * g(END_COARSE)))
    loop_start = min(end, max(start, s.loop_start + g(LOOP_START) + 32768 * g(LOOP_START_COARSE)))
    loop_end = min(end, max(start, s.loop_end + g(LOOP_END) + 32768 * g(LOOP_END_COARSE)))
    looped = g(SAMPLE_MODES) & 1 and loop_end - loop_start > 1  # a loop past the end is clamped
    root = g(ROOT_KEY) if g(ROOT_KEY) >= 0 else (s.pitch if s.pitch <= 127 else 60)  # 255: unpitched
    key_used = g(KEYNUM) if g(KEYNUM) >= 0 else key
    vel = g(VELOCITY) if g(VELOCITY) > 0 else velocity
    cents = (key_used - root) * g(SCALE_TUNING) + 100 * g(COARSE_TUNE) + g(FINE_TUNE) + s.correction
    step = max(1e-3, 2.0 ** (cents / 1200.0) * s.rate / rate)
    atten_db = 0.04 * max(0, g(ATTENUATION)) - 40.0 * math.log10(max(1, vel) / 127.0)
    gain = 10.0 ** (-atten_db / 20.0)
    pan = max(-500, min(500, g(PAN))) / 500.0
    angle = (pan + 1.0) * math.pi / 4
    hold = _seconds(g(HOLD) + g(KEY_HOLD) * (60 - key))
    decay = _seconds(g(DECAY) + g(KEY_DECAY) * (60 - key))
    sustain_db = max(0.0, min(144.0, g(SUSTAIN) / 10.0))
    release = max(MIN_RELEASE, _seconds(g(RELEASE)))
    length = off - onset + int(release * rate * SILENT_DB / 100.0) + 1
    if not looped:
        length = min(length, int((end - start) / step) + 1)
    return Voice(
        data, onset, off, onset + max(1, length), start, end,
        (loop_start, loop_end) if looped else None, step,
        gain * math.cos(angle), gain * math.sin(angle),
        _seconds(g(DELAY)) * rate, _seconds(g(ATTACK)) * rate, hold * rate,
        max(decay, 1e-4) * rate, sustain_db, release * rate,
    )  # fmt: skip


def _envelope_db(v: Voice, t: np.ndarray) -> np.ndarray:
    """Attenuation in dB (attack handled as an amplitude ramp by the caller) at sample times
    ``t`` (from the onset), before the release."""
    d = t - (v.delay + v.attack + v.hold)
    return np.minimum(v.sustain_db, np.maximum(0.0, d) * (100.0 / v.decay))


def _level_at(v: Voice, t: float) -> float:
    """Amplitude (0..1) at time ``t`` from the onset, ignoring the release."""
    if t < v.delay:
        return 0.0
    ramp = min(1.0, (t - v.delay) / v.attack) if v.attack > 0 else 1.0
    return ramp * 10.0 ** (-float(_envelope_db(v, np.array([t]))[0]) / 20.0)


def _amplitude(v: Voice, t: np.ndarray) -> np.ndarray:
    amp = 10.0 ** (-_envelope_db(v, t) / 20.0)
    if v.attack > 0:
        amp *= np.clip((t - v.delay) / v.attack, 0.0, 1.0)
    else:
        amp *= t >= v.delay
    held = v.off - v.onset
    after = t >= held
    if after.any():
        level = _level_at(v, float(held))
        db = -20.0 * math.log10(level) if level > 1e-6 else SILENT_DB
        rel_db = db + (t[after] - held) * (100.0 / v.release)
        amp[after] = np.where(rel_db < SILENT_DB, 10.0 ** (-rel_db / 20.0), 0.0)
    return amp


def mix(v: Voice, first: int, count: int, out: np.ndarray, at: int) -> None:
    """Add ``count`` samples of voice ``v`` (from ``first`` samples after its onset) to
    ``out[at:at+count]``."""
    t = np.arange(first, first + count, dtype=np.float64)
    pos = v.data_start + t * v.step
    if v.loop is not None:
        lo, hi = v.loop
        over = pos >= hi
        pos[over] = lo + np.mod(pos[over] - lo, hi - lo)
        last = hi
    else:
        last = v.data_end - 1
        t = t[pos < last]
        pos = pos[: len(t)]
        count = len(t)
        if not count:
            return
    index = pos.astype(np.int64)
    frac = (pos - index).astype(np.float32)
    nxt = np.minimum(index + 1, last)
    if v.loop is not None:
        nxt = np.where(nxt >= v.loop[1], v.loop[0], nxt)
    a = v.data[index].astype(np.float32)
    wave = a + (v.data[nxt].astype(np.float32) - a) * frac
    wave *= _amplitude(v, t).astype(np.float32) * (1.0 / 32768.0)
    out[at : at + count, 0] += wave * v.gain_left
    out[at : at + count, 1] += wave * v.gain_right
