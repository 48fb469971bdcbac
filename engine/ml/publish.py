"""Publishing a model folder atomically: the new files beside the old, then ``current.json``
replaced in one step, then the old files removed (the folder layout is in ``store``)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..assess.originality import OriginalityIndex
from ..common.files import atomic_write
from ..tokens.vocab import ENCODING_VERSION, VOCAB
from .card import ModelCard
from .model import build_model, config_of
from .store import write_card

if TYPE_CHECKING:
    from ..data.corpus import Song


def publish(folder: str | os.PathLike, model, card: ModelCard, songs: Sequence[Song]) -> ModelCard:
    """Save a trained Keras model with its card and the originality index of the songs it
    learnt (what the guard checks its ideas against); the card as saved. Raises OSError as
    ``save_model``."""
    return save_model(folder, model, card, {"index": OriginalityIndex.build(list(songs)).to_bytes()})


def save_model(
    folder: str | os.PathLike, model, card: ModelCard, extra: dict[str, bytes] | None = None
) -> ModelCard:
    """Save atomically: new files beside the old, then ``current.json`` replaced in one step,
    then the old files removed. The card is saved (and returned) with the vocabulary,
    encoding and architecture of this model. ``extra`` = {kind: bytes} files saved alongside (e.g. the
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
        card = replace(
            card, vocabulary=tuple(VOCAB.tokens), encoding=ENCODING_VERSION, config=asdict(config_of(model))
        )
        write_card(folder / card_name, card)
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
    _remove_old_files(folder, keep=set(pointer.values()) | {"current.json"})
    return card


def _remove_old_files(folder: Path, keep: set[str]) -> None:
    """Remove the files of models saved before (not those a save under way is writing)."""
    for old in folder.iterdir():
        if old.name not in keep and old.name.split("-")[0] in ("model", "card", "index", ".tmp"):
            if old.name.startswith(".tmp") and old.stat().st_mtime > time.time() - 3600:
                continue  # another save may be writing it
            try:
                old.unlink()
            except OSError:
                pass
