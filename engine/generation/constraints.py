"""The rules generation adds to the token grammar, one object each.

A :class:`ConstrainedGrammar` is the token grammar plus a list of constraints. Each
constraint narrows the grammar's mask (``narrow``) and says what that depends on
(``memo_key``), side by side, so a new rule cannot forget its part of the memo key:

- :class:`KeyChoices`: a key-normalised model writes in C major or A minor only;
- :class:`Register`: chords stay low and the melody above the chord sounding under it;
- :class:`Voicing`: a chord's voicing holds its symbol's tones, its root and third among them;
- :class:`Harmony`: every bar has a chord, struck first, on the harmonic rhythm's grid;
- :class:`KeepPart`: follow a kept part (chords or melody) exactly, the other part free;
- :class:`Repeat`: a bar marked as repeating an earlier bar (REP) repeats it;
- :class:`Script`: forced tokens (a primer's opening bars).

``ConstrainedGrammar.choices()`` memoises the mask in a dict shared by all rows and calls,
keyed on the grammar's own ``situation()`` plus every constraint's key: each distinct
situation is computed once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..music import chords as ch
from ..music.idea import MELODY_RANGE, VOICING_RANGE, Chord, Idea, Key, Note, bar_ticks, beat_ticks
from ..music.motif import BarMelody, bar_melodies, repeats
from ..tokens.encoding import implicit_durations
from ..tokens.grammar import Grammar, State
from ..tokens.vocab import PAIR_GAP_MAX, VOCAB
from .sampling import CLOSING_TOKENS

GEN_VOICING_TOP = 72  # chord voicings stay at or below C5 when generating
GEN_MELODY_BOTTOM = 55  # and the melody at or above G3

# how often chords may change: None (as the model likes) or one of these
HARMONIC_RHYTHMS = ("beat", "half", "bar")

# for each pitch class, the chord symbols (CHORD tokens in vocabulary order) that contain it
_CHORDS_HOLDING = np.array(
    [
        [pc in ch.chord_pcs(root, quality) for quality in ch.QUALITY_NAMES for root in range(12)]
        for pc in range(12)
    ]
)

_NOT_MEMOISED = None


def chord_grid(meter: tuple[int, int], rhythm: str) -> int:
    """Ticks between the positions where a chord may start, for a harmonic rhythm: every
    beat (the felt beat: a dotted quarter in 6/8, 9/8, 12/8), every half bar (a whole bar
    where the beats do not halve, as in 3/4 or 5/4), or every bar."""
    if rhythm not in HARMONIC_RHYTHMS:
        raise ValueError(f"harmonic rhythm must be one of {', '.join(HARMONIC_RHYTHMS)}, not {rhythm!r}")
    bar = bar_ticks(meter)
    beat = beat_ticks(meter)
    if rhythm == "beat":
        return beat
    if rhythm == "half":
        return bar // 2 if (bar // beat) % 2 == 0 else bar
    return bar


class _Grid:
    """A harmonic rhythm's grid for one row, worked out once its meter is read."""

    def __init__(self, rhythm: str | None) -> None:
        if rhythm is not None:
            chord_grid((4, 4), rhythm)  # refuse an unknown name here
        self.rhythm = rhythm
        self._ticks: int | None = None

    def ticks(self, g: Grammar) -> int | None:
        """Ticks between chord positions, or None (anywhere)."""
        if self.rhythm is None or g.meter is None:
            return None
        if self._ticks is None:  # the meter is fixed once read
            self._ticks = chord_grid(g.meter, self.rhythm)
        return self._ticks

    def forbid_off_grid_chords(self, g: Grammar, mask: np.ndarray) -> None:
        """At a position off the grid no chord may start."""
        grid = self.ticks(g)
        if grid is not None and g.pos % grid:
            start, end = VOCAB.ranges["CHORD"]
            mask[start:end] = False


class Constraint:
    """One generation rule. ``profile``: its fixed settings (hashable). A *finishing* rule
    narrows the memoised mask afterwards, with a key of its own (see
    ``ConstrainedGrammar.choices``); its ``memo_key`` is falsy where it has nothing to say."""

    profile: tuple = ()
    finishing = False

    def narrow(self, g: "ConstrainedGrammar", mask: np.ndarray) -> None:
        """Remove from ``mask`` the tokens this rule forbids next."""

    def memo_key(self, g: "ConstrainedGrammar") -> tuple | None:
        """What ``narrow`` depends on in ``g``'s current state beyond ``g.situation()`` and
        the profiles, or None when the mask must not be memoised now."""
        return ()

    def fed(self, token: int) -> None:
        """``token`` was accepted (for rules that follow a script)."""


