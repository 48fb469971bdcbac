"""The list of ideas in the window: drag an idea out as a .mid, transpose, rename, delete,
export the favourites."""

from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWidgets")

from songsketch.engine.formats.midi import read_ideas
from songsketch.engine.music.idea import VOICING_RANGE


def test_drag_mime_data_is_a_midi_file_of_the_idea(qtbot, make_window, generate_and_wait):
    window = make_window()
    window.panel.count.setValue(2)
    generate_and_wait(window)
    index = window.ideas.index(0, 1)
    mime = window.ideas.mimeData([index])
    urls = mime.urls()
    assert len(urls) == 1 and urls[0].isLocalFile()
    path = Path(urls[0].toLocalFile())
    entry = window.ideas.entries[0]
    assert path.name == f"{entry.name}.mid"
    assert read_ideas(path) == [entry.idea]
    # the bytes were made on this first use and kept: later drags read them back unchanged
    stored = window.library.db.execute("SELECT midi FROM ideas WHERE id = ?", (entry.id,)).fetchone()[0]
    assert bytes(stored) == path.read_bytes() == window.library.midi(entry.id)
    other = window.ideas.entries[1]
    unmade = window.library.db.execute("SELECT length(midi) FROM ideas WHERE id = ?", (other.id,)).fetchone()[
        0
    ]
    assert unmade == 0 and read_ideas(window.library.midi(other.id)) == [other.idea]


def test_transpose_moves_the_idea_and_keeps_it_in_range(qtbot, make_window, generate_and_wait):
    window = make_window()
    window.panel.count.setValue(1)
    window.panel.seed.setValue(3)
    generate_and_wait(window)
    window.table.selectRow(0)
    before = window.current_entry()
    # a whole tone up, or down where the voicing already reaches the top of its range
    step = 2 if max(p for c in before.idea.chords for p in c.voicing) + 2 <= VOICING_RANGE[1] else -2
    window.transpose_current(step)
    after = window.current_entry()
    assert after.id == before.id and after.name == before.name
    assert after.idea.key.tonic == (before.idea.key.tonic + step) % 12
    assert [n.pitch for n in after.idea.melody] == [n.pitch + step for n in before.idea.melody]
    assert window.roll.idea == after.idea and "is now in" in window.statusBar().currentMessage()
    assert window.library.get(after.id).idea == after.idea  # stored
    assert read_ideas(window.library.midi(after.id)) == [after.idea]  # its .mid made anew
    for _ in range(30):  # up and up until the melody would leave the range
        window.transpose_current(12)
    top = window.current_entry()
    assert top.idea.fits_ranges() and not top.idea.transposed(12).fits_ranges()
    assert "Not transposed" in window.statusBar().currentMessage()


def test_rename_delete_and_export_favourites(qtbot, make_window, generate_and_wait, tmp_path):
    window = make_window()
    window.panel.count.setValue(3)
    generate_and_wait(window)
    assert window.ideas.setData(window.ideas.index(0, 1), "My hook")
    assert window.ideas.entries[0].name == "My hook"
    window.table.selectRow(0)
    window.ideas_list.toggle_favourite()
    out = tmp_path / "export"
    out.mkdir()
    assert window.exports.export_favourites(str(out)) == 1
    assert read_ideas(out / "My_hook.mid")[0] == window.ideas.entries[0].idea
    window.table.setCurrentIndex(window.ideas_list.filter.index(2, 1))
    assert len(window.table.selectionModel().selectedRows()) == 1
    window.ideas_list.delete_selected()
    assert window.ideas.rowCount() == 2 and window.library.count() == 2
