"""The model's weights as plain NumPy arrays, read straight from a ``.keras`` file.

A ``.keras`` file is a zip holding ``config.json`` (the architecture) and ``model.weights.h5``
(HDF5, one group per layer: ``layers/embedding/vars/0``, ``layers/lstm/cell/vars/0..2``,
``layers/lstm_1/...``, ``layers/dense/vars/0..1``). Reading it with h5py takes a few
milliseconds and never imports TensorFlow; no code in the file is run, and an architecture
other than Songsketch's (embedding -> LSTMs -> dense; a ``Lambda`` layer, say) is refused.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# the layer classes a Songsketch model is made of (NotEqual: the embedding's padding mask)
_KNOWN_LAYERS = frozenset(("InputLayer", "Embedding", "NotEqual", "LSTM", "Dropout", "Dense"))


class WeightsError(ValueError):
    """A weights file that is damaged or not a Songsketch model (message says why)."""


@dataclass
class LSTMWeights:
    """Plain NumPy weights of the model (float32), for the fast decoding step."""

    embedding: np.ndarray  # (V, E)
    layers: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # (kernel, recurrent, bias) each
    dense_w: np.ndarray  # (H, V)
    dense_b: np.ndarray  # (V,)

    @property
    def vocab_size(self) -> int:
        return int(self.dense_b.shape[0])

    @classmethod
    def from_keras_file(cls, path: str | Path) -> "LSTMWeights":
        """The weights in a ``.keras`` file, read with h5py. Raises WeightsError."""
        import h5py

        try:
            with zipfile.ZipFile(path) as archive:
                config = json.loads(archive.read("config.json"))
                data = archive.read("model.weights.h5")
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise WeightsError(f"not a readable .keras archive ({exc})") from None
        classes = _layer_classes(config)
        unknown = sorted(set(classes) - _KNOWN_LAYERS)
        if unknown:
            raise WeightsError(f"not a Songsketch model (layers {', '.join(unknown)})")
        lstm_count = classes.count("LSTM")
        if classes.count("Embedding") != 1 or classes.count("Dense") != 1 or lstm_count < 1:
            raise WeightsError("not a Songsketch model (expected embedding, LSTMs, dense)")
        try:
            with h5py.File(io.BytesIO(data), "r") as h5:
                groups = h5["layers"]
                lstm_names = sorted(
                    (name for name in groups if re.fullmatch(r"lstm(_\d+)?", name)),
                    key=lambda n: int(n.rpartition("_")[2]) if "_" in n else 0,
                )
                if len(lstm_names) != lstm_count:
                    raise WeightsError(f"{len(lstm_names)} LSTM weight groups for {lstm_count} layers")
                embedding = _array(groups, "embedding/vars/0")
                layers = [
                    tuple(_array(groups, f"{name}/cell/vars/{i}") for i in range(3)) for name in lstm_names
                ]
                dense_w, dense_b = _array(groups, "dense/vars/0"), _array(groups, "dense/vars/1")
        except (OSError, KeyError) as exc:
            raise WeightsError(f"damaged weights ({exc})") from None
        weights = cls(embedding, layers, dense_w, dense_b)
        weights.check()
        return weights

    def remapped(self, tokens: list[str], vocabulary: tuple[str, ...]) -> "LSTMWeights":
        """These weights, trained on ``tokens``, moved onto ``vocabulary`` (which holds every one
        of them): rows and columns follow their tokens; a token the model never learnt gets a
        zero embedding and is never predicted."""
        where = {t: i for i, t in enumerate(vocabulary)}
        rows = np.array([where[t] for t in tokens])
        embedding = np.zeros((len(vocabulary), self.embedding.shape[1]), np.float32)
        embedding[rows] = self.embedding
        dense_w = np.zeros((self.dense_w.shape[0], len(vocabulary)), np.float32)
        dense_w[:, rows] = self.dense_w
        dense_b = np.full(len(vocabulary), -1e9, np.float32)
        dense_b[rows] = self.dense_b
        return LSTMWeights(embedding, self.layers, dense_w, dense_b)

    def check(self) -> None:
        """Raise WeightsError unless the shapes fit together."""
        vocab, width = self.embedding.shape
        for kernel, recurrent, bias in self.layers:
            units = recurrent.shape[0]
            if (
                kernel.shape != (width, 4 * units)
                or recurrent.shape != (units, 4 * units)
                or bias.shape != (4 * units,)
            ):
                raise WeightsError("LSTM weights of inconsistent shapes")
            width = units
        if self.dense_w.shape != (width, vocab) or self.dense_b.shape != (vocab,):
            raise WeightsError("output weights do not fit the embedding's vocabulary")


def _layer_classes(config: dict) -> list[str]:
    try:
        return [layer["class_name"] for layer in config["config"]["layers"]]
    except (KeyError, TypeError) as exc:
        raise WeightsError(f"not a Keras functional model ({exc})") from None


def _array(group, path: str) -> np.ndarray:
    return np.asarray(group[path], dtype=np.float32)
