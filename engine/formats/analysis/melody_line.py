"""The tune in one merged track: a tracker that follows the sung line through a pianist's notes.

A user's one-track file (a pop song's melody, a second melodic line and the piano merged) has no
part to name the tune and no register that holds only it: the piano plays above the melody, a
second line fills the gaps between phrases. Each note is scored on features that know
neither key nor register (how high it stands among its neighbours, how
loud, how long, whether a higher note is held over it, which pitches are struck a beat
around it: a pianist's comping repeats its pitches, a tune moves by step), by a small learnt
net; then, with features against the line that first pass heard (its register and loudness
nearby), by a second such net and by a bidirectional LSTM that reads the notes in order
(onset, then from the top): it hears the phrase a note stands in. The two scores are
averaged (the LSTM alone took more of a second line's fills in the singer's rests).
A dynamic programme then picks one line (one note at a time) that collects the best scores,
paying for leaps and for notes struck under a line note still sounding; where nothing scores
as tune (an intro of piano chords), the line rests. The weights are learnt on POP909's tuning
part (and a quarter of its tunes played slowly over synthetic piano figures, an alberti bass
among them) by ``tools/learn_melody_tracker.py`` and written to ``melody_tracker.npz`` beside
this module (numpy reads them: the hearing needs no TensorFlow).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ...music.idea import TICKS_PER_BEAT
from .raw import RawNote

NEAR, WIDE, LINE_WIDE = 2 * TICKS_PER_BEAT, 8 * TICKS_PER_BEAT, 32 * TICKS_PER_BEAT
PREDECESSORS = 40  # notes back a line note may follow (a bar or two of a busy piano)
KEPT_LOUDNESS = 8  # a file keeps its loudness when its velocities span this much
# The weights: for a played file, and for one of one loudness (learnt with every velocity 80).
TRACKER_FILES = {"played": "melody_tracker.npz", "flat": "melody_tracker_flat.npz"}


@dataclass(frozen=True)
class LineCosts:
    """What the line pays: ``bias`` is added to every note's score; per semitone of leap
    (``wide_leap`` more past a fifth), per beat a note before still sounds, per new start."""

    bias: float
    leap: float
    wide_leap: float
    overlap: float
    restart: float


@dataclass(frozen=True)
class Tracker:
    """The learnt weights: the first pass's net (feature mean, scale, w1, b1, w2, b2), the
    second pass's (the same, on features against the first pass's line); the sequence
    net's feature mean and scale, its bidirectional LSTM layer (forward kernel, recurrent
    kernel, bias, then the same backward; Keras's gate order i, f, c, o) and its head over
    the layer's states and the features (three columns: tune, second line, piano); the
    line's costs."""

    pass_one: tuple[np.ndarray, ...]
    pass_two: tuple[np.ndarray, ...]
    mean: np.ndarray
    scale: np.ndarray
    layer: tuple[np.ndarray, ...]
    head: tuple[np.ndarray, np.ndarray]
    costs: LineCosts

    def arrays(self) -> dict[str, np.ndarray]:
        out = {f"one_{i}": a for i, a in enumerate(self.pass_one)}
        out |= {f"two_{i}": a for i, a in enumerate(self.pass_two)}
        out |= {"mean": self.mean, "scale": self.scale, "head_w": self.head[0], "head_b": self.head[1]}
        out |= {f"layer0_{i}": a for i, a in enumerate(self.layer)}
        c = self.costs
        return out | {"costs": np.array([c.bias, c.leap, c.wide_leap, c.overlap, c.restart])}

    @classmethod
    def from_arrays(cls, z) -> Tracker:
        return cls(
            tuple(np.asarray(z[f"one_{i}"]) for i in range(6)),
            tuple(np.asarray(z[f"two_{i}"]) for i in range(6)),
            np.asarray(z["mean"]),
            np.asarray(z["scale"]),
            tuple(np.asarray(z[f"layer0_{i}"]) for i in range(6)),
            (np.asarray(z["head_w"]), np.asarray(z["head_b"])),
            LineCosts(*(float(c) for c in z["costs"])),
        )


@cache
def tracker(kind: str = "played") -> Tracker:
    """The shipped weights of a kind of TRACKER_FILES (read once)."""
    with resources.files(__package__).joinpath(TRACKER_FILES[kind]).open("rb") as f, np.load(f) as z:
        return Tracker.from_arrays(z)


def _window_max(values: np.ndarray, half: int, fill: float) -> np.ndarray:
    padded = np.concatenate([np.full(half, fill), values, np.full(half, fill)])
    return sliding_window_view(padded, 2 * half + 1).max(axis=1)


