"""The chords of an accompaniment: block chords as written, or any texture heard beat by beat."""

from __future__ import annotations

import math

import numpy as np

from ...music import chords as ch
from ...music.idea import MAX_DURATION, VOICING_RANGE, Chord, bar_ticks, beat_ticks
from ...music.voicing import third_of
from .raw import RawNote


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


def _with_root_and_third(voicing: tuple[int, ...], root: int, quality: str) -> tuple[int, ...]:
    """A played accompaniment's voicing with its chord's root and third added over the bass
    where the beat's start lacks them: a pianist's beat often starts on the bass and the
    fifth, the third coming later in the figure (POP909's songs read so lacked the third in
    31% of their chords, and a model fine-tuned on them played bare fifths), within the
    voicing's span (the tune above stays above). Block chords keep the notes they strike."""
    voicing = list(voicing)
    for pc in (root % 12, third_of(root, quality)):
        if all(p % 12 != pc for p in voicing):
            above = voicing[0] + (pc - voicing[0]) % 12  # between the bass and the top note
            if above < voicing[-1]:
                voicing = sorted([*voicing, above])
    if len(voicing) > 6:
        voicing = voicing[:1] + voicing[-5:]
    return tuple(voicing)


def is_block_chords(accomp: list[RawNote]) -> bool:
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


def walking_bass(accomp: list[RawNote], beat: int, bar: int) -> set[int]:
    """Ids of the bass line's passing tones: notes of a beat or less, off the bar line, that
    are the lowest sounding when struck and move on by step, in the direction they came, from
    the bass note before to the one after (C D E F under C | F: the D and the E). A walking
    bass makes them the bass of their beats; they are not chords (heard as Dm7 and Cmaj7).
    Only under a held harmony: where the notes struck with a bass note bring pitch classes
    the half beat before did not sound, the harmony moves with it (a chorale's bass, a new
    chord on each of its steps) and it stays a bass."""
    line = []
    for n in sorted(accomp, key=lambda n: (n.onset, n.pitch)):
        if line and line[-1].onset == n.onset:
            continue
        if not any(m.onset < n.onset < m.end and m.pitch < n.pitch for m in line[-4:]):
            line.append(n)
    slack = beat // 4
    out = set()
    for before, n, after in zip(line, line[1:], line[2:]):
        if n.duration > beat or n.onset % bar == 0:
            continue
        if before.end < n.onset - slack or after.onset > n.end + slack:
            continue
        came, goes = n.pitch - before.pitch, after.pitch - n.pitch
        if 1 <= abs(came) <= 2 and 1 <= abs(goes) <= 2 and came * goes > 0 and _harmony_held(accomp, n, beat):
            out.add(id(n))
    return out


def _harmony_held(accomp: list[RawNote], bass: RawNote, beat: int) -> bool:
    """Whether the notes struck with ``bass`` only repeat pitch classes sounding in the half
    beat before it (none struck: held)."""
    together = beat // 8
    struck = {m.pitch % 12 for m in accomp if m is not bass and abs(m.onset - bass.onset) <= together}
    before = {
        m.pitch % 12 for m in accomp if m.onset < bass.onset - together and m.end > bass.onset - beat // 2
    }
    return struck <= before


