"""How well chords fit a melody, and how close they come to a song's own chords.

The fit measures are those of Yeh et al. 2021 ("Automatic melody harmonization with triad
chords: a comparative study", J. New Music Research), computed on an idea's melody and chords:

- **CTnCTR**, chord-tone to non-chord-tone ratio: (chord tones + "proper" non-chord tones) /
  (chord tones + non-chord tones), over melody notes; a non-chord tone is proper when the next
  note, within 2 semitones, is a chord tone (a passing or neighbour note).
- **PCS**, pitch consonance score: every 16th, each melody pitch against each chord pitch
  class sounding: unison, 3rds, 5th, 6ths +1, a 4th 0, anything else -1; the mean.
- **CHE**, chord histogram entropy: the entropy (nats) of the chord symbols' shares of beats.
- **CC**, chord coverage: how many different chord symbols.

Against a reference (the song's own chords): the share of beats where the root is the same,
and where root and third (major, minor or none) are.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ..music import chords as ch
from ..music.idea import TICKS_PER_BEAT, Chord, Idea

STEP = TICKS_PER_BEAT // 4  # a 16th
CONSONANCE = {0: 1, 3: 1, 4: 1, 7: 1, 8: 1, 9: 1, 5: 0}  # interval above a chord tone -> score


def chord_grid(idea: Idea, step: int) -> list[Chord | None]:
    """The chord sounding at every ``step`` ticks of the idea (None where none sounds)."""
    grid: list[Chord | None] = [None] * math.ceil(idea.total_ticks / step)
    for c in idea.chords:
        for i in range(c.onset // step, min(len(grid), math.ceil(c.end / step))):
            grid[i] = c
    return grid


def _third(quality: str) -> int | None:
    intervals = ch.QUALITIES[quality]
    return 4 if 4 in intervals else 3 if 3 in intervals else None


def ctnctr(idea: Idea) -> float:
    """Chord-tone to non-chord-tone ratio of the melody over the chords (1.0: all fit)."""
    notes = sorted(idea.melody, key=lambda n: n.onset)
    grid = chord_grid(idea, 1)

    def tone(note) -> bool | None:
        c = grid[note.onset] if note.onset < len(grid) else None
        return None if c is None else note.pitch % 12 in ch.chord_pcs(c.root, c.quality)

    chord_tones = non_chord = proper = 0
    for i, note in enumerate(notes):
        fits = tone(note)
        if fits is None:
            continue
        if fits:
            chord_tones += 1
            continue
        non_chord += 1
        nxt = notes[i + 1] if i + 1 < len(notes) else None
        if nxt is not None and abs(nxt.pitch - note.pitch) <= 2 and tone(nxt):
            proper += 1
    total = chord_tones + non_chord
    return (chord_tones + proper) / total if total else float("nan")


def pcs(idea: Idea) -> float:
    """Pitch consonance score of melody against chords, every 16th (-1 .. 1)."""
    grid = chord_grid(idea, STEP)
    scores = []
    for note in idea.melody:
        for i in range(note.onset // STEP, min(len(grid), math.ceil(note.end / STEP))):
            c = grid[i]
            if c is not None:
                tones = ch.chord_pcs(c.root, c.quality)
                scores += [CONSONANCE.get((note.pitch - pc) % 12, -1) for pc in tones]
    return float(np.mean(scores)) if scores else float("nan")


def beat_symbols(idea: Idea) -> list[tuple[int, str] | None]:
    """The chord symbol (root, quality) sounding at each beat."""
    return [None if c is None else (c.root, c.quality) for c in chord_grid(idea, TICKS_PER_BEAT)]


def che(idea: Idea) -> float:
    """Chord histogram entropy (nats) over beats."""
    counts = Counter(s for s in beat_symbols(idea) if s is not None)
    total = sum(counts.values())
    return -sum(n / total * math.log(n / total) for n in counts.values()) if total else float("nan")


def cc(idea: Idea) -> int:
    """Chord coverage: the number of different chord symbols."""
    return len({(c.root, c.quality) for c in idea.chords})


def changes_per_4_beats(idea: Idea) -> float:
    """How often the chord symbol changes, per 4 beats (a new chord of the same symbol at a
    bar line is no change)."""
    beats = beat_symbols(idea)
    changes = sum(1 for a, b in zip(beats, beats[1:]) if b is not None and a != b)
    return 4 * changes / max(1, len(beats))


def agreement(idea: Idea, reference: Idea) -> tuple[float, float]:
    """(same root, same root and third) shares of the beats where both have a chord."""
    pairs = [
        (a, b) for a, b in zip(beat_symbols(idea), beat_symbols(reference)) if a is not None and b is not None
    ]
    if not pairs:
        return float("nan"), float("nan")
    root = np.mean([a[0] == b[0] for a, b in pairs])
    third = np.mean([a[0] == b[0] and _third(a[1]) == _third(b[1]) for a, b in pairs])
    return float(root), float(third)


def harmonisation_rows(ideas: list[Idea], references: list[Idea] | None = None) -> dict[str, float]:
    """The harmonisation table's rows for ``ideas`` (means over ideas); with ``references``
    (the songs' own, one per idea) also the agreement with their chords."""
    rows = {
        "chord root as the song's, per beat": float("nan"),
        "root and third as the song's": float("nan"),
        "CTnCTR": float(np.nanmean([ctnctr(i) for i in ideas])),
        "PCS": float(np.nanmean([pcs(i) for i in ideas])),
        "CHE (nats)": float(np.nanmean([che(i) for i in ideas])),
        "CC (chords per idea)": float(np.mean([cc(i) for i in ideas])),
        "chord changes per 4 beats": float(np.mean([changes_per_4_beats(i) for i in ideas])),
    }
    if references is not None:
        agree = np.array([agreement(i, r) for i, r in zip(ideas, references)])
        rows["chord root as the song's, per beat"] = float(np.nanmean(agree[:, 0]))
        rows["root and third as the song's"] = float(np.nanmean(agree[:, 1]))
    return rows
