"""Regeneration that keeps one part of an idea (its chords or its melody) exactly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...music import chords as ch
from ...music.idea import Chord, Idea, Note
from ...music.motif import repeats
from ...tokens.encoding import implicit_durations
from ...tokens.grammar import State
from ...tokens.vocab import VOCAB
from .harmony import CHORDS_HOLDING, RhythmGrid
from .rule import NOT_MEMOISED, Constraint


@dataclass(frozen=True)
class KeptPart:
    """The part of an idea that regeneration keeps ('chords' or 'melody'), by onset."""

    keep: str
    chords: dict  # onset -> (Chord, voicing tokens, duration implicit)
    notes: dict  # onset -> (Note, duration implicit)
    onsets: tuple[int, ...]
    marks: dict = None  # a kept melody's repeating bars: bar -> REP token

    @classmethod
    def of(cls, idea: Idea, keep: str) -> "KeptPart":
        if keep not in ("chords", "melody"):
            raise ValueError("keep must be 'chords' or 'melody'")
        chord_implicit, note_implicit = implicit_durations(idea)
        chords, notes, marks = {}, {}, {}
        if keep == "chords":
            chords = {c.onset: (c, VOCAB.voicing(c.voicing), chord_implicit[c.onset]) for c in idea.chords}
        else:
            notes = {n.onset: (n, note_implicit[n.onset]) for n in idea.melody}
            marks = {b: VOCAB.rep(*mark) for b, mark in repeats(idea).items()}
        return cls(keep, chords, notes, tuple(sorted(set(chords) | set(notes))), marks)

    def note_at(self, tick: int) -> Note | None:
        """The kept melody note sounding at ``tick``, if any."""
        return next((n for n, _ in self.notes.values() if n.onset <= tick < n.end), None)

    def chord_at(self, onset: int) -> Chord | None:
        kept = self.chords.get(onset)
        return kept[0] if kept is not None else None

    def next_onset(self, after: int) -> int | None:
        for t in self.onsets:
            if t > after:
                return t
        return None


# New chords under a kept melody: the model writes a chord before it reads the melody notes
# the chord will sound under, so it is told (a logit bias on the CHORD tokens) how well each
# chord holds the melody up to the bar line (the share of that melody's time on the chord's
# core tones, ``_CHORD_FIT``; a change within the bar weighs what it gains by the part of
# the bar it would hold, so a last-16th chord for one note gains little), and a chord
# starting within a bar pays for the change. Calibrated with bench.harmonise on the tuning
# part of the held-out pop songs: left to itself the model changed chord 2.7 times per 4 beats
# (the songs 1.2), 19% of its chords lasting less than a beat (the songs none), and matched
# the songs' roots less often than a counted HMM (see README, New chords for a melody).
CHORD_FIT_BIAS = 48.0
CHORD_CHANGE_BIAS = -4.0
# The tones by which a chord holds a melody: its triad; a 7th or 6th adds colour, not fit, and a
# suspended chord holds by root and fifth only (left to the fit, 7ths and sus chords won a
# third of the chords, as they hold more of a tune; the songs' chords are 90% major and minor).
_CORE = {"sus2": (0, 7), "sus4": (0, 7)}
_CHORD_FIT = np.array(
    [
        [(pc - root) % 12 in _CORE.get(quality, ch.QUALITIES[quality][:3]) for pc in range(12)]
        for quality in ch.QUALITY_NAMES
        for root in range(12)
    ],
    dtype=np.float32,
)
_POSITION_STATES = frozenset((State.IN_BAR, State.AFTER_CHORD, State.VOICING, State.NOTE_DUR))


def _sounding_chord(g, tick: int) -> int | None:
    """The chord sounding into ``tick`` from earlier in its bar, as its CHORD token's index
    among the CHORD tokens, or None."""
    if g.open_chord is not None:
        root, quality, onset, _voicing = g.open_chord
        sounding = g.bar_start <= onset < tick
    elif g.chords:
        last = g.chords[-1]
        root, quality, sounding = last.root, last.quality, g.bar_start <= last.onset and last.end > tick
    else:
        return None
    return VOCAB.chord(root, quality) - VOCAB.ranges["CHORD"][0] if sounding else None


class KeepPart(Constraint):
    """Follow the kept part exactly; the other part may only start where it is free (new
    chords under a kept melody also keep the harmonic rhythm and hold the kept note)."""

    def __init__(self, kept: KeptPart, rhythm: str | None = None) -> None:
        self.kept = kept
        if rhythm is None and kept.keep == "melody":
            rhythm = "beat"  # new chords under a tune change on the beat at most, as songs' do
        self.grid = RhythmGrid(rhythm)
        self.profile = ("keep", kept.keep, rhythm)
        self.biases = kept.keep == "melody"
        self._bias_memo: dict[int, np.ndarray] = {}

    def bias(self, g) -> np.ndarray | None:
        """The logit bias on new chords under a kept melody where one may start now (None
        elsewhere): how well each holds the melody to the bar line, less a change within a bar."""
        tick = g.bar_start + g.pos
        if g.state is State.AT_POS:
            key = (True, tick, _sounding_chord(g, tick))
        elif g.state in _POSITION_STATES:  # where the next position may be chosen
            key = (False, tick if g.pos >= 0 else g.bar_start - 1)
        else:
            return None
        memo = self._bias_memo.get(key)
        if memo is None:
            if key[0]:
                memo = self._chord_bias(tick, g.bar_start + g.bar_len, g.bar_len, key[2])
            else:
                memo = self._position_bias(key[1], g.bar_start)
            self._bias_memo[key] = memo
        return memo

    def _position_bias(self, after: int, bar_start: int) -> np.ndarray:
        """A position where the kept melody starts no note is one only a new chord would
        start at: it pays for the change (the bar's first position excepted)."""
        bias = np.zeros(len(VOCAB), np.float32)
        start, end = VOCAB.ranges["POS"]
        bias[start + 1 : end] = CHORD_CHANGE_BIAS
        nxt = self.kept.next_onset(after)
        if nxt is not None and 0 < nxt - bar_start < end - start:
            bias[start + nxt - bar_start] = 0.0
        return bias

    def _chord_bias(self, tick: int, bar_end: int, bar_len: int, sounding: int | None) -> np.ndarray:
        """Each new chord's bias at ``tick``: how well it holds the melody up to the bar line,
        or, with a chord ``sounding`` (its CHORD token's index among them), how much better
        over the part of the bar it would hold, less the price of a change."""
        heard = np.zeros(12, np.float32)  # the kept melody's time per pitch class, tick..bar end
        for note, _implicit in self.kept.notes.values():
            overlap = min(note.end, bar_end) - max(note.onset, tick)
            if overlap > 0:
                heard[note.pitch % 12] += overlap
        bias = np.zeros(len(VOCAB), np.float32)
        start, end = VOCAB.ranges["CHORD"]
        if heard.any():
            fit = CHORD_FIT_BIAS * (_CHORD_FIT @ heard) / heard.sum()
            if sounding is None:
                bias[start:end] = fit
            else:  # what a change gains, over the part of the bar it would hold
                bias[start:end] = (fit - fit[sounding]) * (bar_end - tick) / bar_len
        if sounding is not None:
            bias[start:end] += CHORD_CHANGE_BIAS
        return bias

    def memo_key(self, g) -> tuple | None:
        return NOT_MEMOISED

    def _note_start_token(self, g, note: Note) -> int:
        return VOCAB.vel(note.velocity) if note.velocity != g.velocity else VOCAB.pitch(note.pitch)

    def narrow(self, g, mask) -> None:
        s, v, kept = g.state, VOCAB, self.kept
        tick = g.bar_start + g.pos
        if s is State.VOICING or s is State.NOTE_DUR:
            own = np.zeros_like(mask)  # the event's own tokens: voicing and DUR
            if s is State.VOICING:
                for fam in ("BASS", "UP", "UP2", "DUR"):
                    own[slice(*v.ranges[fam])] = True
            else:
                own[slice(*v.ranges["DUR"])] = True
            rest = mask & ~own
            mask &= own
            if s is State.VOICING and kept.keep == "chords":
                fixed, tokens, implicit = kept.chords[tick]
                mask[:] = False
                if g.voicing_tokens < len(tokens):
                    mask[tokens[g.voicing_tokens]] = True
                    return
                if not implicit:
                    mask[v.dur(fixed.duration)] = True
                    return
            if s is State.NOTE_DUR and kept.keep == "melody":
                note, implicit = kept.notes[tick]
                mask[:] = False
                if not implicit:
                    mask[v.dur(note.duration)] = True
                    return
            self._continue(g, rest, after_chord=s is State.VOICING)
            mask |= rest
        elif s is State.IN_BAR or s is State.AFTER_CHORD:
            self._continue(g, mask, after_chord=s is State.AFTER_CHORD)
            if kept.keep == "melody" and g.repeat_room():
                # the kept melody's own repeats are marked, as the model learnt to read them
                mask[slice(*v.ranges["REP"])] = False
                mark = kept.marks.get(g.bar_start // g.bar_len)
                if mark is not None:
                    mask[:] = False
                    mask[mark] = True
        elif s is State.AT_POS:
            if kept.keep == "chords":
                mask[slice(*v.ranges["CHORD"])] = False
                fixed = kept.chord_at(tick)
                if fixed is not None:
                    mask[:] = False
                    mask[v.chord(fixed.root, fixed.quality)] = True
            else:
                mask[slice(*v.ranges["P"])] = False
                mask[slice(*v.ranges["VEL"])] = False
                if tick in kept.notes:  # a chord may come first; then this note's start
                    mask[self._note_start_token(g, kept.notes[tick][0])] = True
                # the model writes a chord before the note at its position, so it cannot
                # hear the kept note: a new chord must hold the kept note sounding there
                note = kept.note_at(tick)
                if note is not None:
                    mask[slice(*v.ranges["CHORD"])] &= CHORDS_HOLDING[note.pitch % 12]
                self.grid.forbid_off_grid_chords(g, mask)  # new chords keep the harmonic rhythm
        elif s is State.PITCH and kept.keep == "melody":
            mask[:] = False
            mask[v.pitch(kept.notes[tick][0].pitch)] = True

    def _continue(self, g, mask: np.ndarray, after_chord: bool) -> None:
        """Narrow what may follow an event: the kept part's next onset must not be skipped,
        and the free part may start only where it is free."""
        v, kept = VOCAB, self.kept
        tick = g.bar_start + g.pos
        if after_chord and kept.keep == "melody":
            fixed_note = kept.notes.get(tick)
            if fixed_note is not None and g.melody_free <= tick:
                start_token = self._note_start_token(g, fixed_note[0])
                allowed = bool(mask[start_token])
                mask[:] = False
                mask[start_token] = allowed
                return
            mask[slice(*v.ranges["P"])] = False
            mask[slice(*v.ranges["VEL"])] = False
        start, _ = v.ranges["POS"]
        nxt = kept.next_onset(tick if g.pos >= 0 else g.bar_start - 1)
        bar_end = g.bar_start + g.bar_len
        in_bar = nxt is not None and nxt < bar_end
        last = (nxt if in_bar else bar_end - 1) - g.bar_start
        # the free part: a note or chord sounding without a written end may be cut by a new one
        if kept.keep == "chords":
            free_at = g.melody_free if g.state is not State.NOTE_DUR else tick + 1
        else:
            free_at = g.chord_free if g.state is not State.VOICING else tick + 1
        grid = self.grid.ticks(g) if kept.keep == "melody" else None
        for p in range(g.bar_len):
            t = g.bar_start + p
            free = free_at <= t and (grid is None or p % grid == 0)  # new chords: on the grid
            if not (g.pos < p <= last and (t == nxt or free)):
                mask[start + p] = False
        if in_bar:
            for t in g.end_of_bar_tokens_now():
                mask[t] = False
