"""The piano roll in the window: what it draws, the play-from mark and the bars selected to
rewrite."""

import pytest

pytest.importorskip("PySide6.QtWidgets")
from PySide6.QtCore import Qt


def test_piano_roll_draws_chords_melody_and_symbols(qtbot, make_window, generate_and_wait):
    from songsketch.gui.piano_roll import CHORD_COLOUR, MELODY_COLOUR, _NoteItem

    window = make_window()
    window.panel.count.setValue(1)
    generate_and_wait(window)
    idea = window.ideas.entries[0].idea
    window.roll.show_idea(idea)
    notes = [i for i in window.roll.scene.items() if isinstance(i, _NoteItem)]
    melody = [i for i in notes if i.brush().color() == MELODY_COLOUR]
    chords = [i for i in notes if i.brush().color() == CHORD_COLOUR]
    assert len(melody) == len(idea.melody)
    assert len(chords) == sum(len(c.voicing) for c in idea.chords)
    texts = {i.toPlainText() for i in window.roll.scene.items() if hasattr(i, "toPlainText")}
    assert {"Verse", "Chorus"} <= texts
    assert idea.chords[0].display(idea.key.spelling) in texts  # spelt in the key, as the roll does
    window.roll.set_playhead(24)
    assert window.roll.playhead.isVisible() and window.roll.playhead.line().x1() == 24 * window.roll.zoom


def test_a_click_on_the_bar_numbers_plays_from_that_bar(qtbot, make_window, generate_and_wait):
    """Click bar 3's number on the piano roll: a green mark; Play plays from there to the end
    (and a loop repeats that stretch); the playhead counts from the mark; another idea plays
    from its top."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    window = make_window()
    window.panel.count.setValue(2)
    window.panel.bars.setValue(4)
    generate_and_wait(window)
    window.table.selectRow(0)
    idea = window.current_entry().idea
    roll, playback = window.roll, window.playback
    assert roll.idea == idea and roll.start_bar == 0 and not roll.start_mark.isVisible()
    x = int((2 * idea.bar_ticks + 3) * roll.zoom)
    where = roll.view.mapFromScene(x, 20)
    with qtbot.waitSignal(roll.startChanged) as changed:
        QTest.mouseClick(roll.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(where.x(), where.y()))
    assert changed.args == [2] and roll.start_mark.isVisible()
    played, start = playback.from_start(idea)
    assert start == 2 * idea.bar_ticks and played == idea.from_bar(2)
    assert played.bars == idea.bars - 2
    playback.playing_idea, playback.start_tick = played, start
    playback._position(0.0)
    assert roll.playhead.line().x1() == start * roll.zoom
    playback.playing_idea = None
    window.table.selectRow(1)
    assert roll.start_bar == 0 and playback.from_start(window.current_entry().idea)[1] == 0


def test_a_drag_across_the_bar_numbers_selects_bars_to_rewrite(qtbot, make_window, generate_and_wait):
    """Drag from bar 2's number to bar 3's: a band over bars 2-3 (no play-from mark, no drag of
    the idea out); Idea > Rewrite the selected bars' melody streams versions that keep every bar
    outside and the chords inside, marked as coming from the idea. Without a selection the
    window says how to make one."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    window = make_window()
    window.panel.count.setValue(2)
    window.panel.bars.setValue(4)
    generate_and_wait(window)
    window.table.selectRow(0)
    source = window.current_entry()
    idea, roll = source.idea, window.roll
    window.rewrite_span("both")
    assert "Drag across the bar numbers" in window.statusBar().currentMessage() and not window.generating
    viewport = roll.view.viewport()
    points = [roll.view.mapFromScene(int((b * idea.bar_ticks + 4) * roll.zoom), 20) for b in (1, 2)]
    dragged = []
    roll.view.dragStarted.connect(lambda: dragged.append(True))
    spans = []
    roll.spanChanged.connect(lambda first, count: spans.append((first, count)))
    with qtbot.waitSignal(roll.spanChanged):
        QTest.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(points[0].x(), points[0].y()))
        for step in range(1, 6):
            x = points[0].x() + (points[1].x() - points[0].x()) * step // 5
            QTest.mouseMove(viewport, QPoint(x, points[1].y()))
        QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(points[1].x(), points[1].y()))
    assert spans[-1] == (1, 2) and roll.span == (1, 2) and roll.span_band.isVisible()
    assert roll.start_bar == 0 and not dragged
    before = window.ideas.rowCount()
    window.rewrite_span("melody")
    qtbot.waitUntil(lambda: window.ideas.rowCount() > before, timeout=60000)
    qtbot.waitUntil(lambda: not window.generating, timeout=60000)
    bar = idea.bar_ticks
    inside = lambda t: bar <= t < 3 * bar
    for entry in window.ideas.entries[1 : 1 + window.ideas.rowCount() - before]:  # under their source
        assert entry.report["source"] == source.name
        assert entry.idea.chords == idea.chords  # the melody of bars 2-3 rewritten, chords kept
        assert [(n.onset, n.pitch) for n in entry.idea.melody if not inside(n.onset)] == [
            (n.onset, n.pitch) for n in idea.melody if not inside(n.onset)
        ]


