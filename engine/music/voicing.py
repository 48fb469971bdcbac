"""Chords written only as symbols, voiced as a pianist would play them.

A lead sheet, a chord text or a typed progression names chords but not their notes. Each
chord here gets the root (or the written slash bass) as a bass note in the left hand's low
register, and above it a close-position chord holding the third (and the seventh or sixth
when the symbol has one) in the middle register, under the melody. From chord to chord the
close position moves to the nearest inversion and the bass to the nearest octave, as hands
do, so the chord part sounds on its own as an accompaniment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .chords import QUALITIES

BASS_RANGE = (36, 50)  # C2..D3: the bass note
UPPER_RANGE = (50, 67)  # D3..G4: the close-position chord
BASS_START = 43  # the first bass note sits near G2
UPPER_START = 58  # and the first close chord's centre near Bb3
BASS_GAP = 3  # the bass stays at least this far under the close chord


@dataclass(frozen=True)
class Symbol:
    """A chord as a symbol names it: root, quality, and the written bass (slash chord)."""

    root: int
    quality: str
    bass: int | None = None  # pitch class of a slash bass, None = the root

    @property
    def bass_pc(self) -> int:
        return self.root if self.bass is None else self.bass


def close_positions(root: int, quality: str, low: int, high: int) -> list[tuple[int, ...]]:
    """Every close-position stack of the chord's tones (each inversion, each octave) lying
    within [low, high]: all its tones inside one octave, lowest first."""
    pcs = sorted({(root + i) % 12 for i in QUALITIES[quality]})
    out = []
    for start in range(len(pcs)):
        order = pcs[start:] + pcs[:start]
        for octave in range(low // 12 - 1, high // 12 + 1):
            stack = [octave * 12 + order[0]]
            for pc in order[1:]:
                stack.append(stack[-1] + (pc - stack[-1]) % 12)
            if stack[0] >= low and stack[-1] <= high:
                out.append(tuple(stack))
    return out


def _movement(a: Sequence[int], b: Sequence[int]) -> float:
    """How far a hand moves from chord ``a`` to chord ``b``: each note of one to the nearest
    note of the other, both ways (sizes may differ)."""
    there = sum(min(abs(x - y) for y in b) for x in a) / len(a)
    back = sum(min(abs(x - y) for y in a) for x in b) / len(b)
    return there + back


def _nearest_bass(pc: int, previous: int) -> int:
    """The pitch of class ``pc`` in the bass range nearest ``previous``."""
    options = [p for p in range(BASS_RANGE[0], BASS_RANGE[1] + 1) if p % 12 == pc]
    return min(options, key=lambda p: (abs(p - previous), p))


def voice_symbols(
    symbols: Sequence[Symbol], ceilings: Sequence[int | None] | None = None
) -> list[tuple[int, ...]]:
    """A voicing (MIDI pitches, lowest first) for each chord of a progression.

    ``ceilings``: per chord, the lowest melody pitch sounding over it (or None); the close
    chord stays under it where the middle register allows."""
    out: list[tuple[int, ...]] = []
    bass_prev, upper_prev = BASS_START, None
    for i, s in enumerate(symbols):
        melody_low = ceilings[i] if ceilings is not None else None
        high = UPPER_RANGE[1] if melody_low is None else min(UPPER_RANGE[1], melody_low - 1)
        options = close_positions(s.root, s.quality, UPPER_RANGE[0], high)
        if not options:  # the melody dips low: the chord goes as low as the register allows
            options = close_positions(s.root, s.quality, UPPER_RANGE[0] - 5, max(high, UPPER_RANGE[0] + 9))
        if not options:
            options = close_positions(s.root, s.quality, *UPPER_RANGE)
        if upper_prev is None:
            upper = min(options, key=lambda c: (abs(sum(c) / len(c) - UPPER_START), c))
        else:
            upper = min(options, key=lambda c: (_movement(upper_prev, c), c[-1]))
        bass = _nearest_bass(s.bass_pc, bass_prev)
        while bass > upper[0] - BASS_GAP and bass - 12 >= BASS_RANGE[0] - 5:
            bass -= 12
        out.append((bass, *upper))
        bass_prev, upper_prev = bass, upper
    return out


def sounds_root_and_third(root: int, quality: str, voicing: Sequence[int]) -> bool:
    """Whether a voicing holds the chord's root and its third (for a suspended chord, the
    tone that stands for the third: the fourth or the second)."""
    pcs = {p % 12 for p in voicing}
    return root % 12 in pcs and third_of(root, quality) in pcs


def third_of(root: int, quality: str) -> int:
    """The pitch class of a chord's third (for a suspended chord, the fourth or the second
    that stands for it)."""
    return (root + next(i for i in QUALITIES[quality][1:] if i in (2, 3, 4, 5))) % 12
