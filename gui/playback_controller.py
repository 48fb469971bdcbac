"""The transport bar and what it drives: play an idea through a MIDI port or the built-in
synth, loop it, move the piano roll's playhead, sound a clicked note.

Layers (as in ``engine.playback``): the engine's scheduler sends to a port from its own
thread and reports the position through callbacks; this widget turns those into signals for
the GUI thread. Signals of PlaybackController: positionChanged(float seconds),
playbackFinished(), message(str text) for the status bar.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from songsketch.engine.api import Idea, playback, recording
from songsketch.gui.audio import SynthOutput
from songsketch.gui.piano_roll import PianoRoll

SYNTH = "Built-in synth"


class PlaybackController(QWidget):
    """Play/Loop/Output/Zoom above the piano roll it moves the playhead of."""

    positionChanged = Signal(float)
    playbackFinished = Signal()
    message = Signal(str)
    recorded = Signal(object)  # the notes played, as (seconds, mido message)

    def __init__(self, roll: PianoRoll, parent=None) -> None:
        super().__init__(parent)
        self.roll = roll
        self.player: playback.Player | None = None
        self.port_output = None
        self.playing_idea: Idea | None = None
        self.synth = SynthOutput(self)
        self.synth.finished.connect(self._finished)
        self.timer = QTimer(self)
        self.timer.setInterval(30)
        self.timer.timeout.connect(lambda: self._position(self.synth.elapsed()))
        self.positionChanged.connect(self._position)
        self.playbackFinished.connect(self._finished)

        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play / stop (Space)")
        self.loop = QCheckBox("Loop")
        self.output = QComboBox()
        self.refresh_outputs()
        self.output.currentIndexChanged.connect(lambda _i: self._output_changed())
        self.zoom = QSlider(Qt.Orientation.Horizontal, minimum=5, maximum=80, value=20)
        self.zoom.setMaximumWidth(140)
        self.zoom.valueChanged.connect(lambda v: self.roll.set_zoom(v / 10))
        self.output_status = QLabel()
        self.recorder = None
        self.input = QComboBox()
        self.input.setToolTip("The MIDI keyboard to record a phrase from")
        self.record_button = QPushButton("● Record")
        self.record_button.setCheckable(True)
        self.record_button.setToolTip("Record a phrase played on the keyboard; press again to stop")
        self.record_button.toggled.connect(self._record_toggled)
        self.rescan = QPushButton("⟳")
        self.rescan.setToolTip("Look again for MIDI keyboards (one plugged in since the app started)")
        self.rescan.setMaximumWidth(32)
        self.rescan.clicked.connect(lambda: self.refresh_inputs(self.backend))
        self.backend = None
        self.refresh_inputs()
        bar = QHBoxLayout()
        bar.addWidget(self.play_button)
        bar.addWidget(self.loop)
        bar.addWidget(QLabel("Output"))
        bar.addWidget(self.output, 1)
        bar.addWidget(QLabel("Input"))
        bar.addWidget(self.input, 1)
        bar.addWidget(self.rescan)
        bar.addWidget(self.record_button)
        bar.addWidget(QLabel("Zoom"))
        bar.addWidget(self.zoom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.output_status)
        self._output_changed()

    def persisted(self) -> list[tuple[str, object]]:
        return [("output", self.output)]

    # -- recording -------------------------------------------------------------
    def refresh_inputs(self, backend: str | None = None) -> None:
        """List the machine's MIDI inputs (keeping the one chosen); none (no MIDI system, no
        keyboard) says so."""
        self.backend = backend
        chosen = self.input.currentText()
        self.input.clear()
        names = recording.list_input_ports(backend)
        for name in names:
            self.input.addItem(name)
        if not names:
            self.input.addItem("No MIDI inputs")
        elif chosen in names:
            self.input.setCurrentIndex(names.index(chosen))
        self.input.setEnabled(bool(names))
        self.record_button.setEnabled(bool(names))

    def _record_toggled(self, on: bool) -> None:
        if on:
            try:
                self.recorder = recording.Recorder(self.input.currentText(), self.backend)
            except OSError as exc:
                self.message.emit(str(exc))
                self.record_button.setChecked(False)
                return
            self.record_button.setText("■ Stop")
            self.message.emit(f"Recording from {self.input.currentText()}… press Stop when done")
            return
        if self.recorder is None:
            return
        events, self.recorder = self.recorder.stop(), None
        self.record_button.setText("● Record")
        if not any(m.type == "note_on" and m.velocity > 0 for _t, m in events):
            self.message.emit("Nothing was played")
            return
        self.recorded.emit(events)

    # -- outputs ---------------------------------------------------------------
    def refresh_outputs(self) -> None:
        chosen = self.output.currentText() if self.output.count() else None
        self.output.blockSignals(True)
        self.output.clear()
        self.output.addItem(SYNTH)
        for name in playback.list_output_ports():
            self.output.addItem(name)
        if chosen and self.output.findText(chosen) >= 0:
            self.output.setCurrentIndex(self.output.findText(chosen))
        self.output.blockSignals(False)

    def _output_changed(self) -> None:
        self.stop()
        if self.port_output is not None:
            self.port_output.close()
            self.port_output = None
        name = self.output.currentText()
        if name == SYNTH:
            self.output_status.setText(
                ""
                if self.synth.available
                else f"Built-in synth: {self.synth.reason}; choose a MIDI port to listen."
            )
            return
        try:
            self.port_output = playback.PortOutput(name)
            self.output_status.setText("")
        except OSError as exc:
            self.output_status.setText(str(exc))

    # -- transport ---------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.playing_idea is not None

    def play(self, idea: Idea) -> bool:
        """Start ``idea`` on the chosen output (from the top); False when it cannot sound."""
        self.stop()
        if self.port_output is not None:
            self.player = playback.Player(
                self.port_output,
                on_position=self.positionChanged.emit,
                on_finished=self.playbackFinished.emit,
            )
            self.player.play(
                playback.idea_events(idea), playback.duration_seconds(idea), self.loop.isChecked()
            )
        else:
            if not self.synth.play(playback.render(idea)):
                self.message.emit(f"Cannot play: {self.synth.reason}")
                return False
            self.timer.start()
        self.playing_idea = idea
        self.play_button.setText("Stop")
        return True

    def stop(self) -> None:
        """Stop at once; sounding notes are released (the scheduler sends note-offs)."""
        if self.player is not None:
            self.player.stop()
            self.player = None
        self.synth.stop()
        self.timer.stop()
        self.playing_idea = None
        self.play_button.setText("Play")
        self.roll.set_playhead(None)

    def _position(self, seconds: float) -> None:
        if self.playing_idea is None:
            return
        length = playback.duration_seconds(self.playing_idea)
        if self.loop.isChecked() and length > 0:
            seconds %= length
        self.roll.set_playhead(seconds / playback.seconds_per_tick(self.playing_idea))

    def _finished(self) -> None:
        if self.playing_idea is not None and self.loop.isChecked() and self.port_output is None:
            self.play(self.playing_idea)  # the synth loops by starting again
            return
        self.stop()

    def audition_note(self, pitch: int) -> None:
        """Sound one note (a click on the piano roll) on the chosen output."""
        if self.port_output is not None:
            port = self.port_output
            port.send(playback.note_on(pitch))
            QTimer.singleShot(350, lambda: self.port_output is port and port.send(playback.note_off(pitch)))
        elif self.synth.available and self.playing_idea is None:
            self.synth.play(playback.render_note(pitch))

    def close_output(self) -> None:
        self.stop()
        if self.port_output is not None:
            self.port_output.close()
            self.port_output = None
