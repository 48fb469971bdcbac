"""The window's file dialogs: open the user's music, choose a folder, and one save dialog that
starts in the folder the user last saved to (remembered across restarts)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

from songsketch.engine.api import AUDIO_SUFFIXES, MUSIC_SUFFIXES

LAST_SAVE_DIR = "last_save_dir"  # the setting that remembers where the user saves


class FileDialogs(QObject):
    """Modal file dialogs over the parent window; ``settings`` keeps the last save folder.

    The window is reached as the QObject parent, not kept in an attribute: a reference cycle
    through the window would leave it to Python's collector, which may run on any thread and
    must not delete a widget off the GUI thread."""

    def __init__(self, parent: QWidget, settings: QSettings) -> None:
        super().__init__(parent)
        self.settings = settings

    def save_path(self, title: str, file_name: str, file_filter: str) -> str:
        """Ask where to save ``file_name``, starting in the last save folder (home at first);
        "" when the user cancels."""
        start = Path(self.settings.value(LAST_SAVE_DIR, str(Path.home()))) / file_name
        path, _ = QFileDialog.getSaveFileName(self.parent(), title, str(start), file_filter)
        return path

    def remember(self, path: str) -> None:
        """Start the next save dialog in the folder of ``path``."""
        self.settings.setValue(LAST_SAVE_DIR, str(Path(path).parent))

    def open_music(self) -> list[str]:
        """Ask for the user's own music files (every suffix the app reads, sung recordings
        among them); [] when cancelled."""
        suffixes = " ".join(f"*{s}" for s in sorted(MUSIC_SUFFIXES | set(AUDIO_SUFFIXES)))
        sung = " ".join(f"*{s}" for s in sorted(AUDIO_SUFFIXES))
        paths, _ = QFileDialog.getOpenFileNames(
            self.parent(),
            "Open your idea",
            str(Path.home()),
            f"Music files ({suffixes});;Sung melodies ({sung})",
        )
        return paths

    def folder(self, title: str) -> str:
        """Ask for a folder; "" when cancelled."""
        return QFileDialog.getExistingDirectory(self.parent(), title)