class KeyChoices(Constraint):
    """Only these keys may open an idea (a key-normalised model: C major or A minor)."""

    def __init__(self, keys: Sequence[Key]) -> None:
        self.keys = tuple(keys)
        self.profile = ("keys", self.keys)

    def narrow(self, g, mask) -> None:
        if g.state is State.KEY and g.fixed_key is None:
            mask[:] = False
            for key in self.keys:
                mask[VOCAB.key(key)] = True


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


def keep_voicing_under(g, mask: np.ndarray, ceiling: int) -> None:
    """The chord being voiced stays at or below ``ceiling``: its bass low enough to leave room
    for a voice above, each next voice under it."""
    v = VOCAB
    if not g.voicing:
        start, end = v.ranges["BASS"]
        mask[start + max(ceiling - VOICING_RANGE[0], 1) : end] = False
    else:
        room = ceiling - g.voicing[-1]
        start, end = v.ranges["UP"]
        mask[start:end] &= v.up_rise <= room
        start, end = v.ranges["UP2"]
        mask[start:end] &= v.up2_rise <= room


class Register(Constraint):
    """Chords stay low (at or below C5, under the melody note sounding) and the melody at or
    above G3 and above the chord sounding under it. ``shift``: semitones the idea will be
    moved by afterwards; the ranges keep room for it so the moved idea stays in range."""

    def __init__(self, shift: int = 0, kept: KeptPart | None = None) -> None:
        self.shift = shift
        self.kept = kept
        self.profile = ("register", shift)

    def memo_key(self, g) -> tuple | None:
        s = g.state
        tick = g.bar_start + g.pos
        if s is State.PITCH:
            return (g.sounding_chord_top(tick),)
        if s is State.AT_POS or s is State.AFTER_CHORD:
            return (g.sounding_chord_top(tick) if g.melody_free <= tick else 0,)
        if s is State.VOICING:
            return (g.sounding_note(tick),)
        return ()

    def narrow(self, g, mask) -> None:
        s, v = g.state, VOCAB
        tick = g.bar_start + g.pos
        if s in (State.AT_POS, State.AFTER_CHORD, State.PITCH, State.VOICING):
            start, _ = v.ranges["P"]
            top = g.sounding_chord_top(tick)
            floor = max(GEN_MELODY_BOTTOM, (top + 1) if top is not None else 0, MELODY_RANGE[0] - self.shift)
            mask[start : start + floor - MELODY_RANGE[0]] = False
            if self.shift > 0:  # room to move the idea up afterwards
                high = start + MELODY_RANGE[1] - MELODY_RANGE[0] + 1
                mask[high - self.shift : high] = False
        kept = self.kept
        if s is State.VOICING and (kept is None or kept.keep != "chords"):
            note = g.sounding_note(tick)
            if kept is not None:  # stay under the kept note that sounds here
                fixed = kept.note_at(tick)
                note = fixed.pitch if fixed is not None else None
            ceiling = min(
                GEN_VOICING_TOP,
                (note - 1) if note is not None else GEN_VOICING_TOP,
                VOICING_RANGE[1] - max(0, self.shift),
            )
            if not g.voicing:
                start, _end = v.ranges["BASS"]
                bottom = VOICING_RANGE[0] + max(0, -self.shift)
                mask[start : start + bottom - VOICING_RANGE[0]] = False
            keep_voicing_under(g, mask, ceiling)


