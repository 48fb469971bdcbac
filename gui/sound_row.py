"""The sound row under the transport: the SoundFont the built-in synth plays (the bundled one
or the user's, chosen from the button's menu), an instrument for the chords and one for the
melody, the room and the volume; all remembered.

A SoundFont loads on a thread of its own (a large .sf3 takes a while); what was in use stays
until the new one has loaded, and for good when it cannot be. Signals of SoundRow:
message(str) for the status bar, fontChanged(str) the button's text, soundChanged() new
instruments, volume or SoundFont ready to be heard, roomChanged().
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QWidget,
)

from songsketch.engine.api import (
    DEFAULT_ROOM,
    DEFAULT_VOLUME,
    GM_NAMES,
    ROOMS,
    Instruments,
    SoundFontError,
    open_font,
    prepare_rooms,
)

BUILT_IN = ""  # the SoundFont setting that means the bundled one


# the style draws a combo's text 1 px inside its field and clips it at the field: text as wide
# as the field lost its last letter ("Acoust… Pianc"); a pixel more each side keeps it clear
LABEL_INSET = 4


class ElidedCombo(QComboBox):
    """A combo box as wide as its longest item where there is room; when narrower, it shows its
    choice with the middle left out ("Acoust…Piano") rather than cut off ("Acoustic Granc");
    the whole name is in its tooltip."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what  # what the choice is, for the tooltip
        self.setToolTip(what)

    def sizeHint(self) -> QSize:
        """Wide enough for the longest item whole (the minimum stays short: see
        ``setMinimumContentsLength``)."""
        hint = super().sizeHint()
        metrics = self.fontMetrics()
        longest = max((metrics.horizontalAdvance(self.itemText(i)) for i in range(self.count())), default=0)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        around = option.rect.width() - self._field(option).width()  # the arrow and the margins
        return QSize(max(hint.width(), longest + LABEL_INSET + around), hint.height())

    def _field(self, option: QStyleOptionComboBox):
        return self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, self
        )

    def paintEvent(self, _event) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        # the tooltip follows what is shown (choices are also set with signals blocked)
        tip = f"{option.currentText}: {self.what}" if option.currentText else self.what
        if tip != self.toolTip():
            self.setToolTip(tip)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideMiddle, self._field(option).width() - LABEL_INSET
        )
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


