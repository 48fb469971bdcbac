"""Which notes are the melody and which the accompaniment, and one melody note at a time."""

from __future__ import annotations

import re
import statistics

from ...music.idea import TICKS_PER_BEAT
from .melody_line import keeps_loudness, melody_line
from .raw import RawNote, RawScore

_MELODY_NAME = re.compile(
    r"melod|lead|vocal|voice|voix|stimme|soprano|sopran|tune|singer|song|"
    r"right ?hand|\brh\b|flute|violin ?i\b|violin 1",
    re.I,
)


def _is_monophonic(notes: list[RawNote], tolerance: int = 1) -> bool:
    ordered = sorted(notes, key=lambda n: n.onset)
    return all(a.end - tolerance <= b.onset for a, b in zip(ordered, ordered[1:]))


def _monophonic_ratio(notes: list[RawNote]) -> float:
    ordered = sorted(notes, key=lambda n: (n.onset, -n.pitch))
    if len(ordered) < 2:
        return 1.0
    ok = sum(1 for a, b in zip(ordered, ordered[1:]) if a.end - 1 <= b.onset and a.onset != b.onset)
    return ok / (len(ordered) - 1)


MELODY_NOTE_SPACING = 16 * TICKS_PER_BEAT  # a melody above a register split: a note per 4 bars
DENSE_SPACING = 4 * TICKS_PER_BEAT  # a tracked melody: a note a bar (of 4/4) on average
LEGATO_OVERLAP = TICKS_PER_BEAT // 4  # a played or sung line's notes may overlap this much
TOGETHER = TICKS_PER_BEAT // 8  # onsets closer than this are struck together (a chord)
BAR = 4 * TICKS_PER_BEAT
TUNE_BARS = 0.85  # a tracker's line heard through the song has a note in this share of its bars
ABOVE_TOPS = 7  # semitones: a line further above the rest's top voice is not the tune's peaks
TIE_NOTES = 0.03  # monophonic ratio a part with the most notes may lack and still be the tune
# A one-track file in chords (CHORDAL_ONSETS of its onsets strike three notes or more: a hymn, a
# chorale) has its tune in the top voice; a register split holds only the tune's notes above
# the inner voices' highest (a Bach chorale so merged: 23-82% of its soprano, played or at
# one loudness) unless its line has COMPLETE_SPLIT as many notes as the top voice.
CHORDAL_ONSETS = 0.57
COMPLETE_SPLIT = 0.8
# The tracker's line overrules a split's line it hears as not the tune where it goes through
# this share of as many of the song's bars; one it takes in where it goes through this much
# more of the bars with this many times the notes (_tracker_overrules).
OVERRULE_HEARD_BARS = 0.75
OVERRULE_BARS = 0.1
OVERRULE_NOTES = 1.3
HELD_OVER = TICKS_PER_BEAT // 4  # sounding on past an onset by more than a 16th: held over it


def is_single_line(notes: list[RawNote]) -> bool:
    """Whether the notes are one line, a tune with nothing under it: nine in ten follow the
    note before without being struck with it, overlapping it at most as a legato player does."""
    ordered = sorted(notes, key=lambda n: (n.onset, -n.pitch))
    if len(ordered) < 2:
        return bool(ordered)
    follow = sum(
        1
        for a, b in zip(ordered, ordered[1:])
        if b.onset - a.onset >= TOGETHER and a.end - LEGATO_OVERLAP <= b.onset
    )
    return follow >= 0.9 * (len(ordered) - 1)


def split_melody(score: RawScore) -> tuple[list[RawNote], list[RawNote]]:
    """(melody, accompaniment): by named part, by a monophonic top part, by register, by the
    line a tracker follows through one merged track, or by the top voice ('skyline'). A file
    of one line is a melody alone (no accompaniment)."""
    notes = score.notes
    if is_single_line(notes):
        return list(notes), []
    parts: dict[int, list[RawNote]] = {}
    for n in notes:
        parts.setdefault(n.part * 16 + n.channel, []).append(n)
    # 1. a part the file names as melody
    if score.melody_parts is not None:
        melody = [n for n in notes if n.part in score.melody_parts]
        if melody and len(melody) < len(notes):
            return melody, [n for n in notes if n.part not in score.melody_parts]
    named = {p for p, name in score.part_names.items() if _MELODY_NAME.search(name or "")}
    if named:
        melody = [n for n in notes if n.part in named]
        rest = [n for n in notes if n.part not in named]
        if melody and rest:
            return melody, rest
    # 2. several parts: the one most a tune among the mostly-monophonic ones
    if len(parts) >= 2:
        top = _tune_part(parts)
        if top is not None:
            return parts[top], [n for k, v in parts.items() if k != top for n in v]
    # 3. one register split, 4. the line a tracker follows through one merged track
    found = _one_track_split(notes)
    if found is not None:
        return found
    # 5. the skyline, the top note at each onset
    melody = _highest_at_each_onset(notes)
    chosen = set(map(id, melody))
    return melody, [n for n in notes if id(n) not in chosen]


