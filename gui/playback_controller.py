"""The transport bar and what it drives: play an idea through a MIDI port or the built-in
synth, loop it, move the piano roll's playhead, sound a clicked note; and the sound row: the
SoundFont the built-in synth plays (the bundled one or the user's), an instrument for the
chords and one for the melody, and a volume.

Layers (as in ``engine.playback``): the engine's scheduler sends to a port from its own
thread and reports the position through callbacks; this widget turns those into signals for
the GUI thread. A SoundFont loads on a thread of its own (a large .sf3 takes a while).
Signals of PlaybackController: positionChanged(float seconds), playbackFinished(),
message(str text) for the status bar, recorded(list events), fontChanged(str description).
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from songsketch.engine.api import Idea, playback, recording, sound
from songsketch.gui.audio import SynthOutput
from songsketch.gui.piano_roll import PianoRoll

SYNTH = "Built-in synth"
BUILT_IN = ""  # the SoundFont setting that means the bundled one


class PlaybackController(QWidget):
    """Play/Loop/Output/Zoom above the piano roll it moves the playhead of."""

    positionChanged = Signal(float)
    playbackFinished = Signal()
    message = Signal(str)
    recorded = Signal(object)  # the notes played, as (seconds, mido message)
    fontChanged = Signal(str)
    _fontLoaded = Signal(object, str, str)  # font or None, the path asked for, the error
    _warmed = Signal(object, str)  # the font whose newly chosen instruments are ready, the error

    def __init__(self, roll: PianoRoll, parent=None) -> None:
        super().__init__(parent)
        self.roll = roll
        self.player: playback.Player | None = None
        self.port_output = None
        self.playing_idea: Idea | None = None  # what is playing (from the marked bar on)
        self.start_tick = 0  # where that is in the idea shown
        self.font = None  # the SoundFont in use; None: the additive fallback
        self.font_path = BUILT_IN  # the font in use
        self.wanted_font = BUILT_IN  # the user's choice, remembered even while it cannot load
        self.font_problem = ""  # why there is no SoundFont, when there is none
        self.loading_font: str | None = None  # the font being loaded (BUILT_IN for the bundled one)
        self.loading_chosen = False
        self.wanted_programs = (0, 0)  # remembered, applied once a font is loaded
        self._fontLoaded.connect(self._font_loaded)
        self._warmed.connect(self._instruments_ready)
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
        self.output_status.setWordWrap(True)  # a long reason does not widen the window
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

        # the SoundFont in use, a button whose menu loads the user's own or goes back to ours
        self.font_button = QToolButton()
        self.font_button.setText("SoundFont: loading…")
        self.font_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.font_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        font_menu = QMenu(self.font_button)
        self.load_font_action = font_menu.addAction("Load SoundFont (.sf2, .sf3)…", self.choose_font)
        self.load_font_action.setToolTip("Play the built-in synth with your own instruments")
        self.builtin_font_action = font_menu.addAction(
            "Use the built-in SoundFont", lambda: self.load_font(BUILT_IN)
        )
        self.font_button.setMenu(font_menu)
        self.chord_instrument = QComboBox()
        self.chord_instrument.setToolTip("The chord part's instrument (General MIDI program)")
        self.melody_instrument = QComboBox()
        self.melody_instrument.setToolTip("The melody's instrument (General MIDI program)")
        for combo in (self.chord_instrument, self.melody_instrument):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)  # narrow windows still fit; wider ones show it all
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            combo.currentIndexChanged.connect(lambda _i: self._program_chosen())
        self.volume = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100)
        self.volume.setValue(round(sound.DEFAULT_VOLUME * 100))
        self.volume.setMaximumWidth(110)
        self.volume.setToolTip("Volume of the built-in synth")
        self.volume.valueChanged.connect(lambda _v: self._instruments_changed())
        self.room = QComboBox()
        self.room.setToolTip("The room the built-in synth plays in (reverb)")
        for name in sound.ROOMS:
            self.room.addItem(name.capitalize(), name)
        self.room.setCurrentIndex(self.room.findData(sound.DEFAULT_ROOM))
        self.room.currentIndexChanged.connect(lambda _i: self._room_changed())
        self._fill_instruments()

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
        sound_bar = QHBoxLayout()
        sound_bar.addWidget(self.font_button)
        sound_bar.addWidget(QLabel("Chords"))
        sound_bar.addWidget(self.chord_instrument)
        sound_bar.addWidget(QLabel("Melody"))
        sound_bar.addWidget(self.melody_instrument)
        sound_bar.addWidget(QLabel("Room"))
        sound_bar.addWidget(self.room)
        sound_bar.addWidget(QLabel("Volume"))
        sound_bar.addWidget(self.volume)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addLayout(sound_bar)
        layout.addWidget(self.output_status)
        self.loop.toggled.connect(self._loop_toggled)
        self.roll.startChanged.connect(self._start_changed)
        self._output_changed()

    def persisted(self) -> list[tuple[str, object]]:
        return [("output", self.output)]

    # -- sound: SoundFont, instruments, volume ------------------------------------
    def restore_sound(self, settings: QSettings) -> None:
        """Take the remembered SoundFont, instruments and volume (and start loading the font)."""
        try:
            chords, melody = settings.value("sound/chords", 0), settings.value("sound/melody", 0)
            self.wanted_programs = (int(chords), int(melody))
            self.volume.setValue(int(settings.value("sound/volume", round(sound.DEFAULT_VOLUME * 100))))
            room = self.room.findData(str(settings.value("sound/room", sound.DEFAULT_ROOM)))
            self.room.setCurrentIndex(room if room >= 0 else self.room.findData(sound.DEFAULT_ROOM))
        except (TypeError, ValueError):
            pass
        self.wanted_font = str(settings.value("sound/font", BUILT_IN) or BUILT_IN)
        self.load_font(self.wanted_font, chosen=False)  # kept even if it cannot load today

    def save_sound(self, settings: QSettings) -> None:
        settings.setValue("sound/font", self.wanted_font)
        chords, melody = self.wanted_programs  # (what a font lacked stays wanted for the next)
        settings.setValue("sound/chords", chords)
        settings.setValue("sound/melody", melody)
        settings.setValue("sound/volume", self.volume.value())
        settings.setValue("sound/room", self.room.currentData())

    def instruments(self) -> sound.Instruments:
        chords, melody = self.programs()
        return sound.Instruments(chords, melody, self.volume.value() / 100, self.room.currentData())

    def _room_changed(self) -> None:
        """Another room: heard at once (the new room starts empty; the old one's ring stops)."""
        if self.synth.stream is not None:
            self.synth.stream.reverb = self.instruments().reverb()

    def programs(self) -> tuple[int, int]:
        """The GM programs chosen for the chords and the melody."""
        picked = tuple(combo.currentData() for combo in (self.chord_instrument, self.melody_instrument))
        return tuple(p if p is not None else w for p, w in zip(picked, self.wanted_programs))

    def choose_font(self) -> None:
        start = self.font_path or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Load a SoundFont", start, "SoundFonts (*.sf2 *.sf3)")
        if path:
            self.load_font(path)

    def load_font(self, path: str, chosen: bool = True) -> None:
        """Load a SoundFont off the UI thread (``BUILT_IN``: the bundled one); what was in use
        stays until it has loaded, and stays for good when it cannot be. ``chosen``: the
        user's choice, remembered once it has loaded (a fallback to the bundled one is not)."""
        self.loading_chosen = chosen
        self.loading_font = path
        name = Path(path).name if path else "built in"
        self.font_button.setText(f"SoundFont: loading {name}…")
        self._fit_font_button()
        programs = self.wanted_programs

        def work() -> None:
            font, error = None, ""
            try:
                font = sound.open_font(path or None)
                font.warm(set(programs) | {0})  # decode now what the first Play will need
                sound.prepare_rooms()
            except sound.SoundFontError as exc:
                font, error = None, str(exc)
            except Exception as exc:  # a SoundFont the reader did not foresee: say so, keep going
                font, error = None, f"{Path(path).name}: {type(exc).__name__}: {exc}"
            try:
                self._fontLoaded.emit(font, path, error)
            except RuntimeError:  # the window closed while the font loaded
                pass

        threading.Thread(target=work, name="songsketch-soundfont", daemon=True).start()

    def wait_for_font(self, timeout: float = 30.0) -> bool:
        """Run the event loop until the font being loaded has arrived (tests, screenshots);
        False on timeout."""
        from PySide6.QtCore import QElapsedTimer, QEventLoop

        clock = QElapsedTimer()
        clock.start()
        while self.loading_font is not None and clock.elapsed() < timeout * 1000:
            loop = QEventLoop()
            self._fontLoaded.connect(loop.quit)
            QTimer.singleShot(50, loop.quit)
            loop.exec()
            self._fontLoaded.disconnect(loop.quit)
        return self.loading_font is None

    def _font_loaded(self, font, path: str, error: str) -> None:
        if path != self.loading_font:
            return  # a later choice replaced this one
        self.loading_font = None
        if font is None:
            if self.font is None and path != BUILT_IN:
                self.load_font(BUILT_IN, chosen=False)  # the user's font is gone or bad: the bundled one
                self.message.emit(f"Could not load the SoundFont {error}; using the built-in one")
                return
            if self.font is None:
                self.font_problem = error
                self.message.emit(f"No SoundFont: {error}; the built-in synth plays a plain tone")
            else:
                self.message.emit(f"Could not load the SoundFont {error}; keeping {self._font_title()}")
            self._show_font()
            return
        self.font, self.font_path, self.font_problem = font, path, ""
        self._fill_instruments()
        self._show_font()
        self._swap_performance()  # playing already (a plain tone, another font): heard now
        if self.loading_chosen:  # the user's choice just now (the start-up load stays quiet)
            self.wanted_font = path
            self.message.emit(f"SoundFont: {self._font_title()}")

    def _fit_font_button(self) -> None:
        # (the style's size hint leaves no room for the menu arrow over the text's end)
        self.font_button.setMinimumWidth(0)
        self.font_button.setMinimumWidth(self.font_button.sizeHint().width() + 14)

    def _font_title(self) -> str:
        return "the built-in FluidR3 GM" if self.font_path == BUILT_IN else self.font.name

    def _show_font(self) -> None:
        if self.font is None:
            text = "SoundFont: none: a plain tone"
            tip = self.font_problem
        else:
            if self.font_path == BUILT_IN:
                shown, where = "built in", f"{self._font_title()}, bundled with Songsketch"
            else:
                name = Path(self.font_path).name
                shown, where = (name if len(name) <= 20 else name[:18] + "…"), self.font_path
            text = f"SoundFont: {shown}"
            tip = f"{self.font.name}\n{where}\n{len(self.font.presets)} instruments"
        self.font_button.setText(text)
        self.font_button.setToolTip(tip)
        self._fit_font_button()
        self.builtin_font_action.setEnabled(self.font_path != BUILT_IN or self.font is None)
        self.fontChanged.emit(text)
        self._output_changed_status()

    def _fill_instruments(self) -> None:
        """List the font's instruments in both menus, keeping the choices (a program the font
        lacks shows its first one, and stays wanted for the next font). A General MIDI set
        is listed by GM names; a font of a few instruments by its own names."""
        font = self.font
        programs = (font.programs() or sorted({p for _b, p in font.presets})) if font is not None else [0]
        general_midi = font is None or len(font.programs()) >= 16
        for combo, program in zip((self.chord_instrument, self.melody_instrument), self.wanted_programs):
            combo.blockSignals(True)
            combo.clear()
            for p in programs:
                own = font.preset(p).name if font is not None else sound.GM_NAMES[p]
                combo.addItem(sound.GM_NAMES[p] if general_midi else own, p)
                combo.setItemData(combo.count() - 1, f"{p}: {own} (GM: {sound.GM_NAMES[p]})", Qt.ToolTipRole)
            index = combo.findData(program)
            combo.setCurrentIndex(index if index >= 0 else max(0, combo.findData(0)))
            combo.setEnabled(font is not None)
            combo.blockSignals(False)

    def _program_chosen(self) -> None:
        if self.font is not None:  # (without a font the menus hold only a placeholder)
            self.wanted_programs = self.programs()
        self._instruments_changed()

    def _instruments_changed(self) -> None:
        """New instruments or volume: heard at once (the stream swaps its performance); an
        instrument not yet read from the SoundFont is read on a thread first."""
        if self.font is not None:
            if not self.font.is_warm(self.programs()):
                font, programs = self.font, self.programs()

                def work() -> None:
                    error = ""
                    try:
                        font.warm(programs)
                    except sound.SoundFontError as exc:
                        error = str(exc)
                    try:
                        self._warmed.emit(font, error)
                    except RuntimeError:  # the window closed meanwhile
                        pass

                threading.Thread(target=work, name="songsketch-soundfont-read", daemon=True).start()
                return
        self._swap_performance()

    def _instruments_ready(self, font, error: str) -> None:
        if font is not self.font:
            return
        if error:
            self.message.emit(f"Cannot play that instrument: {error}")
            return
        self._swap_performance()

    def _swap_performance(self) -> None:
        stream = self.synth.stream
        if stream is None or self.playing_idea is None or self.port_output is not None:
            return
        try:
            new = self._performance(self.playing_idea, stream.source.loop)
        except sound.SoundFontError as exc:
            self.message.emit(f"Cannot play that instrument: {exc}")
            return
        new.last_pass = stream.source.last_pass  # the pass a Loop turned off ends with
        stream.source = new

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
            self._output_changed_status()
            return
        try:
            self.port_output = playback.PortOutput(name)
            self.output_status.setText("")
        except OSError as exc:
            self.output_status.setText(str(exc))

    def _output_changed_status(self) -> None:
        """Say what stands between the built-in synth and the user's ears, if anything."""
        if self.output.currentText() != SYNTH:
            return
        if not self.synth.available:
            text = f"Built-in synth: {self.synth.reason}; choose a MIDI port to listen."
        elif self.font is None and self.font_problem:
            text = f"Built-in synth: no SoundFont ({self.font_problem}); playing a plain tone."
        else:
            text = ""
        self.output_status.setText(text)

    def _performance(self, idea: Idea, loop: bool):
        """What the built-in synth plays: the idea on the SoundFont, or the plain tone."""
        if self.font is None:
            return sound.fallback_performance(idea, loop)
        return sound.idea_performance(self.font, idea, self.instruments(), loop)

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
            self.player = playback.Player(
                self.port_output,
                on_position=self.positionChanged.emit,
                on_finished=self.playbackFinished.emit,
            )
            self.player.play(
                playback.idea_events(idea, self.programs()),
                playback.duration_seconds(idea),
                self.loop.isChecked(),
            )
        else:
            if self.font is None and self.loading_font is not None:
                self.message.emit("A plain tone until the SoundFont has loaded (a moment)")
            try:
                performance = self._performance(idea, self.loop.isChecked())
            except sound.SoundFontError as exc:  # a sample the font cannot give after all
                self.message.emit(f"Cannot play: {exc}")
                return False
            if not self.synth.play(performance, self.instruments().reverb()):
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
        stream = self.synth.stream
        if stream is not None and self.port_output is None:  # the pass the audio is in
            period = stream.source.period / sound.SAMPLE_RATE
            passes = seconds // period
            if stream.source.last_pass is not None:
                passes = min(passes, stream.source.last_pass)
            seconds -= passes * period
        elif self.loop.isChecked() and length > 0:
            seconds %= length
        self.roll.set_playhead(self.start_tick + seconds / playback.seconds_per_tick(self.playing_idea))

    def _finished(self) -> None:
        self.stop()

    def audition_note(self, pitch: int, part: str = "melody") -> None:
        """Sound one note (a click on the piano roll) on the chosen output, with the
        instrument of its part."""
        chords, melody = self.programs()
        program = chords if part == "chords" else melody
        if self.port_output is not None:
            port = self.port_output
            channel = playback.CHORD_CHANNEL if part == "chords" else playback.MELODY_CHANNEL
            port.send(playback.program_change(program, channel))
            port.send(playback.note_on(pitch, channel=channel))
            QTimer.singleShot(
                350, lambda: self.port_output is port and port.send(playback.note_off(pitch, channel))
            )
        elif self.synth.available and self.playing_idea is None:
            try:
                self.synth.play(self.note_sound(pitch, part), self.instruments().reverb())
            except sound.SoundFontError as exc:
                self.message.emit(f"Cannot play that note: {exc}")

    def note_sound(self, pitch: int, part: str = "melody"):
        """What a click on a note of ``part`` plays on the built-in synth."""
        if self.font is None:
            return sound.fallback_note(pitch)
        chords, melody = self.programs()
        program = chords if part == "chords" else melody
        return sound.note_performance(self.font, pitch, program, self.volume.value() / 100)

    def close_output(self) -> None:
        self.stop()
        if self.port_output is not None:
            self.port_output.close()
            self.port_output = None
