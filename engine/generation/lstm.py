"""The Keras model's forward pass in NumPy: one time step for a whole batch."""

from __future__ import annotations

import numpy as np

from ..ml.weights import LSTMWeights


class NumpyLSTM:
    """The Keras model's forward pass, one time step for a batch, in NumPy (float32).

    Keras orders the gates input, forget, cell, output (activation tanh, recurrent sigmoid);
    here the columns are reordered to input, forget, output, cell so that one sigmoid call
    covers three gates, and each deeper layer does a single matmul on [x, h]. Logits are
    computed only for the tokens a step may choose from (``logits``)."""

    def __init__(self, weights: LSTMWeights) -> None:
        self.w = weights
        self.layers = []
        for i, (kernel, recurrent, bias) in enumerate(weights.layers):
            u = recurrent.shape[0]
            order = np.r_[0 : 2 * u, 3 * u : 4 * u, 2 * u : 3 * u]
            kernel, recurrent, bias = kernel[:, order], recurrent[:, order], bias[order]
            if i == 0:
                # fold the embedding into the input projection: one row lookup per token
                first_in = np.ascontiguousarray(weights.embedding @ kernel + bias, dtype=np.float32)
                self.layers.append((first_in, np.ascontiguousarray(recurrent), None, u))
            else:
                stacked = np.ascontiguousarray(np.vstack([kernel, recurrent]), dtype=np.float32)
                self.layers.append((stacked, None, bias.astype(np.float32), u))
        self.dense_w = np.ascontiguousarray(weights.dense_w)
        self.dense_b = weights.dense_b
        self.units = [u for *_, u in self.layers]
        self.dense_rows = np.ascontiguousarray(weights.dense_w.T)  # (V, H): one row per token

    def zero_state(self, batch: int) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(np.zeros((batch, u), np.float32), np.zeros((batch, u), np.float32)) for u in self.units]

    def advance(self, tokens: np.ndarray, state):
        """Feed ``tokens`` (B,): the top layer's output (B, H) and the new state."""
        new_state = []
        x = None
        for i, ((a, recurrent, bias, u), (h, c)) in enumerate(zip(self.layers, state)):
            if i == 0:
                z = a[tokens]
                z += h @ recurrent
            else:
                z = np.concatenate([x, h], axis=1) @ a
                z += bias
            gates = z[:, : 3 * u]
            gates *= 0.5
            np.tanh(gates, out=gates)
            gates += 1.0
            gates *= 0.5  # sigmoid(v) = (tanh(v/2) + 1) / 2
            cell = np.tanh(z[:, 3 * u :])
            c = gates[:, u : 2 * u] * c
            c += gates[:, :u] * cell
            h = gates[:, 2 * u : 3 * u] * np.tanh(c)
            new_state.append((h, c))
            x = h
        return x, new_state

    def step(self, tokens: np.ndarray, state):
        """Logits over the whole vocabulary after feeding ``tokens``, and the new state."""
        x, new_state = self.advance(tokens, state)
        return x @ self.dense_w + self.dense_b, new_state

    def logits(self, x: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """Logits of ``tokens`` only, for outputs ``x`` (B, H) of ``advance``: (B, len(tokens))."""
        z = x @ self.dense_rows[tokens].T
        z += self.dense_b[tokens]
        return z
