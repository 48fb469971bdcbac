"""Playback: timed messages in order and on time, panic on stop, the synth's audio, ports."""

import random
import shutil
import time

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
    return Idea(
        Key(0),
        tempo,
        (4, 4),
        (Section("verse", 1),),
        (Chord(0, "", 0, 24, (48, 52, 55)), Chord(7, "", 24, 24, (43, 47, 50))),
        (Note(72, 0, 12, 95), Note(74, 12, 6, 95), Note(76, 24, 24, 95)),
    )


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
    expected = playback.idea_events(idea)
    got = out.received
    assert [m for _, m in got] == [e.message for e in expected]
    for (t, _), e in zip(got, expected):
        assert t == pytest.approx(e.time, abs=0.06)


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
    idea = random_idea(random.Random(4), meter=(4, 4))
    audio = playback.render(idea, rate=22050, tail=0.5)
    expected = int((playback.duration_seconds(idea) + 0.5) * 22050)
    assert abs(len(audio) - expected) <= 1
    assert np.abs(audio).max() <= 1.0
    # sound where notes are, e.g. at the first melody note
    n = idea.melody[0]
    start = int(n.onset * playback.seconds_per_tick(idea) * 22050)
    window = audio[start : start + 2000]
    assert np.sqrt(np.mean(window**2)) > 1e-3
    pcm = sound.to_pcm16(audio)
    assert len(pcm) == 2 * len(audio)


def test_no_midi_system_means_no_ports_not_an_error():
    """Where mido's own call raises (no ALSA sequencer here), the app lists no ports; where
    it answers, the app lists exactly its ports. (The JACK test below sees a real port.)"""
    try:
        expected = list(mido.get_output_names())
    except Exception:
        expected = []
    assert playback.list_output_ports() == expected
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
    expected = [e for e in playback.idea_events(_idea(tempo=240)) if e.message.type == "note_on"]
    assert [r[1] for r in ons] == [e.message.note for e in expected]
    for r, e in zip(ons, expected):
        assert r[3] == pytest.approx(e.time, abs=0.08)
