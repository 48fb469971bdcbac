"""Write the shipped model's training pieces (pop songs, lead sheets and chorales, see
tools/corpora.py; key-normalised, each style split by tune) as one .npz, for
tools/train_portable.py.

    python tools/export_pieces.py OUT.npz [--copies 1] [--chorale-copies 1] [--pop-copies 1]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from songsketch.engine.ml.pieces import encode_pieces, infill_span, pieces, prepare
from songsketch.engine.ml.settings import TrainSettings
from songsketch.engine.tokens.encoding import encode_infill
from tools import corpora


def pack(seqs):
    lengths = np.array([len(s) for s in seqs], dtype=np.int32)
    return np.concatenate(seqs).astype(np.int16), lengths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--copies", type=int, default=3, help="tempo-jittered copies of the songs")
    parser.add_argument("--chorale-copies", type=int, default=1, help="and of the chorales")
    parser.add_argument("--pop-copies", type=int, default=1, help="and of the pop songs")
    parser.add_argument(
        "--infill-share", type=float, default=0.5, help="pieces also given as fill-in-the-middle"
    )
    args = parser.parse_args()
    settings = TrainSettings()
    songs = corpora.load().songs
    train_songs, val_songs = corpora.split(songs)
    rng = random.Random(settings.seed)
    train = []
    copies_of = (("song", args.copies), ("chorale", args.chorale_copies), ("pop", args.pop_copies))
    for style, copies in copies_of:
        of_style = [s for s in train_songs if s.style == style]
        train += [
            s for _ in range(copies) for s in encode_pieces(of_style, rng, settings.keys, args.infill_share)
        ]
    # held out: every piece left to right (the loss that picks the best epoch), and each once
    # as fill-in-the-middle with a fixed span (style 'STYLE-infill': the loss of filling in)
    val, val_piece_styles = [], []
    spans = random.Random(2)
    for style, _copies in copies_of:
        of_style = [s for s in val_songs if s.style == style]
        encoded = encode_pieces(of_style, None, settings.keys)
        val += encoded
        val_piece_styles += [style] * len(encoded)
        for song in of_style:
            for idea in song.ideas:
                for piece in pieces(idea):
                    span = infill_span(piece.bars, spans)
                    if span is None:
                        continue
                    piece = prepare(piece, settings.keys, None)
                    val.append(np.asarray(encode_infill(piece, style, *span), dtype=np.int32))
                    val_piece_styles.append(f"{style}-infill")
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
        val_styles=np.array([s.style for s in val_songs]),
        val_piece_styles=np.array(val_piece_styles),
        copies=np.array([args.copies, args.chorale_copies, args.pop_copies]),
        infill_share=args.infill_share,
    )
    for style in ("song", "chorale", "pop"):
        n = sum(1 for s in train_songs if s.style == style), sum(1 for s in val_songs if s.style == style)
        print(f"{style}: {n[0]} train songs, {n[1]} held out")
    print(
        f"train pieces {len(train)} ({int(t_len.sum())} tokens), val pieces {len(val)} "
        f"({int(v_len.sum())} tokens) -> {args.out}"
    )


if __name__ == "__main__":
    main()
