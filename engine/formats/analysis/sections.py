"""Verse and chorus: from the file's section marks, its repeat and double barlines, a
recurring block, or halves."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from ...music.idea import MAX_SECTION_BARS, Chord, Note, Section

_CHORUS_MARK = re.compile(r"chorus|refrain|hook|ritornell", re.I)
_SECTION_MARK = re.compile(
    r"verse|chorus|refrain|hook|bridge|intro|outro|strophe|coda|"
    r"^[A-H]\d?$|part|section",
    re.I,
)
# barline hints a written score gives (see ``formats.score_form``): a repeat begins, a repeat
# (or its last ending) ends, a double bar
REPEAT_START, REPEAT_END, DOUBLE_BAR = "|:", ":|", "||"
BARLINE_HINTS = (REPEAT_START, REPEAT_END, DOUBLE_BAR)
MIN_HINTED_BARS = 4  # a barline starts a section only where both sides last a phrase or more


def _bar_signature(b: int, bar: int, melody: list[Note], chords: list[Chord]) -> tuple:
    lo, hi = b * bar, (b + 1) * bar
    return (
        tuple((n.onset - lo, n.pitch, n.duration) for n in melody if lo <= n.onset < hi),
        tuple((c.onset - lo, c.root, c.quality) for c in chords if lo <= c.onset < hi),
    )


def derive_sections(
    n_bars: int,
    bar: int,
    melody: list[Note],
    chords: list[Chord],
    markers: list[tuple[int, str]] | None = None,
) -> tuple[Section, ...]:
    """Verse/chorus sections of a piece.

    Rule: (1) section markers (MIDI markers, rehearsal marks, section words) where present: a
    mark naming chorus/refrain/hook starts a chorus, any other section mark a verse; a single
    bar before the first mark (a lead sheet's pickup, a bar of count-in) leads into the first
    section rather than standing as a section of its own. (1b) Otherwise repeat and double
    barlines (``BARLINE_HINTS``) start sections where each side lasts ``MIN_HINTED_BARS`` or
    more (a chorale's repeated first phrase is not a section): the first is a verse, a later
    one that opens as an earlier one did takes its name, any other the name its predecessor
    does not have. (2) Otherwise the longest block of 2-8 bars that recurs (same melody and
    chords, not overlapping) is the chorus wherever it occurs, and the rest is verse. (3)
    With no recurring block, the first half (rounded up) is the verse and the second half
    the chorus. Sections longer than ``MAX_SECTION_BARS`` are cut into pieces of equal name.
    """
    labels: list[str] | None = None
    starts_at: set[int] = {0}  # bars where a new section begins
    marks = [(t // bar, text) for t, text in (markers or []) if _SECTION_MARK.search(text)]
    cuts = hinted_cuts(n_bars, bar, markers or [])
    if marks:
        labels, marked = _marked_labels(n_bars, marks)
        starts_at |= marked
    elif cuts:
        labels = _cut_labels(n_bars, bar, melody, chords, cuts)
        starts_at |= set(cuts)
    if labels is None and n_bars >= 4:
        sigs = [_bar_signature(b, bar, melody, chords) for b in range(n_bars)]
        best: tuple[int, int, list[int]] | None = None
        for length in range(min(8, n_bars // 2), 1, -1):
            seen: dict[tuple, list[int]] = {}
            for start in range(0, n_bars - length + 1):
                block = tuple(sigs[start : start + length])
                if not any(block[i][0] or block[i][1] for i in range(length)):
                    continue
                starts = seen.setdefault(block, [])
                if not starts or start >= starts[-1] + length:
                    starts.append(start)
            for starts in seen.values():
                if len(starts) >= 2:
                    candidate = (length * len(starts), starts[-1], starts)
                    if best is None or candidate[:2] > best[:2]:
                        best = (candidate[0], candidate[1], starts)
            if best is not None:
                labels = ["verse"] * n_bars
                for start in best[2]:
                    for b in range(start, start + length):
                        labels[b] = "chorus"
                if all(label == "chorus" for label in labels):
                    labels = None
                break
    if labels is None:
        half = max(1, math.ceil(n_bars / 2))
        labels = ["verse"] * half + ["chorus"] * (n_bars - half)
    return _assembled(labels, starts_at)


def _marked_labels(n_bars: int, marks: list[tuple[int, str]]) -> tuple[list[str], set[int]]:
    """Each bar's section name from the named marks, and the bars they start (a mark in bar 1
    moved to bar 0: the bar before it is a pickup)."""
    labels = ["verse"] * n_bars
    current = "verse"
    marks_by_bar = {b: text for b, text in marks}
    if min(marks_by_bar) == 1:
        marks_by_bar[0] = marks_by_bar.pop(1)
    for b in range(n_bars):
        if b in marks_by_bar:
            current = "chorus" if _CHORUS_MARK.search(marks_by_bar[b]) else "verse"
        labels[b] = current
    return labels, set(marks_by_bar)


def hinted_cuts(n_bars: int, bar: int, markers: list[tuple[int, str]]) -> list[int]:
    """Bars where a barline hint starts a section: on a bar line, leaving at least
    ``MIN_HINTED_BARS`` on each side of it (taken from the start; a hint too close to the one
    before is passed over). None at all when they leave a stretch longer than a section may
    be (``MAX_SECTION_BARS``, and a phrase of endings): such hints do not tell the form."""
    cuts: list[int] = []
    for t in sorted({t for t, text in markers if text in BARLINE_HINTS and t % bar == 0}):
        b = t // bar
        if b - (cuts[-1] if cuts else 0) >= MIN_HINTED_BARS and n_bars - b >= MIN_HINTED_BARS:
            cuts.append(b)
    bounds = [0, *cuts, n_bars]
    if max(b - a for a, b in zip(bounds, bounds[1:])) > MAX_SECTION_BARS + MIN_HINTED_BARS:
        return []
    return cuts


def _cut_labels(n_bars: int, bar: int, melody: list[Note], chords: list[Chord], cuts: list[int]) -> list[str]:
    """Names of the sections the barlines cut: a section that opens (its first two bars of
    melody) as an earlier one did is named as that one; else the first is a verse and each
    other the name the one before it does not have."""
    bounds = [0, *cuts, n_bars]
    names: list[str] = []
    openings: dict[tuple, str] = {}
    for start in bounds[:-1]:
        opening = tuple(_bar_signature(b, bar, melody, [])[0] for b in (start, start + 1))
        if opening in openings and any(opening):
            names.append(openings[opening])
        else:
            names.append("verse" if not names or names[-1] == "chorus" else "chorus")
        openings.setdefault(opening, names[-1])
    return [name for name, a, b in zip(names, bounds, bounds[1:]) for _ in range(a, b)]


def _assembled(labels: list[str], starts_at: set[int]) -> tuple[Section, ...]:
    """Sections from each bar's name: a new one where the name changes, at each start and
    every ``MAX_SECTION_BARS``."""
    sections: list[Section] = []
    for b, label in enumerate(labels):
        if (
            sections
            and sections[-1].name == label
            and sections[-1].bars < MAX_SECTION_BARS
            and b not in starts_at
        ):
            sections[-1] = Section(label, sections[-1].bars + 1)
        else:
            sections.append(Section(label, 1))
    return tuple(sections)


def cut_at_section_ends(notes: Iterable[Note], sections: Sequence[Section], bar: int) -> tuple[Note, ...]:
    """The notes, each cut at the end of the section it starts in (a note may not run into
    the next section)."""
    ends, bars = [], 0
    for s in sections:
        bars += s.bars
        ends.append(bars * bar)
    cut = []
    for n in notes:
        limit = next(e for e in ends if e > n.onset)
        cut.append(Note(n.pitch, n.onset, min(n.duration, limit - n.onset), n.velocity))
    return tuple(cut)
