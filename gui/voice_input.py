"""Singing into the window: the machine's audio inputs (microphones) as Qt Multimedia sees
them, a recording from one as mono float samples, and the level meter that shows the user
their voice is heard.

The recording reads what Qt's audio source has captured whenever it says more is ready, on
the UI thread's event loop (a few kilobytes each time, converted with NumPy: no blocking),
and stops by itself at ``MAX_SECONDS``. What was sung goes to the engine (``hear_singing``)
on the engine's thread, not here. Signals of VoiceRecorder: level(float 0..1), capped(),
failed(str why).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QObject, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from songsketch.engine.api import MAX_SUNG_SECONDS

try:  # QtMultimedia needs the system's libpulse; without it there are no audio inputs
    from PySide6.QtMultimedia import QAudioFormat, QAudioSource, QMediaDevices

    try:  # (Qt 6.7 renamed QAudio; the old name's enums no longer equal what sources report)
        from PySide6.QtMultimedia import QtAudio as QAudio
    except ImportError:  # pragma: no cover - an older Qt
        from PySide6.QtMultimedia import QAudio
except ImportError:  # pragma: no cover - depends on the machine
    QMediaDevices = None

MIC_PREFIX = "Microphone: "  # how an audio input is named in the Input list, apart from MIDI ports
# asked for (a device that cannot give it records at its own rate): the rate the engine hears
# a voice at, so nothing is resampled and 10 minutes take 38 MB (at 44.1 kHz, 106 MB)
RATE = 16000
MAX_SECONDS = int(MAX_SUNG_SECONDS)  # a recording stops by itself there (10 minutes)
BUFFER_US = 2_000_000  # what Qt's audio source holds until read (microseconds)
FLOOR_DB = -60.0  # the level meter's empty end (dBFS); its full end is 0 dBFS


def audio_inputs() -> list:
    """The machine's audio inputs (QAudioDevice), the default first; [] without Qt Multimedia
    or without any."""
    if QMediaDevices is None:
        return []
    inputs = list(QMediaDevices.audioInputs())
    default = QMediaDevices.defaultAudioInput()
    inputs.sort(key=lambda d: d.id() != default.id())
    return inputs


def input_name(device) -> str:
    """An audio input as the Input list names it: 'Microphone: Built-in Audio Analog Stereo'."""
    return MIC_PREFIX + device.description()


def level_of(samples: np.ndarray) -> float:
    """How loud a stretch of samples peaks, 0 (at or below -60 dBFS) to 1 (full scale), on the
    decibel scale a singer reads a meter by."""
    if samples.size == 0:
        return 0.0
    peak = float(np.max(np.abs(samples)))
    if peak <= 0:
        return 0.0
    return min(1.0, max(0.0, (20 * math.log10(peak) - FLOOR_DB) / -FLOOR_DB))


def _format_for(device):
    """Mono float at ``RATE`` where the device takes it (PulseAudio converts anything), else
    the device's own preferred format (converted to mono float as it is read)."""
    wanted = QAudioFormat()
    wanted.setSampleRate(RATE)
    wanted.setChannelCount(1)
    wanted.setSampleFormat(QAudioFormat.SampleFormat.Float)
    return wanted if device.isFormatSupported(wanted) else device.preferredFormat()


