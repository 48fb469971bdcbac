"""The LSTM engine with real (small) Keras models: training, fine-tuning, cancel, the NumPy
step, batched constrained generation, partial regeneration, primers, distribution."""

import json

import pytest

from songsketch.engine.ml.store import ModelError, load


def test_damaged_or_missing_model_is_refused(tmp_path, tiny_model):
    with pytest.raises(ModelError, match="not found"):
        load(tmp_path / "nothing")
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_model[0], broken)
    pointer = json.loads((broken / "current.json").read_text())
    (broken / pointer["weights"]).write_bytes(b"garbage")
    with pytest.raises(ModelError, match="damaged"):
        load(broken)
