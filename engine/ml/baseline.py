"""The hobby project's recipe as a baseline: a pitch-only LSTM, every note an 8th, no chords.

Used by the evaluation (``evaluate``) to show what Songsketch's representation adds.
Imports Keras (TensorFlow) when called.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..data.corpus import Song
from ..music.idea import Idea, Key, Note, Section, home_key, move_to_key, quantize_velocity

MAX_WINDOWS = 40_000  # training windows of the baseline at most


def baseline_ideas(
    train_songs: Sequence[Song], count: int, seed: int, epochs: int, bars: int = 16
) -> list[Idea]:
    """``count`` melodies of ``bars`` bars (equal 8th notes) from a pitch-only LSTM trained for
    ``epochs`` on the songs' key-normalised melodies; sampled with one ``predict`` per note."""
    from .quiet import import_tensorflow

    import_tensorflow()  # TensorFlow's start-up lines off the terminal
    import keras

    seqs = []
    for song in train_songs:
        for idea in song.ideas:
            try:
                idea = move_to_key(idea, home_key(idea.key.mode))
            except ValueError:
                continue
            seqs.append([n.pitch for n in sorted(idea.melody, key=lambda n: n.onset)])
    # 32 notes of context, fewer when the songs are shorter (a folder of short sketches)
    longest = max((len(s) for s in seqs), default=0)
    if longest < 2:
        raise ValueError("the songs have too few melody notes to train the baseline on")
    window = min(32, longest - 1)
    xs, ys = [], []
    for s in seqs:
        for i in range(0, len(s) - window):
            xs.append(s[i : i + window])
            ys.append(s[i + window])
    x, y = np.array(xs, np.int32), np.array(ys, np.int32)
    if len(x) > MAX_WINDOWS:  # hundreds of pop songs: a seeded sample keeps it minutes, not hours
        keep = np.random.default_rng(seed).choice(len(x), MAX_WINDOWS, replace=False)
        x, y = x[keep], y[keep]
    model = keras.Sequential(
        [
            keras.Input((window,), dtype="int32"),
            keras.layers.Embedding(128, 64),
            keras.layers.LSTM(256, return_sequences=True),
            keras.layers.LSTM(256),
            keras.layers.Dense(128),
        ]
    )
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=128, epochs=epochs, verbose=0)
    rng = np.random.default_rng(seed)
    steps = bars * 8
    state = x[rng.integers(0, len(x), count)].copy()
    out = np.zeros((count, steps), np.int32)
    for t in range(steps):
        logits = model.predict(state, verbose=0)
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        nxt = np.array([rng.choice(128, p=row) for row in p])
        out[:, t] = nxt
        state = np.concatenate([state[:, 1:], nxt[:, None]], axis=1)
    ideas = []
    for row in out:
        notes = tuple(
            Note(int(min(96, max(36, p))), i * 6, 6, quantize_velocity(80)) for i, p in enumerate(row)
        )
        ideas.append(
            Idea(Key(0), 100, (4, 4), (Section("verse", bars // 2), Section("chorus", bars // 2)), (), notes)
        )
    return ideas
