"""From raw notes to ideas: melody/accompaniment split, chords, key, sections.

Input is a :class:`RawScore` (notes on the tick grid of ``TICKS_PER_BEAT``, with the
meter map and whatever hints the file gave); output is one :class:`Idea` per stretch of
constant meter. Both the MIDI reader and the music21 corpus loader feed this module.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np

from ..music import chords as ch
from ..music.idea import (
    MAX_DURATION,
    MAX_SECTION_BARS,
    MELODY_RANGE,
    METERS,
    TEMPO_RANGE,
    TICKS_PER_BEAT,
    VOICING_RANGE,
    Chord,
    Idea,
    Key,
    Note,
    Section,
    bar_ticks,
    beat_ticks,
    quantize_velocity,
)

_MELODY_NAME = re.compile(
    r"melod|lead|vocal|voice|voix|stimme|soprano|sopran|tune|singer|song|"
    r"right ?hand|\brh\b|flute|violin ?i\b|violin 1",
    re.I,
)
_CHORUS_MARK = re.compile(r"chorus|refrain|hook|ritornell", re.I)
_SECTION_MARK = re.compile(
    r"verse|chorus|refrain|hook|bridge|intro|outro|strophe|coda|"
    r"^[A-H]\d?$|part|section",
    re.I,
)


@dataclass(frozen=True)
class RawNote:
    """A note as read from a file: grid ticks, and the track/channel it came from."""

    pitch: int
    onset: int
    duration: int
    velocity: int = 80
    part: int = 0  # track (or part) index
    channel: int = 0

    @property
    def end(self) -> int:
        return self.onset + self.duration


@dataclass
class RawScore:
    """Notes plus the file's hints. ``melody_parts`` marks parts known to hold the melody."""

    notes: list[RawNote]
    time_signatures: list[tuple[int, tuple[int, int]]] = field(default_factory=lambda: [(0, (4, 4))])
    tempo: float = 120.0
    key: Key | None = None
    markers: list[tuple[int, str]] = field(default_factory=list)
    chord_texts: dict[int, str] = field(default_factory=dict)
    part_names: dict[int, str] = field(default_factory=dict)
    melody_parts: set[int] | None = None
    name: str = ""
    end: int = 0  # where the file says the piece ends (end of track), 0 if unknown
    meter_written: bool = True  # False: no time signature in the file (MIDI's 4/4 default)
    timing: str = ""  # what reading the times took ('' = the file's own grid)
    phase_known: bool = True  # False: beats were tracked, where the bar starts is unknown
    authored: bool = False  # written by Songsketch: key and meter are the author's own


MAX_GAP_BARS = 16


class AnalysisError(ValueError):
    """The notes hold no usable chords-plus-melody material (the message says why)."""


# ---------------------------------------------------------------------------
# melody / accompaniment


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


