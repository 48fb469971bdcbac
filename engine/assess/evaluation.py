"""Musical metrics of ideas, and comparison of generated sets with held-out songs.

Per idea: in-key ratio, chord-tone ratio on strong beats, chord changes per bar, the share of
chords sounding their root and third, onsets off the beat and on 16ths, the melody's range,
and its four-bar chord loops. Per set: the share of ideas on the songs' commonest loops, and
distributions (pitch class, pitch range, note length, inter-onset interval) compared by their
overlap area, as in Yang & Lerch (2018), "On the evaluation of generative models in music".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from ..music import chords as ch
from ..music.idea import TICKS_PER_BEAT, Idea, beat_ticks
from ..music.voicing import sounds_root_and_third


def in_key_ratio(idea: Idea) -> float:
    """Share of melody notes whose pitch class is in the key (minor: natural + raised 6/7)."""
    if not idea.melody:
        return 0.0
    scale = set(idea.key.scale)
    if idea.key.mode == "minor":
        scale.add((idea.key.tonic + 9) % 12)
    return sum(1 for n in idea.melody if n.pitch % 12 in scale) / len(idea.melody)


def chord_at(idea: Idea, tick: int):
    """The chord sounding at a tick (or the last one started before it)."""
    best = None
    for c in idea.chords:
        if c.onset <= tick:
            if tick < c.end:
                return c
            best = c
    return best


def chord_tone_ratio(idea: Idea) -> float:
    """Share of melody notes starting on a beat that belong to the chord under them."""
    beat = beat_ticks(idea.meter)
    strong = [n for n in idea.melody if n.onset % beat == 0]
    if not strong:
        return 0.0
    hits = 0
    for n in strong:
        c = chord_at(idea, n.onset)
        if c is not None and n.pitch % 12 in ch.chord_pcs(c.root, c.quality) | {p % 12 for p in c.voicing}:
            hits += 1
    return hits / len(strong)


def chord_changes_per_bar(idea: Idea) -> float:
    """Chords per bar, counting a chord only where the symbol (root, quality, bass) changes:
    a chord held across a bar line, or struck again, is one."""
    if not idea.bars:
        return 0.0
    changes, last = 0, None
    for c in sorted(idea.chords, key=lambda c: c.onset):
        name = (c.root, c.quality, c.voicing[0] % 12)
        if name != last:
            changes += 1
        last = name
    return changes / idea.bars


def root_and_third_ratio(idea: Idea) -> float:
    """Share of the chord part's chords whose voicing sounds the root and the third."""
    if not idea.chords:
        return 0.0
    return sum(sounds_root_and_third(c.root, c.quality, c.voicing) for c in idea.chords) / len(idea.chords)


def offbeat_share(idea: Idea) -> float:
    """Share of melody onsets off the beat (syncopation, anticipations, 8ths and 16ths)."""
    beat = beat_ticks(idea.meter)
    return float(np.mean([n.onset % beat != 0 for n in idea.melody])) if idea.melody else 0.0


def sixteenth_share(idea: Idea) -> float:
    """Share of melody onsets on an odd 16th (between the 8ths: 'e' and 'a' of the beat)."""
    sixteenth = TICKS_PER_BEAT // 4
    return (
        float(np.mean([n.onset % (2 * sixteenth) == sixteenth for n in idea.melody])) if idea.melody else 0.0
    )


def melody_range(idea: Idea) -> int:
    """Semitones from the melody's lowest to its highest note."""
    return max(n.pitch for n in idea.melody) - min(n.pitch for n in idea.melody) if idea.melody else 0


LOOP_BARS = 4


def bar_chords(idea: Idea) -> list[tuple[int, str] | None]:
    """Per bar, the chord sounding on its downbeat as a songwriter counts it: its root in
    semitones above the key's tonic and 'm' for a minor third (a sus or power chord counts as
    major), or None where none sounds."""
    out = []
    for b in range(idea.bars):
        c = chord_at(idea, b * idea.bar_ticks)
        if c is None or c.end <= b * idea.bar_ticks:
            out.append(None)
        else:
            out.append(((c.root - idea.key.tonic) % 12, "m" if 3 in ch.QUALITIES[c.quality] else ""))
    return out


def chord_loops(idea: Idea) -> list[tuple]:
    """The idea's four-bar phrases (from bar 1, 5, 9...) as loops of one chord a bar, those
    with at least three different chords (I-V-vi-IV, vi-IV-I-V...)."""
    bars = bar_chords(idea)
    out = []
    for start in range(0, len(bars) - LOOP_BARS + 1, LOOP_BARS):
        loop = tuple(bars[start : start + LOOP_BARS])
        if None not in loop and len(set(loop)) >= 3:
            out.append(loop)
    return out


def common_loops(ideas: Sequence[Idea], n: int = 20) -> list[tuple]:
    """The ``n`` four-chord loops the most ideas (songs) are built on."""
    counts = Counter(loop for i in ideas for loop in set(chord_loops(i)))
    return [loop for loop, _ in counts.most_common(n)]


def loop_share(ideas: Sequence[Idea], loops: Sequence[tuple]) -> float:
    """Share of ideas with a four-bar phrase on one of ``loops``."""
    wanted = set(loops)
    return float(np.mean([bool(wanted & set(chord_loops(i))) for i in ideas])) if ideas else 0.0


def _hist(values: Iterable[float], bins) -> np.ndarray:
    h, _ = np.histogram(list(values), bins=bins)
    total = h.sum()
    return h / total if total else h.astype(float)


def distributions(ideas: Sequence[Idea]) -> dict[str, np.ndarray]:
    """Normalised histograms: key-relative pitch class, melody range, note length, IOI."""
    pcs = [(n.pitch - i.key.tonic) % 12 for i in ideas for n in i.melody]
    ranges = [max(n.pitch for n in i.melody) - min(n.pitch for n in i.melody) for i in ideas if i.melody]
    lengths = [n.duration for i in ideas for n in i.melody]
    iois = []
    for i in ideas:
        onsets = sorted(n.onset for n in i.melody)
        iois += [b - a for a, b in zip(onsets, onsets[1:])]
    return {
        "pitch class": _hist(pcs, np.arange(13) - 0.5),
        "pitch range": _hist(ranges, np.arange(0, 40, 3)),
        "note length": _hist(lengths, [0.5, 2.5, 3.5, 4.5, 6.5, 9.5, 12.5, 18.5, 24.5, 36.5, 48.5, 97]),
        "inter-onset interval": _hist(
            iois, [0.5, 2.5, 3.5, 4.5, 6.5, 9.5, 12.5, 18.5, 24.5, 36.5, 48.5, 200]
        ),
    }


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Overlapping area of two normalised histograms (1 = identical, 0 = disjoint)."""
    return float(np.minimum(a, b).sum())
