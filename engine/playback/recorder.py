"""Recording a phrase played on a MIDI keyboard, and hearing it as an idea.

A :class:`Recorder` listens on a mido input port (python-rtmidi) and keeps every note played,
timed by the machine's clock from the first one. ``recorded_idea`` writes the performance as a
MIDI file in the tempo its rhythm suggests and reads it with the loader the training folders
use: its timing module tracks the player's beat through a phrase played without a click,
snaps the notes to 16ths or triplets, and the analysis hears the melody, chords, key and
meter, as for any played file.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable

import mido

from ..formats.analysis import Analysis, analyse
from ..formats.midi import read_raw
from .player import port_names

RECORD_TICKS_PER_BEAT = 480
BEAT_RANGE = (0.35, 1.0)  # seconds per beat a player's phrase is heard in (60-170 bpm)


def list_input_ports(backend: str | None = None) -> list[str]:
    """The machine's MIDI input ports (see ``player.port_names``)."""
    return port_names("input", backend)


class Recorder:
    """Keeps the notes played on an input port from ``start`` to ``stop``. Raises OSError when
    the port cannot be opened."""

    def __init__(
        self, name: str, backend: str | None = None, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.name, self.clock = name, clock
        self._events: list[tuple[float, mido.Message]] = []
        self._lock = threading.Lock()
        api = mido.Backend(backend) if backend else mido
        try:
            self.port = api.open_input(name, callback=self._heard)
        except Exception as exc:
            raise OSError(f"cannot open MIDI input {name!r}: {exc}") from None

    def _heard(self, message: mido.Message) -> None:
        kept = message.type in ("note_on", "note_off") or (
            message.type == "control_change" and message.control == 64  # the sustain pedal
        )
        if kept and getattr(message, "channel", 0) != 9:
            with self._lock:
                self._events.append((self.clock(), message))

    def stop(self) -> list[tuple[float, mido.Message]]:
        """The notes played, as (seconds, message); the port is closed on a thread of its own
        (closing a JACK client can take a while: the caller, maybe the window, never waits)."""
        with self._lock:
            events = list(self._events)
            self._events = []
        # notes still held when Stop is pressed end there
        end, held = self.clock(), {}
        for _t, m in events:
            if m.type == "note_on" and m.velocity > 0:
                held[(m.channel, m.note)] = True
            elif m.type in ("note_on", "note_off"):
                held.pop((m.channel, m.note), None)
        events += [(end, mido.Message("note_off", channel=c, note=n)) for c, n in held]

        def close() -> None:
            try:
                self.port.close()
            except Exception:
                pass

        threading.Thread(target=close, name="songsketch-midi-in-close", daemon=True).start()
        return events


def played_beat(onsets: list[float]) -> float:
    """Seconds per beat of a phrase played without a click, from its rhythm: the commonest
    time between onsets (chord notes together count once) is taken as an 8th note, or as a
    quarter, a half... whichever puts the beat in a singable tempo."""
    starts = sorted(onsets)
    gaps = sorted(b - a for a, b in zip(starts, starts[1:]) if b - a > 0.06)
    if not gaps:
        return 0.5
    unit = gaps[len(gaps) // 2]
    for factor in (2, 1, 4, 0.5, 3, 8):
        if BEAT_RANGE[0] <= unit * factor <= BEAT_RANGE[1]:
            return unit * factor
    return 0.5


def performance_midi(events: list[tuple[float, mido.Message]], beat: float | None = None) -> bytes:
    """A performance as a one-track MIDI file from its first note on, in the tempo it was
    played (``played_beat``, or ``beat`` seconds a beat when the caller knows better: a sung
    melody's, ``audio/tempo.py``); notes still held at the end are released with the last event."""
    ons = [t for t, m in events if m.type == "note_on" and m.velocity > 0]
    if not ons:
        raise ValueError("nothing was played")
    start = min(ons)
    beat = beat or played_beat(ons)
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=round(beat * 1e6))])
    held: set[tuple[int, int]] = set()
    last = 0
    end = 0
    for t, message in sorted(events, key=lambda e: e[0]):
        if t < start:
            continue
        tick = round((t - start) / beat * RECORD_TICKS_PER_BEAT)
        track.append(message.copy(time=tick - last))
        last = end = tick
        if message.type == "note_on" and message.velocity > 0:
            held.add((message.channel, message.note))
        elif message.type in ("note_on", "note_off"):
            held.discard((message.channel, message.note))
    for channel, note in sorted(held):
        track.append(mido.Message("note_off", channel=channel, note=note, time=end - last))
        last = end
    out = io.BytesIO()
    mido.MidiFile(ticks_per_beat=RECORD_TICKS_PER_BEAT, tracks=[track]).save(file=out)
    return out.getvalue()


def recorded_idea(events: list[tuple[float, mido.Message]], beat: float | None = None) -> Analysis:
    """The ideas heard in a performance (and what had to be assumed), around ``beat`` seconds
    a beat when given. Raises ValueError when nothing usable was played."""
    return analyse(read_raw(performance_midi(events, beat)))