class SoundRow(QWidget):
    """SoundFont, Chords, Melody, Room, Volume."""

    message = Signal(str)
    fontChanged = Signal(str)
    soundChanged = Signal()
    roomChanged = Signal()
    _fontLoaded = Signal(object, str, str)  # font or None, the path asked for, the error
    _warmed = Signal(object, str)  # the font whose newly chosen instruments are ready, the error

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.font = None  # the SoundFont in use; None: the additive fallback
        self.font_path = BUILT_IN  # the font in use
        self.wanted_font = BUILT_IN  # the user's choice, remembered even while it cannot load
        self.font_problem = ""  # why there is no SoundFont, when there is none
        self.loading_font: str | None = None  # the font being loaded (BUILT_IN for the bundled one)
        self.loading_chosen = False
        self.wanted_programs = (0, 0)  # remembered, applied once a font is loaded
        self._fontLoaded.connect(self._font_loaded)
        self._warmed.connect(self._instruments_ready)

        # the SoundFont in use, a button whose menu loads the user's own or goes back to ours
        # (a push button: its size leaves room for the menu's arrow, a tool button's did not)
        self.font_button = QPushButton("SoundFont: loading…")
        self.font_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        font_menu = QMenu(self.font_button)
        self.load_font_action = font_menu.addAction("Load SoundFont (.sf2, .sf3)…", self.choose_font)
        self.load_font_action.setToolTip("Play the built-in synth with your own instruments")
        self.builtin_font_action = font_menu.addAction(
            "Use the built-in SoundFont", lambda: self.load_font(BUILT_IN)
        )
        self.font_button.setMenu(font_menu)
        self.chord_instrument = ElidedCombo("the chord part's instrument (General MIDI program)")
        self.melody_instrument = ElidedCombo("the melody's instrument (General MIDI program)")
        for combo in (self.chord_instrument, self.melody_instrument):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)  # narrow windows still fit; wider ones show it all
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            combo.currentIndexChanged.connect(lambda _i: self._program_chosen())
        self.volume = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100)
        self.volume.setValue(round(DEFAULT_VOLUME * 100))
        self.volume.setMaximumWidth(110)
        self.volume.setToolTip("Volume of the built-in synth")
        self.volume.valueChanged.connect(lambda _v: self._instruments_changed())
        self.room = QComboBox()
        self.room.setToolTip("The room the built-in synth plays in (reverb)")
        for name in ROOMS:
            self.room.addItem(name.capitalize(), name)
        self.room.setCurrentIndex(self.room.findData(DEFAULT_ROOM))
        self.room.currentIndexChanged.connect(lambda _i: self.roomChanged.emit())
        self._fill_instruments()

        sound_bar = QHBoxLayout(self)
        sound_bar.setContentsMargins(0, 0, 0, 0)
        sound_bar.addWidget(self.font_button)
        sound_bar.addWidget(QLabel("Chords"))
        sound_bar.addWidget(self.chord_instrument)
        sound_bar.addWidget(QLabel("Melody"))
        sound_bar.addWidget(self.melody_instrument)
        sound_bar.addWidget(QLabel("Room"))
        sound_bar.addWidget(self.room)
        sound_bar.addWidget(QLabel("Volume"))
        sound_bar.addWidget(self.volume)

    def restore_sound(self, settings: QSettings) -> None:
        """Take the remembered SoundFont, instruments and volume (and start loading the font)."""
        try:
            chords, melody = settings.value("sound/chords", 0), settings.value("sound/melody", 0)
            self.wanted_programs = (int(chords), int(melody))
            self.volume.setValue(int(settings.value("sound/volume", round(DEFAULT_VOLUME * 100))))
            room = self.room.findData(str(settings.value("sound/room", DEFAULT_ROOM)))
            self.room.setCurrentIndex(room if room >= 0 else self.room.findData(DEFAULT_ROOM))
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

    def instruments(self) -> Instruments:
        chords, melody = self.programs()
        return Instruments(chords, melody, self.volume.value() / 100, self.room.currentData())

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
        name = Path(path).name if path else "the built-in one"
        self.font_button.setText("SoundFont: loading…")  # (short: a long name widened the window)
        self.font_button.setToolTip(f"Loading {name}")
        programs = self.wanted_programs

        def work() -> None:
            font, error = None, ""
            try:
                font = open_font(path or None)
                font.warm(set(programs) | {0})  # decode now what the first Play will need
                prepare_rooms()
            except SoundFontError as exc:
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
        self.soundChanged.emit()  # playing already (a plain tone, another font): heard now
        if self.loading_chosen:  # the user's choice just now (the start-up load stays quiet)
            self.wanted_font = path
            self.message.emit(f"SoundFont: {self._font_title()}")

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
        self.builtin_font_action.setEnabled(self.font_path != BUILT_IN or self.font is None)
        self.fontChanged.emit(text)

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
                own = font.preset(p).name if font is not None else GM_NAMES[p]
                combo.addItem(GM_NAMES[p] if general_midi else own, p)
                combo.setItemData(combo.count() - 1, f"{p}: {own} (GM: {GM_NAMES[p]})", Qt.ToolTipRole)
            index = combo.findData(program)
            combo.setCurrentIndex(index if index >= 0 else max(0, combo.findData(0)))
            combo.setEnabled(font is not None)
            combo.blockSignals(False)
            combo.updateGeometry()  # (its longest item may be another)

    def _program_chosen(self) -> None:
        if self.font is not None:  # (without a font the menus hold only a placeholder)
            self.wanted_programs = self.programs()
        self._instruments_changed()

    def _instruments_changed(self) -> None:
        """New instruments or volume: said at once (``soundChanged``: the stream swaps its
        performance); an instrument not yet read from the SoundFont is read on a thread first."""
        if self.font is not None:
            if not self.font.is_warm(self.programs()):
                font, programs = self.font, self.programs()

                def work() -> None:
                    error = ""
                    try:
                        font.warm(programs)
                    except SoundFontError as exc:
                        error = str(exc)
                    try:
                        self._warmed.emit(font, error)
                    except RuntimeError:  # the window closed meanwhile
                        pass

                threading.Thread(target=work, name="songsketch-soundfont-read", daemon=True).start()
                return
        self.soundChanged.emit()

    def _instruments_ready(self, font, error: str) -> None:
        if font is not self.font:
            return
        if error:
            self.message.emit(f"Cannot play that instrument: {error}")
            return
        self.soundChanged.emit()
