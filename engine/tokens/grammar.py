"""The token grammar as a state machine: what may come next, and decoding."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

import numpy as np

from ..music import chords as ch
from ..music.idea import (
    ALL_KEYS,
    MAX_DURATION,
    MAX_SECTION_BARS,
    MAX_VOICES,
    MELODY_RANGE,
    METERS,
    SECTION_NAMES,
    TEMPO_RANGE,
    VELOCITIES,
    VOICING_RANGE,
    Chord,
    Idea,
    Key,
    Note,
    Section,
    bar_ticks,
)
from ..music.motif import LOOKBACK
from .vocab import PAIR_GAP_MAX, STYLES, VOCAB, VOICING_SPAN

_VOICING_FAMILIES = frozenset(("BASS", "UP", "UP2"))


class State(Enum):
    """Where the grammar stands: the header (START .. TEMPO), a section's head (SECTION, BARS,
    FIRST_BAR), inside a bar (IN_BAR .. NOTE_DUR), or DONE after EOS."""

    START = "start"
    STYLE = "style"
    KEY = "key"
    METER = "meter"
    TEMPO = "tempo"
    SECTION = "section"
    BARS = "bars"
    FIRST_BAR = "first_bar"
    IN_BAR = "in_bar"  # after BAR, or after a melody note's duration
    AT_POS = "at_pos"  # a POS token was read: a chord or a note may start here
    VOICING = "voicing"  # reading a chord's voicing (BASS, UP, UP2) or its DUR
    AFTER_CHORD = "after_chord"  # a chord is complete: a note may start at its position
    PITCH = "pitch"  # after VEL: the note's pitch comes next
    NOTE_DUR = "note_dur"  # after a pitch: its DUR, or what follows an open note
    DONE = "done"


BAR_STATES = frozenset(
    (State.IN_BAR, State.AFTER_CHORD, State.AT_POS, State.VOICING, State.PITCH, State.NOTE_DUR)
)


class Grammar:
    """The token grammar as a state machine: what may come next, and decoding.

    ``allowed()`` gives a boolean mask over the vocabulary; ``feed(token)`` advances
    (raising ValueError for a token the grammar forbids). Controls narrow the choices
    for generation: a fixed key/meter/tempo, and a fixed section plan.

    A chord or note whose duration is not written stays *open* until the event that ends
    it (the next chord or note, a bar line for chords, the section's end for notes).
    """

    def __init__(
        self,
        key: Key | None = None,
        meter: tuple[int, int] | None = None,
        tempo: int | None = None,
        plan: Sequence[Section] | None = None,
        style: str | None = None,
    ) -> None:
        self.v = VOCAB
        self.fixed_style = style
        self.style: str | None = None
        self.bar_repeat: tuple[str, int] | None = None  # the current bar's REP marker
        self.marks: dict[int, tuple[str, int]] = {}  # every bar's REP marker, by bar
        self.fixed_key, self.fixed_meter, self.fixed_tempo = key, meter, tempo
        self.plan = tuple(plan) if plan is not None else None
        self.state = State.START
        self.key: Key | None = None
        self.meter: tuple[int, int] | None = None
        self.tempo: int | None = None
        self.sections: list[Section] = []
        self.section_name: str | None = None
        self.section_start_bar = 0
        self.bars_in_section = 0  # BAR tokens seen in the current section
        self.bar_start = 0  # tick of the current bar
        self.bar_len = 0
        self.pos = -1  # position of the current event within the bar
        self.chord_free = 0  # tick when the chord part may start a chord again
        self.melody_free = 0
        self.velocity: int | None = None
        self.voicing: list[int] = []
        self.voicing_tokens = 0  # tokens of the voicing being read
        self.chord_symbol: tuple[int, str] | None = None
        self.pending_pitch: int | None = None
        self.open_chord: tuple[int, str, int, tuple[int, ...]] | None = None  # root, quality, onset, voicing
        self.open_note: tuple[int, int, int] | None = None  # pitch, onset, velocity
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

    def repeat_room(self) -> int:
        """How many bars back a REP marker may point now (0: no marker may come here)."""
        if self.state is not State.IN_BAR or self.pos != -1 or self.bar_repeat is not None:
            return 0
        return min(LOOKBACK, self.bar_start // self.bar_len)

    def can_close_bar(self) -> bool:
        """Whether the bar may end after the tokens read so far."""
        return self.state in (State.IN_BAR, State.AFTER_CHORD, State.NOTE_DUR) or (
            self.state is State.VOICING and len(self.voicing) >= 2
        )

    def end_of_bar_tokens(self) -> list[int]:
        """Public view of the tokens that may close the current bar (for generation)."""
        return self._end_of_bar_tokens() if self.can_close_bar() else []

    def situation(self) -> tuple | None:
        """Everything ``allowed()`` depends on inside a bar besides the fixed controls (and
        nothing more, so that grammars in the same situation can share one mask), or None
        outside a bar. Kept beside ``allowed()``: a change to one is a change to the other."""
        s = self.state
        if s not in BAR_STATES:
            return None
        pos, bar_len = self.pos, self.bar_len
        tick = self.bar_start + pos
        melody_ok = self.melody_free <= tick
        velocity = self.velocity if melody_ok else 0
        if s is State.AT_POS:
            return (s, self.chord_free <= tick, melody_ok, velocity)
        if s is State.PITCH:
            return (s,)
        n = len(self.voicing)
        if s is State.VOICING and n < 2:
            return (s, n, self.voicing[-1] if n else 0)
        closing = (self.bars_in_section == self.sections[-1].bars, len(self.sections))
        earliest = max(pos + 1, min(self.chord_free, self.melody_free) - self.bar_start)
        if s is State.VOICING:
            return (s, n, self.voicing[-1], pos, bar_len, melody_ok, velocity, earliest, closing)
        if s is State.NOTE_DUR:
            return (s, bar_len, earliest, closing, min(self._section_end() - tick, MAX_DURATION))
        if s is State.IN_BAR:
            return (s, bar_len, earliest, closing, self.repeat_room())
        return (s, bar_len, earliest, closing, melody_ok, velocity)  # AFTER_CHORD

    def _range_mask(self, mask: np.ndarray, family: str, lo: int, hi: int) -> None:
        start, end = self.v.ranges[family]
        lo, hi = max(lo, 0), min(hi, end - start)
        if lo < hi:
            mask[start + lo : start + hi] = True

    def allowed(self) -> np.ndarray:
        """Boolean mask of the tokens the grammar accepts next."""
        mask = np.zeros(len(self.v), dtype=bool)
        v, s = self.v, self.state
        if s is State.START:
            mask[v.BOS] = True
        elif s is State.STYLE:
            if self.fixed_style is not None:
                mask[v.style(self.fixed_style)] = True
            else:
                self._range_mask(mask, "STYLE", 0, len(STYLES))
        elif s is State.KEY:
            if self.fixed_key is not None:
                mask[v.key(self.fixed_key)] = True
            else:
                self._range_mask(mask, "KEY", 0, 24)
        elif s is State.METER:
            if self.fixed_meter is not None:
                mask[v.meter(self.fixed_meter)] = True
            else:
                self._range_mask(mask, "METER", 0, len(METERS))
        elif s is State.TEMPO:
            if self.fixed_tempo is not None:
                mask[v.tempo(self.fixed_tempo)] = True
            else:
                self._range_mask(mask, "TEMPO", 0, TEMPO_RANGE[1] - TEMPO_RANGE[0] + 1)
        elif s is State.SECTION:
            if self.plan is not None:
                mask[v.sec(self.plan[0].name)] = True
            else:
                self._range_mask(mask, "SEC", 0, len(SECTION_NAMES))
        elif s is State.BARS:
            if self.plan is not None:
                mask[v.bars(self.plan[len(self.sections)].bars)] = True  # (appended at BARS)
            else:
                self._range_mask(mask, "BARS", 0, MAX_SECTION_BARS)
        elif s is State.FIRST_BAR:
            mask[v.BAR] = True
        elif s in (State.IN_BAR, State.AFTER_CHORD):
            self._continue_mask(mask, s is State.AFTER_CHORD)
            room = self.repeat_room()
            if room:
                for kind in range(2):
                    self._range_mask(mask, "REP", kind * LOOKBACK, kind * LOOKBACK + room)
        elif s is State.AT_POS:
            tick = self.tick
            if self.chord_free <= tick:
                self._range_mask(mask, "CHORD", 0, 12 * len(ch.QUALITY_NAMES))
            if self.melody_free <= tick:
                self._melody_start_mask(mask)
        elif s is State.VOICING:
            n = len(self.voicing)
            if n == 0:
                self._range_mask(mask, "BASS", 0, VOICING_SPAN)  # room for a voice above
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
        elif s is State.PITCH:
            self._range_mask(mask, "P", 0, MELODY_RANGE[1] - MELODY_RANGE[0] + 1)
        elif s is State.NOTE_DUR:
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
            mask[self.v.vel(self.velocity)] = False  # VEL only marks a change

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
        if self.state is State.VOICING and self.voicing:
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

    # Kept whole: the per-token hot loop of decoding and sampling, one flat dispatch a call.
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
        if s is State.VOICING and fam != "DUR" and fam not in _VOICING_FAMILIES:
            assert self.chord_symbol is not None
            self.open_chord = (*self.chord_symbol, self.tick, tuple(self.voicing))
            self.chord_free = self.tick + 1
            s = self.state = State.AFTER_CHORD
        elif s is State.NOTE_DUR and fam != "DUR":
            assert self.pending_pitch is not None and self.velocity is not None
            self.open_note = (self.pending_pitch, self.tick, self.velocity)
            self.melody_free = self.tick + 1
            s = self.state = State.IN_BAR
        # the most frequent families first: this runs once per token of every idea
        if fam == "POS":
            self.pos = off
            self.state = State.AT_POS
        elif fam == "P":
            self._close_note(self.tick)
            self.pending_pitch = MELODY_RANGE[0] + off
            self.state = State.NOTE_DUR
        elif fam == "CHORD":
            self._close_chord(self.tick)
            self.chord_symbol = (off % 12, ch.QUALITY_NAMES[off // 12])
            self.voicing = []
            self.voicing_tokens = 0
            self.state = State.VOICING
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
            self.bar_repeat = None
            self.state = State.IN_BAR
        elif fam == "REP":
            self.bar_repeat = self.marks[self.bar_start // self.bar_len] = self.v.rep_of(off)
        elif fam == "UP":
            self.voicing.append(self.voicing[-1] + off + 1)
            self.voicing_tokens += 1
        elif fam == "DUR" and s is State.VOICING:
            assert self.chord_symbol is not None
            tick = self.tick
            self.chords.append(
                Chord(self.chord_symbol[0], self.chord_symbol[1], tick, off + 1, tuple(self.voicing))
            )
            self.chord_free = tick + off + 1
            self.state = State.AFTER_CHORD
        elif fam == "DUR":  # a melody note's written duration
            assert self.pending_pitch is not None and self.velocity is not None
            tick = self.tick
            self.melody.append(Note(self.pending_pitch, tick, off + 1, self.velocity))
            self.melody_free = tick + off + 1
            self.state = State.IN_BAR
        elif fam == "VEL":
            self._close_note(self.tick)
            self.velocity = VELOCITIES[off]
            self.state = State.PITCH
        elif fam == "SEC" or fam == "EOS":
            if self.sections:  # the last bar of a section ends here
                self._close_chord(self.bar_start + self.bar_len)
                self._close_note(self._section_end())
            if fam == "EOS":
                self.done = True
                self.state = State.DONE
            else:
                self.section_name = SECTION_NAMES[off]
                self.state = State.BARS
        elif fam == "BARS":
            self.section_start_bar = sum(x.bars for x in self.sections)
            self.sections.append(Section(self.section_name or "verse", off + 1))
            self.bars_in_section = 0
            self.state = State.FIRST_BAR
        elif fam == "BOS":
            self.state = State.STYLE
        elif fam == "STYLE":
            self.style = STYLES[off]
            self.state = State.KEY
        elif fam == "KEY":
            self.key = ALL_KEYS[off]
            self.state = State.METER
        elif fam == "METER":
            self.meter = METERS[off]
            self.bar_len = bar_ticks(self.meter)
            self.state = State.TEMPO
        elif fam == "TEMPO":
            self.tempo = TEMPO_RANGE[0] + off
            self.state = State.SECTION
        else:  # PAD
            raise ValueError(f"token {self.v.tokens[token]} not allowed in state {s!r}")

    def _accepts(self, token: int) -> bool:
        return bool(self.allowed()[token])

    def idea(self, name: str = "") -> Idea:
        """The idea decoded so far (requires EOS to have been fed)."""
        if not self.done:
            raise ValueError("token sequence ended before EOS")
        assert self.key is not None and self.meter is not None and self.tempo is not None
        return Idea(
            self.key,
            self.tempo,
            self.meter,
            tuple(self.sections),
            tuple(self.chords),
            tuple(self.melody),
            name,
        )
