"""The built-in synth's sound: a performance streamed to Qt's audio output.

``AudioStream`` is the QIODevice the audio sink pulls from: each read renders just the next
stretch of the performance (a few milliseconds of work), so playback starts at once and a
loop runs on without a restart (the engine's performance wraps its own time). Signals of
SynthOutput: finished(), lost(str why) (its output went away while playing), outputsChanged().
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QIODevice, QObject, QTimer, Signal

from songsketch.engine.api import SAMPLE_RATE, to_pcm16
from songsketch.gui.audio_server import pulse_reachable

try:  # QtMultimedia needs the system's libpulse; without it the synth stays silent and says so
    from PySide6.QtMultimedia import QAudio, QAudioFormat, QAudioSink, QMediaDevices

    _IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the machine
    _IMPORT_ERROR = str(exc)

CHANNELS = 2
FRAME_BYTES = 2 * CHANNELS  # 16-bit stereo
AHEAD = 0.25  # seconds of audio rendered ahead of the sound card (a busy UI thread does not stutter)
SERVER_LOST = "the sound server (PulseAudio) has stopped (start it, then restart Songsketch)"


class AudioStream(QIODevice):
    """A performance (``render(start, count)``, ``frames``) as 16-bit stereo bytes, rendered
    as they are read, through a ``reverb`` (the room; None: dry) that keeps ringing after the
    last note. ``source`` and ``reverb`` may be swapped while playing (instruments, volume,
    room)."""

    def __init__(self, source, reverb=None, parent=None) -> None:
        super().__init__(parent)
        self.source = source
        self.reverb = reverb
        self.position = 0  # frames handed out

    def isSequential(self) -> bool:
        return True

    def remaining(self) -> int | None:
        total = self.source.frames
        if total is None:
            return None
        return max(0, total + (self.reverb.tail if self.reverb is not None else 0) - self.position)

    def atEnd(self) -> bool:
        return self.remaining() == 0

    def bytesAvailable(self) -> int:
        left = self.remaining()
        return (1 << 20 if left is None else left * FRAME_BYTES) + super().bytesAvailable()

    def readData(self, maxlen: int) -> bytes:
        frames = maxlen // FRAME_BYTES
        left = self.remaining()
        if left is not None:
            frames = min(frames, left)
        if frames <= 0:
            return b""
        chunk = self.source.render(self.position, frames)
        if self.reverb is not None:
            chunk = self.reverb.process(chunk)
        self.position += frames
        return to_pcm16(chunk)

    def writeData(self, _data) -> int:
        return -1


class SynthOutput(QObject):
    """Plays performances on the default audio output; ``available`` is False (with
    ``reason``) when there is none. It follows the machine's outputs: a sink whose device went
    away (or is no longer the default) is dropped (``lost``), and each Play opens the default
    output of that moment. Where Qt plays through PulseAudio, the server is looked at before
    a sink is made and each second while one plays: once it has stopped, Qt's audio is never
    touched again in this process (a new sink would abort it, see ``gui.audio_server``)."""

    finished = Signal()
    lost = Signal(str)  # playback was stopped because its output went away: why, in words
    outputsChanged = Signal()  # the machine's outputs changed (``available``/``reason`` are new)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.sink = None
        self.stream: AudioStream | None = None
        self.clock = QElapsedTimer()
        self.reason = ""
        self.available = False
        self.server_lost = False
        if _IMPORT_ERROR is not None:
            self.reason = f"no audio support ({_IMPORT_ERROR})"
            return
        fmt = QAudioFormat()
        fmt.setSampleRate(SAMPLE_RATE)
        fmt.setChannelCount(CHANNELS)
        fmt.setSampleFormat(QAudioFormat.Int16)
        self.format = fmt
        self.pulse = pulse_reachable() is True  # Qt plays through PulseAudio: watch the server
        self.device = QMediaDevices.defaultAudioOutput()
        self.devices = QMediaDevices(self)
        self.devices.audioOutputsChanged.connect(self._outputs_changed)
        self.watch = QTimer(self)
        self.watch.setInterval(1000)
        self.watch.timeout.connect(self._check_server)
        self.refresh()

    def refresh(self) -> bool:
        """Look again at the default output (and the sound server): sets ``available``,
        ``reason`` and ``device``; True when a sink can be made."""
        if _IMPORT_ERROR is not None:
            return False
        if self.server_lost or (self.pulse and pulse_reachable() is False):
            self.server_lost, self.available, self.reason = True, False, SERVER_LOST
            return False
        self.device = QMediaDevices.defaultAudioOutput()
        self.available = not self.device.isNull()
        self.reason = "" if self.available else "no audio output device found"
        return self.available

    def _outputs_changed(self) -> None:
        """Outputs plugged in or out, another default: a sink on a device that is gone (or
        no longer the default) is dropped; the next Play opens the default of then."""
        playing_on = self.device.id() if self.sink is not None else None
        self.refresh()
        self.outputsChanged.emit()
        if playing_on is None or (self.available and self.device.id() == playing_on):
            return
        self.stop()
        if self.available:
            self.lost.emit(f"Playback stopped: the audio output is now {self.device.description()}")
        else:
            self.lost.emit(f"Playback stopped: {self.reason}")

    def _check_server(self) -> None:
        """While playing: the sound server stopped under the sink means stop touching it."""
        if self.sink is not None and pulse_reachable(0.2) is False:
            self.server_lost, self.available, self.reason = True, False, SERVER_LOST
            self.stop()
            self.lost.emit(f"Playback stopped: {SERVER_LOST}")

    def play(self, source, reverb=None) -> bool:
        """Start streaming a performance (through ``reverb``, a room) on the default output;
        False (with ``reason``) when there is none."""
        self.stop()
        if not self.refresh():
            return False
        self.stream = AudioStream(source, reverb, self)
        self.stream.open(QIODevice.ReadOnly)
        self.sink = QAudioSink(self.device, self.format, self)
        self.sink.setBufferSize(int(AHEAD * SAMPLE_RATE) * FRAME_BYTES)
        self.sink.stateChanged.connect(self._state)
        self.sink.start(self.stream)
        self.clock.start()
        if self.pulse:
            self.watch.start()
        return True

    def _state(self, state) -> None:
        # idle: the stream ran dry; only its end (not a late render) finishes playback
        if state == QAudio.State.IdleState and self.stream is not None and self.stream.atEnd():
            self.stop()
            self.finished.emit()

    def elapsed(self) -> float:
        return self.clock.elapsed() / 1000.0 if self.clock.isValid() else 0.0

    def stop(self) -> None:
        if _IMPORT_ERROR is None:
            self.watch.stop()
        if self.sink is not None:
            self.sink.stateChanged.disconnect(self._state)
            self.sink.stop()
            self.sink.deleteLater()
            self.sink = None
        if self.stream is not None:
            self.stream.close()
            self.stream.deleteLater()
            self.stream = None
        self.clock.invalidate()
