"""Singing into the window (``gui.voice_input`` and the recording half of the transport): the
level meter follows what the microphone hears, the Input list names microphones apart from
MIDI ports, a sung phrase becomes the user's own melody (from the microphone or a .wav), a
recording with no melody is refused in a dialog with nothing stored, and a phrase played into
a real audio input (a PulseAudio pipe source) is recorded whole and heard as its notes."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6.QtMultimedia")
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtMultimedia import QAudioFormat

from tests.helpers import run_with_pulse

PHRASE = [(60, 0.5), (62, 0.5), (64, 0.5), (64, 0.5), (65, 0.25), (67, 0.75), (72, 1.0)]


def sung_phrase(rate: int = 22050) -> np.ndarray:
    """PHRASE sung by bench/voice.py's formant voice (0.3 s in, half a second a beat)."""
    voice = pytest.importorskip("bench.voice")
    notes, t = [], 0.3
    for pitch, beats in PHRASE:
        notes.append((t, t + beats * 0.5 * 0.95, pitch))
        t += beats * 0.5
    return voice.sing(notes, rate, voice.Voice(), snr_db=30, seed=3)


def needs_hearing():
    from songsketch.engine import api

    if not hasattr(api, "hear_singing"):
        pytest.skip("the engine cannot hear singing yet")


def int16_format(rate: int = 8000, channels: int = 1) -> QAudioFormat:
    fmt = QAudioFormat()
    fmt.setSampleRate(rate)
    fmt.setChannelCount(channels)
    fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
    return fmt


def reading(recorder, samples: np.ndarray, fmt: QAudioFormat) -> list[float]:
    """Hand ``recorder`` what a device in ``fmt`` would have captured (Int16 bytes in a
    QBuffer, the QIODevice Qt's audio source gives) and read it; the levels it said."""
    levels = []
    recorder.level.connect(levels.append)
    recorder.format, recorder.rate, recorder.frame_bytes = fmt, fmt.sampleRate(), fmt.bytesPerFrame()
    buffer = QBuffer()
    buffer.setData((samples * 32767).astype("<i2").tobytes())
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    recorder.io = buffer
    recorder._read()
    return levels


def test_the_level_meter_rises_for_a_loud_voice_stays_low_for_a_whisper_and_falls_back(qtbot):
    from PySide6.QtMultimedia import QAudioDevice

    from songsketch.gui.voice_input import LevelMeter, VoiceRecorder

    t = np.arange(8000) / 8000
    meter = LevelMeter()
    qtbot.addWidget(meter)
    meter.show()
    quiet_image = meter.grab().toImage()
    for amplitude, least, most in ((0.7, 0.9, 1.0), (0.003, 0.0, 0.2)):
        recorder = VoiceRecorder(QAudioDevice())
        stereo = np.repeat(amplitude * np.sin(2 * np.pi * 220 * t), 2)  # two channels, averaged
        levels = reading(recorder, stereo, int16_format(channels=2))
        assert least <= max(levels) <= most
        assert recorder.frames == 8000 and recorder.seconds == 1.0
        assert np.allclose(recorder.stop()[0][:200], amplitude * np.sin(2 * np.pi * 220 * t[:200]), atol=1e-3)
    meter.set_level(0.95)
    loud = meter.grab().toImage()
    width, middle = meter.width(), meter.height() // 2
    lit = [x for x in range(width) if loud.pixelColor(x, middle) != quiet_image.pixelColor(x, middle)]
    assert len(lit) > 0.8 * width  # the bar is drawn across the meter
    qtbot.waitUntil(lambda: meter.value == 0, timeout=2000)  # and falls back when the voice stops


def test_a_recording_stops_by_itself_at_ten_minutes(qtbot):
    from PySide6.QtMultimedia import QAudioDevice

    from songsketch.gui import voice_input

    recorder = voice_input.VoiceRecorder(QAudioDevice())
    capped = []
    recorder.capped.connect(lambda: capped.append(True))
    fmt = int16_format(rate=100)  # 10 minutes at 100 Hz: 60000 samples
    reading(recorder, np.full(61000, 0.1), fmt)
    assert capped and recorder.frames == voice_input.MAX_SECONDS * 100


