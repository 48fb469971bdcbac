"""Chords on the harmonic rhythm's grid, and every bar with a chord struck first."""

from __future__ import annotations

import numpy as np

from ...music import chords as ch
from ...music.idea import bar_ticks, beat_ticks
from ...tokens.grammar import Grammar, State
from ...tokens.vocab import VOCAB
from ..sampling import CLOSING_TOKENS
from .rule import Constraint

# how often chords may change: None (as the model likes) or one of these
HARMONIC_RHYTHMS = ("beat", "half", "bar")

# for each pitch class, the chord symbols (CHORD tokens in vocabulary order) that contain it
CHORDS_HOLDING = np.array(
    [
        [pc in ch.chord_pcs(root, quality) for quality in ch.QUALITY_NAMES for root in range(12)]
        for pc in range(12)
    ]
)


def chord_grid(meter: tuple[int, int], rhythm: str) -> int:
    """Ticks between the positions where a chord may start, for a harmonic rhythm: every
    beat (the felt beat: a dotted quarter in 6/8, 9/8, 12/8), every half bar (a whole bar
    where the beats do not halve, as in 3/4 or 5/4), or every bar."""
    if rhythm not in HARMONIC_RHYTHMS:
        raise ValueError(f"harmonic rhythm must be one of {', '.join(HARMONIC_RHYTHMS)}, not {rhythm!r}")
    bar = bar_ticks(meter)
    beat = beat_ticks(meter)
    if rhythm == "beat":
        return beat
    if rhythm == "half":
        return bar // 2 if (bar // beat) % 2 == 0 else bar
    return bar


class RhythmGrid:
    """A harmonic rhythm's grid for one row, worked out once its meter is read."""

    def __init__(self, rhythm: str | None) -> None:
        if rhythm is not None:
            chord_grid((4, 4), rhythm)  # refuse an unknown name here
        self.rhythm = rhythm
        self._ticks: int | None = None

    def ticks(self, g: Grammar) -> int | None:
        """Ticks between chord positions, or None (anywhere)."""
        if self.rhythm is None or g.meter is None:
            return None
        if self._ticks is None:  # the meter is fixed once read
            self._ticks = chord_grid(g.meter, self.rhythm)
        return self._ticks

    def forbid_off_grid_chords(self, g: Grammar, mask: np.ndarray) -> None:
        """At a position off the grid no chord may start."""
        grid = self.ticks(g)
        if grid is not None and g.pos % grid:
            start, end = VOCAB.ranges["CHORD"]
            mask[start:end] = False


class Harmony(Constraint):
    """Every bar has a chord, and its first event is one: an empty bar may not close, and a
    bar's first position takes a chord before any melody note. (The model, sampled, left a
    bar of silence in a third of its ideas; songs do in about 1% of bars.) With a harmonic
    rhythm, chords start only on its grid, and a position off the grid is offered only where
    the melody may start a note."""

    def __init__(self, rhythm: str | None = None) -> None:
        self.grid = RhythmGrid(rhythm)
        self.profile = ("harmony", rhythm)

    def memo_key(self, g) -> tuple | None:
        if g.state is not State.AT_POS and not g.can_close_bar():
            return ()
        grid = self.grid.ticks(g)
        if grid is None:
            return (g.bar_has_chord(),)
        clip = lambda t: min(max(t - g.bar_start, 0), g.bar_len)
        return (g.bar_has_chord(), grid, g.pos, clip(g.chord_free), clip(g.melody_free))

    def narrow(self, g, mask) -> None:
        has_chord = g.bar_has_chord()
        if g.state is State.AT_POS:
            self.grid.forbid_off_grid_chords(g, mask)
            if not has_chord:
                for family in ("VEL", "P"):
                    start, end = VOCAB.ranges[family]
                    mask[start:end] = False
            return
        if not g.can_close_bar():
            return
        if not has_chord:
            mask[CLOSING_TOKENS] = False
        grid = self.grid.ticks(g)
        if grid is None and has_chord:
            return
        start, end = VOCAB.ranges["POS"]
        p = np.arange(end - start)
        chord_ok = p >= g.chord_free - g.bar_start
        if grid is not None:
            chord_ok &= p % grid == 0
        melody_ok = (p >= g.melody_free - g.bar_start) if has_chord else False
        mask[start:end] &= chord_ok | melody_ok
