"""What the built-in synth plays an idea with: a SoundFont, one General MIDI instrument per
part, a volume; and audio files of an idea (WAV).

``open_font`` loads the chosen SoundFont (the bundled one by default) and says why not when it
cannot; ``idea_performance`` is an idea on that font, ready to stream or render whole; without
a font the player falls back to the additive tone of ``player.render`` (the caller says why).
"""

from __future__ import annotations

import io
import os
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..common.files import atomic_write
from ..common.paths import default_soundfont
from ..formats.midi import CHORD_VELOCITY
from ..music.idea import Idea
from .performance import SAMPLE_RATE, NoteEvent, Passes, Performance
from .player import duration_seconds, render, render_note, seconds_per_tick
from .reverb import DEFAULT_ROOM, ROOMS, Reverb, with_room
from .soundfont import SUFFIXES, SoundFont, SoundFontError, load_cached

__all__ = [
    "DEFAULT_ROOM", "ROOMS", "SAMPLE_RATE", "SUFFIXES",
    "NoteEvent", "Performance", "Reverb", "SoundFont", "SoundFontError",
]  # fmt: skip

GM_NAMES = (
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano",
    "Electric Piano 1", "Electric Piano 2", "Harpsichord", "Clavinet", "Celesta", "Glockenspiel",
    "Music Box", "Vibraphone", "Marimba", "Xylophone", "Tubular Bells", "Dulcimer", "Drawbar Organ",
    "Percussive Organ", "Rock Organ", "Church Organ", "Reed Organ", "Accordion", "Harmonica",
    "Tango Accordion", "Nylon Guitar", "Steel Guitar", "Jazz Guitar", "Clean Electric Guitar",
    "Muted Guitar", "Overdriven Guitar", "Distortion Guitar", "Guitar Harmonics", "Acoustic Bass",
    "Fingered Bass", "Picked Bass", "Fretless Bass", "Slap Bass 1", "Slap Bass 2", "Synth Bass 1",
    "Synth Bass 2", "Violin", "Viola", "Cello", "Contrabass", "Tremolo Strings", "Pizzicato Strings",
    "Orchestral Harp", "Timpani", "Strings", "Slow Strings", "Synth Strings 1", "Synth Strings 2",
    "Choir Aahs", "Voice Oohs", "Synth Voice", "Orchestra Hit", "Trumpet", "Trombone", "Tuba",
    "Muted Trumpet", "French Horn", "Brass Section", "Synth Brass 1", "Synth Brass 2", "Soprano Sax",
    "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn", "Bassoon", "Clarinet", "Piccolo",
    "Flute", "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi", "Whistle", "Ocarina",
    "Square Lead", "Saw Lead", "Calliope Lead", "Chiff Lead", "Charang Lead", "Voice Lead",
    "Fifths Lead", "Bass + Lead", "New Age Pad", "Warm Pad", "Polysynth Pad", "Choir Pad",
    "Bowed Pad", "Metallic Pad", "Halo Pad", "Sweep Pad", "Rain", "Soundtrack", "Crystal",
    "Atmosphere", "Brightness", "Goblins", "Echoes", "Sci-fi", "Sitar", "Banjo", "Shamisen", "Koto",
    "Kalimba", "Bagpipe", "Fiddle", "Shanai", "Tinkle Bell", "Agogo", "Steel Drums", "Woodblock",
    "Taiko Drum", "Melodic Tom", "Synth Drum", "Reverse Cymbal", "Guitar Fret Noise", "Breath Noise",
    "Seashore", "Bird Tweet", "Telephone Ring", "Helicopter", "Applause", "Gunshot",
)  # fmt: skip
DEFAULT_VOLUME = 0.8
MIX_GAIN = 1.0  # at the default volume, ideas on the bundled piano peak at 0.5-0.6 (RMS -24 dBFS)
KNEE = 0.9  # above this, samples are rounded off softly instead of clipping


def program_number(text: str | int) -> int:
    """A GM program from a number (0-127) or a name ('piano', 'flute', 'Warm Pad'):
    ValueError names the choices when it is neither."""
    if isinstance(text, int) or str(text).strip().isdigit():
        number = int(text)
        if 0 <= number < 128:
            return number
        raise ValueError(f"a General MIDI program is 0-127, not {number}")
    wanted = str(text).strip().lower()
    for exact in (True, False):
        for number, name in enumerate(GM_NAMES):
            if (name.lower() == wanted) if exact else wanted in name.lower():
                return number
    raise ValueError(f"no General MIDI instrument called {text!r} (try piano, guitar, strings, flute, pad…)")


@dataclass(frozen=True)
class Instruments:
    """The GM programs of the chord part and the melody, the volume (0..1), and the room
    around them (a name in ``ROOMS``: dry, studio, hall)."""

    chords: int = 0
    melody: int = 0
    volume: float = DEFAULT_VOLUME
    room: str = DEFAULT_ROOM

    def reverb(self) -> Reverb | None:
        """A fresh reverb for one stream or render (it keeps the ring owed to what follows)."""
        return Reverb.named(self.room, SAMPLE_RATE)

    @property
    def gain(self) -> float:
        return MIX_GAIN * max(0.0, min(1.0, self.volume)) / DEFAULT_VOLUME


