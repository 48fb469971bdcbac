"""What is shown is what is selected, and nothing is clipped at 1024 x 600: after a run the
idea on the piano roll is the selected row and in sight in the list; the roll scrolls to the
idea's notes, its chord symbols and bar numbers pinned above them; long names lose their
middle (with the whole name in a tooltip); the typed chords get the panel's whole width."""

import pytest

pytest.importorskip("PySide6.QtWidgets")
from PySide6.QtCore import Qt


def _notes_seen(roll) -> tuple[set, set]:
    """The melody and chord pitches whose notes lie wholly in the roll's view, below its header."""
    from songsketch.gui.piano_roll import HEADER, _NoteItem

    view = roll.view
    top = view.mapToScene(0, HEADER).y()
    bottom = view.mapToScene(0, view.viewport().height()).y()
    seen = {"melody": set(), "chords": set()}
    for item in roll.scene.items():
        if isinstance(item, _NoteItem):
            rect = item.sceneBoundingRect()
            if rect.top() >= top - 1 and rect.bottom() <= bottom + 1:
                seen[item.part].add(item.pitch)
    return seen["melody"], seen["chords"]


def test_after_a_run_at_1024_by_600_the_idea_shown_is_selected_and_in_sight(
    qtbot, make_window, generate_and_wait
):
    window = make_window()
    window.resize(1024, 600)
    window.panel.count.setValue(12)
    generate_and_wait(window)
    qtbot.wait(20)
    current = window.table.currentIndex()
    assert current.isValid() and window.roll.idea == window.current_entry().idea
    assert current.row() == 11  # the first idea of the run, pushed down by the eleven after it
    assert window.table.viewport().rect().intersects(window.table.visualRect(current))
    # the header stays above the notes however far the roll is scrolled
    roll = window.roll
    roll.view.verticalScrollBar().setValue(roll.view.verticalScrollBar().maximum())
    top = roll.view.mapToScene(0, 0).y()
    assert top > 0 and roll._header_items
    assert all(item.y() == y + top for item, y in roll._header_items)
    # the chord field shows eight bars; the panel stays as narrow as it was
    assert window.panel.progression.width() >= 250 and window.panel.width() < 300


def test_the_roll_scrolls_to_the_notes(qtbot, make_window, generate_and_wait):
    window = make_window()
    window.panel.count.setValue(1)
    window.panel.seed.setValue(3)
    generate_and_wait(window)
    idea = window.ideas.entries[0].idea
    melody = {n.pitch for n in idea.melody}
    chords = {p for c in idea.chords for p in c.voicing}
    roll = window.roll
    roll.resize(700, 60 + 44 + 9 * (max(melody | chords) - min(melody | chords) + 4))
    roll.show_idea(idea)
    assert _notes_seen(roll) == (melody, chords)  # tall enough: every note
    roll.resize(700, 230)  # a short roll: the middle between the parts, some of each
    seen_melody, seen_chords = _notes_seen(roll)
    assert seen_melody and seen_chords
    roll.resize(700, 150)  # shorter still (1024 x 600): the melody's top stays in sight
    seen_melody, _chords = _notes_seen(roll)
    assert max(melody) in seen_melody


def test_long_names_lose_their_middle_and_say_all_in_a_tooltip(qtbot, make_window, generate_and_wait):
    from songsketch.gui.ideas_list import MiddleElided
    from songsketch.gui.ideas_model import CHORDS, NAME

    window = make_window()
    window.panel.count.setValue(1)
    generate_and_wait(window)
    first = window.ideas.entries[0]
    window.table.selectRow(0)
    window.regenerate("chords")
    qtbot.waitUntil(lambda: not window.generating, timeout=60000)
    derived = window.ideas.entries[1]  # (right under the idea it came from)
    index = window.ideas.index(1, NAME)
    assert window.ideas.data(index) == f"↳ {derived.name}  ← {first.name}"
    assert window.ideas.data(index, Qt.ItemDataRole.ToolTipRole) == (
        f"{derived.name}, a new version of {first.name}"
    )
    assert isinstance(window.table.itemDelegateForColumn(NAME), MiddleElided)
    assert not window.table.wordWrap()  # (a wrapped cell is cut at its end whatever the elide mode)
    chords = window.ideas.index(1, CHORDS)
    assert window.ideas.data(chords, Qt.ItemDataRole.ToolTipRole) == derived.verse_chords
    # instruments: the whole name in the tooltip, the middle left out when narrow
    melody = window.playback.sound.melody_instrument
    melody.setCurrentIndex(melody.findData(0))
    melody.setFixedWidth(90)
    assert not melody.grab().isNull()
    assert melody.toolTip().startswith("Acoustic Grand Piano: the melody's instrument")


def test_the_retrain_dialog_fits_a_600_pixel_screen():
    from songsketch.gui.retrain_dialog import fitted_height

    assert fitted_height(640, 492, 800) == 640  # room enough: as tall as it wants
    assert fitted_height(640, 492, 600 - 24) == 516  # 1024 x 600 less a panel: all of it on screen
    assert fitted_height(640, 400, 600) == 540


def test_a_window_opened_over_a_library_of_ideas_shows_the_newest(qtbot, make_window, tmp_path):
    """The roll is not blank at start when there are ideas: the top one is selected and shown."""
    from songsketch.engine.api import Library, typed_progression

    home = tmp_path / "stocked"
    home.mkdir()
    library = Library(home / "library.sqlite")
    for chords in ("C G Am F", "Dm G C C"):
        library.add(typed_progression(chords, (4, 4), 4, 100, None).idea)
    library.close()
    window = make_window(home)
    assert window.ideas.rowCount() == 2
    assert window.table.currentIndex().row() == 0
    assert window.roll.idea == window.current_entry().idea and window.roll.hint is None
