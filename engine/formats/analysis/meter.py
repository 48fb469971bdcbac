"""The meter a musician would hear and where bars start (the bar phase), and the score's
stretches of constant meter."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ...music import chords as ch
from ...music.idea import METERS, TICKS_PER_BEAT, bar_ticks
from .harmony import CHANGE_COST, beat_weights, viterbi
from .raw import RawNote, RawScore

PLAUSIBLE_METERS = set(METERS)
METER_MARGIN = 0.25  # how much better another meter must fit to overrule a written one
PHASE_ZERO_PRIOR = 0.05  # bars starting where the file starts, and 4/4, win near-ties
# harmony changing on more beats than this (a chorale) leaves a written 4/4's bar lines where
# they are: with a chord a beat, where the bar starts is no longer heard in the changes
MAX_CHANGE_RATE = 0.5


def _beat_salience(notes: list[RawNote], accomp: list[RawNote], n_beats: int) -> tuple[np.ndarray, float]:
    """How strongly each quarter-note beat sounds like the start of something: the harmony
    changing, the bass moving, long notes and many notes starting on it; and the share of
    beats on which the harmony changes."""
    beat = TICKS_PER_BEAT
    # where the harmony changes: chords heard beat by beat with no bar lines assumed
    weights, bass_notes, _ = beat_weights(accomp, [], beat, n_beats)
    sounding = weights.sum(axis=1) > 0
    emissions = np.array([ch.chord_scores(weights[k], bass_notes[k]) for k in range(n_beats)])
    path = viterbi(emissions, np.full(n_beats, CHANGE_COST["half"]))
    change = np.zeros(n_beats)
    for k in range(1, n_beats):
        change[k] = float(path[k] != path[k - 1] and sounding[k])
    bass = np.zeros(n_beats)
    lowest: dict[int, int] = {}
    for n in accomp:
        if n.onset % beat == 0:
            k = n.onset // beat
            lowest[k] = min(lowest.get(k, 128), n.pitch)
    previous = None
    for k in sorted(lowest):  # the bass moving to another pitch class (not an octave)
        if k < n_beats and lowest[k] % 12 != previous:
            bass[k] = 1.0
        previous = lowest[k] % 12
    long_notes = np.zeros(n_beats)
    count = np.zeros(n_beats)
    for n in notes:
        if n.onset % beat == 0 and n.onset // beat < n_beats:
            k = n.onset // beat
            long_notes[k] += min(n.duration, 4 * beat) / beat
            count[k] += 1
    long_notes /= long_notes.max() or 1.0
    count /= count.max() or 1.0
    return 2.0 * change + bass + 0.5 * long_notes + 0.3 * count, float(change.mean())


def hear_meter(notes: list[RawNote], accomp: list[RawNote]) -> list[tuple[float, int, int]]:
    """(fit, beats per bar, phase in beats) for bars of 2, 3 and 4 quarters, best first: how
    much more the beats that would start bars stand out than beats in general."""
    return _hear(notes, accomp)[0]


def _hear(notes: list[RawNote], accomp: list[RawNote]) -> tuple[list[tuple[float, int, int]], float]:
    """``hear_meter``'s fits, and the share of beats on which the harmony changes."""
    end = max(n.end for n in notes)
    n_beats = max(1, math.ceil(end / TICKS_PER_BEAT))
    salience, change_rate = _beat_salience(notes, accomp, n_beats)
    mean = salience.mean()
    out = []
    for per_bar in (4, 3, 2):
        for phase in range(per_bar):
            downbeats = salience[phase::per_bar]
            if len(downbeats):
                out.append((float(downbeats.mean() - mean), per_bar, phase))
    out.sort(key=lambda x: (-x[0], -x[1]))
    return out, change_rate


def _meter_words(per_bar: int) -> tuple[int, int]:
    return {4: (4, 4), 3: (3, 4), 2: (2, 4)}[per_bar]


def _misplaced_bars(fits: list[tuple[float, int, int]], meter: tuple[int, int]) -> int:
    """Where the music starts the bars of a written 4/4 (in beats after the file's bar lines):
    0, the file's own, unless another phase clearly fits better (by METER_MARGIN). Files made
    by recording against a click (pop arrangements) often carry 4/4 bars counted from wherever
    the recording began, not from the song's downbeats; a 4/4 the music agrees with stands,
    and so does one whose phases fit alike (a bass moving every two beats). A score's notated
    bar lines, and those of music changing chords on most beats, are not asked."""
    if meter != (4, 4):
        return 0
    phases = {p: f for f, b, p in fits if b == 4}
    best = max(phases, key=lambda p: phases[p])
    return best if phases[best] > phases.get(0, -math.inf) + METER_MARGIN else 0


