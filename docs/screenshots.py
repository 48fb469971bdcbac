"""Render the real main window and retrain dialog offscreen and save PNGs under docs/.

QT_QPA_PLATFORM=offscreen python docs/screenshots.py [MODEL_FOLDER]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from songsketch.engine.common import paths
from songsketch.engine.data.corpus import builtin_paths, load_files
from songsketch.engine.data.library import Library
from songsketch.engine.formats.midi import write_midi
from songsketch.engine.ml.training import TrainSettings
from songsketch.gui.main_window import MainWindow
from songsketch.gui.retrain_dialog import RetrainDialog

DOCS = Path(__file__).resolve().parent


def wait(app, condition, seconds=300):
    end = time.time() + seconds
    while not condition() and time.time() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> None:
    model = Path(sys.argv[1]) if len(sys.argv) > 1 else paths.default_model_dir()
    app = QApplication.instance() or QApplication(sys.argv)
    home = Path(tempfile.mkdtemp(prefix="songsketch-shots-"))
    settings = QSettings(str(home / "s.ini"), QSettings.IniFormat)
    window = MainWindow(Library(home / "library.sqlite"), model, home / "models", home / "cache", settings)
    window.resize(1280, 800)
    window.show()
    wait(app, lambda: window.model_ready)
    window.playback.sound.wait_for_font()
    window.panel.count.setValue(12)
    window.panel.bars.setValue(8)
    window.panel.seed.setValue(7)
    window.generate()
    wait(app, lambda: not window.generating)
    window.table.selectRow(1)
    window.ideas_list.toggle_favourite()
    window.table.selectRow(0)
    for _ in range(20):
        app.processEvents()
    window.grab().save(str(DOCS / "main_window.png"))
    # bars 5-6 of the selected idea rewritten (a drag across the bar numbers selects them)
    window.roll.set_span(4, 2)
    window.rewrite_span("both")
    wait(app, lambda: not window.generating)  # (the first new version, under its source, selected)
    window.roll.set_span(4, 2)  # the band over the rewritten bars of the new version
    for _ in range(20):
        app.processEvents()
    window.grab().save(str(DOCS / "rewrite_bars.png"))
    # melody first: an idea's melody alone (Ctrl+Shift+K), then new chords for it (Ctrl+K)
    window.table.selectRow(0)
    window.melody_alone()
    tune = window.current_entry()
    window.regenerate("melody")
    wait(app, lambda: not window.generating)
    window.ideas_list.select(tune)
    for _ in range(20):
        app.processEvents()
    window.grab().save(str(DOCS / "melody_first.png"))
    # melodies over typed chords, the melody on an electric piano
    melody = window.playback.sound.melody_instrument
    melody.setCurrentIndex(melody.findData(4))
    window.panel.progression.setText("Am | F | C | G E7")
    window.panel.count.setValue(8)
    window.generate()
    wait(app, lambda: not window.generating)
    window.table.selectRow(0)
    for _ in range(20):
        app.processEvents()
    window.grab().save(str(DOCS / "over_chords.png"))
    window.panel.progression.clear()

    songs_dir = home / "My Songs"
    songs_dir.mkdir()
    chosen = [p for p in builtin_paths() if p.name.startswith("bwv2")][:8]
    for song in load_files(chosen, paths.Home.from_environment().cache, melody_first=True).songs:
        write_midi(song.ideas[0], songs_dir / f"{song.name}.mid")
    (songs_dir / "notes.txt").write_text("lyrics")
    (songs_dir / "broken export.mid").write_bytes(b"MThd\x00\x00\x00\x06")
    dialog = RetrainDialog(home / "models", model, home / "cache")
    dialog.show()
    dialog.choose_folder(str(songs_dir))
    wait(app, lambda: dialog.files.rowCount() > 0)
    dialog.start_training(TrainSettings(epochs=3, learning_rate=5e-4, val_fraction=0.25))
    wait(app, lambda: not dialog.training, 900)
    dialog.grab().save(str(DOCS / "retrain_dialog.png"))
    dialog.shutdown()
    window.close()
    print(
        "saved",
        *(
            DOCS / n
            for n in (
                "main_window.png",
                "rewrite_bars.png",
                "melody_first.png",
                "over_chords.png",
                "retrain_dialog.png",
            )
        ),
    )


if __name__ == "__main__":
    main()
