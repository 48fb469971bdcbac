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


def test_a_model_of_the_previous_encoding_still_generates(tmp_path, tiny_model):
    """A model trained before the pop style and fill-in tokens existed (encoding 3: the same
    tokens less STYLE_pop, HOLE, FILL) loads with its weights moved onto today's vocabulary,
    never predicts the tokens it did not learn, and cannot be fine-tuned without a retrain."""
    import numpy as np

    from songsketch.engine.ml.card import ModelCard
    from songsketch.engine.ml.model import ModelConfig, build_model, load_keras_model
    from songsketch.engine.ml.publish import save_model
    from songsketch.engine.tokens.vocab import VOCAB

    new = {VOCAB.index[t] for t in ("STYLE_pop", "HOLE", "FILL")}
    keep = [i for i in range(len(VOCAB)) if i not in new]
    today = load(tiny_model[0])
    w = today.weights
    config = ModelConfig(vocab_size=len(keep), embed_dim=24, units=48, layers=2, dropout=0.0)
    model = build_model(config)
    values = [w.embedding[keep]]
    for layer in w.layers:
        values += list(layer)
    values += [w.dense_w[:, keep], w.dense_b[keep]]
    model.set_weights(values)
    folder = tmp_path / "older"
    save_model(folder, model, ModelCard(name="older", styles=("chorale",)))
    pointer = json.loads((folder / "current.json").read_text())
    card = json.loads((folder / pointer["card"]).read_text())
    card.update(encoding=3, vocabulary=[VOCAB.tokens[i] for i in keep])
    (folder / pointer["card"]).write_text(json.dumps(card))

    older = load(folder)
    assert older.weights.vocab_size == len(VOCAB)
    assert np.allclose(older.weights.embedding[keep], w.embedding[keep])
    assert np.allclose(older.weights.dense_w[:, keep], w.dense_w[:, keep])
    assert all(older.weights.dense_b[i] < -1e8 for i in new)  # never predicted
    from songsketch.engine.api import Engine, GenerationSettings

    engine = Engine()
    engine.load(folder)
    ideas = []
    engine.generate(
        GenerationSettings(count=2, seed=3, style="chorale"), on_idea=lambda i, idea, r: ideas.append(idea)
    )
    assert len(ideas) == 2 and all(i.melody and i.chords for i in ideas)
    with pytest.raises(ValueError, match="before rewriting bars"):  # it never learnt to fill in
        engine.infill(ideas[0], 0, 1, GenerationSettings(count=1, style="chorale"))
    with pytest.raises(ModelError, match="older token encoding"):
        load_keras_model(folder)
    card.update(encoding=2)
    (folder / pointer["card"]).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="retrain"):
        load(folder)
