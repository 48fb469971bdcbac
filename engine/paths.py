"""Where Songsketch keeps its files: models, caches. ``SONGSKETCH_HOME`` overrides the base."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
RESOURCES = PACKAGE_ROOT / "resources"
DEFAULT_MODEL_DIR = RESOURCES / "default_model"


def home() -> Path:
    """Base folder for user data (models, caches): $SONGSKETCH_HOME or the XDG data home."""
    env = os.environ.get("SONGSKETCH_HOME")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "songsketch"


def cache_dir() -> Path:
    env = os.environ.get("SONGSKETCH_HOME")
    if env:
        return Path(env) / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "songsketch"


def models_dir() -> Path:
    """Folder of the user's trained models (one sub-folder each)."""
    return home() / "models"
