"""Playback without Qt: an idea as timed MIDI messages, outputs (a MIDI port, a recording),
a scheduler thread that sends them on time, and a small additive NumPy synth (the fallback
of the SoundFont synth in ``sound``).

Layers: ``idea_events`` (pure) -> ``Player`` (thread, hooks ``on_position``/``on_finished``)
-> an ``Output`` (``PortOutput`` through mido + python-rtmidi, or anything with ``send``).
The built-in synth (``sound``) renders audio that the app plays through the system's audio output.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import mido
import numpy as np

from ..formats.midi import CHORD_VELOCITY
from ..music.idea import TICKS_PER_BEAT, Idea
from .alsa_quiet import alsa_quiet
from .performance import SAMPLE_RATE  # one rate for every sound the app makes

CHORD_CHANNEL, MELODY_CHANNEL = 0, 1


@dataclass(frozen=True)
class TimedMessage:
    time: float  # seconds from the start
    message: mido.Message


def seconds_per_tick(idea: Idea) -> float:
    return 60.0 / idea.tempo / TICKS_PER_BEAT


def idea_events(idea: Idea, programs: tuple[int, int] | None = None) -> list[TimedMessage]:
    """Note on/off messages of an idea in time order (offs before ons at the same time),
    after program changes for the chord and melody channels when ``programs`` are given."""
    spt = seconds_per_tick(idea)
    events: list[tuple[int, int, mido.Message]] = []
    if programs is not None:
        for channel, program in zip((CHORD_CHANNEL, MELODY_CHANNEL), programs):
            events.append((0, -1, program_change(program, channel)))
    for c in idea.chords:
        for p in c.voicing:
            events.append(
                (c.onset, 1, mido.Message("note_on", channel=CHORD_CHANNEL, note=p, velocity=CHORD_VELOCITY))
            )
            events.append((c.end, 0, mido.Message("note_off", channel=CHORD_CHANNEL, note=p, velocity=0)))
    for n in idea.melody:
        events.append(
            (n.onset, 1, mido.Message("note_on", channel=MELODY_CHANNEL, note=n.pitch, velocity=n.velocity))
        )
        events.append((n.end, 0, mido.Message("note_off", channel=MELODY_CHANNEL, note=n.pitch, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    return [TimedMessage(t * spt, m) for t, _, m in events]


def duration_seconds(idea: Idea) -> float:
    return idea.total_ticks * seconds_per_tick(idea)


class Output(Protocol):
    def send(self, message: mido.Message) -> None: ...
    def close(self) -> None: ...


def note_on(pitch: int, velocity: int = 90, channel: int = MELODY_CHANNEL) -> mido.Message:
    """A single note's start (a note auditioned on its own), on the melody's channel."""
    return mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)


def note_off(pitch: int, channel: int = MELODY_CHANNEL) -> mido.Message:
    return mido.Message("note_off", channel=channel, note=pitch, velocity=0)


def program_change(program: int, channel: int = MELODY_CHANNEL) -> mido.Message:
    return mido.Message("program_change", channel=channel, program=program)


def panic_messages() -> list[mido.Message]:
    """All notes off and sustain off on every channel (stops hanging notes)."""
    out = []
    for ch in range(16):
        out.append(mido.Message("control_change", channel=ch, control=64, value=0))
        out.append(mido.Message("control_change", channel=ch, control=123, value=0))
    return out


def port_names(kind: str, backend: str | None = None) -> list[str]:
    """The machine's MIDI ``kind`` ('output' or 'input') ports (of mido's ``backend`` when
    named); [] when there is no MIDI system (no ALSA sequencer makes python-rtmidi raise: that
    means 'no ports', not an error)."""
    try:
        api = mido.Backend(backend) if backend else mido
        with alsa_quiet():  # no sequencer device: libasound would print 'open /dev/snd/seq failed'
            return list(getattr(api, f"get_{kind}_names")())
    except Exception:  # rtmidi raises SystemError/RuntimeError without a sequencer
        return []


def list_output_ports(backend: str | None = None) -> list[str]:
    """The machine's MIDI output ports (see ``port_names``)."""
    return port_names("output", backend)


class PortOutput:
    """A mido output port; ``close`` silences it first."""

    def __init__(self, name: str, backend: str | None = None) -> None:
        self.name = name
        api = mido.Backend(backend) if backend else mido
        try:
            self.port = api.open_output(name)
        except Exception as exc:
            raise OSError(f"cannot open MIDI port {name!r}: {exc}") from None
        self._lock = threading.Lock()

    def send(self, message: mido.Message) -> None:
        with self._lock:
            self.port.send(message)

    def close(self) -> None:
        with self._lock:
            for m in panic_messages():
                try:
                    self.port.send(m)
                except Exception:
                    break
            self.port.close()


