"""Playback: timed messages in order and on time, panic on stop, the synth's audio, ports."""
import random
import shutil
import subprocess
import time

import numpy as np
import pytest

from engine import playback
from engine.representation import Chord, Idea, Key, Note, Section
from tests.helpers import random_idea


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
    return Idea(Key(0), tempo, (4, 4), (Section("verse", 1),),
                (Chord(0, "", 0, 24, (48, 52, 55)), Chord(7, "", 24, 24, (43, 47, 50))),
                (Note(72, 0, 12, 95), Note(74, 12, 6, 95), Note(76, 24, 24, 95)))


def test_events_are_ordered_with_offs_before_ons():
    events = playback.idea_events(_idea())
    times = [e.time for e in events]
    assert times == sorted(times)
    at_half = [e.message for e in events if abs(e.time - 0.5) < 1e-9]
    kinds = [m.type for m in at_half]
    assert kinds.index("note_on") > max(i for i, k in enumerate(kinds) if k == "note_off")


def test_player_sends_notes_in_order_at_the_right_times():
    idea = _idea(tempo=240)              # a beat is 0.25 s: the idea lasts 1 s
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
    window = audio[start:start + 2000]
    assert np.sqrt(np.mean(window ** 2)) > 1e-3
    pcm = playback.to_pcm16(audio)
    assert len(pcm) == 2 * len(audio)


def test_no_midi_system_means_no_ports_not_an_error():
    assert isinstance(playback.list_output_ports(), list)


@pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd (Debian jackd2) not installed")
def test_real_port_through_jack_loopback():
    import mido
    jack = subprocess.Popen(["jackd", "--no-realtime", "-d", "dummy", "-r", "44100"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        backend = mido.Backend("mido.backends.rtmidi/UNIX_JACK")
        try:
            inport = backend.open_input("songsketch-test-in", virtual=True)
        except Exception as exc:
            pytest.skip(f"JACK MIDI not available: {exc}")
        # the app's port list sees the virtual input; PortOutput opens it like any synth
        target = next((p for p in backend.get_output_names() if "songsketch-test-in" in p), None)
        if target is None:
            pytest.skip("virtual input not visible")
        port = playback.PortOutput(target, backend="mido.backends.rtmidi/UNIX_JACK")
        idea = _idea(tempo=240)
        player = playback.Player(port)
        player.play(playback.idea_events(idea), playback.duration_seconds(idea))
        time.sleep(1.3)
        received = [m for m in inport.iter_pending() if m.type in ("note_on", "note_off")]
        port.close()
        inport.close()
        notes_on = [m.note for m in received if m.type == "note_on" and m.velocity]
        assert notes_on == [m.message.note for m in playback.idea_events(idea)
                            if m.message.type == "note_on"]
    finally:
        jack.terminate()
        jack.wait(5)
