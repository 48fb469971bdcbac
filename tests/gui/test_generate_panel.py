"""The Generate panel in the window: melodies over typed chords, and chords that cannot be
read said under the field."""

import pytest

pytest.importorskip("PySide6.QtWidgets")


def test_generate_writes_melodies_over_typed_chords(qtbot, make_window):
    window = make_window()
    window.panel.count.setValue(4)
    window.panel.bars.setValue(2)
    window.panel.progression.setText("Cm Ab | Eb Bb7")
    window.panel.generate_button.click()
    qtbot.waitUntil(lambda: not window.generating and window.ideas.rowCount() == 4, timeout=60000)
    for entry in window.ideas.entries:
        chords = sorted(entry.idea.chords, key=lambda c: c.onset)
        assert [(c.root, c.quality) for c in chords][:4] == [(0, "m"), (8, ""), (3, ""), (10, "7")]
        assert entry.idea.melody and entry.idea.bars == 4
    # chords that cannot be read: said under the field, the symbol selected, nothing generated
    window.panel.progression.setText("C G | Fsharp")
    window.panel.generate_button.click()
    assert not window.generating and window.ideas.rowCount() == 4
    assert "bar 2" in window.panel.progression_error.text() and window.panel.progression_error.isVisible()
    assert window.panel.progression.selectedText() == "Fsharp"


def test_typed_chords_a_bar_each_and_the_key_they_are_in(qtbot, make_window):
    """Am F C G (no bar lines) is a chord a bar and the list shows it as bars; a Key box that
    contradicts the chords gives way to their key, with a note under the field saying why; the
    Key box itself keeps the songwriter's choice (remembered for ideas without chords)."""
    from songsketch.engine.api import Key
    from songsketch.gui.ideas_model import COLUMNS

    window = make_window()
    panel = window.panel
    panel.count.setValue(2)
    panel.bars.setValue(4)
    panel.key.setCurrentIndex([panel.key.itemData(i) for i in range(panel.key.count())].index(Key(7)))
    panel.progression.setText("C G Am F")
    assert panel.chords_key.isVisible() and "the chords' key" in panel.chords_key.text()
    assert "F is not in G major" in panel.chords_key.text() and "G major" in panel.chords_key.toolTip()
    panel.generate_button.click()
    qtbot.waitUntil(lambda: not window.generating and window.ideas.rowCount() == 2, timeout=60000)
    assert panel.key.currentData() == Key(7)  # the songwriter's choice stands in the box
    assert "Key: C major" in panel.chords_key.text() and "asked for G major" in panel.chords_key.toolTip()
    column = COLUMNS.index("Verse chords")
    for row, entry in enumerate(window.ideas.entries):
        assert entry.idea.key == Key(0)
        assert [c.onset for c in entry.idea.chords[:4]] == [0, 48, 96, 144]  # a chord a bar
        assert window.ideas.index(row, column).data() == "C | G | Am | F"
    panel.progression.setText("Am F | C G")  # two chords a bar: it reads differently
    assert panel.chords_key.text().startswith("Key: C major, the chords' key")
    panel.generate_button.click()
    qtbot.waitUntil(lambda: not window.generating and window.ideas.rowCount() == 4, timeout=60000)
    shown = {window.ideas.index(row, column).data() for row in range(4)}
    assert shown == {"C | G | Am | F", "Am F | C G | Am F | C G"}


def test_typing_chords_does_not_move_the_controls_below(qtbot, make_window):
    """The note under the chord field comes and goes as chords are typed; the Key box and
    Generate stay where they are (a click aimed at them must not land on another control)."""
    window = make_window()
    panel = window.panel
    qtbot.wait(50)
    before = (
        panel.key.mapTo(panel, panel.key.rect().topLeft()),
        panel.generate_button.mapTo(panel, panel.generate_button.rect().topLeft()),
    )
    for text in ("C", "C G Am F", "C G Am F | Bb", ""):
        panel.progression.setText(text)
        qtbot.wait(20)
        after = (
            panel.key.mapTo(panel, panel.key.rect().topLeft()),
            panel.generate_button.mapTo(panel, panel.generate_button.rect().topLeft()),
        )
        assert after == before, text
