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
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from .model import LSTMWeights
from .representation import (
    MELODY_RANGE, VOCAB, VOICING_RANGE, Grammar, Idea, Key, Section, encode, home_key, move_to_key)

IdeaCallback = Callable[[int, Idea], None]

GEN_VOICING_TOP = 72        # chord voicings stay at or below C5 when generating
GEN_MELODY_BOTTOM = 55      # and the melody at or above G3


class NumpyLSTM:
    """The Keras model's forward pass, one time step for a batch, in NumPy (float32).

    Keras orders the gates input, forget, cell, output (activation tanh, recurrent sigmoid);
    here the columns are reordered to input, forget, output, cell so that one sigmoid call
    covers three gates, and each deeper layer does a single matmul on [x, h]."""

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

    def zero_state(self, batch: int) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(np.zeros((batch, u), np.float32), np.zeros((batch, u), np.float32)) for u in self.units]

    def step(self, tokens: np.ndarray, state, rows: np.ndarray | None = None):
        """Logits after feeding ``tokens`` (B,), and the new state. With ``rows``, logits are
        computed for those rows only (the others' next token is already known)."""
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
        if rows is not None:
            x = x[rows]
        return x @ self.dense_w + self.dense_b, new_state


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

    def plan(self) -> tuple[Section, Section]:
        return (Section("verse", self.bars_per_section), Section("chorus", self.bars_per_section))


class Cancelled(Exception):
    """Generation was stopped by its cancel flag."""


class _RegisterGrammar(Grammar):
    """A grammar that also keeps chords low and the melody above the chord under it, and can
    be made to follow a script of forced tokens (a primer, or kept chords or melody)."""

    def __init__(self, *args, keep_register: bool = True, fixed: Idea | None = None,
                 keep: str | None = None, prefix: Sequence[int] = (),
                 key_choices: Sequence[Key] | None = None, shift: int = 0, **kwargs) -> None:
        """``shift``: semitones the idea will be moved by afterwards; the register keeps
        room for it so the moved idea stays in range."""
        super().__init__(*args, **kwargs)
        self.key_choices = key_choices
        self.shift = shift
        self.keep_register = keep_register
        self.queue: list[int] = list(prefix)
        self.keep = keep                      # None, 'chords' or 'melody'
        self.fixed_chords = {c.onset: c for c in fixed.chords} if fixed and keep == "chords" else {}
        self.fixed_notes = {n.onset: n for n in fixed.melody} if fixed and keep == "melody" else {}
        self.fixed_onsets = sorted(set(self.fixed_chords) | set(self.fixed_notes))

    def _sounding_chord_top(self, tick: int) -> int | None:
        for c in reversed(self.chords[-2:]):
            if c.onset <= tick < c.end:
                return c.voicing[-1]
        return None

    def _sounding_note(self, tick: int) -> int | None:
        if self.melody and self.melody[-1].onset <= tick < self.melody[-1].end:
            return self.melody[-1].pitch
        return None

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
        if not mask.any():          # never leave a row with no way on
            return super().allowed()
        return mask

    def _force_note_start(self, mask: np.ndarray, note) -> None:
        mask[:] = False
        mask[self.v.vel(note.velocity) if note.velocity != self.velocity else self.v.pitch(note.pitch)] = True

    def _keep_mask(self, mask: np.ndarray) -> None:
        """Follow the kept part exactly; the other part may only start where it is free."""
        s, v = self.state, self.v
        tick = self.bar_start + self.pos
        if s in ("in_bar", "after_chord"):
            if s == "after_chord" and self.keep == "melody":
                if tick in self.fixed_notes:
                    self._force_note_start(mask, self.fixed_notes[tick])
                    return
                mask[slice(*v.ranges["P"])] = False
                mask[slice(*v.ranges["VEL"])] = False
            start, end = v.ranges["POS"]
            mask[start:end] = False
            nxt = self._next_fixed(tick if self.pos >= 0 else self.bar_start - 1)
            bar_end = self.bar_start + self.bar_len
            in_bar = nxt is not None and nxt < bar_end
            last = (nxt if in_bar else bar_end - 1) - self.bar_start
            free_at = self.melody_free if self.keep == "chords" else self.chord_free
            for p in range(self.pos + 1, last + 1):
                t = self.bar_start + p
                if t == nxt or free_at <= t:
                    mask[start + p] = True
            if in_bar:
                for t in self._end_of_bar_tokens():
                    mask[t] = False
        elif s == "at_pos":
            if self.keep == "chords":
                mask[slice(*v.ranges["CHORD"])] = False
                if tick in self.fixed_chords:
                    fixed = self.fixed_chords[tick]
                    mask[:] = False
                    mask[v.chord(fixed.root, fixed.quality)] = True
            else:
                mask[slice(*v.ranges["P"])] = False
                mask[slice(*v.ranges["VEL"])] = False
                note = self.fixed_notes.get(tick)
                if note is not None:     # a chord may come first; then this note's start
                    mask[v.vel(note.velocity) if note.velocity != self.velocity else v.pitch(note.pitch)] = True
        elif s == "pitch" and self.keep == "melody":
            mask[:] = False
            mask[v.pitch(self.fixed_notes[tick].pitch)] = True
        elif s == "note_dur" and self.keep == "melody":
            mask[:] = False
            mask[v.dur(self.fixed_notes[tick].duration)] = True
        elif s == "voicing" and self.keep == "chords":
            fixed = self.fixed_chords[tick]
            mask[:] = False
            if len(self.voicing) < len(fixed.voicing):
                mask[v.voice(fixed.voicing[len(self.voicing)])] = True
            else:
                mask[v.dur(fixed.duration)] = True

    def _register_mask(self, mask: np.ndarray) -> None:
        s = self.state
        if s in ("at_pos", "after_chord", "pitch"):
            start, _ = self.v.ranges["P"]
            tick = self.bar_start + self.pos
            top = self._sounding_chord_top(tick)
            floor = max(GEN_MELODY_BOTTOM, (top + 1) if top is not None else 0, MELODY_RANGE[0] - self.shift)
            mask[start:start + floor - MELODY_RANGE[0]] = False
            if self.shift > 0:          # room to move the idea up afterwards
                mask[start + MELODY_RANGE[1] - self.shift - MELODY_RANGE[0] + 1:start + MELODY_RANGE[1] - MELODY_RANGE[0] + 1] = False
        if s == "voicing" and self.keep != "chords":
            start, end = self.v.ranges["V"]
            tick = self.bar_start + self.pos
            note = self._sounding_note(tick)
            ceiling = min(GEN_VOICING_TOP, (note - 1) if note is not None else GEN_VOICING_TOP,
                          VOICING_RANGE[1] - max(0, self.shift))
            if not self.voicing:
                ceiling -= 1        # leave room for a second voice under the ceiling
            mask[start + ceiling - VOICING_RANGE[0] + 1:end] = False

    def feed(self, token: int, check: bool = True) -> None:
        if self.queue:
            if token != self.queue[0]:
                raise ValueError("token differs from the forced script")
            self.queue.pop(0)
        super().feed(token, check)