def beat_weights(
    accomp: list[RawNote], melody: list[RawNote], beat: int, n_beats: int, bar: int = 0
) -> tuple[np.ndarray, list[int | None], list[list[int]]]:
    """Per beat: pitch-class weights (time sounding, in beats), the bass pitch and the
    accompaniment pitches sounding at the beat's start (for the voicing). With the ``bar``
    length known, a walking bass's passing tones count as passing tones."""
    weights = np.zeros((n_beats, 12))
    lowest: list[tuple[float, int] | None] = [None] * n_beats
    at_start: list[list[int]] = [[] for _ in range(n_beats)]
    starting: dict[int, set[int]] = {}
    for n in accomp:
        starting.setdefault(n.onset, set()).add(n.pitch)
    walking = walking_bass(accomp, beat, bar) if bar else set()
    for n in accomp:
        first, last = max(0, n.onset // beat), min(n_beats - 1, (n.end - 1) // beat)
        # a passing or neighbour tone: short, off the beat, and resolved by step
        passing = id(n) in walking or (
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


# Chords of the same notes whose name the bass decides: Gsus2 and Dsus4 (G A D), the
# symmetric dim7 and aug. Not C6 and Am7: Am7 over C is ii6/5 of a ii-V-I, a 7th chord in
# inversion, which the path's own choice names better (named on the bass, 30 of the 503
# chords of the test chorales changed, Dm7 to F6, and harmonisations learnt from them lost
# half their agreement with Bach's).
TWIN_QUALITIES = {"sus2", "sus4", "dim7", "aug"}


def _twins() -> list[dict[int, int]]:
    """Per candidate of TWIN_QUALITIES, the candidates of the same pitch classes and quality
    family by their root (itself alone for the others)."""
    by_set: dict[frozenset[int], dict[int, int]] = {}
    for i, (root, quality) in enumerate(ch.CANDIDATES):
        if quality in TWIN_QUALITIES:
            by_set.setdefault(ch.chord_pcs(root, quality), {})[root] = i
    return [
        by_set[ch.chord_pcs(root, quality)] if quality in TWIN_QUALITIES else {root: i}
        for i, (root, quality) in enumerate(ch.CANDIDATES)
    ]


_TWINS = _twins()


def _stretches(path: list[int], bass: list[int | None]):
    """(start, end, the first bass) of each run of one chord along the path."""
    k = 0
    while k < len(path):
        end = k
        while end < len(path) and path[end] == path[k]:
            end += 1
        yield k, end, next((b for b in bass[k:end] if b is not None), None)
        k = end


def root_on_bass(path: list[int], bass: list[int | None]) -> list[int]:
    """The path with each chord named, among chords of the same notes, on the bass it is
    struck over (the first bass of its stretch of beats): G A D over a G bass is Gsus2, not
    Dsus4, which a sus4's lower cost preferred whatever the bass."""
    out = list(path)
    for k, end, first in _stretches(path, bass):
        if first is not None:
            out[k:end] = [_TWINS[path[k]].get(first % 12, path[k])] * (end - k)
    return out


def root_in_the_tune(path: list[int], weights: np.ndarray, bass: list[int | None]) -> list[int]:
    """The path with a bare third over its bass named as the inversion the tune completes:
    a piano's E G over E under a tune singing C E G is C/E, not Em (A C# with F# sung:
    F#m/A). A stretch is renamed where its chord is a triad whose root is the bass and whose
    fifth sounds at most a quarter as long as the root of the chord a third below (the
    tune's note), that root at least a sung beat's worth; a iii or vi whose fifth sounds
    keeps its name."""
    out = list(path)
    for k, end, first in _stretches(path, bass):
        root, quality = ch.CANDIDATES[path[k]]
        if quality in ("", "m") and first is not None and first % 12 == root:
            below = (root - (4 if quality == "m" else 3)) % 12
            sung = weights[k:end, below].sum()
            if sung >= MELODY_WEIGHT and weights[k:end, (root + 7) % 12].sum() < sung / 4:
                twin = (below, "" if quality == "m" else "m")
                out[k:end] = [ch.CANDIDATES.index(twin)] * (end - k)
    return out


def ninth_as_colour(path: list[int], per_bar: int) -> list[int]:
    """The path with a sus2 that shares its bar and root with a chord with a third named as
    that chord: a right hand arpeggiating Am7 with its 9th, the C only on beat 3, is Am7 all
    bar, not Asus2 then Am7 (pop's 9ths are colour; a sus2 holds where no third sounds)."""
    out = list(path)
    for k in range(len(path)):
        root, quality = ch.CANDIDATES[path[k]]
        if quality != "sus2":
            continue
        start = k - k % per_bar
        same = [
            j
            for j in range(start, min(len(path), start + per_bar))
            if ch.CANDIDATES[path[j]][0] == root and {3, 4} & set(ch.QUALITIES[ch.CANDIDATES[path[j]][1]])
        ]
        if same:
            out[k] = path[min(same, key=lambda j: abs(j - k))]
    return out


def beat_chords(
    accomp: list[RawNote], melody: list[RawNote], meter: tuple[int, int], total: int
) -> list[Chord]:
    """The chords a lead sheet would show over an accompaniment of any texture.

    Each beat scores every chord by the notes sounding in it (accompaniment by time sounding,
    its short off-beat notes and the melody counting less, the bass more); the chord sequence
    is then the best path through the beats (Viterbi), where a change of chord costs more off
    the bar line, so a chord holds until the harmony really changes (a walking bass's
    passing tones, like any passing tone, count less). Of chords of the same notes the one on
    the bass is named, and a sus2 beside a chord of its root with a third in its bar is that
    chord. Beats where nothing sounds in the accompaniment carry no chord."""
    beat, bar = beat_ticks(meter), bar_ticks(meter)
    n_beats = max(1, math.ceil(total / beat))
    weights, bass, at_start = beat_weights(accomp, melody, beat, n_beats, bar)
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
    path = root_in_the_tune(viterbi(emissions, np.array(cost)), weights, bass)
    path = ninth_as_colour(root_on_bass(path, bass), per_bar)
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
            voicing = _with_root_and_third(_fit_voicing(pitches, root, quality), root, quality)
            out.append(Chord(root, quality, start, end - start, voicing))
    return out


def _sounding_pitches(notes: list[RawNote], start: int, end: int) -> list[int]:
    return sorted({n.pitch for n in notes if n.onset < end and n.end > start})


def viterbi(emissions: np.ndarray, change_cost: np.ndarray) -> list[int]:
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
