"""The Keras LSTM language model over idea tokens: build, compile, load for fine-tuning.

Saving a model folder atomically is ``publish``'s job, reading one ``store``'s. TensorFlow and
Keras are imported inside functions: importing this module is cheap. Generation never needs
this module (``store.load`` reads the weights without TensorFlow); training and the tests
against Keras do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..tokens.vocab import VOCAB
from .quiet import import_tensorflow
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
    import_tensorflow()  # quietly, the first time
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
    import_tensorflow()  # quietly, the first time
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


def load_keras_model(folder: str | os.PathLike):
    """A model folder as a Keras model (for fine-tuning and tests), loaded with safe_mode
    after the same checks as ``store.load`` (which also refuses foreign layers). Raises
    ModelError."""
    import_tensorflow()  # quietly, the first time
    import keras

    folder = Path(folder)
    load(folder)  # card, vocabulary, architecture, shapes
    try:
        return keras.saving.load_model(weights_file(folder, exact=True), compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises many types for damaged or unsafe files
        raise ModelError(
            f"{folder.name}: cannot load model: {type(exc).__name__}: {str(exc)[:160]}"
        ) from None
