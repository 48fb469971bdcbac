"""The Generate panel: the controls of a batch of ideas, the model choice and its status.

Signals of GeneratePanel: generateClicked(), stopClicked(), modelChosen(str folder),
retrainClicked().
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
)

from songsketch.engine.api import (
    ALL_KEYS,
    METERS,
    TEMPO_RANGE,
    GenerateRequest,
    GenerationRequest,
    GenerationSettings,
    Guard,
    ModelCard,
    ProgressionError,
    RegenerateRequest,
    list_models,
    typed_progression,
)

_USUAL, _STRICT = Guard(), Guard(max_notes=Guard().max_notes, max_chord_bars=4)
# how far an idea may follow a song the model learnt from, in words: the guard replaces ideas
# that go further (strict also refuses a known song's chords for more than half a section;
# fewer melody notes than usual leave almost no idea standing)
ORIGINALITY = (("Strict", _STRICT), ("Usual", _USUAL), ("Off", None))
ORIGINALITY_TIP = (
    "Ideas too close to a song the model learnt from are replaced before you see them.\n"
    f"Usual: the same melody for {_USUAL.max_notes + 1} notes or more, or the same chords for more "
    f"than {_USUAL.max_chord_bars} bars.\n"
    f"Strict: also the same chords for more than {_STRICT.max_chord_bars} bars.\n"
    "Off: every idea is kept, even one that follows a known song."
)


class GeneratePanel(QGroupBox):
    """Count, chords to write over, style, key, tempo, meter, bars, chord changes, repetition,
    wildness, seed, originality and model."""

    generateClicked = Signal()
    stopClicked = Signal()
    modelChosen = Signal(str)
    retrainClicked = Signal()

    def __init__(self, default_model: Path, models_dir: Path, parent=None) -> None:
        super().__init__("Generate", parent)
        self.default_model, self.models_dir = default_model, models_dir
        self._build_shape_controls()
        self._build_style_choice()
        self._build_character_controls()
        self._build_progression()
        self._build_model_choice()
        form = QFormLayout(self)
        for label, widget in (
            ("Ideas", self.count),
            (None, QLabel("Over chords")),  # the typed chords take the panel's whole width
            (None, self.progression),
            ("", self.progression_error),
            ("Style", self.style),
            ("Key", self.key),
            ("Tempo", self.tempo),
            ("Meter", self.meter),
            ("Bars per section", self.bars),
            ("Chord changes", self.harmony),
            ("Repetition", self.repetition),
            ("Wildness", self.wildness),
            ("Seed", self.seed),
            ("Originality", self.originality),
            ("Model", self.model),
        ):
            if label is None:
                form.addRow(widget)
            else:
                form.addRow(label, widget)
        # the key of the typed chords, under them across the panel's width
        form.insertRow(form.getWidgetPosition(self.progression_error)[0] + 1, self.chords_key)
        self._add_buttons_and_status(form)

    def _build_shape_controls(self) -> None:
        """How many ideas, and their key, tempo, meter and length."""
        self.count = QSpinBox(minimum=1, maximum=64, value=8)
        self.key = QComboBox()
        self.key.addItem("Auto", None)
        for key in ALL_KEYS:
            self.key.addItem(key.long_name, key)
        self.tempo = QSpinBox(minimum=TEMPO_RANGE[0] - 1, maximum=TEMPO_RANGE[1], value=TEMPO_RANGE[0] - 1)
        self.tempo.setSpecialValueText("Auto")
        self.tempo.setSuffix(" bpm")
        self.meter = QComboBox()
        for m in METERS[:6] + METERS[9:10]:
            self.meter.addItem(f"{m[0]}/{m[1]}", m)
        self.bars = QSpinBox(minimum=1, maximum=16, value=8)

    def _build_style_choice(self) -> None:
        """Pop, song or chorale; remembers what the user chose over what a model offers."""
        self.style = QComboBox()
        for label, style in (("Pop", "pop"), ("Song", "song"), ("Chorale", "chorale")):
            self.style.addItem(label, style)
        self.style.setToolTip(
            "What the ideas are like: today's pop, a lead-sheet song of 1880-1930, or a four-part chorale"
        )
        self.wanted_style: str | None = None  # the user's choice (None: the model's own)
        self.style.activated.connect(lambda _i: setattr(self, "wanted_style", self.style.currentData()))

    def _build_character_controls(self) -> None:
        """How the ideas go: chord changes, repetition, wildness, seed and originality."""
        self.harmony = QComboBox()
        for label, rhythm in (
            ("As the model likes", None),
            ("Every beat", "beat"),
            ("Every half bar", "half"),
            ("Every bar", "bar"),
        ):
            self.harmony.addItem(label, rhythm)
        self.harmony.setToolTip(
            "How often the chords may change (songs like one or two chords a bar, chorales a new chord "
            "on almost every beat)"
        )
        self.repetition = QComboBox()
        for label, amount in (("Less", "less"), ("As the model likes", None), ("More", "more")):
            self.repetition.addItem(label, amount)
        self.repetition.setCurrentIndex(1)
        self.repetition.setToolTip(
            "How often a bar brings back an earlier bar's rhythm or motif (the hook): less or more than "
            "the model would"
        )
        self.wildness = QDoubleSpinBox(
            minimum=0.3, maximum=1.8, singleStep=0.05, value=GenerationSettings().temperature
        )
        self.wildness.setToolTip("How adventurous the ideas are: low = safe and plain, high = wild")
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1, value=0)
        self.seed.setSpecialValueText("Random")
        self.seed.setToolTip(
            "Random: new ideas each time. A number: the same settings and number give the same ideas again"
        )
        self.originality = QComboBox()
        for label, guard in ORIGINALITY:
            self.originality.addItem(label, guard)
        self.originality.setCurrentIndex(1)  # usual: the guard's own limits
        self.originality.setToolTip(ORIGINALITY_TIP)

    def _build_progression(self) -> None:
        """The chords to write melodies over, typed; a reading error is shown under them."""
        self.progression = QLineEdit()
        self.progression.setPlaceholderText("C G Am F | F G C C")
        self.progression.setClearButtonEnabled(True)
        self.progression.setMinimumWidth(250)  # eight bars of chords in sight
        self.progression.setToolTip(
            "Type a chord progression and Generate writes melodies over exactly those chords, "
            "repeating over the verse and chorus. Am F C G: one chord a bar; C G | Am F: bars split "
            "by |, several chords a bar. Chart symbols (C, Am, G7, Fmaj7, Dm9, Cadd9, G7sus4, E7#9, "
            "C6/9, Bm7b5, C/E ...) play as the nearest chord the model knows. The key follows the "
            "chords. Empty: the model writes the chords too."
        )
        self.progression_error = QLabel()
        self.progression_error.setWordWrap(True)
        self.progression_error.setStyleSheet("color: #b00")
        self.progression_error.hide()
        self.progression.textChanged.connect(lambda _t: self.progression_error.hide())
        self.chords_key = QLabel()  # the key the typed chords are in, and why the Key box gave way
        self.chords_key.setWordWrap(True)
        self.chords_key.setStyleSheet("color: palette(placeholder-text)")
        # two lines kept for it, empty or not: the controls below must not move under the
        # pointer while chords are typed
        self.chords_key.setFixedHeight(2 * self.chords_key.fontMetrics().lineSpacing() + 2)
        self.progression.textChanged.connect(lambda _t: self._show_chords_key())
        self.key.currentIndexChanged.connect(lambda _i: self._show_chords_key())

    def _show_chords_key(self, settings: GenerationSettings | None = None):
        """Read the typed chords with the Key box's key; say under the field which key the
        melodies will be in (and why, when the chords contradict the Key box). The reading
        (a TypedProgression), or None when there are no chords or they cannot be read."""
        settings = settings or self.settings()
        text = self.progression.text().strip()
        meter, tempo = settings.meter or (4, 4), settings.tempo or 100
        try:
            typed = typed_progression(text, meter, settings.bars_per_section, tempo, settings.key)
        except ProgressionError:  # (an empty field too) the error shows on Generate
            self.chords_key.setText("")
            self.chords_key.setToolTip("")
            return None
        key = typed.idea.key.long_name
        self.chords_key.setToolTip("")
        if typed.remark:  # short, to fit the panel at 1024 x 600; the whole story in the tooltip
            note = f"Key: {key}, the chords' key ({typed.clash})."
            self.chords_key.setToolTip(
                f"The Key box asked for {settings.key.long_name}, but {typed.remark}: the melodies "
                f"are written in {key}."
            )
        elif settings.key is None:
            note = f"Key: {key}, heard from the chords."
        else:
            note = f"Key: {key}, which the chords fit."
        self.chords_key.setText(note)
        return typed

    def _build_model_choice(self) -> None:
        self.model = QComboBox()
        self.refresh_models()
        self.model.currentIndexChanged.connect(
            lambda _i: self.modelChosen.emit(self.model.currentData() or "")
        )

    def _add_buttons_and_status(self, form: QFormLayout) -> None:
        """Generate and Stop, the model's status and the retrain button, under the controls."""
        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(True)
        self.generate_button.setEnabled(False)
        self.generate_button.setToolTip("Generate ideas (Ctrl+Return)")
        self.generate_button.clicked.connect(self.generateClicked)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stopClicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.stop_button)
        form.addRow(buttons)
        self.model_status = QLabel("Loading model…")
        self.model_status.setWordWrap(True)
        # room for two lines up front: the form does not grow a row when its text later wraps
        self.model_status.setMinimumHeight(2 * self.model_status.fontMetrics().lineSpacing() + 4)
        self.model_status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.addRow(self.model_status)
        retrain = QPushButton("Retrain on a folder…")
        retrain.clicked.connect(self.retrainClicked)
        form.addRow(retrain)

    def persisted(self) -> list[tuple[str, object]]:
        """The controls remembered across restarts (see ``persist``)."""
        return [
            ("count", self.count),
            ("key", self.key),
            ("tempo", self.tempo),
            ("meter", self.meter),
            ("bars", self.bars),
            ("style", self.style),
            ("chord_changes", self.harmony),
            ("repetition", self.repetition),
            ("wildness", self.wildness),
            ("originality", self.originality),
        ]

    def settings(self) -> GenerationSettings:
        tempo = self.tempo.value()
        return GenerationSettings(
            count=self.count.value(),
            key=self.key.currentData(),
            tempo=None if tempo < TEMPO_RANGE[0] else tempo,
            meter=self.meter.currentData(),
            bars_per_section=self.bars.value(),
            temperature=self.wildness.value(),
            seed=self.seed.value() or None,
            harmonic_rhythm=self.harmony.currentData(),
            repetition=self.repetition.currentData(),
            style=self.style.currentData(),
        )

    def guard_setting(self) -> Guard | None:
        """The originality guard the chosen strictness means (None: off)."""
        return self.originality.currentData()

    def request(self) -> GenerationRequest | None:
        """A request for new ideas with these settings and this guard: melodies over the typed
        chords when there are some. None (and the error shown under the field, the bad
        symbol selected) when the chords cannot be read."""
        settings = self.settings()
        text = self.progression.text().strip()
        if not text:
            return GenerateRequest(settings, self.guard_setting())
        try:
            typed = typed_progression(
                text, settings.meter or (4, 4), settings.bars_per_section, settings.tempo or 100, settings.key
            )
        except ProgressionError as exc:
            self.progression_error.setText(str(exc))
            self.progression_error.show()
            start = len(self.progression.text()) - len(self.progression.text().lstrip()) + exc.column
            end = self.progression.text().find(" ", start)
            self.progression.setSelection(
                start, (end if end > start else len(self.progression.text())) - start
            )
            self.progression.setFocus()
            return None
        # the note under the field says which key the melodies are in; the Key box keeps the
        # songwriter's choice (it is remembered, and would otherwise move later ideas without
        # typed chords into the chords' key)
        self._show_chords_key(settings)
        return RegenerateRequest(
            typed.idea, "chords", settings, self.guard_setting(), tempo_from_model=settings.tempo is None
        )

    def set_state(self, model_ready: bool, generating: bool) -> None:
        self.generate_button.setEnabled(model_ready and not generating)
        self.stop_button.setEnabled(generating)

    # -- models ---------------------------------------------------------------
    def refresh_models(self, select: str | None = None) -> None:
        """List the default model and the user's; keep (or make) ``select`` the choice."""
        current = select or (self.model.currentData() if self.model.count() else None)
        self.model.blockSignals(True)
        self.model.clear()
        self.model.addItem("Default", str(self.default_model))
        for name, folder in list_models(self.models_dir):
            self.model.addItem(name, str(folder))
        index = self.model.findData(current) if current else 0
        self.model.setCurrentIndex(max(0, index))
        self.model.blockSignals(False)

    def choose_model(self, folder: str) -> None:
        """Select a model folder without announcing it (restoring a saved choice)."""
        index = self.model.findData(folder)
        if index >= 0:
            self.model.blockSignals(True)
            self.model.setCurrentIndex(index)
            self.model.blockSignals(False)

    def show_model_loading(self) -> None:
        self.model_status.setText(f"Loading model “{self.model.currentText()}”…")

    def show_model_ready(self, card: ModelCard) -> None:
        styles = card.styles
        self.style.setEnabled(len(styles) > 1)  # a model that learnt one style writes that one
        items = self.style.model()
        for row in range(self.style.count()):  # styles the model never learnt cannot be chosen
            items.item(row).setEnabled(self.style.itemData(row) in styles)
        style = self.wanted_style if self.wanted_style in styles else styles[0]
        self.style.setCurrentIndex(max(0, self.style.findData(style)))
        names = {"pop": "pop", "song": "lead-sheet songs", "chorale": "chorales"}
        learnt = ", ".join(names.get(x, x) for x in styles)
        self.model_status.setText(f"Model “{self.model.currentText()}” ready · learnt {learnt}")

    def show_model_failed(self, message: str) -> None:
        self.model_status.setText(f"<span style='color:#b00'>Model not loaded: {message}</span>")
