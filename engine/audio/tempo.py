"""The beat of a melody sung without a click, from the times between its notes.

A keyboard phrase is heard in the tempo its commonest gap suggests (``recorder.played_beat``:
that gap taken as an 8th). A sung melody is freer: its commonest gap may be a triplet, or a
16th in a ballad, and read as an 8th it puts the beat half as long again as the singer's,
where the beat tracker (which follows a beat within -25%..+30% of the one it is given) cannot
find its way back and no note lands on the grid. Here every beat length from 0.35 to 1 s is
tried against the gaps between notes and between every other note: the length whose beats
and halves, and then quarters and thirds, the gaps fall on best (within 25 ms), nearer a
moderate tempo when two fit alike.
"""

from __future__ import annotations

import numpy as np

BEATS = np.geomspace(0.35, 1.0, 160)  # seconds per beat tried (60-170 bpm)
# where a gap may fall, in beats, and how much landing there says for the beat
_PLACES = [(k / 4, 0.45) for k in range(1, 17)] + [(k / 3, 0.25) for k in range(1, 13)]
_PLACES += [(k / 2, 0.75) for k in range(1, 9)] + [(float(k), 1.0) for k in range(1, 5)]
TOLERANCE = 0.025  # seconds
MODERATE = 0.6  # seconds per beat (100 bpm) a tie leans towards


def sung_beat(onsets: list[float]) -> float | None:
    """Seconds per beat of a melody from its onsets (seconds); None with under 4 notes."""
    starts = np.sort(np.asarray(onsets, dtype=float))
    if len(starts) < 4:
        return None
    gaps = np.concatenate([starts[1:] - starts[:-1], starts[2:] - starts[:-2]])
    gaps = gaps[(gaps > 0.06) & (gaps < 4.0)]
    if not len(gaps):
        return None
    places = np.array([p for p, _ in _PLACES])
    pulls = np.array([w for _, w in _PLACES])
    best, chosen = -1.0, None
    for beat in BEATS:
        u = gaps[:, None] / beat
        fit = pulls[None, :] * np.exp(-0.5 * ((u - places[None, :]) * beat / TOLERANCE) ** 2)
        score = fit.max(axis=1).mean() * np.exp(-0.5 * (np.log2(beat / MODERATE) / 0.7) ** 2)
        if score > best:
            best, chosen = score, float(beat)
    return chosen
