"""The LSTM language model over idea tokens: build, save (atomically), load (safe_mode).

A model lives in a folder::

    current.json          -> names the files below; replaced atomically last
    model-<stamp>.keras   Keras 3 file (architecture + weights), loaded with safe_mode
    card-<stamp>.json     model card: data, settings, epochs, losses, date, how to reproduce,
                          and the vocabulary it was trained on

so that a crash while saving leaves the previous model complete and selected.
TensorFlow/Keras are imported inside functions: importing this module is cheap.
"""
from __future__ import annotations

import json
import os
import time
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .midi_io import atomic_write
from .representation import ENCODING_VERSION, VOCAB


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = len(VOCAB)
    embed_dim: int = 128
    units: int = 192          # 2 x 192 matched 2 x 256 on held-out tunes (1.491 vs 1.488) at 0.6x the cost
    layers: int = 2
    dropout: float = 0.15


class ModelError(ValueError):
    """A model folder that is missing, damaged, foreign or incompatible (message says why)."""


def build_model(config: ModelConfig):
    """Embedding -> LSTM x layers (many-to-many) -> logits over the vocabulary."""
    import keras

    inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(config.vocab_size, config.embed_dim, mask_zero=True, name="embed")(inputs)
    for i in range(config.layers):
        x = keras.layers.LSTM(config.units, return_sequences=True, dropout=config.dropout,
                              name=f"lstm{i}")(x)
        if config.dropout:
            x = keras.layers.Dropout(config.dropout, name=f"drop{i}")(x)
    logits = keras.layers.Dense(config.vocab_size, name="logits")(x)
    return keras.Model(inputs, logits, name="songsketch_lstm")


def compile_model(model, learning_rate: float = 2e-3) -> None:
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  weighted_metrics=[])


def config_of(model) -> ModelConfig:
    """The ModelConfig that describes a built model."""
    embed = model.get_layer("embed")
    lstms = [layer for layer in model.layers if layer.name.startswith("lstm")]
    return ModelConfig(vocab_size=embed.input_dim, embed_dim=embed.output_dim,
                       units=lstms[0].units, layers=len(lstms), dropout=float(lstms[0].dropout))


@dataclass
class LSTMWeights:
    """Plain NumPy weights of the model (for the fast decoding step)."""
    embedding: np.ndarray                       # (V, E)
    layers: list[tuple[np.ndarray, np.ndarray, np.ndarray]]   # (kernel, recurrent, bias) each
    dense_w: np.ndarray                         # (H, V)
    dense_b: np.ndarray                         # (V,)

    @classmethod
    def from_keras(cls, model) -> "LSTMWeights":
        embed = model.get_layer("embed").get_weights()[0]
        layers = []
        for layer in model.layers:
            if layer.name.startswith("lstm"):
                k, r, b = layer.get_weights()
                layers.append((k.astype(np.float32), r.astype(np.float32), b.astype(np.float32)))
        w, b = model.get_layer("logits").get_weights()
        return cls(embed.astype(np.float32), layers, w.astype(np.float32), b.astype(np.float32))


@dataclass
class LoadedModel:
    """A model ready to generate: its Keras object, NumPy weights and card."""
    name: str
    path: Path
    keras_model: object
    weights: LSTMWeights
    card: dict


def _read_pointer(folder: Path) -> dict:
    pointer = folder / "current.json"
    if not folder.is_dir():
        raise ModelError(f"model folder not found: {folder}")
    try:
        data = json.loads(pointer.read_text())
        if not isinstance(data, dict) or "weights" not in data or "card" not in data:
            raise ValueError("fields missing")
        return data
    except FileNotFoundError:
        raise ModelError(f"no model in {folder} (current.json missing)") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"damaged model pointer in {folder}: {exc}") from None


def read_card(folder: str | os.PathLike) -> dict:
    """The model card of a model folder (no TensorFlow needed). Raises ModelError."""
    folder = Path(folder)
    pointer = _read_pointer(folder)
    try:
        card = json.loads((folder / pointer["card"]).read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"damaged model card in {folder}: {exc}") from None
    if not isinstance(card, dict):
        raise ModelError(f"damaged model card in {folder}")
    return card


