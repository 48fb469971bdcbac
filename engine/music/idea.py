"""The idea: key, tempo, meter, sections, block chords and a single-line melody.

Time is counted in *ticks* of ``TICKS_PER_BEAT`` per quarter note (12: holds 16ths,
8th and 16th triplets exactly). Onsets are absolute from the start of the idea.
Everything here is a frozen dataclass or a pure function; the token encoding of an
idea is in ``engine.tokens``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from . import chords as ch

_spelling = lru_cache(maxsize=24)(ch.key_spelling)

TICKS_PER_BEAT = 12
MAX_DURATION = 8 * TICKS_PER_BEAT  # longest note or chord, in ticks (2 bars of 4/4)
MAX_SECTION_BARS = 32
MELODY_RANGE = (36, 96)  # inclusive MIDI pitches
VOICING_RANGE = (21, 76)  # inclusive MIDI pitches of chord voicings
MAX_VOICES = 6
VELOCITIES = tuple(range(15, 128, 8))  # 16 levels: 15, 23, ..., 127
TEMPO_RANGE = (40, 240)  # inclusive bpm
METERS: tuple[tuple[int, int], ...] = (
    (4, 4),
    (3, 4),
    (2, 4),
    (2, 2),
    (3, 2),
    (5, 4),
    (6, 4),
    (7, 4),
    (3, 8),
    (6, 8),
    (7, 8),
    (9, 8),
    (12, 8),
)
SECTION_NAMES = ("verse", "chorus")
MODES = ("major", "minor")


def bar_ticks(meter: tuple[int, int]) -> int:
    """Length of one bar in ticks."""
    num, den = meter
    return num * TICKS_PER_BEAT * 4 // den


def beat_ticks(meter: tuple[int, int]) -> int:
    """Length of the felt beat in ticks (a dotted quarter in compound x/8 meters)."""
    num, den = meter
    if den == 8 and num % 3 == 0 and num > 3:
        return 3 * TICKS_PER_BEAT // 2
    return TICKS_PER_BEAT * 4 // den


MAX_BAR_TICKS = max(bar_ticks(m) for m in METERS)


def quantize_velocity(velocity: int) -> int:
    """Nearest level of ``VELOCITIES`` (the only velocities an idea holds)."""
    return min(VELOCITIES, key=lambda level: (abs(level - velocity), level))


@dataclass(frozen=True, order=True)
class Key:
    """A key: tonic pitch class (0 = C) and mode ('major' or 'minor')."""

    tonic: int
    mode: str = "major"

    def __post_init__(self) -> None:
        if not 0 <= self.tonic < 12 or self.mode not in MODES:
            raise ValueError(f"bad key {self.tonic!r} {self.mode!r}")

    @property
    def flats(self) -> bool:
        return ch.uses_flats(self.tonic, self.mode)

    @property
    def spelling(self) -> tuple[str, ...]:
        """Names of the twelve pitch classes in this key (Cb, not B, in Gb major)."""
        return _spelling(self.tonic, self.mode)

    @property
    def name(self) -> str:
        """Short name: 'C', 'F#m', 'Bb'."""
        return ch.pc_name(self.tonic, self.flats) + ("m" if self.mode == "minor" else "")

    @property
    def long_name(self) -> str:
        return f"{ch.pc_name(self.tonic, self.flats)} {self.mode}"

    @property
    def scale(self) -> frozenset[int]:
        """Pitch classes of the key (natural minor plus the raised 7th in minor)."""
        steps = (0, 2, 4, 5, 7, 9, 11) if self.mode == "major" else (0, 2, 3, 5, 7, 8, 10, 11)
        return frozenset((self.tonic + s) % 12 for s in steps)

    @classmethod
    def parse(cls, text: str) -> "Key":
        """'C', 'Am' (or 'am'), 'F# minor', 'Bb major', 'eb' (a lower-case name alone is minor, as
        in music21)."""
        text = text.strip()
        parts = text.split()
        if len(parts) == 2:
            mode = parts[1].lower()
            if mode not in MODES:
                raise ValueError(f"not a key: {text!r}")
            return cls(ch.parse_pc(parts[0][0].upper() + parts[0][1:]), mode)
        if len(parts) != 1:
            raise ValueError(f"not a key: {text!r}")
        name = parts[0]
        if name.endswith("m") and len(name) > 1:  # 'Am', and as typed in a hurry, 'am'
            return cls(ch.parse_pc(name[0].upper() + name[1:-1]), "minor")
        if name[0].islower():
            return cls(ch.parse_pc(name[0].upper() + name[1:]), "minor")
        return cls(ch.parse_pc(name), "major")

    def transposed(self, semitones: int) -> "Key":
        return Key((self.tonic + semitones) % 12, self.mode)


ALL_KEYS: tuple[Key, ...] = tuple(Key(t, m) for m in MODES for t in range(12))


@dataclass(frozen=True)
class Note:
    """A melody note: MIDI pitch, onset and duration in ticks, velocity 1-127."""

    pitch: int
    onset: int
    duration: int
    velocity: int = 87

    @property
    def end(self) -> int:
        return self.onset + self.duration


@dataclass(frozen=True)
class Chord:
    """A block chord: symbol (root pitch class + quality), onset and duration in ticks,
    and its voicing (ascending MIDI pitches in the low register)."""

    root: int
    quality: str
    onset: int
    duration: int
    voicing: tuple[int, ...]

    @property
    def end(self) -> int:
        return self.onset + self.duration

    def symbol(self, flats: "bool | Sequence[str]" = False) -> str:
        """'Am7'; ``flats``: flat names, or a key's spelling (``Key.spelling``)."""
        return ch.symbol(self.root, self.quality, flats)

    def display(self, flats: "bool | Sequence[str]" = False) -> str:
        return ch.display_symbol(self.root, self.quality, self.voicing, flats)


