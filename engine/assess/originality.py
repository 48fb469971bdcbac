"""Originality: how much of an idea is copied from a training song.

The index holds every training song's melody as transitions (interval in semitones, time
from onset to onset in ticks): transposition-invariant, rhythm included. Chords are kept per
bar as (onset in bar, root relative to the key, quality). A query seeds on shared 4-note
runs (hash lookups) and extends them, so it costs milliseconds. A run of k transitions is a
copy of k + 1 melody notes.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from ..music.idea import Idea

SEED = 3  # transitions in a seed (= 4 notes)
CHORD_SEED = 2  # bars in a chord seed
COPY_NOTES = 8  # a melody run of 8+ notes shared with a training song is a copy
DEFAULT_MAX_NOTES = COPY_NOTES - 1  # the guard's default: the longest run an idea may share
# ... and the longest run of (distinctive) chord bars: songs share progressions (a quarter of
# held-out OpenEWLD songs share 5+ bars with a training song, 3% more than 8, as many as
# share 8+ melody notes), so a copied progression is one longer than a section of 8 bars
DEFAULT_MAX_CHORD_BARS = 8


def melody_transitions(idea: Idea) -> list[tuple[int, int]]:
    """(interval, inter-onset ticks) between consecutive melody notes."""
    notes = sorted(idea.melody, key=lambda n: n.onset)
    return [(b.pitch - a.pitch, b.onset - a.onset) for a, b in zip(notes, notes[1:])]


MIN_DISTINCT_CHORDS = 3  # a shared run of chords counts with 3+ different chords in it


def _distinctive(bars: Sequence[tuple]) -> bool:
    """Whether a run of chord bars is more than a vamp: two chords going back and forth
    (I-V-I-V, I-IV-I) are common property, found in countless songs."""
    return len({(root, quality) for bar in bars for _, root, quality in bar}) >= MIN_DISTINCT_CHORDS


def chord_bars(idea: Idea) -> list[tuple]:
    """Per bar: the chords in it as (onset in bar, root relative to the key, quality)."""
    bar = idea.bar_ticks
    bars: list[list] = [[] for _ in range(idea.bars)]
    for c in idea.chords:
        b = c.onset // bar
        if 0 <= b < len(bars):
            bars[b].append((c.onset - b * bar, (c.root - idea.key.tonic) % 12, c.quality))
    return [tuple(b) for b in bars]


POP909_SONGS = 909
_CHORALE = re.compile(r"bwv(\d.*)", re.IGNORECASE)  # music21's chorales: bwv148.6, bwv36.8-2


def song_title(name: str) -> str:
    """A training song's name (its file's, as the index keeps it) as a songwriter can look it
    up: POP909's numbered songs as 'POP909 song 581', Bach's chorales by their BWV number
    ('Bach chorale BWV 148.6'), every other song by its title in quotes ('“Blueberry Hill”')."""
    if name.isdigit() and 1 <= int(name) <= POP909_SONGS:
        return f"POP909 song {int(name)}"
    chorale = _CHORALE.fullmatch(name)
    if chorale:
        return f"Bach chorale BWV {chorale[1]}"
    return f"“{name.replace('_', ' ').strip()}”" if name else ""


@dataclass
class OriginalityReport:
    """The closest training song and the longest runs copied from it: ``song`` and
    ``chord_song`` as the index names them, the words (badge, detail) with their titles."""

    song: str = ""
    melody_notes: int = 0  # longest copied melody run, in notes (0 = nothing shared)
    chord_bars: int = 0  # longest copied run of chord bars
    chord_song: str = ""

    def to_dict(self) -> dict:
        return {
            "song": self.song,
            "melody_notes": self.melody_notes,
            "chord_bars": self.chord_bars,
            "chord_song": self.chord_song,
            "badge": self.badge(),
            "detail": self.detail(),
        }

    def badge(self) -> str:
        # short shared fragments (a stepwise 6-note figure) are the idiom, not a copy
        if self.melody_notes < COPY_NOTES and self.chord_bars <= DEFAULT_MAX_CHORD_BARS:
            return "original"
        if self.melody_notes >= COPY_NOTES:
            return f"echoes {song_title(self.song)} ({self.melody_notes} notes)"
        return f"echoes {song_title(self.chord_song)} ({self.chord_bars} bars of chords)"

    def detail(self) -> str:
        return (
            f"Longest melody run shared with a training song: {self.melody_notes} notes"
            f"{' (' + song_title(self.song) + ')' if self.song else ''}; longest chord run: "
            f"{self.chord_bars} bars{' (' + song_title(self.chord_song) + ')' if self.chord_song else ''}."
        )


def beyond_own(report: OriginalityReport, own: OriginalityReport) -> OriginalityReport:
    """What an idea shares with the training songs beyond what the user's own music (typed
    chords, a kept part, a primer) already shares: the user's own chords matching a known
    song's are theirs, not the idea's copy."""
    if report.chord_bars <= own.chord_bars:
        report = replace(report, chord_bars=0, chord_song="")
    if report.melody_notes <= own.melody_notes:
        report = replace(report, melody_notes=0, song="")
    return report


def _longest_runs(
    query: Sequence,
    seqs: list[Sequence],
    seed_index: dict,
    seed: int,
    per_song: dict[int, int] | None = None,
    counts: Callable[[Sequence], bool] | None = None,
) -> tuple[int, int]:
    """(length, song) of the longest common run of ``query`` with any sequence, found by
    seed lookup and extension. Length counts items; 0 when no seed is shared. ``per_song``
    collects the longest run with every song that shares a seed; ``counts(run)`` false
    leaves a run out (every part of it would be left out too)."""
    best_len, best_song = 0, -1
    seen: set[tuple[int, int]] = set()
    for i in range(len(query) - seed + 1):
        for song, j in seed_index.get(tuple(query[i : i + seed]), ()):
            diagonal = (song, j - i)
            if diagonal in seen:
                continue
            seq = seqs[song]
            # extend backwards and forwards along this alignment
            a, b = i, j
            while a > 0 and b > 0 and query[a - 1] == seq[b - 1]:
                a, b = a - 1, b - 1
            length = 0
            while a + length < len(query) and b + length < len(seq) and query[a + length] == seq[b + length]:
                length += 1
            seen.add(diagonal)
            if counts is not None and not counts(query[a : a + length]):
                continue
            if per_song is not None and length > per_song.get(song, 0):
                per_song[song] = length
            if length > best_len:
                best_len, best_song = length, song
    return best_len, best_song


@dataclass
class OriginalityIndex:
    """Melody transitions and chord bars of the training songs, with seed lookups."""

    names: list[str] = field(default_factory=list)
    melodies: list[list[tuple[int, int]]] = field(default_factory=list)
    chords: list[list[tuple]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._melody_seeds: dict = defaultdict(list)
        self._chord_seeds: dict = defaultdict(list)
        for s, seq in enumerate(self.melodies):
            for j in range(len(seq) - SEED + 1):
                self._melody_seeds[tuple(seq[j : j + SEED])].append((s, j))
        for s, seq in enumerate(self.chords):
            for j in range(len(seq) - CHORD_SEED + 1):
                block = tuple(seq[j : j + CHORD_SEED])
                if all(block):  # empty bars are not a copy
                    self._chord_seeds[block].append((s, j))

    @classmethod
    def build(cls, songs) -> "OriginalityIndex":
        """From corpus Songs (each idea of a song is indexed under the song's name)."""
        names, melodies, chords = [], [], []
        for song in songs:
            for idea in song.ideas:
                names.append(song.name)
                melodies.append(melody_transitions(idea))
                chords.append(chord_bars(idea))
        return cls(names, melodies, chords)

    def check(self, idea: Idea) -> OriginalityReport:
        mel_len, mel_song = _longest_runs(melody_transitions(idea), self.melodies, self._melody_seeds, SEED)
        bars = chord_bars(idea)
        chord_len, chord_song = _longest_runs(
            bars, self.chords, self._chord_seeds, CHORD_SEED, counts=_distinctive
        )
        return OriginalityReport(
            song=self.names[mel_song] if mel_song >= 0 else "",
            melody_notes=mel_len + 1 if mel_len else 0,
            chord_bars=chord_len,
            chord_song=self.names[chord_song] if chord_song >= 0 else "",
        )

    def songs_sharing(self, idea: Idea, min_notes: int) -> set[int]:
        """Indexes of the songs sharing a melody run of at least ``min_notes`` with the idea."""
        runs: dict[int, int] = {}
        _longest_runs(melody_transitions(idea), self.melodies, self._melody_seeds, SEED, runs)
        return {song for song, length in runs.items() if length + 1 >= min_notes}

    def to_bytes(self) -> bytes:
        return json.dumps(
            {"version": 1, "names": self.names, "melodies": self.melodies, "chords": self.chords},
            separators=(",", ":"),
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "OriginalityIndex":
        try:
            raw = json.loads(data)
            if raw.get("version") != 1:
                raise ValueError("unknown index version")
            melodies = [[tuple(t) for t in seq] for seq in raw["melodies"]]
            chords = [[tuple(tuple(c) for c in bar) for bar in seq] for seq in raw["chords"]]
            return cls(list(raw["names"]), melodies, chords)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"damaged originality index: {exc}") from None


@dataclass(frozen=True)
class Guard:
    """The originality guard's limits: an idea copying more than ``max_notes`` melody notes or
    ``max_chord_bars`` bars of chords from one training song is redrawn, never shown."""

    max_notes: int = DEFAULT_MAX_NOTES
    max_chord_bars: int = DEFAULT_MAX_CHORD_BARS

    def accepts(self, report: OriginalityReport) -> bool:
        return report.melody_notes <= self.max_notes and report.chord_bars <= self.max_chord_bars
