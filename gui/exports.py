"""Saving ideas out of the app: the current idea as MIDI, as a MusicXML lead sheet or as WAV
audio, and the favourites into a folder as .mid files.

MIDI is written here at once (the library keeps each idea's bytes); MusicXML and audio are
made on the engine's thread (music21 and the synth are slow), asked for by a signal.

Signals of Exports: message(str text, int milliseconds) for the status bar (0: until the next),
requestMusicXml(object idea, str path), requestAudio(object idea, str path, object font,
object instruments).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from songsketch.engine.api import Library, atomic_write
from songsketch.gui.file_dialogs import FileDialogs
from songsketch.gui.ideas_list import IdeasList
from songsketch.gui.ideas_model import export_midi
from songsketch.gui.sound_row import SoundRow


class Exports(QObject):
    """The File menu's saves and exports of the list's current idea and its favourites; its
    messages box over ``window``, its parent (see ``FileDialogs`` on why it is not kept)."""

    message = Signal(str, int)
    requestMusicXml = Signal(object, str)
    requestAudio = Signal(object, str, object, object)

    def __init__(
        self, window: QWidget, ideas_list: IdeasList, library: Library, sound: SoundRow, dialogs: FileDialogs
    ) -> None:
        super().__init__(window)
        self.ideas_list, self.library = ideas_list, library
        self.sound, self.dialogs = sound, dialogs

    def save_midi(self) -> None:
        """Save the current idea as a .mid where the user chooses."""
        entry = self.ideas_list.current_entry()
        if entry is None:
            return
        path = self.dialogs.save_path("Save idea as MIDI", f"{entry.name}.mid", "MIDI files (*.mid)")
        if not path:
            return
        try:
            data = self.library.midi(entry.id)
            if not data:
                raise OSError(f"{entry.name} cannot be written as MIDI")
            atomic_write(path, data)
        except OSError as exc:
            QMessageBox.warning(self.parent(), "Save failed", f"Could not save {path}: {exc.strerror or exc}")
            return
        self.dialogs.remember(path)
        self.message.emit(f"Saved {path}", 8000)

    def save_musicxml(self, path: str | None = None) -> None:
        """Save the current idea as a MusicXML lead sheet (written on the engine's thread)."""
        entry = self.ideas_list.current_entry()
        if entry is None:
            return
        if not path:
            path = self.dialogs.save_path(
                "Save idea as MusicXML", f"{entry.name}.musicxml", "MusicXML files (*.musicxml *.xml)"
            )
            if not path:
                return
        self.dialogs.remember(path)
        self.message.emit(f"Writing {path}…", 0)
        self.requestMusicXml.emit(entry.idea, str(path))

    def save_audio(self, path: str | None = None) -> None:
        """Write the current idea as a WAV with the built-in synth's SoundFont and instruments
        (rendered on the engine's thread)."""
        entry = self.ideas_list.current_entry()
        if entry is None:
            return
        if not path:
            path = self.dialogs.save_path("Export idea as audio", f"{entry.name}.wav", "WAV audio (*.wav)")
            if not path:
                return
            if not path.lower().endswith(".wav"):
                path += ".wav"
        self.dialogs.remember(path)
        self.message.emit(f"Rendering {Path(path).name}…", 0)
        self.requestAudio.emit(entry.idea, str(path), self.sound.font, self.sound.instruments())

    def export_favourites(self, folder: str | None = None) -> int:
        """Write every favourite as a .mid into a folder (asked for when not given); returns
        how many were written."""
        favourites = self.ideas_list.favourites()
        if not favourites:
            self.message.emit("No favourites to export: star some ideas first", 8000)
            return 0
        if not folder:
            folder = self.dialogs.folder("Export favourites to")
        if not folder:
            return 0
        try:
            for entry in favourites:
                export_midi(self.library, entry, Path(folder))
        except OSError as exc:
            reason = exc.strerror or exc
            QMessageBox.warning(self.parent(), "Export failed", f"Could not write to {folder}: {reason}")
            return 0
        self.message.emit(f"Exported {len(favourites)} favourites to {folder}", 8000)
        return len(favourites)

    # -- the engine's answers (queued to this, the GUI thread)
    def saved(self, path: str) -> None:
        self.message.emit(f"Saved {path}", 8000)

    def failed(self, message: str) -> None:
        self.message.emit(message, 15000)
        QMessageBox.warning(self.parent(), "Save failed", message)
