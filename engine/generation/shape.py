"""Whether an idea is full enough to show: a melody and chords in every section, and a rhythm."""

from __future__ import annotations

from ..music import chords as ch
from ..music.idea import Idea, Key

MIN_NOTE_LENGTHS = 3  # a melody of one or two note lengths has no rhythm to speak of
MELODY_IN_KEY = 0.85  # a key asked for a melody stands if this much of its time is in the key
MELODY_ALONE = "this idea is a melody alone: give it chords first"


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
        raise ValueError(MELODY_ALONE)


def melody_key(idea: Idea, asked: Key | None) -> tuple[Key, str]:
    """The key to give a melody new chords in, and a remark when ``asked`` was set aside: the
    key asked for where the melody lies in it (``MELODY_IN_KEY`` of its time; in minor the
    raised 6th and 7th count), else the melody's own key (an F# tune is not harmonised in C
    major because a Key box was left there)."""
    if asked is None or asked == idea.key:
        return idea.key, ""
    scale = set(asked.scale) | ({(asked.tonic + 9) % 12} if asked.mode == "minor" else set())
    total = sum(n.duration for n in idea.melody) or 1
    inside = sum(n.duration for n in idea.melody if n.pitch % 12 in scale) / total
    if inside >= MELODY_IN_KEY:
        return asked, ""
    outside = sorted({n.pitch % 12 for n in idea.melody} - scale)
    names = ", ".join(ch.pc_name(pc, asked.flats) for pc in outside)
    return idea.key, (
        f"{asked.long_name} set aside: the melody's {names} {'is' if len(outside) == 1 else 'are'} "
        f"not in it; the chords are in {idea.key.long_name}"
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
