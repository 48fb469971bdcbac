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


@pytest.mark.slow  # starts (and stops) a PulseAudio server
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


SERVER_GONE_SCRIPT = r"""
import configparser, json, shutil, time
from pathlib import Path
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from songsketch.engine.api import Library, default_model_dir
from songsketch.gui.main_window import MainWindow
from tests.helpers import stop_test_pulse

from tests.helpers import run_until

home = Path(HOME)
shutil.copytree(default_model_dir(), home / "models" / "mine")  # a second model to choose
settings = QSettings(str(home / "settings.ini"), QSettings.IniFormat)
window = MainWindow(Library(home / "library.sqlite"), default_model_dir(), home / "models",
                    home / "cache", settings)
window.show()
run_until(lambda: window.model_ready, 60)
playback = window.playback
if not playback.synth.available:
    print(json.dumps({"skip": "Qt sees no audio device: " + playback.synth.reason}))
    window.close()
    raise SystemExit
window.panel.model.setCurrentIndex(window.panel.model.findData(str(home / "models" / "mine")))
window.panel.tempo.setValue(97)
run_until(lambda: window.model_ready, 60)
window.panel.count.setValue(1)
window.generate()
run_until(lambda: not window.generating and window.ideas.entries, 60)
playback.play_button.click()
stream = playback.synth.stream
run_until(lambda: stream is not None and stream.position > 0, 5)
pulled = stream is not None and stream.position > 0
run_until(lambda: False, 0.4)  # a moment for the settings to be written
saved = configparser.ConfigParser(interpolation=None)  # the file itself (QSettings shares a cache)
saved.read(home / "settings.ini")
playback.play_button.click()  # Stop
stop_test_pulse()
run_until(lambda: False, 1.5)  # the app runs on without a sound server (Qt notices)
playback.play_button.click()  # Play: where the report's process aborted
run_until(lambda: False, 0.5)
again = {"playing": playback.playing, "status": playback.output_status.text(),
         "bar": window.statusBar().currentMessage()}
window.close()
run_until(lambda: False, 0.2)
print(json.dumps({"pulled": pulled, "model": saved.get("General", "model", fallback=None),
                  "tempo": saved.get("General", "tempo", fallback=None),
                  "mine": str(home / "models" / "mine"), **again}))
"""


@pytest.mark.slow  # starts (and stops) a PulseAudio server
def test_the_sound_server_stopping_under_a_playing_window_is_said_not_a_crash(tmp_path):
    """The report: the window had played, PulseAudio stopped, and Play then aborted the
    process inside libpulse (the model chosen was lost with it). Now Play says why in the
    window, the process ends normally, and the model and tempo chosen were in the settings
    file while the window was still open."""
    script = SERVER_GONE_SCRIPT.replace("HOME", repr(str(tmp_path / "home")), 1)
    result = run_with_pulse(script, tmp_path, timeout=120)  # fails on an abort (exit -6)
    assert result["pulled"]
    assert result["model"] == result["mine"] and int(result["tempo"]) == 97
    assert not result["playing"]
    assert "sound server (PulseAudio) has stopped" in result["status"]
    assert result["bar"].startswith("Cannot play: the sound server")


LOST_WHILE_PLAYING_SCRIPT = r"""
import json, time
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication
app = QApplication([])
from songsketch.engine.music.idea import Chord, Idea, Key, Note, Section
from songsketch.gui.piano_roll import PianoRoll
from songsketch.gui.playback_controller import PlaybackController
from tests.helpers import stop_test_pulse

roll = PianoRoll()
controls = PlaybackController(roll)
if not controls.synth.available:
    print(json.dumps({"skip": "Qt sees no audio device: " + controls.synth.reason}))
    raise SystemExit
said = []
controls.message.connect(said.append)
idea = Idea(Key(0), 120, (4, 4), (Section("verse", 1),), (Chord(0, "", 0, 48, (48, 52, 55)),),
            (Note(72, 0, 24, 95),))
controls.loop.setChecked(True)
assert controls.play(idea)
end = time.perf_counter() + 5
while controls.synth.stream.position == 0 and time.perf_counter() < end:
    QCoreApplication.processEvents()
stop_test_pulse()
t0 = time.perf_counter()
while controls.playing and time.perf_counter() < t0 + 5:
    QCoreApplication.processEvents()
    time.sleep(0.005)
print(json.dumps({"stopped_after": time.perf_counter() - t0, "playing": controls.playing,
                  "button": controls.play_button.text(), "said": said,
                  "status": controls.output_status.text(), "replay": controls.play(idea)}))
"""


