"""A primer's opening bars as the start of new ideas: the excerpt kept and where its tokens end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..music.idea import Idea, Section
from ..tokens.vocab import VOCAB


def end_of_bar_index(tokens: list[int], bars: int) -> int:
    """Index just past the last event of bar number ``bars`` (1-based) in an encoding."""
    seen = 0
    for i, t in enumerate(tokens):
        if t == VOCAB.BAR:
            seen += 1
            if seen == bars + 1:
                return i
        elif VOCAB.family_of(t)[0] in ("SEC", "EOS") and seen >= bars:
            return i
    return len(tokens) - 1


def primer_excerpt(primer: Idea, bars: int, plan: Sequence[Section]) -> Idea:
    """The first ``bars`` bars of a primer laid into the generation plan's sections."""
    end = bars * primer.bar_ticks
    chords = tuple(c for c in primer.chords if c.onset < end)
    notes = tuple(replace(n, duration=min(n.duration, end - n.onset)) for n in primer.melody if n.onset < end)
    idea = Idea(primer.key, primer.tempo, primer.meter, tuple(plan), chords, notes)
    idea.validate()
    return idea
