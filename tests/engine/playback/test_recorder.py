"""Recording a phrase from a MIDI keyboard: heard like a played file, and through real ports."""

import random
import shutil

import mido
import pytest

from songsketch.engine.playback import recorder
from tests.helpers import run_with_jack


def played(bpm: float, seed: int = 1, swing: float = 0.012):
    """A phrase as a player gives it: C F G C block chords a bar each, a melody of 8ths and
    quarters over them, every onset a little early or late."""
    rng = random.Random(seed)
    beat = 60 / bpm
    events, t = [], 0.25
    for bar, chord in enumerate([(48, 52, 55), (53, 57, 60), (55, 59, 62), (48, 52, 55)]):
        for p in chord:
            events.append((t + rng.gauss(0, swing), mido.Message("note_on", note=p, velocity=70)))
            events.append((t + 3.8 * beat, mido.Message("note_off", note=p)))
        for pitch, length in zip((72, 74, 76, 74, 72, 74), (0.5, 0.5, 1, 0.5, 0.5, 1)):
            on = t + rng.gauss(0, swing)
            events.append((on, mido.Message("note_on", note=pitch + 2 * (bar % 2), velocity=90)))
            events.append((on + 0.9 * length * beat, mido.Message("note_off", note=pitch + 2 * (bar % 2))))
            t += length * beat
    return events


@pytest.mark.parametrize("bpm", [84, 100, 132])
def test_a_phrase_played_without_a_click_comes_back_on_the_grid(bpm):
    heard = recorder.recorded_idea(played(bpm))
    [idea] = heard.ideas
    assert idea.meter == (4, 4) and idea.bars == 4 and idea.key.name == "C"
    assert abs(idea.tempo - bpm) <= 3
    bar_melody = [(n.onset % 48, n.duration) for n in idea.melody if n.onset < 48]
    assert bar_melody == [(0, 6), (6, 6), (12, 12), (24, 6), (30, 6), (36, 12)]  # 8ths and quarters
    assert [(c.onset, c.root) for c in idea.chords] == [(0, 0), (48, 5), (96, 7), (144, 0)]


def test_nothing_played_is_said():
    with pytest.raises(ValueError, match="nothing was played"):
        recorder.performance_midi([(0.1, mido.Message("control_change", control=64, value=127))])


def test_no_midi_system_means_no_inputs(monkeypatch):
    """Without a MIDI system (mido's call raises) there are no inputs, not an error; with one,
    exactly the inputs it names."""
    assert isinstance(recorder.list_input_ports(), list)  # this machine, whatever it has

    def no_sequencer():
        raise SystemError("MidiInAlsa::initialize: error creating ALSA sequencer client object.")

    monkeypatch.setattr(mido, "get_input_names", no_sequencer)
    assert recorder.list_input_ports() == []
    monkeypatch.setattr(mido, "get_input_names", lambda: ["Keyboard 1"])
    assert recorder.list_input_ports() == ["Keyboard 1"]
    assert recorder.list_input_ports("mido.backends.no_such_backend") == []


