"""The ranges generation keeps to: chords low, the melody above them."""

from __future__ import annotations

import numpy as np

from ...music.idea import MELODY_RANGE, VOICING_RANGE
from ...tokens.grammar import State
from ...tokens.vocab import VOCAB
from .keep import KeptPart
from .rule import Constraint

GEN_VOICING_TOP = 72  # chord voicings stay at or below C5 when generating
GEN_MELODY_BOTTOM = 55  # and the melody at or above G3


def keep_voicing_under(g, mask: np.ndarray, ceiling: int) -> None:
    """The chord being voiced stays at or below ``ceiling``: its bass low enough to leave room
    for a voice above, each next voice under it."""
    v = VOCAB
    if not g.voicing:
        start, end = v.ranges["BASS"]
        mask[start + max(ceiling - VOICING_RANGE[0], 1) : end] = False
    else:
        room = ceiling - g.voicing[-1]
        start, end = v.ranges["UP"]
        mask[start:end] &= v.up_rise <= room
        start, end = v.ranges["UP2"]
        mask[start:end] &= v.up2_rise <= room


class Register(Constraint):
    """Chords stay low (at or below C5, under the melody note sounding) and the melody at or
    above G3 and above the chord sounding under it. ``shift``: semitones the idea will be
    moved by afterwards; the ranges keep room for it so the moved idea stays in range."""

    def __init__(self, shift: int = 0, kept: KeptPart | None = None) -> None:
        self.shift = shift
        self.kept = kept
        self.profile = ("register", shift)

    def memo_key(self, g) -> tuple | None:
        s = g.state
        tick = g.bar_start + g.pos
        if s is State.PITCH:
            return (g.sounding_chord_top(tick),)
        if s is State.AT_POS or s is State.AFTER_CHORD:
            return (g.sounding_chord_top(tick) if g.melody_free <= tick else 0,)
        if s is State.VOICING:
            return (g.sounding_note(tick),)
        return ()

    def narrow(self, g, mask) -> None:
        s, v = g.state, VOCAB
        tick = g.bar_start + g.pos
        if s in (State.AT_POS, State.AFTER_CHORD, State.PITCH, State.VOICING):
            start, _ = v.ranges["P"]
            top = g.sounding_chord_top(tick)
            floor = max(GEN_MELODY_BOTTOM, (top + 1) if top is not None else 0, MELODY_RANGE[0] - self.shift)
            mask[start : start + floor - MELODY_RANGE[0]] = False
            if self.shift > 0:  # room to move the idea up afterwards
                high = start + MELODY_RANGE[1] - MELODY_RANGE[0] + 1
                mask[high - self.shift : high] = False
        kept = self.kept
        if s is State.VOICING and (kept is None or kept.keep != "chords"):
            note = g.sounding_note(tick)
            if kept is not None:  # stay under the kept note that sounds here
                fixed = kept.note_at(tick)
                note = fixed.pitch if fixed is not None else None
            ceiling = min(
                GEN_VOICING_TOP,
                (note - 1) if note is not None else GEN_VOICING_TOP,
                VOICING_RANGE[1] - max(0, self.shift),
            )
            if not g.voicing:
                start, _end = v.ranges["BASS"]
                bottom = VOICING_RANGE[0] + max(0, -self.shift)
                mask[start : start + bottom - VOICING_RANGE[0]] = False
            keep_voicing_under(g, mask, ceiling)
