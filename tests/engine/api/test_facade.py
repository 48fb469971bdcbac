"""The facade, ``songsketch.engine.api``: names only (no module objects the front ends could
reach the engine's insides through), each one there, and cheap to import."""

import subprocess
import sys
import types

import songsketch.engine.api as api


def test_every_exported_name_exists_and_none_is_a_module():
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    modules = [name for name in api.__all__ if isinstance(getattr(api, name, None), types.ModuleType)]
    assert not missing and not modules
    assert len(set(api.__all__)) == len(api.__all__)


def test_importing_the_facade_imports_neither_tensorflow_nor_music21():
    """TensorFlow waits for training and music21 for a score: the window opens without them."""
    code = "import songsketch.engine.api, sys; print('tensorflow' in sys.modules, 'music21' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
