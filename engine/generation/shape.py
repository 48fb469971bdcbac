"""Whether an idea is full enough to show: a melody and chords in every section, and a rhythm."""

from __future__ import annotations

from ..music.idea import Idea

MIN_NOTE_LENGTHS = 3  # a melody of one or two note lengths has no rhythm to speak of


def check_parts(idea: Idea, keep: str | None) -> None:
    """Raise ValueError, in words, unless the idea has what a request works from: a tune of
    two notes or more to put new chords under (``keep`` 'melody'), or chords to write a
    melody over, go on from or rewrite bars of ('chords')."""
    if keep == "melody" and len(idea.melody) < 2:
        raise ValueError(
            "a melody of one note has no tune to put chords under"
            if idea.melody
            else "this idea has no melody to put chords under"
        )
    if keep == "chords" and not idea.chords:
        raise ValueError(
            "this idea is a melody alone: give it chords first (New chords for this melody: "
            "Ctrl+K; --keep melody)"
        )


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
