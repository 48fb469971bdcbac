"""The main window: the Generate panel, the idea library list, the piano roll with its
transport, menus, and the engine's worker thread.

The engine runs on a worker thread (``EngineWorker``); ideas stream in through signals. The
window only wires the parts together: ``GeneratePanel`` (controls to a request),
``IdeasList`` (the library and its edits), ``PlaybackController`` (transport and outputs),
the roll, ``Exports`` (saving ideas out) and ``FileDialogs``.

Signals of MainWindow: requestLoad(str folder), requestGenerate(object request), requestOpen(list paths),
requestRecording(object events), requestSinging(object samples, int rate), all delivered to the
worker's thread.
"""

from __future__ import annotations

import time
from dataclasses import replace
from html import escape
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDrag, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QSplitter, QVBoxLayout, QWidget

from songsketch.engine.api import (
    AUDIO_SUFFIXES,
    MUSIC_SUFFIXES,
    GenerateRequest,
    GenerationRequest,
    InfillRequest,
    Library,
    ModelCard,
    RegenerateRequest,
    check_parts,
)
from songsketch.gui import persist
from songsketch.gui.exports import Exports
from songsketch.gui.file_dialogs import FileDialogs
from songsketch.gui.generate_panel import GeneratePanel
from songsketch.gui.ideas_list import IdeasList
from songsketch.gui.piano_roll import PianoRoll
from songsketch.gui.playback_controller import PlaybackController
from songsketch.gui.voice_input import unheard_box
from songsketch.gui.window_size import DEFAULT_SIZE, fitted_window_size, scrolled
from songsketch.gui.workers import EngineWorker, start_thread, stop_thread