class Device:
    """What the Input list reads of a QAudioDevice."""

    def __init__(self, description: str) -> None:
        self._description = description

    def description(self) -> str:
        return self._description

    def id(self) -> bytes:
        return self._description.encode()


def test_the_input_list_names_microphones_apart_from_keyboards_and_says_when_none_are_there(
    qtbot, monkeypatch
):
    from songsketch.gui import playback_controller
    from songsketch.gui.piano_roll import PianoRoll

    monkeypatch.setattr(playback_controller, "list_input_ports", lambda _backend=None: ["Keystation 49"])
    monkeypatch.setattr(playback_controller, "audio_inputs", lambda: [Device("USB Audio Mic")])
    controls = playback_controller.PlaybackController(PianoRoll())
    qtbot.addWidget(controls)
    listed = [controls.input.itemText(i) for i in range(controls.input.count())]
    assert listed == ["Keystation 49", "Microphone: USB Audio Mic"]
    assert controls.input.itemData(1).description() == "USB Audio Mic" and controls.input.itemData(0) is None
    controls.input.setCurrentIndex(1)
    monkeypatch.setattr(playback_controller, "audio_inputs", lambda: [])  # the microphone unplugged
    controls.refresh_inputs()
    assert [controls.input.itemText(i) for i in range(controls.input.count())] == ["Keystation 49"]
    assert controls.record_button.isEnabled()
    monkeypatch.setattr(playback_controller, "list_input_ports", lambda _backend=None: [])
    controls.refresh_inputs()
    assert controls.input.currentText() == "No inputs"
    assert not controls.record_button.isEnabled() and not controls.meter.isVisible()


def test_a_microphone_unplugged_while_recording_stops_it_and_keeps_what_it_heard(qtbot, monkeypatch):
    from PySide6.QtMultimedia import QAudioDevice

    from songsketch.gui import playback_controller
    from songsketch.gui.piano_roll import PianoRoll

    mic = Device("USB Audio Mic")
    monkeypatch.setattr(playback_controller, "list_input_ports", lambda _backend=None: [])
    monkeypatch.setattr(playback_controller, "audio_inputs", lambda: [mic])
    controls = playback_controller.PlaybackController(PianoRoll())
    qtbot.addWidget(controls)
    said, got = [], []
    controls.message.connect(said.append)
    controls.sung.connect(lambda samples, rate: got.append((samples, rate)))
    recorder = playback_controller.VoiceRecorder(QAudioDevice(), controls)
    reading(recorder, np.full(4000, 0.5), int16_format())  # half a second heard, then
    recorder.device, controls.voice = mic, recorder
    controls._show_meter(True)
    controls.refresh_inputs()  # another microphone plugged in: recording on
    assert controls.voice is recorder and not got
    monkeypatch.setattr(playback_controller, "audio_inputs", lambda: [])
    controls.refresh_inputs()  # the one recording unplugged
    assert controls.voice is None and said[-1] == "The recording stopped: USB Audio Mic went away"
    assert len(got) == 1 and got[0][0].size == 4000 and got[0][1] == 8000
    assert controls.record_button.text() == "● Record" and not controls.record_button.isChecked()
    assert controls.input.currentText() == "No inputs"


