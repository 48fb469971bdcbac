"""A sung or hummed recording heard as a melody-only idea.

The notes the voice sang (``notes.segment_notes``) are handed on as a performance, timed in
seconds like the notes of a phrase played on a MIDI keyboard, so one path hears both
(``playback/recorder.py``): the tempo from the rhythm (``tempo.sung_beat``), the beats
tracked through the phrase,
notes on 16ths or triplets, the key; a single line is a melody with no chords.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import mido
import numpy as np

from ..formats.analysis import Analysis, AnalysisError
from ..playback.recorder import recorded_idea
from .notes import SungNote, segment_notes
from .pitch import PitchTrack, track_pitch
from .reading import MAX_SECONDS, mono, read_audio
from .tempo import sung_beat

SHORTEST_RECORDING = 1.0  # seconds
SILENT_PEAK = 10 ** (-50 / 20)  # a recording whose loudest sample is below -50 dBFS is silence
VOICED_SHARE = 0.2  # of the loud frames, at least this share must have a pitch
CLIPPED_SHARE = 0.005
SURE = 0.35  # median pyin voicing probability: one voice 0.55-0.98 (a low hum the least), two 0.15-0.25


def hear_singing(samples: np.ndarray, rate: int, name: str = "sung") -> Analysis:
    """The melody sung in ``samples`` (mono float in [-1, 1]; 2-D input has its channels
    averaged) at ``rate`` Hz, as one melody-only idea named ``name``, with remarks on what
    was assumed (the singer's tuning, a clipped recording, the tempo read). Raises
    ValueError with a one-line reason: silence, noise, no clear pitch, too short, too long."""
    x = mono(samples)
    remarks = _check_signal(x, rate)
    track = track_pitch(x, rate)
    _check_pitch(track)
    notes, offset = segment_notes(track)
    if len(notes) < 2:
        raise ValueError("only one note was heard: sing a phrase of a few notes")
    if abs(offset) >= 0.15:
        way = "flat" if offset < 0 else "sharp"
        remarks.append(f"sung {abs(offset) * 100:.0f} cents {way} of concert pitch: heard in tune")
    try:
        heard = recorded_idea(performance_events(notes), sung_beat([n.onset for n in notes]))
    except AnalysisError as exc:
        raise ValueError(f"no melody could be heard in the notes sung ({exc})") from None
    idea = replace(heard.ideas[0], name=name)
    return Analysis((idea,), tuple(remarks) + heard.remarks)


def hear_sung_file(path: str | os.PathLike) -> Analysis:
    """The melody sung in a WAV, FLAC or OGG file, as an idea named after the file. Raises
    ValueError with a one-line reason (see ``read_audio`` and ``hear_singing``)."""
    samples, rate = read_audio(path)
    return hear_singing(samples, rate, name=Path(path).stem)


def _check_signal(x: np.ndarray, rate: int) -> list[str]:
    """Refusals that need no pitch: a rate, length or level no song has. Returns remarks."""
    if rate < 4000:
        raise ValueError(f"a sample rate of {rate} Hz is too low to hear a voice (8000 Hz or more)")
    seconds = len(x) / rate
    if seconds > MAX_SECONDS:
        raise ValueError(f"the recording is {seconds / 60:.0f} minutes long: sing up to 10 minutes at a time")
    if seconds < SHORTEST_RECORDING:
        raise ValueError(f"the recording is too short ({seconds:.1f} s): sing a phrase of a second or more")
    peak = float(np.max(np.abs(x)))
    if peak < SILENT_PEAK:
        raise ValueError("the recording is silent (nothing louder than a whisper)")  # (the window adds tips)
    if np.mean(np.abs(x) >= 0.99 * peak) > CLIPPED_SHARE and peak > 0.9:
        return ["the recording is clipped (too loud): notes may be misheard"]
    return []


def _check_pitch(track: PitchTrack) -> None:
    """Refusals once the pitch is tracked: noise or speech with no steady pitch, or two
    lines at once (pyin is seldom sure of any one pitch under two voices a third or a
    sixth apart, or a melody over another; voices a fifth or an octave apart blend into one
    and pass)."""
    loud = track.level > -30.0
    if not loud.any() or np.mean(track.voiced[loud]) < VOICED_SHARE:
        raise ValueError("no sung pitch was heard (noise, or talking?): sing or hum the tune")
    if np.median(track.sureness[track.voiced]) < SURE:
        raise ValueError(
            "more than one voice was heard at once (two singers, chords, or an instrument "
            "behind the voice): sing or hum the tune alone"
        )


def performance_events(notes: list[SungNote]) -> list[tuple[float, mido.Message]]:
    """The notes as a performance: (seconds, note on / off), velocity from loudness."""
    events = []
    for n in notes:
        velocity = int(np.clip(40 + 87 * n.loudness, 1, 127))
        events.append((n.onset, mido.Message("note_on", note=n.pitch, velocity=velocity)))
        events.append((max(n.offset, n.onset + 0.02), mido.Message("note_off", note=n.pitch)))
    return sorted(events, key=lambda e: (e[0], e[1].type == "note_on"))
