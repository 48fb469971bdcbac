"""Qt models over the idea library, and the drag-out of ideas as .mid files."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, QSortFilterProxyModel, Qt, QUrl

from songsketch.engine.api import Entry, Library, atomic_write, safe_filename

OWN_MODEL = "yours"  # the library's mark on the user's own ideas (opened from a file)
OWN_BADGE = "yours"  # what the Originality column says of them

COLUMNS = ("★", "Name", "Key", "Tempo", "Verse chords", "Originality")
STAR, NAME, KEY, TEMPO, CHORDS, ORIGINAL = range(6)


def export_midi(library: Library, entry: Entry, folder: Path) -> Path:
    """Write an idea's .mid (named after it) into a folder; returns the path."""
    path = folder / f"{safe_filename(entry.name, 'idea', separator='_')}.mid"
    data = library.midi(entry.id)
    if not data:
        raise OSError(f"{entry.name} is no longer in the library or cannot be written as MIDI")
    atomic_write(path, data)
    return path


def _own_icon():
    """The icon of the user's own ideas: a document (they came from a file)."""
    from PySide6.QtWidgets import QApplication, QStyle

    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)


def originality_text(report: dict | None) -> str:
    if not report:
        return ""
    return report.get("badge", "")


class IdeaTableModel(QAbstractTableModel):
    """The library's ideas, newest first; the star column toggles favourites; rows drag out
    as .mid files."""

    def __init__(self, library: Library, drag_dir: Path | None = None) -> None:
        super().__init__()
        self.library = library
        self.entries: list[Entry] = library.entries()
        self.drag_dir = drag_dir or Path(tempfile.mkdtemp(prefix="songsketch-drag-"))

    # -- reading
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        e = self.entries[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:  # called for every visible cell on each repaint
            if col == STAR:
                return "★" if e.favourite else "☆"
            if col == NAME:
                source = e.report.get("source") if e.report else None
                return f"{e.name}  ← {source}" if source else e.name
            if col == KEY:
                return e.idea.key.name
            if col == TEMPO:
                return str(e.idea.tempo)
            if col == CHORDS:
                return e.verse_chords
            return originality_text(e.report)
        if role == Qt.ItemDataRole.EditRole and col == NAME:
            return e.name
        if role == Qt.ItemDataRole.DecorationRole and col == NAME and e.model == OWN_MODEL:
            return _own_icon()
        if role == Qt.ItemDataRole.ToolTipRole and col == ORIGINAL and e.report:
            return e.report.get("detail", "")
        if role == Qt.ItemDataRole.ToolTipRole and col == NAME:  # the whole name, however narrow
            source = e.report.get("source") if e.report else None
            return f"{e.name}, a new version of {source}" if source else e.name
        if role == Qt.ItemDataRole.ToolTipRole and col == CHORDS:
            return e.verse_chords
        if role == Qt.ItemDataRole.UserRole:
            return e
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (STAR, TEMPO):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def flags(self, index):
        base = super().flags(index) | Qt.ItemFlag.ItemIsDragEnabled
        if index.isValid() and index.column() == NAME:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        if role != Qt.ItemDataRole.EditRole or index.column() != NAME:
            return False
        entry = self.entries[index.row()]
        try:
            self.library.rename(entry.id, str(value))
        except ValueError:
            return False
        self.entries[index.row()] = self.library.get(entry.id) or entry
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(COLUMNS) - 1))
        return True

    # -- changing
    def add(self, entry: Entry) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self.entries.insert(0, entry)
        self.endInsertRows()

    def transpose(self, row: int, semitones: int) -> Entry:
        """Move an idea by ``semitones`` (key, chords, melody); raises ValueError when it
        would leave the piano's ranges. The stored idea is replaced."""
        entry = self.entries[row]
        moved = entry.idea.transposed(semitones)
        if not moved.fits_ranges():
            raise ValueError(f"{entry.name} would leave the instrument's range")
        self.entries[row] = self.library.replace_idea(entry.id, moved.with_name(entry.name)) or entry
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        return self.entries[row]

    def toggle_favourite(self, row: int) -> None:
        entry = self.entries[row]
        self.library.set_favourite(entry.id, not entry.favourite)
        entry.favourite = not entry.favourite
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def remove(self, row: int) -> None:
        entry = self.entries[row]
        self.library.delete(entry.id)
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.entries[row]
        self.endRemoveRows()

    # -- drag out
    def mimeTypes(self):
        return ["text/uri-list"]

    def mimeData(self, indexes) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return self.mime_for([self.entries[r] for r in rows])

    def mime_for(self, entries: list[Entry]) -> QMimeData:
        """Mime data holding file URLs of freshly written .mid files of the entries."""
        mime = QMimeData()
        urls = []
        for e in entries:
            try:
                urls.append(QUrl.fromLocalFile(str(export_midi(self.library, e, self.drag_dir))))
            except OSError:  # a full disk, or an idea deleted meanwhile: drag the rest
                continue
        mime.setUrls(urls)
        return mime

    def supportedDragActions(self):
        return Qt.DropAction.CopyAction


class FavouritesFilter(QSortFilterProxyModel):
    """Shows all ideas, or only favourites."""

    def __init__(self) -> None:
        super().__init__()
        self.only_favourites = False

    def set_only_favourites(self, on: bool) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+: invalidateFilter is deprecated
            self.beginFilterChange()
            self.only_favourites = on
            self.endFilterChange()
        else:
            self.only_favourites = on
            self.invalidateFilter()

    def filterAcceptsRow(self, row, parent) -> bool:
        if not self.only_favourites:
            return True
        model = self.sourceModel()
        return model.entries[row].favourite
