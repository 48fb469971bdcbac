"""How well a model fills in a span: held-out songs with bars rewritten, against the songs.

    python -m bench.infill [--model FOLDER] [--songs 40] [--bars 2] [--part both]

Each held-out pop song of the model (its card's validation songs, ``../shared/corpora/pop909``)
is cut into pieces of 2 x 8 bars like the ideas; bars 5-6 (``--at``, ``--bars``) of each piece
are rewritten (fill-in-the-middle) and compared with the songs' own bars there and with whole
ideas of the model: melody notes in key, melody notes on chord tones on the beat, and the
melodic interval (semitones) from the last note before the span into it and from the span's
last note out of it. The guard is off (it checks every result in the app).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from bench.held_out import pop_songs, print_table
from songsketch.engine.api import Engine, GenerationSettings
from songsketch.engine.api.evaluate import windows
from songsketch.engine.assess.evaluation import chord_at
from songsketch.engine.music import chords as ch


def span_rows(idea, first: int, bars: int) -> dict[str, float]:
    """In key, chord tones on beats, and the intervals into and out of bars first..first+bars-1."""
    bar = idea.bar_ticks
    lo, hi = first * bar, (first + bars) * bar
    notes = sorted(idea.melody, key=lambda n: n.onset)
    inside = [n for n in notes if lo <= n.onset < hi]
    scale = set(idea.key.scale) | ({(idea.key.tonic + 9) % 12} if idea.key.mode == "minor" else set())
    rows: dict[str, float] = {}
    if inside:
        rows["in key"] = float(np.mean([n.pitch % 12 in scale for n in inside]))
        strong = [n for n in inside if n.onset % 12 == 0]
        if strong:
            hits = []
            for n in strong:
                c = chord_at(idea, n.onset)
                hits.append(c is not None and n.pitch % 12 in ch.chord_pcs(c.root, c.quality))
            rows["chord tones on beats"] = float(np.mean(hits))
        before = [n for n in notes if n.onset < lo]
        after = [n for n in notes if n.onset >= hi]
        if before:
            rows["interval into the span"] = abs(inside[0].pitch - before[-1].pitch)
        if after:
            rows["interval out of the span"] = abs(after[0].pitch - inside[-1].pitch)
    return rows


def mean_rows(rows: list[dict[str, float]]) -> dict[str, float]:
    names = ("in key", "chord tones on beats", "interval into the span", "interval out of the span")
    return {k: float(np.mean([r[k] for r in rows if k in r])) for k in names if any(k in r for r in rows)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.infill")
    parser.add_argument("--model", default=None)
    parser.add_argument("--songs", type=int, default=40, help="held-out songs to use (0 = all)")
    parser.add_argument("--at", type=int, default=5, help="first bar of the span (from 1)")
    parser.add_argument("--bars", type=int, default=2)
    parser.add_argument("--part", choices=("both", "melody", "chords"), default="both")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    found = pop_songs(args.model)
    if found is None:
        return 0
    model, songs, _every = found
    if args.songs:
        songs = songs[: args.songs]
    plan = GenerationSettings().plan()
    pieces = [w for s in songs for i in s.ideas for w in windows(i, plan) if w.bars == 16]
    engine = Engine()
    engine.load(model)
    first = args.at - 1
    filled, took = [], []
    for k, piece in enumerate(pieces):
        t0 = time.perf_counter()
        engine.infill(
            piece,
            first,
            args.bars,
            GenerationSettings(count=1, seed=args.seed + k),
            args.part,
            on_idea=lambda _i, idea, _r: filled.append(idea),
            guard=None,
        )
        took.append(time.perf_counter() - t0)
    whole: list = []
    engine.generate(
        GenerationSettings(count=len(pieces), seed=args.seed),
        on_idea=lambda _i, idea, _r: whole.append(idea),
        guard=None,
    )
    columns = {
        "the songs' own bars": mean_rows([span_rows(p, first, args.bars) for p in pieces]),
        "rewritten": mean_rows([span_rows(i, first, args.bars) for i in filled]),
        "whole ideas, same bars": mean_rows([span_rows(i, first, args.bars) for i in whole]),
    }
    print(
        f"{len(pieces)} pieces of {len(songs)} held-out songs, bars {args.at}-{args.at + args.bars - 1} "
        f"rewritten ({args.part}); {len(filled)} filled, median {np.median(took) * 1000:.0f} ms each\n"
    )
    print_table(columns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