def prepare_rooms(block: int = int(0.25 * SAMPLE_RATE)) -> None:
    """Make every room's impulse response and the spectra a stream's first reads need, so
    that Play does not wait for them (about 0.1 s of work; call it off the UI thread)."""
    for name in ROOMS:
        for size in (block, 4096):
            reverb = Reverb.named(name, SAMPLE_RATE)
            if reverb is not None:
                reverb.process(np.zeros((size, 2), np.float32))


def open_font(path: str | os.PathLike | None = None) -> SoundFont:
    """The SoundFont at ``path`` (the bundled one when None), loaded once and kept;
    SoundFontError names the file and what is wrong with it."""
    path = Path(path) if path else default_soundfont()
    try:
        return load_cached(path)
    except SoundFontError as exc:
        raise SoundFontError(f"{path.name}: {exc}") from None


def idea_notes(idea: Idea, instruments: Instruments = Instruments()) -> list[NoteEvent]:
    """The idea's notes in seconds, the chord part and the melody on their instruments."""
    spt = seconds_per_tick(idea)
    notes = [
        NoteEvent(c.onset * spt, c.duration * spt, p, CHORD_VELOCITY, instruments.chords)
        for c in idea.chords
        for p in c.voicing
    ]
    notes += [
        NoteEvent(n.onset * spt, n.duration * spt, n.pitch, n.velocity, instruments.melody)
        for n in idea.melody
    ]
    return notes


def idea_performance(
    font: SoundFont, idea: Idea, instruments: Instruments = Instruments(), loop: bool = False
) -> Performance:
    """The idea played on ``font``: stream it with ``render`` or take it whole with
    ``render_all``; its loop wraps at the idea's length (the last notes ring into the next pass)."""
    return Performance(
        font, idea_notes(idea, instruments), duration_seconds(idea), gain=instruments.gain, loop=loop
    )


def note_performance(
    font: SoundFont, pitch: int, program: int, volume: float = DEFAULT_VOLUME
) -> Performance:
    """One note as a click on the piano roll sounds it (0.4 s held)."""
    gain = Instruments(volume=volume).gain
    return Performance(font, [NoteEvent(0.0, 0.4, pitch, 90, program)], 0.4, gain=gain)


def to_pcm16(audio: np.ndarray) -> bytes:
    """Float audio (mono, or (frames, channels)) as little-endian 16-bit; peaks above the
    knee are rounded off (a loud SoundFont at full volume does not crackle)."""
    loud = np.abs(audio) > KNEE
    if loud.any():
        audio = audio.copy()
        over = np.abs(audio[loud]) - KNEE
        audio[loud] = np.sign(audio[loud]) * (KNEE + (1 - KNEE) * np.tanh(over / (1 - KNEE)))
    return (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def wav_bytes(audio: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    """A WAV file (16-bit PCM) of float audio."""
    channels = 1 if audio.ndim == 1 else audio.shape[1]
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(to_pcm16(audio))
    return buf.getvalue()


def render_idea(idea: Idea, font: SoundFont | None, instruments: Instruments = Instruments()) -> np.ndarray:
    """The idea once through with the ring of its last notes and of the room: (frames, 2)
    float32 (on the additive synth when ``font`` is None)."""
    if font is None:
        dry = fallback_performance(idea).audio
    else:
        dry = idea_performance(font, idea, instruments).render_all()
    return with_room(dry, instruments.reverb())


def write_wav(
    idea: Idea, path: str | os.PathLike, font: SoundFont | None, instruments: Instruments = Instruments()
) -> float:
    """Render the idea and write it as a 44.1 kHz 16-bit stereo WAV, whole or not at all;
    the seconds written. OSError (disk full...) leaves any earlier file as it was."""
    audio = render_idea(idea, font, instruments)
    atomic_write(path, wav_bytes(audio))
    return len(audio) / SAMPLE_RATE


class Rendered(Passes):
    """Audio rendered whole, served like a ``Performance`` (``render``, ``frames``,
    ``set_loop``): the additive synth's sound when no SoundFont could be loaded. Its loop
    restarts the buffer (the ring of the last notes is cut at the seam)."""

    def __init__(self, audio: np.ndarray, length: float, rate: int = SAMPLE_RATE, loop: bool = False) -> None:
        self.audio = np.repeat(audio[:, None], 2, axis=1) if audio.ndim == 1 else audio
        self.rate = rate
        self.period = max(1, min(len(self.audio), int(round(length * rate))))
        self.tail = len(self.audio) - self.period
        self.last_pass = None if loop else 0
        self._padded = np.concatenate([self.audio, np.zeros((1, 2), np.float32)]).astype(np.float32)

    def render(self, start: int, count: int) -> np.ndarray:
        at = np.arange(start, start + count)
        if self.last_pass is None:
            within = at % self.period
        else:  # the last pass plays on into the ring of its last notes, then silence
            within = at - np.minimum(at // self.period, self.last_pass) * self.period
        return self._padded[np.minimum(within, len(self.audio))]


def fallback_performance(idea: Idea, loop: bool = False) -> Rendered:
    """The idea on the additive synth (no SoundFont)."""
    return Rendered(render(idea), duration_seconds(idea), loop=loop)


def fallback_note(pitch: int) -> Rendered:
    return Rendered(render_note(pitch), 0.4)