def _tracked(notes: list[RawNote], span: int) -> tuple[list[RawNote], list[RawNote]] | None:
    """The line a tracker follows through the notes (melody_line), where it carries a tune (a
    note a bar on average)."""
    line, rest = melody_line(notes)
    return (line, rest) if len(line) >= 4 and len(line) * DENSE_SPACING >= span else None


def _one_track_split(notes: list[RawNote]) -> tuple[list[RawNote], list[RawNote]] | None:
    """(melody, the rest) of one merged track: a monophonic line above a register split, else
    the tracker's line. The tracker's line overrules the split's (:func:`_tracker_overrules`)
    where it hears the split's line as not the tune (a second line held above the tune) or
    takes it in and goes on through more of the song (the split held only the tune's top
    notes, over an alberti figure, say). A sparse line above the split (under a note a bar)
    also gives way to a tracker's line through most of the song's bars where the sparse line
    sounds in a third of them at most (a tune's few highest notes: the tune then goes on
    below) or the tracker hears most of it as not the tune. A few notes far above the rest (a
    pianist's top notes) give way to a tracker's line through twice their bars (one through
    most of the song always takes over), else to the skyline (None), as does a line in a third
    of the bars at most in a file of one loudness whose tracker hears no tune. A file in chords
    (a hymn, a chorale) is read by its top voice unless the split holds nearly all of it."""
    span = max(n.end for n in notes) - min(n.onset for n in notes)
    split = _register_split(notes, span)
    if _chordal(notes):
        top = _top_voice(notes)
        if split is None or len(split[0]) < COMPLETE_SPLIT * len(top):
            chosen = set(map(id, top))
            return top, [n for n in notes if id(n) not in chosen]
    tracked = _tracked(notes, span)  # (read even where a split's line is dense: it may overrule it)
    if split is None:
        return tracked
    high = split[0]
    overruled = tracked is not None and _tracker_overrules(tracked[0], high, notes)
    if len(high) * DENSE_SPACING >= span:
        return tracked if overruled else split
    if tracked is None and 3 * _bar_share(high, notes) <= 1 and not keeps_loudness(notes):
        return None
    if tracked is None or _bar_share(tracked[0], notes) < TUNE_BARS:
        few = len(high) * 2 * DENSE_SPACING <= span
        if few and _above_the_tops(high, split[1]):
            sparse = tracked is None or _bar_share(tracked[0], notes) < 2 * _bar_share(high, notes)
            return None if sparse else tracked
        return tracked if overruled else split
    heard = set(map(id, tracked[0]))
    if 3 * _bar_share(high, notes) <= 1 or 2 * sum(id(n) in heard for n in high) < len(high) or overruled:
        return tracked
    return split


def _tracker_overrules(line: list[RawNote], high: list[RawNote], notes: list[RawNote]) -> bool:
    """Whether the tracker's ``line`` is the tune rather than the line ``high`` above a register
    split: it hears under half of ``high`` and goes through three quarters as many of the
    song's bars (a second melodic line above the tune, held on where the tune rests between
    phrases: POP909's one-track merges read so lost most of the sung line), or it holds at
    least half of ``high`` and goes on, through OVERRULE_BARS more of the bars with
    OVERRULE_NOTES as many notes (the split held the tune's top notes alone: lead sheets' tunes
    over an alberti bass so read kept 36-66% of their notes)."""
    heard = set(map(id, line))
    held = sum(id(n) in heard for n in high) / len(high)
    bars, split_bars = _bar_share(line, notes), _bar_share(high, notes)
    if 2 * held < 1:
        return bars >= OVERRULE_HEARD_BARS * split_bars
    return bars >= split_bars + OVERRULE_BARS and len(line) >= OVERRULE_NOTES * len(high)


