"""The built-in synth's sound: NumPy-rendered audio played through Qt's audio output.

Signals of SynthOutput: finished().
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QElapsedTimer, QIODevice, QObject, Signal

from songsketch.engine.api import playback

try:  # QtMultimedia needs the system's libpulse; without it the synth stays silent and says so
    from PySide6.QtMultimedia import QAudio, QAudioFormat, QAudioSink, QMediaDevices

    _IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the machine
    _IMPORT_ERROR = str(exc)


class SynthOutput(QObject):
    """Plays rendered audio; ``available`` is False (with ``reason``) when there is no device."""

    finished = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.sink = None
        self.buffer = None
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
        fmt.setSampleRate(playback.SAMPLE_RATE)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.Int16)
        self.format = fmt
        self.device = device

    def play(self, audio) -> bool:
        """Start playing float audio; False when there is no device."""
        self.stop()
        if not self.available:
            return False
        self.buffer = QBuffer(self)
        self.buffer.setData(QByteArray(playback.to_pcm16(audio)))
        self.buffer.open(QIODevice.ReadOnly)
        self.sink = QAudioSink(self.device, self.format, self)
        self.sink.stateChanged.connect(self._state)
        self.sink.start(self.buffer)
        self.clock.start()
        return True

    def _state(self, state) -> None:
        if state == QAudio.State.IdleState:
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
        if self.buffer is not None:
            self.buffer.close()
            self.buffer = None
        self.clock.invalidate()
