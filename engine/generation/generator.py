"""Fast batched generation: a NumPy LSTM step, grammar-constrained sampling, partial
regeneration and primers.

Many ideas decode together, one token per step for the whole batch, with the LSTM state
carried between steps (no per-token ``model.predict``). Each row follows its own
:class:`Grammar`, so every idea is well formed: whole bars, a verse then a chorus, chords in
the low register and the melody above them.
"""
from __future__ import annotations

import math
import random
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np
from threadpoolctl import ThreadpoolController

from ..music import chords as ch
from ..ml.weights import LSTMWeights
from ..music.idea import (
    MAX_DURATION,
    MELODY_RANGE,
    VOICING_RANGE,
    Idea,
    Key,
    Section,
    bar_ticks,
    beat_ticks,
    home_key,
    move_to_key,
)
from ..tokens.vocab import VOCAB
from ..tokens.grammar import Grammar
from ..tokens.encoding import encode, implicit_durations

IdeaCallback = Callable[[int, Idea], None]
RowCallback = Callable[[int, Idea], "bool | None"]     # (row, idea) -> True: stop decoding

GEN_VOICING_TOP = 72        # chord voicings stay at or below C5 when generating
GEN_MELODY_BOTTOM = 55      # and the melody at or above G3

# for each pitch class, the chord symbols (CHORD tokens in vocabulary order) that contain it
_CHORDS_HOLDING = np.array([[pc in ch.chord_pcs(root, quality) for quality in ch.QUALITY_NAMES
                             for root in range(12)] for pc in range(12)])

# the tokens that may close a bar: the model's wish to close goes to whichever is allowed
_CLOSING_TOKENS = np.array(sorted([VOCAB.BAR, VOCAB.EOS] + list(range(*VOCAB.ranges["SEC"]))))

# how often chords may change: None (as the model likes) or one of these
HARMONIC_RHYTHMS = ("beat", "half", "bar")


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


_blas: ThreadpoolController | None = None
_blas_lock = threading.Lock()
_blas_users = 0
_blas_limit = None          # the active limit: entered by the first decoder, left by the last


@contextmanager
def _one_blas_thread():
    """A context in which NumPy's BLAS uses a single thread. The setting is process-wide, so
    decoders on several threads share one limit: the first in sets it, the last out restores
    what was there before."""
    global _blas, _blas_users, _blas_limit
    with _blas_lock:
        if _blas is None:
            _blas = ThreadpoolController()
        if _blas_users == 0:
            _blas_limit = _blas.limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limit.restore_original_limits()
                _blas_limit = None