def split_melody(score: RawScore) -> tuple[list[RawNote], list[RawNote], str]:
    """(melody, accompaniment, how): by named part, by a monophonic top part, by register,
    or by the top voice ('skyline')."""
    notes = score.notes
    parts: dict[int, list[RawNote]] = {}
    for n in notes:
        parts.setdefault(n.part * 16 + n.channel, []).append(n)
    # 1. a part the file names as melody
    if score.melody_parts is not None:
        melody = [n for n in notes if n.part in score.melody_parts]
        if melody and len(melody) < len(notes):
            return melody, [n for n in notes if n.part not in score.melody_parts], "named part"
    named = {p for p, name in score.part_names.items() if _MELODY_NAME.search(name or "")}
    if named:
        melody = [n for n in notes if n.part in named]
        rest = [n for n in notes if n.part not in named]
        if melody and rest:
            return melody, rest, "named part"
    # 2. several parts: the highest mostly-monophonic one, if it sits above the rest
    if len(parts) >= 2:
        mean = {k: sum(n.pitch for n in v) / len(v) for k, v in parts.items()}
        top = max(parts, key=lambda k: mean[k])
        others = [n for k, v in parts.items() if k != top for n in v]
        if (
            _monophonic_ratio(parts[top]) >= 0.9
            and mean[top] > sum(n.pitch for n in others) / len(others) + 3
        ):
            return parts[top], others, "top part"
    # 3. one register split: the lowest split with a monophonic line above it, a line that
    # carries a tune (a note every 4 bars at least), not a few top notes of a pianist's fills
    # scattered over a song
    pitches = sorted({n.pitch for n in notes})
    span = max(n.end for n in notes) - min(n.onset for n in notes)
    for split in pitches[1:]:
        high = [n for n in notes if n.pitch >= split]
        low = [n for n in notes if n.pitch < split]
        if len(high) < 4 or len(high) * MELODY_NOTE_SPACING < span:
            break
        if _is_monophonic(high) and len(low) >= 2:
            return high, low, "register split"
    # 4. skyline: the highest note at each onset
    by_onset: dict[int, RawNote] = {}
    for n in notes:
        if n.onset not in by_onset or n.pitch > by_onset[n.onset].pitch:
            by_onset[n.onset] = n
    melody = list(by_onset.values())
    chosen = set(map(id, melody))
    return melody, [n for n in notes if id(n) not in chosen], "top voice"


def monophonic_line(notes: list[RawNote]) -> list[RawNote]:
    """One note at a time: the highest at each onset, each cut at the next onset."""
    by_onset: dict[int, RawNote] = {}
    for n in notes:
        if n.onset not in by_onset or n.pitch > by_onset[n.onset].pitch:
            by_onset[n.onset] = n
    ordered = [by_onset[t] for t in sorted(by_onset)]
    out = []
    for a, b in zip(ordered, ordered[1:] + [None]):
        dur = a.duration if b is None else min(a.duration, b.onset - a.onset)
        if dur > 0:
            out.append(RawNote(a.pitch, a.onset, dur, a.velocity, a.part, a.channel))
    return out


# ---------------------------------------------------------------------------
# chords


def _fit_voicing(pitches, root: int, quality: str) -> tuple[int, ...]:
    lo, hi = VOICING_RANGE
    fitted = set()
    for p in pitches:
        while p < lo:
            p += 12
        while p > hi:
            p -= 12
        fitted.add(p)
    voicing = sorted(fitted)
    if len(voicing) > 6:
        voicing = voicing[:1] + voicing[-5:]
    if len(voicing) < 2:
        return ch.default_voicing(root, quality)
    return tuple(voicing)


def _is_block_chords(accomp: list[RawNote]) -> bool:
    groups: dict[int, list[RawNote]] = {}
    for n in accomp:
        groups.setdefault(n.onset, []).append(n)
    onsets = sorted(groups)
    for a, b in zip(onsets, onsets[1:] + [None]):
        durations = {n.duration for n in groups[a]}
        if len(durations) != 1 or len(groups[a]) < 2:
            return False
        if b is not None and a + durations.pop() > b:
            return False
    return bool(onsets)


