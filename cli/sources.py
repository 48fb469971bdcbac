"""What a command works from: the model it names, the songs of a corpus it reads."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resolve_model(name: str | None) -> Path:
    """A model folder from a name ('default', a user model's name) or a path. A name that is
    neither raises UnknownModel (listing the models there are); a path, or a user model's
    folder, that is no model is left for the engine to say what is wrong with it."""
    from songsketch.engine.api import Home, default_model_dir

    from .models import unknown_model

    if not name or name == "default":
        return default_model_dir()
    candidate = Path(name)
    if (candidate / "current.json").exists():
        return candidate
    mine = Home.from_environment().models / name
    if mine.is_dir():
        return mine
    if candidate.exists() or "/" in name or os.sep in name:
        return candidate
    raise unknown_model(name)


def load_corpus(folder: str | None, cache: Path | None, *, pop909: bool = False):
    """The songs of ``folder`` (None: the built-in corpus), parsed files cached in ``cache``
    (None: every file parsed again); with ``pop909``, a POP909 folder is read through the
    dataset's own labels. None, the reason printed, when the folder cannot be read."""
    from songsketch.engine.api import CorpusError, is_pop909_folder, load_builtin, load_folder, load_pop909

    try:
        if folder is None:
            return load_builtin(cache)
        if pop909 and is_pop909_folder(folder):
            return load_pop909(folder)
        return load_folder(folder, cache)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
