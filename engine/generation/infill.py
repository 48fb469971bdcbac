"""Filling in a span of bars: the span checked, the bars up to it, a draft spliced into the
idea, and the drafts that join the bars around them best."""

from __future__ import annotations

from dataclasses import replace

from ..music.idea import TICKS_PER_BEAT, Idea, Section
from ..tokens.vocab import VOCAB

INFILL_PARTS = ("both", "melody", "chords")
INFILL_DRAFTS = 4  # drafts of a span drawn for each one shown (those that join best are shown)
# the tokens the grammars take before the span that the model does not read there (it read the
# idea's sections and length at its start, never where the span falls)
SILENT_TOKENS = tuple(range(*VOCAB.ranges["SEC"])) + tuple(range(*VOCAB.ranges["BARS"]))


def check_span(idea: Idea, first_bar: int, bars: int, part: str) -> None:
    """Raise ValueError unless bars ``first_bar`` .. ``first_bar + bars - 1`` (0-based) lie
    inside the idea, leave some of it, and ``part`` is one of INFILL_PARTS."""
    if part not in INFILL_PARTS:
        raise ValueError(f"part must be one of {', '.join(INFILL_PARTS)}, not {part!r}")
    if bars < 1 or first_bar < 0 or first_bar + bars > idea.bars:
        raise ValueError(
            f"bars {first_bar + 1}-{first_bar + bars} are not inside the idea (bars 1-{idea.bars})"
        )
    if bars >= idea.bars:
        raise ValueError("the span is the whole idea: generate new ideas instead")


def best_joined(drafts: list[Idea], start: int, end: int, count: int) -> list[Idea]:
    """The ``count`` drafts whose span [start, end) (ticks) joins both sides best, best first
    (the first drawn of equals first). Several drafts are drawn for each one shown: the model
    reads the bars before the span far back (the bars after it come between)."""
    order = sorted(range(len(drafts)), key=lambda i: (join_cost(drafts[i], start, end), i))
    return [drafts[i] for i in order[:count]]


def join_cost(idea: Idea, start: int, end: int) -> float:
    """How badly a span [start, end) (ticks) joins the idea around it: the leaps into it and out
    of it (six semitones cost one) and its melody notes on a beat outside the chord sounding (all of
    them cost a half)."""
    notes = sorted(idea.melody, key=lambda n: n.onset)
    inside = [n for n in notes if start <= n.onset < end]
    if not inside:
        return 1.0
    before = [n for n in notes if n.onset < start][-1:]
    after = [n for n in notes if n.onset >= end][:1]
    leaps = (abs(inside[0].pitch - before[0].pitch) if before else 0) + (
        abs(after[0].pitch - inside[-1].pitch) if after else 0
    )
    beat = TICKS_PER_BEAT
    on_beat = [n for n in inside if n.onset % beat == 0]
    off_chord = 0.0
    if on_beat:
        misses = 0
        for n in on_beat:
            chord = next((c for c in idea.chords if c.onset <= n.onset < c.end), None)
            misses += chord is not None and n.pitch % 12 not in {p % 12 for p in chord.voicing}
        off_chord = misses / len(on_beat)
    return leaps / 6 + off_chord / 2


def spliced(home: Idea, written: Idea, start: int, end: int, name: str) -> Idea | None:
    """``home`` with ticks [start, end) as ``written`` has them, every other bar as it was (a
    note held into the span ends where the span's first note starts); None if that is not a
    well-formed idea."""

    def spliced(old, new):
        kept = [x for x in old if not start <= x.onset < end]
        return sorted(kept + [x for x in new if start <= x.onset < end], key=lambda x: x.onset)

    notes = spliced(home.melody, written.melody)
    notes = [
        replace(a, duration=min(a.duration, b.onset - a.onset)) for a, b in zip(notes, notes[1:])
    ] + notes[-1:]
    out = replace(home, chords=tuple(spliced(home.chords, written.chords)), melody=tuple(notes), name=name)
    try:
        out.validate()
    except ValueError:
        return None
    return out


def opening_bars(idea: Idea, end_bar: int) -> Idea:
    """The idea's first ``end_bar`` bars as an idea of their own (its sections cut there)."""
    plan, total = [], 0
    for section in idea.sections:
        if total >= end_bar:
            break
        plan.append(Section(section.name, min(section.bars, end_bar - total)))
        total += section.bars
    ends = [sum(x.bars for x in plan[: i + 1]) * idea.bar_ticks for i in range(len(plan))]
    end = ends[-1]

    def cut(note):
        section_end = next(e for e in ends if e > note.onset)
        return replace(note, duration=min(note.duration, section_end - note.onset))

    chords = tuple(c for c in idea.chords if c.onset < end)
    return replace(
        idea, sections=tuple(plan), chords=chords, melody=tuple(cut(n) for n in idea.melody if n.onset < end)
    )
