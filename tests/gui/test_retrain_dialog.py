"""The retrain dialog: a folder read (a broken file named with its reason), a model trained
and chosen, a cancelled training that keeps the model before."""

from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWidgets")

from songsketch.engine.formats.midi import write_midi
from songsketch.engine.ml.store import read_card
from songsketch.engine.ml.training import TrainSettings
from songsketch.gui.retrain_dialog import RetrainDialog


def _song_folder(folder: Path, songs) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for song in songs:
        write_midi(song.ideas[0], folder / f"{song.name}.mid")
    (folder / "broken.mid").write_bytes(b"MThd\x00\x00")
    return folder


def _scanned_dialog(qtbot, tmp_path, tiny_model, chorale_songs, folder_name):
    """A retrain dialog that has read a folder of six chorales and one broken file."""
    dialog = RetrainDialog(tmp_path / "models", tiny_model[0], tmp_path / "cache")
    qtbot.addWidget(dialog)
    dialog.choose_folder(str(_song_folder(tmp_path / folder_name, chorale_songs[:6])))
    qtbot.waitUntil(lambda: dialog.files.rowCount() > 0, timeout=60000)
    return dialog


def test_retrain_dialog_trains_and_selects_the_new_model(qtbot, tmp_path, tiny_model, chorale_songs):
    dialog = _scanned_dialog(qtbot, tmp_path, tiny_model, chorale_songs, "My Songs")
    assert dialog.files.rowCount() == 7
    reasons = {dialog.files.item(r, 0).text(): dialog.files.item(r, 2).text() for r in range(7)}
    assert reasons["broken.mid"].startswith("damaged MIDI")
    assert dialog.train_button.isEnabled()
    with qtbot.waitSignal(dialog.modelTrained, timeout=180000) as blocker:
        dialog.start_training(TrainSettings(epochs=2, val_fraction=0.2))
    out = Path(blocker.args[0])
    assert out.name == "My-Songs"
    card = read_card(out)
    assert card.base == "fine-tuned from tiny" and len(card.history) >= 1
    assert dialog.curve.epochs and dialog.progress.value() == 100
    dialog.shutdown()


def test_retrain_cancel_keeps_the_previous_model(qtbot, tmp_path, tiny_model, chorale_songs):
    models = tmp_path / "models"
    dialog = _scanned_dialog(qtbot, tmp_path, tiny_model, chorale_songs, "songs")
    dialog.start_training(TrainSettings(epochs=20, val_fraction=0.2))
    qtbot.waitUntil(lambda: bool(dialog.curve.batch_loss), timeout=60000)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.training, timeout=120000)
    assert not (models / "songs" / "current.json").exists()
    assert "cancelled" in dialog.status.text()
    assert read_card(tiny_model[0]).name == "tiny"
    dialog.shutdown()
