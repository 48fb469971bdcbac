"""The idea (chords + melody + sections) and its lossless token encoding.

Time is counted in *ticks* of ``TICKS_PER_BEAT`` per quarter note (12: holds 16ths,
8th and 16th triplets exactly). Onsets are absolute from the start of the idea.

Token grammar (one sequence per idea or song; REMI-like, Huang & Yang 2020)::

    BOS KEY_k METER_m TEMPO_t
    ( SEC_name BARS_n ( BAR ( POS_p [CHORD_c BASS_b (UP2_g_h | UP_g)+ [DUR_d]]
                                    [[VEL_v] P_n [DUR_d]] )* ){n} )+
    EOS

Within a bar, each onset position appears once (POS_p, p rising); the chord that starts
there comes before the melody note that starts there. A voicing is its lowest pitch then the
gaps upwards, two stacked gaps per UP2 token. Durations are implicit where they can be: a
chord holds until the next chord or the bar line, a melody note until the next note or the
end of its section; DUR_d is written only for a shorter event (then a rest follows). VEL_v
is written only when the melody's velocity changes. In the built-in corpus this takes a
third fewer tokens than spelling every voice and duration (27 -> 18 per bar), and
generation time is proportional to tokens.
The same :class:`Grammar` state machine decodes tokens and constrains generation.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from . import chords as ch

_spelling = lru_cache(maxsize=24)(ch.key_spelling)

TICKS_PER_BEAT = 12
MAX_DURATION = 8 * TICKS_PER_BEAT          # longest note or chord, in ticks (2 bars of 4/4)
MAX_SECTION_BARS = 32
MELODY_RANGE = (36, 96)                     # inclusive MIDI pitches
VOICING_RANGE = (21, 76)                    # inclusive MIDI pitches of chord voicings
MAX_VOICES = 6
VELOCITIES = tuple(range(15, 128, 8))       # 16 levels: 15, 23, ..., 127
TEMPO_RANGE = (40, 240)                     # inclusive bpm
METERS: tuple[tuple[int, int], ...] = (
    (4, 4), (3, 4), (2, 4), (2, 2), (3, 2), (5, 4), (6, 4), (7, 4),
    (3, 8), (6, 8), (7, 8), (9, 8), (12, 8))
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
        """'C', 'Am', 'F# minor', 'Bb major', 'eb' (lower case = minor, as music21)."""
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
        if name.endswith("m") and len(name) > 1:
            return cls(ch.parse_pc(name[:-1]), "minor")
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

    def with_name(self, name: str) -> "Idea":
        return replace(self, name=name)

    def transposed(self, semitones: int) -> "Idea":
        """The idea moved by ``semitones`` (pitches and key). May leave the ranges."""
        return replace(
            self, key=self.key.transposed(semitones),
            chords=tuple(Chord((c.root + semitones) % 12, c.quality, c.onset, c.duration,
                               tuple(p + semitones for p in c.voicing)) for c in self.chords),
            melody=tuple(Note(n.pitch + semitones, n.onset, n.duration, n.velocity) for n in self.melody))

    def fits_ranges(self) -> bool:
        lo, hi = MELODY_RANGE
        vlo, vhi = VOICING_RANGE
        return all(lo <= n.pitch <= hi for n in self.melody) and all(
            vlo <= p <= vhi for c in self.chords for p in c.voicing)

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
            if not 2 <= len(v) <= MAX_VOICES or list(v) != sorted(set(v)) or not (
                    VOICING_RANGE[0] <= v[0] and v[-1] <= VOICING_RANGE[1]):
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
            section_end = next(end for _, start, end in spans if start <= n.onset < end) \
                if n.onset < self.total_ticks else -1
            if n.end > section_end:
                raise ValueError(f"melody note at tick {n.onset} runs past its section")
            prev_end = n.end


# ---------------------------------------------------------------------------
# Vocabulary: fixed by the representation, never read off data.

ENCODING_VERSION = 2      # 1: every voice and duration spelled out; 2: implicit durations, voicing gaps
PAIR_GAP_MAX = 16         # an UP2 token stacks two gaps of 1..16 semitones each
VOICING_SPAN = VOICING_RANGE[1] - VOICING_RANGE[0]     # the widest single gap (UP_55)
SPECIALS = ("PAD", "BOS", "EOS", "BAR")


class Vocab:
    """Token strings <-> ids, with the id ranges of each token family."""

    def __init__(self) -> None:
        tokens: list[str] = list(SPECIALS)
        self.ranges: dict[str, tuple[int, int]] = {}

        def family(name: str, items: Iterable[str]) -> None:
            start = len(tokens)
            tokens.extend(items)
            self.ranges[name] = (start, len(tokens))

        family("KEY", (f"KEY_{k.name}" for k in ALL_KEYS))
        family("METER", (f"METER_{n}/{d}" for n, d in METERS))
        family("TEMPO", (f"TEMPO_{t}" for t in range(TEMPO_RANGE[0], TEMPO_RANGE[1] + 1)))
        family("SEC", (f"SEC_{s}" for s in SECTION_NAMES))
        family("BARS", (f"BARS_{n}" for n in range(1, MAX_SECTION_BARS + 1)))
        family("POS", (f"POS_{p}" for p in range(MAX_BAR_TICKS)))
        family("CHORD", (f"CHORD_{ch.SHARP_NAMES[r]}{q}" for q in ch.QUALITY_NAMES for r in range(12)))
        family("BASS", (f"BASS_{p}" for p in range(VOICING_RANGE[0], VOICING_RANGE[1] + 1)))
        family("UP", (f"UP_{g}" for g in range(1, VOICING_SPAN + 1)))
        family("UP2", (f"UP2_{a}_{b}" for a in range(1, PAIR_GAP_MAX + 1)
                       for b in range(1, PAIR_GAP_MAX + 1)))
        family("VEL", (f"VEL_{v}" for v in VELOCITIES))
        family("P", (f"P_{p}" for p in range(MELODY_RANGE[0], MELODY_RANGE[1] + 1)))
        family("DUR", (f"DUR_{d}" for d in range(1, MAX_DURATION + 1)))
        self.tokens = tuple(tokens)
        self.index = {t: i for i, t in enumerate(tokens)}
        self.PAD, self.BOS, self.EOS, self.BAR = 0, 1, 2, 3
        # per-token family and offset, for decoding without searching the ranges
        family_of: list[str] = list(SPECIALS)
        offset_of: list[int] = [0] * len(SPECIALS)
        for name, (start, end) in self.ranges.items():
            family_of += [name] * (end - start)
            offset_of += list(range(end - start))
        self.token_family = tuple(family_of)
        self.token_offset = tuple(offset_of)
        # semitones a gap token adds on top of a voicing (for register limits)
        self.up_rise = np.arange(1, VOICING_SPAN + 1)
        a, b = np.divmod(np.arange(PAIR_GAP_MAX * PAIR_GAP_MAX), PAIR_GAP_MAX)
        self.up2_rise = a + b + 2

    def __len__(self) -> int:
        return len(self.tokens)

    def id(self, family: str, offset: int) -> int:
        start, end = self.ranges[family]
        if not 0 <= offset < end - start:
            raise ValueError(f"{family} offset {offset} out of range")
        return start + offset

    def family_of(self, token: int) -> tuple[str, int]:
        """(family, offset) of a token id; specials give (name, 0)."""
        if not 0 <= token < len(self.tokens):
            raise ValueError(f"token id {token} out of range")
        return self.token_family[token], self.token_offset[token]

    # Token constructors for the encoder.
    def key(self, key: Key) -> int:
        return self.id("KEY", MODES.index(key.mode) * 12 + key.tonic)

    def meter(self, meter: tuple[int, int]) -> int:
        return self.id("METER", METERS.index(meter))

    def tempo(self, bpm: int) -> int:
        return self.id("TEMPO", bpm - TEMPO_RANGE[0])

    def sec(self, name: str) -> int:
        return self.id("SEC", SECTION_NAMES.index(name))

    def bars(self, n: int) -> int:
        return self.id("BARS", n - 1)

    def pos(self, p: int) -> int:
        return self.id("POS", p)

    def chord(self, root: int, quality: str) -> int:
        return self.id("CHORD", ch.QUALITY_NAMES.index(quality) * 12 + root)

    def bass(self, pitch: int) -> int:
        return self.id("BASS", pitch - VOICING_RANGE[0])

    def up(self, gap: int) -> int:
        return self.id("UP", gap - 1)

    def up2(self, lower: int, upper: int) -> int:
        if not (1 <= lower <= PAIR_GAP_MAX and 1 <= upper <= PAIR_GAP_MAX):
            raise ValueError(f"UP2 gaps {lower}, {upper} out of range")
        return self.id("UP2", (lower - 1) * PAIR_GAP_MAX + upper - 1)

    def vel(self, velocity: int) -> int:
        return self.id("VEL", VELOCITIES.index(velocity))

    def pitch(self, pitch: int) -> int:
        return self.id("P", pitch - MELODY_RANGE[0])

    def dur(self, ticks: int) -> int:
        return self.id("DUR", ticks - 1)

    def voicing(self, pitches: Sequence[int]) -> list[int]:
        """The tokens of a voicing: its bass, then the gaps upwards, two at a time (UP2)
        while both gaps are at most PAIR_GAP_MAX, else one (UP)."""
        gaps = [b - a for a, b in zip(pitches, pitches[1:])]
        out = [self.bass(pitches[0])]
        i = 0
        while i < len(gaps):
            if i + 1 < len(gaps) and gaps[i] <= PAIR_GAP_MAX and gaps[i + 1] <= PAIR_GAP_MAX:
                out.append(self.up2(gaps[i], gaps[i + 1]))
                i += 2
            else:
                out.append(self.up(gaps[i]))
                i += 1
        return out


VOCAB = Vocab()
_VOICING_FAMILIES = frozenset(("BASS", "UP", "UP2"))


def implicit_chord_end(chord_onset: int, next_onset: int | None, bar: int) -> int:
    """Where a chord ends when its duration is not written: at the next chord or the bar line."""
    bar_end = (chord_onset // bar + 1) * bar
    return min(bar_end, chord_onset + MAX_DURATION, next_onset if next_onset is not None else bar_end)


def implicit_note_end(onset: int, next_onset: int | None, section_end: int) -> int:
    """Where a melody note ends when its duration is not written: at the next melody note
    or the end of its section, and at most MAX_DURATION after its onset."""
    end = min(section_end, onset + MAX_DURATION)
    return min(end, next_onset) if next_onset is not None else end


def implicit_durations(idea: Idea) -> tuple[dict[int, bool], dict[int, bool]]:
    """For each chord and each melody note, by onset: whether its duration is the implicit
    one (then the encoding leaves its DUR out)."""
    bar = idea.bar_ticks
    chords = sorted(idea.chords, key=lambda c: c.onset)
    notes = sorted(idea.melody, key=lambda n: n.onset)
    section_ends = [end for _, _, end in idea.section_spans()]
    chord_implicit = {}
    for i, c in enumerate(chords):
        nxt = chords[i + 1].onset if i + 1 < len(chords) else None
        chord_implicit[c.onset] = implicit_chord_end(c.onset, nxt, bar) == c.end
    note_implicit = {}
    for i, n in enumerate(notes):
        nxt = notes[i + 1].onset if i + 1 < len(notes) else None
        section_end = next((e for e in section_ends if n.onset < e), section_ends[-1])
        note_implicit[n.onset] = implicit_note_end(n.onset, nxt, section_end) == n.end
    return chord_implicit, note_implicit


def encode(idea: Idea) -> list[int]:
    """Token ids of an idea (validated first; raises ValueError if it is not well formed).

    A duration is written only where it differs from the implicit one (a chord holds until
    the next chord or the bar line, a note until the next note or the section's end)."""
    idea.validate()
    v = VOCAB
    out = [v.BOS, v.key(idea.key), v.meter(idea.meter), v.tempo(idea.tempo)]
    bar = idea.bar_ticks
    chords = sorted(idea.chords, key=lambda c: c.onset)
    notes = sorted(idea.melody, key=lambda n: n.onset)
    chord_implicit, note_implicit = implicit_durations(idea)
    chords_at = {c.onset: c for c in chords}
    notes_at = {n.onset: n for n in notes}
    onsets = sorted(set(chords_at) | set(notes_at))
    velocity = None
    i = 0
    bar_index = 0
    for section in idea.sections:
        out += [v.sec(section.name), v.bars(section.bars)]
        for _ in range(section.bars):
            out.append(v.BAR)
            start, end = bar_index * bar, (bar_index + 1) * bar
            while i < len(onsets) and onsets[i] < end:
                t = onsets[i]
                out.append(v.pos(t - start))
                c = chords_at.get(t)
                if c is not None:
                    out.append(v.chord(c.root, c.quality))
                    out += v.voicing(c.voicing)
                    if not chord_implicit[t]:
                        out.append(v.dur(c.duration))
                n = notes_at.get(t)
                if n is not None:
                    if n.velocity != velocity:
                        out.append(v.vel(n.velocity))
                        velocity = n.velocity
                    out.append(v.pitch(n.pitch))
                    if not note_implicit[t]:
                        out.append(v.dur(n.duration))
                i += 1
            bar_index += 1
    out.append(v.EOS)
    return out


class Grammar:
    """The token grammar as a state machine: what may come next, and decoding.

    ``allowed()`` gives a boolean mask over the vocabulary; ``feed(token)`` advances
    (raising ValueError for a token the grammar forbids). Controls narrow the choices
    for generation: a fixed key/meter/tempo, and a fixed section plan.

    A chord or note whose duration is not written stays *open* until the event that ends
    it (the next chord or note, a bar line for chords, the section's end for notes).
    """

    def __init__(self, key: Key | None = None, meter: tuple[int, int] | None = None,
                 tempo: int | None = None, plan: Sequence[Section] | None = None) -> None:
        self.v = VOCAB
        self.fixed_key, self.fixed_meter, self.fixed_tempo = key, meter, tempo
        self.plan = tuple(plan) if plan is not None else None
        self.state = "start"
        self.key: Key | None = None
        self.meter: tuple[int, int] | None = None
        self.tempo: int | None = None
        self.sections: list[Section] = []
        self.section_name: str | None = None
        self.section_start_bar = 0
        self.bars_in_section = 0          # BAR tokens seen in the current section
        self.bar_start = 0                # tick of the current bar
        self.bar_len = 0
        self.pos = -1                     # position of the current event within the bar
        self.chord_free = 0               # tick when the chord part may start a chord again
        self.melody_free = 0
        self.velocity: int | None = None
        self.voicing: list[int] = []
        self.voicing_tokens = 0           # tokens of the voicing being read
        self.chord_symbol: tuple[int, str] | None = None
        self.pending_pitch: int | None = None
        self.open_chord: tuple[int, str, int, tuple[int, ...]] | None = None   # root, quality, onset, voicing
        self.open_note: tuple[int, int, int] | None = None                     # pitch, onset, velocity
        self.chords: list[Chord] = []
        self.melody: list[Note] = []
        self.done = False

    # -- helpers -------------------------------------------------------
    @property
    def tick(self) -> int:
        return self.bar_start + self.pos

    def _section_end(self) -> int:
        assert self.meter is not None
        return (self.section_start_bar + self.sections[-1].bars) * self.bar_len

    def _section_complete(self) -> bool:
        return bool(self.sections) and self.bars_in_section == self.sections[-1].bars

    def _end_of_bar_tokens(self) -> list[int]:
        """Tokens that may close the current bar."""
        if not self._section_complete():
            return [self.v.BAR]
        if self.plan is not None:
            if len(self.sections) < len(self.plan):
                return [self.v.sec(self.plan[len(self.sections)].name)]
            return [self.v.EOS]
        return [self.v.sec(s) for s in SECTION_NAMES] + [self.v.EOS]

    def can_close_bar(self) -> bool:
        """Whether the bar may end after the tokens read so far."""
        return self.state in ("in_bar", "after_chord", "note_dur") or (
            self.state == "voicing" and len(self.voicing) >= 2)

    def end_of_bar_tokens(self) -> list[int]:
        """Public view of the tokens that may close the current bar (for generation)."""
        return self._end_of_bar_tokens() if self.can_close_bar() else []

    def _range_mask(self, mask: np.ndarray, family: str, lo: int, hi: int) -> None:
        start, end = self.v.ranges[family]
        lo, hi = max(lo, 0), min(hi, end - start)
        if lo < hi:
            mask[start + lo:start + hi] = True

    def allowed(self) -> np.ndarray:
        """Boolean mask of the tokens the grammar accepts next."""
        mask = np.zeros(len(self.v), dtype=bool)
        v, s = self.v, self.state
        if s == "start":
            mask[v.BOS] = True
        elif s == "key":
            if self.fixed_key is not None:
                mask[v.key(self.fixed_key)] = True
            else:
                self._range_mask(mask, "KEY", 0, 24)
        elif s == "meter":
            if self.fixed_meter is not None:
                mask[v.meter(self.fixed_meter)] = True
            else:
                self._range_mask(mask, "METER", 0, len(METERS))
        elif s == "tempo":
            if self.fixed_tempo is not None:
                mask[v.tempo(self.fixed_tempo)] = True
            else:
                self._range_mask(mask, "TEMPO", 0, TEMPO_RANGE[1] - TEMPO_RANGE[0] + 1)
        elif s == "section":
            if self.plan is not None:
                mask[v.sec(self.plan[0].name)] = True
            else:
                self._range_mask(mask, "SEC", 0, len(SECTION_NAMES))
        elif s == "bars":
            if self.plan is not None:
                mask[v.bars(self.plan[len(self.sections) - 1].bars)] = True
            else:
                self._range_mask(mask, "BARS", 0, MAX_SECTION_BARS)
        elif s == "first_bar":
            mask[v.BAR] = True
        elif s in ("in_bar", "after_chord"):
            self._continue_mask(mask, s == "after_chord")
        elif s == "at_pos":
            tick = self.tick
            if self.chord_free <= tick:
                self._range_mask(mask, "CHORD", 0, 12 * len(ch.QUALITY_NAMES))
            if self.melody_free <= tick:
                self._melody_start_mask(mask)
        elif s == "voicing":
            n = len(self.voicing)
            if n == 0:
                self._range_mask(mask, "BASS", 0, VOICING_SPAN)   # room for a voice above
            else:
                room = VOICING_RANGE[1] - self.voicing[-1]
                if n < MAX_VOICES:
                    self._range_mask(mask, "UP", 0, room)
                if n + 2 <= MAX_VOICES:
                    start, end = v.ranges["UP2"]
                    mask[start:end] = v.up2_rise <= room
            if n >= 2:
                self._range_mask(mask, "DUR", 0, min(MAX_DURATION, self.bar_len - self.pos))
                self._continue_mask(mask, True)
        elif s == "pitch":
            self._range_mask(mask, "P", 0, MELODY_RANGE[1] - MELODY_RANGE[0] + 1)
        elif s == "note_dur":
            self._range_mask(mask, "DUR", 0, min(MAX_DURATION, self._section_end() - self.tick))
            self._continue_mask(mask, False)
        return mask

    def _continue_mask(self, mask: np.ndarray, after_chord: bool) -> None:
        """What may follow a finished event: a melody note at the chord's position (after a
        chord), a later position where a part is free, or the end of the bar."""
        if after_chord and self.melody_free <= self.tick:
            self._melody_start_mask(mask)
        earliest = max(self.pos + 1, min(self.chord_free, self.melody_free) - self.bar_start)
        self._range_mask(mask, "POS", earliest, self.bar_len)
        for t in self._end_of_bar_tokens():
            mask[t] = True

    def _melody_start_mask(self, mask: np.ndarray) -> None:
        """A melody note may start: a pitch (once a velocity is set) or a velocity change."""
        if self.velocity is not None:
            self._range_mask(mask, "P", 0, MELODY_RANGE[1] - MELODY_RANGE[0] + 1)
        self._range_mask(mask, "VEL", 0, len(VELOCITIES))
        if self.velocity is not None:
            mask[self.v.vel(self.velocity)] = False   # VEL only marks a change

    # -- open events -----------------------------------------------------
    def _close_chord(self, end: int) -> None:
        if self.open_chord is not None:
            root, quality, onset, voicing = self.open_chord
            self.chords.append(Chord(root, quality, onset, end - onset, voicing))
            self.open_chord = None

    def _close_note(self, end: int) -> None:
        if self.open_note is not None:
            pitch, onset, velocity = self.open_note
            self.melody.append(Note(pitch, onset, min(end, onset + MAX_DURATION) - onset, velocity))
            self.open_note = None

    def sounding_chord_top(self, tick: int) -> int | None:
        """Top voice of the chord sounding at ``tick`` (the one being voiced counts)."""
        if self.state == "voicing" and self.voicing:
            return self.voicing[-1]
        if self.open_chord is not None and self.open_chord[2] <= tick:
            return self.open_chord[3][-1]
        for c in reversed(self.chords[-2:]):
            if c.onset <= tick < c.end:
                return c.voicing[-1]
        return None

    def sounding_note(self, tick: int) -> int | None:
        """Pitch of the melody note sounding at ``tick``, if any."""
        if self.open_note is not None:
            pitch, onset, _ = self.open_note
            return pitch if onset <= tick < onset + MAX_DURATION else None
        if self.melody and self.melody[-1].onset <= tick < self.melody[-1].end:
            return self.melody[-1].pitch
        return None

    def feed(self, token: int, check: bool = True) -> None:
        """Advance by one token; ValueError if the grammar forbids it here.

        ``check=False`` skips the test for a token already drawn from ``allowed()``.
        """
        if self.done:
            raise ValueError("tokens after EOS")
        if not (0 <= token < len(self.v)) or (check and not self._accepts(token)):
            name = self.v.tokens[token] if 0 <= token < len(self.v) else str(token)
            raise ValueError(f"token {name} not allowed in state {self.state!r}")
        fam, off = self.v.token_family[token], self.v.token_offset[token]
        s = self.state
        if s == "voicing" and fam != "DUR" and fam not in _VOICING_FAMILIES:
            assert self.chord_symbol is not None
            self.open_chord = (*self.chord_symbol, self.tick, tuple(self.voicing))
            self.chord_free = self.tick + 1
            s = self.state = "after_chord"
        elif s == "note_dur" and fam != "DUR":
            assert self.pending_pitch is not None and self.velocity is not None
            self.open_note = (self.pending_pitch, self.tick, self.velocity)
            self.melody_free = self.tick + 1
            s = self.state = "in_bar"
        # the most frequent families first: this runs once per token of every idea
        if fam == "POS":
            self.pos = off
            self.state = "at_pos"
        elif fam == "P":
            self._close_note(self.tick)
            self.pending_pitch = MELODY_RANGE[0] + off
            self.state = "note_dur"
        elif fam == "CHORD":
            self._close_chord(self.tick)
            self.chord_symbol = (off % 12, ch.QUALITY_NAMES[off // 12])
            self.voicing = []
            self.voicing_tokens = 0
            self.state = "voicing"
        elif fam == "BASS":
            self.voicing.append(VOICING_RANGE[0] + off)
            self.voicing_tokens += 1
        elif fam == "UP2":
            lower, upper = divmod(off, PAIR_GAP_MAX)
            self.voicing.append(self.voicing[-1] + lower + 1)
            self.voicing.append(self.voicing[-1] + upper + 1)
            self.voicing_tokens += 1
        elif fam == "BAR":
            self._close_chord(self.bar_start + self.bar_len)
            self.bar_start = (self.section_start_bar + self.bars_in_section) * self.bar_len
            self.bars_in_section += 1
            self.pos = -1
            self.state = "in_bar"
        elif fam == "UP":
            self.voicing.append(self.voicing[-1] + off + 1)
            self.voicing_tokens += 1
        elif fam == "DUR" and s == "voicing":
            assert self.chord_symbol is not None
            tick = self.tick
            self.chords.append(Chord(self.chord_symbol[0], self.chord_symbol[1], tick, off + 1,
                                     tuple(self.voicing)))
            self.chord_free = tick + off + 1
            self.state = "after_chord"
        elif fam == "DUR":                          # a melody note's written duration
            assert self.pending_pitch is not None and self.velocity is not None
            tick = self.tick
            self.melody.append(Note(self.pending_pitch, tick, off + 1, self.velocity))
            self.melody_free = tick + off + 1
            self.state = "in_bar"
        elif fam == "VEL":
            self._close_note(self.tick)
            self.velocity = VELOCITIES[off]
            self.state = "pitch"
        elif fam == "SEC" or fam == "EOS":
            if self.sections:                      # the last bar of a section ends here
                self._close_chord(self.bar_start + self.bar_len)
                self._close_note(self._section_end())
            if fam == "EOS":
                self.done = True
                self.state = "done"
            else:
                self.section_name = SECTION_NAMES[off]
                self.state = "bars"
        elif fam == "BARS":
            self.section_start_bar = sum(x.bars for x in self.sections)
            self.sections.append(Section(self.section_name or "verse", off + 1))
            self.bars_in_section = 0
            self.state = "first_bar"
        elif fam == "BOS":
            self.state = "key"
        elif fam == "KEY":
            self.key = ALL_KEYS[off]
            self.state = "meter"
        elif fam == "METER":
            self.meter = METERS[off]
            self.bar_len = bar_ticks(self.meter)
            self.state = "tempo"
        elif fam == "TEMPO":
            self.tempo = TEMPO_RANGE[0] + off
            self.state = "section"
        else:                                       # PAD
            raise ValueError(f"token {self.v.tokens[token]} not allowed in state {s!r}")

    def _accepts(self, token: int) -> bool:
        return bool(self.allowed()[token])

    def idea(self, name: str = "") -> Idea:
        """The idea decoded so far (requires EOS to have been fed)."""
        if not self.done:
            raise ValueError("token sequence ended before EOS")
        assert self.key is not None and self.meter is not None and self.tempo is not None
        return Idea(self.key, self.tempo, self.meter, tuple(self.sections), tuple(self.chords),
                    tuple(self.melody), name)


def decode(tokens: Sequence[int], name: str = "") -> Idea:
    """The idea of a token sequence; ValueError (with the position) if it breaks the grammar."""
    grammar = Grammar()
    for i, token in enumerate(tokens):
        try:
            grammar.feed(int(token))
        except ValueError as exc:
            raise ValueError(f"at token {i}: {exc}") from None
    if not grammar.done:
        raise ValueError("token sequence ended before EOS")
    return grammar.idea(name)


def token_names(tokens: Iterable[int]) -> list[str]:
    return [VOCAB.tokens[int(t)] for t in tokens]


# ---------------------------------------------------------------------------
# Plain-data form (JSON), for caches and the idea library.

def idea_to_data(idea: Idea) -> dict:
    """A JSON-ready dict of the idea (lossless)."""
    return {
        "name": idea.name, "key": [idea.key.tonic, idea.key.mode], "tempo": idea.tempo,
        "meter": list(idea.meter), "sections": [[s.name, s.bars] for s in idea.sections],
        "chords": [[c.root, c.quality, c.onset, c.duration, list(c.voicing)] for c in idea.chords],
        "melody": [[n.pitch, n.onset, n.duration, n.velocity] for n in idea.melody],
    }


def idea_from_data(data: dict) -> Idea:
    """The idea of :func:`idea_to_data` output (ValueError/KeyError/TypeError if malformed)."""
    return Idea(
        Key(int(data["key"][0]), str(data["key"][1])), int(data["tempo"]),
        (int(data["meter"][0]), int(data["meter"][1])),
        tuple(Section(str(n), int(b)) for n, b in data["sections"]),
        tuple(Chord(int(r), str(q), int(o), int(d), tuple(int(p) for p in v))
              for r, q, o, d, v in data["chords"]),
        tuple(Note(int(p), int(o), int(d), int(v)) for p, o, d, v in data["melody"]),
        str(data.get("name", "")))


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