def block_chords(accomp: list[RawNote], bar: int, chord_texts: dict[int, str]) -> list[Chord]:
    """Chords of an accompaniment made of block chords: one chord per onset, split at bar lines."""
    groups: dict[int, list[RawNote]] = {}
    for n in accomp:
        groups.setdefault(n.onset, []).append(n)
    out = []
    for onset in sorted(groups):
        group = groups[onset]
        pitches = sorted({n.pitch for n in group})
        symbol = None
        if onset in chord_texts:
            try:
                symbol = ch.parse_symbol(chord_texts[onset])
            except ValueError:
                symbol = None
        if symbol is None:  # a chord-symbol text at the onset is the author's word
            symbol = ch.recognise_pitches(pitches)
        assert symbol is not None
        voicing = _fit_voicing(pitches, *symbol)
        start, end = onset, onset + group[0].duration
        while start < end:
            piece_end = min(end, (start // bar + 1) * bar, start + MAX_DURATION)
            out.append(Chord(symbol[0], symbol[1], start, piece_end - start, voicing))
            start = piece_end
    return out


# Harmonic rhythm: what a change of chord costs, by where in the bar it falls. A chord holds
# until the harmony really changes; changes on the bar line are the cheapest, then half bars.
CHANGE_COST = {"bar": 0.13, "half": 0.35, "beat": 0.72}
MELODY_WEIGHT = 0.2  # the melody counts, but less than the accompaniment (passing tones)
BASS_WEIGHT = 1.0  # the lowest note of a beat is heard as the harmony's foundation
SHORT_OFFBEAT = 0.5  # weight of short accompaniment notes off the beat (passing, neighbours)


def _beat_weights(
    accomp: list[RawNote], melody: list[RawNote], beat: int, n_beats: int
) -> tuple[np.ndarray, list[int | None], list[list[int]]]:
    """Per beat: pitch-class weights (time sounding, in beats), the bass pitch and the
    accompaniment pitches sounding at the beat's start (for the voicing)."""
    weights = np.zeros((n_beats, 12))
    lowest: list[tuple[float, int] | None] = [None] * n_beats
    at_start: list[list[int]] = [[] for _ in range(n_beats)]
    starting: dict[int, set[int]] = {}
    for n in accomp:
        starting.setdefault(n.onset, set()).add(n.pitch)
    for n in accomp:
        first, last = max(0, n.onset // beat), min(n_beats - 1, (n.end - 1) // beat)
        # a passing or neighbour tone: short, off the beat, and resolved by step
        passing = (
            n.onset % beat != 0
            and n.duration <= beat // 2
            and any(n.pitch + step in starting.get(n.end, ()) for step in (-2, -1, 1, 2))
        )
        factor = SHORT_OFFBEAT if passing else 1.0
        for k in range(first, last + 1):
            start = k * beat
            overlap = min(n.end, start + beat) - max(n.onset, start)
            if overlap <= 0:
                continue
            weights[k, n.pitch % 12] += factor * overlap / beat
            if n.onset <= start < n.end:
                at_start[k].append(n.pitch)
            # the bass of the beat: the lowest note sounding in its first half
            if n.onset < start + beat / 2 and not passing:
                if lowest[k] is None or n.pitch < lowest[k][1]:
                    lowest[k] = (overlap, n.pitch)
    for n in melody:
        first, last = max(0, n.onset // beat), min(n_beats - 1, (n.end - 1) // beat)
        factor = MELODY_WEIGHT if n.onset % beat == 0 or n.duration >= beat else MELODY_WEIGHT / 2
        for k in range(first, last + 1):
            start = k * beat
            overlap = min(n.end, start + beat) - max(n.onset, start)
            if overlap > 0:
                weights[k, n.pitch % 12] += factor * overlap / beat
    bass: list[int | None] = []
    for k, low in enumerate(lowest):
        bass.append(None if low is None else low[1])
        if low is not None:
            weights[k, low[1] % 12] += BASS_WEIGHT
    return weights, bass, at_start


def beat_chords(
    accomp: list[RawNote], melody: list[RawNote], meter: tuple[int, int], total: int
) -> list[Chord]:
    """The chords a lead sheet would show over an accompaniment of any texture.

    Each beat scores every chord by the notes sounding in it (accompaniment by time sounding,
    its short off-beat notes and the melody counting less, the bass more); the chord sequence
    is then the best path through the beats (Viterbi), where a change of chord costs more off
    the bar line, so a chord holds until the harmony really changes. Beats where nothing
    sounds in the accompaniment carry no chord."""
    beat, bar = beat_ticks(meter), bar_ticks(meter)
    n_beats = max(1, math.ceil(total / beat))
    weights, bass, at_start = _beat_weights(accomp, melody, beat, n_beats)
    sounding = np.zeros(n_beats, dtype=bool)
    for n in accomp:
        sounding[max(0, n.onset // beat) : min(n_beats, (n.end - 1) // beat + 1)] = True
    emissions = np.array(
        [
            ch.chord_scores(weights[k], bass[k] if sounding[k] else None)
            if sounding[k]
            else np.zeros(len(ch.CANDIDATES))
            for k in range(n_beats)
        ]
    )
    per_bar = bar // beat
    cost = []
    for k in range(n_beats):
        position = (k * beat) % bar
        if position == 0:
            cost.append(CHANGE_COST["bar"])
        elif per_bar % 2 == 0 and position * 2 == bar:
            cost.append(CHANGE_COST["half"])
        else:
            cost.append(CHANGE_COST["beat"])
    path = _viterbi(emissions, np.array(cost))
    out: list[Chord] = []
    for k in range(n_beats):
        if not sounding[k]:
            continue
        root, quality = ch.CANDIDATES[path[k]]
        start, end = k * beat, min((k + 1) * beat, total)
        last = out[-1] if out else None
        if (
            last is not None
            and last.end == start
            and (last.root, last.quality) == (root, quality)
            and start % bar != 0
            and last.duration + (end - start) <= MAX_DURATION
        ):
            out[-1] = Chord(root, quality, last.onset, last.duration + end - start, last.voicing)
        else:
            pitches = at_start[k] or _sounding_pitches(accomp, start, end)
            out.append(Chord(root, quality, start, end - start, _fit_voicing(pitches, root, quality)))
    return out


def _sounding_pitches(notes: list[RawNote], start: int, end: int) -> list[int]:
    return sorted({n.pitch for n in notes if n.onset < end and n.end > start})


def _viterbi(emissions: np.ndarray, change_cost: np.ndarray) -> list[int]:
    """Best state per step: sum of emissions minus ``change_cost[k]`` for each change at k."""
    n, states = emissions.shape
    score = emissions[0].copy()
    back = np.zeros((n, states), dtype=np.int32)
    for k in range(1, n):
        best = int(np.argmax(score))
        moved = score[best] - change_cost[k]
        stay = score >= moved
        back[k] = np.where(stay, np.arange(states), best)
        score = np.where(stay, score, moved) + emissions[k]
    path = [int(np.argmax(score))]
    for k in range(n - 1, 0, -1):
        path.append(int(back[k, path[-1]]))
    return path[::-1]


# ---------------------------------------------------------------------------
# key


# Key profiles, tonic first: Temperley's, from the Kostka-Payne harmony textbook's excerpts
# (music21's TemperleyKostkaPayne). On 60 POP909 songs of the tuning part they read 88% of
# keys exactly against 82% for Krumhansl-Kessler's probe-tone ratings (bench.pop909).
KEY_PROFILES = {
    "major": np.array([0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400]),
    "minor": np.array([0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330]),
}
ALL_KEY_CHOICES = tuple(Key(tonic, mode) for mode in ("major", "minor") for tonic in range(12))
# the last chord (and the first) as the tonic; pop songs often end away from it (a fade, a
# turnaround), so the cadence counts less (0.4 read 82% of 60 tuning songs, 0.3 87%)
CADENCE_WEIGHT = {"last": 0.3, "first": 0.15}
SIGNATURE_TRUST = 0.12  # a written key within this of the best stands (mode by the music)


QUALITIES_THIRD = {q: (3 if 3 in iv else 4 if 4 in iv else None) for q, iv in ch.QUALITIES.items()}


def _correlations(histogram: np.ndarray) -> np.ndarray:
    """Pearson correlation of a pitch-class histogram with each key of ALL_KEY_CHOICES."""
    out = np.zeros(len(ALL_KEY_CHOICES))
    if histogram.sum() <= 0:
        return out
    h = histogram - histogram.mean()
    for i, key in enumerate(ALL_KEY_CHOICES):
        profile = np.roll(KEY_PROFILES[key.mode], key.tonic)
        p = profile - profile.mean()
        denominator = math.sqrt(float((h * h).sum() * (p * p).sum()))
        out[i] = float((h * p).sum()) / denominator if denominator else 0.0
    return out


def key_scores(melody: list[RawNote], accomp: list[RawNote], chords: list[Chord]) -> np.ndarray:
    """How well each key of ALL_KEY_CHOICES explains the music: the notes (the bass counted
    twice) and the chords' tones against the key profiles, and the cadence: a piece that ends
    (less, begins) on a key's tonic chord is probably in it."""
    notes = np.zeros(12)
    for n in melody:
        notes[n.pitch % 12] += n.duration
    lowest: dict[int, RawNote] = {}
    for n in accomp:
        notes[n.pitch % 12] += n.duration
        if n.onset not in lowest or n.pitch < lowest[n.onset].pitch:
            lowest[n.onset] = n
    for n in lowest.values():
        notes[n.pitch % 12] += n.duration
    tones = np.zeros(12)
    for c in chords:
        for pc in ch.chord_pcs(c.root, c.quality):
            tones[pc] += c.duration
    score = 0.5 * _correlations(notes) + 0.5 * _correlations(tones)
    if chords:
        ordered = sorted(chords, key=lambda c: c.onset)
        for weight, chord in ((CADENCE_WEIGHT["last"], ordered[-1]), (CADENCE_WEIGHT["first"], ordered[0])):
            intervals = QUALITIES_THIRD.get(chord.quality)
            for i, key in enumerate(ALL_KEY_CHOICES):
                # a minor piece may end on a major tonic (a Picardy third), not the reverse
                if (
                    key.tonic == chord.root
                    and intervals in (None, 3 if key.mode == "minor" else 4)
                    or (key.tonic == chord.root and key.mode == "minor" and chord is ordered[-1])
                ):
                    score[i] += weight
    return score


def detect_key(
    melody: list[RawNote], accomp: list[RawNote], chords: list[Chord] = (), written: Key | None = None
) -> tuple[Key, str]:
    """The key the music is in, and a remark when a written key signature was set aside.

    The music decides (:func:`key_scores`). A written key is a hint: where it, or its relative,
    scores within ``SIGNATURE_TRUST`` of the best, the signature's pair of keys stands and
    the music picks major or minor between them; otherwise (a default C signature over a song
    in E, say) the signature is set aside and the remark says so."""
    scores = key_scores(melody, accomp, list(chords))
    best = ALL_KEY_CHOICES[int(np.argmax(scores))]
    if written is None:
        return best, ""
    major = Key(written.tonic if written.mode == "major" else (written.tonic + 3) % 12, "major")
    minor = Key((major.tonic + 9) % 12, "minor")
    pair = [major, minor]
    pair_scores = [scores[ALL_KEY_CHOICES.index(k)] for k in pair]
    if max(pair_scores) >= scores.max() - SIGNATURE_TRUST:
        return pair[int(np.argmax(pair_scores))], ""
    return best, f"key {best.name} heard (the file's key signature says {written.name})"


# ---------------------------------------------------------------------------
# sections


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
    chorus/refrain/hook starts a chorus, any other section mark a verse. (2) Otherwise the
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


# ---------------------------------------------------------------------------
# meter


PLAUSIBLE_METERS = set(METERS)
METER_MARGIN = 0.25  # how much better another meter must fit to overrule a written one
PHASE_ZERO_PRIOR = 0.05  # bars starting where the file starts, and 4/4, win near-ties


def _beat_salience(notes: list[RawNote], accomp: list[RawNote], n_beats: int) -> np.ndarray:
    """How strongly each quarter-note beat sounds like the start of something: the harmony
    changing, the bass moving, long notes and many notes starting on it."""
    beat = TICKS_PER_BEAT
    # where the harmony changes: chords heard beat by beat with no bar lines assumed
    weights, bass_notes, _ = _beat_weights(accomp, [], beat, n_beats)
    sounding = weights.sum(axis=1) > 0
    emissions = np.array([ch.chord_scores(weights[k], bass_notes[k]) for k in range(n_beats)])
    path = _viterbi(emissions, np.full(n_beats, CHANGE_COST["half"]))
    change = np.zeros(n_beats)
    for k in range(1, n_beats):
        change[k] = float(path[k] != path[k - 1] and sounding[k])
    bass = np.zeros(n_beats)
    lowest: dict[int, int] = {}
    for n in accomp:
        if n.onset % beat == 0:
            k = n.onset // beat
            lowest[k] = min(lowest.get(k, 128), n.pitch)
    previous = None
    for k in sorted(lowest):  # the bass moving to another pitch class (not an octave)
        if k < n_beats and lowest[k] % 12 != previous:
            bass[k] = 1.0
        previous = lowest[k] % 12
    long_notes = np.zeros(n_beats)
    count = np.zeros(n_beats)
    for n in notes:
        if n.onset % beat == 0 and n.onset // beat < n_beats:
            k = n.onset // beat
            long_notes[k] += min(n.duration, 4 * beat) / beat
            count[k] += 1
    long_notes /= long_notes.max() or 1.0
    count /= count.max() or 1.0
    return 2.0 * change + bass + 0.5 * long_notes + 0.3 * count


def hear_meter(notes: list[RawNote], accomp: list[RawNote]) -> list[tuple[float, int, int]]:
    """(fit, beats per bar, phase in beats) for bars of 2, 3 and 4 quarters, best first: how
    much more the beats that would start bars stand out than beats in general."""
    end = max(n.end for n in notes)
    n_beats = max(1, math.ceil(end / TICKS_PER_BEAT))
    salience = _beat_salience(notes, accomp, n_beats)
    mean = salience.mean()
    out = []
    for per_bar in (4, 3, 2):
        for phase in range(per_bar):
            downbeats = salience[phase::per_bar]
            if len(downbeats):
                out.append((float(downbeats.mean() - mean), per_bar, phase))
    out.sort(key=lambda x: (-x[0], -x[1]))
    return out


def _meter_words(per_bar: int) -> tuple[int, int]:
    return {4: (4, 4), 3: (3, 4), 2: (2, 4)}[per_bar]


def settle_meter(score: RawScore, accomp: list[RawNote]) -> tuple[RawScore, str]:
    """The score with the meter a musician would hear, and a remark saying what was assumed
    and why ('' when the file's own meter stands). A written meter stands unless it cannot be
    right (1/4, 1/8, not a meter of songs) or the music clearly contradicts it; with no
    written meter, or beats tracked through a performance, the music decides where bars
    start."""
    written = sorted({m for _t, m in score.time_signatures})
    fits = hear_meter(score.notes, accomp)
    if not fits or (score.authored and all(m in PLAUSIBLE_METERS for m in written)):
        return score, ""
    # near-ties go to bars starting where the file starts, and to 4/4 (MIDI's own default)
    fits = sorted(
        ((f + PHASE_ZERO_PRIOR * (p == 0) + PHASE_ZERO_PRIOR * (b == 4), b, p) for f, b, p in fits),
        key=lambda x: (-x[0], -x[1]),
    )
    best_fit, per_bar, phase = fits[0]
    # 4/4 over 2/4: the same beats; prefer the longer bar unless 2 clearly fits better
    fit4 = max((f for f in fits if f[1] == 4), default=None)
    if per_bar == 2 and fit4 is not None and fit4[0] >= best_fit - METER_MARGIN:
        best_fit, per_bar, phase = fit4
    # a bar of one beat is a converter's placeholder, not a meter; an odd meter (5/8, 11/8)
    # is the music's own and stays, skipped below as unsupported
    implausible = [m for m in written if m[0] == 1 or m[1] not in (1, 2, 4, 8, 16, 32)]
    why = ""
    long_enough = max(n.end for n in score.notes) >= 8 * 4 * TICKS_PER_BEAT  # 8 bars of 4
    if implausible:
        shown = ", ".join(f"{n}/{d}" for n, d in implausible)
        why = f"file says {shown}"
    elif not score.meter_written:
        default = next(f for f in fits if f[1:] == (4, 0))
        if long_enough and (per_bar, phase) != (4, 0) and best_fit > default[0] + METER_MARGIN:
            why = "no time signature in the file"
    elif len(written) == 1 and written[0][1] == 4 and written[0][0] in (2, 3, 4):
        said = written[0][0]
        said_fit = max(f[0] for f in fits if f[1] == said)
        if (
            long_enough
            and per_bar != said
            and not {per_bar, said} <= {2, 4}
            and best_fit > max(said_fit + METER_MARGIN, 2 * said_fit)
        ):
            why = f"file says {said}/4, but the music goes in {per_bar}"
    if not why:
        if score.phase_known or len(written) != 1:
            return score, ""
        # beats tracked: the written meter stands, the music says where its bars start
        per_bar = bar_ticks(written[0]) // TICKS_PER_BEAT
        phase = max((f for f in fits if f[1] == per_bar), default=(0, per_bar, 0))[2]
        meter = written[0]
        remark = ""
    else:
        meter = _meter_words(per_bar)
        remark = f"meter {meter[0]}/{meter[1]} assumed ({why}): chords and bass move in {per_bar}s"
    pad = ((per_bar - phase) % per_bar) * TICKS_PER_BEAT
    moved = replace(
        score,
        notes=[replace(n, onset=n.onset + pad) for n in score.notes],
        time_signatures=[(0, meter)],
        markers=[(t + pad, text) for t, text in score.markers],
        chord_texts={t + pad: text for t, text in score.chord_texts.items()},
        end=score.end + pad if score.end else 0,
    )
    if pad and remark:
        remark += f", the first bar starting {pad // TICKS_PER_BEAT} beat(s) before the music"
    return moved, remark


# ---------------------------------------------------------------------------
# the whole pipeline


def _meter_segments(score: RawScore, end: int) -> list[tuple[int, int, tuple[int, int]]]:
    """(start, end, meter) stretches of constant meter, each starting on a bar line."""
    sigs = sorted(score.time_signatures or [(0, (4, 4))])
    if sigs[0][0] > 0:
        sigs.insert(0, (0, (4, 4)))
    merged: list[tuple[int, tuple[int, int]]] = []
    for tick, meter in sigs:
        if merged and merged[-1][1] == meter:
            continue
        if merged and merged[-1][0] == tick:
            merged[-1] = (tick, meter)
        else:
            merged.append((tick, meter))
    out = []
    for i, (tick, meter) in enumerate(merged):
        stop = merged[i + 1][0] if i + 1 < len(merged) else end
        if stop > tick:
            out.append((tick, stop, meter))
    return out


@dataclass(frozen=True)
class Analysis:
    """What was heard in a file: its ideas, and remarks on what had to be assumed (a meter
    the file did not say, a key other than its signature, times read off the grid)."""

    ideas: tuple[Idea, ...]
    remarks: tuple[str, ...] = ()


def score_to_ideas(score: RawScore) -> list[Idea]:
    """Ideas (one per stretch of constant, supported meter) from a raw score.

    Raises AnalysisError when nothing usable is left (no notes, no accompaniment...).
    """
    return list(analyse(score).ideas)


def analyse(score: RawScore) -> Analysis:
    """The ideas of a raw score and what was assumed to hear them. Raises AnalysisError."""
    remarks = [score.timing] if score.timing else []
    notes = [n for n in score.notes if n.duration > 0]
    if not notes:
        raise AnalysisError("no notes")
    melody_all, accomp_all, _how = split_melody(replace(score, notes=notes))
    if not accomp_all:
        raise AnalysisError("melody only: no accompaniment to take chords from")
    score, remark = settle_meter(replace(score, notes=notes), accomp_all)
    if remark:
        remarks.append(remark)
    if score.notes is not notes:  # moved onto new bar lines: split again
        notes = score.notes
        melody_all, accomp_all, _how = split_melody(score)
    end = max(n.end for n in notes)
    melody_all = monophonic_line(melody_all)
    tempo = int(round(min(max(score.tempo, TEMPO_RANGE[0]), TEMPO_RANGE[1])))
    ideas = []
    skipped_meters = set()
    for seg_start, seg_end, meter in _meter_segments(score, end):
        if meter not in METERS:
            skipped_meters.add(f"{meter[0]}/{meter[1]}")
            continue
        bar = bar_ticks(meter)
        mel = [
            RawNote(n.pitch, n.onset - seg_start, n.duration, n.velocity, n.part, n.channel)
            for n in melody_all
            if seg_start <= n.onset < seg_end
        ]
        acc = [
            RawNote(
                n.pitch, n.onset - seg_start, min(n.end, seg_end) - n.onset, n.velocity, n.part, n.channel
            )
            for n in accomp_all
            if seg_start <= n.onset < seg_end
        ]
        if not mel or not acc:
            continue
        # a silence of more than MAX_GAP_BARS ends the piece (stray events far past the music)
        reach, cut_at = 0, None
        for n in sorted(mel + acc, key=lambda n: n.onset):
            if reach and n.onset - reach > MAX_GAP_BARS * bar:
                cut_at = n.onset
                break
            reach = max(reach, n.end)
        if cut_at is not None:
            mel = [n for n in mel if n.onset < cut_at]
            acc = [n for n in acc if n.onset < cut_at]
        seg_len = max(n.end for n in mel + acc)
        if seg_end == end and seg_start + seg_len < score.end <= seg_start + seg_len + 8 * bar:
            seg_len = score.end - seg_start  # trailing silent bars the file keeps (up to 8)
        n_bars = math.ceil(seg_len / bar)
        total = n_bars * bar
        if _is_block_chords(acc):
            chords = block_chords(acc, bar, {t - seg_start: s for t, s in score.chord_texts.items()})
        else:
            chords = beat_chords(acc, mel, meter, total)
        if score.authored and score.key is not None:
            key, remark = score.key, ""
        else:
            key, remark = detect_key(mel, acc, chords, score.key)
        if remark and remark not in remarks:
            remarks.append(remark)
        markers = [(t - seg_start, text) for t, text in score.markers if seg_start <= t < seg_end]
        # melody notes: into range by octaves, velocity on the grid, length capped
        lo, hi = MELODY_RANGE
        mel_notes = []
        for n in mel:
            pitch = n.pitch
            while pitch < lo:
                pitch += 12
            while pitch > hi:
                pitch -= 12
            mel_notes.append(
                Note(pitch, n.onset, min(n.duration, MAX_DURATION), quantize_velocity(n.velocity))
            )
        sections = derive_sections(n_bars, bar, mel_notes, chords, markers)
        # cut notes at section ends (a note may not run into the next section)
        ends, acc_bars = [], 0
        for s in sections:
            acc_bars += s.bars
            ends.append(acc_bars * bar)
        cut = []
        for n in mel_notes:
            limit = next(e for e in ends if e > n.onset)
            cut.append(Note(n.pitch, n.onset, min(n.duration, limit - n.onset), n.velocity))
        idea = Idea(key, tempo, meter, sections, tuple(chords), tuple(cut), score.name)
        idea.validate()
        ideas.append(idea)
    if not ideas:
        if skipped_meters:
            raise AnalysisError(f"unsupported meter {', '.join(sorted(skipped_meters))}")
        raise AnalysisError("no stretch with both melody and accompaniment")
    return Analysis(tuple(ideas), tuple(remarks))