@dataclass(frozen=True)
class Section:
    """A named run of whole bars ('verse' or 'chorus')."""

    name: str
    bars: int


@dataclass(frozen=True)
class Idea:
    """A short piece: key, tempo (bpm), meter, sections, chords and a single-line melody."""

    key: Key
    tempo: int
    meter: tuple[int, int]
    sections: tuple[Section, ...]
    chords: tuple[Chord, ...]
    melody: tuple[Note, ...]
    name: str = field(default="", compare=False)

    @property
    def bar_ticks(self) -> int:
        return bar_ticks(self.meter)

    @property
    def bars(self) -> int:
        return sum(s.bars for s in self.sections)

    @property
    def total_ticks(self) -> int:
        return self.bars * self.bar_ticks

    def section_spans(self) -> list[tuple[Section, int, int]]:
        """(section, start tick, end tick) for each section."""
        spans, start = [], 0
        for section in self.sections:
            end = start + section.bars * self.bar_ticks
            spans.append((section, start, end))
            start = end
        return spans

    def chord_symbols(self, section: str | None = None) -> list[str]:
        """Chord symbols in order (of one section when given), repeats of the same chord merged."""
        out: list[str] = []
        spans = [(start, end) for s, start, end in self.section_spans() if s.name == section]
        for chord in self.chords:
            if section is not None and not any(start <= chord.onset < end for start, end in spans):
                continue
            text = chord.symbol(self.key.spelling)
            if not out or out[-1] != text:
                out.append(text)
        return out

    def from_bar(self, bar: int) -> "Idea":
        """The idea from the start of ``bar`` (0-based) on, as heard when playback starts
        there: chords and notes already sounding begin at that bar line, the sections lose the
        bars before it."""
        bar = max(0, min(bar, self.bars - 1))
        start = bar * self.bar_ticks
        if start == 0:
            return self

        def cut(onset: int, end: int) -> tuple[int, int] | None:
            return None if end <= start else (max(onset, start) - start, end - max(onset, start))

        sections, skip = [], bar
        for section in self.sections:
            kept = section.bars - min(skip, section.bars)
            skip -= section.bars - kept
            if kept:
                sections.append(Section(section.name, kept))
        chords = tuple(
            replace(c, onset=span[0], duration=span[1])
            for c in self.chords
            if (span := cut(c.onset, c.end)) is not None
        )
        melody = tuple(
            replace(n, onset=span[0], duration=span[1])
            for n in self.melody
            if (span := cut(n.onset, n.end)) is not None
        )
        return replace(self, sections=tuple(sections), chords=chords, melody=melody)

    def with_name(self, name: str) -> "Idea":
        return replace(self, name=name)

    def transposed(self, semitones: int) -> "Idea":
        """The idea moved by ``semitones`` (pitches and key). May leave the ranges."""
        return replace(
            self,
            key=self.key.transposed(semitones),
            chords=tuple(
                Chord(
                    (c.root + semitones) % 12,
                    c.quality,
                    c.onset,
                    c.duration,
                    tuple(p + semitones for p in c.voicing),
                )
                for c in self.chords
            ),
            melody=tuple(Note(n.pitch + semitones, n.onset, n.duration, n.velocity) for n in self.melody),
        )

    def fits_ranges(self) -> bool:
        lo, hi = MELODY_RANGE
        vlo, vhi = VOICING_RANGE
        return all(lo <= n.pitch <= hi for n in self.melody) and all(
            vlo <= p <= vhi for c in self.chords for p in c.voicing
        )

    def validate(self) -> None:
        """Raise ValueError unless the idea is well formed (and so encodable)."""
        if self.meter not in METERS:
            raise ValueError(f"unsupported meter {self.meter}")
        if not TEMPO_RANGE[0] <= self.tempo <= TEMPO_RANGE[1]:
            raise ValueError(f"tempo {self.tempo} outside {TEMPO_RANGE}")
        if not self.sections:
            raise ValueError("an idea needs at least one section")
        for s in self.sections:
            if s.name not in SECTION_NAMES or not 1 <= s.bars <= MAX_SECTION_BARS:
                raise ValueError(f"bad section {s}")
        bar = self.bar_ticks
        spans = self.section_spans()
        prev_end = 0
        for c in sorted(self.chords, key=lambda c: c.onset):
            if c.onset < prev_end:
                raise ValueError(f"chords overlap at tick {c.onset}")
            if not 1 <= c.duration <= MAX_DURATION or c.onset < 0:
                raise ValueError(f"bad chord timing {c}")
            if c.onset // bar != (c.end - 1) // bar:
                raise ValueError(f"chord crosses a bar line at tick {c.onset}")
            if c.end > self.total_ticks:
                raise ValueError("chord past the end")
            if c.quality not in ch.QUALITIES or not 0 <= c.root < 12:
                raise ValueError(f"bad chord symbol {c}")
            v = c.voicing
            if (
                not 2 <= len(v) <= MAX_VOICES
                or list(v) != sorted(set(v))
                or not (VOICING_RANGE[0] <= v[0] and v[-1] <= VOICING_RANGE[1])
            ):
                raise ValueError(f"bad voicing {v}")
            prev_end = c.end
        prev_end = 0
        for n in sorted(self.melody, key=lambda n: n.onset):
            if n.onset < prev_end:
                raise ValueError(f"melody notes overlap at tick {n.onset}")
            if not 1 <= n.duration <= MAX_DURATION or n.onset < 0:
                raise ValueError(f"bad note timing {n}")
            if not MELODY_RANGE[0] <= n.pitch <= MELODY_RANGE[1]:
                raise ValueError(f"melody pitch {n.pitch} outside {MELODY_RANGE}")
            if n.velocity not in VELOCITIES:
                raise ValueError(f"velocity {n.velocity} not one of {VELOCITIES}")
            section_end = (
                next(end for _, start, end in spans if start <= n.onset < end)
                if n.onset < self.total_ticks
                else -1
            )
            if n.end > section_end:
                raise ValueError(f"melody note at tick {n.onset} runs past its section")
            prev_end = n.end


