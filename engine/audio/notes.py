"""From a pitch track to sung notes: a voice's pitch wobbles (vibrato), slides into a note
(a scoop) and from one note to the next (a glide), and a repeated note has no pitch change
to mark it, only a dip in loudness. Notes here absorb the first three and split the last.

``frame_notes`` is the track read naively (a note wherever the rounded pitch changes), kept
to measure what the segmentation gains (``python -m bench.sing``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

import numpy as np

from .pitch import PitchTrack

SILENT_DB = -35.0  # frames this far below the loudest are breath or room, not singing
STEP = 0.7  # semitones from a note's pitch before the voice has left it (vibrato is +-0.3)
STAY = 2  # frames the voice must stay off a note's pitch to leave it
SLIDE = 0.3  # semitones off a note, moving on, where a slide to the next one starts
SHORTEST = 0.07  # seconds: anything shorter is a scoop, a glide or a blip, part of a neighbour
PASSING = 0.09  # seconds: a pitch passed through between two notes, legato, this short is a glide
ONSET_REACH = 5  # frames an onset may move back over loud frames with no pitch (a fast glide)
DIP_DB = 4.5  # a repeated note: the loudness dips this far between two swells...
DIP_REACH = 6  # ...each within this many frames of the dip
GAP = 1  # unvoiced frames bridged inside a note (a dropout, not a breath)
CENTRE = 48  # frames (0.77 s) of a note whose median is its pitch so far (a drone stays cheap)


@dataclass(frozen=True)
class SungNote:
    """A note heard: onset and offset in seconds, MIDI pitch, loudness (0..1 of the loudest)."""

    onset: float
    offset: float
    pitch: int
    loudness: float = 1.0


def tuning_offset(midi: np.ndarray) -> float:
    """How far (semitones, -0.5..0.5) the singer's notes sit from concert pitch: the circular
    mean of the pitches' fractions, so a singer 30 cents flat throughout is heard in tune."""
    values = midi[np.isfinite(midi)]
    if not len(values):
        return 0.0
    angle = np.angle(np.mean(np.exp(2j * np.pi * values)))
    return float(angle / (2 * np.pi))


def _sung(track: PitchTrack) -> np.ndarray:
    """Frames heard as singing: voiced and loud enough."""
    return track.voiced & (track.level > SILENT_DB)


def _runs(track: PitchTrack, midi: np.ndarray) -> list[list[int]]:
    """Frame runs of one pitch each: a run ends at silence (more than GAP frames) or where the
    voice stays more than STEP semitones off the run's pitch (its recent median) for STAY
    frames; the frames it spent sliding there go to the new note."""
    sung = _sung(track)
    runs: list[list[int]] = []
    current: list[int] = []
    quiet = 0
    for i in range(len(midi)):
        if not sung[i]:
            quiet += 1
            if quiet > GAP and current:
                runs.append(current)
                current = []
            continue
        quiet = 0
        if current:
            centre = float(np.median(midi[current[-CENTRE:]]))
            ahead = [j for j in range(i, min(i + STAY, len(midi))) if sung[j]]
            if len(ahead) == STAY and all(abs(midi[j] - centre) > STEP for j in ahead):
                moved = _slide_start(current, midi, centre, float(np.sign(midi[i] - centre)))
                runs.append(current[:moved])
                current = current[moved:]
        current.append(i)
    if current:
        runs.append(current)
    return [r for r in runs if r]


def _slide_start(run: list[int], midi: np.ndarray, centre: float, way: float) -> int:
    """Where, in ``run``, the voice began to slide (``way``: +1 up, -1 down) off ``centre``
    towards the next note: the trailing frames more than SLIDE semitone that way, each
    further than the one before (a vibrato's crest is not a slide), at most half the run."""
    away = (midi[run] - centre) * way
    k = len(run)
    while k > len(run) // 2 and away[k - 1] > SLIDE and (k == len(run) or away[k - 1] < away[k] - 0.05):
        k -= 1
    return k


def _split_dips(run: list[int], level: np.ndarray, shortest: int) -> list[list[int]]:
    """A run cut where its loudness dips DIP_DB below both the note held before it (its
    median over 2 x DIP_REACH frames) and the swell after it (the loudest of DIP_REACH
    frames): a repeated note sung again; each part at least ``shortest`` frames. The loudness
    is the median of 3 frames, and the note before is its steady level, not its peak: a
    wobble just after an attack (a SoundFont's sampled 'ooh' dips 10 dB there) is no new note."""
    if len(run) < 2 * shortest:
        return [run]
    db = _median3(level[run])
    best, cut = 0.0, None
    for k in range(shortest, len(run) - shortest + 1):
        left = np.median(db[max(0, k - 2 * DIP_REACH) : k])
        right = db[k + 1 : k + 1 + DIP_REACH].max() if k + 1 < len(run) else db[k]
        depth = min(left, right) - db[k]
        if depth > best:
            best, cut = depth, k
    if cut is None or best < DIP_DB:
        return [run]
    return _split_dips(run[:cut], level, shortest) + _split_dips(run[cut:], level, shortest)


