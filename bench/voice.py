"""A sung-like voice in NumPy, to measure and test hearing a sung melody without a singer.

Each note is a harmonic tone shaped by a vowel's formants (additive synthesis: harmonics of
the pitch weighted by a glottal tilt and three resonances), with what a voice does that a
keyboard does not: vibrato of +-30 cents that sets in after the attack, a scoop up into some
notes from below, a singer a little off concert pitch, loudness that varies, and breath
noise under it all at a chosen signal-to-noise ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VOWELS = {  # formant frequencies (Hz) and bandwidths of a few sung vowels
    "a": ((730, 1090, 2440), (90, 110, 160)),
    "o": ((570, 840, 2410), (80, 100, 160)),
    "u": ((300, 870, 2240), (70, 100, 160)),
    "e": ((530, 1840, 2480), (80, 120, 160)),
    "m": ((250, 1200, 2300), (60, 300, 400)),  # a hum
}


@dataclass(frozen=True)
class Voice:
    """How a phrase is sung: vibrato depth (cents) and rate (Hz), the share of notes scooped
    into, how far (semitones) and how slowly (the time constant, seconds), the share of notes
    glided into from the note before (legato, the same time constant), the singer's tuning
    (cents), the vowels used."""

    vibrato_cents: float = 30.0
    vibrato_hz: float = 5.5
    scoop_share: float = 0.5
    scoop_semitones: float = 1.5
    scoop_seconds: float = 0.035
    glide_share: float = 0.0
    detune_cents: float = 0.0
    vowels: str = "aoeum"


def _envelope(n: int, rate: int, attack: float = 0.03, release: float = 0.04) -> np.ndarray:
    a, r = max(1, int(attack * rate)), max(1, int(release * rate))
    env = np.ones(n)
    env[:a] = np.linspace(0.0, 1.0, min(a, n))[: min(a, n)] if n >= a else np.linspace(0, 1, n)
    if n > r:
        env[-r:] *= np.linspace(1.0, 0.0, r)
    return env


def _formant_gain(freqs: np.ndarray, vowel: str) -> np.ndarray:
    centres, widths = VOWELS[vowel]
    gain = np.zeros_like(freqs)
    for c, w in zip(centres, widths):
        gain += 1.0 / (1.0 + ((freqs - c) / (w / 2)) ** 2)
    return (0.05 + gain) / np.maximum(freqs / 100.0, 1.0) ** 1.0


def sing_note(
    pitch: float,
    seconds: float,
    rate: int,
    voice: Voice,
    rng: np.random.Generator,
    after: float | None = None,
) -> np.ndarray:
    """One note of ``pitch`` (MIDI) lasting ``seconds``, released within it (the last 40 ms),
    so a note sung again swells again; ``after``: the pitch of a note just before, which
    the voice may glide from."""
    n = max(1, int(seconds * rate))
    t = np.arange(n) / rate
    cents = voice.detune_cents + voice.vibrato_cents * np.sin(
        2 * np.pi * voice.vibrato_hz * t + rng.uniform(0, 2 * np.pi)
    ) * np.clip((t - 0.12) / 0.2, 0.0, 1.0)
    if after is not None and voice.glide_share and rng.random() < voice.glide_share:
        cents += 100 * (after - pitch) * np.exp(-t / voice.scoop_seconds)
    elif rng.random() < voice.scoop_share:
        cents -= 100 * voice.scoop_semitones * rng.uniform(0.5, 1.0) * np.exp(-t / voice.scoop_seconds)
    f0 = 440.0 * 2 ** ((pitch - 69 + cents / 100) / 12)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    base = 440.0 * 2 ** ((pitch - 69) / 12)
    vowel = voice.vowels[rng.integers(len(voice.vowels))]
    harmonics = np.arange(1, int(min(5000, rate / 2 - 200) // base) + 1)
    gains = _formant_gain(harmonics * base, vowel)
    tone = np.zeros(n)
    for k, g in zip(harmonics, gains):
        tone += g * np.sin(k * phase)
    tone /= np.max(np.abs(tone)) or 1.0
    return tone * _envelope(n, rate) * 10 ** (rng.uniform(-3, 3) / 20)


def sing(
    notes: list[tuple[float, float, float]],
    rate: int = 22050,
    voice: Voice = Voice(),
    snr_db: float | None = None,
    seed: int = 0,
    tail: float = 0.3,
) -> np.ndarray:
    """A phrase of (onset s, offset s, MIDI pitch) notes sung by one voice (a note held into
    the next ends there), float32 peaking at 0.8; with ``snr_db``, breath noise that much
    below the voice."""
    rng = np.random.default_rng(seed)
    end = max(off for _on, off, _p in notes) + tail
    out = np.zeros(int(end * rate) + 1)
    starts = sorted(on for on, _off, _p in notes)
    before = None  # (pitch, offset) of the note sung last
    for onset, offset, pitch in sorted(notes):
        later = [s for s in starts if s > onset]
        if later:
            offset = min(offset, later[0])  # one voice: a note ends where the next begins
        after = before[0] if before and onset - before[1] < 0.05 else None
        tone = sing_note(pitch, max(offset - onset, 0.03), rate, voice, rng, after)
        before = (pitch, offset)
        start = int(onset * rate)
        out[start : start + len(tone)] += tone[: len(out) - start]
    if snr_db is not None:
        noise = np.cumsum(rng.standard_normal(len(out))) * 0.02
        noise = noise - np.convolve(noise, np.ones(200) / 200, mode="same")  # a breathy hiss
        noise += rng.standard_normal(len(out)) * 0.5 * noise.std()
        level = np.sqrt(np.mean(out[out != 0] ** 2)) / 10 ** (snr_db / 20)
        out = out + noise * level / noise.std()
    return (0.8 * out / np.max(np.abs(out))).astype(np.float32)