def _window_sum(values: np.ndarray, half: int) -> np.ndarray:
    total = np.concatenate([[0.0], np.cumsum(values)])
    index = np.arange(len(values))
    return total[np.minimum(index + half + 1, len(values))] - total[np.maximum(index - half, 0)]


def _chord_features(p: np.ndarray, o: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per note, among the notes struck with it: whether it is the top, how many, the gap down
    to the next (semitones, 12 when none), its loudness below the loudest."""
    order = np.lexsort((-p, o))
    top, count = np.zeros(len(p)), np.zeros(len(p))
    gap, loud = np.full(len(p), 12.0), np.zeros(len(p))
    _, starts, counts = np.unique(o[order], return_index=True, return_counts=True)
    for s, c in zip(starts, counts):
        idx = order[s : s + c]
        top[idx[0]] = 1.0
        count[idx] = c
        gap[idx[:-1]] = np.minimum(p[idx[:-1]] - p[idx[1:]], 12)
        loud[idx] = v[idx] - v[idx].max()
    return top, np.log2(count), gap / 12, loud / 16


def _context_features(p, o, d, v, end: int) -> list[np.ndarray]:
    """Per note, against the notes around it: height under the highest onset nearby, above the
    mean, loudness against the mean and the loudest, onset density, time to the onsets
    before and after, a higher note held over it, and how far into the file and from its end
    (learnt from whole songs and from excerpts cut from them, where a tune starts at once)."""
    onset_top = np.full(end, -1.0)
    np.maximum.at(onset_top, o, p)
    onset_loud = np.zeros(end)
    np.maximum.at(onset_loud, o, v)
    onsets = np.bincount(o, minlength=end).astype(float)
    pitch_sum = np.bincount(o, weights=p, minlength=end)
    loud_sum = np.bincount(o, weights=v, minlength=end)
    out = []
    for half in (NEAR, WIDE):
        near = _window_sum(onsets, half)[o]
        out.append(np.maximum(p - _window_max(onset_top, half, -1.0)[o], -24) / 12)
        out.append((p - _window_sum(pitch_sum, half)[o] / near) / 12)
        out.append((v - _window_sum(loud_sum, half)[o] / near) / 16)
        out.append(np.log2(near * TICKS_PER_BEAT / (2 * half)))
    for half in (TICKS_PER_BEAT, 4 * TICKS_PER_BEAT):
        out.append(np.maximum(v - _window_max(onset_loud, half, 0.0)[o], -48) / 16)
    times = np.unique(o)
    k = np.searchsorted(times, o)
    after = np.append(times[1:], times[-1] + 4 * TICKS_PER_BEAT)[k] - o
    before = o - np.insert(times[:-1], 0, times[0] - 4 * TICKS_PER_BEAT)[k]
    out.append(np.log2(np.minimum(after, 8 * TICKS_PER_BEAT) / TICKS_PER_BEAT))
    out.append(np.log2(np.minimum(before, 8 * TICKS_PER_BEAT) / TICKS_PER_BEAT))
    out.append(np.clip(d / after, 0, 4))
    out.append(np.log2(np.maximum(d, 1) / TICKS_PER_BEAT))
    held = np.full(end + 1, -1.0)
    for pitch, onset, dur in zip(p, o, d):
        if dur > 1:
            np.maximum(held[onset + 1 : onset + dur], pitch, out=held[onset + 1 : onset + dur])
    over = held[o] - p
    out += [(over > 0) * 1.0, np.clip(over, 0, 12) / 12]
    out.append(np.log2(1 + (o - o.min()) / TICKS_PER_BEAT))
    out.append(np.log2(1 + (end - 1 - o) / TICKS_PER_BEAT))
    return out


def _neighbour_features(p: np.ndarray, o: np.ndarray) -> list[np.ndarray]:
    """Per note, against the notes struck within a beat before and after it (a pianist's
    comping repeats its pitches on the beat; a tune moves by step between them): where in the
    beat and bar it falls, how many notes of its pitch it is struck with, whether its pitch is
    struck again within a beat before or after, the nearest other pitch struck there
    (semitones, 12 at most), how many notes within a fifth strike with it, the share of the
    notes before and after that lie higher, and how many there are."""
    pitch = p.astype(int)
    end = int(o.max()) + TICKS_PER_BEAT + 2
    struck = np.zeros((end, 128), np.int32)
    np.add.at(struck, (o, pitch), 1)
    count = np.zeros((end + 1, 128), np.int32)  # count[t]: onsets before tick t, per pitch
    np.cumsum(struck, axis=0, out=count[1:])
    before = count[o] - count[np.maximum(o - TICKS_PER_BEAT, 0)]
    after = count[np.minimum(o + TICKS_PER_BEAT + 1, end)] - count[o + 1]
    with_it = count[o + 1] - count[o]
    rows = np.arange(len(p))
    out = [
        (o % TICKS_PER_BEAT == 0) * 1.0,
        (o % TICKS_PER_BEAT == TICKS_PER_BEAT // 2) * 1.0,
        (o % (TICKS_PER_BEAT // 2) == TICKS_PER_BEAT // 4) * 1.0,
        (o % (4 * TICKS_PER_BEAT) == 0) * 1.0,
        with_it[rows, pitch] - 1.0,
        (before[rows, pitch] > 0) * 1.0,
        (after[rows, pitch] > 0) * 1.0,
    ]
    for side in (before, after):
        padded = np.pad(side, ((0, 0), (12, 12)))
        nearest = np.full(len(p), 12.0)
        for step in range(12, 0, -1):
            found = (padded[rows, pitch + 12 + step] > 0) | (padded[rows, pitch + 12 - step] > 0)
            nearest[found] = step
        out.append(nearest / 12)
    near = np.pad(with_it, ((0, 0), (7, 7))).cumsum(axis=1)  # near[:, k]: struck with it up to pitch k - 7
    within = near[rows, pitch + 14] - np.where(pitch > 0, near[rows, pitch - 1], 0)
    out.append(within - with_it[rows, pitch] * 1.0)
    for side in (before, after):
        total = side.sum(axis=1)
        above = total - side.cumsum(axis=1)[rows, pitch]
        out.append(above / np.maximum(total, 1))
    out += [np.log2(1 + before.sum(axis=1)), np.log2(1 + after.sum(axis=1))]
    return out


def _line_features(p, o, v, line: np.ndarray, end: int) -> list[np.ndarray]:
    """Per note, against a line heard before: height and loudness against the line's mean
    nearby (the note's own where the line has no note nearby), and how many line notes."""
    pitch = np.bincount(o[line], weights=p[line], minlength=end)
    loud = np.bincount(o[line], weights=v[line], minlength=end)
    count = np.bincount(o[line], minlength=end).astype(float)
    out = []
    for half in (WIDE, LINE_WIDE):
        n = _window_sum(count, half)[o]
        mean_p = np.where(n > 0, _window_sum(pitch, half)[o] / np.maximum(n, 1), p)
        mean_v = np.where(n > 0, _window_sum(loud, half)[o] / np.maximum(n, 1), v)
        out += [(p - mean_p) / 12, np.abs(p - mean_p) / 12, (v - mean_v) / 16, np.log2(1 + n)]
    if line.any():
        out += [(p - np.median(p[line])) / 12, (v - np.median(v[line])) / 16]
    else:
        out += [np.zeros(len(p)), np.zeros(len(p))]
    return out


def note_features(
    p: np.ndarray, o: np.ndarray, d: np.ndarray, v: np.ndarray, line: np.ndarray | None = None
) -> np.ndarray:
    """(notes, features): pass one's features, and with ``line`` (a mask of the notes a first
    pass heard as the tune) pass two's."""
    p, v = p.astype(float), v.astype(float)
    end = int((o + d).max()) + 1
    columns = [*_chord_features(p, o, v), *_context_features(p, o, d, v, end), *_neighbour_features(p, o)]
    if line is not None:
        columns += _line_features(p, o, v, line, end)
    return np.stack(columns, axis=1)


def note_logits(model: tuple[np.ndarray, ...], x: np.ndarray) -> np.ndarray:
    """A one-hidden-layer net's logit (tune or not) per row of features."""
    mean, scale, w1, b1, w2, b2 = model
    return np.tanh(((x - mean) / scale) @ w1 + b1) @ w2 + b2


def _lstm(x: np.ndarray, kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray, backward: bool):
    """One direction of an LSTM layer over the rows of ``x``: its state after each row."""
    units = recurrent.shape[0]
    gates = x @ kernel + bias
    if backward:
        gates = gates[::-1]
    h, c = np.zeros(units), np.zeros(units)
    out = np.empty((len(x), units))
    for t, g in enumerate(gates):
        z = g + h @ recurrent
        i, f, o = (1 / (1 + np.exp(-z[k * units : (k + 1) * units])) for k in (0, 1, 3))
        c = f * c + i * np.tanh(z[2 * units : 3 * units])
        h = o * np.tanh(c)
        out[t] = h
    return out[::-1] if backward else out


def sequence_logits(net: Tracker, x: np.ndarray) -> np.ndarray:
    """The sequence net's logit (tune against second line and piano) per row of ``x``, the
    notes in order."""
    x = (x - net.mean) / net.scale
    h = np.concatenate(
        [_lstm(x, *net.layer[:3], backward=False), _lstm(x, *net.layer[3:], backward=True)], axis=1
    )
    out = np.concatenate([h, x], axis=1) @ net.head[0] + net.head[1]
    return out[:, 0] - np.logaddexp(out[:, 1], out[:, 2])


def note_scores(net: Tracker, p: np.ndarray, o: np.ndarray, d: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Each note's score as tune (a logit, before the line's bias): the first pass, then,
    against the line it heard, the mean of the second pass's net (the note and its
    neighbours) and the sequence net's (the notes in order: the phrase it stands in)."""
    first = note_logits(net.pass_one, note_features(p, o, d, v)) > 0
    x = note_features(p, o, d, v, first)
    order = np.lexsort((-p, o))
    sequence = np.empty(len(p))
    sequence[order] = sequence_logits(net, x[order])
    return 0.5 * (note_logits(net.pass_two, x) + sequence)


def trace_line(
    p: np.ndarray, o: np.ndarray, d: np.ndarray, score: np.ndarray, costs: LineCosts
) -> np.ndarray:
    """A mask of the notes of the one line (rising onsets) with the best total score: each note
    its score, each step from note to note less a cost per semitone of leap (more past a
    fifth) and per beat the note before still sounds; a line may rest and start again."""
    order = np.lexsort((-p, o))
    p, o, end, score = p[order].astype(float), o[order], (o + d)[order], score[order]
    n = len(p)
    best, back = np.zeros(n), np.full(n, -1)
    running, running_at = np.zeros(n + 1), np.full(n + 1, -1)  # best line ending before j
    first = 0
    for j in range(n):
        if o[j] != o[first]:
            first = j
        best[j] = score[j] - costs.restart + max(running[first], 0.0)
        back[j] = running_at[first] if running[first] > 0 else -1
        lo = max(0, first - PREDECESSORS)
        if first > lo:
            leap = np.abs(p[lo:first] - p[j])
            steps = (
                best[lo:first]
                - costs.leap * np.minimum(leap, 12) / 12
                - costs.wide_leap * np.maximum(leap - 7, 0) / 12
                - costs.overlap * np.maximum(end[lo:first] - o[j], 0) / TICKS_PER_BEAT
            )
            k = int(np.argmax(steps))
            if steps[k] + score[j] > best[j]:
                best[j], back[j] = steps[k] + score[j], lo + k
        keep = best[j] > running[j]
        running[j + 1] = best[j] if keep else running[j]
        running_at[j + 1] = j if keep else running_at[j]
    chosen = np.zeros(n, bool)
    j = int(np.argmax(best)) if n and best.max() > 0 else -1
    while j >= 0:
        chosen[j] = True
        j = back[j]
    mask = np.zeros(n, bool)
    mask[order] = chosen
    return mask


def line_mask(p: np.ndarray, o: np.ndarray, d: np.ndarray, v: np.ndarray, kind: str = "played") -> np.ndarray:
    """The notes heard as the tune, as a mask: the notes' scores, then the line."""
    net = tracker(kind)
    return trace_line(p, o, d, note_scores(net, p, o, d, v) + net.costs.bias, net.costs)


def keeps_loudness(notes: list[RawNote]) -> bool:
    """Whether the notes' velocities span KEPT_LOUDNESS: a played file, not one of one loudness."""
    loudness = [n.velocity for n in notes]
    return len(notes) >= 2 and max(loudness) - min(loudness) >= KEPT_LOUDNESS


def melody_line(notes: list[RawNote]) -> tuple[list[RawNote], list[RawNote]]:
    """(tune, the rest) of one merged track's notes, by the tracker learnt for a played file or,
    where every note is about as loud (a notation program's export), for one of one loudness."""
    if not notes:
        return [], []
    p, o, d, v = (
        np.array([getattr(n, k) for n in notes]) for k in ("pitch", "onset", "duration", "velocity")
    )
    mask = line_mask(p, o, np.maximum(d, 1), v, "played" if keeps_loudness(notes) else "flat")
    return [n for n, m in zip(notes, mask) if m], [n for n, m in zip(notes, mask) if not m]