def _median3(x: np.ndarray) -> np.ndarray:
    """Each value the median of it and its neighbours (the ends kept)."""
    if len(x) < 3:
        return x
    out = x.copy()
    out[1:-1] = np.median(np.stack([x[:-2], x[1:-1], x[2:]]), axis=0)
    return out


def _passing(runs: list[list[int]], pitches: list[float], frames: int) -> set[int]:
    """Indexes of runs under ``frames`` long, touching the runs either side, at a pitch
    between theirs: the voice gliding from one note to the next."""
    found = set()
    for i in range(1, len(runs) - 1):
        touching = runs[i][0] - runs[i - 1][-1] <= GAP + 1 and runs[i + 1][0] - runs[i][-1] <= GAP + 1
        low, high = sorted((pitches[i - 1], pitches[i + 1]))
        if len(runs[i]) < frames and touching and low + 0.5 < pitches[i] < high - 0.5:
            found.add(i)
    return found


def _merge_short(runs: list[list[int]], shortest: int, passing: set[int]) -> list[list[int]]:
    """Runs shorter than ``shortest`` frames, and ``passing`` ones, joined to a neighbour they
    touch: to the next run (a scoop or glide into it, so its onset is where the voice began
    to move), or, at the end of a phrase, to the one before (a fall-off); alone, they are
    dropped."""
    out: list[list[int]] = []
    carry: list[int] = []
    for index, run in enumerate(runs):
        run = carry + run
        carry = []
        if len(run) >= shortest and index not in passing:
            out.append(run)
            continue
        after = runs[index + 1] if index + 1 < len(runs) else None
        if after is not None and after[0] - run[-1] <= GAP + 1:
            carry = run
        elif out and run[0] - out[-1][-1] <= GAP + 1:
            out[-1] = out[-1] + run
    return out


def segment_notes(track: PitchTrack) -> tuple[list[SungNote], float]:
    """The notes sung, and the tuning offset taken off (semitones)."""
    offset = tuning_offset(track.midi[_sung(track)])
    midi = track.midi - offset
    shortest = max(2, round(SHORTEST / track.hop))
    runs = [part for run in _runs(track, midi) for part in _split_dips(run, track.level, shortest)]
    pitches = [float(np.median(midi[r])) for r in runs]
    cores = {id(r): p for r, p in zip(runs, pitches)}
    passing = _passing(runs, pitches, round(PASSING / track.hop))
    notes, end = [], -1
    for run in _merge_short(runs, shortest, passing):
        pitch = _core_pitch(run, runs, cores, midi)
        peak = float(np.max(track.level[run]))
        first = _onset_frame(run[0], end, peak, track)
        notes.append(
            SungNote(_time(first, track), _time(run[-1] + 1, track), round(pitch), 10 ** (peak / 20))
        )
        end = run[-1]
    return notes, offset


def _onset_frame(first: int, before: int, peak: float, track: PitchTrack) -> int:
    """Where a note starting at frame ``first`` began: earlier by the loud frames with no
    pitch just before it (pyin loses the pitch of a fast glide) while the loudness rises into
    it, up to ONSET_REACH frames and never into the note before (which ended at ``before``)."""
    frame = first
    while (
        frame - 1 > before
        and first - frame < ONSET_REACH
        and not track.voiced[frame - 1]
        and track.level[frame - 1] > peak - 20.0
        and track.level[frame - 1] <= track.level[frame] + 1.0  # still rising into the note
    ):
        frame -= 1
    return frame


def _core_pitch(run: list[int], runs: list[list[int]], cores: dict[int, float], midi: np.ndarray) -> float:
    """The pitch of a merged run: that of its longest original part (a scoop's frames are
    not the note)."""
    starts = [r[0] for r in runs]
    within = runs[bisect_left(starts, run[0]) : bisect_right(starts, run[-1])]
    parts = [r for r in within if r[-1] <= run[-1]]
    if not parts:
        return float(np.median(midi[run]))
    return cores[id(max(parts, key=len))]


def _time(frame: int, track: PitchTrack) -> float:
    """Seconds of a frame boundary (frames are centred on i * hop)."""
    return max(0.0, (frame - 0.5) * track.hop)


def frame_notes(track: PitchTrack) -> list[SungNote]:
    """The naive reading: a note wherever the rounded pitch of a sung frame changes or a
    silence begins, no tuning, nothing merged or split."""
    sung = _sung(track)
    notes: list[SungNote] = []
    start, pitch = None, None
    for i in range(len(track.midi) + 1):
        p = round(float(track.midi[i])) if i < len(track.midi) and sung[i] else None
        if p != pitch:
            if pitch is not None:
                notes.append(SungNote(_time(start, track), _time(i, track), pitch))
            start, pitch = i, p
    return notes
