"""The fault run's parts as tests: hostile folder, a killed training, a killed library
writer, a damaged library (the full run with more kills: python -m tests.faults)."""

import pytest

from tests import faults

pytestmark = pytest.mark.slow  # trains models, kills processes


def test_hostile_folder_is_handled_without_crashes():
    tried, handled, crashes = faults.run_hostile()
    assert crashes == 0 and tried == handled and tried >= 20


def test_killed_training_leaves_the_model_loadable():
    kills, lost = faults.run_model_kills(1)
    assert kills == 1 and lost == 0


def test_killed_library_writer_loses_at_most_the_idea_in_flight():
    kills, lost = faults.run_library_kills(2)
    assert kills == 2 and lost == 0


def test_damaged_library_is_moved_aside():
    assert faults.run_damaged_library()


SAVE_UNDER_LIMIT = r"""
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)       # writes past the limit fail with EFBIG
from songsketch.engine.ml.card import ModelCard
from songsketch.engine.ml.model import build_model, ModelConfig
from songsketch.engine.ml.publish import save_model

model = build_model(ModelConfig())
resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))   # like a full disk at 1 MB
try:
    save_model(sys.argv[1], model, ModelCard(name="too-big"))
except OSError as exc:
    print("refused:", exc.strerror or exc)
    sys.exit(0)
print("saved?!")
sys.exit(1)
"""


def test_full_disk_while_saving_leaves_the_old_model(tmp_path):
    import shutil
    import subprocess
    import sys

    from songsketch.engine.common import paths
    from songsketch.engine.ml.store import load

    folder = tmp_path / "model"
    shutil.copytree(paths.default_model_dir(), folder)
    before = sorted(p.name for p in folder.iterdir())
    proc = subprocess.run(
        [sys.executable, "-c", SAVE_UNDER_LIMIT, str(folder)],
        cwd=faults.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0 and "refused" in proc.stdout, proc.stdout + proc.stderr[-500:]
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing half-written left
    assert load(folder).card.name == "default"


def test_a_model_file_carrying_code_is_refused(tmp_path):
    import json
    import shutil

    import keras

    from songsketch.engine.common import paths
    from songsketch.engine.ml.store import ModelError, load

    folder = tmp_path / "evil"
    shutil.copytree(paths.default_model_dir(), folder)
    inputs = keras.Input(shape=(None,), dtype="int32")
    outputs = keras.layers.Lambda(lambda x: x * 2)(keras.layers.Embedding(744, 4)(inputs))
    pointer = json.loads((folder / "current.json").read_text())
    keras.Model(inputs, outputs).save(folder / pointer["weights"])
    with pytest.raises(ModelError, match="cannot load"):
        load(folder)