def _sample(probs: np.ndarray, rng: np.random.Generator, top_p: float) -> np.ndarray:
    """One token per row from masked probabilities (B, V), nucleus (top-p) filtered."""
    if top_p < 1.0:
        order = np.argsort(-probs, axis=1)
        sorted_p = np.take_along_axis(probs, order, axis=1)
        cum = np.cumsum(sorted_p, axis=1)
        keep_sorted = (cum - sorted_p) < top_p * cum[:, -1:]
        keep = np.zeros_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=1)
        probs = np.where(keep, probs, 0.0)
    cum = np.cumsum(probs, axis=1)
    draws = rng.random(probs.shape[0]) * cum[:, -1]
    return np.minimum((cum < draws[:, None]).sum(axis=1), probs.shape[1] - 1)


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
        v = VOCAB
        self._end_tokens = np.array([v.BAR, v.EOS] + list(range(*v.ranges["SEC"])))

    def generate(self, settings: GenerationSettings, on_idea: IdeaCallback | None = None,
                 cancel: Callable[[], bool] | None = None, batch_size: int = 32,
                 accept: Callable[[Idea], bool] | None = None) -> list[Idea]:
        """``settings.count`` ideas; ``on_idea(index, idea)`` fires as each one finishes.

        An idea with a section lacking melody or chords, or one ``accept`` refuses, is
        redrawn (``self.redrawn`` counts them). Same settings and seed -> the same ideas.
        Raises Cancelled if ``cancel()`` turns true."""
        rng = np.random.default_rng(settings.seed)
        ideas: list[Idea] = []
        self.redrawn = 0
        drawn = 0
        limit = 10 * settings.count + 64          # a model that cannot satisfy us stops somewhere

        key_rng = random.Random(settings.seed)

        def done(_row: int, idea: Idea) -> None:
            nonlocal drawn
            drawn += 1
            if len(ideas) >= settings.count:
                return
            if self.normalised:
                tonic = settings.key.tonic if settings.key is not None else key_rng.randrange(12)
                try:
                    idea = move_to_key(idea, Key(tonic, idea.key.mode))
                except ValueError:
                    self.redrawn += 1
                    return
            if not well_shaped(idea):
                self.redrawn += 1
                if len(spare) < settings.count:
                    spare.append(idea)          # well formed, just thin: a last resort
                return
            if accept is not None and not accept(idea):
                self.redrawn += 1
                return
            ideas.append(idea)
            if on_idea is not None:
                on_idea(len(ideas) - 1, idea)

        spare: list[Idea] = []
        with self._lock:
            while len(ideas) < settings.count and drawn < limit:
                n = min(batch_size, settings.count - len(ideas))
                grammars = [self._grammar(settings) for _ in range(n)]
                self._decode(grammars, settings, rng, done, cancel)
        # a model that keeps writing thin ideas still gives the count asked for
        for idea in spare:
            if len(ideas) >= settings.count:
                break
            if accept is None or accept(idea):
                ideas.append(idea)
                if on_idea is not None:
                    on_idea(len(ideas) - 1, idea)
        return ideas

    def _grammar(self, settings: GenerationSettings, **kwargs) -> _RegisterGrammar:
        key, key_choices = settings.key, None
        if self.normalised:
            key = home_key(settings.key.mode) if settings.key is not None else None
            key_choices = (home_key("major"), home_key("minor"))
        return _RegisterGrammar(key=key, meter=settings.meter, tempo=settings.tempo,
                                plan=settings.plan(), keep_register=settings.keep_register,
                                key_choices=key_choices, **kwargs)

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
                                     fixed=home, keep=keep, shift=_shift_between(home, idea))
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
                                     shift=_shift_between(primer, original))
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
                rng: np.random.Generator, on_done: IdeaCallback,
                cancel: Callable[[], bool] | None) -> list[Idea]:
        n = len(grammars)
        state = self.lstm.zero_state(n)
        tokens = np.full(n, VOCAB.PAD, dtype=np.int64)
        results: list[Idea | None] = [None] * n
        temperature = max(1e-3, float(settings.temperature))
        end_tokens = self._end_tokens
        step = 0
        while any(r is None for r in results):
            if cancel is not None and step % 16 == 0 and cancel():
                raise Cancelled()
            masks = np.zeros((n, len(VOCAB)), dtype=bool)
            forced = np.full(n, -1, dtype=np.int64)
            for i, g in enumerate(grammars):
                if results[i] is not None:
                    masks[i, VOCAB.PAD] = True
                    forced[i] = VOCAB.PAD
                    continue
                m = g.allowed()
                masks[i] = m
                if m.sum() == 1:
                    forced[i] = int(m.argmax())
            free = forced < 0
            if step > 0:          # step 0 is BOS for every row: nothing to predict yet
                logits, state = self.lstm.step(tokens, state, rows=np.nonzero(free)[0])
            choice = forced.copy()
            if free.any():
                z = logits / temperature
                z = z - z.max(axis=1, keepdims=True)
                p = np.exp(z)
                # the model's wish to close the bar goes to whichever closing token is allowed
                sub_masks = masks[free]
                end_mass = p[:, end_tokens].sum(axis=1)
                p = np.where(sub_masks, p, 0.0)
                allowed_end = sub_masks[:, end_tokens]
                has_end = allowed_end.any(axis=1)
                if has_end.any():
                    rows = np.nonzero(has_end)[0]
                    cols = end_tokens[allowed_end[rows].argmax(axis=1)]
                    p[rows, cols] = end_mass[rows]
                p_sum = p.sum(axis=1, keepdims=True)
                bad = p_sum[:, 0] <= 0
                if bad.any():
                    p[bad] = sub_masks[bad].astype(np.float64)
                choice[free] = _sample(p, rng, settings.top_p)
            for i, g in enumerate(grammars):
                if results[i] is not None:
                    continue
                g.feed(int(choice[i]), check=False)
                if g.done:
                    idea = g.idea()
                    results[i] = idea
                    on_done(i, idea)
            tokens = choice
            step += 1
        return [r for r in results if r is not None]


def _shift_between(a: Idea, b: Idea) -> int:
    """Semitones that move idea ``a`` onto ``b`` (same notes, another key)."""
    if a.melody and b.melody:
        return b.melody[0].pitch - a.melody[0].pitch
    if a.chords and b.chords:
        return b.chords[0].voicing[0] - a.chords[0].voicing[0]
    return 0


def well_shaped(idea: Idea) -> bool:
    """Every section has some melody (2+ notes) and at least one chord."""
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
