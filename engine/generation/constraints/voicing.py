"""Chord voicings that sound their symbol, its root and third among them."""

from __future__ import annotations

import numpy as np

from ...music import chords as ch
from ...music.idea import VOICING_RANGE
from ...tokens.grammar import State
from ...tokens.vocab import PAIR_GAP_MAX, VOCAB
from .rule import Constraint


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