def to_mono_float(data: bytes, fmt) -> np.ndarray:
    """Raw bytes in a QAudioFormat as mono float32 samples in [-1, 1] (channels averaged)."""
    kind = fmt.sampleFormat()
    if kind == QAudioFormat.SampleFormat.Float:
        samples = np.frombuffer(data, dtype="<f4")
    elif kind == QAudioFormat.SampleFormat.Int16:
        samples = np.frombuffer(data, dtype="<i2") / 32768.0
    elif kind == QAudioFormat.SampleFormat.Int32:
        samples = np.frombuffer(data, dtype="<i4") / 2147483648.0
    else:  # UInt8
        samples = (np.frombuffer(data, dtype=np.uint8).astype(np.float32) - 128) / 128.0
    channels = max(1, fmt.channelCount())
    if channels > 1:
        samples = samples[: samples.size // channels * channels].reshape(-1, channels).mean(axis=1)
    return samples.astype(np.float32, copy=False)


class VoiceRecorder(QObject):
    """Records one audio input from ``start`` to ``stop`` (or to ``MAX_SECONDS``, when
    ``capped`` is said); ``level`` follows each stretch read. Raises OSError from ``start``
    when the device cannot be opened."""

    level = Signal(float)
    capped = Signal()
    failed = Signal(str)

    def __init__(self, device, parent=None) -> None:
        super().__init__(parent)
        self.device = device
        self.format = _format_for(device)
        self.rate = self.format.sampleRate()
        self.frame_bytes = self.format.bytesPerFrame()
        self.chunks: list[np.ndarray] = []
        self.frames = 0
        self.pending = b""  # the part of a frame read without the rest
        self.source = None
        self.io = None
        # read, and the source's state looked at, every 30 ms: Qt's readyRead came seldom
        # under PulseAudio, and PySide6 6.11 cannot hand stateChanged's argument to Python
        self.poll = QTimer(self)
        self.poll.setInterval(30)
        self.poll.timeout.connect(self._tick)

    def start(self) -> None:
        if QMediaDevices is None:
            raise OSError("no audio support on this machine")
        self.source = QAudioSource(self.device, self.format, self)
        # room for 2 s: a busy moment of the UI loses nothing (with 20 ms, stretches of a
        # recording through PulseAudio were lost)
        self.source.setBufferSize(self.format.bytesForDuration(BUFFER_US))
        self.io = self.source.start()
        if self.io is None or self.source.error() != QAudio.Error.NoError:
            error = self.source.error()
            self.source.deleteLater()
            self.source = None
            raise OSError(f"cannot record from {self.device.description()} ({error.name})")
        self.poll.start()

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def _read(self) -> None:
        if self.io is None:
            return
        data = self.pending + bytes(self.io.readAll())
        whole = len(data) // self.frame_bytes * self.frame_bytes
        data, self.pending = data[:whole], data[whole:]
        room = MAX_SECONDS * self.rate - self.frames
        if not data or room <= 0:
            return
        samples = to_mono_float(data, self.format)[:room]
        self.chunks.append(samples)
        self.frames += samples.size
        self.level.emit(level_of(samples))
        if self.frames >= MAX_SECONDS * self.rate:
            self.capped.emit()

    def _tick(self) -> None:
        """Read what has come; say so when the device stopped under the recording
        (unplugged, the sound server gone)."""
        self._read()
        if self.source is None or self.source.state() != QAudio.State.StoppedState:
            return
        if self.source.error() != QAudio.Error.NoError:
            self.failed.emit(f"{self.device.description()} stopped ({self.source.error().name})")

    def stop(self) -> tuple[np.ndarray, int]:
        """Stop recording; the samples heard (mono float32) and their rate."""
        if self.source is not None:
            self._read()
            self.poll.stop()
            self.source.stop()
            self.source.deleteLater()
            self.source, self.io = None, None
        samples = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)
        return samples, self.rate


class LevelMeter(QWidget):
    """A small bar showing how loud the input is heard: green, amber from -12 dBFS, red at the
    top; it falls back gently (a peak shows long enough to be seen)."""

    FALL = 0.04  # how far the bar falls each 30 ms tick

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.value = 0.0
        self.setToolTip("How loud the microphone hears you: sing so the bar moves, not into the red")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMaximumWidth(160)  # (in the Input list's place while recording)
        self.fall = QTimer(self)
        self.fall.setInterval(30)
        self.fall.timeout.connect(self._fall)

    def sizeHint(self) -> QSize:
        return QSize(64, 14)

    def set_level(self, value: float) -> None:
        """Show ``value`` (0..1) at once when it is above the bar; a lower one is fallen to."""
        if value > self.value:
            self.value = value
            self.update()
        if not self.fall.isActive():
            self.fall.start()

    def reset(self) -> None:
        self.value = 0.0
        self.fall.stop()
        self.update()

    def _fall(self) -> None:
        self.value = max(0.0, self.value - self.FALL)
        if self.value == 0:
            self.fall.stop()
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(self.palette().mid().color())
        painter.setBrush(self.palette().base())
        painter.drawRoundedRect(frame, 3, 3)
        if self.value > 0:
            if self.value >= 0.95:
                colour = QColor(210, 50, 40)
            elif self.value >= 0.8:  # -12 dBFS
                colour = QColor(230, 160, 30)
            else:
                colour = QColor(60, 170, 70)
            bar = frame.adjusted(2, 2, -2, -2)
            bar.setWidth(bar.width() * self.value)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(bar, 2, 2)


def unheard_box(parent, reason: str):
    """A dialog saying no melody was heard in a recording, why, and how to sing one that is;
    window-modal, not blocking (``open``)."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "No melody heard",
        "No melody could be heard in the recording",
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setInformativeText(
        f"{reason[:1].upper()}{reason[1:].rstrip('.')}.\n\nSing or hum one note at a time, close to the "
        "microphone, so the level bar beside Record moves well up but stays out of the red. "
        "Nothing was stored."
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