class Player:
    """Sends timed messages to an output from a scheduler thread, tempo-accurate.

    Hooks: ``on_position(seconds)`` about every 20 ms, ``on_finished()`` at the end (not
    after ``stop``). ``stop()`` silences every note that is on."""

    def __init__(
        self,
        output: Output,
        on_position: Callable[[float], None] | None = None,
        on_finished: Callable[[], None] | None = None,
    ) -> None:
        self.output = output
        self.on_position, self.on_finished = on_position, on_finished
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sounding: set[tuple[int, int]] = set()

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def play(self, events: list[TimedMessage], length: float, loop: bool = False) -> None:
        self.stop()
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(events, length, loop), name="songsketch-player", daemon=True
        )
        self._thread.start()

    def _send(self, message: mido.Message) -> None:
        if message.type == "note_on" and message.velocity > 0:
            self._sounding.add((message.channel, message.note))
        elif message.type in ("note_off", "note_on"):
            self._sounding.discard((message.channel, message.note))
        self.output.send(message)

    def _run(self, events: list[TimedMessage], length: float, loop: bool) -> None:
        while True:
            start = time.perf_counter()
            last_report = -1.0
            for ev in events + [TimedMessage(length, None)]:
                while True:
                    now = time.perf_counter() - start
                    if self._stop.is_set():
                        return
                    if now - last_report >= 0.02 and self.on_position is not None:
                        self.on_position(now)
                        last_report = now
                    wait = ev.time - now
                    if wait <= 0:
                        break
                    self._stop.wait(min(wait, 0.02))
                if ev.message is not None:
                    self._send(ev.message)
            if not loop:
                break
        if self.on_finished is not None:
            self.on_finished()

    def stop(self) -> None:
        """Stop at once; every sounding note gets its note off."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._thread = None
        for channel, note in sorted(self._sounding):
            self.output.send(mido.Message("note_off", channel=channel, note=note, velocity=0))
        self._sounding.clear()


# ---------------------------------------------------------------------------
# the additive synth: the built-in output's fallback when no SoundFont can be loaded


def _tone(pitch: int, velocity: int, seconds: float, rate: int, release: float = 0.12) -> np.ndarray:
    """A soft piano-like tone: a few decaying harmonics with a short attack and release."""
    n = int((seconds + release) * rate)
    t = np.arange(n, dtype=np.float32) / rate
    freq = 440.0 * 2.0 ** ((pitch - 69) / 12.0)
    wave = np.zeros(n, np.float32)
    for k, amp in ((1, 1.0), (2, 0.45), (3, 0.2), (4, 0.1)):
        if freq * k < rate / 2:
            wave += amp * np.sin(2 * np.pi * freq * k * t, dtype=np.float32) * np.exp(-t * (1.5 + 1.2 * k))
    env = np.minimum(1.0, t / 0.005)
    hold = int(seconds * rate)
    if hold < n:
        env[hold:] *= np.exp(-(t[hold:] - seconds) / (release / 4))
    return wave * env * (velocity / 127.0) * 0.18


def render(idea: Idea, rate: int = SAMPLE_RATE, tail: float = 0.5) -> np.ndarray:
    """The idea as mono float32 audio in [-1, 1], ``duration_seconds + tail`` long."""
    spt = seconds_per_tick(idea)
    total = int((duration_seconds(idea) + tail) * rate)
    out = np.zeros(total, np.float32)
    notes = [(p, c.onset, c.duration, CHORD_VELOCITY) for c in idea.chords for p in c.voicing]
    notes += [(n.pitch, n.onset, n.duration, n.velocity) for n in idea.melody]
    for pitch, onset, dur, vel in notes:
        tone = _tone(pitch, vel, dur * spt, rate)
        start = int(onset * spt * rate)
        end = min(total, start + len(tone))
        out[start:end] += tone[: end - start]
    peak = float(np.abs(out).max()) if len(out) else 0.0
    if peak > 0.95:
        out *= 0.95 / peak
    return out


def render_note(pitch: int, velocity: int = 90, seconds: float = 0.4, rate: int = SAMPLE_RATE) -> np.ndarray:
    return _tone(pitch, velocity, seconds, rate)
