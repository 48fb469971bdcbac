"""Model folders: find, read and check them without TensorFlow.

A model lives in a folder::

    current.json          -> names the files below; replaced atomically last
    model-<stamp>.keras   Keras 3 file (architecture + weights)
    card-<stamp>.json     model card: data, settings, epochs, losses, date, how to reproduce,
                          and the vocabulary it was trained on
    index-<stamp>.json    the originality index of its training songs

so that a crash while saving (``publish.save_model``) leaves the previous model complete and
selected. Loading for generation (``load``) reads the card and the weights directly: it
never imports TensorFlow and runs no code from the file.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..common.files import atomic_write
from ..tokens.vocab import ENCODING_VERSION, VOCAB
from .card import ModelCard
from .weights import LSTMWeights, WeightsError


class ModelError(ValueError):
    """A model folder that is missing, damaged, foreign or incompatible (message says why)."""


@dataclass
class LoadedModel:
    """A model ready to generate: its NumPy weights and card."""

    name: str
    path: Path
    weights: LSTMWeights
    card: ModelCard


def read_pointer(folder: Path) -> dict:
    """``current.json`` of a model folder: the names of its files. Raises ModelError."""
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


def read_card(folder: str | os.PathLike) -> ModelCard:
    """The model card of a model folder (the one place a card file is read). Raises
    ModelError."""
    folder = Path(folder)
    pointer = read_pointer(folder)
    try:
        card = json.loads((folder / pointer["card"]).read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"damaged model card in {folder}: {exc}") from None
    if not isinstance(card, dict):
        raise ModelError(f"damaged model card in {folder}")
    return ModelCard.from_json(card)


def write_card(path: Path, card: ModelCard) -> None:
    """Write a card file atomically (the one place a card file is written)."""
    atomic_write(path, json.dumps(card.to_json(), indent=1).encode())


# the oldest encoding whose models still generate: its tokens are a subset of today's
OLDEST_LOADABLE_ENCODING = 3


def _older_vocabulary(card: ModelCard, name: str) -> list[str] | None:
    """The vocabulary of a model made for an older encoding that still loads (its tokens all
    in today's), or None when the card's vocabulary is today's."""
    vocabulary = list(card.vocabulary)
    if vocabulary == list(VOCAB.tokens) and card.encoding == ENCODING_VERSION:
        return None
    if (
        vocabulary
        and OLDEST_LOADABLE_ENCODING <= card.encoding < ENCODING_VERSION
        and set(vocabulary) <= set(VOCAB.tokens)
    ):
        return vocabulary
    raise ModelError(
        f"{name}: made for an older token encoding; retrain it (Retrain… in the app, or songsketch train)"
    )


def weights_file(folder: str | os.PathLike, exact: bool = False) -> Path:
    """The checked ``.keras`` file of a model folder whose card fits this vocabulary (with
    ``exact``, this very vocabulary: what Keras can fine-tune; else an older encoding whose
    tokens are all still here, which ``load`` remaps). Raises ModelError for a missing,
    damaged or incompatible model."""
    folder = Path(folder)
    pointer = read_pointer(folder)
    card = read_card(folder)
    older = _older_vocabulary(card, folder.name)
    if older is not None and exact:
        raise ModelError(
            f"{folder.name}: made for an older token encoding; it still generates, but to train "
            "on from it, retrain it (Retrain… in the app, or songsketch train)"
        )
    path = folder / pointer["weights"]
    if not path.is_file():
        raise ModelError(f"{folder.name}: weights file missing ({path.name})")
    if not zipfile.is_zipfile(path):
        raise ModelError(f"{folder.name}: weights file is damaged (not a .keras archive)")
    return path


def load(folder: str | os.PathLike) -> LoadedModel:
    """A model folder's card and weights, ready to generate (no TensorFlow).

    Raises ModelError with a message for a missing, damaged, foreign or incompatible model."""
    folder = Path(folder)
    path = weights_file(folder)
    card = read_card(folder)
    try:
        weights = LSTMWeights.from_keras_file(path)
    except WeightsError as exc:
        raise ModelError(f"{folder.name}: cannot load model: {exc}") from None
    older = _older_vocabulary(card, folder.name)
    if older is not None:
        if weights.vocab_size != len(older):
            raise ModelError(f"{folder.name}: output size {weights.vocab_size} != vocabulary {len(older)}")
        weights = weights.remapped(older, VOCAB.tokens)
    if weights.vocab_size != len(VOCAB):
        raise ModelError(f"{folder.name}: output size {weights.vocab_size} != vocabulary {len(VOCAB)}")
    return LoadedModel(card.name or folder.name, folder, weights, card)


def read_extra(folder: str | os.PathLike, kind: str) -> bytes | None:
    """A file saved with ``save_model(extra=...)``, or None."""
    folder = Path(folder)
    try:
        name = read_pointer(folder).get(kind)
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
            found.append((card.created, folder.name, folder))
    return [(name, folder) for _, name, folder in sorted(found, reverse=True)]
