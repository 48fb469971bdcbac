"""The list of ideas in the library and the edits made on it: favourite, rename, transpose,
delete; a favourites-only filter and a count under it.

Signals of IdeasList: currentChanged(object entry) the idea now selected (None: none).
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from songsketch.engine.api import Entry, Library
from songsketch.gui.ideas_model import NAME, STAR, FavouritesFilter, IdeaTableModel

COLUMN_WIDTHS = (28, 190, 52, 52, 240)  # pixels; the last column stretches


class MiddleElided(QStyledItemDelegate):
    """A column whose long texts lose their middle, not their end: a new version's name
    (``slow-engine-e4  ← amber-sparrow-04``) keeps both the idea's and its source's names;
    the full text is the cell's tooltip."""

    def paint(self, painter, option, index) -> None:
        option = QStyleOptionViewItem(option)
        option.textElideMode = Qt.TextElideMode.ElideMiddle
        super().paint(painter, option, index)


class IdeasList(QWidget):
    """The library's ideas, newest first (each idea's new versions under it), in a table
    whose rows drag out as .mid files."""

    currentChanged = Signal(object)

    def __init__(self, library: Library, parent=None) -> None:
        super().__init__(parent)
        self.ideas = IdeaTableModel(library)
        self.filter = FavouritesFilter()
        self.filter.setSourceModel(self.ideas)
        self.table = self._build_table()
        self.favourites_only = QCheckBox("Favourites only")
        self.favourites_only.toggled.connect(self.filter.set_only_favourites)
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Ideas</b>"))
        top.addStretch(1)
        top.addWidget(self.favourites_only)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.update_status()

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.filter)
        table.setSelectionBehavior(QAbstractItemView.SelectRows)
        table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        table.setDragEnabled(True)
        table.setDragDropMode(QAbstractItemView.DragOnly)
        table.setEditTriggers(QAbstractItemView.EditKeyPressed | QAbstractItemView.SelectedClicked)
        table.verticalHeader().setVisible(False)
        table.setWordWrap(False)  # one line a row: long texts elide, not wrap out of the row
        table.verticalHeader().setDefaultSectionSize(22)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)  # no per-row measuring of a long list
        header.setStretchLastSection(True)
        for column, width in enumerate(COLUMN_WIDTHS):
            table.setColumnWidth(column, width)
        self.name_delegate = MiddleElided(table)
        table.setItemDelegateForColumn(NAME, self.name_delegate)
        table.selectionModel().currentRowChanged.connect(self._current_changed)
        table.clicked.connect(self._clicked)
        return table

    # -- reading
    def current_entry(self) -> Entry | None:
        return self._entry_at(self.table.currentIndex())

    def favourites(self) -> list[Entry]:
        return [e for e in self.ideas.entries if e.favourite]

    def _entry_at(self, index: QModelIndex) -> Entry | None:
        return self.filter.mapToSource(index).data(Qt.UserRole) if index.isValid() else None

    def _current_row(self) -> int | None:
        """The current idea's row in the library model (None: no idea is current)."""
        index = self.table.currentIndex()
        return self.filter.mapToSource(index).row() if index.isValid() else None

    # -- changing
    def add(self, entry: Entry) -> None:
        """Put a new idea in its place (a fresh one at the top, a new version under the idea
        it came from); the idea selected (the one on the piano roll) stays in sight as new
        rows push it down."""
        self.ideas.add(entry)
        self.update_status()
        if self.table.currentIndex().isValid():
            self.table.scrollTo(self.table.currentIndex())

    def select(self, entry: Entry) -> bool:
        """Make ``entry`` the current idea and scroll to it; False when it is not shown (the
        favourites-only view hides it)."""
        row = self.ideas.row_of(entry.id)
        index = self.filter.mapFromSource(self.ideas.index(row, NAME)) if row is not None else QModelIndex()
        if not index.isValid():
            return False
        # this row alone, whatever keys are held (selectRow would extend the selection while
        # Ctrl+Shift of the shortcut that made the idea is still down, and Del took both)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)
        return True

    def toggle_favourite(self) -> None:
        row = self._current_row()
        if row is not None:
            self.ideas.toggle_favourite(row)
            self.update_status()

    def rename_current(self) -> None:
        """Open the current idea's name for editing."""
        index = self.table.currentIndex()
        if index.isValid():
            self.table.edit(index.siblingAtColumn(NAME))

    def transpose_current(self, semitones: int) -> Entry | None:
        """Move the current idea by ``semitones`` and store it; returns it moved (None: no
        idea is current). Raises ValueError when it would leave the instruments' ranges."""
        row = self._current_row()
        return None if row is None else self.ideas.transpose(row, semitones)

    def delete_selected(self) -> None:
        """Delete the selected ideas (or the current one) from the library."""
        chosen = self.table.selectionModel().selectedRows() or (
            [self.table.currentIndex()] if self.table.currentIndex().isValid() else []
        )
        for row in sorted({self.filter.mapToSource(i).row() for i in chosen}, reverse=True):
            self.ideas.remove(row)
        self.update_status()

    def update_status(self) -> None:
        ideas, favourites = len(self.ideas.entries), sum(e.favourite for e in self.ideas.entries)
        self.status.setText(
            f"{ideas} idea{'s' if ideas != 1 else ''} · "
            f"{favourites} favourite{'s' if favourites != 1 else ''} · "
            "drag an idea into your DAW or a folder to drop a .mid"
        )

    def _current_changed(self, current: QModelIndex, _previous) -> None:
        self.currentChanged.emit(self._entry_at(current))

    def _clicked(self, index: QModelIndex) -> None:
        if index.column() == STAR:
            self.ideas.toggle_favourite(self.filter.mapToSource(index).row())
            self.update_status()
