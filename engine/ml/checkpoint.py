"""Resuming a training run: each epoch it saves its model (with the optimizer), its best
weights and its counters in a staging folder beside the model folder; a run of the same
songs, settings and base model started again goes on from there."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from ..common.files import atomic_write
from .settings import TrainSettings

if TYPE_CHECKING:
    from ..data.corpus import Song


def fingerprint(
    train_songs: Sequence[Song], val_songs: Sequence[Song], settings: TrainSettings, base_model
) -> str:
    """What a run trains on and how: a checkpoint resumes only the run it was saved by."""
    h = hashlib.sha256()
    for s in list(train_songs) + ["|"] + list(val_songs):
        h.update((s if isinstance(s, str) else s.path + str(s.bars)).encode())
    h.update(json.dumps(asdict(settings), sort_keys=True, default=str).encode())
    h.update(str(base_model).encode())
    return h.hexdigest()[:16]


class Checkpoint:
    """The staging folder ``.<name>.training`` beside the model folder ``out_dir``."""

    def __init__(self, out_dir: Path, fingerprint: str) -> None:
        self.folder = out_dir.parent / f".{out_dir.name}.training"
        self.fingerprint = fingerprint

    def load_state(self) -> dict | None:
        """The counters saved by this run (epoch, best_val, bad_epochs, history), or None."""
        try:
            state = json.loads((self.folder / "state.json").read_text())
        except (OSError, ValueError):
            return None
        if state.get("fingerprint") != self.fingerprint or not (self.folder / "resume.keras").is_file():
            return None
        return state

    def load_model(self):
        """The saved Keras model, compiled with its optimizer's state."""
        import keras

        return keras.saving.load_model(self.folder / "resume.keras", compile=True, safe_mode=True)

    def best_weights(self, model) -> list | None:
        """The best weights saved, read through ``model`` (left as it was), or None."""
        path = self.folder / "best.weights.h5"
        if not path.exists():
            return None
        keep = model.get_weights()
        model.load_weights(path)
        best = model.get_weights()
        model.set_weights(keep)
        return best

    def save(self, model, best_weights: list | None, state: dict) -> None:
        """Save the model with its optimizer, the best weights (when new) and the counters."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / ".resume.keras"
            model.save(tmp)
            os.replace(tmp, self.folder / "resume.keras")
            if best_weights is not None:
                current = model.get_weights()
                model.set_weights(best_weights)
                tmp = self.folder / ".best.weights.h5"
                model.save_weights(tmp)
                os.replace(tmp, self.folder / "best.weights.h5")
                model.set_weights(current)
            atomic_write(
                self.folder / "state.json", json.dumps({"fingerprint": self.fingerprint, **state}).encode()
            )
        except OSError:
            pass  # resuming is a convenience; training goes on

    def remove(self) -> None:
        """Drop the staging folder (the run is published)."""
        shutil.rmtree(self.folder, ignore_errors=True)
