"""``songsketch evaluate``: a model's ideas against held-out songs and the pitch-only baseline."""

from __future__ import annotations

import argparse
import sys

from .sources import load_corpus, resolve_model


def evaluate(args: argparse.Namespace) -> int:
    from songsketch.engine.api import Home, ModelError, evaluate_model

    model = resolve_model(args.model)  # a wrong name said before the songs are read
    songs = None if args.songs == "builtin" else args.songs
    corpus = load_corpus(songs, Home.from_environment().cache, pop909=True)
    if corpus is None:
        return 2
    if len(corpus.songs) < 2:
        print("error: need at least 2 usable songs", file=sys.stderr)
        return 1
    try:
        result = evaluate_model(
            model,
            corpus.songs,
            count=args.count,
            seed=args.seed,
            temperature=args.temperature,
            baseline_epochs=args.baseline_epochs,
            say=lambda text: print(text, flush=True),
            style=args.style,
        )
    except (ModelError, ValueError) as exc:  # a bad model folder; songs too short for the baseline
        print(f"error: {exc}", file=sys.stderr)
        return 1
    columns = {"held-out": result.held_out, "Songsketch": result.model, **result.variants}
    columns["baseline"] = result.baseline
    widths = [max(10, len(c)) for c in columns]
    print("\n" + f"{'metric':<34} " + " ".join(f"{c:>{w}}" for c, w in zip(columns, widths)))
    for name in result.model:
        cells = " ".join(f"{rows[name]:>{w}.3f}" for rows, w in zip(columns.values(), widths))
        print(f"{name:<34} {cells}")
    print(
        "\nheld-out: songs the model never trained on (distribution rows compare each set with them;"
        " its copy rows measure how much held-out songs share with the training songs). baseline: pitch-only"
        " LSTM, equal 8th notes, no chords (its chord-tone ratio is 0 by construction). Songsketch: default"
        f" settings ({result.style} style); the repetition and style columns change one setting each."
        " Loops: the 20 four-chord loops most common in the training songs (one chord a bar, degrees"
        " above the tonic)."
    )
    return 0


def add_evaluate_command(sub) -> None:
    p = sub.add_parser("evaluate", help="compare generated ideas with held-out songs and a baseline")
    p.add_argument(
        "--model",
        "-m",
        default="default",
        metavar="NAME",
        help="default, or a name 'songsketch models' lists",
    )
    p.add_argument("--count", type=int, default=200, metavar="N", help="ideas generated to compare (200)")
    p.add_argument(
        "--songs",
        default="builtin",
        metavar="FOLDER",
        help="a folder (a POP909 folder is read through its labels), or 'builtin'",
    )
    p.add_argument(
        "--style", default=None, help="the ideas' style (default: the songs' own, where the model learnt it)"
    )
    p.add_argument("--seed", type=int, default=1, metavar="N", help="the same seed, the same ideas (1)")
    p.add_argument("--temperature", type=float, default=0.9, metavar="T", help="the ideas' wildness (0.9)")
    p.add_argument(
        "--baseline-epochs", type=int, default=3, metavar="N", help="training passes of the baseline (3)"
    )
    p.set_defaults(func=evaluate)
