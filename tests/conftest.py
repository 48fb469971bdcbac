"""Shared fixtures: a few real chorales from the music21 corpus, and a tiny trained model."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CHORALES = [
    "bwv66.6.mxl",
    "bwv1.6.mxl",
    "bwv10.7.mxl",
    "bwv101.7.mxl",
    "bwv102.7.mxl",
    "bwv103.6.mxl",
    "bwv104.6.mxl",
    "bwv108.6.mxl",
    "bwv11.6.mxl",
    "bwv110.7.mxl",
    "bwv111.6.mxl",
    "bwv112.5.mxl",
]


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def chorale_songs(cache_dir):
    """A dozen Bach chorales through the real corpus loader (soprano melody, chords below)."""
    from songsketch.engine.data.corpus import builtin_paths, load_files

    paths = [p for p in builtin_paths() if p.name in CHORALES]
    corpus = load_files(paths, cache_dir, melody_first=True)
    assert len(corpus.songs) >= 10
    return corpus.songs


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, chorale_songs):
    """A small LSTM trained for a few epochs on the chorales (a real Keras model)."""
    from songsketch.engine.ml.model import ModelConfig
    from songsketch.engine.ml.training import TrainSettings, train

    folder = tmp_path_factory.mktemp("models") / "tiny"
    settings = TrainSettings(
        epochs=3,
        batch_size=4,
        learning_rate=1e-2,
        patience=3,
        val_fraction=0.2,
        config=ModelConfig(embed_dim=24, units=48, layers=2, dropout=0.0),
    )
    result = train(chorale_songs, folder, settings, name="tiny")
    return folder, result


SLOW_FIXTURES = {"tiny_model"}  # trains a real Keras model (once per session, ~20 s)


def pytest_collection_modifyitems(config, items):
    """Tests that need a trained model are slow as well as those marked so by hand:
    ``pytest -m "not slow"`` is the fast subset."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
