"""Songs that come with their own labels: the POP909 layout.

POP909 (Wang et al., ISMIR 2020; MIT) gives each song as ``NNN/NNN.mid`` with three tracks,
``MELODY`` (the sung line), ``BRIDGE`` (fills) and ``PIANO`` (the accompaniment as a pianist
plays it), and beside it the dataset's own labels: ``beat_midi.txt`` (each beat's time and
whether it starts a 4-beat bar), ``chord_midi.txt`` (chord spans in seconds, Harte labels
such as ``A:min7`` or ``F:maj/3``) and ``key_audio.txt`` (key spans). Where labels exist
they are the authors' word, so a song is read through them rather than heard:

- time: each labelled beat is a quarter note; bars are the 4-beat bars the labels flag
  (its pairs of 2-beat bars make one 4/4 bar); notes go onto 16ths or triplets per beat;
- melody: the ``MELODY`` track; chords: the labels, with their inversions, voiced as the
  song's pianist voices them (the piano's chord tones sounding in the span, the lowest as
  the bass), completed with root and third where the piano leaves one out;
- key: the key label in force (a modulation starts a new idea);
- one idea per stretch of regular bars with a melody: intros, outros and instrumental
  breaks of 4+ bars without a sung note are left out; sections as the analysis finds them.

Songs whose beat is not a quarter of 4/4 (the dataset's triple meters and swung 8ths) are
skipped with the reason.
"""

from __future__ import annotations

import csv
import os
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..formats.analysis import RawNote, derive_sections, monophonic_line
from ..formats.midi import MidiError, file_events, seconds_of
from ..formats.timing import TimeMap
from ..music import chords as ch
from ..music.idea import (
    MAX_DURATION,
    MAX_VOICES,
    MELODY_RANGE,
    TEMPO_RANGE,
    TICKS_PER_BEAT,
    VOICING_RANGE,
    Chord,
    Idea,
    Key,
    Note,
    quantize_velocity,
)
from .corpus import Corpus, FileReport, Song

BAR = 4 * TICKS_PER_BEAT
BREAK_BARS = 4  # this many bars without a melody note end an idea (intro, interlude, outro)
MIN_BARS = 4  # shorter stretches are not worth an idea
CHORD_GRID = TICKS_PER_BEAT // 2  # chord changes land on 8ths
MIN_OVERLAP = 0.1  # seconds a piano note must sound within a chord's span to voice it

# Harte chord labels -> the idea's qualities (extensions folded to the nearest one we have)
HARTE_QUALITIES = {
    "maj": "",
    "min": "m",
    "dim": "dim",
    "aug": "aug",
    "7": "7",
    "maj7": "maj7",
    "min7": "m7",
    "hdim7": "m7b5",
    "dim7": "dim7",
    "sus4": "sus4",
    "sus2": "sus2",
    "maj6": "6",
    "min6": "m6",
    "9": "7",
    "maj9": "maj7",
    "min9": "m7",
    "11": "7",
    "13": "7",
    "min11": "m7",
    "minmaj7": "m",
    "sus4(b7)": "sus4",
    "sus4(b7,9)": "sus4",
    "7(b9)": "7",
    "7(#9)": "7",
    "maj(9)": "",
    "min(9)": "m",
    "aug(b7)": "aug",
}
DEGREES = {
    "1": 0, "b2": 1, "2": 2, "b3": 3, "3": 4, "4": 5, "#4": 6, "b5": 6, "5": 7, "#5": 8,
    "b6": 8, "6": 9, "bb7": 9, "b7": 10, "7": 11, "b9": 1, "9": 2, "#9": 3, "11": 5, "#11": 6, "13": 9,
}  # fmt: skip


class LabelError(ValueError):
    """A labelled song that cannot be read (the message says why)."""


@dataclass(frozen=True)
class Label:
    """A labelled chord: root, quality, bass pitch class (None = the root), span in seconds."""

    start: float
    end: float
    root: int
    quality: str
    bass: int | None


