"""Fault run: hostile files, killed training and library writers, a damaged library, and a
long generation session. Prints what was tried and what survived.

    python -m tests.faults [--kills 4] [--ideas 2000]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import mido

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from songsketch.engine.common import paths  # noqa: E402
from songsketch.engine.data.corpus import load_folder  # noqa: E402
from songsketch.engine.data.library import Library  # noqa: E402
from tests.helpers import midi_bytes, notes_to_messages  # noqa: E402

Q = 480


def _song(meter=(4, 4), tempo=500000, extra=()):
    meta = [
        mido.MetaMessage("set_tempo", tempo=tempo),
        mido.MetaMessage("time_signature", numerator=meter[0], denominator=meter[1]),
    ]
    chords = [(p, b * 4 * Q, (b + 1) * 4 * Q, 70) for b in range(4) for p in (48, 52, 55)]
    melody = [(72 + i % 5, i * Q, (i + 1) * Q, 90) for i in range(16)] + list(extra)
    return midi_bytes([notes_to_messages(chords, 0, meta=meta), notes_to_messages(melody, 1)])


def hostile_folder(root: Path) -> int:
    """Write the hostile set; returns how many entries it holds."""
    good = _song()
    files = {
        "good.mid": good,
        "truncated.mid": good[: len(good) // 2],
        "garbage.mid": os.urandom(3000),
        "wrong-header.mid": b"RIFF" + good[4:],
        "bad-running-status.mid": good[:14] + b"MTrk\x00\x00\x00\x08\x00\x40\x40\x00\x00\xff\x2f\x00",
        "zero-tracks.mid": midi_bytes([]),
        "drums-only.mid": midi_bytes(
            [notes_to_messages([(36, i * Q, i * Q + 60, 100) for i in range(16)], 9)]
        ),
        "one-note.mid": midi_bytes([notes_to_messages([(60, 0, Q, 80)])]),
        "100k-notes.mid": midi_bytes(
            [notes_to_messages([(40 + i % 40, i * 12, i * 12 + 11, 80) for i in range(100_000)])]
        ),
        "absurd-tempo.mid": _song(tempo=1),
        "slow-tempo.mid": _song(tempo=16_000_000),
        "absurd-delta.mid": _song(extra=[(80, 10_000_000, 10_000_480, 90)]),
        "three-four.mid": _song((3, 4)),
        "seven-eight.mid": _song((7, 8)),
        "five-eight.mid": _song((5, 8)),
        "pdf-named.mid": b"%PDF-1.7\n" + os.urandom(2000),
        "empty.mid": b"",
        "notes.musicxml": b"<score-partwise><part-list>",
        "song.abc": b"X:1\nT:broken\nK:Q#\n|:::",
        "cover.jpg": os.urandom(500),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    (root / "unreadable.mid").write_bytes(good)
    os.chmod(root / "unreadable.mid", 0)
    (root / "loop").mkdir()
    os.symlink(root, root / "loop" / "back")
    os.symlink(root / "missing.mid", root / "dangling.mid")
    (root / "empty-folder").mkdir()
    return len(files) + 3


def run_hostile() -> tuple[int, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "songs"
        root.mkdir()
        expected = hostile_folder(root)
        try:
            corpus = load_folder(root, Path(tmp) / "cache")
        except Exception as exc:  # the whole point: nothing may escape
            print(f"  CRASH: {type(exc).__name__}: {exc}")
            return expected, 0, 1
        for r in corpus.reports:
            print(f"  {'used   ' if r.used else 'skipped'} {Path(r.path).name:<26} {r.reason}")
        handled = sum(1 for r in corpus.reports if r.used or r.reason)
        empty = load_folder(root / "empty-folder", None)
        print(f"  empty folder: {len(empty.songs)} songs, {len(empty.reports)} reports")
        return len(corpus.reports), handled, 0


TRAINER = r"""
import sys
from songsketch.engine.data.corpus import builtin_paths, load_files
from songsketch.engine.ml.training import TrainSettings, train
paths = [p for p in builtin_paths() if p.name.startswith("bwv2")][:8]
songs = load_files(paths, None, melody_first=True).songs
print("ready", flush=True)
train(songs, sys.argv[1], TrainSettings(epochs=int(sys.argv[2]), learning_rate=5e-4, patience=99,
      val_fraction=0.25), base_model=sys.argv[1], resume=False)
