"""Where Songsketch keeps its files: one home folder for the library, models and cache.

``SONGSKETCH_HOME`` overrides the home folder (tests, portable installs); otherwise it is the
platform's data folder: ``$XDG_DATA_HOME/songsketch`` (``~/.local/share/songsketch``) on Linux,
``~/Library/Application Support/Songsketch`` on macOS, ``%APPDATA%\\Songsketch`` on Windows.
The default model ships inside the installed package (``songsketch.resources``).
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

HOME_VARIABLE = "SONGSKETCH_HOME"


def default_model_dir() -> Path:
    """The shipped default model's folder, inside the installed package."""
    return Path(str(resources.files("songsketch.resources") / "default_model"))


def platform_home() -> Path:
    """The platform's data folder for Songsketch (what ``SONGSKETCH_HOME`` overrides)."""
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "Songsketch"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Songsketch"
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "songsketch"


@dataclass(frozen=True)
class Home:
    """The folders under one home: ``library.sqlite``, ``models/``, ``cache/``."""

    root: Path

    @classmethod
    def from_environment(cls) -> "Home":
        """``$SONGSKETCH_HOME`` when set, else the platform's data folder."""
        env = os.environ.get(HOME_VARIABLE)
        return cls(Path(env) if env else platform_home())

    @property
    def library(self) -> Path:
        return self.root / "library.sqlite"

    @property
    def models(self) -> Path:
        """Folder of the user's trained models (one sub-folder each)."""
        return self.root / "models"

    @property
    def cache(self) -> Path:
        """Analysed songs, keyed by file content (safe to delete)."""
        return self.root / "cache"

    def adopt_old_library(self, old: Path) -> bool:
        """Copy a library from where earlier versions kept it (Qt's data folder) the first time
        this home has none; the old file stays where it was. True when one was copied."""
        if self.library.exists() or not old.is_file():
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copy2(old, self.library)
        return True


def default_soundfont() -> Path:
    """The SoundFont the built-in synth plays unless the user chose another (shipped inside
    the installed package: a General MIDI subset of FluidR3_GM, see its README)."""
    return Path(str(resources.files("songsketch.resources") / "soundfont" / "songsketch-gm.sf3"))
