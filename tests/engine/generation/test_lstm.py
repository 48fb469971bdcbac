"""The LSTM engine with real (small) Keras models: training, fine-tuning, cancel, the NumPy
step, batched constrained generation, partial regeneration, primers, distribution."""

import numpy as np

from songsketch.engine.generation.lstm import NumpyLSTM
from songsketch.engine.ml.model import load_keras_model
from songsketch.engine.ml.pieces import encode_pieces
from songsketch.engine.ml.store import load


def test_numpy_step_matches_keras(tiny_model, chorale_songs):
    folder, _ = tiny_model
    model = load(folder)  # read with h5py: no TensorFlow
    seq = encode_pieces(chorale_songs[:1], None)[0][:80][None, :].astype(np.int32)
    expected = load_keras_model(folder).predict(seq, verbose=0)[0]
    lstm = NumpyLSTM(model.weights)
    state = lstm.zero_state(1)
    got = []
    for t in range(seq.shape[1]):
        logits, state = lstm.step(seq[:, t], state)
        got.append(logits[0])
    np.testing.assert_allclose(np.array(got), expected, atol=2e-4)


def test_batched_numpy_step_matches_keras(tiny_model, chorale_songs):
    """A batch of rows decoded together gives each row Keras's logits."""
    folder, _ = tiny_model
    model = load(folder)
    pieces = encode_pieces(chorale_songs[:8], None)
    seq = np.array([p[:60] for p in pieces if len(p) >= 60][:8], dtype=np.int32)
    assert len(seq) == 8
    expected = load_keras_model(folder).predict(seq, verbose=0)
    lstm = NumpyLSTM(model.weights)
    state = lstm.zero_state(len(seq))
    got = []
    for t in range(seq.shape[1]):
        logits, state = lstm.step(seq[:, t], state)
        got.append(logits)
    np.testing.assert_allclose(np.stack(got, axis=1), expected, atol=2e-4)
