"""The Keras LSTM language model over idea tokens: build, compile, save atomically, load.

Saving writes a model folder (see ``store``) atomically. TensorFlow/Keras are imported inside
functions: importing this module is cheap. Generation never needs this module (``store.load``
reads the weights without TensorFlow); training and the tests against Keras do.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..common.files import atomic_write
from ..tokens.vocab import ENCODING_VERSION, VOCAB
from .store import ModelError, load, weights_file


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = len(VOCAB)
    embed_dim: int = 128
    units: int = 192  # 2 x 192 matched 2 x 256 on held-out tunes (1.491 vs 1.488) at 0.6x the cost
    layers: int = 2
    dropout: float = 0.15


def build_model(config: ModelConfig):
    """Embedding -> LSTM x layers (many-to-many) -> logits over the vocabulary."""
    import keras

    inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(config.vocab_size, config.embed_dim, mask_zero=True, name="embed")(inputs)
    for i in range(config.layers):
        x = keras.layers.LSTM(config.units, return_sequences=True, dropout=config.dropout, name=f"lstm{i}")(x)
        if config.dropout:
            x = keras.layers.Dropout(config.dropout, name=f"drop{i}")(x)
    logits = keras.layers.Dense(config.vocab_size, name="logits")(x)
    return keras.Model(inputs, logits, name="songsketch_lstm")


def compile_model(model, learning_rate: float = 2e-3) -> None:
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=[],
    )


def config_of(model) -> ModelConfig:
    """The ModelConfig that describes a built model."""
    embed = model.get_layer("embed")
    lstms = [layer for layer in model.layers if layer.name.startswith("lstm")]
    return ModelConfig(
        vocab_size=embed.input_dim,
        embed_dim=embed.output_dim,
        units=lstms[0].units,
        layers=len(lstms),
        dropout=float(lstms[0].dropout),
    )


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
        fresh = build_model(config_of(model))  # weights only: no optimizer state to ship
        fresh.set_weights(model.get_weights())
        model = fresh
    try:
        model.save(tmp_weights)
        with open(tmp_weights, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_weights, folder / weights_name)
        written.append(folder / weights_name)
        card = dict(
            card, vocabulary=list(VOCAB.tokens), encoding=ENCODING_VERSION, config=asdict(config_of(model))
        )
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
                continue  # another save may be writing it
            try:
                old.unlink()
            except OSError:
                pass


def load_keras_model(folder: str | os.PathLike):
    """A model folder as a Keras model (for fine-tuning and tests), loaded with safe_mode
    after the same checks as ``store.load`` (which also refuses foreign layers). Raises
    ModelError."""
    import keras

    folder = Path(folder)
    load(folder)  # card, vocabulary, architecture, shapes
    try:
        return keras.saving.load_model(weights_file(folder, exact=True), compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises many types for damaged or unsafe files
        raise ModelError(
            f"{folder.name}: cannot load model: {type(exc).__name__}: {str(exc)[:160]}"
        ) from None
