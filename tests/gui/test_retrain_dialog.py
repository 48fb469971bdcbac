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


def test_the_dialog_says_how_much_music_a_small_folder_holds(qtbot, tmp_path):
    from tests.helpers import song_folder

    dialog = RetrainDialog(tmp_path / "models", tmp_path / "no-model", tmp_path / "cache")
    qtbot.addWidget(dialog)
    dialog.choose_folder(str(song_folder(tmp_path / "two songs")))
    qtbot.waitUntil(lambda: dialog.files.rowCount() > 0, timeout=60000)
    text = dialog.summary.text()
    assert "Used 2, skipped 4: 2 songs, 16 bars, under a minute of music." in text
    assert "a few songs mostly teach the model to repeat them" in text
    assert dialog.train_button.isEnabled()  # a warning, not a refusal
    dialog.resize(1024, 600)
    dialog.show()
    dialog.grab().save(str(tmp_path / "retrain-small-folder.png"))
    dialog.shutdown()


def test_a_model_no_better_than_its_base_is_kept_not_selected(qtbot, tmp_path, make_window, chorale_songs):
    """A fine-tune that ends no better than its base on the songs set aside (a wild rate
    wrecks the one pass; the base's weights are kept) is saved and listed under Model, the
    model in use stays chosen, and the dialog says so."""
    window = make_window()
    chosen = window.panel.model.currentData()
    window.open_retrain()
    dialog = window.retrain_dialog
    dialog.choose_folder(str(_song_folder(tmp_path / "few", chorale_songs[:6])))
    qtbot.waitUntil(lambda: dialog.train_button.isEnabled(), timeout=60000)
    trained = []
    dialog.modelTrained.connect(trained.append)
    with qtbot.waitSignal(dialog.modelKept, timeout=180000) as blocker:
        dialog.start_training(TrainSettings(epochs=1, learning_rate=5.0, val_fraction=0.2))
    card = read_card(blocker.args[0])
    assert card.validation_loss == card.base_validation_loss and card.best_epoch == 0
    assert not trained
    assert "no better" in dialog.status.text() and "kept but not selected" in dialog.status.text()
    models = [window.panel.model.itemData(i) for i in range(window.panel.model.count())]
    assert blocker.args[0] in models and window.panel.model.currentData() == chosen
    dialog.grab().save(str(tmp_path / "retrain-kept.png"))
    dialog.shutdown()
