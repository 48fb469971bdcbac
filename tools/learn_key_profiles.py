"""Learn the key finder's profiles from POP909's key labels (the tuning part only).

    python tools/learn_key_profiles.py [--pop909 ../shared/corpora/pop909] [--folds 2]

Each song of the tuning part (``bench.pop909.split``: the shipped model's 62 held-out songs
are never read) goes through the same reader and analysis as a user's file; the evidence the
key finder weighs for its longest stretch (``key.key_evidence``) is rotated to the labelled
tonic and averaged per mode. ``--folds`` first reports the key read exactly when half the
songs learn the profiles and the other half are read with them (both ways), then prints the
profiles learnt from every tuning song, to paste into ``engine/formats/analysis/key.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pop909 import POP909, split  # noqa: E402
from songsketch.engine.data.pop909 import LabelError, read_labels  # noqa: E402
from songsketch.engine.formats.analysis import AnalysisError, analyse, key, pipeline  # noqa: E402
from songsketch.engine.formats.midi import MidiError, read_raw  # noqa: E402
from songsketch.engine.music.idea import Key  # noqa: E402


def song_evidence(folders: list[Path]) -> list[tuple[key.KeyEvidence, Key]]:
    """(evidence of the longest stretch, labelled opening key) per readable song."""
    seen: list[key.KeyEvidence] = []
    detect = pipeline.detect_key

    def recording(melody, accomp, chords=(), written=None):  # the evidence exactly as weighed
        seen.append(key.key_evidence(melody, accomp, list(chords)))
        return detect(melody, accomp, chords, written)

    pipeline.detect_key = recording
    rows = []
    try:
        for folder in folders:
            seen.clear()
            try:
                labels = read_labels(folder)
                analyse(read_raw(folder / f"{folder.name}.mid"))
            except (LabelError, MidiError, AnalysisError, ValueError):
                continue
            if labels.keys and seen:
                rows.append((max(seen, key=lambda e: e.notes.sum()), labels.keys[0][1]))
    finally:
        pipeline.detect_key = detect
    return rows


def learn(rows: list[tuple[key.KeyEvidence, Key]]) -> dict[str, dict[str, np.ndarray]]:
    profiles: dict[str, dict[str, np.ndarray]] = {}
    for mode in ("major", "minor"):
        mine = [e.rotated(k.tonic) for e, k in rows if k.mode == mode]
        profiles[mode] = {f: np.mean([getattr(e, f) / max(getattr(e, f).sum(), 1e-9) for e in mine], axis=0)
                          for f in key.FEATURE_WEIGHTS}  # fmt: skip
    return profiles


def exact_share(rows, profiles) -> float:
    return float(np.mean([key.best_key(e, profiles) == k for e, k in rows]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pop909", type=Path, default=POP909)
    parser.add_argument("--folds", type=int, default=2)
    args = parser.parse_args(argv)
    tuning, _held_out = split(args.pop909)
    rows = song_evidence(tuning)
    print(f"{len(rows)} tuning songs read", file=sys.stderr)
    print(f"today's key finder: {exact_share(rows, key.KEY_PROFILES):.3f} exact", file=sys.stderr)
    order = np.random.default_rng(0).permutation(len(rows))
    folds = [[rows[i] for i in order[f :: args.folds]] for f in range(args.folds)]
    for f, fold in enumerate(folds):
        others = [r for g, other in enumerate(folds) if g != f for r in other]
        print(
            f"fold {f}: learnt on {len(others)}, {exact_share(fold, learn(others)):.3f} exact",
            file=sys.stderr,
        )
    profiles = learn(rows)
    np.set_printoptions(precision=4, suppress=True, linewidth=100)
    print("KEY_PROFILES = {")
    for mode, parts in profiles.items():
        print(f'    "{mode}": {{')
        for f, values in parts.items():
            print(f'        "{f}": np.array([{", ".join(f"{v:.4f}" for v in values)}]),')
        print("    },")
    print("}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
