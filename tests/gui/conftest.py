"""The GUI tests' shared fixtures: real windows (offscreen) over the session's tiny model."""

from pathlib import Path

import pytest


@pytest.fixture
def make_window(qtbot, tmp_path, tiny_model):
    """Make a window whose settings and library live in ``home``, shown, its model loaded;
    every window made is closed after the test."""
    from PySide6.QtCore import QSettings

    from songsketch.engine.data.library import Library
    from songsketch.gui.main_window import MainWindow

    windows = []

    def make(home: Path = tmp_path / "home") -> MainWindow:
        home.mkdir(parents=True, exist_ok=True)
        settings = QSettings(str(home / "settings.ini"), QSettings.IniFormat)
        window = MainWindow(
            Library(home / "library.sqlite"), tiny_model[0], home / "models", home / "cache", settings
        )
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.model_ready, timeout=60000)
        windows.append(window)
        return window

    yield make
    for w in windows:
        w.close()
    qtbot.wait(50)  # deliver what the stopped workers queued while the windows still exist


@pytest.fixture
def generate_and_wait(qtbot):
    """Generate in a window and wait until the window itself has taken every idea in (its
    slots run queued on the UI thread, after the worker's signals)."""

    def generate(window, timeout: int = 60000) -> None:
        window.generate()
        assert window.generating
        qtbot.waitUntil(lambda: not window.generating, timeout=timeout)

    return generate