def settle_meter(score: RawScore, accomp: list[RawNote]) -> tuple[RawScore, str]:
    """The score with the meter a musician would hear, and a remark saying what was assumed
    and why ('' when the file's own meter stands). A written meter stands unless it cannot be
    right (1/4, 1/8, not a meter of songs) or the music clearly contradicts it, and a written
    4/4's bar lines move (padding the start) where the music clearly starts its bars on another
    beat; with no written meter, or beats tracked through a performance, the music decides
    where bars start."""
    written = sorted({m for _t, m in score.time_signatures})
    fits, change_rate = _hear(score.notes, accomp)
    if not fits or (score.authored and all(m in PLAUSIBLE_METERS for m in written)):
        return score, ""
    # near-ties go to bars starting where the file starts, and to 4/4 (MIDI's own default)
    fits = sorted(
        ((f + PHASE_ZERO_PRIOR * (p == 0) + PHASE_ZERO_PRIOR * (b == 4), b, p) for f, b, p in fits),
        key=lambda x: (-x[0], -x[1]),
    )
    best_fit, per_bar, phase = fits[0]
    # 4/4 over 2/4: the same beats; prefer the longer bar unless 2 clearly fits better
    fit4 = max((f for f in fits if f[1] == 4), default=None)
    if per_bar == 2 and fit4 is not None and fit4[0] >= best_fit - METER_MARGIN:
        best_fit, per_bar, phase = fit4
    # a bar of one beat is a converter's placeholder, not a meter; an odd meter (5/8, 11/8)
    # is the music's own and stays, skipped below as unsupported
    implausible = [m for m in written if m[0] == 1 or m[1] not in (1, 2, 4, 8, 16, 32)]
    why = ""
    long_enough = max(n.end for n in score.notes) >= 8 * 4 * TICKS_PER_BEAT  # 8 bars of 4
    if implausible:
        shown = ", ".join(f"{n}/{d}" for n, d in implausible)
        why = f"file says {shown}"
    elif not score.meter_written:
        default = next(f for f in fits if f[1:] == (4, 0))
        if long_enough and (per_bar, phase) != (4, 0) and best_fit > default[0] + METER_MARGIN:
            why = "no time signature in the file"
    elif len(written) == 1 and written[0][1] == 4 and written[0][0] in (2, 3, 4):
        said = written[0][0]
        said_fit = max(f[0] for f in fits if f[1] == said)
        if (
            long_enough
            and per_bar != said
            and not {per_bar, said} <= {2, 4}
            and best_fit > max(said_fit + METER_MARGIN, 2 * said_fit)
        ):
            why = f"file says {said}/4, but the music goes in {per_bar}"
    if not why:
        if len(written) != 1:
            return score, ""
        meter = written[0]
        per_bar = bar_ticks(meter) // TICKS_PER_BEAT
        remark = ""
        if not score.phase_known:  # beats tracked: the music says where the written bars start
            phase = max((f for f in fits if f[1] == per_bar), default=(0, per_bar, 0))[2]
        else:
            heard = long_enough and score.meter_written and not score.bars_notated
            phase = _misplaced_bars(fits, meter) if heard and change_rate <= MAX_CHANGE_RATE else 0
            if not phase:
                return score, ""
            remark = (
                f"bar lines heard {phase} beat(s) after the file's: the chords and bass change there,"
                " mid-way through its bars"
            )
    else:
        meter = _meter_words(per_bar)
        remark = f"meter {meter[0]}/{meter[1]} assumed ({why}): chords and bass move in {per_bar}s"
    pad = ((per_bar - phase) % per_bar) * TICKS_PER_BEAT
    moved = replace(
        score,
        notes=[replace(n, onset=n.onset + pad) for n in score.notes],
        time_signatures=[(0, meter)],
        markers=[(t + pad, text) for t, text in score.markers],
        chord_texts={t + pad: text for t, text in score.chord_texts.items()},
        end=score.end + pad if score.end else 0,
    )
    if pad and remark:
        remark += f", the first bar starting {pad // TICKS_PER_BEAT} beat(s) before the music"
    return moved, remark


def settle_tune_meter(score: RawScore) -> tuple[RawScore, str]:
    """``settle_meter`` for a tune alone: a line's own accents are too weak a sign to move bar
    lines, so the file's meter stands (4/4 from where the file starts if it says none) unless
    it cannot be right (1/4, 1/8, not a meter of songs): then 4/4."""
    written = sorted({m for _t, m in score.time_signatures})
    if all(m in PLAUSIBLE_METERS for m in written):
        return score, ""
    shown = ", ".join(f"{n}/{d}" for n, d in written if (n, d) not in PLAUSIBLE_METERS)
    return replace(score, time_signatures=[(0, (4, 4))]), f"meter 4/4 assumed (file says {shown})"


def meter_segments(score: RawScore, end: int) -> list[tuple[int, int, tuple[int, int]]]:
    """(start, end, meter) stretches of constant meter, each starting on a bar line."""
    sigs = sorted(score.time_signatures or [(0, (4, 4))])
    if sigs[0][0] > 0:
        sigs.insert(0, (0, (4, 4)))
    merged: list[tuple[int, tuple[int, int]]] = []
    for tick, meter in sigs:
        if merged and merged[-1][1] == meter:
            continue
        if merged and merged[-1][0] == tick:
            merged[-1] = (tick, meter)
        else:
            merged.append((tick, meter))
    out = []
    for i, (tick, meter) in enumerate(merged):
        stop = merged[i + 1][0] if i + 1 < len(merged) else end
        if stop > tick:
            out.append((tick, stop, meter))
    return out