def parse_harte(text: str) -> tuple[int, str, int | None] | None:
    """(root, quality, slash bass pc) of a Harte label like ``A:min7`` or ``F:maj/3``; None
    for ``N`` (no chord). Unknown qualities fold to their triad. Raises ValueError."""
    text = text.strip()
    if text in ("N", "X", ""):
        return None
    root_text, _, rest = text.partition(":")
    root = ch.parse_pc(root_text)
    quality_text, _, degree = (rest or "maj").partition("/")
    quality = HARTE_QUALITIES.get(quality_text)
    if quality is None:
        base = quality_text.split("(")[0]
        quality = HARTE_QUALITIES.get(base)
        if quality is None:
            quality = next(
                (q for prefix, q in (("min", "m"), ("maj", ""), ("dim", "dim"), ("aug", "aug"),
                                     ("sus2", "sus2"), ("sus4", "sus4")) if base.startswith(prefix)),
                "",
            )  # fmt: skip
    bass = None
    if degree:
        if degree not in DEGREES:
            raise ValueError(f"unknown bass degree in {text!r}")
        bass = (root + DEGREES[degree]) % 12
        if bass == root:
            bass = None
    return root, quality, bass


def is_pop909_folder(folder: str | os.PathLike) -> bool:
    """True for a folder laid out as POP909 (``index.csv`` beside ``songs/NNN/NNN.mid``)."""
    folder = Path(folder)
    return (folder / "index.csv").is_file() and (folder / "songs").is_dir()


@dataclass(frozen=True)
class Labels:
    """A song's labels: beat times (s) and which start a 4-beat bar, chords, keys (s)."""

    beats: tuple[float, ...]
    downbeats: tuple[bool, ...]
    chords: tuple[Label, ...]
    keys: tuple[tuple[float, Key], ...]


def read_labels(folder: str | os.PathLike) -> Labels:
    """The label files of a song folder. Raises LabelError."""
    folder = Path(folder)
    rows = _read_table(folder / "beat_midi.txt")
    chords = []
    for row in _read_table(folder / "chord_midi.txt"):
        try:
            parsed = parse_harte(row[2])
        except (ValueError, IndexError):
            continue
        if parsed is not None:
            chords.append(Label(float(row[0]), float(row[1]), *parsed))
    keys = []
    if (folder / "key_audio.txt").is_file():
        for row in _read_table(folder / "key_audio.txt"):
            try:
                keys.append((float(row[0]), _key_of(row[2])))
            except (ValueError, IndexError):
                continue
    return Labels(
        tuple(float(r[0]) for r in rows),
        tuple(len(r) > 2 and float(r[2]) > 0 for r in rows),
        tuple(chords),
        tuple(keys),
    )


def _read_table(path: Path) -> list[list[str]]:
    try:
        return [line.split() for line in path.read_text().splitlines() if line.strip()]
    except OSError as exc:
        raise LabelError(f"{path.name}: {exc.strerror or exc}") from None


def _key_of(text: str) -> Key:
    tonic, _, mode = text.partition(":")
    return Key(ch.parse_pc(tonic), "minor" if mode.startswith("min") else "major")


def _voicing(
    pianist: Sequence[tuple[int, float]], root: int, quality: str, bass: int | None
) -> tuple[int, ...]:
    """A block chord for a span, as the pianist voiced it: ``pianist`` = (pitch, seconds
    sounding) of the piano's notes in the span. Chord tones only; the lowest sounding in the
    span is the bass; then the upper tones heard longest (at most MAX_VOICES in all), root and
    third added next to them where the piano left them out."""
    tones = ch.chord_pcs(root, quality) | ({bass} if bass is not None else set())
    lo, hi = VOICING_RANGE
    weight: dict[int, float] = {}
    for pitch, seconds in pianist:
        if pitch % 12 in tones and lo <= pitch <= hi:
            weight[pitch] = weight.get(pitch, 0.0) + seconds
    want_bass = root if bass is None else bass
    lows = sorted(p for p in weight if p % 12 == want_bass and p < 60)
    bass_pitch = lows[0] if lows else None
    if bass_pitch is None:  # the pianist played no such bass: the labelled one in C2..B2
        bass_pitch = 36 + (want_bass - 36) % 12
    upper = sorted((p for p in weight if p > bass_pitch), key=lambda p: -weight[p])[: MAX_VOICES - 1]
    third = next((root + i for i in ch.QUALITIES[quality][1:2]), None)
    centre = int(np.mean(upper)) if upper else bass_pitch + 12
    for pc in (root % 12, None if third is None else third % 12):
        if pc is None or any(p % 12 == pc for p in (bass_pitch, *upper)):
            continue
        candidates = [p for p in range(bass_pitch + 1, hi + 1) if p % 12 == pc and p not in upper]
        if candidates:
            if len(upper) >= MAX_VOICES - 1:
                upper.pop()  # the least heard gives way
            upper.append(min(candidates, key=lambda p: abs(p - centre)))
    return tuple(sorted({bass_pitch, *upper}))


