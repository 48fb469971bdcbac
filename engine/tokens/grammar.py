"""The token grammar as a state machine: what may come next, and decoding."""
from __future__ import annotations

from typing import Sequence

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
from .vocab import PAIR_GAP_MAX, VOCAB, VOICING_SPAN

_VOICING_FAMILIES = frozenset(("BASS", "UP", "UP2"))


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