@pytest.mark.slow  # starts (and stops) a PulseAudio server
def test_a_sound_server_stopping_while_a_loop_plays_stops_the_transport(tmp_path):
    """The server gone while a loop plays: within about a second the transport stops (the
    sink is dropped, never started again) and the window says why."""
    result = run_with_pulse(LOST_WHILE_PLAYING_SCRIPT, tmp_path)
    assert not result["playing"] and result["button"] == "Play"
    assert result["stopped_after"] < 2.5
    assert result["said"] and "sound server (PulseAudio) has stopped" in result["said"][-1]
    assert "restart Songsketch" in result["status"] and result["replay"] is False


DEVICE_GONE_SCRIPT = r"""
import json, shutil, subprocess, time
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication
app = QApplication([])
from songsketch.engine.music.idea import Chord, Idea, Key, Note, Section
from songsketch.gui.piano_roll import PianoRoll
from songsketch.gui.playback_controller import PlaybackController

from tests.helpers import run_until

def pactl(*args):
    return subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10).stdout

controls = PlaybackController(PianoRoll())
if not controls.synth.available or shutil.which("pactl") is None:
    print(json.dumps({"skip": "no audio device or no pactl: " + controls.synth.reason}))
    raise SystemExit
said = []
controls.message.connect(said.append)
idea = Idea(Key(0), 120, (4, 4), (Section("verse", 1),), (Chord(0, "", 0, 48, (48, 52, 55)),),
            (Note(72, 0, 24, 95),))
controls.loop.setChecked(True)
assert controls.play(idea)
first = controls.synth.device.description()
run_until(lambda: controls.synth.stream.position > 0, 5)
pactl("load-module", "module-null-sink", "sink_name=other", "sink_properties=device.description=Other")
run_until(lambda: False, 1)  # another output plugged in: playing on
plugged = {"playing": controls.playing, "said": list(said)}
module = next(line.split()[0] for line in pactl("list", "short", "modules").splitlines()
              if "songsketch_test" in line)
pactl("unload-module", module)  # the output playing is unplugged
run_until(lambda: not controls.playing, 5)
unplugged = {"playing": controls.playing, "said": list(said)}
replay = controls.play(idea)
stream = controls.synth.stream
run_until(lambda: stream is not None and stream.position > 0, 5)
print(json.dumps({"first": first, "plugged": plugged, "unplugged": unplugged, "replay": replay,
                  "now": controls.synth.device.description(), "pulled": stream.position}))
controls.stop()
"""


@pytest.mark.slow  # starts (and stops) a PulseAudio server
def test_an_output_unplugged_while_playing_stops_and_play_opens_the_new_default(tmp_path):
    """The machine's outputs change: one plugged in leaves playback alone; the one playing
    unplugged drops the sink (the window says where the sound goes now) and the next Play
    opens the default output of that moment, which pulls the stream."""
    result = run_with_pulse(DEVICE_GONE_SCRIPT, tmp_path)
    assert result["first"] != "Other"
    assert result["plugged"] == {"playing": True, "said": []}
    assert not result["unplugged"]["playing"]
    assert result["unplugged"]["said"] == ["Playback stopped: the audio output is now Other"]
    assert result["replay"] and result["now"] == "Other" and result["pulled"] > 0
