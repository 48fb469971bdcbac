"""Whether an idea is full enough to show: a melody and chords in every section, and a rhythm."""

from __future__ import annotations

from ..music.idea import Idea

MIN_NOTE_LENGTHS = 3  # a melody of one or two note lengths has no rhythm to speak of


def has_melody(idea: Idea) -> bool:
    """Every section has a melody of 2+ notes."""
    return all(
        sum(1 for n in idea.melody if start <= n.onset < end) >= 2
        for _section, start, end in idea.section_spans()
    )


def well_shaped(idea: Idea) -> bool:
    """Every section has some melody (2+ notes) and at least one chord, and the melody
    uses at least MIN_NOTE_LENGTHS distinct note lengths."""
    if len({n.duration for n in idea.melody}) < MIN_NOTE_LENGTHS or not has_melody(idea):
        return False
    return all(any(start <= c.onset < end for c in idea.chords) for _s, start, end in idea.section_spans())
