"""The main window: generate panel, idea library list, piano roll, transport, retrain.

The engine runs on worker threads (``EngineWorker``); ideas stream in through signals.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDrag, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox,
    QHBoxLayout, QHeaderView, QLabel, QMainWindow, QMessageBox, QPushButton, QSlider, QSpinBox,
    QSplitter, QTableView, QVBoxLayout, QWidget)

from songsketch.engine.api import playback
from songsketch.engine.api import GenerationSettings
from songsketch.engine.api import Library
from songsketch.engine.api import list_models
from songsketch.engine.api import ALL_KEYS, METERS, TEMPO_RANGE
from songsketch.gui.audio import SynthOutput
from songsketch.gui.ideas_model import NAME, STAR, FavouritesFilter, IdeaTableModel, export_midi
from songsketch.gui.piano_roll import PianoRoll
from songsketch.gui.workers import EngineWorker, start_thread, stop_thread

SYNTH = "Built-in synth"


class MainWindow(QMainWindow):
    """Signals: requestLoad(str folder), requestGenerate(object settings), positionChanged(float)."""
    requestLoad = Signal(str)
    requestGenerate = Signal(object)
    requestExport = Signal(object, str)
    positionChanged = Signal(float)
    playbackFinished = Signal()

    def __init__(self, library: Library, default_model: Path, models_dir: Path, cache_dir: Path,
                 settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Songsketch")
        self.library = library
        self.default_model, self.models_dir, self.cache_dir = default_model, models_dir, cache_dir
        self.settings = settings or QSettings()
        self.model_ready = False
        self.generating = False
        self.loaded_model_name = ""
        self.streamed = 0
        self.player: playback.Player | None = None
        self.port_output = None
        self.playing_idea = None
        self.play_started = 0.0
        self.synth = SynthOutput(self)
        self.synth.finished.connect(self._playback_done)
        self.play_timer = QTimer(self)
        self.play_timer.setInterval(30)
        self.play_timer.timeout.connect(self._synth_tick)

        # engine thread
        self.worker = EngineWorker(library)
        self.engine_thread = start_thread(self.worker, "songsketch-engine")
        self.requestLoad.connect(self.worker.load)
        self.requestGenerate.connect(self.worker.generate)
        self.requestExport.connect(self.worker.export_musicxml)
        # bound methods, not lambdas: Qt then runs them on this (the GUI) thread
        self.worker.exported.connect(self._exported)
        self.worker.exportFailed.connect(self._export_failed)
        self.worker.modelLoaded.connect(self._model_loaded)
        self.worker.modelFailed.connect(self._model_failed)
        self.worker.ideaReady.connect(self._idea_ready)
        self.worker.storeFailed.connect(self._store_failed)
        self.worker.generationFinished.connect(self._generation_finished)
        self.worker.generationFailed.connect(self._generation_failed)
        self.positionChanged.connect(self._position)
        self.playbackFinished.connect(self._playback_done)

        self._build_ui()
        self._build_menus()
        self._restore_settings()
        if library.recovered:
            QTimer.singleShot(0, lambda: self.statusBar().showMessage(library.recovered, 15000))
        self.load_selected_model()

    # ------------------------------------------------------------------ UI
    def _build_ui(self) -> None:
        controls = QGroupBox("Generate")
        form = QFormLayout(controls)
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
        self.harmony = QComboBox()
        for label, rhythm in (("As the model likes", None), ("Every beat", "beat"),
                              ("Every half bar", "half"), ("Every bar", "bar")):
            self.harmony.addItem(label, rhythm)
        self.harmony.setToolTip("How often the chords may change (the built-in model, trained on "
                                "hymns, likes a new chord on almost every beat)")
        self.wildness = QDoubleSpinBox(minimum=0.3, maximum=1.8, singleStep=0.05, value=1.0)
        self.wildness.setToolTip("Temperature: low = safe and plain, high = wild")
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1, value=0)
        self.seed.setSpecialValueText("Random")
        self.guard = QSpinBox(minimum=0, maximum=64, value=8)
        self.guard.setSpecialValueText("Off")
        self.guard.setSuffix(" notes")
        self.guard.setToolTip("Redraw ideas that copy more than this many melody notes (or more than "
                              "4 bars of chords) from a training song")
        self.model = QComboBox()
        self.refresh_models()
        self.model.currentIndexChanged.connect(lambda _i: self.load_selected_model())
        form.addRow("Ideas", self.count)
        form.addRow("Key", self.key)
        form.addRow("Tempo", self.tempo)
        form.addRow("Meter", self.meter)
        form.addRow("Bars per section", self.bars)
        form.addRow("Chord changes", self.harmony)
        form.addRow("Wildness", self.wildness)
        form.addRow("Seed", self.seed)
        form.addRow("Reject copies over", self.guard)
        form.addRow("Model", self.model)
        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(True)
        self.generate_button.setEnabled(False)
        self.generate_button.setToolTip("Generate ideas (Ctrl+Return)")
        self.generate_button.clicked.connect(self.generate)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_generation)
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
        retrain.clicked.connect(self.open_retrain)
        form.addRow(retrain)

        # idea list
        self.ideas = IdeaTableModel(self.library)
        self.filter = FavouritesFilter()
        self.filter.setSourceModel(self.ideas)
        self.table = QTableView()
        self.table.setModel(self.filter)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragOnly)
        self.table.setEditTriggers(QAbstractItemView.EditKeyPressed | QAbstractItemView.SelectedClicked)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)   # no per-row measuring of a long list
        header.setStretchLastSection(True)
        for column, width in enumerate((28, 150, 52, 52, 260)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.clicked.connect(self._clicked)
        self.favourites_only = QCheckBox("Favourites only")
        self.favourites_only.toggled.connect(self.filter.set_only_favourites)
        self.list_status = QLabel()
        list_box = QWidget()
        list_layout = QVBoxLayout(list_box)
        list_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Ideas</b>"))
        top.addStretch(1)
        top.addWidget(self.favourites_only)
        list_layout.addLayout(top)
        list_layout.addWidget(self.table, 1)
        list_layout.addWidget(self.list_status)

        # roll + transport
        self.roll = PianoRoll()
        self.roll.notePressed.connect(self.audition_note)
        self.roll.dragStarted.connect(self.drag_current)
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play / stop (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.loop = QCheckBox("Loop")
        self.output = QComboBox()
        self.refresh_outputs()
        self.output.currentIndexChanged.connect(lambda _i: self._output_changed())
        self.zoom = QSlider(Qt.Horizontal, minimum=5, maximum=80, value=20)
        self.zoom.setMaximumWidth(140)
        self.zoom.valueChanged.connect(lambda v: self.roll.set_zoom(v / 10))
        self.output_status = QLabel()
        transport = QHBoxLayout()
        transport.addWidget(self.play_button)
        transport.addWidget(self.loop)
        transport.addWidget(QLabel("Output"))
        transport.addWidget(self.output, 1)
        transport.addWidget(QLabel("Zoom"))
        transport.addWidget(self.zoom)
        roll_box = QWidget()
        roll_layout = QVBoxLayout(roll_box)
        roll_layout.setContentsMargins(0, 0, 0, 0)
        roll_layout.addLayout(transport)
        roll_layout.addWidget(self.output_status)
        roll_layout.addWidget(self.roll, 1)

        self.right = QSplitter(Qt.Vertical)
        self.right.addWidget(list_box)
        self.right.addWidget(roll_box)
        self.right.setSizes([260, 360])
        self.split = QSplitter(Qt.Horizontal)
        self.split.addWidget(controls)
        self.split.addWidget(self.right)
        self.split.setStretchFactor(1, 1)
        self.setCentralWidget(self.split)
        self.resize(1180, 760)
        self._update_list_status()
        self._output_changed()

    def _build_menus(self) -> None:
        def action(menu, text, slot, shortcut=None) -> QAction:
            act = QAction(text, self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(slot)
            menu.addAction(act)
            self.addAction(act)
            return act

        file_menu = self.menuBar().addMenu("&File")
        action(file_menu, "Save idea as MIDI…", self.save_current, "Ctrl+S")
        action(file_menu, "Save idea as MusicXML lead sheet…", self.save_current_musicxml, "Ctrl+Shift+S")
        action(file_menu, "Export favourites to folder…", self.export_favourites, "Ctrl+E")
        action(file_menu, "Retrain on a folder…", self.open_retrain, "Ctrl+T")
        file_menu.addSeparator()
        action(file_menu, "Quit", self.close, "Ctrl+Q")
        idea_menu = self.menuBar().addMenu("&Idea")
        self.generate_action = action(idea_menu, "Generate", self.generate, "Ctrl+Return")
        action(idea_menu, "Stop generating", self.stop_generation, "Esc")
        action(idea_menu, "Play / stop", self.toggle_play, "Space")
        action(idea_menu, "Favourite", self.toggle_favourite, "Ctrl+D")
        action(idea_menu, "Rename", self.rename_current, "F2")
        action(idea_menu, "Transpose up a semitone", lambda: self.transpose_current(1), "Alt+Up")
        action(idea_menu, "Transpose down a semitone", lambda: self.transpose_current(-1), "Alt+Down")
        action(idea_menu, "Delete", self.delete_selected, "Del")
        idea_menu.addSeparator()
        action(idea_menu, "New melody for these chords", lambda: self.regenerate("chords"), "Ctrl+M")
        action(idea_menu, "New chords for this melody", lambda: self.regenerate("melody"), "Ctrl+K")

    # ------------------------------------------------------------------ models
    def refresh_models(self, select: str | None = None) -> None:
        current = select or (self.model.currentData() if self.model.count() else None)
        self.model.blockSignals(True)
        self.model.clear()
        self.model.addItem("Default", str(self.default_model))
        for name, folder in list_models(self.models_dir):
            self.model.addItem(name, str(folder))
        index = self.model.findData(current) if current else 0
        self.model.setCurrentIndex(max(0, index))
        self.model.blockSignals(False)

    def load_selected_model(self) -> None:
        folder = self.model.currentData()
        if not folder:
            return
        self.model_ready = False
        self._update_buttons()
        self.model_status.setText(f"Loading model “{self.model.currentText()}”…")
        self.requestLoad.emit(folder)

    def _model_loaded(self, name: str, card: dict) -> None:
        self.model_ready = True
        self.loaded_model_name = self.model.currentText()
        loss = card.get("validation_loss")
        extra = f" · validation loss {loss:.2f}" if isinstance(loss, (int, float)) else ""
        self.model_status.setText(f"Model “{self.loaded_model_name}” ready{extra}")
        self._update_buttons()

    def _model_failed(self, message: str) -> None:
        self.model_status.setText(f"<span style='color:#b00'>Model not loaded: {message}</span>")
        self.model_ready = self.worker.engine.ready
        self._update_buttons()

    # ------------------------------------------------------------------ generation
    def current_settings(self) -> GenerationSettings:
        tempo = self.tempo.value()
        return GenerationSettings(
            count=self.count.value(), key=self.key.currentData(),
            tempo=None if tempo < TEMPO_RANGE[0] else tempo, meter=self.meter.currentData(),
            bars_per_section=self.bars.value(), temperature=self.wildness.value(),
            seed=self.seed.value() or None, harmonic_rhythm=self.harmony.currentData())

    def generate(self) -> None:
        if not self.model_ready or self.generating:
            return
        self._start_generation(self.current_settings())

    def _start_generation(self, request) -> None:
        self.worker.engine.set_guard(self.guard.value() or None)
        self.generating = True
        self.streamed = 0
        self.generation_started = time.perf_counter()
        self._update_buttons()
        self.statusBar().showMessage("Generating…")
        self.requestGenerate.emit(request)

    def regenerate(self, keep: str) -> None:
        entry = self.current_entry()
        if entry is None or not self.model_ready or self.generating:
            return
        from dataclasses import replace
        settings = replace(self.current_settings(), count=min(4, self.count.value()))
        self._start_generation(("regenerate", entry.idea, keep, settings))

    def stop_generation(self) -> None:
        if self.generating:
            self.worker.cancel_event.set()

    def _idea_ready(self, entry) -> None:
        self.ideas.add(entry)
        self.streamed += 1
        self.statusBar().showMessage(f"Generating… {self.streamed} ideas")
        if self.streamed == 1:
            self.table.selectRow(0)
        self._update_list_status()

    def _generation_finished(self, summary: str) -> None:
        self.generating = False
        seconds = time.perf_counter() - self.generation_started
        self.statusBar().showMessage(f"Done: {summary} in {seconds:.1f} s", 10000)
        self._update_buttons()

    def _generation_failed(self, message: str) -> None:
        self.generating = False
        self.statusBar().showMessage(f"Generation failed: {message}")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.generate_button.setEnabled(self.model_ready and not self.generating)
        self.stop_button.setEnabled(self.generating)

    def _update_list_status(self) -> None:
        favourites = sum(e.favourite for e in self.ideas.entries)
        self.list_status.setText(f"{len(self.ideas.entries)} ideas · {favourites} favourites · "
                                 "drag an idea into your DAW or a folder to drop a .mid")

    # ------------------------------------------------------------------ list
    def current_entry(self):
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.filter.mapToSource(index).data(Qt.UserRole)

    def _exported(self, path: str) -> None:
        self.statusBar().showMessage(f"Saved {path}", 8000)

    def _export_failed(self, message: str) -> None:
        self.statusBar().showMessage(message, 15000)
        QMessageBox.warning(self, "Save failed", message)

    def _store_failed(self, message: str) -> None:
        self.statusBar().showMessage(message)

    def save_current_musicxml(self, path: str | None = None) -> None:
        """Save the current idea as a MusicXML lead sheet (written on the engine's thread)."""
        entry = self.current_entry()
        if entry is None:
            return
        if not path:
            start = str(Path(self.settings.value("last_save_dir", str(Path.home()))) / f"{entry.name}.musicxml")
            path, _ = QFileDialog.getSaveFileName(self, "Save idea as MusicXML", start,
                                                  "MusicXML files (*.musicxml *.xml)")
            if not path:
                return
        self.settings.setValue("last_save_dir", str(Path(path).parent))
        self.statusBar().showMessage(f"Writing {path}…")
        self.requestExport.emit(entry.idea, str(path))

    def _current_changed(self, current: QModelIndex, _previous) -> None:
        self.stop_playback()
        entry = self.filter.mapToSource(current).data(Qt.UserRole) if current.isValid() else None
        self.roll.show_idea(entry.idea if entry else None)

    def _clicked(self, index: QModelIndex) -> None:
        if index.column() == STAR:
            self.ideas.toggle_favourite(self.filter.mapToSource(index).row())
            self._update_list_status()

    def toggle_favourite(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.ideas.toggle_favourite(self.filter.mapToSource(index).row())
            self._update_list_status()

    def transpose_current(self, semitones: int) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        self.stop_playback()
        try:
            entry = self.ideas.transpose(self.filter.mapToSource(index).row(), semitones)
        except ValueError as exc:
            self.statusBar().showMessage(f"Not transposed: {exc}", 8000)
            return
        self.roll.show_idea(entry.idea)
        self.statusBar().showMessage(f"{entry.name} is now in {entry.idea.key.long_name}", 8000)

    def rename_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.table.edit(index.siblingAtColumn(NAME))

    def delete_selected(self) -> None:
        chosen = self.table.selectionModel().selectedRows() or (
            [self.table.currentIndex()] if self.table.currentIndex().isValid() else [])
        rows = sorted({self.filter.mapToSource(i).row() for i in chosen}, reverse=True)
        for row in rows:
            self.ideas.remove(row)
        self._update_list_status()

    def drag_current(self) -> None:
        entry = self.current_entry()
        if entry is None:
            return
        drag = QDrag(self.roll)
        drag.setMimeData(self.ideas.mime_for([entry]))
        drag.exec(Qt.CopyAction)

    def save_current(self) -> None:
        entry = self.current_entry()
        if entry is None:
            return
        start = str(Path(self.settings.value("last_save_dir", str(Path.home()))) / f"{entry.name}.mid")
        path, _ = QFileDialog.getSaveFileName(self, "Save idea as MIDI", start, "MIDI files (*.mid)")
        if not path:
            return
        try:
            from songsketch.engine.api import atomic_write
            data = self.library.midi(entry.id)
            if not data:
                raise OSError(f"{entry.name} cannot be written as MIDI")
            atomic_write(path, data)
        except OSError as exc:
            QMessageBox.warning(self, "Save failed", f"Could not save {path}: {exc.strerror or exc}")
            return
        self.settings.setValue("last_save_dir", str(Path(path).parent))
        self.statusBar().showMessage(f"Saved {path}", 8000)

    def export_favourites(self, folder: str | None = None) -> int:
        favourites = [e for e in self.ideas.entries if e.favourite]
        if not favourites:
            self.statusBar().showMessage("No favourites to export: star some ideas first", 8000)
            return 0
        if not folder:
            folder = QFileDialog.getExistingDirectory(self, "Export favourites to")
        if not folder:
            return 0
        try:
            for entry in favourites:
                export_midi(self.library, entry, Path(folder))
        except OSError as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write to {folder}: {exc.strerror or exc}")
            return 0
        self.statusBar().showMessage(f"Exported {len(favourites)} favourites to {folder}", 8000)
        return len(favourites)

    # ------------------------------------------------------------------ playback
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
        self.stop_playback()
        if self.port_output is not None:
            self.port_output.close()
            self.port_output = None
        name = self.output.currentText()
        if name == SYNTH:
            self.output_status.setText("" if self.synth.available else
                                       f"Built-in synth: {self.synth.reason}; choose a MIDI port to listen.")
            return
        try:
            self.port_output = playback.PortOutput(name)
            self.output_status.setText("")
        except OSError as exc:
            self.output_status.setText(str(exc))

    def toggle_play(self) -> None:
        if self.playing_idea is not None:
            self.stop_playback()
        else:
            self.play_current()

    def play_current(self) -> bool:
        entry = self.current_entry()
        if entry is None:
            return False
        idea = entry.idea
        self.stop_playback()
        if self.port_output is not None:
            self.player = playback.Player(self.port_output, on_position=self.positionChanged.emit,
                                          on_finished=self.playbackFinished.emit)
            self.player.play(playback.idea_events(idea), playback.duration_seconds(idea), self.loop.isChecked())
        else:
            if not self.synth.play(playback.render(idea)):
                self.statusBar().showMessage(f"Cannot play: {self.synth.reason}", 8000)
                return False
            self.play_timer.start()
        self.playing_idea = idea
        self.play_button.setText("Stop")
        return True

    def stop_playback(self) -> None:
        if self.player is not None:
            self.player.stop()
            self.player = None
        self.synth.stop()
        self.play_timer.stop()
        self.playing_idea = None
        self.play_button.setText("Play")
        self.roll.set_playhead(None)

    def _synth_tick(self) -> None:
        self._position(self.synth.elapsed())

    def _position(self, seconds: float) -> None:
        if self.playing_idea is None:
            return
        length = playback.duration_seconds(self.playing_idea)
        if self.loop.isChecked() and length > 0:
            seconds %= length
        self.roll.set_playhead(seconds / playback.seconds_per_tick(self.playing_idea))

    def _playback_done(self) -> None:
        if self.playing_idea is not None and self.loop.isChecked() and self.port_output is None:
            self.play_current()      # the synth loops by starting again
            return
        self.stop_playback()

    def audition_note(self, pitch: int) -> None:
        if self.port_output is not None:
            import mido
            self.port_output.send(mido.Message("note_on", note=pitch, velocity=90, channel=1))
            QTimer.singleShot(350, lambda: self.port_output and self.port_output.send(
                mido.Message("note_off", note=pitch, velocity=0, channel=1)))
        elif self.synth.available and self.playing_idea is None:
            self.synth.play(playback.render_note(pitch))

    # ------------------------------------------------------------------ retrain
    def open_retrain(self) -> None:
        from songsketch.gui.retrain_dialog import RetrainDialog
        dialog = RetrainDialog(self.models_dir, self.default_model, self.cache_dir, self)
        dialog.modelTrained.connect(self._model_trained)
        dialog.show()
        self.retrain_dialog = dialog

    def _model_trained(self, folder: str) -> None:
        self.refresh_models(select=folder)
        self.load_selected_model()

    # ------------------------------------------------------------------ settings
    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        split = s.value("split")
        if split is not None:
            self.split.restoreState(split)
        right = s.value("right")
        if right is not None:
            self.right.restoreState(right)
        self.count.setValue(int(s.value("count", self.count.value())))
        self.key.setCurrentIndex(max(0, self.key.findText(str(s.value("key", "Auto")))))
        self.tempo.setValue(int(s.value("tempo", self.tempo.value())))
        self.meter.setCurrentIndex(max(0, self.meter.findText(str(s.value("meter", "4/4")))))
        self.bars.setValue(int(s.value("bars", self.bars.value())))
        self.harmony.setCurrentIndex(max(0, self.harmony.findText(str(s.value("chord_changes", "")))))
        self.wildness.setValue(float(s.value("wildness", self.wildness.value())))
        self.guard.setValue(int(s.value("guard", self.guard.value())))
        port = s.value("output")
        if port and self.output.findText(str(port)) >= 0:
            self.output.setCurrentIndex(self.output.findText(str(port)))
        model = s.value("model")
        if model and self.model.findData(str(model)) >= 0:
            self.model.blockSignals(True)
            self.model.setCurrentIndex(self.model.findData(str(model)))
            self.model.blockSignals(False)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("geometry", self.saveGeometry())
        s.setValue("split", self.split.saveState())
        s.setValue("right", self.right.saveState())
        s.setValue("count", self.count.value())
        s.setValue("key", self.key.currentText())
        s.setValue("tempo", self.tempo.value())
        s.setValue("meter", self.meter.currentText())
        s.setValue("bars", self.bars.value())
        s.setValue("chord_changes", self.harmony.currentText())
        s.setValue("wildness", self.wildness.value())
        s.setValue("guard", self.guard.value())
        s.setValue("output", self.output.currentText())
        s.setValue("model", self.model.currentData())
        s.sync()

    def closeEvent(self, event) -> None:
        self.save_settings()
        self.worker.cancel_event.set()
        self.stop_playback()
        if self.port_output is not None:
            self.port_output.close()
            self.port_output = None
        dialog = getattr(self, "retrain_dialog", None)
        if dialog is not None:
            dialog.shutdown()
        stop_thread(self.engine_thread)
        super().closeEvent(event)