class NumpyLSTM:
    """The Keras model's forward pass, one time step for a batch, in NumPy (float32).

    Keras orders the gates input, forget, cell, output (activation tanh, recurrent sigmoid);
    here the columns are reordered to input, forget, output, cell so that one sigmoid call
    covers three gates, and each deeper layer does a single matmul on [x, h]. Logits are
    computed only for the tokens a step may choose from (``logits``)."""

    def __init__(self, weights: LSTMWeights) -> None:
        self.w = weights
        self.layers = []
        for i, (kernel, recurrent, bias) in enumerate(weights.layers):
            u = recurrent.shape[0]
            order = np.r_[0:2 * u, 3 * u:4 * u, 2 * u:3 * u]
            kernel, recurrent, bias = kernel[:, order], recurrent[:, order], bias[order]
            if i == 0:
                # fold the embedding into the input projection: one row lookup per token
                first_in = np.ascontiguousarray(weights.embedding @ kernel + bias, dtype=np.float32)
                self.layers.append((first_in, np.ascontiguousarray(recurrent), None, u))
            else:
                stacked = np.ascontiguousarray(np.vstack([kernel, recurrent]), dtype=np.float32)
                self.layers.append((stacked, None, bias.astype(np.float32), u))
        self.dense_w = np.ascontiguousarray(weights.dense_w)
        self.dense_b = weights.dense_b
        self.units = [u for *_, u in self.layers]
        self.dense_rows = np.ascontiguousarray(weights.dense_w.T)   # (V, H): one row per token

    def zero_state(self, batch: int) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(np.zeros((batch, u), np.float32), np.zeros((batch, u), np.float32)) for u in self.units]

    def advance(self, tokens: np.ndarray, state):
        """Feed ``tokens`` (B,): the top layer's output (B, H) and the new state."""
        new_state = []
        x = None
        for i, ((a, recurrent, bias, u), (h, c)) in enumerate(zip(self.layers, state)):
            if i == 0:
                z = a[tokens]
                z += h @ recurrent
            else:
                z = np.concatenate([x, h], axis=1) @ a
                z += bias
            gates = z[:, :3 * u]
            gates *= 0.5
            np.tanh(gates, out=gates)
            gates += 1.0
            gates *= 0.5                                 # sigmoid(v) = (tanh(v/2) + 1) / 2
            cell = np.tanh(z[:, 3 * u:])
            c = gates[:, u:2 * u] * c
            c += gates[:, :u] * cell
            h = gates[:, 2 * u:3 * u] * np.tanh(c)
            new_state.append((h, c))
            x = h
        return x, new_state

    def step(self, tokens: np.ndarray, state):
        """Logits over the whole vocabulary after feeding ``tokens``, and the new state."""
        x, new_state = self.advance(tokens, state)
        return x @ self.dense_w + self.dense_b, new_state

    def logits(self, x: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """Logits of ``tokens`` only, for outputs ``x`` (B, H) of ``advance``: (B, len(tokens))."""
        z = x @ self.dense_rows[tokens].T
        z += self.dense_b[tokens]
        return z


@dataclass(frozen=True)
class GenerationSettings:
    """Controls for a batch of ideas. None means 'auto' (the model chooses)."""
    count: int = 8
    key: Key | None = None
    tempo: int | None = None
    meter: tuple[int, int] | None = (4, 4)
    bars_per_section: int = 8
    temperature: float = 1.0
    top_p: float = 0.95
    seed: int | None = None
    keep_register: bool = True
    harmonic_rhythm: str | None = None     # chords change at most every 'beat', 'half' bar, 'bar'

    def plan(self) -> tuple[Section, Section]:
        return (Section("verse", self.bars_per_section), Section("chorus", self.bars_per_section))


class Cancelled(Exception):
    """Generation was stopped by its cancel flag."""


_BAR_STATES = frozenset(("in_bar", "after_chord", "at_pos", "voicing", "pitch", "note_dur"))


class _RegisterGrammar(Grammar):
    """A grammar that also keeps chords low and the melody above the chord under it, starts
    every bar with a chord (unless a kept part decides), and can be made to follow a script
    of forced tokens (a primer, or kept chords or melody).

    ``choices()`` memoises the mask in ``cache`` (the generator's, shared by all rows and
    calls) on exactly what it depends on, so each distinct situation is computed once."""

    def __init__(self, *args, keep_register: bool = True, fixed: Idea | None = None,
                 keep: str | None = None, prefix: Sequence[int] = (),
                 key_choices: Sequence[Key] | None = None, shift: int = 0,
                 cache: dict | None = None, harmonic_rhythm: str | None = None, **kwargs) -> None:
        """``shift``: semitones the idea will be moved by afterwards; the register keeps
        room for it so the moved idea stays in range. ``harmonic_rhythm``: chords start only
        on that grid (see ``chord_grid``); None leaves it to the model."""
        super().__init__(*args, **kwargs)
        if harmonic_rhythm is not None:
            chord_grid((4, 4), harmonic_rhythm)         # refuse an unknown name here
        self.harmonic_rhythm = harmonic_rhythm
        self._grid: int | None = None
        self.key_choices = key_choices
        self.shift = shift
        self.keep_register = keep_register
        self.queue: list[int] = list(prefix)
        self.keep = keep                      # None, 'chords' or 'melody'
        self.fixed_chords: dict[int, tuple] = {}      # onset -> (chord, voicing tokens, implicit)
        self.fixed_notes: dict[int, tuple] = {}       # onset -> (note, implicit)
        if fixed is not None and keep in ("chords", "melody"):
            chord_implicit, note_implicit = implicit_durations(fixed)
            if keep == "chords":
                self.fixed_chords = {c.onset: (c, VOCAB.voicing(c.voicing), chord_implicit[c.onset])
                                     for c in fixed.chords}
            else:
                self.fixed_notes = {n.onset: (n, note_implicit[n.onset]) for n in fixed.melody}
        self.fixed_onsets = sorted(set(self.fixed_chords) | set(self.fixed_notes))
        self._cache = cache if cache is not None else {}
        self._profile = hash((self.plan, self.fixed_key, self.fixed_meter, self.fixed_tempo,
                              keep_register, shift, harmonic_rhythm))

    # -- memoised masks --------------------------------------------------
    def _situation(self):
        """Everything ``allowed()`` depends on in the current state (and nothing more, so
        that rows in the same situation share one mask), or None where not memoised."""
        s = self.state
        if self.queue or self.keep or s not in _BAR_STATES:
            return None
        pos, bar_len = self.pos, self.bar_len
        tick = self.bar_start + pos
        melody_ok = self.melody_free <= tick
        if s == "at_pos":
            return (self._profile, s, self.chord_free <= tick, melody_ok, self._harmony_key(),
                    self.velocity if melody_ok else 0,
                    self.sounding_chord_top(tick) if melody_ok else 0)
        if s == "pitch":
            return (self._profile, s, self.sounding_chord_top(tick))
        if s == "voicing" and len(self.voicing) < 2:
            return (self._profile, s, len(self.voicing), self.voicing[-1] if self.voicing else 0,
                    self.sounding_note(tick))
        harmony = self._harmony_key()
        closing = (self.bars_in_section == self.sections[-1].bars, len(self.sections))
        if s == "voicing":
            n = len(self.voicing)
            head = (self._profile, s, n, self.voicing[-1], self.sounding_note(tick))
            return head + (pos, bar_len, melody_ok, self.velocity if melody_ok else 0,
                           min(self.chord_free, self.melody_free) - self.bar_start, closing, harmony)
        # in_bar, after_chord, note_dur: what may follow an event
        earliest = max(pos + 1, min(self.chord_free, self.melody_free) - self.bar_start)
        if s == "note_dur":
            return (self._profile, s, bar_len, earliest, closing,
                    min(self._section_end() - tick, MAX_DURATION), harmony)
        if s == "in_bar":
            return (self._profile, s, bar_len, earliest, closing, harmony)
        return (self._profile, s, bar_len, earliest, closing, melody_ok,
                self.velocity if melody_ok else 0, self.sounding_chord_top(tick) if melody_ok else 0,
                harmony)

    def _harmony_key(self) -> tuple:
        """What ``_harmony_mask`` depends on."""
        grid = self.chord_grid()
        if grid is None:
            return (self.bar_has_chord(),)
        clip = lambda t: min(max(t - self.bar_start, 0), self.bar_len)     # noqa: E731
        return (self.bar_has_chord(), grid, self.pos, clip(self.chord_free), clip(self.melody_free))

    def choices(self) -> tuple[np.ndarray, int, np.ndarray, bool]:
        """(read-only mask of allowed tokens, the forced token or -1, the tokens whose logits
        a draw needs (the allowed ones, and all closing tokens where one is allowed), whether
        a bar-closing token is allowed)."""
        key = self._situation()
        if key is not None:
            hit = self._cache.get(key)
            if hit is not None:
                return hit
        mask = self.allowed()
        mask.flags.writeable = False
        allowed = np.flatnonzero(mask)
        closing = bool(mask[_CLOSING_TOKENS].any())
        needed = np.union1d(allowed, _CLOSING_TOKENS) if closing else allowed
        result = (mask, int(allowed[0]) if len(allowed) == 1 else -1, needed, closing)
        if key is not None:
            self._cache[key] = result
        return result

    # -- masks -------------------------------------------------------------
    def _fixed_note_at(self, tick: int):
        """The kept melody note sounding at ``tick`` (keep='melody'), if any."""
        return next((n for n, _ in self.fixed_notes.values() if n.onset <= tick < n.end), None)

    def _next_fixed(self, after: int) -> int | None:
        for t in self.fixed_onsets:
            if t > after:
                return t
        return None

    def allowed(self) -> np.ndarray:
        if self.queue:
            mask = np.zeros(len(self.v), dtype=bool)
            mask[self.queue[0]] = True
            return mask
        mask = super().allowed()
        if self.state == "key" and self.fixed_key is None and self.key_choices:
            mask[:] = False
            for k in self.key_choices:
                mask[self.v.key(k)] = True
        if self.keep_register:
            self._register_mask(mask)
        if self.keep:
            self._keep_mask(mask)
        else:
            self._harmony_mask(mask)
        if not mask.any():          # never leave a row with no way on
            return super().allowed()
        return mask

    def bar_has_chord(self) -> bool:
        """Whether a chord has started in the current bar (the one being voiced counts)."""
        if self.state == "voicing":
            return True
        if self.open_chord is not None and self.open_chord[2] >= self.bar_start:
            return True
        return bool(self.chords) and self.chords[-1].onset >= self.bar_start

    def chord_grid(self) -> int | None:
        """Ticks between the positions where a chord may start, or None (anywhere)."""
        if self.harmonic_rhythm is None or self.meter is None:
            return None
        if self._grid is None:                 # the meter is fixed once read
            self._grid = chord_grid(self.meter, self.harmonic_rhythm)
        return self._grid

    def _off_grid_chords(self, mask: np.ndarray) -> None:
        """At a position off the harmonic rhythm's grid no chord may start."""
        grid = self.chord_grid()
        if grid is not None and self.pos % grid:
            start, end = self.v.ranges["CHORD"]
            mask[start:end] = False

    def _harmony_mask(self, mask: np.ndarray) -> None:
        """Every bar has a chord, and its first event is one: an empty bar may not close, and
        a bar's first position takes a chord before any melody note. (The model, sampled,
        left a bar of silence in a third of its ideas; songs do in about 1% of bars.) With a
        harmonic rhythm, chords start only on its grid, and a position off the grid is
        offered only where the melody may start a note."""
        has_chord = self.bar_has_chord()
        grid = self.chord_grid()
        if self.state == "at_pos":
            self._off_grid_chords(mask)
            if not has_chord:
                for family in ("VEL", "P"):
                    start, end = self.v.ranges[family]
                    mask[start:end] = False
            return
        if not self.can_close_bar():
            return
        if not has_chord:
            mask[_CLOSING_TOKENS] = False
        if grid is None and has_chord:
            return
        start, end = self.v.ranges["POS"]
        p = np.arange(end - start)
        chord_ok = p >= self.chord_free - self.bar_start
        if grid is not None:
            chord_ok &= p % grid == 0
        melody_ok = (p >= self.melody_free - self.bar_start) if has_chord else False
        mask[start:end] &= chord_ok | melody_ok

    def _note_start_token(self, note) -> int:
        return self.v.vel(note.velocity) if note.velocity != self.velocity else self.v.pitch(note.pitch)

    def _keep_mask(self, mask: np.ndarray) -> None:
        """Follow the kept part exactly; the other part may only start where it is free."""
        s, v = self.state, self.v
        tick = self.bar_start + self.pos
        if s == "voicing" or s == "note_dur":
            own = np.zeros_like(mask)          # the event's own tokens: voicing and DUR
            if s == "voicing":
                for fam in ("BASS", "UP", "UP2", "DUR"):
                    own[slice(*v.ranges[fam])] = True
            else:
                own[slice(*v.ranges["DUR"])] = True
            rest = mask & ~own
            mask &= own
            if s == "voicing" and self.keep == "chords":
                fixed, tokens, implicit = self.fixed_chords[tick]
                mask[:] = False
                if self.voicing_tokens < len(tokens):
                    mask[tokens[self.voicing_tokens]] = True
                    return
                if not implicit:
                    mask[v.dur(fixed.duration)] = True
                    return
            if s == "note_dur" and self.keep == "melody":
                note, implicit = self.fixed_notes[tick]
                mask[:] = False
                if not implicit:
                    mask[v.dur(note.duration)] = True
                    return
            self._keep_continue(rest, after_chord=(s == "voicing"))
            mask |= rest
        elif s in ("in_bar", "after_chord"):
            self._keep_continue(mask, after_chord=(s == "after_chord"))
        elif s == "at_pos":
            if self.keep == "chords":
                mask[slice(*v.ranges["CHORD"])] = False
                if tick in self.fixed_chords:
                    fixed = self.fixed_chords[tick][0]
                    mask[:] = False
                    mask[v.chord(fixed.root, fixed.quality)] = True
            else:
                mask[slice(*v.ranges["P"])] = False
                mask[slice(*v.ranges["VEL"])] = False
                if tick in self.fixed_notes:     # a chord may come first; then this note's start
                    mask[self._note_start_token(self.fixed_notes[tick][0])] = True
                # the model writes a chord before the note at its position, so it cannot
                # hear the kept note: a new chord must hold the kept note sounding there
                note = self._fixed_note_at(tick)
                if note is not None:
                    mask[slice(*v.ranges["CHORD"])] &= _CHORDS_HOLDING[note.pitch % 12]
                self._off_grid_chords(mask)             # new chords keep the harmonic rhythm
        elif s == "pitch" and self.keep == "melody":
            mask[:] = False
            mask[v.pitch(self.fixed_notes[tick][0].pitch)] = True

    def _keep_continue(self, mask: np.ndarray, after_chord: bool) -> None:
        """Narrow what may follow an event when one part is kept: the kept part's next onset
        must not be skipped, and the free part may start only where it is free."""
        v = self.v
        tick = self.bar_start + self.pos
        if after_chord and self.keep == "melody":
            fixed_note = self.fixed_notes.get(tick)
            if fixed_note is not None and self.melody_free <= tick:
                start_token = self._note_start_token(fixed_note[0])
                allowed = bool(mask[start_token])
                mask[:] = False
                mask[start_token] = allowed
                return
            mask[slice(*v.ranges["P"])] = False
            mask[slice(*v.ranges["VEL"])] = False
        start, _ = v.ranges["POS"]
        nxt = self._next_fixed(tick if self.pos >= 0 else self.bar_start - 1)
        bar_end = self.bar_start + self.bar_len
        in_bar = nxt is not None and nxt < bar_end
        last = (nxt if in_bar else bar_end - 1) - self.bar_start
        # the free part: a note or chord sounding without a written end may be cut by a new one
        if self.keep == "chords":
            free_at = self.melody_free if self.state != "note_dur" else tick + 1
        else:
            free_at = self.chord_free if self.state != "voicing" else tick + 1
        grid = self.chord_grid() if self.keep == "melody" else None
        for p in range(self.bar_len):
            t = self.bar_start + p
            free = free_at <= t and (grid is None or p % grid == 0)   # new chords: on the grid
            if not (self.pos < p <= last and (t == nxt or free)):
                mask[start + p] = False
        if in_bar:
            for t in self._end_of_bar_tokens():
                mask[t] = False

    def _register_mask(self, mask: np.ndarray) -> None:
        s, v = self.state, self.v
        tick = self.bar_start + self.pos
        if s in ("at_pos", "after_chord", "pitch", "voicing"):
            start, _ = v.ranges["P"]
            top = self.sounding_chord_top(tick)
            floor = max(GEN_MELODY_BOTTOM, (top + 1) if top is not None else 0, MELODY_RANGE[0] - self.shift)
            mask[start:start + floor - MELODY_RANGE[0]] = False
            if self.shift > 0:          # room to move the idea up afterwards
                mask[start + MELODY_RANGE[1] - self.shift - MELODY_RANGE[0] + 1:start + MELODY_RANGE[1] - MELODY_RANGE[0] + 1] = False
        if s == "voicing" and self.keep != "chords":
            note = self.sounding_note(tick)
            if self.keep == "melody":       # stay under the kept note that sounds here
                fixed = self._fixed_note_at(tick)
                note = fixed.pitch if fixed is not None else None
            ceiling = min(GEN_VOICING_TOP, (note - 1) if note is not None else GEN_VOICING_TOP,
                          VOICING_RANGE[1] - max(0, self.shift))
            if not self.voicing:
                start, end = v.ranges["BASS"]
                bottom = VOICING_RANGE[0] + max(0, -self.shift)
                mask[start:start + bottom - VOICING_RANGE[0]] = False
                # leave room for a second voice under the ceiling
                mask[start + ceiling - 1 - VOICING_RANGE[0] + 1:end] = False
            else:
                room = ceiling - self.voicing[-1]
                start, end = v.ranges["UP"]
                mask[start:end] &= v.up_rise <= room
                start, end = v.ranges["UP2"]
                mask[start:end] &= v.up2_rise <= room

    def feed(self, token: int, check: bool = True) -> None:
        if self.queue:
            if token != self.queue[0]:
                raise ValueError("token differs from the forced script")
            self.queue.pop(0)
        super().feed(token, check)


def _sample(probs: np.ndarray, rng: np.random.Generator, top_p: float) -> np.ndarray:
    """One column per row from unnormalised probabilities (B, K), nucleus (top-p) filtered:
    a row keeps its most likely columns until they hold ``top_p`` of its mass.

    Draws in the row's descending order, then finds the column holding the drawn value (a
    tie picks the first column of equal probability, which is as likely)."""
    rows = np.arange(len(probs))
    ordered = np.sort(probs, axis=1)[:, ::-1]
    cum = np.cumsum(ordered, axis=1)
    if top_p < 1.0:
        mass = cum[rows, np.argmax(cum >= top_p * cum[:, -1:], axis=1)]
    else:
        mass = cum[:, -1]
    draws = (1.0 - rng.random(len(probs))) * mass               # in (0, mass]
    value = ordered[rows, np.argmax(cum >= draws[:, None], axis=1)]
    return np.argmax(probs == value[:, None], axis=1)


def _draw_rows(z: np.ndarray, allowed: np.ndarray, closing: bool, cols: np.ndarray,
               rng: np.random.Generator, top_p: float, temperature: float) -> np.ndarray:
    """One column per row from logits ``z`` (B, K) over token ids ``cols``, where ``allowed``:
    temperature, then the model's wish to close the bar goes to whichever closing token the
    row may take, then nucleus sampling. ``closing``: all closing tokens are among ``cols``."""
    z /= temperature
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    if closing:
        end_cols = np.searchsorted(cols, _CLOSING_TOKENS)
        end_mass = p[:, end_cols].sum(axis=1)
        p = np.where(allowed, p, 0.0)
        allowed_end = allowed[:, end_cols]
        rows = np.flatnonzero(allowed_end.any(axis=1))
        p[rows, end_cols[allowed_end[rows].argmax(axis=1)]] = end_mass[rows]
    else:
        p = np.where(allowed, p, 0.0)
    bad = p.sum(axis=1) <= 0
    if bad.any():
        p[bad] = allowed[bad]
    return _sample(p, rng, top_p)


def _draw_one(z: np.ndarray, allowed: np.ndarray, closing: bool, cols: np.ndarray,
              rng: np.random.Generator, top_p: float, temperature: float) -> int:
    """``_draw_rows`` for a single row, in plain Python: the same rules without the fixed
    cost of a dozen small NumPy calls (a single idea decodes about 20% faster)."""
    logits = z.tolist()
    ok = allowed.tolist()
    top = max(logits)
    p = [math.exp((v - top) / temperature) for v in logits]
    if closing:
        ends = [int(i) for i in np.searchsorted(cols, _CLOSING_TOKENS)]
        mass = sum(p[i] for i in ends)
        p = [v if a else 0.0 for v, a in zip(p, ok)]
        first = next((i for i in ends if ok[i]), None)
        if first is not None:
            p[first] = mass
    else:
        p = [v if a else 0.0 for v, a in zip(p, ok)]
    total = sum(p)
    if total <= 0:
        p = [1.0 if a else 0.0 for a in ok]
        total = sum(p)
    order = sorted(range(len(p)), key=p.__getitem__, reverse=True)
    kept = total
    if top_p < 1.0:
        cum = 0.0
        for i in order:
            cum += p[i]
            if cum >= top_p * total:
                kept = cum
                break
    draw = (1.0 - rng.random()) * kept
    cum = 0.0
    for i in order:
        cum += p[i]
        if cum >= draw:
            return i
    return order[0]


class RowPicker:
    """Chooses which of a batch's ``n`` rows are shown: the first ``need`` (by row number)
    that pass, whatever order they finish in. A row is released as soon as it passes and no
    unfinished row before it could push it out."""

    def __init__(self, n: int, need: int) -> None:
        self.need = need
        self.passed: list[object | None] = [None] * n
        self.pending = [True] * n
        self.shown = [False] * n

    def finish(self, row: int, passed: object | None) -> list:
        """Row ``row`` is done (``passed``: what to show, or None when refused); returns the
        rows' items that are now sure to be shown, in row order."""
        self.pending[row] = False
        self.passed[row] = passed
        released = []
        ahead = 0                            # rows before r that passed or still may
        for r, item in enumerate(self.passed):
            if ahead >= self.need:
                break
            if item is not None and not self.shown[r]:
                self.shown[r] = True
                released.append(item)
            if self.pending[r] or item is not None:
                ahead += 1
        return released

    @property
    def settled(self) -> bool:
        """All ``need`` rows are known: the rest of the batch is not needed."""
        return sum(self.shown) >= self.need


class Generator:
    """Generates ideas from a model's weights. Thread-safe for one call at a time per object."""

    def __init__(self, weights: LSTMWeights, originality=None, keys: str = "normalise") -> None:
        """``keys``: how the model learnt keys ('normalise': it writes in C major / A minor and
        ideas are moved to the asked key; 'augment': it writes in any key directly)."""
        self.lstm = NumpyLSTM(weights)
        self.normalised = keys == "normalise"
        self.originality = originality
        self.redrawn = 0
        self._lock = threading.Lock()
        self._mask_cache: dict = {}

    MASK_CACHE_LIMIT = 20000      # situations kept between calls (about 1.5 kB each)

    def _masks(self) -> dict:
        """The grammar-mask memo shared by all rows and calls (masks depend only on the
        grammar situation, never on the model); emptied when it grows past the limit."""
        if len(self._mask_cache) > self.MASK_CACHE_LIMIT:
            self._mask_cache.clear()
        return self._mask_cache

    def generate(self, settings: GenerationSettings, on_idea: IdeaCallback | None = None,
                 cancel: Callable[[], bool] | None = None, batch_size: int = 32,
                 accept: Callable[[Idea], bool] | None = None) -> list[Idea]:
        """``settings.count`` ideas; ``on_idea(index, idea)`` fires as each one finishes.

        An idea with a section lacking melody or chords, or one ``accept`` refuses, is
        redrawn (``self.redrawn`` counts them). Same settings and seed -> the same ideas.
        Raises Cancelled if ``cancel()`` turns true.

        A batch decodes a few rows more than it needs, so that a refused idea rarely costs a
        second batch. Which rows are shown depends only on their order, never on how soon they
        finish: the first ``need`` rows (by row number) that pass. A finished row is shown at
        once when it passes and cannot be pushed out by the unfinished rows before it, and the
        batch stops as soon as its ``need`` ideas are settled. (Taking the first to *finish*
        would favour short, sparse ideas.)"""
        rng = np.random.default_rng(settings.seed)
        ideas: list[Idea] = []
        self.redrawn = 0
        drawn = 0
        limit = 10 * settings.count + 64          # a model that cannot satisfy us stops somewhere
        key_rng = random.Random(settings.seed)
        thin: list[Idea] = []                     # well formed, just thin: a last resort

        def judge(idea: Idea) -> Idea | None:
            """The idea as it will be shown, or None when it is to be redrawn."""
            if self.normalised:
                tonic = settings.key.tonic if settings.key is not None else key_rng.randrange(12)
                try:
                    idea = move_to_key(idea, Key(tonic, idea.key.mode))
                except ValueError:
                    return None
            if not well_shaped(idea):
                if len(thin) < settings.count:
                    thin.append(idea)
                return None
            if accept is not None and not accept(idea):
                return None
            return idea

        with self._lock:
            while len(ideas) < settings.count and drawn < limit:
                need = settings.count - len(ideas)
                n = min(batch_size, need + self.extra_rows(need))
                picker = RowPicker(n, need)

                def done(row: int, idea: Idea) -> bool:
                    nonlocal drawn
                    drawn += 1
                    passed = judge(idea)
                    if passed is None:
                        self.redrawn += 1
                    for shown in picker.finish(row, passed):
                        ideas.append(shown)
                        if on_idea is not None:
                            on_idea(len(ideas) - 1, shown)
                    return picker.settled

                grammars = [self._grammar(settings, cache=self._masks()) for _ in range(n)]
                self._decode(grammars, settings, rng, done, cancel)
        # a model that keeps writing thin ideas still gives the count asked for
        for idea in thin:
            if len(ideas) >= settings.count:
                break
            if accept is None or accept(idea):
                ideas.append(idea)
                if on_idea is not None:
                    on_idea(len(ideas) - 1, idea)
        return ideas

    @staticmethod
    def extra_rows(need: int) -> int:
        """Rows decoded beyond ``need`` in a batch: about one in eight (none for one idea,
        where a lone row is fastest and a redraw is cheap)."""
        return 0 if need <= 1 else -(-need // 8)

    def _grammar(self, settings: GenerationSettings, **kwargs) -> _RegisterGrammar:
        key, key_choices = settings.key, None
        if self.normalised:
            key = home_key(settings.key.mode) if settings.key is not None else None
            key_choices = (home_key("major"), home_key("minor"))
        return _RegisterGrammar(key=key, meter=settings.meter, tempo=settings.tempo,
                                plan=settings.plan(), keep_register=settings.keep_register,
                                key_choices=key_choices, harmonic_rhythm=settings.harmonic_rhythm,
                                **kwargs)

    def _home(self, idea: Idea) -> Idea:
        """An idea as the model writes it (in C major / A minor for a key-normalised model)."""
        return move_to_key(idea, home_key(idea.key.mode)) if self.normalised else idea


    def regenerate(self, idea: Idea, keep: str, settings: GenerationSettings,
                   count: int = 1, on_idea: IdeaCallback | None = None,
                   cancel: Callable[[], bool] | None = None) -> list[Idea]:
        """New ideas that keep the idea's chords ('chords': a new melody) or its melody
        ('melody': new chords), with its key, tempo, meter and sections."""
        if keep not in ("chords", "melody"):
            raise ValueError("keep must be 'chords' or 'melody'")
        rng = np.random.default_rng(settings.seed)
        home = self._home(idea)
        plan_settings = replace(settings, key=home.key, tempo=idea.tempo, meter=idea.meter)
        grammars = [_RegisterGrammar(key=home.key, meter=idea.meter, tempo=idea.tempo,
                                     plan=idea.sections, keep_register=settings.keep_register,
                                     fixed=home, keep=keep, shift=_shift_between(home, idea),
                                     harmonic_rhythm=settings.harmonic_rhythm)
                    for _ in range(count)]
        return self._decode_and_return(grammars, plan_settings, rng, _shift_between(home, idea),
                                       on_idea, cancel)

    def continue_primer(self, primer: Idea, settings: GenerationSettings,
                        on_idea: IdeaCallback | None = None,
                        cancel: Callable[[], bool] | None = None) -> list[Idea]:
        """Ideas whose verse starts with the primer's bars (at most one section's worth) and
        goes on from there, in the primer's key, tempo and meter."""
        bars = min(primer.bars, settings.bars_per_section)
        plan = settings.plan()
        original = primer
        primer = self._home(primer)
        head = primer_excerpt(primer, bars, plan)
        tokens = encode(head)
        # keep everything up to the end of the primer's last bar: drop the closing tokens
        prefix = tokens[:_end_of_bar_index(tokens, bars)]
        rng = np.random.default_rng(settings.seed)
        grammars = [_RegisterGrammar(key=primer.key, meter=primer.meter, tempo=primer.tempo,
                                     plan=plan, keep_register=settings.keep_register, prefix=prefix,
                                     shift=_shift_between(primer, original), cache=self._masks(),
                                     harmonic_rhythm=settings.harmonic_rhythm)
                    for _ in range(settings.count)]
        return self._decode_and_return(grammars, settings, rng, _shift_between(primer, original),
                                       on_idea, cancel)

    def _decode_and_return(self, grammars, settings: GenerationSettings, rng: np.random.Generator,
                           shift: int, on_idea: IdeaCallback | None,
                           cancel: Callable[[], bool] | None) -> list[Idea]:
        """Decode ideas written in the model's home key and move them back by ``shift`` (the
        very shift that brought their source home), then hand each to ``on_idea``."""
        with self._lock:
            out = self._decode(grammars, settings, rng, lambda i, x: None, cancel)
        if self.normalised:
            out = [o.transposed(shift) for o in out]
        for i, o in enumerate(out):
            if on_idea is not None:
                on_idea(i, o)
        return out

    def _decode(self, grammars: list[_RegisterGrammar], settings: GenerationSettings,
                rng: np.random.Generator, on_done: RowCallback,
                cancel: Callable[[], bool] | None) -> list[Idea]:
        """Decode all rows together, one token per step. Rows that finish leave the batch;
        a step computes logits only for rows with a choice to make, and only for the tokens
        one of them may take. ``on_done(row, idea)`` returning True ends the decoding there.

        BLAS runs on one thread meanwhile: a step's matrices are small, and a second BLAS
        thread only waits for a core that the GUI, the synth or another program holds
        (16 ideas took 1.2 s instead of 0.33 s here with one core busy elsewhere)."""
        with _one_blas_thread():
            return self._decode_rows(grammars, settings, rng, on_done, cancel)

    def _decode_rows(self, grammars: list[_RegisterGrammar], settings: GenerationSettings,
                     rng: np.random.Generator, on_done: RowCallback,
                     cancel: Callable[[], bool] | None) -> list[Idea]:
        lstm = self.lstm
        n = len(grammars)
        state = lstm.zero_state(n)
        top = state[-1][0]
        active = np.arange(n)
        results: list[Idea | None] = [None] * n
        temperature = max(1e-3, float(settings.temperature))
        fed: np.ndarray | None = None
        step = 0
        while len(active):
            if cancel is not None and step % 16 == 0 and cancel():
                raise Cancelled()
            options = [grammars[i].choices() for i in active]
            choice = np.fromiter((o[1] for o in options), np.int64, len(options))
            if fed is not None:
                top, state = lstm.advance(fed, state)
            free = np.flatnonzero(choice < 0)
            if len(free):
                if len(free) == 1:
                    masks = options[free[0]][0][None, :]
                    cols, closing = options[free[0]][2:]
                else:
                    picked = [options[j] for j in free]
                    masks = np.stack([o[0] for o in picked])
                    wanted = masks.any(axis=0)
                    closing = any(o[3] for o in picked)
                    if closing:
                        wanted[_CLOSING_TOKENS] = True
                    cols = np.flatnonzero(wanted)
                z = lstm.logits(top[free], cols)
                if len(free) == 1:
                    choice[free[0]] = cols[_draw_one(z[0], masks[0, cols], closing, cols, rng,
                                                     settings.top_p, temperature)]
                else:
                    choice[free] = cols[_draw_rows(z, masks[:, cols], closing, cols, rng,
                                                   settings.top_p, temperature)]
            finished = []
            for j, (i, token) in enumerate(zip(active.tolist(), choice.tolist())):
                g = grammars[i]
                g.feed(token, check=False)
                if g.done:
                    idea = g.idea()
                    results[i] = idea
                    if on_done(int(i), idea):
                        return [r for r in results if r is not None]
                    finished.append(j)
            fed = choice
            if finished:
                keep = np.ones(len(active), dtype=bool)
                keep[finished] = False
                active, fed = active[keep], fed[keep]
                state = [(h[keep], c[keep]) for h, c in state]
            step += 1
        return [r for r in results if r is not None]


def _shift_between(a: Idea, b: Idea) -> int:
    """Semitones that move idea ``a`` onto ``b`` (same notes, another key)."""
    if a.melody and b.melody:
        return b.melody[0].pitch - a.melody[0].pitch
    if a.chords and b.chords:
        return b.chords[0].voicing[0] - a.chords[0].voicing[0]
    return 0


MIN_NOTE_LENGTHS = 3        # a melody of one or two note lengths has no rhythm to speak of


def well_shaped(idea: Idea) -> bool:
    """Every section has some melody (2+ notes) and at least one chord, and the melody
    uses at least MIN_NOTE_LENGTHS distinct note lengths."""
    if len({n.duration for n in idea.melody}) < MIN_NOTE_LENGTHS:
        return False
    for _section, start, end in idea.section_spans():
        if sum(1 for n in idea.melody if start <= n.onset < end) < 2:
            return False
        if not any(start <= c.onset < end for c in idea.chords):
            return False
    return True


def _end_of_bar_index(tokens: list[int], bars: int) -> int:
    """Index just past the last event of bar number ``bars`` (1-based) in an encoding."""
    seen = 0
    for i, t in enumerate(tokens):
        if t == VOCAB.BAR:
            seen += 1
            if seen == bars + 1:
                return i
        elif VOCAB.family_of(t)[0] in ("SEC", "EOS") and seen >= bars:
            return i
    return len(tokens) - 1


def primer_excerpt(primer: Idea, bars: int, plan: Sequence[Section]) -> Idea:
    """The first ``bars`` bars of a primer laid into the generation plan's sections."""
    end = bars * primer.bar_ticks
    chords = tuple(c for c in primer.chords if c.onset < end)
    notes = tuple(replace(n, duration=min(n.duration, end - n.onset)) for n in primer.melody if n.onset < end)
    idea = Idea(primer.key, primer.tempo, primer.meter, tuple(plan), chords, notes)
    idea.validate()
    return idea


def ideas_per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else math.inf