def load_model(folder: str | os.PathLike) -> LoadedModel:
    """Load a model folder with Keras safe_mode (a file carrying code is refused).

    Raises ModelError with a message for a missing, damaged, foreign or incompatible model."""
    import keras

    folder = Path(folder)
    pointer = _read_pointer(folder)
    card = read_card(folder)
    if card.get("vocabulary") != list(VOCAB.tokens) or card.get("encoding", 1) != ENCODING_VERSION:
        raise ModelError(f"{folder.name}: made for an older token encoding; retrain it "
                         "(Retrain… in the app, or main.py train)")
    weights_path = folder / pointer["weights"]
    if not weights_path.is_file():
        raise ModelError(f"{folder.name}: weights file missing ({weights_path.name})")
    if not zipfile.is_zipfile(weights_path):
        raise ModelError(f"{folder.name}: weights file is damaged (not a .keras archive)")
    try:
        model = keras.saving.load_model(weights_path, compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises many types for damaged or unsafe files
        raise ModelError(f"{folder.name}: cannot load model: {type(exc).__name__}: {str(exc)[:160]}") from None
    try:
        config = config_of(model)
        if config.vocab_size != len(VOCAB):
            raise ModelError(f"{folder.name}: output size {config.vocab_size} != vocabulary {len(VOCAB)}")
        weights = LSTMWeights.from_keras(model)
    except (ValueError, AttributeError, KeyError) as exc:
        raise ModelError(f"{folder.name}: not a Songsketch model ({exc})") from None
    return LoadedModel(card.get("name", folder.name), folder, model, weights, card)


def save_model(folder: str | os.PathLike, model, card: dict, extra: dict[str, bytes] | None = None) -> None:
    """Save atomically: new files beside the old, then ``current.json`` replaced in one step,
    then the old files removed. ``extra`` = {kind: bytes} files saved alongside (e.g. the
    originality index), named ``<kind>-<stamp>.<ext>`` and listed in the pointer.

    Raises OSError (disk full...) leaving the previous model selected and whole."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    weights_name, card_name = f"model-{stamp}.keras", f"card-{stamp}.json"
    tmp_weights = folder / f".tmp-{weights_name}"
    written: list[Path] = []
    if getattr(model, "optimizer", None) is not None:
        fresh = build_model(config_of(model))      # weights only: no optimizer state to ship
        fresh.set_weights(model.get_weights())
        model = fresh
    try:
        model.save(tmp_weights)
        with open(tmp_weights, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_weights, folder / weights_name)
        written.append(folder / weights_name)
        card = dict(card, vocabulary=list(VOCAB.tokens), encoding=ENCODING_VERSION,
                    config=asdict(config_of(model)))
        atomic_write(folder / card_name, json.dumps(card, indent=1).encode())
        written.append(folder / card_name)
        pointer = {"weights": weights_name, "card": card_name}
        for kind, data in (extra or {}).items():
            name = f"{kind}-{stamp}.json"
            atomic_write(folder / name, data)
            written.append(folder / name)
            pointer[kind] = name
        atomic_write(folder / "current.json", json.dumps(pointer).encode())
    except BaseException:
        for path in written + [tmp_weights]:
            try:
                path.unlink()
            except OSError:
                pass
        raise
    keep = set(pointer.values()) | {"current.json"}
    for old in folder.iterdir():
        if old.name not in keep and old.name.split("-")[0] in ("model", "card", "index", ".tmp"):
            if old.name.startswith(".tmp") and old.stat().st_mtime > time.time() - 3600:
                continue   # another save may be writing it
            try:
                old.unlink()
            except OSError:
                pass


def read_extra(folder: str | os.PathLike, kind: str) -> bytes | None:
    """A file saved with ``save_model(extra=...)``, or None."""
    folder = Path(folder)
    try:
        name = _read_pointer(folder).get(kind)
        return (folder / name).read_bytes() if name else None
    except (ModelError, OSError):
        return None


def list_models(models_dir: str | os.PathLike) -> list[tuple[str, Path]]:
    """(name, folder) of each user model with a readable card, newest first."""
    models_dir = Path(models_dir)
    found = []
    if not models_dir.is_dir():
        return found
    for folder in models_dir.iterdir():
        if folder.is_dir() and (folder / "current.json").is_file():
            try:
                card = read_card(folder)
            except ModelError:
                continue
            found.append((card.get("created", ""), folder.name, folder))
    return [(name, folder) for _, name, folder in sorted(found, reverse=True)]