class Voicing(Constraint):
    """A chord's voicing sounds its symbol: every voice a chord tone, and the voicing may
    close only once it holds the root and the third (a suspended chord: its fourth or
    second), so the chord part plays on its own as an accompaniment. (A model early in
    training, or sampled at a high temperature, writes a symbol over a voicing that spells
    another chord; a chord part without its root or third leans on the melody.)"""

    finishing = True  # applied to the memoised mask, after the others (see ConstrainedGrammar)
    profile = ("voicing",)
    _masks: dict = {}  # (root, quality, last pitch class) -> (UP mask, UP2 mask, BASS mask)

    @staticmethod
    def _required(root: int, quality: str) -> tuple[int, int]:
        third = next(i for i in ch.QUALITIES[quality][1:] if i in (2, 3, 4, 5))
        return root % 12, (root + third) % 12

    def memo_key(self, g) -> tuple | None:
        if g.state is not State.VOICING or g.chord_symbol is None:
            return ()  # nothing to say
        pcs = {p % 12 for p in g.voicing}
        return (g.chord_symbol, tuple(pc in pcs for pc in self._required(*g.chord_symbol)))

    @classmethod
    def _tone_masks(cls, root: int, quality: str, last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = (root, quality, last % 12)
        hit = cls._masks.get(key)
        if hit is None:
            tones = np.zeros(12, bool)
            tones[list(ch.chord_pcs(root, quality))] = True
            v = VOCAB
            up = tones[(last + v.up_rise) % 12]
            a, b = np.divmod(np.arange(PAIR_GAP_MAX * PAIR_GAP_MAX), PAIR_GAP_MAX)
            up2 = tones[(last + a + 1) % 12] & tones[(last + a + b + 2) % 12]
            bass = tones[np.arange(VOICING_RANGE[0], VOICING_RANGE[1] + 1) % 12]
            hit = cls._masks[key] = (up, up2, bass)
        return hit

    def narrow(self, g, mask) -> None:
        if g.state is not State.VOICING or g.chord_symbol is None:
            return
        v = VOCAB
        root, quality = g.chord_symbol
        up, up2, bass = self._tone_masks(root, quality, g.voicing[-1] if g.voicing else 0)
        if not g.voicing:
            start, end = v.ranges["BASS"]
            mask[start:end] &= bass
            self._leave_room(mask[start:end], self._required(root, quality))
            return
        start, end = v.ranges["UP"]
        mask[start:end] &= up
        start, end = v.ranges["UP2"]
        mask[start:end] &= up2
        pcs = {p % 12 for p in g.voicing}
        missing = tuple(pc for pc in self._required(root, quality) if pc not in pcs)
        if missing:
            # not complete yet: the next voices must bring a missing tone, and leave room
            # under the register's ceiling for the rest (while any can)
            last = g.voicing[-1]
            adds_up, adds_up2 = self._adding(last % 12, missing)
            ups = slice(*v.ranges["UP"])
            rises = v.up_rise[mask[ups]]
            ceiling = last + (rises.max() if len(rises) else 0)
            a, b = np.divmod(np.arange(PAIR_GAP_MAX * PAIR_GAP_MAX), PAIR_GAP_MAX)
            first, second = last + a + 1, last + a + b + 2
            room_up = np.ones(len(v.up_rise), bool)
            room_up2 = np.ones(len(first), bool)
            for pc in missing:
                up_top = last + v.up_rise
                room_up &= (up_top % 12 == pc) | (up_top + (pc - up_top) % 12 <= ceiling)
                room_up2 &= (
                    (first % 12 == pc) | (second % 12 == pc) | (second + (pc - second) % 12 <= ceiling)
                )
            keep = np.zeros_like(mask)
            keep[ups] = adds_up & room_up
            keep[slice(*v.ranges["UP2"])] = adds_up2 & room_up2
            if not (mask & keep).any():  # no room for all: at least bring one
                keep[ups] = adds_up
                keep[slice(*v.ranges["UP2"])] = adds_up2
            if (mask & keep).any():
                mask &= keep

    @staticmethod
    def _leave_room(basses: np.ndarray, required: tuple[int, ...]) -> None:
        """Keep the basses (a view of the mask, narrowed in place) above which the required
        tones still fit under the highest voice the register allows (the highest bass
        allowed plus one), where any does."""
        offsets = np.flatnonzero(basses)
        if not len(offsets):
            return
        pitches = VOICING_RANGE[0] + offsets
        ceiling = pitches.max() + 1
        fits = np.ones(len(pitches), bool)
        for pc in required:
            need = (pc - pitches) % 12  # semitones up to the tone (0: the bass is it)
            fits &= (need == 0) | (pitches + need <= ceiling)
        if fits.any():
            basses[offsets[~fits]] = False

    @classmethod
    def _adding(cls, last: int, missing: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(UP, UP2) masks of the gaps above pitch class ``last`` that sound a missing tone."""
        key = ("adding", last, missing)
        hit = cls._masks.get(key)
        if hit is None:
            wanted = np.zeros(12, bool)
            wanted[list(missing)] = True
            v = VOCAB
            a, b = np.divmod(np.arange(PAIR_GAP_MAX * PAIR_GAP_MAX), PAIR_GAP_MAX)
            hit = cls._masks[key] = (
                wanted[(last + v.up_rise) % 12],
                wanted[(last + a + 1) % 12] | wanted[(last + a + b + 2) % 12],
            )
        return hit


class Harmony(Constraint):
    """Every bar has a chord, and its first event is one: an empty bar may not close, and a
    bar's first position takes a chord before any melody note. (The model, sampled, left a
    bar of silence in a third of its ideas; songs do in about 1% of bars.) With a harmonic
    rhythm, chords start only on its grid, and a position off the grid is offered only where
    the melody may start a note."""

    def __init__(self, rhythm: str | None = None) -> None:
        self.grid = _Grid(rhythm)
        self.profile = ("harmony", rhythm)

    def memo_key(self, g) -> tuple | None:
        if g.state is not State.AT_POS and not g.can_close_bar():
            return ()
        grid = self.grid.ticks(g)
        if grid is None:
            return (g.bar_has_chord(),)
        clip = lambda t: min(max(t - g.bar_start, 0), g.bar_len)
        return (g.bar_has_chord(), grid, g.pos, clip(g.chord_free), clip(g.melody_free))

    def narrow(self, g, mask) -> None:
        has_chord = g.bar_has_chord()
        if g.state is State.AT_POS:
            self.grid.forbid_off_grid_chords(g, mask)
            if not has_chord:
                for family in ("VEL", "P"):
                    start, end = VOCAB.ranges[family]
                    mask[start:end] = False
            return
        if not g.can_close_bar():
            return
        if not has_chord:
            mask[CLOSING_TOKENS] = False
        grid = self.grid.ticks(g)
        if grid is None and has_chord:
            return
        start, end = VOCAB.ranges["POS"]
        p = np.arange(end - start)
        chord_ok = p >= g.chord_free - g.bar_start
        if grid is not None:
            chord_ok &= p % grid == 0
        melody_ok = (p >= g.melody_free - g.bar_start) if has_chord else False
        mask[start:end] &= chord_ok | melody_ok


class KeepPart(Constraint):
    """Follow the kept part exactly; the other part may only start where it is free (new
    chords under a kept melody also keep the harmonic rhythm and hold the kept note)."""

    def __init__(self, kept: KeptPart, rhythm: str | None = None) -> None:
        self.kept = kept
        self.grid = _Grid(rhythm)
        self.profile = ("keep", kept.keep, rhythm)

    def memo_key(self, g) -> tuple | None:
        return _NOT_MEMOISED

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
                    mask[slice(*v.ranges["CHORD"])] &= _CHORDS_HOLDING[note.pitch % 12]
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
        self.grid = _Grid(rhythm)
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
                    holding = mask[chords] & _CHORDS_HOLDING[pitch % 12]
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


class Script(Constraint):
    """Forced tokens, one after another (a primer's opening bars), then free."""

    def __init__(self, tokens: Sequence[int]) -> None:
        self.queue = list(tokens)
        self.profile = ("script", len(self.queue))

    def memo_key(self, g) -> tuple | None:
        return _NOT_MEMOISED if self.queue else ()

    def narrow(self, g, mask) -> None:
        if self.queue:
            mask[:] = False
            mask[self.queue[0]] = True

    def fed(self, token: int) -> None:
        if self.queue:
            if token != self.queue[0]:
                raise ValueError("token differs from the forced script")
            self.queue.pop(0)


class ConstrainedGrammar(Grammar):
    """The token grammar narrowed by generation's constraints (applied in order).

    ``cache``: the mask memo shared by all rows and calls (masks depend only on the grammar
    situation, never on the model)."""

    def __init__(
        self,
        *args,
        constraints: Sequence[Constraint] = (),
        cache: dict | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.constraints = tuple(c for c in constraints if not c.finishing)
        self.finish = tuple(c for c in constraints if c.finishing)
        self.steps = 0  # tokens fed (rules may keep per-step work by it)
        self._cache = cache if cache is not None else {}
        self._profile = hash(
            (
                self.plan,
                self.fixed_key,
                self.fixed_meter,
                self.fixed_tempo,
                tuple(c.profile for c in self.constraints),
                tuple(c.profile for c in self.finish),
            )
        )

    # -- what the constraints ask of the grammar -----------------------------
    def bar_has_chord(self) -> bool:
        """Whether a chord has started in the current bar (the one being voiced counts)."""
        if self.state is State.VOICING:
            return True
        if self.open_chord is not None and self.open_chord[2] >= self.bar_start:
            return True
        return bool(self.chords) and self.chords[-1].onset >= self.bar_start

    def preferred(self) -> int | None:
        """A token a rule would have the model favour now (see ``Repeat.preferred``), or None."""
        for rule in self.finish:
            prefer = getattr(rule, "preferred", None)
            if prefer is not None:
                token = prefer(self)
                if token is not None:
                    return token
        return None

    def end_of_bar_tokens_now(self) -> list[int]:
        """The tokens that would close the current bar (whether or not it may close now)."""
        return self._end_of_bar_tokens()

    # -- masks ---------------------------------------------------------------
    def memo_key(self) -> tuple | None:
        """The grammar's situation and every constraint's key, or None (not memoised)."""
        situation = self.situation()
        if situation is None:
            return None
        key = [self._profile, situation]
        for constraint in self.constraints:
            part = constraint.memo_key(self)
            if part is None:
                return None
            key.append(part)
        return tuple(key)

    def allowed(self) -> np.ndarray:
        """The mask of every constraint, computed afresh (``choices`` gives the same, memoised)."""
        return self._finished(self._narrowed())

    def _narrowed(self) -> np.ndarray:
        """The mask of the memoised constraints (the finishing rules not applied)."""
        mask = super().allowed()
        for constraint in self.constraints:
            constraint.narrow(self, mask)
        if not mask.any():  # never leave a row with no way on
            return super().allowed()
        return mask

    def _finished(self, mask: np.ndarray) -> np.ndarray:
        """``mask`` narrowed by the finishing rules (unless they would leave nothing)."""
        if not self.finish:
            return mask
        done = mask.copy()
        for rule in self.finish:
            rule.narrow(self, done)
        return done if done.any() else mask

    def choices(self) -> tuple[np.ndarray, int, np.ndarray, bool]:
        """(read-only mask of allowed tokens, the forced token or -1, the tokens whose logits
        a draw needs (the allowed ones, and all closing tokens where one is allowed), whether
        a bar-closing token is allowed).

        The finishing rules (``finish``) narrow the memoised mask in a second step with a key
        of their own: the chord symbol a voicing must sound would otherwise multiply every
        voicing situation by the symbols (a cache miss on most voicing tokens)."""
        key = self.memo_key()
        if key is None:
            return self._finish(self._choices(self._narrowed()), None)
        entry = self._cache.get(key)
        if entry is None:  # (the memoised constraints' choices, the finished ones by key)
            entry = self._cache[key] = (self._choices(self._narrowed()), {})
        return self._finish(*entry)

    def _finish(self, hit: tuple, finished: dict | None) -> tuple:
        """``hit`` narrowed by the finishing rules, memoised in ``finished`` by their keys."""
        if not self.finish:
            return hit
        keys = tuple(rule.memo_key(self) for rule in self.finish)
        if not any(keys):
            return hit
        if finished is not None:
            done = finished.get(keys)
            if done is not None:
                return done
        mask = self._finished(hit[0])
        result = hit if mask is hit[0] else self._choices(mask)
        if finished is not None:
            finished[keys] = result
        return result

    @staticmethod
    def _choices(mask: np.ndarray) -> tuple[np.ndarray, int, np.ndarray, bool]:
        mask.flags.writeable = False
        allowed = np.flatnonzero(mask)
        closing = bool(mask[CLOSING_TOKENS].any())
        needed = np.union1d(allowed, CLOSING_TOKENS) if closing else allowed
        return (mask, int(allowed[0]) if len(allowed) == 1 else -1, needed, closing)

    def feed(self, token: int, check: bool = True) -> None:
        for constraint in self.constraints:
            constraint.fed(token)
        super().feed(token, check)
        self.steps += 1


def constraints_for(
    *,
    keep_register: bool = True,
    harmonic_rhythm: str | None = None,
    key_choices: Sequence[Key] | None = None,
    shift: int = 0,
    kept: KeptPart | None = None,
    script: Sequence[int] = (),
    complete_voicings: bool = False,
) -> list[Constraint]:
    """The constraints of one generation row, in the order they apply."""
    out: list[Constraint] = []
    if key_choices:
        out.append(KeyChoices(key_choices))
    if keep_register:
        out.append(Register(shift, kept))
    out.append(KeepPart(kept, harmonic_rhythm) if kept is not None else Harmony(harmonic_rhythm))
    if kept is None or kept.keep == "chords":  # a new melody repeats where it is marked
        out.append(Repeat(harmonic_rhythm, kept))
    if script:
        out.append(Script(script))
    if complete_voicings and (kept is None or kept.keep == "melody"):
        out.append(Voicing())  # new chords sound their symbols, root and third (applied last)
    return out
