"""Qt models over the idea library, and the drag-out of ideas as .mid files."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, QSortFilterProxyModel, Qt, QUrl

from songsketch.engine.api import Entry, Library, atomic_write, safe_filename
from songsketch.gui.idea_order import Placed, arrange

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


def name_text(placed: Placed) -> str:
    """The Name cell: a new version is marked (and indented one step a generation) under the
    idea it came from, whose name follows it (as that idea is named now)."""
    entry = placed.entry
    source = placed.source.name if placed.source else (entry.report or {}).get("source")
    mark = "    " * max(0, placed.depth - 1) + "↳ " if placed.depth else ""
    return f"{mark}{entry.name}  ← {source}" if source else entry.name


class IdeaTableModel(QAbstractTableModel):
    """The library's ideas: fresh ones newest first, each followed by the new versions made
    from it (see ``idea_order``); the star column toggles favourites; rows drag out as .mid
    files. ``entries`` and ``placed`` are the rows, in order."""

    def __init__(self, library: Library, drag_dir: Path | None = None) -> None:
        super().__init__()
        self.library = library
        self.placed: list[Placed] = arrange(library.entries())
        self.entries: list[Entry] = [p.entry for p in self.placed]
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
                return name_text(self.placed[index.row()])
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
            source = self.placed[index.row()].source
            source_name = source.name if source else (e.report or {}).get("source")
            return f"{e.name}, a new version of {source_name}" if source_name else e.name
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
        self._rearrange()  # (its versions now name it anew)
        self.dataChanged.emit(self.index(0, 0), self.index(len(self.entries) - 1, len(COLUMNS) - 1))
        return True

    # -- changing
    def add(self, entry: Entry) -> int:
        """Put a new idea in its place: a fresh one at the top, a new version after the
        versions already under its source. Returns its row."""
        placed = arrange([*self.entries, entry])
        row = next(r for r, p in enumerate(placed) if p.entry.id == entry.id)
        self.beginInsertRows(QModelIndex(), row, row)
        self.placed, self.entries = placed, [p.entry for p in placed]
        self.endInsertRows()
        return row

    def row_of(self, entry_id: int) -> int | None:
        """The row of the idea stored as ``entry_id`` (None: not in the list)."""
        return next((r for r, e in enumerate(self.entries) if e.id == entry_id), None)

    def transpose(self, row: int, semitones: int) -> Entry:
        """Move an idea by ``semitones`` (key, chords, melody); raises ValueError when it
        would leave the piano's ranges. The stored idea is replaced."""
        entry = self.entries[row]
        moved = entry.idea.transposed(semitones)
        if not moved.fits_ranges():
            raise ValueError(f"{entry.name} would leave the instrument's range")
        self.entries[row] = self.library.replace_idea(entry.id, moved.with_name(entry.name)) or entry
        self.placed[row] = replace(self.placed[row], entry=self.entries[row])
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
        del self.placed[row]
        self.endRemoveRows()
        if any(p.source is not None and p.source.id == entry.id for p in self.placed):
            self._rearrange()

    def _rearrange(self) -> None:
        """Order the rows anew (versions of a deleted idea move to where a reopened library
        would show them), keeping the selection on the same ideas."""
        self.layoutAboutToBeChanged.emit()
        kept = self.persistentIndexList()
        ids = [self.entries[i.row()].id for i in kept]
        self.placed = arrange(self.entries)
        self.entries = [p.entry for p in self.placed]
        rows = {e.id: r for r, e in enumerate(self.entries)}
        self.changePersistentIndexList(kept, [self.index(rows[i], k.column()) for i, k in zip(ids, kept)])
        self.layoutChanged.emit()

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
