"""Write the shipped model's training pieces (the lead sheets as songs and the chorales, see
tools/corpora.py; key-normalised, split by tune) as one .npz, for tools/train_portable.py.

    python tools/export_pieces.py OUT.npz [--copies 3] [--chorale-copies 1]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from songsketch.engine.ml.training import TrainSettings, encode_pieces, split_songs
from tools import corpora


def pack(seqs):
    lengths = np.array([len(s) for s in seqs], dtype=np.int32)
    return np.concatenate(seqs).astype(np.int16), lengths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--copies", type=int, default=3, help="tempo-jittered copies of the songs")
    parser.add_argument("--chorale-copies", type=int, default=1, help="and of the chorales")
    args = parser.parse_args()
    settings = TrainSettings()
    songs = corpora.load().songs
    train_songs, val_songs = split_songs(songs, settings.val_fraction, settings.seed)
    rng = random.Random(settings.seed)
    train = []
    for style, copies in (("song", args.copies), ("chorale", args.chorale_copies)):
        of_style = [s for s in train_songs if s.style == style]
        train += [s for _ in range(copies) for s in encode_pieces(of_style, rng, settings.keys)]
    val = encode_pieces(val_songs, None, settings.keys)
    t_tokens, t_len = pack(train)
    v_tokens, v_len = pack(val)
    np.savez_compressed(
        args.out,
        train_tokens=t_tokens,
        train_lengths=t_len,
        val_tokens=v_tokens,
        val_lengths=v_len,
        train_songs=len(train_songs),
        val_songs=len(val_songs),
        val_names=np.array([s.name for s in val_songs]),
        copies=np.array([args.copies, args.chorale_copies]),
    )
    for style in ("song", "chorale"):
        n = sum(1 for s in train_songs if s.style == style), sum(1 for s in val_songs if s.style == style)
        print(f"{style}: {n[0]} train songs, {n[1]} held out")
    print(
        f"train pieces {len(train)} ({int(t_len.sum())} tokens), val pieces {len(val)} "
        f"({int(v_len.sum())} tokens) -> {args.out}"
    )


if __name__ == "__main__":
    main()
