"""The transport and the built-in synth: the stream an audio device pulls, a real (null)
audio device, a SoundFont that arrives while playing."""

import pytest

pytest.importorskip("PySide6.QtWidgets")

from tests.helpers import run_with_pulse


def test_synth_output_without_an_audio_device_says_so(qtbot, make_window):
    window = make_window()
    if window.playback.synth.available:
        pytest.skip("this machine has an audio device")
    assert "no audio" in window.playback.output_status.text()


def test_the_built_in_synth_streams_the_bundled_piano(qtbot, make_window, generate_and_wait):
    """Play on the built-in synth: the stream the audio sink pulls is the idea on the bundled
    SoundFont's piano, rendered as it is read, and a loop runs on past the idea's end."""
    import numpy as np

    from songsketch.engine.playback import sound
    from songsketch.gui.audio import AudioStream

    window = make_window()
    assert window.playback.sound.wait_for_font()
    playback = window.playback
    assert "FluidR3" in playback.sound.font.name and playback.sound.font_path == ""
    assert playback.sound.chord_instrument.currentText() == "Acoustic Grand Piano"
    assert playback.sound.melody_instrument.currentText() == "Acoustic Grand Piano"
    assert playback.sound.chord_instrument.count() >= 20 and playback.sound.chord_instrument.isEnabled()
    window.panel.count.setValue(1)
    generate_and_wait(window)
    idea = window.ideas.entries[0].idea
    perf = playback._performance(idea, loop=True)
    stream = AudioStream(perf)
    stream.open(AudioStream.ReadOnly)
    spt = 60 / idea.tempo / 12
    start = int(min(n.onset for n in (*idea.chords, *idea.melody)) * spt * 44100)
    lead = stream.read(4 * start) if start else b""
    first = np.frombuffer(stream.read(4 * 4410), "<i2").reshape(-1, 2)
    assert len(first) == 4410 and np.abs(first).max() > 300  # the first notes: audible
    assert lead + first.tobytes() == sound.to_pcm16(perf.render(0, start + 4410))
    stream.read(4 * (perf.period - 4410 - start))  # to the seam, and on: a loop does not end
    assert not stream.atEnd() and len(stream.read(4 * 1000)) == 4000
    once = playback._performance(idea, loop=False)
    assert once.frames is not None and once.frames >= once.period
    # Loop turned off during the second pass, then the volume moved: the new performance
    # keeps "end after this pass" (the stream does not stop early, nor play on)
    playback.synth.stream, playback.playing_idea = stream, idea
    perf.set_loop(False, stream.position)
    left = stream.remaining()
    playback.sound.volume.setValue(30)
    assert stream.source is not perf and stream.source.gain < perf.gain
    assert stream.remaining() == left > 0
    # the playhead stays in the idea while the last pass plays on
    playback._position((stream.position + 1000) / 44100)
    assert 0 <= window.roll.playhead.line().x1() <= idea.total_ticks * window.roll.zoom
    playback.synth.stream = None


PLAY_SCRIPT = r"""
import json, time
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication
app = QApplication([])
from songsketch.engine.music.idea import Chord, Idea, Key, Note, Section
from songsketch.gui.piano_roll import PianoRoll
from songsketch.gui.playback_controller import PlaybackController

roll = PianoRoll()
controls = PlaybackController(roll)
if not controls.synth.available:
    print(json.dumps({"skip": "Qt sees no audio device: " + controls.synth.reason}))
    raise SystemExit
controls.sound.load_font("")
assert controls.sound.wait_for_font()
idea = Idea(Key(0), 120, (4, 4), (Section("verse", 1),), (Chord(0, "", 0, 48, (48, 52, 55)),),
            (Note(72, 0, 24, 95), Note(79, 24, 24, 95)))
finished = []
controls.playbackFinished.connect(lambda: finished.append(time.perf_counter()))

def run_until(condition, seconds):
    end = time.perf_counter() + seconds
    while not condition() and time.perf_counter() < end:
        QCoreApplication.processEvents()
        time.sleep(0.002)

t0 = time.perf_counter()
assert controls.play(idea)
stream = controls.synth.stream
run_until(lambda: stream.position > 0, 5)
first_read = time.perf_counter() - t0 if stream.position > 0 else None
frames = stream.source.frames + stream.reverb.tail  # the notes, then the room's ring
run_until(lambda: controls.play_button.text() == "Play", 15)
once = {"first_read_ms": first_read and first_read * 1000, "frames": frames, "played": stream.position,
        "ended": controls.play_button.text() == "Play", "playing": controls.playing}
controls.loop.setChecked(True)
controls.play(idea)
stream = controls.synth.stream
period = stream.source.period
run_until(lambda: stream.position > 1.5 * period, 15)
looped = stream.position
controls.loop.setChecked(False)  # ends after the pass it is in
run_until(lambda: not controls.playing, 15)
print(json.dumps({**once, "period": period, "looped": looped, "loop_ended": not controls.playing,
                  "loop_frames": stream.position}))
"""


def test_play_through_a_real_audio_device_starts_at_once_loops_and_ends(tmp_path):
    """Through PulseAudio's null sink (a real audio device for Qt, playing into nothing): the
    sink pulls audio from the stream (how soon is bench.sound's figure, not a test's), the
    idea plays to its end (2 s, the
    ring of its last notes and of the room) and the button comes back; looped, it runs on past its length, and
    un-looped while playing it ends after the pass it is in."""
    result = run_with_pulse(PLAY_SCRIPT, tmp_path)
    assert result["first_read_ms"] is not None  # the sink pulled the stream
    assert result["ended"] and not result["playing"]
    assert result["played"] == result["frames"] > 2 * 44100
    assert result["looped"] > 1.5 * result["period"] and result["loop_ended"]
    assert 2 * result["period"] <= result["loop_frames"] < 3 * result["period"] + 4 * 44100


def test_a_soundfont_arriving_while_playing_is_heard_at_once(qtbot, make_window, generate_and_wait, tmp_path):
    """Play pressed before the SoundFont has loaded plays a plain tone (and says so); when the
    font arrives (or the user loads another while playing) the stream takes it up where it is."""
    from songsketch.engine.playback import sound
    from songsketch.gui.audio import AudioStream
    from tests.helpers import sine_soundfont

    window = make_window()
    playback = window.playback
    assert playback.sound.wait_for_font()
    window.panel.count.setValue(1)
    generate_and_wait(window)
    idea = window.ideas.entries[0].idea
    stream = AudioStream(sound.fallback_performance(idea, loop=True))  # as if Play came early
    stream.open(AudioStream.ReadOnly)
    stream.read(4 * 20000)
    playback.synth.stream, playback.playing_idea = stream, idea
    playback.sound.load_font(str(sine_soundfont(tmp_path / "mine.sf2")))
    assert playback.sound.wait_for_font()
    assert isinstance(stream.source, sound.Performance) and stream.source.font is playback.sound.font
    assert stream.position == 20000 and stream.source.loop  # where it was, still looping
    playback.synth.stream = None