# ---------------------------------------------------------------------------
# Plain-data form (JSON), for caches and the idea library.


def idea_to_data(idea: Idea) -> dict:
    """A JSON-ready dict of the idea (lossless)."""
    return {
        "name": idea.name,
        "key": [idea.key.tonic, idea.key.mode],
        "tempo": idea.tempo,
        "meter": list(idea.meter),
        "sections": [[s.name, s.bars] for s in idea.sections],
        "chords": [[c.root, c.quality, c.onset, c.duration, list(c.voicing)] for c in idea.chords],
        "melody": [[n.pitch, n.onset, n.duration, n.velocity] for n in idea.melody],
    }


def idea_from_data(data: dict) -> Idea:
    """The idea of :func:`idea_to_data` output (ValueError/KeyError/TypeError if malformed)."""
    return Idea(
        Key(int(data["key"][0]), str(data["key"][1])),
        int(data["tempo"]),
        (int(data["meter"][0]), int(data["meter"][1])),
        tuple(Section(str(n), int(b)) for n, b in data["sections"]),
        tuple(
            Chord(int(r), str(q), int(o), int(d), tuple(int(p) for p in v))
            for r, q, o, d, v in data["chords"]
        ),
        tuple(Note(int(p), int(o), int(d), int(v)) for p, o, d, v in data["melody"]),
        str(data.get("name", "")),
    )


def move_to_key(idea: Idea, key: Key) -> Idea:
    """The idea transposed so its tonic becomes ``key``'s (same mode required), by the
    smallest shift that keeps every pitch in range (an octave further if needed)."""
    if key.mode != idea.key.mode:
        raise ValueError(f"cannot move a {idea.key.mode} idea to {key.long_name}")
    base = (key.tonic - idea.key.tonic) % 12
    if base > 6:
        base -= 12
    for shift in (base, base - 12 if base > 0 else base + 12, base + 12, base - 12):
        moved = idea.transposed(shift)
        if moved.fits_ranges():
            return moved
    raise ValueError(f"{idea.name or 'idea'} does not fit the pitch ranges in {key.long_name}")


def home_key(mode: str) -> Key:
    """The key that key-normalised models work in: C major or A minor."""
    return Key(0, "major") if mode == "major" else Key(9, "minor")