def _snap_melody(tm: TimeMap, found: list[tuple[int, float, float, int]]) -> list[RawNote]:
    """Melody notes (pitch, start s, end s, velocity) on the idea grid, one at a time; a note
    released just before the next is held to it, as a transcriber writes it."""
    if not found:
        return []
    starts = tm.ticks([f[1] for f in found])
    ends = tm.ticks([f[2] for f in found])
    notes = [RawNote(p, s, max(e - s, 3), v) for (p, _a, _b, v), s, e in zip(found, starts, ends)]
    line = monophonic_line(notes)
    out = []
    for a, b in zip(line, line[1:] + [None]):
        duration = a.duration
        if b is not None and 0 < b.onset - a.end <= max(3, (b.onset - a.onset) // 4):
            duration = b.onset - a.onset
        out.append(RawNote(a.pitch, a.onset, duration, a.velocity))
    return out


def read_song(path: str | os.PathLike, meter_hint: tuple[int, int] | None = None) -> list[Idea]:
    """The ideas of one labelled song (see the module's notes). Raises LabelError."""
    path = Path(path)
    folder = path.parent
    if meter_hint is not None and meter_hint != (2, 2):
        per_bar, quavers = meter_hint
        raise LabelError(f"labelled {per_bar} beats a bar, {quavers} 8ths a beat: not 4/4 with straight 8ths")
    try:
        events = file_events(path)
    except MidiError as exc:
        raise LabelError(str(exc)) from None
    labels = read_labels(folder)
    beat_times, downbeat = list(labels.beats), list(labels.downbeats)
    if len(beat_times) < 8:
        raise LabelError("fewer than 8 labelled beats")
    tm = TimeMap(1, tuple(beat_times), quantise=True)
    names = {i: (n or "").strip().upper() for i, n in events.part_names.items()}
    melody_part = next((i for i, n in names.items() if n == "MELODY"), None)
    piano_part = next((i for i, n in names.items() if n == "PIANO"), None)
    if melody_part is None or piano_part is None:
        raise LabelError("no MELODY and PIANO tracks")
    seconds_start = seconds_of(events, [f[1] for f in events.found])
    seconds_end = seconds_of(events, [f[2] for f in events.found])
    melody_found, piano = [], []
    for f, a, b in zip(events.found, seconds_start, seconds_end):
        if f[4] == melody_part:
            melody_found.append((f[0], a, b, f[3]))
        elif f[4] == piano_part:
            piano.append((f[0], a, b))
    melody = _snap_melody(tm, melody_found)
    if not melody:
        raise LabelError("the MELODY track is empty")
    beat_of = tm.beats  # seconds -> beats (floats)

    if not labels.chords:
        raise LabelError("no chord labels")
    keys = [(float(beat_of([t])[0]), k) for t, k in labels.keys]
    tempo_beats = np.diff(beat_times)

    # stretches of regular 4-beat bars (a short or long bar starts a new stretch)
    bar_starts = [i for i, d in enumerate(downbeat) if d]
    stretches: list[list[int]] = []
    for i in bar_starts:
        if stretches and i - stretches[-1][-1] == 4:
            stretches[-1].append(i)
        else:
            stretches.append([i])
    ideas: list[Idea] = []
    for stretch in stretches:
        first_beat = stretch[0]
        n_bars = len(stretch) if stretch[-1] + 4 <= len(beat_times) else len(stretch) - 1
        origin = first_beat * TICKS_PER_BEAT
        in_bars = [
            RawNote(n.pitch, n.onset - origin, n.duration, n.velocity)
            for n in melody
            if origin <= n.onset < origin + n_bars * BAR
        ]
        for lo_bar, hi_bar in _sung_spans(in_bars, n_bars):
            key = _key_at(keys, first_beat + lo_bar * 4)
            if key is None:
                continue
            for a, b, span_key in _split_at_keys(keys, first_beat, lo_bar, hi_bar, key):
                idea = _idea(
                    path.stem, in_bars, labels.chords, piano, beat_of, tempo_beats, first_beat, a, b, span_key
                )
                if idea is not None:
                    ideas.append(idea)
    if not ideas:
        raise LabelError("no stretch of 4+ regular bars with a melody")
    return ideas


def _sung_spans(notes: Sequence[RawNote], n_bars: int) -> list[tuple[int, int]]:
    """(first bar, end bar) of each run of bars with melody, breaks of BREAK_BARS+ left out."""
    sung = sorted({n.onset // BAR for n in notes})
    spans: list[list[int]] = []
    for b in sung:
        if spans and b - spans[-1][1] < BREAK_BARS:
            spans[-1][1] = b
        else:
            spans.append([b, b])
    return [(a, min(b + 1, n_bars)) for a, b in spans if min(b + 1, n_bars) - a >= MIN_BARS]


def _key_at(keys: list[tuple[float, Key]], beat: float) -> Key | None:
    if not keys:
        return None
    i = bisect_right([k[0] for k in keys], beat + 2) - 1
    return keys[max(i, 0)][1]


def _split_at_keys(keys, first_beat: int, lo_bar: int, hi_bar: int, key: Key):
    """Bar spans of one key within [lo_bar, hi_bar): a modulation starts a new span at its bar."""
    cuts = []
    for beat, k in keys:
        bar = int(round((beat - first_beat) / 4))
        if lo_bar < bar < hi_bar:
            cuts.append((bar, k))
    out, start, current = [], lo_bar, key
    for bar, k in cuts:
        if k != current:
            if bar - start >= MIN_BARS:
                out.append((start, bar, current))
            start, current = bar, k
    if hi_bar - start >= MIN_BARS:
        out.append((start, hi_bar, current))
    return out


def _idea(name, notes, labels, piano, beat_of, tempo_beats, first_beat, lo_bar, hi_bar, key) -> Idea | None:
    lo, hi = lo_bar * BAR, hi_bar * BAR
    origin = first_beat * TICKS_PER_BEAT + lo
    n_bars = hi_bar - lo_bar
    periods = tempo_beats[first_beat + lo_bar * 4 : first_beat + hi_bar * 4 - 1]
    period = float(np.median(periods)) if len(periods) else 0.5
    tempo = int(round(min(max(60.0 / period, TEMPO_RANGE[0]), TEMPO_RANGE[1])))
    mel = []
    for n in notes:
        if lo <= n.onset < hi:
            pitch = n.pitch
            while pitch < MELODY_RANGE[0]:
                pitch += 12
            while pitch > MELODY_RANGE[1]:
                pitch -= 12
            end = min(n.onset + n.duration, hi, n.onset + MAX_DURATION)
            mel.append(Note(pitch, n.onset - lo, end - n.onset, quantize_velocity(n.velocity)))
    chords = _chords(labels, piano, beat_of, origin, n_bars)
    if not mel or not chords:
        return None
    sections = derive_sections(n_bars, BAR, mel, chords)
    ends, total = [], 0
    for s in sections:
        total += s.bars * BAR
        ends.append(total)
    cut = [
        Note(n.pitch, n.onset, min(n.duration, next(e for e in ends if e > n.onset) - n.onset), n.velocity)
        for n in mel
    ]
    idea = Idea(key, tempo, (4, 4), sections, tuple(chords), tuple(cut), name)
    try:
        idea.validate()
    except ValueError:
        return None
    return idea


def _chords(labels: Sequence[Label], piano, beat_of, origin: int, n_bars: int) -> list[Chord]:
    """The labelled chords of bars [origin, origin + n_bars) on the grid (changes on 8ths),
    voiced from the piano, cut at bar lines."""
    total = n_bars * BAR
    starts = beat_of([lab.start for lab in labels]) * TICKS_PER_BEAT - origin
    ends = beat_of([lab.end for lab in labels]) * TICKS_PER_BEAT - origin
    piano_start = np.array([p[1] for p in piano])
    piano_end = np.array([p[2] for p in piano])
    piano_pitch = np.array([p[0] for p in piano])
    spans: list[tuple[int, int, Label]] = []
    for lab, s, e in zip(labels, starts, ends):
        s = int(round(s / CHORD_GRID)) * CHORD_GRID
        e = int(round(e / CHORD_GRID)) * CHORD_GRID
        s, e = max(s, 0), min(e, total)
        if e <= s:
            continue
        if (
            spans
            and (spans[-1][2].root, spans[-1][2].quality, spans[-1][2].bass)
            == (
                lab.root,
                lab.quality,
                lab.bass,
            )
            and spans[-1][1] == s
        ):
            spans[-1] = (spans[-1][0], e, Label(spans[-1][2].start, lab.end, lab.root, lab.quality, lab.bass))
            continue
        if spans and spans[-1][1] > s:
            s = spans[-1][1]
            if e <= s:
                continue
        spans.append((s, e, lab))
    out: list[Chord] = []
    for s, e, lab in spans:
        overlap = np.minimum(piano_end, lab.end) - np.maximum(piano_start, lab.start)
        inside = overlap >= min(MIN_OVERLAP, (lab.end - lab.start) / 4)  # not a neighbour's edge
        heard = list(zip(piano_pitch[inside].tolist(), overlap[inside].tolist()))
        voicing = _voicing(heard, lab.root, lab.quality, lab.bass)
        if len(voicing) < 2:
            continue
        start = s
        while start < e:
            piece_end = min(e, (start // BAR + 1) * BAR, start + MAX_DURATION)
            out.append(Chord(lab.root, lab.quality, start, piece_end - start, voicing))
            start = piece_end
    return out


def read_index(root: str | os.PathLike) -> dict[str, tuple[int, int]]:
    """``index.csv`` of a POP909 folder: song id -> (beats per measure, quavers per beat)."""
    out = {}
    path = Path(root) / "index.csv"
    if path.is_file():
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle):
                try:
                    out[f"{int(row['song_id']):03d}"] = (
                        int(row["num_beats_per_measure"]),
                        int(row["num_quavers_per_beat"]),
                    )
                except (KeyError, ValueError):
                    continue
    return out


def load_pop909(root: str | os.PathLike, style: str = "pop", limit: int | None = None) -> Corpus:
    """Every song of a POP909 folder (``root/songs/NNN/NNN.mid`` + labels, ``root/index.csv``)
    read through its labels; unusable songs are reported with the reason."""
    import time

    root = Path(root)
    t0 = time.perf_counter()
    index = read_index(root)
    corpus = Corpus()
    folders = sorted(p for p in (root / "songs").iterdir() if p.is_dir()) if (root / "songs").is_dir() else []
    if limit is not None:
        folders = folders[:limit]
    for folder in folders:
        path = folder / f"{folder.name}.mid"
        try:
            ideas = read_song(path, index.get(folder.name))
        except LabelError as exc:
            corpus.reports.append(FileReport(str(path), False, str(exc)))
            continue
        corpus.songs.append(Song(folder.name, str(path), tuple(ideas), style))
        corpus.reports.append(FileReport(str(path), True))
    corpus.seconds = time.perf_counter() - t0
    corpus.parsed = len(folders)
    return corpus
