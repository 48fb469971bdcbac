"""Verse and chorus: from the file's section marks, a recurring block, or halves."""

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

    Rule: (1) section markers (MIDI markers, rehearsal marks) where present: a mark naming
    chorus/refrain/hook starts a chorus, any other section mark a verse; a single bar before
    the first mark (a lead sheet's pickup, a bar of count-in) leads into the first section
    rather than standing as a section of its own. (2) Otherwise the
    longest block of 2-8 bars that recurs (same melody and chords, not overlapping) is the
    chorus wherever it occurs, and the rest is verse. (3) With no recurring block, the first
    half (rounded up) is the verse and the second half the chorus. Sections longer than
    ``MAX_SECTION_BARS`` are cut into pieces of equal name.
    """
    labels: list[str] | None = None
    starts_at: set[int] = {0}  # bars where a new section begins
    marks = [(t // bar, text) for t, text in (markers or []) if _SECTION_MARK.search(text)]
    if marks:
        labels = ["verse"] * n_bars
        current = "verse"
        marks_by_bar = {b: text for b, text in marks}
        if min(marks_by_bar) == 1:  # a pickup bar: the first section starts with it
            marks_by_bar[0] = marks_by_bar.pop(1)
        starts_at |= set(marks_by_bar)
        for b in range(n_bars):
            if b in marks_by_bar:
                current = "chorus" if _CHORUS_MARK.search(marks_by_bar[b]) else "verse"
            labels[b] = current
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