KEYBOARD = r"""
import json, sys, time
import mido
from songsketch.engine.playback import recorder
from tests.helpers import run_with_jack
from tests.engine.playback.test_recorder import played
backend = "mido.backends.rtmidi/UNIX_JACK"
keyboard = mido.Backend(backend).open_output("songsketch-test-keyboard", virtual=True)
name = next((p for p in recorder.list_input_ports(backend) if "songsketch-test-keyboard" in p), None)
if name is None:
    print(json.dumps({"skip": "virtual keyboard not visible"}), flush=True)
    sys.exit(0)
rec = recorder.Recorder(name, backend)
time.sleep(0.3)
t0 = time.perf_counter()
for t, message in sorted(played(112, seed=3), key=lambda e: e[0]):
    while time.perf_counter() - t0 < t:
        time.sleep(0.0005)
    keyboard.send(message)
time.sleep(0.3)
events = rec.stop()
[idea] = recorder.recorded_idea(events).ideas
print(json.dumps({
    "notes": sum(1 for _t, m in events if m.type == "note_on"),
    "tempo": idea.tempo, "bars": idea.bars, "key": idea.key.name,
    "melody": [[n.onset % 48, n.duration] for n in idea.melody if n.onset < 48],
    "chords": [[c.onset, c.root] for c in idea.chords],
}), flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd (Debian jackd2) not installed")
def test_a_phrase_played_into_a_real_port_through_jack():
    result = run_with_jack(KEYBOARD, timeout=60)
    assert result["notes"] == 36  # 4 bars: 3 chord notes and 6 melody notes each
    assert result["bars"] == 4 and result["key"] == "C" and abs(result["tempo"] - 112) <= 3
    assert result["melody"] == [[0, 6], [6, 6], [12, 12], [24, 6], [30, 6], [36, 12]]
    assert result["chords"] == [[0, 0], [48, 5], [96, 7], [144, 0]]


def test_a_note_held_when_stop_is_pressed_ends_there():
    """(The recorder's own bookkeeping, its port a stand-in: the JACK test plays real ports.)"""
    import threading

    class Port:
        def close(self):
            pass

    rec = recorder.Recorder.__new__(recorder.Recorder)
    rec.clock, rec._lock, rec.port = (lambda: 2.0), threading.Lock(), Port()
    rec._events = [
        (1.0, mido.Message("note_on", note=60, velocity=90)),
        (1.5, mido.Message("note_on", note=64, velocity=90)),
    ]
    events = rec.stop()
    assert sorted((t, m.type, m.note) for t, m in events)[-2:] == [
        (2.0, "note_off", 60),
        (2.0, "note_off", 64),
    ]
    from songsketch.engine.formats.midi import read_raw

    notes = sorted(read_raw(recorder.performance_midi(events)).notes, key=lambda n: n.pitch)
    assert [n.pitch for n in notes] == [60, 64] and notes[1].duration > 1  # no one-tick blip


def test_a_phrase_played_with_the_sustain_pedal_keeps_its_ring():
    """Chords struck short with the pedal down, lifted at each bar line: the recording keeps
    the pedal (the recorder hears CC 64 as well as notes), so the chords last the bar."""
    import threading

    class Port:
        def close(self):
            pass

    rec = recorder.Recorder.__new__(recorder.Recorder)
    rec.clock, rec._lock, rec.port, rec._events = (lambda: 9.0), threading.Lock(), Port(), []
    beat = 0.6
    for bar, chord in enumerate([(48, 52, 55), (53, 57, 60), (55, 59, 62), (48, 52, 55)]):
        t = bar * 4 * beat
        rec._heard(mido.Message("control_change", control=64, value=127))
        rec._events[-1] = (t + 0.02, rec._events[-1][1])
        for p in chord:
            rec._events.append((t, mido.Message("note_on", note=p, velocity=70)))
            rec._events.append((t + 0.2, mido.Message("note_off", note=p)))
        for i, pitch in enumerate((72, 74, 76, 74)):  # a melody of quarters, keys released early
            rec._events.append((t + i * beat, mido.Message("note_on", note=pitch, velocity=90)))
            rec._events.append((t + i * beat + 0.1, mido.Message("note_off", note=pitch)))
        rec._events.append((t + 4 * beat - 0.03, mido.Message("control_change", control=64, value=0)))
    rec._heard(mido.Message("pitchwheel", pitch=100))  # not kept
    events = rec.stop()
    assert sum(m.type == "control_change" for _t, m in events) == 8
    assert not any(m.type == "pitchwheel" for _t, m in events)
    [idea] = recorder.recorded_idea(events).ideas
    assert [c.duration for c in idea.chords] == [48, 48, 48, 48]  # a whole bar each
    assert [(c.onset, c.root) for c in idea.chords] == [(0, 0), (48, 5), (96, 7), (144, 0)]


def test_a_melody_played_alone_is_a_melody_only_idea():
    """Twelve notes played one after another on a keyboard, nothing under them: every note is
    the melody and there are no chords (it used to be refused, or split into two parts)."""
    events, t = [], 1.0
    for pitch in (60, 62, 64, 65, 67, 65, 64, 62, 60, 64, 67, 72):
        events += [
            (t, mido.Message("note_on", note=pitch, velocity=80)),
            (t + 0.48, mido.Message("note_off", note=pitch, velocity=0)),
        ]
        t += 0.5
    (idea,) = recorder.recorded_idea(events).ideas
    assert idea.chords == () and [n.pitch for n in idea.melody][:5] == [60, 62, 64, 65, 67]
    assert len(idea.melody) == 12
