"""Train the default model's architecture on exported pieces with any Keras 3 backend (used
to train on a GPU machine with JAX); writes best weights and the loss history.

    KERAS_BACKEND=jax python tools/train_portable.py pieces.npz OUT_DIR [--epochs 60]

Then, here: python tools/import_weights.py OUT_DIR/best.weights.h5 OUT_DIR/history.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from songsketch.engine.ml.dataset import make_batches

BUCKETS = (256, 512, 768, 1024, 1536)  # few shapes: each is compiled once (JAX, XLA)


def unpack(tokens, lengths):
    out, start = [], 0
    for n in lengths:
        out.append(tokens[start : start + n].astype(np.int32))
        start += n
    return out


def batches(seqs, batch_size, rng):
    """The engine's batches (``make_batches``) in a few fixed shapes (every batch full, its
    length one of BUCKETS), each with its weights: 1 on tokens, 0 on padding."""
    for x, y in make_batches(seqs, batch_size, rng, lengths=BUCKETS, full_rows=True):
        yield x, y, (x > 0).astype(np.float32)


def warm_start(model, folder: str) -> None:
    """Set ``model``'s weights from an older model folder (``store.load`` moves them onto
    today's vocabulary): tokens the old model never saw get a small random embedding (a new
    style: the song style's), no output weights, and the mean output bias."""
    from songsketch.engine.ml.store import load, read_card
    from songsketch.engine.tokens.vocab import VOCAB

    old = set(read_card(folder).vocabulary)
    weights = load(folder).weights
    new = [i for i, t in enumerate(VOCAB.tokens) if t not in old]
    rng = np.random.default_rng(1)
    embedding = weights.embedding.copy()
    bias = weights.dense_b.copy()
    bias[new] = float(np.mean(np.delete(bias, new)))
    for i in new:
        token = VOCAB.tokens[i]
        if token.startswith("STYLE_"):
            embedding[i] = embedding[VOCAB.index["STYLE_song"]]
        else:
            embedding[i] = rng.normal(0, 0.05, embedding.shape[1])
    values = [embedding]
    for kernel, recurrent, b in weights.layers:
        values += [kernel, recurrent, b]
    values += [weights.dense_w, bias]
    model.set_weights(values)
    print(f"warm start from {folder}: {len(new)} new tokens ({', '.join(VOCAB.tokens[i] for i in new)})")


def evaluate(model, seqs, batch_size) -> float:
    """Mean token cross-entropy (nats) of ``seqs``."""
    total, count = 0.0, 0.0
    for x, y, w in batches(seqs, batch_size, None):
        loss = model.test_on_batch(x, y, sample_weight=w)
        total += float(np.asarray(loss).ravel()[0]) * float(w.sum())
        count += float(w.sum())
    return total / max(count, 1.0)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("out")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--minutes", type=float, default=7.0, help="stop after this long")
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--embed", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--init", default=None, help="start from these weights (.weights.h5)")
    parser.add_argument(
        "--init-model",
        default=None,
        help="start from a model folder of the same size made for an older token encoding (its "
        "tokens' weights carried over; a new style starts from the song style's embedding)",
    )
    parser.add_argument("--max-batches", type=int, default=0, help="smoke test: batches per epoch")
    return parser.parse_args()


def load_pieces(path: str):
    """(training pieces, held-out pieces by style {style: pieces}) of an exported .npz; the
    held-out pieces of a file without styles are all 'all'."""
    data = np.load(path)
    train = unpack(data["train_tokens"], data["train_lengths"])
    every_val = unpack(data["val_tokens"], data["val_lengths"])
    val_styles = [str(s) for s in data["val_piece_styles"]] if "val_piece_styles" in data else []
    val_styles += ["all"] * (len(every_val) - len(val_styles))
    by_style = {
        style: [v for v, s in zip(every_val, val_styles) if s == style] for style in sorted(set(val_styles))
    }
    return train, every_val, val_styles, by_style


def start_model(args: argparse.Namespace):
    """The model to train, compiled: new, or from ``--init`` weights or an ``--init-model``."""
    from songsketch.engine.ml.model import ModelConfig, build_model, compile_model

    model = build_model(ModelConfig(units=args.units, layers=args.layers, embed_dim=args.embed))
    if args.init:
        model.load_weights(args.init)
    if args.init_model:
        warm_start(model, args.init_model)
    compile_model(model, args.lr)
    return model


def train_epoch(model, train, args: argparse.Namespace, rng) -> tuple[float, int]:
    """(mean token loss, tokens) of one epoch over the training pieces."""
    losses, counts = [], []
    for b, (x, y, w) in enumerate(batches(train, args.batch_size, rng)):
        if args.max_batches and b >= args.max_batches:
            break
        loss = model.train_on_batch(x, y, sample_weight=w)
        losses.append(float(np.asarray(loss).ravel()[0]) * float(w.sum()))
        counts.append(float(w.sum()))
    return sum(losses) / sum(counts), int(sum(counts))


def main() -> None:
    args = parse_args()
    import random

    import keras

    from songsketch.engine.ml.schedule import EarlyStopping

    train, every_val, val_styles, val_by_style = load_pieces(args.data)
    # the loss that picks the best epoch: held-out pieces left to right (fill-in ones apart)
    val = [v for v, s in zip(every_val, val_styles) if not s.endswith("-infill")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = start_model(args)
    rng = random.Random(1)
    stopping, history = EarlyStopping(args.patience, min_delta=1e-3), []
    run = {
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "units": args.units,
        "layers": args.layers,
        "embed": args.embed,
        "batch_size": args.batch_size,
        "lr": args.lr,
    }
    t0 = time.time()
    for epoch in range(1, args.epochs + 1):
        train_loss, tokens = train_epoch(model, train, args, rng)
        val_loss = evaluate(model, val, args.batch_size)
        by_style = {style: evaluate(model, pieces, args.batch_size) for style, pieces in val_by_style.items()}
        history.append(
            {
                "epoch": epoch,
                "loss": train_loss,
                "val_loss": val_loss,
                "val_loss_by_style": by_style,
                "tokens": tokens,
                "seconds": round(time.time() - t0, 1),
            }
        )
        print(json.dumps(history[-1]), flush=True)
        if stopping.update(val_loss):
            model.save_weights(out / "best.weights.h5")
        (out / "history.json").write_text(json.dumps({"history": history, **run}))
        if stopping.done or time.time() - t0 > args.minutes * 60:
            break


if __name__ == "__main__":
    main()
