"""Repetition in a melody: which bars bring back an earlier bar's rhythm or motif.

A bar's *rhythm* is the set of positions where melody notes start in it; its *contour* the
intervals between those notes. Songs bring bars back (a hook): a bar repeats an earlier
bar's rhythm, or its rhythm and intervals together (the same motif, maybe moved up or down).
The encoding marks such bars (``REP`` tokens) so a model can learn where songs repeat, and
generation makes the marked bar repeat exactly; the evaluation measures the same shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .idea import Idea, Note

LOOKBACK = 16  # a marked bar repeats one of the 16 bars before it
MOTIF_NOTES = 3  # a motif has 2+ intervals


@dataclass(frozen=True)
class BarMelody:
    """The notes starting in one bar: positions from the bar line, and their pitches."""

    onsets: tuple[int, ...]
    pitches: tuple[int, ...]

    @property
    def intervals(self) -> tuple[int, ...]:
        return tuple(b - a for a, b in zip(self.pitches, self.pitches[1:]))

    @property
    def is_motif(self) -> bool:
        return len(self.pitches) >= MOTIF_NOTES


def bar_melodies(notes: Sequence[Note], bar: int, bars: int) -> list[BarMelody]:
    """Each bar's melody (notes by the bar they start in)."""
    onsets: list[list[int]] = [[] for _ in range(bars)]
    pitches: list[list[int]] = [[] for _ in range(bars)]
    for n in sorted(notes, key=lambda n: n.onset):
        b = n.onset // bar
        if 0 <= b < bars:
            onsets[b].append(n.onset - b * bar)
            pitches[b].append(n.pitch)
    return [BarMelody(tuple(o), tuple(p)) for o, p in zip(onsets, pitches)]


def repeat_of(bars: Sequence[BarMelody], b: int) -> tuple[str, int] | None:
    """How bar ``b`` repeats one of the LOOKBACK bars before it: ('motif', k) when it has the
    rhythm and intervals of bar b-k (3+ notes), else ('rhythm', k) for the same onsets; the
    nearest such bar. None for a bar with no notes or no earlier match."""
    here = bars[b]
    if not here.onsets:
        return None
    rhythm = None
    for k in range(1, min(LOOKBACK, b) + 1):
        there = bars[b - k]
        if there.onsets != here.onsets:
            continue
        if here.is_motif and there.intervals == here.intervals:
            return ("motif", k)
        if rhythm is None:
            rhythm = ("rhythm", k)
    return rhythm


def repeats(idea: Idea) -> dict[int, tuple[str, int]]:
    """Bar index -> how it repeats an earlier bar (see ``repeat_of``), for the marked bars."""
    bars = bar_melodies(idea.melody, idea.bar_ticks, idea.bars)
    out = {}
    for b in range(1, len(bars)):
        found = repeat_of(bars, b)
        if found is not None:
            out[b] = found
    return out


def repetition(idea: Idea) -> tuple[float, float]:
    """(rhythm, contour) repetition of an idea: the share of bars after its first whose onset
    pattern, or whose interval sequence (2+ intervals), equals an earlier bar's."""
    bars = bar_melodies(idea.melody, idea.bar_ticks, idea.bars)
    if len(bars) < 2:
        return 0.0, 0.0
    rhythm = contour = 0
    for b in range(1, len(bars)):
        here = bars[b]
        earlier = bars[:b]
        if here.onsets and any(e.onsets == here.onsets for e in earlier):
            rhythm += 1
        if here.is_motif and any(e.is_motif and e.intervals == here.intervals for e in earlier):
            contour += 1
    return rhythm / (len(bars) - 1), contour / (len(bars) - 1)