def _highest_at_each_onset(notes: list[RawNote]) -> list[RawNote]:
    """The highest note struck at each onset, in time order (the skyline)."""
    by_onset: dict[int, RawNote] = {}
    for n in notes:
        if n.onset not in by_onset or n.pitch > by_onset[n.onset].pitch:
            by_onset[n.onset] = n
    return [by_onset[t] for t in sorted(by_onset)]


def _chordal(notes: list[RawNote]) -> bool:
    """Whether most onsets strike a chord of three notes or more (a hymn, a chorale: in POP909's
    songs merged into one track, 8-55% of onsets; in Bach's chorales so merged, 58-73%)."""
    struck: dict[int, int] = {}
    for n in notes:
        struck[n.onset] = struck.get(n.onset, 0) + 1
    return sum(1 for count in struck.values() if count >= 3) >= CHORDAL_ONSETS * len(struck)


def _top_voice(notes: list[RawNote]) -> list[RawNote]:
    """The highest note struck at each onset, but for one struck under a higher note that
    sounds on past it by more than a 16th (an inner voice moving under a held tune note)."""
    line: list[RawNote] = []
    for n in _highest_at_each_onset(notes):
        # a lower note only joins the line when none of its last notes is held over it
        if not any(m.pitch > n.pitch and m.end > n.onset + HELD_OVER for m in line[-4:]):
            line.append(n)
    return line


def _above_the_tops(high: list[RawNote], low: list[RawNote]) -> bool:
    """Whether a sparse line sits more than a fifth above the median top note of the rest (a
    pianist's high notes or fills: the tune is in the top voice below), not a tune's peaks
    over the figure it goes on in (an alberti tune's highest notes)."""
    tops: dict[int, int] = {}
    for n in low:
        tops[n.onset] = max(tops.get(n.onset, 0), n.pitch)
    return min(n.pitch for n in high) > statistics.median(tops.values()) + ABOVE_TOPS


def _bar_share(line: list[RawNote], notes: list[RawNote]) -> float:
    """The share of the song's bars (of 4 beats, from its first onset) a line has a note in."""
    start = min(n.onset for n in notes)
    bars = (max(n.end for n in notes) - start - 1) // BAR + 1
    return len({(n.onset - start) // BAR for n in line}) / bars


def _tune_part(parts: dict[int, list[RawNote]]) -> int | None:
    """The part that carries the tune among several: of the mostly-monophonic parts 3
    semitones above some other part (not the bass), the one most strictly one line, a few
    more notes breaking near ties. A second melodic track of fills and countermelodies
    (POP909's BRIDGE) often sits above the sung line, an octave above it at times, and a tune
    may sit barely above the piano, but the fills overlap their own notes more than a sung
    line."""
    mean = {k: sum(n.pitch for n in v) / len(v) for k, v in parts.items()}
    ratio = {k: _monophonic_ratio(v) for k, v in parts.items()}
    lines = [k for k in parts if ratio[k] >= 0.9]
    if not lines:
        return None
    most = max(len(parts[k]) for k in lines)
    eligible = [k for k in lines if mean[k] > min(mean[j] for j in parts if j != k) + 3]
    if not eligible:
        return None
    return max(eligible, key=lambda k: (ratio[k] + TIE_NOTES * len(parts[k]) / most, mean[k]))


def _register_split(notes: list[RawNote], span: int) -> tuple[list[RawNote], list[RawNote]] | None:
    """(above, below) the lowest split with a monophonic line above it, a line that carries a
    tune (a note every 4 bars at least), not a few top notes of a pianist's fills scattered
    over a song."""
    for split in sorted({n.pitch for n in notes})[1:]:
        high = [n for n in notes if n.pitch >= split]
        low = [n for n in notes if n.pitch < split]
        if len(high) < 4 or len(high) * MELODY_NOTE_SPACING < span:
            return None
        if _is_monophonic(high) and len(low) >= 2:
            return high, low
    return None


def monophonic_line(notes: list[RawNote]) -> list[RawNote]:
    """One note at a time: the highest at each onset, each cut at the next onset."""
    ordered = _highest_at_each_onset(notes)
    out = []
    for a, b in zip(ordered, ordered[1:] + [None]):
        dur = a.duration if b is None else min(a.duration, b.onset - a.onset)
        if dur > 0:
            out.append(RawNote(a.pitch, a.onset, dur, a.velocity, a.part, a.channel))
    return out