print("done", flush=True)
"""


def run_model_kills(kills: int) -> tuple[int, int]:
    """Kill a fine-tune of a model into its own folder at random moments (training and
    publishing); the folder must always hold a loadable model. Returns (kills, models lost)."""
    from songsketch.engine.ml.store import ModelError, load

    lost = 0
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "mine"
        shutil.copytree(paths.default_model_dir(), folder)
        for k in range(kills):
            proc = subprocess.Popen(
                [sys.executable, "-c", TRAINER, str(folder), "1"],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env=dict(os.environ, PYTHONPATH=str(ROOT)),
            )
            proc.stdout.readline()  # corpus loaded, TensorFlow importing
            if k % 2 == 0:
                # during training, at a random moment
                delay = rng.uniform(2.0, 15.0)
                try:
                    proc.wait(delay)
                    outcome = "finished before the kill"
                except subprocess.TimeoutExpired:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    outcome = f"killed while training, after {delay:.1f} s"
            else:
                # while the new model is being saved: at the first new file in the folder
                before = set(os.listdir(folder))
                outcome = "finished before the kill"
                while proc.poll() is None:
                    new = set(os.listdir(folder)) - before
                    if new:
                        proc.send_signal(signal.SIGKILL)
                        proc.wait()
                        outcome = f"killed while saving (new file {sorted(new)[0]})"
                        break
                    time.sleep(0.001)
            try:
                card = load(folder).card
                print(f"  kill {k + 1}: {outcome}; model loads (created {card.created})")
            except ModelError as exc:
                lost += 1
                print(f"  kill {k + 1}: {outcome}; MODEL LOST: {exc}")
    return kills, lost


WRITER = r"""
import sys, random
from songsketch.engine.data.library import Library
from tests.helpers import random_idea
lib = Library(sys.argv[1])
rng = random.Random(1)
n = 0
while True:
    lib.add(random_idea(rng).with_name(f"idea-{n}"))
    n += 1
    print(n, flush=True)
"""


def run_library_kills(kills: int) -> tuple[int, int]:
    """Kill a process that keeps adding ideas; at most the idea in flight may be missing."""
    lost = 0
    rng = random.Random(4)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "library.sqlite"
        for k in range(kills):
            before = Library(db)
            start = before.count()
            before.close()
            proc = subprocess.Popen(
                [sys.executable, "-c", WRITER, str(db)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env=dict(os.environ, PYTHONPATH=str(ROOT)),
            )
            confirmed = 0
            deadline = time.time() + rng.uniform(1.5, 4.0)
            while time.time() < deadline:
                line = proc.stdout.readline()
                if line.strip().isdigit():
                    confirmed = int(line)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            after = Library(db)
            count = after.count()
            readable = len(after.entries())
            after.close()
            missing = max(0, start + confirmed - count)
            lost += missing
            print(
                f"  kill {k + 1}: {confirmed} adds confirmed, library holds {count - start} new "
                f"({readable} readable in all), lost {missing}; recovered={after.recovered is not None}"
            )
    return kills, lost


def run_damaged_library() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "library.sqlite"
        db.write_bytes(b"this is not a database" * 100)
        lib = Library(db)
        ok = lib.recovered is not None and lib.count() == 0
        print(f"  damaged file: {lib.recovered}")
        lib.close()
        return ok


def run_long_session(count: int) -> tuple[float, float, int, int]:
    from songsketch.engine.api import Engine, Guard
    from songsketch.engine.generation.generator import GenerationSettings

    engine = Engine()
    engine.load(paths.default_model_dir())
    threads_before = threading.active_count()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kept = []
    done = 0
    for batch in range(0, count, 100):
        engine.generate(
            GenerationSettings(count=100, bars_per_section=8, seed=batch),
            on_idea=lambda i, idea, r: kept.append(idea.name),
            guard=Guard(8),
        )
        done += 100
        if done % 500 == 0:
            gc.collect()
            print(
                f"  {done} ideas: "
                f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
                f"threads {threading.active_count()}"
            )
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return rss_before, rss_after, threads_before, threading.active_count()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults")
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--ideas", type=int, default=2000)
    args = parser.parse_args(argv)
    print("hostile inputs:")
    tried, handled, crashes = run_hostile()
    print("killed training (model folder fine-tuned in place):")
    model_kills, models_lost = run_model_kills(args.kills)
    print("killed library writer:")
    lib_kills, ideas_lost = run_library_kills(args.kills)
    print("damaged library:")
    damaged_ok = run_damaged_library()
    print(f"long session ({args.ideas} ideas):")
    rss0, rss1, th0, th1 = run_long_session(args.ideas)
    print()
    print(f"inputs tried: {tried}, handled cleanly: {handled}, crashes: {crashes}")
    print(f"training kills: {model_kills}, models lost: {models_lost}")
    print(f"library writer kills: {lib_kills}, ideas lost: {ideas_lost}")
    print(f"damaged library moved aside and replaced: {'yes' if damaged_ok else 'NO'}")
    print(
        f"memory: peak RSS {rss0:.0f} MB after loading, {rss1:.0f} MB after {args.ideas} ideas; "
        f"threads {th0} -> {th1}"
    )
    return 0 if crashes == 0 and models_lost == 0 and ideas_lost == 0 and damaged_ok else 1


if __name__ == "__main__":
    sys.exit(main())
