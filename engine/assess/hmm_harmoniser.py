"""A baseline harmoniser to measure the model's against: a hidden Markov model over chords.

One hidden state per beat, a chord symbol relative to the key's tonic (root 0-11 above it, a
quality of ``chords.QUALITIES``); per mode, the chord-to-chord transitions (a chord held on is
a transition to itself, so the harmonic rhythm is learnt too) and first chords are counted
from training songs; the melody's pitch classes are emitted per 16th, by the interval above
the chord's root, per quality. Viterbi finds the likeliest chord per beat; a run of the same
chord within a bar becomes one chord. The classic approach of melody harmonisation before
neural models (e.g. Microsoft's MySong, Simon et al. 2008), counted here from the same songs
the model learnt.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from ..music import chords as ch
from ..music.idea import TICKS_PER_BEAT, Chord, Idea
from .harmonisation import STEP, beat_symbols

STATES = tuple((root, q) for q in ch.QUALITY_NAMES for root in range(12))  # relative to the tonic
_INDEX = {s: i for i, s in enumerate(STATES)}
_QUALITY = np.array([ch.QUALITY_NAMES.index(q) for _root, q in STATES])
_ROOT = np.array([root for root, _q in STATES])
SMOOTHING = 0.05  # added to every count (more flattens the transitions of a small folder)
# A quality's melody intervals are counted on top of this many notes spread as every
# quality's together: a quality seen a few times (a sus4, a 6) otherwise has a peaked
# emission that outscores the triads on every 16th, and a dozen chorales' HMM wrote a sus4
# or a 6 on nearly every beat.
EMISSION_PRIOR = 50.0


class HmmHarmoniser:
    """Chords for a melody, one per beat at most, from counts of training songs."""

    def __init__(self) -> None:
        n, q = len(STATES), len(ch.QUALITY_NAMES)
        self.transitions = {m: np.full((n, n), SMOOTHING) for m in ("major", "minor")}
        self.starts = {m: np.full(n, SMOOTHING) for m in ("major", "minor")}
        self.emissions = np.full((q, 12), SMOOTHING)  # quality, interval above the root

    def fit(self, ideas: Iterable[Idea]) -> HmmHarmoniser:
        """Count transitions, first chords and melody emissions from ideas with both parts."""
        for idea in ideas:
            if not idea.chords or not idea.melody:
                continue
            mode, tonic = idea.key.mode, idea.key.tonic
            states = [None if s is None else _INDEX[((s[0] - tonic) % 12, s[1])] for s in beat_symbols(idea)]
            first = next((s for s in states if s is not None), None)
            if first is not None:
                self.starts[mode][first] += 1
            for a, b in zip(states, states[1:]):
                if a is not None and b is not None:
                    self.transitions[mode][a, b] += 1
            for beat, pcs in enumerate(_melody_pcs(idea, len(states))):
                if states[beat] is not None:
                    root, quality = STATES[states[beat]]
                    for pc in pcs:
                        self.emissions[ch.QUALITY_NAMES.index(quality), (pc - tonic - root) % 12] += 1
        return self

    def harmonise(self, idea: Idea) -> Idea:
        """The idea with the likeliest chords for its melody in its key (its own chords replaced)."""
        mode, tonic = idea.key.mode, idea.key.tonic
        beats = math.ceil(idea.total_ticks / TICKS_PER_BEAT)
        pooled = self.emissions.sum(axis=0) / self.emissions.sum()
        emissions = self.emissions + EMISSION_PRIOR * pooled
        log_em = np.log(emissions / emissions.sum(axis=1, keepdims=True))
        log_tr = np.log(self.transitions[mode] / self.transitions[mode].sum(axis=1, keepdims=True))
        log_start = np.log(self.starts[mode] / self.starts[mode].sum())
        observed = np.zeros((beats, len(STATES)))
        for beat, pcs in enumerate(_melody_pcs(idea, beats)):
            for pc in pcs:
                observed[beat] += log_em[_QUALITY, (pc - tonic - _ROOT) % 12]
        path = _viterbi(log_start, log_tr, observed)
        return replace(idea, chords=tuple(_chords(path, tonic, idea.bar_ticks)))


def _melody_pcs(idea: Idea, beats: int) -> list[list[int]]:
    """The melody's pitch class on every 16th it sounds, grouped by beat."""
    out: list[list[int]] = [[] for _ in range(beats)]
    for note in idea.melody:
        for step in range(note.onset // STEP, math.ceil(note.end / STEP)):
            beat = step * STEP // TICKS_PER_BEAT
            if beat < beats:
                out[beat].append(note.pitch % 12)
    return out


def _viterbi(log_start: np.ndarray, log_tr: np.ndarray, observed: np.ndarray) -> list[int]:
    """The likeliest state sequence."""
    score = log_start + observed[0]
    back = np.zeros(observed.shape, dtype=np.int64)
    for t in range(1, len(observed)):
        candidates = score[:, None] + log_tr
        back[t] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + observed[t]
    path = [int(score.argmax())]
    for t in range(len(observed) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def _chords(path: list[int], tonic: int, bar: int) -> list[Chord]:
    """Chords from a state per beat: a run of one state within a bar is one chord."""
    out: list[Chord] = []
    for beat, state in enumerate(path):
        onset = beat * TICKS_PER_BEAT
        rel, quality = STATES[state]
        root = (rel + tonic) % 12
        last = out[-1] if out else None
        if last is not None and (last.root, last.quality) == (root, quality) and onset % bar:
            out[-1] = replace(last, duration=last.duration + TICKS_PER_BEAT)
        else:
            out.append(Chord(root, quality, onset, TICKS_PER_BEAT, ch.default_voicing(root, quality)))
    return out
