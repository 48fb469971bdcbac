"""The LSTM engine with real (small) Keras models: training, fine-tuning, cancel, the NumPy
step, batched constrained generation, partial regeneration, primers, distribution."""

import json
import subprocess
import sys

import numpy as np
import pytest

from songsketch.engine.ml.model import load_keras_model
from songsketch.engine.ml.pieces import pieces
from songsketch.engine.ml.split import split_songs
from songsketch.engine.ml.store import load
from songsketch.engine.ml.training import (
    TrainingCancelled,
    TrainingError,
    TrainSettings,
    train,
)
from tests.helpers import ROOT

pytestmark = pytest.mark.slow  # trains models, kills processes


def test_training_lowers_the_loss(tiny_model):
    folder, result = tiny_model
    losses = [h["loss"] for h in result.history]
    assert len(losses) == 3 and losses[-1] < losses[0] - 0.3
    assert result.history[-1]["val_loss"] < result.history[0]["val_loss"]
    card = json.loads((folder / json.loads((folder / "current.json").read_text())["card"]).read_text())
    assert card["validation_loss"] == min(h["val_loss"] for h in result.history)
    assert card["data"]["validation_songs"] >= 1 and card["vocabulary"][:2] == ["PAD", "BOS"]


def test_the_same_seed_trains_the_same_model(chorale_songs, tmp_path):
    """A run is reproducible: its seed fixes the first weights, dropout and the batches, for a
    fine-tune too (the tests' tiny model, and a model card's "how to reproduce", rely on it)."""
    from songsketch.engine.ml.model import ModelConfig

    runs = {}

    def weights(seed, name, base=None):
        config = ModelConfig(embed_dim=8, units=16, layers=1, dropout=0.3)
        settings = TrainSettings(epochs=1, batch_size=4, val_fraction=0.3, seed=seed, config=config)
        runs[name] = train(chorale_songs[:6], tmp_path / name, settings, base_model=base)
        return load_keras_model(runs[name].folder).get_weights()

    first, again, other = weights(5, "a"), weights(5, "b"), weights(6, "c")
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, other))
    # a fine-tune too (its dropout was unseeded: two runs of one command differed)
    tuned, retuned = weights(7, "d", tmp_path / "a"), weights(7, "e", tmp_path / "a")
    for a, b in zip(tuned, retuned):
        np.testing.assert_array_equal(a, b)
    assert runs["d"].history == runs["e"].history  # the same steps, not only the base kept
    assert runs["d"].history[-1]["loss"] is not None


def test_validation_split_is_by_song(chorale_songs):
    train_songs, val_songs = split_songs(chorale_songs, 0.2, seed=1)
    assert {s.path for s in train_songs}.isdisjoint({s.path for s in val_songs})
    assert len(val_songs) == 2 and len(train_songs) + len(val_songs) == len(chorale_songs)
    with pytest.raises(TrainingError):
        split_songs(chorale_songs[:1], 0.1, 1)


def test_versions_of_one_tune_stay_on_one_side(chorale_songs):
    from songsketch.engine.data.corpus import Song

    # the same tune twice (another file, transposed), as a songwriter's folder often has
    twin = Song("twin", "zz/twin.mid", tuple(i.transposed(2) for i in chorale_songs[0].ideas))
    songs = list(chorale_songs) + [twin]
    for seed in range(8):
        train_songs, val_songs = split_songs(songs, 0.2, seed)
        sides = {s.name: ("val" if s in val_songs else "train") for s in songs}
        assert sides["twin"] == sides[chorale_songs[0].name]
        assert val_songs and train_songs


def test_pieces_are_verse_chorus_pairs(chorale_songs):
    for song in chorale_songs:
        for idea in song.ideas:
            for piece in pieces(idea):
                assert 1 <= len(piece.sections) <= 2 and all(s.bars <= 16 for s in piece.sections)
                piece.validate()


def test_fine_tuning_starts_from_the_base_weights(tiny_model, chorale_songs, tmp_path):
    base = load_keras_model(tiny_model[0])
    # a zero learning rate leaves the start untouched: the result is the base model's weights
    result = train(
        chorale_songs[:6],
        tmp_path / "tuned",
        TrainSettings(epochs=1, learning_rate=0.0, val_fraction=0.3),
        base_model=tiny_model[0],
    )
    tuned = load_keras_model(result.folder)
    for a, b in zip(base.get_weights(), tuned.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert result.card.base == "fine-tuned from tiny"


def test_fine_tuning_measures_the_base_first_and_never_ends_worse(tiny_model, chorale_songs, tmp_path):
    """The base model's loss on the new folder is reported before the first step, and it is
    the bar: a fine-tune that only makes things worse (here a ruinous learning rate)
    publishes the base weights, not its damage."""
    base = load_keras_model(tiny_model[0])
    reports = []
    result = train(
        chorale_songs[:8],
        tmp_path / "tuned",
        TrainSettings(epochs=2, learning_rate=400.0, fine_tune_rate=1.0, warmup_steps=1, val_fraction=0.3),
        base_model=tiny_model[0],
        progress=reports.append,
    )
    first = reports[0]
    assert first.epoch == 0 and first.val_loss is not None and first.message == "base model on this folder"
    assert result.history[0] == {"epoch": 0, "loss": None, "val_loss": first.val_loss, "tokens": 0}
    assert all(h["val_loss"] > first.val_loss for h in result.history[1:])  # the rate ruined it
    assert result.card.base_validation_loss == first.val_loss and result.card.best_epoch == 0
    tuned = load_keras_model(result.folder)
    for a, b in zip(base.get_weights(), tuned.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_cancel_keeps_the_previous_model(tiny_model, chorale_songs, tmp_path):
    import shutil

    folder = tmp_path / "mine"
    shutil.copytree(tiny_model[0], folder)
    before = (folder / "current.json").read_text()
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(TrainingCancelled):
        train(
            chorale_songs, folder, TrainSettings(epochs=5, val_fraction=0.2), base_model=folder, cancel=cancel
        )
    assert (folder / "current.json").read_text() == before
    assert load(folder).card.name == "tiny"


DISTRIBUTED = r"""
import os, sys, json
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from songsketch.engine.data.corpus import builtin_paths, load_files
from songsketch.engine.ml.model import ModelConfig
from songsketch.engine.ml.training import TrainSettings, train

paths = [p for p in builtin_paths() if p.name in ("bwv66.6.mxl", "bwv1.6.mxl", "bwv10.7.mxl", "bwv101.7.mxl")]
songs = load_files(paths, None, melody_first=True).songs
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
result = train(songs, sys.argv[1], TrainSettings(epochs=2, batch_size=8, val_fraction=0.25,
               config=ModelConfig(embed_dim=16, units=32, layers=1, dropout=0.0)), strategy=strategy)
print(json.dumps({"replicas": strategy.num_replicas_in_sync, "history": result.history}))
"""


def test_training_runs_under_mirrored_strategy(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", DISTRIBUTED, str(tmp_path / "dist")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["replicas"] == 2 and len(out["history"]) == 2
    load(tmp_path / "dist")
