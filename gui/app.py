"""Start the desktop app: window first, the model loads in the background."""

from __future__ import annotations

import os
import sys

from songsketch.engine.api import Home, Library, default_model_dir


def _old_library() -> "os.PathLike":
    """Where versions before the one home folder kept the library (Qt's data folder)."""
    from pathlib import Path

    from PySide6.QtCore import QStandardPaths

    return (
        Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
        / "library.sqlite"
    )


def build_window(home: Home | None = None, settings=None):
    """The main window with its library, models and cache under ``home`` (by default
    ``$SONGSKETCH_HOME`` or the platform's data folder); with ``$SONGSKETCH_HOME`` set, its
    settings too (``settings.ini`` there), else the desktop's place for them."""
    from songsketch.gui.main_window import MainWindow

    if home is None:
        home = Home.from_environment()
        if not os.environ.get("SONGSKETCH_HOME"):
            home.adopt_old_library(_old_library())
        elif settings is None:  # a home of its own keeps its own settings, not the desktop's
            from PySide6.QtCore import QSettings

            settings = QSettings(str(home.root / "settings.ini"), QSettings.Format.IniFormat)
    home.root.mkdir(parents=True, exist_ok=True)
    return MainWindow(Library(home.library), default_model_dir(), home.models, home.cache, settings)


def run_app() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from PySide6.QtWidgets import QApplication

    from songsketch.gui.qt_messages import quiet_qt_start_up

    quiet_qt_start_up()

    app = QApplication.instance() or QApplication(sys.argv)
    app.setOrganizationName("Songsketch")
    app.setApplicationName("Songsketch")
    window = build_window()
    window.show()
    return app.exec()
