"""The window fits the screen it opens on: its usual 1180 x 760 where there is room, smaller on
a 1024 x 600 screen, with every control whole there (the Generate panel scrolls when the window
is shorter than it)."""

import pytest

pytest.importorskip("PySide6.QtWidgets")
from PySide6.QtCore import QSize


def test_the_size_is_the_usual_one_where_it_fits_and_the_screen_less_a_frame_where_not():
    from songsketch.gui.window_size import DEFAULT_SIZE, fitted_window_size

    least = QSize(960, 460)
    assert fitted_window_size(DEFAULT_SIZE, least, QSize(1920, 1050)) == QSize(1180, 760)
    assert fitted_window_size(DEFAULT_SIZE, least, QSize(1024, 600)) == QSize(1008, 560)
    assert fitted_window_size(DEFAULT_SIZE, least, QSize(1024, 576)) == QSize(1008, 536)  # a panel
    assert fitted_window_size(DEFAULT_SIZE, least, QSize(800, 480)) == least  # never below its least


def _whole(widget) -> bool:
    """Whether all of ``widget`` is on screen in its window (not cut off by a parent)."""
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


def test_at_1024_by_600_every_part_of_the_window_is_whole_or_scrolled_to(qtbot, make_window):
    from songsketch.gui.window_size import DEFAULT_SIZE, fitted_window_size

    window = make_window()
    screen = window.screen().availableGeometry().size()  # (the test screen: 800 x 800)
    fitted = fitted_window_size(DEFAULT_SIZE, window.minimumSizeHint(), screen)
    # (the least size moves by a few pixels as labels change after opening: the SoundFont
    # button's 'loading…', the Input list once the inputs are listed)
    assert window.height() == fitted.height() and abs(window.width() - fitted.width()) <= 8
    window.playback.sound.wait_for_font()
    least = window.minimumSizeHint()
    # room for a title bar and a desktop panel on a 1024 x 600 screen
    assert least.width() <= 1024 - 16 and least.height() <= 600 - 24 - 40
    size = fitted_window_size(DEFAULT_SIZE, least, QSize(1024, 600 - 24))
    window.resize(size)
    qtbot.waitUntil(lambda: window.size() == size)
    assert window.width() <= 1024 and window.height() <= 600
    sound, playback = window.playback.sound, window.playback
    for part in (
        window.table,
        window.roll,
        playback.play_button,
        playback.record_button,
        playback.zoom,
        sound.font_button,
        sound.chord_instrument,
        sound.melody_instrument,
        sound.room,
        sound.volume,
    ):
        assert _whole(part), part
    assert window.roll.view.viewport().height() >= 150  # room to see the notes
    # the panel is taller than the window leaves it: it scrolls, and each control can be seen
    scroll = window.panel_scroll
    assert scroll.verticalScrollBar().maximum() > 0
    panel = window.panel
    for control in (panel.count, panel.progression, panel.model, panel.generate_button, panel.stop_button):
        scroll.ensureWidgetVisible(control)
        assert _whole(control), control
    assert window.panel.progression.width() >= 250  # eight bars of chords in sight still


def test_at_its_usual_size_the_whole_panel_is_in_sight(qtbot, make_window):
    from songsketch.gui.window_size import DEFAULT_SIZE, fitted_window_size

    window = make_window()
    assert fitted_window_size(DEFAULT_SIZE, window.minimumSizeHint(), QSize(1920, 1050)) == DEFAULT_SIZE
    window.resize(DEFAULT_SIZE)
    qtbot.waitUntil(lambda: window.size() == DEFAULT_SIZE)
    scroll = window.panel_scroll
    assert scroll.verticalScrollBar().maximum() == 0  # the whole panel, no scroll bar
