"""Verse and chorus: from the file's section marks, its repeat and double barlines, a
recurring block, or halves."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import numpy as np

from ...music.idea import MAX_SECTION_BARS, TICKS_PER_BEAT, Chord, Note, Section

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
# A chorus found by what recurs (rule 2): a block of MIN_CHORUS_BARS..MAX_CHORUS_BARS bars (an
# even number) whose bars resemble another block's bar for bar by SAME_BARS on average (the
# melody on an 8th grid, a note an 8th early or late still the same; the chord root on each
# beat), sung in SUNG_BARS of its bars, its returns covering at most CHORUS_SHARE of the
# piece (a block that is everywhere tells no chorus from verse). Of the blocks that recur,
# the one covering most bars, counted up by HIGHER_CHORUS a semitone its tune lies above the
# piece's (a pop chorus lies higher than its verse). Exact repeats (the rule before) found
# few in real songs, whose words change the rhythm: of 60 POP909 songs 32% had a chorus
# under 8 bars (2 bars, often), now 3%; of 150 lead sheets without marks 60%, now 47%.
MIN_CHORUS_BARS, MAX_CHORUS_BARS = 4, 16
SAME_BARS = 0.7
SUNG_BARS = 0.6
CHORUS_SHARE = 0.6
HIGHER_CHORUS = 0.2


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
    does not have. (2) Otherwise the block of 4-16 bars that comes back most (its melody and
    chords alike, not note for note: :func:`_recurring_labels`) is the chorus wherever it
    occurs, and the rest is verse. (3) With no such block, the first half (rounded up) is the
    verse and the second half the chorus. Sections longer than ``MAX_SECTION_BARS`` are cut
    into pieces of equal name.
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
    if labels is None and n_bars >= 2 * MIN_CHORUS_BARS:
        labels = _recurring_labels(n_bars, bar, melody, chords)
    if labels is None:
        half = max(1, math.ceil(n_bars / 2))
        labels = ["verse"] * half + ["chorus"] * (n_bars - half)
    return _assembled(labels, starts_at)


def _bar_grids(
    n_bars: int, bar: int, melody: list[Note], chords: list[Chord]
) -> tuple[np.ndarray, np.ndarray]:
    """(bars, 8ths) the melody's pitch sounding on each 8th (-1 none); (bars, beats) the
    chord root on each beat (-1 none)."""
    step = TICKS_PER_BEAT // 2
    tune = np.full(n_bars * (bar // step), -1)
    for n in sorted(melody, key=lambda n: n.onset):
        tune[-(-n.onset // step) : -(-n.end // step)] = n.pitch
    roots = np.full(n_bars * (bar // TICKS_PER_BEAT), -1)
    for c in sorted(chords, key=lambda c: c.onset):
        roots[-(-c.onset // TICKS_PER_BEAT) : -(-c.end // TICKS_PER_BEAT)] = c.root
    return tune.reshape(n_bars, -1), roots.reshape(n_bars, -1)


def _bar_likeness(tune: np.ndarray, roots: np.ndarray) -> np.ndarray:
    """(bars, bars) how alike each two bars are, 0-1: their melodies (the share of sounding
    8ths whose pitch the other bar sounds on the same 8th or one beside it) at 0.6, their
    roots beat by beat at 0.4 (a piece with no chords: its melodies alone; with no melody:
    its roots alone); 0 where either bar has no melody (of a piece with one)."""
    n, width = tune.shape
    sounding = (tune >= 0).sum(axis=1)
    padded = np.pad(tune, ((0, 0), (1, 1)), constant_values=-2)
    found = np.zeros((n, n))
    for a in range(n):
        if sounding[a]:
            near = np.zeros((n, width), bool)
            for shift in (0, 1, 2):
                near |= padded[:, shift : shift + width] == tune[a][None, :]
            found[a] = (near & (tune[a] >= 0)[None, :]).sum(axis=1)
    both = sounding[:, None] + sounding[None, :]
    tune_alike = (found + found.T) / np.maximum(both, 1)
    has = roots >= 0
    either = (has[:, None, :] | has[None, :, :]).sum(axis=2)
    same = ((roots[:, None, :] == roots[None, :, :]) & has[:, None, :]).sum(axis=2)
    roots_alike = np.where(either > 0, same / np.maximum(either, 1), 1.0)  # two bars without chords: alike
    if not sounding.any():  # chords alone
        return roots_alike
    alike = 0.6 * tune_alike + 0.4 * roots_alike if has.any() else tune_alike  # (a tune alone)
    alike[(sounding[:, None] == 0) | (sounding[None, :] == 0)] = 0.0
    return alike


def _recurring_labels(n_bars: int, bar: int, melody: list[Note], chords: list[Chord]) -> list[str] | None:
    """Each bar's name, the chorus being the block that recurs (see ``SAME_BARS``), or None."""
    tune, roots = _bar_grids(n_bars, bar, melody, chords)
    alike = _bar_likeness(tune, roots)
    heard = (tune >= 0).any(axis=1) if melody else (roots >= 0).any(axis=1)
    sums = np.zeros((n_bars + 1, n_bars + 1))  # sums along the diagonals: block likeness in O(1)
    for a in range(n_bars):
        sums[a + 1, 1:] = sums[a, :-1] + alike[a]
    height = np.array([row[row >= 0].mean() if (row >= 0).any() else np.nan for row in tune])
    mean_height = float(np.nanmean(height)) if melody and heard.any() else 0.0
    best: tuple[float, int, list[int]] | None = None
    longest = min(MAX_CHORUS_BARS, n_bars // 2) // 2 * 2
    for length in range(longest, MIN_CHORUS_BARS - 1, -2):  # phrases of 2 bars; ties: the longer
        last = n_bars - length
        block = (sums[length:, length:] - sums[: last + 1, : last + 1]) / length  # [j, i]: j's likeness to i
        for i in range(last - length + 1):
            if heard[i : i + length].mean() < SUNG_BARS:
                continue
            starts = [i]
            for j in np.flatnonzero(block[i + length :, i] >= SAME_BARS) + i + length:
                if j >= starts[-1] + length:
                    starts.append(int(j))
            covered = length * len(starts)
            if len(starts) < 2 or covered > CHORUS_SHARE * n_bars:
                continue
            rise = float(np.nanmean(height[i : i + length])) - mean_height if melody else 0.0
            score = covered * (1 + HIGHER_CHORUS * (0.0 if np.isnan(rise) else rise))
            if best is None or score > best[0]:
                best = (score, length, starts)
    if best is None:
        return None
    _score, length, starts = best
    labels = ["verse"] * n_bars
    for start in starts:
        labels[start : start + length] = ["chorus"] * length
    return labels


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