def test_a_sung_phrase_becomes_your_melody_and_a_silent_one_is_refused(qtbot, make_window, tmp_path):
    """What the microphone heard (as the transport hands it over) comes back as the user's own
    melody-only idea, selected and on the roll, and New chords for this melody harmonises it;
    silence is refused in a dialog and nothing is stored; a .wav of it dropped on the window
    comes in the same way."""
    needs_hearing()
    from pathlib import Path

    import soundfile
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    window = make_window()
    least = window.minimumSizeHint().width()
    window.playback._show_meter(True)  # (as while recording) the window needs no more room
    assert window.minimumSizeHint().width() <= least
    qtbot.waitUntil(lambda: window.playback.meter.width() >= 64, timeout=2000)  # (in sight)
    window.playback._show_meter(False)
    window.playback.sung.emit(sung_phrase(), 22050)
    qtbot.waitUntil(lambda: window.ideas.rowCount() == 1, timeout=60000)
    entry = window.ideas.entries[0]
    assert entry.name.startswith("sung ") and entry.model == "yours"
    assert entry.idea.chords == () and [n.pitch for n in entry.idea.melody] == [p for p, _ in PHRASE]
    assert "sung into the microphone" in entry.report["detail"]
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Sung: 7 notes"), timeout=10000)
    assert window.roll.idea == entry.idea and window.current_entry().id == entry.id
    window.regenerate("melody")  # New chords for this melody: the tune sung, harmonised
    qtbot.waitUntil(lambda: not window.generating, timeout=60000)
    versions = [e for e in window.ideas.entries if (e.report or {}).get("source_id") == entry.id]
    assert versions and all(v.idea.chords and v.idea.melody == entry.idea.melody for v in versions)
    rows = window.ideas.rowCount()

    window.playback.sung.emit(np.zeros(22050 * 2, np.float32), 22050)
    qtbot.waitUntil(lambda: getattr(window, "open_problem", None) is not None, timeout=30000)
    assert window.open_problem.isVisible() and "No melody" in window.open_problem.text()
    assert "Nothing was stored" in window.open_problem.informativeText()
    assert window.ideas.rowCount() == rows
    window.open_problem.close()

    path = tmp_path / "hum.wav"  # dropped from a file manager
    soundfile.write(path, sung_phrase(), 22050)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / name)) for name in ("hum.wav", "b.FLAC", "c.ogg")])
    event = QDropEvent(
        QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
    )
    assert [Path(p).name for p in window._music_files(event)] == ["hum.wav", "b.FLAC", "c.ogg"]
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.ideas.rowCount() == rows + 1, timeout=60000)
    opened = window.ideas.entries[0]
    assert opened.name == "hum" and opened.idea.chords == () and "from hum.wav" in opened.report["detail"]


RECORD_SCRIPT = r"""
import json, os, subprocess, threading, time
import numpy as np
from PySide6.QtWidgets import QApplication
app = QApplication([])
from songsketch.gui.piano_roll import PianoRoll
from songsketch.gui.playback_controller import PlaybackController
from tests.gui.test_voice_input import sung_phrase
from tests.helpers import run_until

fifo = os.environ["PULSE_RUNTIME_PATH"] + "/voice.fifo"
load = subprocess.run(["pactl", "load-module", "module-pipe-source", "source_name=voice", f"file={fifo}",
                       "format=s16le", "rate=44100", "channels=1",
                       "source_properties=\"device.description='Test Voice'\""],
                      capture_output=True, text=True)
if load.returncode != 0:
    print(json.dumps({"skip": "no pipe source: " + load.stderr.strip()}))
    raise SystemExit
controls = PlaybackController(PianoRoll())
controls.show()
run_until(lambda: controls.input.findText("Microphone: Test Voice") >= 0, 5)
listed = [controls.input.itemText(i) for i in range(controls.input.count())]
controls.input.setCurrentIndex(controls.input.findText("Microphone: Test Voice"))
said, got, seen = [], [], {"level": 0.0, "time": set()}
controls.message.connect(said.append)
controls.sung.connect(lambda samples, rate: got.append((samples, rate)))
# the phrase, after a second of silence, played into the source in real time (10 ms blocks)
phrase = np.concatenate([np.zeros(44100, np.float32), sung_phrase(44100), np.zeros(22050, np.float32)])
pcm = (phrase * 32767).astype("<i2").tobytes()
started = threading.Event()
def play():
    with open(fifo, "wb") as pipe:
        started.set()
        begin = time.perf_counter()
        for k, at in enumerate(range(0, len(pcm), 882)):
            pipe.write(pcm[at:at + 882]); pipe.flush()
            time.sleep(max(0.0, begin + (k + 1) * 0.01 - time.perf_counter()))
player = threading.Thread(target=play)
player.start()
started.wait(5)
controls.record_button.click()
recording = {"button": controls.record_button.text(), "meter": controls.meter.isVisible(),
             "list": controls.input.isVisible()}
def watch():
    seen["level"] = max(seen["level"], controls.meter.value)
    seen["time"].add(controls.record_time.text())
    return not player.is_alive()
run_until(watch, 20)
controls.record_button.click()
samples, rate = got[0] if got else (np.zeros(0), 44100)
from songsketch.engine.api import hear_singing
idea = hear_singing(samples, rate).ideas[0]
print(json.dumps({"listed": listed, "recording": recording, "said": said, "level": seen["level"],
                  "times": sorted(seen["time"]), "seconds": len(samples) / rate, "rate": rate,
                  "sung": len(phrase) / 44100, "pitches": [n.pitch for n in idea.melody],
                  "chords": len(idea.chords),
                  "after": [controls.record_button.text(), controls.meter.isVisible(),
                            controls.input.isVisible()]}))
"""


