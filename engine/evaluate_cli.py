"""`main.py evaluate`: generated ideas against held-out songs, and against a baseline built
like the hobby project (a pitch-only LSTM, every note the same length) trained on the same
songs. Rows follow Yang & Lerch (2018): overlap of distributions, plus in-key and chord-tone
ratios and copying.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from . import paths
from .evaluation import chord_tone_ratio, distributions, in_key_ratio, overlap


def _baseline_ideas(train_songs, count: int, seed: int, epochs: int, bars: int = 16):
    """A pitch-only LSTM (the hobby project's recipe, smaller): melodies of equal 8th notes."""
    import keras

    from .representation import Idea, Key, Note, Section, home_key, move_to_key, quantize_velocity

    seqs = []
    for song in train_songs:
        for idea in song.ideas:
            try:
                idea = move_to_key(idea, home_key(idea.key.mode))
            except ValueError:
                continue
            seqs.append([n.pitch for n in sorted(idea.melody, key=lambda n: n.onset)])
    window = 32
    xs, ys = [], []
    for s in seqs:
        for i in range(0, len(s) - window):
            xs.append(s[i:i + window])
            ys.append(s[i + window])
    x, y = np.array(xs, np.int32), np.array(ys, np.int32)
    model = keras.Sequential([keras.Input((window,), dtype="int32"), keras.layers.Embedding(128, 64),
                              keras.layers.LSTM(256, return_sequences=True), keras.layers.LSTM(256),
                              keras.layers.Dense(128)])
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
        notes = tuple(Note(int(min(96, max(36, p))), i * 6, 6, quantize_velocity(80)) for i, p in enumerate(row))
        ideas.append(Idea(Key(0), 100, (4, 4), (Section("verse", bars // 2), Section("chorus", bars // 2)),
                          (), notes))
    return ideas


def evaluate(args: argparse.Namespace) -> int:
    from .cli_model import resolve_model
    from .corpus import CorpusError, load_builtin, load_folder
    from .generation import GenerationSettings
    from .model import ModelError, read_card
    from .originality import OriginalityIndex
    from .session import Engine
    from .training import TrainSettings, split_songs

    try:
        corpus = load_builtin(paths.cache_dir()) if args.songs == "builtin" else \
            load_folder(args.songs, paths.cache_dir())
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if len(corpus.songs) < 2:
        print("error: need at least 2 usable songs", file=sys.stderr)
        return 1
    folder = resolve_model(args.model)
    try:
        card = read_card(folder)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    held_names = set(card.get("data", {}).get("validation_song_names", []))
    held = [s for s in corpus.songs if s.name in held_names]
    train = [s for s in corpus.songs if s.name not in held_names]
    if not held:       # another folder than the model's: hold out by the usual rule
        train, held = split_songs(corpus.songs, TrainSettings().val_fraction, 1)
    reference = [i for s in held for i in s.ideas]
    engine = Engine()
    engine.load(folder)
    engine.set_guard(None)
    t0 = time.perf_counter()
    ideas: list = []
    engine.generate(GenerationSettings(count=args.count, seed=args.seed, temperature=args.temperature),
                    on_idea=lambda i, idea, r: ideas.append(idea))
    gen_s = time.perf_counter() - t0
    index = engine.index or OriginalityIndex.build(train)
    print(f"{len(ideas)} ideas generated in {gen_s:.1f} s; {len(reference)} held-out pieces "
          f"({len(held)} songs); training baseline ({args.baseline_epochs} epochs)...", flush=True)
    base = _baseline_ideas(train, min(args.count, 64), args.seed, args.baseline_epochs)

    train_index = OriginalityIndex.build(train)    # held-out songs are in the model's index

    def rows(sample, against=index):
        d, r = distributions(sample), distributions(reference)
        copies = [against.check(i).melody_notes for i in sample]
        return {
            "pitch-class histogram (overlap)": overlap(d["pitch class"], r["pitch class"]),
            "pitch range (overlap)": overlap(d["pitch range"], r["pitch range"]),
            "note length (overlap)": overlap(d["note length"], r["note length"]),
            "inter-onset interval (overlap)": overlap(d["inter-onset interval"], r["inter-onset interval"]),
            "in-key ratio": float(np.mean([in_key_ratio(i) for i in sample])),
            "chord-tone ratio on beats": float(np.mean([chord_tone_ratio(i) for i in sample])),
            "mean longest copy (notes)": float(np.mean(copies)),
            "max longest copy (notes)": float(np.max(copies)),
            "share copying 8+ notes": float(np.mean([c >= 8 for c in copies])),
        }

    ours, baseline, held_rows = rows(ideas), rows(base), rows(reference, train_index)
    print(f"\n{'metric':<34} {'held-out':>10} {'Songsketch':>11} {'baseline':>10}")
    for name in ours:
        print(f"{name:<34} {held_rows[name]:>10.3f} {ours[name]:>11.3f} {baseline[name]:>10.3f}")
    print("\nheld-out: songs the model never trained on (distribution rows compare each set with them;"
          " its copy rows measure how much held-out songs share with the training songs). baseline: pitch-only"
          " LSTM, equal 8th notes, no chords (its chord-tone ratio is 0 by construction).")
    return 0


def add_command(sub) -> None:
    p = sub.add_parser("evaluate", help="compare generated ideas with held-out songs and a baseline")
    p.add_argument("--model", "-m", default="default")
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--songs", default="builtin", help="a folder, or 'builtin'")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--baseline-epochs", type=int, default=3)
    p.set_defaults(func=evaluate)
