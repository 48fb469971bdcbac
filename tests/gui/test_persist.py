"""Settings are saved as they change, not only when the window closes: a crash, a killed
process or a lost session keeps the model and the sound the user chose."""

import configparser
import shutil

import pytest

pytest.importorskip("PySide6.QtWidgets")


def saved(home) -> dict:
    """The settings file as it is on disk now (QSettings objects of one process share a
    cache, so the file itself is read)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(home / "settings.ini")
    return {f"{s}/{k}" if s != "General" else k: v for s in parser.sections() for k, v in parser[s].items()}


def test_the_model_and_the_sound_chosen_are_saved_while_the_window_is_open(
    qtbot, make_window, tiny_model, tmp_path
):
    home = tmp_path / "home"
    shutil.copytree(tiny_model[0], home / "models" / "mine")
    window = make_window(home)
    panel, sound = window.panel, window.playback.sound
    mine = str(home / "models" / "mine")
    assert panel.model.findData(mine) > 0
    panel.model.setCurrentIndex(panel.model.findData(mine))  # as a user picks it
    qtbot.waitUntil(lambda: saved(home).get("model") == mine, timeout=3000)
    panel.tempo.setValue(97)
    sound.volume.setValue(55)
    qtbot.waitUntil(lambda: saved(home).get("tempo") == "97", timeout=3000)
    assert saved(home)["sound/volume"] == "55"
    assert window.isVisible()  # nothing was closed: saved as chosen
    # and a window opened on that file (as after a crash) comes back with them
    qtbot.waitUntil(lambda: window.model_ready, timeout=60000)
    again = make_window(home)
    assert again.panel.model.currentData() == mine and again.panel.tempo.value() == 97


def test_a_home_of_its_own_keeps_its_own_settings(qtbot, tmp_path, monkeypatch):
    """With $SONGSKETCH_HOME set, the window's settings live there (a trial home used to open
    with the desktop's Key box and last folders)."""
    from songsketch.gui.app import build_window

    monkeypatch.setenv("SONGSKETCH_HOME", str(tmp_path / "home"))
    window = build_window()
    qtbot.addWidget(window)
    assert window.settings.fileName() == str(tmp_path / "home" / "settings.ini")
    window.close()
