"""The built-in synth's sound: a performance streamed to Qt's audio output.

``AudioStream`` is the QIODevice the audio sink pulls from: each read renders just the next
stretch of the performance (a few milliseconds of work), so playback starts at once and a
loop runs on without a restart (the engine's performance wraps its own time). Signals of
SynthOutput: finished().
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QIODevice, QObject, Signal

from songsketch.engine.api import SAMPLE_RATE, to_pcm16

try:  # QtMultimedia needs the system's libpulse; without it the synth stays silent and says so
    from PySide6.QtMultimedia import QAudio, QAudioFormat, QAudioSink, QMediaDevices

    _IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the machine
    _IMPORT_ERROR = str(exc)

CHANNELS = 2
FRAME_BYTES = 2 * CHANNELS  # 16-bit stereo
AHEAD = 0.25  # seconds of audio rendered ahead of the sound card (a busy UI thread does not stutter)


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
    """Plays performances; ``available`` is False (with ``reason``) when there is no device."""

    finished = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.sink = None
        self.stream: AudioStream | None = None
        self.clock = QElapsedTimer()
        self.reason = ""
        if _IMPORT_ERROR is not None:
            self.available = False
            self.reason = f"no audio support ({_IMPORT_ERROR})"
            return
        device = QMediaDevices.defaultAudioOutput()
        self.available = not device.isNull()
        if not self.available:
            self.reason = "no audio output device found"
            return
        fmt = QAudioFormat()
        fmt.setSampleRate(SAMPLE_RATE)
        fmt.setChannelCount(CHANNELS)
        fmt.setSampleFormat(QAudioFormat.Int16)
        self.format = fmt
        self.device = device

    def play(self, source, reverb=None) -> bool:
        """Start streaming a performance (through ``reverb``, a room); False when there is no
        device."""
        self.stop()
        if not self.available:
            return False
        self.stream = AudioStream(source, reverb, self)
        self.stream.open(QIODevice.ReadOnly)
        self.sink = QAudioSink(self.device, self.format, self)
        self.sink.setBufferSize(int(AHEAD * SAMPLE_RATE) * FRAME_BYTES)
        self.sink.stateChanged.connect(self._state)
        self.sink.start(self.stream)
        self.clock.start()
        return True

    def _state(self, state) -> None:
        # idle: the stream ran dry; only its end (not a late render) finishes playback
        if state == QAudio.State.IdleState and self.stream is not None and self.stream.atEnd():
            self.stop()
            self.finished.emit()

    def elapsed(self) -> float:
        return self.clock.elapsed() / 1000.0 if self.clock.isValid() else 0.0

    def stop(self) -> None:
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