class MainWindow(QMainWindow):
    """The app's window (see the module docstring for its signals)."""

    requestLoad = Signal(str)
    requestGenerate = Signal(object)
    requestOpen = Signal(object)
    requestRecording = Signal(object)
    requestSinging = Signal(object, int)

    def __init__(
        self,
        library: Library,
        default_model: Path,
        models_dir: Path,
        cache_dir: Path,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Songsketch")
        self.library = library
        self.default_model, self.models_dir, self.cache_dir = default_model, models_dir, cache_dir
        self.settings = settings or QSettings()
        self.model_ready = False
        self.generating = False
        self.streamed = 0
        self.generation_started = 0.0

        # engine thread
        self.worker = EngineWorker(library)
        self.engine_thread = start_thread(self.worker, "songsketch-engine")
        self.requestLoad.connect(self.worker.load)
        self.requestGenerate.connect(self.worker.generate)
        self.requestOpen.connect(self.worker.open_files)
        self.requestRecording.connect(self.worker.add_recording)
        self.requestSinging.connect(self.worker.add_singing)
        # bound methods, not lambdas: Qt then runs them on this (the GUI) thread
        self.worker.modelLoaded.connect(self._model_loaded)
        self.worker.modelFailed.connect(self._model_failed)
        self.worker.ideaReady.connect(self._idea_ready)
        self.worker.storeFailed.connect(self._store_failed)
        self.worker.generationFinished.connect(self._generation_finished)
        self.worker.generationFailed.connect(self._generation_failed)
        self.worker.opened.connect(self._opened)
        self.worker.openRefused.connect(self._open_refused)
        self.worker.singingRefused.connect(self._singing_refused)
        self.setAcceptDrops(True)  # the user's own files, dropped from a file manager or a DAW

        self._build_ui()
        self._connect_exports()
        self._build_menus()
        self._restore_settings()
        self._save_as_changed()
        if self.table.model().rowCount():  # the roll shows the newest idea from the start
            self.table.selectRow(0)
        if library.recovered:
            QTimer.singleShot(0, lambda: self.statusBar().showMessage(library.recovered, 15000))
        self.load_selected_model()

    # ------------------------------------------------------------------ UI
    def _build_ui(self) -> None:
        self.panel = GeneratePanel(self.default_model, self.models_dir)
        self.panel.generateClicked.connect(self.generate)
        self.panel.stopClicked.connect(self.stop_generation)
        self.panel.modelChosen.connect(lambda _folder: self.load_selected_model())
        self.panel.retrainClicked.connect(self.open_retrain)

        self.ideas_list = IdeasList(self.library)
        self.ideas_list.currentChanged.connect(self._current_changed)
        self.ideas, self.table = self.ideas_list.ideas, self.ideas_list.table  # read by most flows

        # roll + transport
        self.roll = PianoRoll()
        self.playback = PlaybackController(self.roll)
        self.playback.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.playback.play_button.clicked.connect(self.toggle_play)
        self.playback.recorded.connect(self._recorded)
        self.playback.sung.connect(self._sung)
        self.roll.notePressed.connect(self.playback.audition_note)
        self.roll.dragStarted.connect(self.drag_current)
        roll_box = QWidget()
        roll_layout = QVBoxLayout(roll_box)
        roll_layout.setContentsMargins(0, 0, 0, 0)
        roll_layout.addWidget(self.playback)
        roll_layout.addWidget(self.roll, 1)

        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(self.ideas_list)
        self.right.addWidget(roll_box)
        self.right.setSizes([260, 360])
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.panel_scroll = scrolled(self.panel)  # a short window scrolls the panel, cuts nothing off
        self.split.addWidget(self.panel_scroll)
        self.split.addWidget(self.right)
        self.split.setStretchFactor(1, 1)
        self.setCentralWidget(self.split)
        screen = self.screen().availableGeometry().size() if self.screen() else DEFAULT_SIZE
        self.resize(fitted_window_size(DEFAULT_SIZE, self.minimumSizeHint(), screen))

    def _connect_exports(self) -> None:
        self.dialogs = FileDialogs(self, self.settings)
        self.exports = Exports(self, self.ideas_list, self.library, self.playback.sound, self.dialogs)
        self.exports.message.connect(self.statusBar().showMessage)
        self.exports.requestMusicXml.connect(self.worker.export_musicxml)
        self.exports.requestAudio.connect(self.worker.export_audio)
        self.worker.exported.connect(self.exports.saved)  # (queued to the GUI thread)
        self.worker.exportFailed.connect(self.exports.failed)

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
        action(file_menu, "Open your idea (MIDI, MusicXML, sung WAV)…", self.open_dialog, "Ctrl+O")
        action(file_menu, "Save idea as MIDI…", self.exports.save_midi, "Ctrl+S")
        action(file_menu, "Save idea as MusicXML lead sheet…", self.exports.save_musicxml, "Ctrl+Shift+S")
        action(file_menu, "Export idea as audio (WAV)…", self.exports.save_audio, "Ctrl+Shift+E")
        action(file_menu, "Export favourites to folder…", self.exports.export_favourites, "Ctrl+E")
        action(file_menu, "Retrain on a folder…", self.open_retrain, "Ctrl+T")
        file_menu.addSeparator()
        action(file_menu, "Quit", self.close, "Ctrl+Q")
        idea_menu = self.menuBar().addMenu("&Idea")
        self.generate_action = action(idea_menu, "Generate", self.generate, "Ctrl+Return")
        action(idea_menu, "Stop generating", self.stop_generation, "Esc")
        action(idea_menu, "Play / stop", self.toggle_play, "Space")
        action(idea_menu, "Favourite", self.ideas_list.toggle_favourite, "Ctrl+D")
        action(idea_menu, "Rename", self.ideas_list.rename_current, "F2")
        action(idea_menu, "Transpose up a semitone", lambda: self.transpose_current(1), "Alt+Up")
        action(idea_menu, "Transpose down a semitone", lambda: self.transpose_current(-1), "Alt+Down")
        action(idea_menu, "Delete", self.ideas_list.delete_selected, "Del")
        idea_menu.addSeparator()
        action(idea_menu, "Continue from its first bars", self.continue_current, "Ctrl+J")
        action(idea_menu, "New melody for these chords", lambda: self.regenerate("chords"), "Ctrl+M")
        action(idea_menu, "New chords for this melody", lambda: self.regenerate("melody"), "Ctrl+K")
        action(idea_menu, "Its melody alone", self.melody_alone, "Ctrl+Shift+K")
        idea_menu.addSeparator()
        action(idea_menu, "Rewrite the selected bars", lambda: self.rewrite_span("both"), "Ctrl+R")
        action(
            idea_menu,
            "Rewrite the selected bars' melody",
            lambda: self.rewrite_span("melody"),
            "Ctrl+Shift+R",
        )
        action(
            idea_menu, "Rewrite the selected bars' chords", lambda: self.rewrite_span("chords"), "Ctrl+Alt+R"
        )

    # ------------------------------------------------------------------ models
    def load_selected_model(self) -> None:
        folder = self.panel.model.currentData()
        if not folder:
            return
        self.model_ready = False
        self._update_buttons()
        self.panel.show_model_loading()
        self.requestLoad.emit(folder)

    def _model_loaded(self, _name: str, card: ModelCard) -> None:
        self.model_ready = True
        self.panel.show_model_ready(card)
        self._update_buttons()

    def _model_failed(self, message: str) -> None:
        self.panel.show_model_failed(message)
        self.model_ready = self.worker.engine.ready  # the model loaded before stays in use
        self._update_buttons()

    # ------------------------------------------------------------------ generation
    def current_settings(self):
        return self.panel.settings()

    def generate(self) -> None:
        if not self.model_ready or self.generating:
            return
        request = self.panel.request()
        if request is None:  # chords that cannot be read: the panel says which
            self.statusBar().showMessage("Those chords cannot be read: see under the chord field")
            return
        self._start_generation(request)

    def _start_generation(self, request: GenerationRequest) -> None:
        self.generating = True
        self.streamed = 0
        self.generation_started = time.perf_counter()
        self._update_buttons()
        self.statusBar().showMessage("Generating…")
        source = self.current_entry() if request.source else None
        self.worker.source_id = source.id if source and source.idea.name == request.source else None
        self.requestGenerate.emit(request)

    def regenerate(self, keep: str) -> None:
        entry = self.current_entry()
        if entry is None or not self.model_ready or self.generating or not self._has_parts(entry, keep):
            return
        settings = replace(self.panel.settings(), count=min(4, self.panel.count.value()))
        self._start_generation(RegenerateRequest(entry.idea, keep, settings, self.panel.guard_setting()))

    def _has_parts(self, entry, keep: str) -> bool:
        """Whether the idea has what a request keeps or works from; if not, the status bar
        says why and nothing starts."""
        try:
            check_parts(entry.idea, keep)
        except ValueError as exc:
            hint = " (New chords for this melody: Ctrl+K)" if not entry.idea.chords else ""
            self.statusBar().showMessage(f"{entry.name}: {exc}{hint}", 10000)
            return False
        return True

    def melody_alone(self) -> None:
        """A copy of the selected idea's melody without its chords, under it: a tune to try
        new chords under (Ctrl+K) or to drag out alone."""
        entry = self.current_entry()
        if entry is None or not self._has_parts(entry, "melody"):
            return
        if not entry.idea.chords:
            self.statusBar().showMessage(f"{entry.name} is a melody alone already", 8000)
            return
        idea = replace(entry.idea, chords=()).with_name(f"{entry.name} melody")
        report = dict(entry.report or {}, source=entry.idea.name, source_id=entry.id)
        try:
            alone = self.library.add(idea, report, entry.model)
        except Exception as exc:  # sqlite3.Error, OSError: disk full, read-only folder
            self._store_failed(f"could not store {idea.name}: {exc}")
            return
        self.ideas_list.add(alone)
        self.ideas_list.select(alone)

    def rewrite_span(self, part: str) -> None:
        """Versions of the selected idea with the bars selected on the piano roll rewritten
        (their melody, chords or both), every other bar kept; they stream in marked as coming
        from it."""
        entry = self.current_entry()
        if entry is None or not self.model_ready or self.generating or not self._has_parts(entry, "chords"):
            return
        span = self.roll.span
        if span is None:
            self.statusBar().showMessage(
                "Drag across the bar numbers on the piano roll to choose the bars to rewrite"
            )
            return
        first, bars = span
        if bars >= entry.idea.bars:
            self.statusBar().showMessage("Those are all the idea's bars: Generate makes new ideas")
            return
        settings = replace(self.panel.settings(), count=min(4, self.panel.count.value()))
        self._start_generation(
            InfillRequest(entry.idea, first, bars, settings, part, self.panel.guard_setting())
        )

    def continue_current(self) -> None:
        """Ideas that keep the selected idea's first bars (half its first section) and go on,
        in its key, tempo and meter; they stream in marked as coming from it."""
        entry = self.current_entry()
        if entry is None or not self.model_ready or self.generating or not self._has_parts(entry, "chords"):
            return
        keep = max(1, entry.idea.sections[0].bars // 2)
        settings = replace(self.panel.settings(), count=min(4, self.panel.count.value()), primer_bars=keep)
        self._start_generation(GenerateRequest(settings, self.panel.guard_setting(), entry.idea))

    def stop_generation(self) -> None:
        if self.generating:
            self.worker.cancel_event.set()

    def _idea_ready(self, entry) -> None:
        self.ideas_list.add(entry)
        self.streamed += 1
        if self.generating:  # (an opened file or a recording is announced when it is all in)
            plural = "s" if self.streamed != 1 else ""
            self.statusBar().showMessage(f"Generating… {self.streamed} idea{plural}")
        if self.streamed == 1 and not self.ideas_list.select(entry):
            self.table.selectRow(0)

    # ------------------------------------------------------------------ the user's files
    def open_dialog(self) -> None:
        paths = self.dialogs.open_music()
        if paths:
            self.open_files(paths)

    def open_files(self, paths) -> None:
        """Bring files in as the user's own ideas, on the engine's thread (music21 is slow to
        load); each arrives in the list like a generated idea."""
        if not self.generating:  # (a run's own count goes on)
            self.streamed = 0
        self.statusBar().showMessage(f"Opening {len(paths)} file{'s' if len(paths) != 1 else ''}…")
        self.requestOpen.emit([str(p) for p in paths])

    def _recorded(self, events) -> None:
        if not self.generating:
            self.streamed = 0
        self.statusBar().showMessage("Hearing the recording…")
        self.requestRecording.emit(events)

    def _sung(self, samples, rate: int) -> None:
        if not self.generating:
            self.streamed = 0
        self.statusBar().showMessage("Hearing the melody you sang…")
        self.requestSinging.emit(samples, rate)

    def _singing_refused(self, reason: str) -> None:
        """No melody in what the microphone heard: said in a dialog (kept as ``open_problem``)."""
        self.statusBar().showMessage(f"No melody heard: {reason}", 20000)
        self.open_problem = unheard_box(self, reason)

    def _opened(self, message: str) -> None:
        self.statusBar().showMessage(message, 20000)

    def _open_refused(self, refusals: list[tuple[str, str]]) -> None:
        """Say in a dialog which files could not be opened and why: a line in the status bar
        goes by unseen. Window-modal and not blocking (``open``); kept as ``open_problem``."""
        first = refusals[0][0]
        title = f"Could not open “{first}”" if len(refusals) == 1 else f"Could not open {len(refusals)} files"
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Could not open", title, QMessageBox.StandardButton.Ok, self
        )
        box.setInformativeText(
            "<br>".join(f"<b>{escape(name)}</b>: {escape(reason)}" for name, reason in refusals)
            + "<br><br>Songsketch opens MIDI, MusicXML, ABC and Humdrum (kern) files of songs,"
            " and WAV, FLAC or OGG recordings of a sung melody."
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.open_problem = box

    @staticmethod
    def _music_files(event) -> list[str]:
        """Local music files a drag from another program carries (none from our own list)."""
        if event.source() is not None or not event.mimeData().hasUrls():
            return []
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        return [p for p in paths if Path(p).suffix.lower() in MUSIC_SUFFIXES | set(AUDIO_SUFFIXES)]

    def dragEnterEvent(self, event) -> None:
        if self._music_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        paths = self._music_files(event)
        if paths:
            event.acceptProposedAction()
            self.open_files(paths)
        else:
            event.ignore()

    def _generation_finished(self, summary: str) -> None:
        self.generating = False
        seconds = time.perf_counter() - self.generation_started
        self.statusBar().showMessage(f"Done in {seconds:.1f} s: {summary}", 10000)
        self._update_buttons()

    def _generation_failed(self, message: str) -> None:
        self.generating = False
        self.statusBar().showMessage(f"Generation failed: {message}")
        self._update_buttons()

    def _store_failed(self, message: str) -> None:
        self.statusBar().showMessage(message)

    def _update_buttons(self) -> None:
        self.panel.set_state(self.model_ready, self.generating)

    # ------------------------------------------------------------------ list
    def current_entry(self):
        return self.ideas_list.current_entry()

    def _current_changed(self, entry) -> None:
        self.playback.stop()
        self.roll.show_idea(entry.idea if entry else None)

    def transpose_current(self, semitones: int) -> None:
        if self.current_entry() is None:
            return
        self.playback.stop()
        try:
            entry = self.ideas_list.transpose_current(semitones)
        except ValueError as exc:
            self.statusBar().showMessage(f"Not transposed: {exc}", 8000)
            return
        self.roll.show_idea(entry.idea)
        self.statusBar().showMessage(f"{entry.name} is now in {entry.idea.key.long_name}", 8000)

    def drag_current(self) -> None:
        entry = self.current_entry()
        if entry is None:
            return
        drag = QDrag(self.roll)
        drag.setMimeData(self.ideas.mime_for([entry]))
        drag.exec(Qt.CopyAction)

    # ------------------------------------------------------------------ playback
    def toggle_play(self) -> None:
        if self.playback.playing:
            self.playback.stop()
        else:
            self.play_current()

    def play_current(self) -> bool:
        entry = self.current_entry()
        return entry is not None and self.playback.play(entry.idea)

    # ------------------------------------------------------------------ retrain
    def open_retrain(self) -> None:
        from songsketch.gui.retrain_dialog import RetrainDialog

        dialog = RetrainDialog(self.models_dir, self.default_model, self.cache_dir, self)
        dialog.modelTrained.connect(self._model_trained)
        dialog.modelKept.connect(lambda _folder: self.panel.refresh_models())  # listed, not chosen
        dialog.show()
        self.retrain_dialog = dialog

    def _model_trained(self, folder: str) -> None:
        self.panel.refresh_models(select=folder)
        self.load_selected_model()

    # ------------------------------------------------------------------ settings
    def persisted(self) -> list[tuple[str, object]]:
        """Everything the window remembers across restarts, as (setting, widget)."""
        return [
            ("geometry", self),
            ("split", self.split),
            ("right", self.right),
            *self.panel.persisted(),
            *self.playback.persisted(),
        ]

    def _restore_settings(self) -> None:
        persist.restore(self.settings, self.persisted())
        self.playback.sound.restore_sound(self.settings)
        self.panel.wanted_style = self.panel.style.currentData()
        model = self.settings.value("model")
        if model:
            self.panel.choose_model(str(model))

    def save_settings(self) -> None:
        persist.save(self.settings, self.persisted())
        self.playback.sound.save_sound(self.settings)
        self.settings.setValue("model", self.panel.model.currentData())
        self.settings.sync()

    def _save_as_changed(self) -> None:
        """Save the settings a moment after any of them changes (once for a burst of changes),
        not only at exit: a crash or a killed process keeps the model and sound chosen."""
        self.save_timer = QTimer(self, singleShot=True, interval=300)
        self.save_timer.timeout.connect(self.save_settings)
        persist.watch(self.persisted(), self.save_timer.start)
        sound = self.playback.sound
        for changed in (
            self.panel.modelChosen,
            sound.chord_instrument.currentIndexChanged,
            sound.melody_instrument.currentIndexChanged,
            sound.volume.valueChanged,
            sound.room.currentIndexChanged,
            sound.fontChanged,
        ):
            changed.connect(lambda *_args: self.save_timer.start())

    def closeEvent(self, event) -> None:
        self.save_settings()
        self.worker.cancel_event.set()
        self.playback.close_output()
        dialog = getattr(self, "retrain_dialog", None)
        if dialog is not None:
            dialog.shutdown()
        stop_thread(self.engine_thread)
        super().closeEvent(event)
