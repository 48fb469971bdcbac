"""Where the beats of a file are, so notes land on the grid a transcriber would write.

A file written by a sequencer has its notes on its own beat grid: nothing to do. Published
MIDI often has every note late by a constant offset (the first beat 55 ms in): the phase of
the grid is found from where the strong onsets fall and taken off. A file played without a
click has no grid at all: the beats are tracked through the performance (dynamic
programming over the onsets, the period near the file's tempo) and every time is read
against them. Either way the times are then quantised to 16ths or 8th-note triplets, beat by
beat, whichever the onsets in that beat fit.

Times here are in beats (floats) until :meth:`TimeMap.tick` puts them on the idea grid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..music.idea import TICKS_PER_BEAT

SIXTEENTHS = (0.0, 0.25, 0.5, 0.75, 1.0)
TRIPLETS = (0.0, 1 / 3, 2 / 3, 1.0)
GRID = sorted(set(SIXTEENTHS) | set(TRIPLETS))
ON_GRID = 1 / 32  # an onset this close (in beats) to the 16th/triplet grid sits on it
FITS = 0.9  # share of onsets on the grid for a grid to be accepted as the file's

# how strongly each grid position attracts a strong onset when looking for the beat's phase
_PULL = {0.0: 1.0, 0.5: 0.55, 0.25: 0.3, 0.75: 0.3, 1 / 3: 0.3, 2 / 3: 0.3, 1.0: 1.0}


def grid_distance(beats: np.ndarray) -> np.ndarray:
    """Distance (in beats) of each position to the nearest 16th or triplet point."""
    frac = np.mod(beats, 1.0)
    return np.min(np.abs(frac[:, None] - np.array(GRID)[None, :]), axis=1)


def on_grid_share(beats: np.ndarray) -> float:
    return float(np.mean(grid_distance(beats) <= ON_GRID)) if len(beats) else 1.0


@dataclass(frozen=True)
class TimeMap:
    """File ticks -> beats: ``beat_ticks`` are the file ticks of beats 0, 1, 2... (beyond
    them the last period continues); ``how`` says what was done ('' = the file's own grid)."""

    tpb: int
    beat_ticks: tuple[float, ...] = ()
    shift: float = 0.0  # in beats, taken off every time (constant phase)
    how: str = ""
    quantise: bool = False  # snap to 16ths/triplets (off for files already on their grid)

    def beats(self, ticks: Sequence[float] | np.ndarray) -> np.ndarray:
        ticks = np.asarray(ticks, dtype=float)
        if not self.beat_ticks:
            return ticks / self.tpb - self.shift
        known = np.asarray(self.beat_ticks)
        index = np.arange(len(known), dtype=float)
        inside = np.interp(ticks, known, index)
        first = (known[1] - known[0]) if len(known) > 1 else self.tpb
        last = (known[-1] - known[-2]) if len(known) > 1 else self.tpb
        before = (ticks - known[0]) / first
        after = index[-1] + (ticks - known[-1]) / last
        return np.where(ticks < known[0], before, np.where(ticks > known[-1], after, inside))

    def ticks(self, file_ticks: Sequence[float]) -> list[int]:
        """Grid ticks of file times: snapped to the 16th/triplet grid (the subdivision each
        beat's times fit best) when quantising, else rounded to the nearest grid tick."""
        beats = self.beats(file_ticks)
        if not self.quantise:
            return [max(0, int(math.floor(b * TICKS_PER_BEAT + 0.5))) for b in beats]
        return [max(0, int(t)) for t in _snap(beats)]


def _snap(beats: np.ndarray) -> np.ndarray:
    """Per beat, 16ths or triplets (whichever its times fit, 16ths on a tie), in grid ticks."""
    whole = np.floor(beats)
    frac = beats - whole
    sixteenth = np.round(frac * 4) / 4
    triplet = np.round(frac * 3) / 3
    err16 = np.abs(frac - sixteenth)
    err3 = np.abs(frac - triplet)
    use_triplet = np.zeros(len(beats), dtype=bool)
    order = np.argsort(whole, kind="stable")
    keys = whole[order]
    if len(keys):
        cuts = np.flatnonzero(np.diff(keys)) + 1
        for group in np.split(order, cuts):
            if err3[group].sum() + 0.02 < err16[group].sum():
                use_triplet[group] = True
    snapped = whole + np.where(use_triplet, triplet, sixteenth)
    return np.round(snapped * TICKS_PER_BEAT).astype(int)


def _phase_score(beats: np.ndarray, weights: np.ndarray, shift: float) -> float:
    frac = np.mod(beats - shift, 1.0)
    total = np.zeros(len(beats))
    for point, pull in _PULL.items():
        total = np.maximum(total, pull * np.exp(-0.5 * ((frac - point) / 0.03) ** 2))
    return float(np.dot(weights, total))


def best_phase(beats: np.ndarray, weights: np.ndarray) -> float:
    """The shift (in beats, within half a beat either way) that puts the strong onsets on
    the beat and the rest on the grid."""
    shifts = np.linspace(-0.5, 0.5, 193)[:-1]
    scores = [_phase_score(beats, weights, s) for s in shifts]
    return float(shifts[int(np.argmax(scores))])


def track_beats(ticks: np.ndarray, weights: np.ndarray, tpb: int) -> np.ndarray:
    """Beat times (file ticks) through a performance, by dynamic programming over an onset
    strength envelope (each beat rewarded by the onsets on it, each inter-beat interval
    penalised by its log distance from the file's beat), then back-tracked."""
    frame = tpb / 24.0  # 24 frames per nominal beat
    period = 24
    n = int(ticks.max() / frame) + period + 2
    envelope = np.zeros(n)
    idx = np.clip(np.round(ticks / frame).astype(int), 0, n - 1)
    np.add.at(envelope, idx, weights)
    envelope = np.convolve(envelope, np.array([0.25, 0.5, 1.0, 0.5, 0.25]), mode="same")
    envelope /= envelope.max() or 1.0
    lags = np.arange(int(period * 0.75), int(period * 1.3) + 1)
    penalty = 40.0 * np.log(lags / period) ** 2  # a 10% longer beat costs about 0.36
    score = envelope.copy()
    back = np.full(n, -1)
    for f in range(lags[0], n):
        prev = f - lags
        ok = prev >= 0
        if not ok.any():
            continue
        candidates = score[prev[ok]] - penalty[ok]
        best = int(np.argmax(candidates))
        if candidates[best] > 0:
            score[f] = envelope[f] + candidates[best]
            back[f] = prev[ok][best]
    # end on the best beat within the last period, then walk back
    last = int(np.argmax(score[max(0, n - period * 2) :])) + max(0, n - period * 2)
    beats = [last]
    while back[beats[-1]] >= 0:
        beats.append(int(back[beats[-1]]))
    return np.array(beats[::-1], dtype=float) * frame


def find_time_map(onsets: Sequence[int], weights: Sequence[float], tpb: int) -> TimeMap:
    """How to read a file's times: its own grid, shifted by a constant phase, or tracked
    beats. ``onsets`` are note-on times in file ticks, ``weights`` how strong each is (notes
    starting together, low notes, accents)."""
    if not len(onsets):
        return TimeMap(tpb)
    ticks = np.asarray(onsets, dtype=float)
    strength = np.asarray(weights, dtype=float)
    plain = ticks / tpb
    exact = np.abs(plain * TICKS_PER_BEAT - np.round(plain * TICKS_PER_BEAT)) < 1e-6
    if exact.mean() >= 0.95:  # written by a sequencer on its grid (a Songsketch export, say)
        # unless all of it sits off the 16th/triplet grid by one constant offset
        shift = best_phase(plain, strength)
        if not (on_grid_share(plain) < 0.5 and on_grid_share(plain - shift) >= FITS):
            return TimeMap(tpb)
    fit = on_grid_share(plain)
    if fit >= FITS and _phase_score(plain, strength, 0.0) >= 0.9 * _phase_score(
        plain, strength, best_phase(plain, strength)
    ):
        return TimeMap(tpb)
    shift = best_phase(plain, strength)
    shifted_fit = on_grid_share(plain - shift)
    if shifted_fit >= FITS:
        return TimeMap(tpb, shift=shift, how=_shift_words(shift), quantise=True)
    beats = track_beats(ticks, strength, tpb)
    if len(beats) >= 4:
        # number the beats so that the first lands where the file's grid puts it
        first = int(round(beats[0] / tpb))
        if first > 0:
            period = beats[1] - beats[0]
            beats = np.concatenate([beats[0] - period * np.arange(first, 0, -1), beats])
        tracked = TimeMap(tpb, beat_ticks=tuple(beats), how="beats tracked (played without a click)")
        tracked_fit = on_grid_share(tracked.beats(ticks))
        if tracked_fit > max(fit, shifted_fit):
            return TimeMap(tpb, tracked.beat_ticks, how=tracked.how, quantise=True)
    if shifted_fit > fit:
        return TimeMap(tpb, shift=shift, how=_shift_words(shift), quantise=True)
    return TimeMap(tpb, quantise=fit < FITS, how="" if fit >= FITS else "quantised to 16ths and triplets")


def _shift_words(shift: float) -> str:
    direction = "late" if shift > 0 else "early"
    return f"notes {abs(shift):.2f} beat {direction} put on the beat"