@pytest.mark.slow  # starts (and stops) a PulseAudio server
def test_a_phrase_sung_into_a_real_audio_input_is_recorded_whole_and_heard(tmp_path):
    """Through a PulseAudio pipe source (a real audio input for Qt Multimedia, fed a rendered
    phrase in real time): the Input list names it, Record shows the level meter rising and the
    time counting, Stop hands over every second of it, and the engine hears the phrase sung."""
    needs_hearing()
    sung_phrase()  # (bench.voice present)
    result = run_with_pulse(RECORD_SCRIPT, tmp_path, timeout=120)
    assert "Microphone: Test Voice" in result["listed"]
    assert result["recording"] == {"button": "■ Stop", "meter": True, "list": False}
    assert result["said"][0].startswith("Recording from Test Voice")
    assert result["level"] > 0.8 and {"0:01", "0:02", "0:03"} <= set(result["times"])
    assert result["rate"] == 16000 and abs(result["seconds"] - result["sung"]) < 0.3
    assert result["pitches"] == [p for p, _ in PHRASE] and result["chords"] == 0
    assert result["after"] == ["● Record", False, True]


SERVER_GONE_SCRIPT = r"""
import json, os, subprocess
from PySide6.QtWidgets import QApplication
app = QApplication([])
from songsketch.gui.piano_roll import PianoRoll
from songsketch.gui.playback_controller import PlaybackController
from tests.helpers import run_until, stop_test_pulse

fifo = os.environ["PULSE_RUNTIME_PATH"] + "/voice.fifo"
subprocess.run(["pactl", "load-module", "module-pipe-source", "source_name=voice", f"file={fifo}"],
               capture_output=True, timeout=10)
controls = PlaybackController(PianoRoll())
run_until(lambda: controls.input.currentData() is not None, 5)
if controls.input.currentData() is None:
    print(json.dumps({"skip": "Qt lists no audio input"}))
    raise SystemExit
said = []
controls.message.connect(said.append)
stop_test_pulse()
controls.record_button.click()
run_until(lambda: False, 0.3)
print(json.dumps({"said": said, "checked": controls.record_button.isChecked(),
                  "voice": controls.voice is not None}))
"""


@pytest.mark.slow  # starts (and stops) a PulseAudio server
def test_record_with_the_sound_server_gone_says_so_and_does_not_crash(tmp_path):
    """Qt's PulseAudio side aborts the process when a stream is made after the server has
    gone (see gui.audio_server): Record looks first and says why instead."""
    result = run_with_pulse(SERVER_GONE_SCRIPT, tmp_path)  # fails on an abort (exit -6)
    assert result["said"] and "sound server (PulseAudio) has stopped" in result["said"][-1]
    assert result["said"][-1].startswith("Cannot record") and not result["checked"] and not result["voice"]
