"""Melody first in the window: a tune opened alone is a melody-only idea (so marked in the list
and on the roll), gets new chords with Ctrl+K, and any idea's melody can be taken alone; what
needs chords refuses a melody alone in words and starts nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt

from songsketch.gui.ideas_model import COLUMNS
from songsketch.gui.piano_roll import MELODY_ONLY
from tests.engine.formats.test_melody_alone import TWINKLE, tune_file

CHORDS = COLUMNS.index("Verse chords")


def _header_texts(window) -> list[str]:
    items = [item for item, _y in window.roll._header_items]  # (pinned: with their height)
    return [item.toPlainText() for item in items if hasattr(item, "toPlainText")]


def test_a_tune_opened_alone_gets_new_chords(qtbot, make_window, tmp_path):
    window = make_window()
    tune = tmp_path / "twinkle.mid"
    tune.write_bytes(tune_file(TWINKLE))
    window.open_files([tune])
    qtbot.waitUntil(lambda: window.ideas.rowCount() == 1, timeout=60000)
    window.table.selectRow(0)
    entry = window.current_entry()
    assert entry.idea.chords == () and len(entry.idea.melody) == len(TWINKLE)
    assert window.ideas.data(window.ideas.index(0, CHORDS), Qt.ItemDataRole.DisplayRole) == "melody only"
    assert MELODY_ONLY in _header_texts(window)
    # what needs chords says so and starts nothing
    for start in (lambda: window.regenerate("chords"), window.continue_current):
        start()
        assert not window.generating and window.ideas.rowCount() == 1
        assert "melody alone: give it chords first" in window.statusBar().currentMessage()
    # new chords for it (Ctrl+K): versions under it, its tune kept note for note
    window.regenerate("melody")
    assert window.generating
    qtbot.waitUntil(lambda: not window.generating, timeout=60000)
    versions = window.ideas.entries[1:]
    assert versions and all(e.report["source_id"] == entry.id for e in versions)
    for version in versions:
        assert version.idea.melody == entry.idea.melody and version.idea.chords
        bars = {c.onset // version.idea.bar_ticks for c in version.idea.chords}
        assert bars == set(range(version.idea.bars))  # chords in every bar


def test_any_ideas_melody_can_be_taken_alone(qtbot, make_window, generate_and_wait):
    window = make_window()
    window.panel.count.setValue(1)
    generate_and_wait(window)
    window.table.selectRow(0)
    source = window.current_entry()
    window.table.setFocus()
    qtbot.keyClick(
        window.table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: window.ideas.rowCount() == 2)
    alone = window.current_entry()
    # the new row alone is selected (with Ctrl+Shift still held it used to join the source:
    # Del then deleted both)
    assert [i.row() for i in window.table.selectionModel().selectedRows()] == [1]
    assert alone.id != source.id and alone.name == f"{source.name} melody"
    assert alone.idea.chords == () and alone.idea.melody == source.idea.melody
    assert alone.report["source_id"] == source.id and window.ideas.entries[1].id == alone.id
    assert window.roll.idea == alone.idea
    # stored: it comes back with the library
    assert window.library.get(alone.id).idea == alone.idea
    window.melody_alone()  # of a melody alone: nothing new
    assert window.ideas.rowCount() == 2 and "melody alone already" in window.statusBar().currentMessage()
