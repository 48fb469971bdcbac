"""Write the built-in corpus's training pieces (key-normalised, split by song) as one .npz,
for training on another machine (tools/train_portable.py).

    python tools/export_pieces.py OUT.npz [--copies 3]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from songsketch.engine.common import paths
from songsketch.engine.data.corpus import load_builtin
from songsketch.engine.ml.training import TrainSettings, encode_pieces, split_songs


def pack(seqs):
    lengths = np.array([len(s) for s in seqs], dtype=np.int32)
    return np.concatenate(seqs).astype(np.int16), lengths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--copies", type=int, default=3, help="tempo-jittered copies of the training pieces")
    args = parser.parse_args()
    settings = TrainSettings()
    songs = load_builtin(paths.Home.from_environment().cache).songs
    train_songs, val_songs = split_songs(songs, settings.val_fraction, settings.seed)
    rng = random.Random(settings.seed)
    train = [s for _ in range(args.copies) for s in encode_pieces(train_songs, rng, settings.keys)]
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
    )
    print(
        f"train pieces {len(train)} ({int(t_len.sum())} tokens), val pieces {len(val)} "
        f"({int(v_len.sum())} tokens) -> {args.out}"
    )


if __name__ == "__main__":
    main()
