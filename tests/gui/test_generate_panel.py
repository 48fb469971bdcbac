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
