"""Playback: timed messages in order and on time, panic on stop, the synth's audio, ports."""

import random
import shutil
import time
from dataclasses import replace

import mido
import numpy as np
import pytest

from songsketch.engine.music.idea import Chord, Idea, Key, Note, Section
from songsketch.engine.playback import player as playback
from songsketch.engine.playback import sound
from tests.helpers import random_idea, run_with_jack


class RecordingOutput:
    """An output that records what it is sent, with the time it arrived."""

    def __init__(self):
        self.received = []
        self.t0 = time.perf_counter()

    def send(self, message):
        self.received.append((time.perf_counter() - self.t0, message))

    def close(self):
        pass


def _idea(tempo=240):
    """One bar of 4/4 (12 ticks a beat): C then G, two beats each, under a quarter, an 8th and
    a half note."""
    return Idea(
        Key(0),
        tempo,
        (4, 4),
        (Section("verse", 1),),
        (Chord(0, "", 0, 24, (48, 52, 55)), Chord(7, "", 24, 24, (43, 47, 50))),
        (Note(72, 0, 12, 95), Note(74, 12, 6, 95), Note(76, 24, 24, 95)),
    )


# when each note of ``_idea(240)`` starts and ends, worked out by hand: at 240 bpm a beat (12
# ticks) lasts 0.25 s; the C chord and the first melody note start together, the G chord and
# the last note on beat 3
STARTS = {48: 0.0, 52: 0.0, 55: 0.0, 72: 0.0, 74: 0.25, 43: 0.5, 47: 0.5, 50: 0.5, 76: 0.5}
ENDS = {72: 0.25, 74: 0.375, 48: 0.5, 52: 0.5, 55: 0.5, 43: 1.0, 47: 1.0, 50: 1.0, 76: 1.0}


def test_events_are_ordered_with_offs_before_ons():
    events = playback.idea_events(_idea())
    times = [e.time for e in events]
    assert times == sorted(times)
    at_half = [e.message for e in events if abs(e.time - 0.5) < 1e-9]
    kinds = [m.type for m in at_half]
    assert kinds.index("note_on") > max(i for i, k in enumerate(kinds) if k == "note_off")


def test_player_sends_notes_in_order_at_the_right_times():
    idea = _idea(tempo=240)  # a beat is 0.25 s: the idea lasts 1 s
    out = RecordingOutput()
    done = []
    player = playback.Player(out, on_finished=lambda: done.append(1))
    out.t0 = time.perf_counter()
    player.play(playback.idea_events(idea), playback.duration_seconds(idea))
    deadline = time.time() + 5
    while not done and time.time() < deadline:
        time.sleep(0.01)
    assert done
    got = out.received
    assert [t for t, _ in got] == sorted(t for t, _ in got)
    starts = {m.note: t for t, m in got if m.type == "note_on"}
    ends = {m.note: t for t, m in got if m.type == "note_off"}
    assert len(got) == 18 and starts.keys() == STARTS.keys() and ends.keys() == ENDS.keys()
    for note, seconds in STARTS.items():
        assert starts[note] == pytest.approx(seconds, abs=0.06), note
    for note, seconds in ENDS.items():
        assert ends[note] == pytest.approx(seconds, abs=0.06), note


def test_stop_silences_sounding_notes():
    idea = _idea(tempo=60)
    out = RecordingOutput()
    player = playback.Player(out)
    player.play(playback.idea_events(idea), playback.duration_seconds(idea))
    time.sleep(0.3)
    player.stop()
    on = {(m.channel, m.note) for _, m in out.received if m.type == "note_on" and m.velocity}
    off = {(m.channel, m.note) for _, m in out.received if m.type == "note_off"}
    assert on and on <= off


def test_synth_renders_audible_audio_of_the_right_length():
    """At 120 bpm a beat lasts 0.5 s: a bar of 4/4 is 2 s, and a note on beat 3 (tick 24)
    starts 1 s in, at sample 22050 of a 22050 Hz render."""
    idea = replace(_idea(tempo=120), chords=(), melody=(Note(72, 24, 12, 95),))
    assert playback.duration_seconds(idea) == pytest.approx(2.0)
    audio = playback.render(idea, rate=22050, tail=0.5)
    assert len(audio) == 55125  # 2.5 s: the bar and the tail
    assert not audio[:22050].any()  # silence before the note
    assert np.sqrt(np.mean(audio[22050:24050] ** 2)) > 1e-3  # sound once it starts
    assert 0 < np.abs(audio).max() <= 1.0
    loud = random_idea(random.Random(4), meter=(4, 4))
    assert np.abs(playback.render(loud, rate=22050)).max() <= 0.95 + 1e-6  # a full idea, kept in range
    pcm = sound.to_pcm16(audio)
    assert len(pcm) == 2 * len(audio)


def test_no_midi_system_means_no_ports_not_an_error(monkeypatch):
    """Where mido's own call raises (python-rtmidi without an ALSA sequencer), the app lists no
    ports; where it answers, the app lists exactly its ports. (The JACK test below sees a real
    port.)"""
    assert isinstance(playback.list_output_ports(), list)  # this machine, whatever it has

    def no_sequencer():
        raise SystemError("MidiOutAlsa::initialize: error creating ALSA sequencer client object.")

    monkeypatch.setattr(mido, "get_output_names", no_sequencer)
    assert playback.list_output_ports() == []
    monkeypatch.setattr(mido, "get_output_names", lambda: ["Synth A", "Synth B"])
    assert playback.list_output_ports() == ["Synth A", "Synth B"]
    assert playback.list_output_ports("mido.backends.no_such_backend") == []


JACK_SCRIPT = r"""
import json, sys, time
import mido
from songsketch.engine.playback import player as playback
from songsketch.engine.playback import sound
from tests.engine.playback.test_player import _idea
backend = mido.Backend("mido.backends.rtmidi/UNIX_JACK")
inport = backend.open_input("songsketch-test-in", virtual=True)
# the app's port list sees the virtual input; PortOutput opens it like any synth
target = next((p for p in playback.list_output_ports("mido.backends.rtmidi/UNIX_JACK")
               if "songsketch-test-in" in p), None)
if target is None:
    print(json.dumps({"skip": "virtual input not visible"}), flush=True)
    sys.exit(0)
port = playback.PortOutput(target, backend="mido.backends.rtmidi/UNIX_JACK")
idea = _idea(tempo=240)
player = playback.Player(port)
t0 = time.perf_counter()
player.play(playback.idea_events(idea), playback.duration_seconds(idea))
got = []
while time.perf_counter() - t0 < 1.4:
    for m in inport.iter_pending():
        if m.type in ("note_on", "note_off"):
            got.append([m.type, m.note, m.velocity, round(time.perf_counter() - t0, 3)])
    time.sleep(0.002)
print(json.dumps({"received": got}), flush=True)
port.close()    # closing JACK clients can hang: the test does not wait for it
"""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd (Debian jackd2) not installed")
def test_real_port_through_jack_loopback():
    result = run_with_jack(JACK_SCRIPT)
    ons = [r for r in result["received"] if r[0] == "note_on" and r[2] > 0]
    assert sorted(r[1] for r in ons) == sorted(STARTS)
    for _kind, note, _velocity, seconds in ons:
        assert seconds == pytest.approx(STARTS[note], abs=0.08), note