def _difference(a, b, x: int, y: int) -> int:
    """How far two pictures' pixels at (x, y) are apart: the sum of the channels' differences."""
    pa, pb = a.pixelColor(x, y), b.pixelColor(x, y)
    return abs(pa.red() - pb.red()) + abs(pa.green() - pb.green()) + abs(pa.blue() - pb.blue())


def test_the_bars_to_rewrite_stand_out_and_are_named(qtbot):
    """Bars 5-6 selected: every pixel down their middle differs clearly from the roll without a
    selection (the shaded rows and the bar-number row too: a faint band under the shading was
    hardly seen), a strip in the header names them, and bars outside are untouched."""
    from songsketch.engine.api import typed_progression
    from songsketch.gui.piano_roll import HEADER, PianoRoll, _NoteItem

    idea = typed_progression("C G Am F | F G C C", (4, 4), 8, 100, None).idea
    roll = PianoRoll()
    qtbot.addWidget(roll)
    roll.resize(900, 330)
    roll.show()
    roll.show_idea(idea)
    for item in roll.scene.items():
        if isinstance(item, _NoteItem):  # (the notes are drawn over the band: the band alone)
            item.setVisible(False)
    plain = roll.grab().toImage()
    roll.set_span(4, 2)
    selected = roll.grab().toImage()
    assert roll.span_label.isVisible() and roll.span_label.toPlainText() == "bars 5-6"
    bar = idea.bar_ticks * roll.zoom

    def at(scene_x: float, scene_y: float):
        point = roll.view.viewport().mapTo(roll, roll.view.mapFromScene(scene_x, scene_y))
        return point.x(), point.y()

    bottom = roll._row_top(roll.pitch_range[0])
    for scene_x, inside in ((4.85 * bar, True), (5.4 * bar, True), (2.4 * bar, False)):  # (off the label)
        x, top = at(scene_x, HEADER - 12)
        _x, low = at(scene_x, bottom)
        apart = [_difference(plain, selected, x, y) for y in range(top, low)]
        if inside:
            assert min(apart) >= 50, (scene_x, min(apart))
        else:
            assert max(apart) == 0
    roll.set_span(2, 1)
    assert roll.span_label.toPlainText() == "bar 3"
    roll.set_span(0, 0)
    assert not roll.span_band.isVisible() and not roll.span_label.isVisible()


def test_an_empty_roll_says_how_to_fill_it(qtbot):
    """Before any idea (or with none selected) the roll is not blank: a line says to Generate
    or open a MIDI file, in sight; an idea replaces it."""
    from songsketch.engine.api import typed_progression
    from songsketch.gui.piano_roll import EMPTY_HINT, PianoRoll

    roll = PianoRoll()
    qtbot.addWidget(roll)
    roll.resize(700, 300)
    roll.show()
    assert roll.hint is not None and roll.hint.toPlainText() == EMPTY_HINT
    assert "Generate" in EMPTY_HINT and "MIDI file" in EMPTY_HINT
    shown = roll.view.mapFromScene(roll.hint.sceneBoundingRect()).boundingRect()
    assert roll.view.viewport().rect().contains(shown)
    picture = roll.view.viewport().grab().toImage()
    background = picture.pixelColor(shown.right() + 20, shown.bottom() + 20)
    inked = [
        (x, y)
        for x in range(shown.left(), shown.right())
        for y in range(shown.top(), shown.bottom())
        if picture.pixelColor(x, y) != background
    ]
    assert len(inked) > 500  # letters drawn
    roll.show_idea(typed_progression("C G Am F", (4, 4), 4, 100, None).idea)
    texts = [item.toPlainText() for item in roll.scene.items() if hasattr(item, "toPlainText")]
    assert roll.hint is None and EMPTY_HINT not in texts
    roll.show_idea(None)
    assert roll.hint is not None and roll.hint.isVisible()
