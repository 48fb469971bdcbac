"""Start the desktop app: window first, the model loads in the background."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def data_dir() -> Path:
    """The user's data folder (QStandardPaths), or $SONGSKETCH_HOME when set."""
    if os.environ.get("SONGSKETCH_HOME"):
        return Path(os.environ["SONGSKETCH_HOME"])
    from PySide6.QtCore import QStandardPaths
    return Path(QStandardPaths.writableLocation(QStandardPaths.AppDataLocation))


def build_window(home: Path | None = None, settings=None):
    """The main window with its library, models and cache under ``home``."""
    from engine import paths
    from engine.library import Library
    from gui.main_window import MainWindow

    explicit = home is not None
    home = home or data_dir()
    home.mkdir(parents=True, exist_ok=True)
    library = Library(home / "library.sqlite")
    # models and the corpus cache are shared with the command line
    models = home / "models" if explicit else paths.models_dir()
    cache = home / "cache" if explicit else paths.cache_dir()
    return MainWindow(library, paths.DEFAULT_MODEL_DIR, models, cache, settings)


def run_app() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    app.setOrganizationName("Songsketch")
    app.setApplicationName("Songsketch")
    window = build_window()
    window.show()
    return app.exec()
