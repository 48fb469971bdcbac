"""How well a model finds chords for a melody: held-out songs' melodies in, chords out.

    python -m bench.harmonise [--model FOLDER] [--songs 40] [--chords auto] [--seed 1]

Each held-out pop song of the model (its card's validation songs, ``../shared/corpora/pop909``)
is cut into pieces of 2 x 8 bars like the ideas; each piece's melody alone, in the song's key,
is given new chords (``New chords for this melody``, the guard off) and compared with the
song's own chords and with a baseline measured in the same run: a hidden Markov model over
chords counted from the model's training pop songs (``engine.assess.hmm_harmoniser``). Rows:
the song's root and root + third per beat, and the fit measures of Yeh et al. 2021 (CTnCTR,
PCS, CHE, CC; ``engine.assess.harmonisation``), with chord changes per 4 beats. Last, the time
to write 8 harmonisations of one 16-bar melody, and keys heard from the melodies alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

import numpy as np

from bench.held_out import pop_songs, print_table
from songsketch.engine.api import Engine, GenerationSettings, Key
from songsketch.engine.api.evaluate import windows
from songsketch.engine.assess.harmonisation import harmonisation_rows
from songsketch.engine.assess.hmm_harmoniser import HmmHarmoniser
from songsketch.engine.formats.analysis.key import detect_key
from songsketch.engine.formats.analysis.raw import RawNote
from songsketch.engine.generation.constraints import keep

CHORD_CHOICES = ("auto", "bar", "half", "beat")
TUNING_SONGS = 20  # of the held-out songs, those the chord biases were tuned on


def melody_alone(idea):
    return replace(idea, chords=())


def relative_key(key: Key) -> Key:
    return Key((key.tonic + 9) % 12, "minor") if key.mode == "major" else Key((key.tonic + 3) % 12, "major")


def heard_key(idea):
    """The key heard from the melody alone (as a one-line file is read)."""
    notes = [RawNote(n.pitch, n.onset, n.duration, n.velocity) for n in idea.melody]
    return detect_key(notes, [], [])[0]


def harmonised(engine: Engine, pieces, chords: str, seed: int) -> tuple[list, list[float]]:
    out, took = [], []
    for k, piece in enumerate(pieces):
        t0 = time.perf_counter()
        engine.regenerate(
            melody_alone(piece),
            "melody",
            GenerationSettings(count=1, seed=seed + k, harmonic_rhythm=None if chords == "auto" else chords),
            on_idea=lambda _i, idea, _r: out.append(idea),
            guard=None,
        )
        took.append(time.perf_counter() - t0)
    return out, took


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.harmonise")
    parser.add_argument("--model", default=None)
    parser.add_argument("--songs", type=int, default=0, help="at most this many songs (0 = all of the part)")
    parser.add_argument("--chords", choices=CHORD_CHOICES, default="auto", help="chord changes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--part",
        choices=("tuning", "held", "all"),
        default="held",
        help=f"the held-out songs' first {TUNING_SONGS} (the chord biases' tuning), the rest, or all",
    )
    parser.add_argument("--fit", type=float, default=None, help="try another CHORD_FIT_BIAS")
    parser.add_argument("--change", type=float, default=None, help="try another CHORD_CHANGE_BIAS")
    args = parser.parse_args(argv)
    if args.fit is not None:
        keep.CHORD_FIT_BIAS = args.fit
    if args.change is not None:
        keep.CHORD_CHANGE_BIAS = args.change
    found = pop_songs(args.model)
    if found is None:
        return 0
    model, songs, corpus = found
    held = {s.name for s in songs}
    songs = sorted(songs, key=lambda s: s.name)
    songs = {"tuning": songs[:TUNING_SONGS], "held": songs[TUNING_SONGS:], "all": songs}[args.part]
    songs = songs[: args.songs or None]
    plan = GenerationSettings().plan()
    pieces = [w for s in songs for i in s.ideas for w in windows(i, plan) if w.bars == 16]
    t0 = time.perf_counter()
    hmm = HmmHarmoniser().fit(i for s in corpus if s.name not in held for i in s.ideas)
    fitted = time.perf_counter() - t0
    engine = Engine()
    engine.load(model)
    ours, took = harmonised(engine, pieces, args.chords, args.seed)
    baseline = [hmm.harmonise(melody_alone(p)) for p in pieces]
    print(
        f"{len(pieces)} pieces (16 bars) of {len(songs)} held-out pop songs ({args.part}); "
        f"chords: {args.chords}; "
        f"biases fit {keep.CHORD_FIT_BIAS}, change {keep.CHORD_CHANGE_BIAS}; "
        f"HMM counted from {len(corpus) - len(held)} training songs in {fitted:.1f} s\n"
    )
    print_table(
        first=36,
        columns={
            "the songs": harmonisation_rows(pieces, pieces),
            "Songsketch": harmonisation_rows(ours, pieces),
            "HMM baseline": harmonisation_rows(baseline, pieces),
        },
    )
    t0 = time.perf_counter()
    eight_settings = GenerationSettings(count=8, seed=args.seed)
    engine.regenerate(melody_alone(pieces[0]), "melody", eight_settings, guard=None)
    eight = time.perf_counter() - t0
    keys = [heard_key(p) for p in pieces]
    exact = np.mean([k == p.key for k, p in zip(keys, pieces)])
    relative = np.mean([k == p.key or relative_key(k) == p.key for k, p in zip(keys, pieces)])
    print(
        f"\nmedian {np.median(took) * 1000:.0f} ms a harmonisation; 8 harmonisations of one 16-bar melody "
        f"in {eight:.2f} s\nkey heard from the melody alone: {exact:.0%} exact, {relative:.0%} with relatives"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
