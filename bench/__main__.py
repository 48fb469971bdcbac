"""Speed and memory of Songsketch against a hobby-project-style baseline, in one run.

    python -m bench [--quick] [--model PATH]

Rows: ms per idea (1 and 16 ideas of 2 x 8 bars), ms per generated note, training tokens/s,
fine-tuning wall time on 30 built-in songs (skipped with --quick), peak memory. The baseline
is built like the hobby project: a 3 x 512 LSTM on pitch-only inputs of length 100, one
``model.predict`` call per generated note. Figures vary with the machine's load: compare
the ratios, measured side by side.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np


def _baseline_model(vocab: int = 130):
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(100, 1)),
            keras.layers.LSTM(512, return_sequences=True),
            keras.layers.LSTM(512, return_sequences=True),
            keras.layers.LSTM(512),
            keras.layers.Dense(256),
            keras.layers.Dense(vocab, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    return model


def _baseline_per_note(model, notes: int = 12) -> float:
    """Seconds per generated note with one predict call per note (as the hobby project)."""
    pattern = list(np.random.default_rng(0).integers(0, 130, 100))
    model.predict(np.reshape(pattern, (1, 100, 1)) / 130.0, verbose=0)  # warm-up
    t0 = time.perf_counter()
    for _ in range(notes):
        x = np.reshape(pattern[-100:], (1, 100, 1)) / 130.0
        p = model.predict(x, verbose=0)[0]
        pattern.append(int(np.argmax(p)))
    return (time.perf_counter() - t0) / notes


def _baseline_train_tokens_per_s(model, batches: int = 3, batch_size: int = 64) -> float:
    rng = np.random.default_rng(1)
    x = rng.random((batch_size, 100, 1)).astype(np.float32)
    y = np.eye(130, dtype=np.float32)[rng.integers(0, 130, batch_size)]
    model.train_on_batch(x, y)
    t0 = time.perf_counter()
    for _ in range(batches):
        model.train_on_batch(x, y)
    # each window of 100 inputs trains one target; count input tokens processed
    return batches * batch_size * 100 / (time.perf_counter() - t0)


def _our_train_tokens_per_s(songs, batches: int = 4) -> float:
    import random

    from songsketch.engine.ml.dataset import make_batches
    from songsketch.engine.ml.model import ModelConfig, build_model, compile_model
    from songsketch.engine.ml.pieces import encode_pieces

    model = build_model(ModelConfig())
    compile_model(model)
    seqs = encode_pieces(songs, random.Random(0))
    data = make_batches(seqs, 32, random.Random(0))[: batches + 1]
    model.train_on_batch(*data[0])
    t0 = time.perf_counter()
    tokens = 0
    for x, y in data[1:]:
        model.train_on_batch(x, y)
        tokens += int((x > 0).sum())
    return tokens / (time.perf_counter() - t0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="skip the fine-tuning run")
    parser.add_argument("--model", default=None, help="model folder (default: the shipped default)")
    parser.add_argument("--repeats", type=int, default=5, help="seeds per generation row")
    args = parser.parse_args(argv)

    from songsketch.engine.api.session import Engine
    from songsketch.engine.common import paths
    from songsketch.engine.data.corpus import load_builtin
    from songsketch.engine.generation.generator import GenerationSettings
    from songsketch.engine.tokens.encoding import encode

    t0 = time.perf_counter()
    engine = Engine()
    engine.load(args.model or paths.default_model_dir())
    load_s = time.perf_counter() - t0
    gen = engine.generator

    def timed(count: int) -> tuple[float, float, int, float]:
        """Best and median seconds over ``repeats`` seeds, notes and tokens per idea of the best."""
        times, best, notes, tokens = [], float("inf"), 0, 0.0
        for r in range(args.repeats):
            t = time.perf_counter()
            ideas = gen.generate(GenerationSettings(count=count, bars_per_section=8, seed=r))
            elapsed = time.perf_counter() - t
            times.append(elapsed)
            if elapsed < best:
                best = elapsed
                notes = sum(len(i.melody) + sum(len(c.voicing) for c in i.chords) for i in ideas)
                tokens = sum(len(encode(i)) for i in ideas) / len(ideas)
        return best, float(np.median(times)), notes, tokens

    # warm-up: the grammar-mask memo fills here as it does on the app's first Generate
    gen.generate(GenerationSettings(count=4, bars_per_section=8, seed=99))
    one_s, one_median, one_notes, one_tokens = timed(1)
    sixteen_s, sixteen_median, sixteen_notes, tokens_per_idea = timed(16)
    # the same with another process spinning on one core (a DAW, a browser, the GUI thread)
    import subprocess

    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        _, busy_median, _, _ = timed(16)
    finally:
        spinner.kill()
        spinner.wait()
    per_note_ours = sixteen_s / max(1, sixteen_notes)

    corpus = load_builtin(paths.Home.from_environment().cache)
    songs = corpus.songs
    ours_tps = _our_train_tokens_per_s(songs)

    baseline = _baseline_model()
    base_note_s = _baseline_per_note(baseline)
    base_tps = _baseline_train_tokens_per_s(baseline)
    notes_per_idea = sixteen_notes / 16

    finetune_s = None
    if not args.quick:
        import tempfile

        from songsketch.engine.ml.training import TrainSettings, train

        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            result = train(
                songs[:30],
                Path(tmp) / "ft",
                TrainSettings(),  # the engine's own fine-tune policy (rate, epochs, patience)
                base_model=args.model or paths.default_model_dir(),
            )
            finetune_s = time.perf_counter() - t
            ft_epochs = result.card.epochs_run

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ("model load (s)", load_s, None),
        ("1 idea, 2x8 bars (ms, best)", one_s * 1000, base_note_s * 1000 * one_notes),
        (f"1 idea, 2x8 bars (ms, median of {args.repeats})", one_median * 1000, None),
        ("16 ideas together, per idea (ms)", sixteen_s * 1000 / 16, base_note_s * 1000 * notes_per_idea),
        ("16 ideas together, total (s, best)", sixteen_s, base_note_s * sixteen_notes),
        (f"16 ideas together, total (s, median of {args.repeats})", sixteen_median, None),
        ("16 ideas, one core busy elsewhere (s, median)", busy_median, None),
        ("tokens per idea", tokens_per_idea, None),
        ("per generated note (ms)", per_note_ours * 1000, base_note_s * 1000),
        ("training tokens/s", ours_tps, base_tps),
    ]
    if finetune_s is not None:
        rows.append((f"fine-tune on 30 songs (s, {ft_epochs} epochs)", finetune_s, None))
    rows.append(("peak memory (MB)", peak_mb, None))
    print(
        f"\nSongsketch benchmark ({os.cpu_count()} CPUs; baseline: 3x512 LSTM, pitch-only, "
        "predict per note; baseline rows for whole ideas = its per-note time x our note count)\n"
    )
    print(f"{'metric':<44} {'ours':>12} {'baseline':>12} {'ours/baseline':>14}")
    for name, ours, base in rows:
        ratio = f"{ours / base:>14.4f}" if base else f"{'':>14}"
        base_text = f"{base:>12.2f}" if base is not None else f"{'':>12}"
        print(f"{name:<44} {ours:>12.2f} {base_text} {ratio}")
    speedup = base_note_s / per_note_ours if per_note_ours else float("inf")
    print(
        f"\nper note, ours is {speedup:,.0f}x faster than the baseline "
        f"({sixteen_notes / 16:.0f} notes per idea)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
