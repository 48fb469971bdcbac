"""The transport bar and what it drives: play an idea through a MIDI port or the built-in
synth (with the sound row's SoundFont, instruments, room and volume: ``gui.sound_row``),
loop it, play from a marked bar, move the piano roll's playhead, sound a clicked note,
record a phrase from a keyboard or sing one into a microphone (``gui.voice_input``).

Layers (as in ``engine.playback``): the engine's scheduler sends to a port from its own
thread and reports the position through callbacks; this widget turns those into signals for
the GUI thread. Signals of PlaybackController: positionChanged(float seconds),
playbackFinished(), message(str text) for the status bar, recorded(list events),
sung(ndarray samples, int rate), fontChanged(str description).
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

from songsketch.engine.api import (
    CHORD_CHANNEL,
    MELODY_CHANNEL,
    SAMPLE_RATE,
    Idea,
    Player,
    PortOutput,
    Recorder,
    SoundFontError,
    duration_seconds,
    fallback_note,
    fallback_performance,
    idea_events,
    idea_performance,
    list_input_ports,
    list_output_ports,
    midi_note_off,
    midi_note_on,
    midi_program_change,
    note_performance,
    seconds_per_tick,
)
from songsketch.gui.audio import SynthOutput
from songsketch.gui.piano_roll import PianoRoll
from songsketch.gui.sound_row import SoundRow
from songsketch.gui.voice_input import (
    MAX_SECONDS,
    LevelMeter,
    QMediaDevices,
    VoiceRecorder,
    audio_inputs,
    input_name,
)

SYNTH = "Built-in synth"


NO_INPUTS = "No inputs"  # (the box is narrow at 1024 x 600: "No MIDI inputs or m…")
NO_INPUTS_TIP = "No MIDI keyboard or microphone found: connect one, then press ⟳"
INPUT_TIP = "The MIDI keyboard or microphone to record a phrase from"


class PlaybackController(QWidget):
    """Play/Loop/Output/Zoom above the piano roll it moves the playhead of."""

    positionChanged = Signal(float)
    playbackFinished = Signal()
    message = Signal(str)
    recorded = Signal(object)  # the notes played, as (seconds, mido message)
    sung = Signal(object, int)  # what a microphone heard: mono float samples, their rate
    fontChanged = Signal(str)

    def __init__(self, roll: PianoRoll, parent=None) -> None:
        super().__init__(parent)
        self.roll = roll
        self.player: Player | None = None
        self.port_output = None
        self.playing_idea: Idea | None = None  # what is playing (from the marked bar on)
        self.start_tick = 0  # where that is in the idea shown
        self.synth = SynthOutput(self)
        self.synth.finished.connect(self._finished)
        self.synth.lost.connect(self._synth_lost)
        self.synth.outputsChanged.connect(self._output_changed_status)
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
        self.output_status.setWordWrap(True)  # a long reason does not widen the window
        self._build_recording()
        self.rescan = QPushButton("⟳")
        self.rescan.setToolTip("Look again for MIDI keyboards (one plugged in since the app started)")
        self.rescan.setMaximumWidth(32)
        self.rescan.clicked.connect(lambda: self.refresh_inputs(self.backend))
        self.backend = None
        self.refresh_inputs()

        self.sound = SoundRow()
        self.sound.message.connect(self.message)
        self.sound.fontChanged.connect(self.fontChanged)
        self.sound.fontChanged.connect(lambda _text: self._output_changed_status())
        self.sound.soundChanged.connect(self._swap_performance)
        self.sound.roomChanged.connect(self._room_changed)

        bar = QHBoxLayout()
        bar.addWidget(self.play_button)
        bar.addWidget(self.loop)
        bar.addWidget(QLabel("Output"))
        bar.addWidget(self.output, 1)
        bar.addWidget(QLabel("Input"))
        bar.addWidget(self.input, 1)
        bar.addWidget(self.rescan)
        bar.addWidget(self.record_button)
        bar.addWidget(self.meter, 1)  # (as wide as the Input list it stands in for, up to its most)
        bar.addWidget(self.record_time)
        bar.addWidget(QLabel("Zoom"))
        bar.addWidget(self.zoom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.sound)
        layout.addWidget(self.output_status)
        self.loop.toggled.connect(self._loop_toggled)
        self.roll.startChanged.connect(self._start_changed)
        self._output_changed()

    def _build_recording(self) -> None:
        """The Input list, Record, and the level meter and time shown while a microphone records."""
        self.recorder = None
        self.voice: VoiceRecorder | None = None
        self.input = QComboBox()
        self.input.setToolTip(INPUT_TIP)
        # (a microphone's long name does not widen the window; its list shows it whole)
        self.input.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.input.setMinimumContentsLength(12)
        self.record_button = QPushButton("● Record")
        self.record_button.setCheckable(True)
        self.record_button.setToolTip(
            "Record a phrase played on the keyboard or sung into the microphone; press again to stop"
        )
        self.meter = LevelMeter()
        self.record_time = QLabel("0:00")
        self.record_time.setToolTip("How long the recording is (it stops by itself at 10 minutes)")
        self.voice_clock = QTimer(self)
        self.voice_clock.setInterval(200)
        self.voice_clock.timeout.connect(self._show_record_time)
        for widget in (self.meter, self.record_time):
            widget.hide()  # shown while a microphone records, in the Input list's place
        self.audio_devices = QMediaDevices(self) if QMediaDevices is not None else None
        if self.audio_devices is not None:  # a microphone plugged in or out: listed at once
            self.audio_devices.audioInputsChanged.connect(lambda: self.refresh_inputs(self.backend))
        self.record_button.toggled.connect(self._record_toggled)

    def persisted(self) -> list[tuple[str, object]]:
        return [("output", self.output)]

    def _room_changed(self) -> None:
        """Another room: heard at once (the new room starts empty; the old one's ring stops)."""
        if self.synth.stream is not None:
            self.synth.stream.reverb = self.sound.instruments().reverb()

    def _swap_performance(self) -> None:
        stream = self.synth.stream
        if stream is None or self.playing_idea is None or self.port_output is not None:
            return
        try:
            new = self._performance(self.playing_idea, stream.source.loop)
        except SoundFontError as exc:
            self.message.emit(f"Cannot play that instrument: {exc}")
            return
        new.last_pass = stream.source.last_pass  # the pass a Loop turned off ends with
        stream.source = new

    # -- recording -------------------------------------------------------------
    def refresh_inputs(self, backend: str | None = None) -> None:
        """List the machine's MIDI inputs and its audio inputs ('Microphone: ...', their
        QAudioDevice as item data), keeping the one chosen; none of either says so. Not while
        recording (the list is looked at again when the recording stops), except that the
        microphone recording gone from the machine stops it."""
        self.backend = backend
        if self.voice is not None and not any(d.id() == self.voice.device.id() for d in audio_inputs()):
            self._voice_stopped(f"{self.voice.device.description()} went away")
        if self.recorder is not None or self.voice is not None:
            return
        chosen = self.input.currentText()
        self.input.clear()
        names = list_input_ports(backend)
        for name in names:
            self.input.addItem(name)
        for device in audio_inputs():
            self.input.addItem(input_name(device), device)
        listed = [self.input.itemText(i) for i in range(self.input.count())]
        if not listed:
            self.input.addItem(NO_INPUTS)
        elif chosen in listed:
            self.input.setCurrentIndex(listed.index(chosen))
        self.input.setEnabled(bool(listed))
        self.input.setToolTip(INPUT_TIP if listed else NO_INPUTS_TIP)
        view = self.input.view()  # its list as wide as the longest name
        view.setMinimumWidth(view.sizeHintForColumn(0) + 2 * view.frameWidth() + 24)
        self.record_button.setEnabled(bool(listed))

    def _record_toggled(self, on: bool) -> None:
        device = self.input.currentData()
        if on and device is not None:
            self._start_singing(device)
            return
        if not on and self.voice is not None:
            self._stop_singing()
            return
        if on:
            try:
                self.recorder = Recorder(self.input.currentText(), self.backend)
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

    def _start_singing(self, device) -> None:
        """Record the chosen microphone, its level and time shown beside Record."""
        self.synth.refresh()  # (the sound server looked at: gone, a new Qt stream would abort)
        if self.synth.server_lost:
            self.message.emit(f"Cannot record: {self.synth.reason}")
            self.record_button.setChecked(False)
            return
        voice = VoiceRecorder(device, self)
        try:
            voice.start()
        except OSError as exc:
            self.message.emit(str(exc))
            self.record_button.setChecked(False)
            return
        self.voice = voice
        voice.level.connect(self.meter.set_level)
        voice.capped.connect(self._voice_capped)
        voice.failed.connect(self._voice_stopped)
        self.meter.reset()
        self._show_record_time()
        self.voice_clock.start()
        self._show_meter(True)
        self.record_time.setToolTip(f"Recording from {device.description()} (10 minutes at most)")
        self.record_button.setText("■ Stop")
        self.message.emit(f"Recording from {device.description()}… sing, then press Stop")

    def _show_meter(self, on: bool) -> None:
        """The level meter and time in the place of the Input list and its rescan button (they
        cannot be changed while recording; the window does not widen on a small screen)."""
        for widget in (self.meter, self.record_time):
            widget.setVisible(on)
        for widget in (self.input, self.rescan):
            widget.setVisible(not on)

    def _show_record_time(self) -> None:
        seconds = int(self.voice.seconds if self.voice is not None else 0)
        self.record_time.setText(f"{seconds // 60}:{seconds % 60:02d}")

    def _end_voice(self) -> tuple:
        """Stop the microphone and put Record back as it was; the samples heard and their rate."""
        voice, self.voice = self.voice, None
        samples, rate = voice.stop()
        voice.deleteLater()
        self.voice_clock.stop()
        self.meter.reset()
        self._show_meter(False)
        self.record_button.blockSignals(True)
        self.record_button.setChecked(False)
        self.record_button.blockSignals(False)
        self.record_button.setText("● Record")
        self.refresh_inputs(self.backend)  # (inputs that came or went meanwhile)
        return samples, rate

    def _stop_singing(self) -> None:
        """Stop pressed (or the time limit reached): what was heard goes out as ``sung``."""
        samples, rate = self._end_voice()
        if samples.size == 0:
            self.message.emit("Nothing was recorded")
            return
        self.sung.emit(samples, rate)

    def _voice_capped(self) -> None:
        self._stop_singing()
        self.message.emit(f"The recording stopped at its limit of {MAX_SECONDS // 60} minutes")

    def _voice_stopped(self, why: str) -> None:
        """The microphone went away while recording: what it heard until then is handed over,
        and the window says why it stopped."""
        if self.voice is not None:
            self._stop_singing()
            self.message.emit(f"The recording stopped: {why}")

    # -- outputs ---------------------------------------------------------------
    def refresh_outputs(self) -> None:
        chosen = self.output.currentText() if self.output.count() else None
        self.output.blockSignals(True)
        self.output.clear()
        self.output.addItem(SYNTH)
        for name in list_output_ports():
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
            self._output_changed_status()
            return
        try:
            self.port_output = PortOutput(name)
            self.output_status.setText("")
        except OSError as exc:
            self.output_status.setText(str(exc))

    def _output_changed_status(self) -> None:
        """Say what stands between the built-in synth and the user's ears, if anything."""
        if self.output.currentText() != SYNTH:
            return
        if not self.synth.available:
            text = f"Built-in synth: {self.synth.reason}; choose a MIDI port to listen."
        elif self.sound.font is None and self.sound.font_problem:
            text = f"Built-in synth: no SoundFont ({self.sound.font_problem}); playing a plain tone."
        else:
            text = ""
        self.output_status.setText(text)

    def _performance(self, idea: Idea, loop: bool):
        """What the built-in synth plays: the idea on the SoundFont, or the plain tone."""
        if self.sound.font is None:
            return fallback_performance(idea, loop)
        return idea_performance(self.sound.font, idea, self.sound.instruments(), loop)

    def _start_changed(self, _bar: int) -> None:
        """A new start bar while playing: play on from there, as a DAW's ruler does."""
        if self.playing_idea is not None and self.roll.idea is not None:
            self.play(self.roll.idea)

    def _loop_toggled(self, on: bool) -> None:
        stream = self.synth.stream
        if stream is not None:
            stream.source.set_loop(on, stream.position)

    # -- transport ---------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.playing_idea is not None

    def from_start(self, idea: Idea) -> tuple[Idea, int]:
        """What Play plays of ``idea``: from the bar marked on the piano roll (when it shows
        this idea) to the end, and where that is (ticks); a loop repeats that stretch."""
        bar = self.roll.start_bar if self.roll.idea == idea else 0
        return idea.from_bar(bar), bar * idea.bar_ticks

    def play(self, idea: Idea) -> bool:
        """Start ``idea`` on the chosen output (from the bar marked on the piano roll); False
        when it cannot sound."""
        self.stop()
        idea, self.start_tick = self.from_start(idea)
        if self.port_output is not None:
            self.player = Player(
                self.port_output,
                on_position=self.positionChanged.emit,
                on_finished=self.playbackFinished.emit,
            )
            self.player.play(
                idea_events(idea, self.sound.programs()),
                duration_seconds(idea),
                self.loop.isChecked(),
            )
        else:
            if self.sound.font is None and self.sound.loading_font is not None:
                self.message.emit("A plain tone until the SoundFont has loaded (a moment)")
            try:
                performance = self._performance(idea, self.loop.isChecked())
            except SoundFontError as exc:  # a sample the font cannot give after all
                self.message.emit(f"Cannot play: {exc}")
                return False
            if not self.synth.play(performance, self.sound.instruments().reverb()):
                self.message.emit(f"Cannot play: {self.synth.reason}")
                self._output_changed_status()
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
        length = duration_seconds(self.playing_idea)
        stream = self.synth.stream
        if stream is not None and self.port_output is None:  # the pass the audio is in
            period = stream.source.period / SAMPLE_RATE
            passes = seconds // period
            if stream.source.last_pass is not None:
                passes = min(passes, stream.source.last_pass)
            seconds -= passes * period
        elif self.loop.isChecked() and length > 0:
            seconds %= length
        self.roll.set_playhead(self.start_tick + seconds / seconds_per_tick(self.playing_idea))

    def _finished(self) -> None:
        self.stop()

    def _synth_lost(self, why: str) -> None:
        """The built-in synth's output went away under it (unplugged, the sound server
        stopped): the transport stops and the window says why."""
        self.stop()
        self.message.emit(why)
        self._output_changed_status()

    def audition_note(self, pitch: int, part: str = "melody") -> None:
        """Sound one note (a click on the piano roll) on the chosen output, with the
        instrument of its part."""
        chords, melody = self.sound.programs()
        program = chords if part == "chords" else melody
        if self.port_output is not None:
            port = self.port_output
            channel = CHORD_CHANNEL if part == "chords" else MELODY_CHANNEL
            port.send(midi_program_change(program, channel))
            port.send(midi_note_on(pitch, channel=channel))
            QTimer.singleShot(
                350, lambda: self.port_output is port and port.send(midi_note_off(pitch, channel))
            )
        elif self.synth.available and self.playing_idea is None:
            try:
                if not self.synth.play(self.note_sound(pitch, part), self.sound.instruments().reverb()):
                    self._output_changed_status()
            except SoundFontError as exc:
                self.message.emit(f"Cannot play that note: {exc}")

    def note_sound(self, pitch: int, part: str = "melody"):
        """What a click on a note of ``part`` plays on the built-in synth."""
        if self.sound.font is None:
            return fallback_note(pitch)
        chords, melody = self.sound.programs()
        program = chords if part == "chords" else melody
        return note_performance(self.sound.font, pitch, program, self.sound.volume.value() / 100)

    def close_output(self) -> None:
        self.stop()
        if self.voice is not None:  # (the window closing while the microphone records)
            self._end_voice()
        if self.port_output is not None:
            self.port_output.close()
            self.port_output = None
