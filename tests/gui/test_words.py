"""The window speaks a songwriter's words: originality as strict / usual / off (usual is the
guard the ideas were always made with), no "validation loss", "redrawn" or "reject copies"
anywhere a user reads, training progress told in passes through the songs."""

import pytest

pytest.importorskip("PySide6.QtWidgets")

from songsketch.engine.api import Guard, TrainProgress

JARGON = ("validation", "redrawn", "reject copies", "originality guard", "epoch", "loss", "temperature")


def _words(widget) -> list[str]:
    """Every text a user can read in a widget and its children: labels, buttons, tooltips,
    combo box items, group titles, actions (menus)."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QGroupBox, QLabel, QWidget

    texts = []
    for w in [widget, *widget.findChildren(QWidget)]:
        texts.append(w.toolTip())
        if isinstance(w, (QLabel, QAbstractButton)):
            texts.append(w.text())
        if isinstance(w, QGroupBox):
            texts.append(w.title())
        if isinstance(w, QComboBox):
            texts += [w.itemText(i) for i in range(w.count())]
    texts += [a.text() for a in widget.findChildren(QAction)]
    return [t for t in texts if t]


def test_originality_is_strict_usual_or_off_and_usual_is_the_default_guard(qtbot, make_window):
    window = make_window()
    choice = window.panel.originality
    assert [choice.itemText(i) for i in range(choice.count())] == ["Strict", "Usual", "Off"]
    # usual is the guard ideas were always made with: the same seeds give the same ideas
    assert choice.currentText() == "Usual" and window.panel.guard_setting() == Guard()
    choice.setCurrentText("Strict")
    strict = window.panel.guard_setting()
    assert strict.max_notes <= Guard().max_notes and strict.max_chord_bars < Guard().max_chord_bars
    choice.setCurrentText("Off")
    assert window.panel.guard_setting() is None
    said = " ".join(_words(window)).lower()
    assert "originality" in said and "too close to a song" in said
    assert not [word for word in JARGON if word in said]
    window.panel.count.setValue(1)
    window.generate()
    qtbot.waitUntil(lambda: not window.generating, timeout=60000)
    assert window.ideas_list.status.text().startswith("1 idea · 0 favourites")
    done = window.statusBar().currentMessage()
    assert done.startswith("Done in ") and " s: 1 idea" in done  # the time, then what was made


def test_training_is_told_in_passes_through_the_songs(qtbot, tmp_path, tiny_model):
    from songsketch.gui.retrain_dialog import RetrainDialog

    dialog = RetrainDialog(tmp_path / "models", tiny_model[0], tmp_path / "cache")
    qtbot.addWidget(dialog)
    dialog.show()
    told = []
    for p in (
        TrainProgress(0, 5, 0, 0, 2.5, 2.5, None, "base model on this folder"),
        TrainProgress(1, 5, 3, 10, 2.4, None, 90.0),
        TrainProgress(1, 5, 10, 10, 2.3, 2.2, None, "best so far"),
        TrainProgress(2, 5, 10, 10, 2.2, 2.3, None, "no better for 1"),
    ):
        dialog._progress(p)
        told.append(dialog.status.text())
    assert "surprise at your songs is 2.50" in told[0]
    assert told[1] == "Pass 1 of 5 through your songs (3/10), about 2 min left at most"
    assert "Pass 1 done" in told[2] and "2.20" in told[2] and "best so far" in told[2]
    assert "no better for 1 pass;" in told[3]
    said = " ".join(told + _words(dialog)).lower()
    assert dialog.status.minimumHeight() >= 3 * dialog.status.fontMetrics().lineSpacing()  # not cut off
    assert not [word for word in JARGON if word in said]
    dialog.close()
