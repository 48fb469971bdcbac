"""Bars marked as repeating an earlier bar's rhythm or motif, and made to."""

from __future__ import annotations

import numpy as np

from ...music.idea import MELODY_RANGE, Note
from ...music.motif import BarMelody, bar_melodies
from ...tokens.grammar import State
from ...tokens.vocab import VOCAB
from .harmony import CHORDS_HOLDING, RhythmGrid
from .keep import KeptPart
from .register import GEN_MELODY_BOTTOM, keep_voicing_under
from .rule import Constraint

_REP_MOTIF, _REP_RHYTHM = VOCAB.rep("motif", 1), VOCAB.rep("rhythm", 1)
_NOTE_STARTS = frozenset((State.AT_POS, State.AFTER_CHORD, State.PITCH, State.VOICING))
MOTIF_TOP = MELODY_RANGE[1] - 6  # a repeated motif's highest note leaves room to move the idea


class Repeat(Constraint):
    """A bar marked REP_kind_k repeats bar k bars back: its melody notes start exactly where
    that bar's did ('rhythm'), and keep its intervals ('motif': the first note is the model's
    choice, within reach of the range; a chord struck under a later note holds it). Markers
    may point only at bars whose pattern this bar can take. The chords stay the model's.

    A finishing rule (it only removes tokens): its key, what a repeated bar asks next, would
    otherwise multiply the memoised situations of every bar it marks."""

    finishing = True

    def __init__(self, rhythm: str | None = None, kept: KeptPart | None = None) -> None:
        """``rhythm``: the harmonic rhythm (a bar still without its chord may strike one on
        its grid before the pattern's next note), ``kept``: kept chords (struck where they
        were)."""
        self.grid = RhythmGrid(rhythm)
        self.kept_chords = kept.chords if kept is not None else None
        self.profile = ("repeat", rhythm, kept is not None)
        self._melodies: list[BarMelody] = []  # the melody of each finished bar, in order
        self._allowed: tuple[int, tuple[int, ...]] | None = None  # (bar, allowed REP tokens)
        self._planned: tuple[int, tuple] | None = None  # (grammar step, plan)

    # -- what this bar must repeat ---------------------------------------------------------
    @staticmethod
    def _notes(g, since: int) -> list[Note]:
        """The melody notes starting at or after tick ``since`` (the open one included)."""
        i = len(g.melody)
        while i and g.melody[i - 1].onset >= since:
            i -= 1
        notes = g.melody[i:]
        if g.open_note is not None and g.open_note[1] >= since:
            pitch, onset, velocity = g.open_note
            notes = [*notes, Note(pitch, onset, 1, velocity)]
        return notes

    def _earlier(self, g) -> list[BarMelody]:
        """The melodies of the bars before the current one (each bar's worked out once, when
        the row has moved past it: its notes' onsets and pitches are then final)."""
        bar = g.bar_start // g.bar_len
        done = len(self._melodies)
        if done < bar:
            since = done * g.bar_len
            notes = [n for n in self._notes(g, since) if n.onset < g.bar_start]
            shifted = [Note(n.pitch, n.onset - since, n.duration, n.velocity) for n in notes]
            self._melodies += bar_melodies(shifted, g.bar_len, bar - done)
        return self._melodies[:bar] if len(self._melodies) > bar else self._melodies

    def _source(self, g) -> BarMelody | None:
        if g.bar_repeat is None:
            return None
        _kind, back = g.bar_repeat
        earlier = self._earlier(g)
        return earlier[len(earlier) - back]

    def _allowed_marks(self, g) -> tuple[int, ...]:
        """The REP tokens that may open this bar: the earlier bar has notes (3+ for a motif),
        the first of which the melody is free to play here, and a motif fits the range."""
        bar = g.bar_start // g.bar_len
        if self._allowed is None or self._allowed[0] != bar:
            earlier = self._earlier(g)
            free = g.melody_free - g.bar_start
            out = []
            for back in range(1, g.repeat_room() + 1):
                source = earlier[len(earlier) - back]
                if not source.onsets or source.onsets[0] < free:
                    continue
                out.append(_REP_RHYTHM + back - 1)
                if (
                    source.is_motif
                    and max(source.pitches) - min(source.pitches) <= MOTIF_TOP - GEN_MELODY_BOTTOM
                ):
                    out.append(_REP_MOTIF + back - 1)
            self._allowed = (bar, tuple(out))
        return self._allowed[1]

    def _played(self, g) -> list[Note]:
        """The melody notes started in this bar so far."""
        return self._notes(g, g.bar_start)

    def _plan(self, g) -> tuple:
        """What a marked bar asks next, all ``narrow`` depends on: (position of the next
        pattern note or None, the pitch rule for a note starting there — a forced pitch, a
        (low, high) window for a motif's first note, or None — and the highest pitch a chord
        voiced now may reach, or None). Worked out once per step of the row."""
        if self._planned is not None and self._planned[0] == g.steps:
            return self._planned[1]
        plan = self._work_out(g)
        self._planned = (g.steps, plan)
        return plan

    def _work_out(self, g) -> tuple:
        kind, _back = g.bar_repeat
        source = self._source(g)
        played_notes = self._played(g)
        writing = g.state is State.NOTE_DUR  # the note being written counts as played
        played = len(played_notes) + writing
        due = source.onsets[played] if played < len(source.onsets) else None
        if kind != "motif" or due is None:
            return due, None, None
        first = played_notes[0].pitch if played_notes else (g.pending_pitch if writing else None)
        if first is None:  # the motif's first note: wherever the whole motif fits
            top = g.sounding_chord_top(g.bar_start + g.pos)
            floor = max(GEN_MELODY_BOTTOM, top + 1 if top is not None else 0)
            window = (
                floor + source.pitches[0] - min(source.pitches),
                MOTIF_TOP - (max(source.pitches) - source.pitches[0]),
            )
            return due, window, None
        lift = first - source.pitches[0]
        # a chord struck under the motif stays under the notes still to come
        return due, source.pitches[played] + lift, min(source.pitches[played:]) + lift - 1

    def preferred(self, g) -> int | None:
        """The token a repeated motif's first note would take to repeat it at its own pitch
        (songs repeat a motif exactly three times in four; the model, drawing the first note
        freely, moves it), or None."""
        if g.bar_repeat is None or g.bar_repeat[0] != "motif" or g.state not in _NOTE_STARTS:
            return None
        due, rule, _ = self._plan(g)
        if g.pos != due or not isinstance(rule, tuple):
            return None
        pitch = self._source(g).pitches[0]
        return VOCAB.pitch(pitch) if rule[0] <= pitch <= rule[1] else None

    def memo_key(self, g) -> tuple | None:
        if g.bar_repeat is None:
            return ("marks", self._allowed_marks(g)) if g.repeat_room() else ()
        if g.state is State.VOICING:  # the next chord may come only after this one
            return (*self._plan(g), g.pos)
        clip = min(max(g.chord_free - g.bar_start, -1), g.bar_len)
        return (*self._plan(g), clip, g.pos, g.bar_has_chord())

    # -- narrowing ------------------------------------------------------------------------
    def narrow(self, g, mask) -> None:
        v, s = VOCAB, g.state
        if g.bar_repeat is None:
            if g.repeat_room():
                start, end = v.ranges["REP"]
                allowed = np.zeros(end - start, bool)
                allowed[[t - start for t in self._allowed_marks(g)]] = True
                mask[start:end] &= allowed
            return
        due, pitch, ceiling = self._plan(g)
        if s is State.VOICING and ceiling is not None:
            keep_voicing_under(g, mask, ceiling)
        melody = np.zeros_like(mask)
        melody[slice(*v.ranges["P"])] = True
        melody[slice(*v.ranges["VEL"])] = True
        if s in (State.AT_POS, State.AFTER_CHORD, State.PITCH, State.VOICING):
            if g.pos != due:  # no melody note starts off the pattern
                mask &= ~melody
            else:
                self._pitch(mask, pitch)
                if s is State.AFTER_CHORD:  # the due note starts now, after its chord
                    mask &= melody
                elif s is State.AT_POS and isinstance(pitch, int):
                    chords = slice(*v.ranges["CHORD"])
                    holding = mask[chords] & CHORDS_HOLDING[pitch % 12]
                    if holding.any():
                        mask[chords] = holding
            if s is State.AT_POS or s is State.PITCH:
                return
        if s is State.NOTE_DUR and due is not None:
            # a written duration must end by the next note's position
            start, end = v.ranges["DUR"]
            mask[start + due - g.pos : end] = False
        if s in (State.IN_BAR, State.AFTER_CHORD, State.NOTE_DUR, State.VOICING):
            # the next position is the due note's (a chord may come first): a position between
            # the pattern's notes would be a chord's alone, and the model, taking one there for
            # a note of its own, would be made to strike a chord it did not want. Kept chords
            # come where they were.
            start, _ = v.ranges["POS"]
            kept = self.kept_chords
            grid = self.grid.ticks(g)
            first_chord = grid is not None and kept is None and not g.bar_has_chord()
            chord_from = g.chord_free - g.bar_start if s is not State.VOICING else g.pos + 1
            for p in range(max(g.pos + 1, 0), g.bar_len):
                if p == due:
                    continue
                before = (due is None or p < due) and p >= chord_from
                kept_here = kept is not None and g.bar_start + p in kept
                if not (before and (kept_here or (first_chord and p % grid == 0))):
                    mask[start + p] = False
            if due is not None:
                for t in g.end_of_bar_tokens_now():
                    mask[t] = False

    @staticmethod
    def _pitch(mask: np.ndarray, rule) -> None:
        """The pitches the due note may have: a forced one, or those in a window (when the
        window leaves any), or any (None)."""
        start, end = VOCAB.ranges["P"]
        if isinstance(rule, int):
            forced = VOCAB.pitch(min(max(rule, MELODY_RANGE[0]), MELODY_RANGE[1]))
            keep = mask[forced]
            mask[start:end] = False
            mask[forced] = keep
        elif rule is not None:
            low, high = rule
            pitches = np.arange(MELODY_RANGE[0], MELODY_RANGE[1] + 1)
            window = mask[start:end] & (pitches >= low) & (pitches <= high)
            if window.any():
                mask[start:end] = window
