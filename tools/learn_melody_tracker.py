"""Learn the one-track melody tracker's weights (engine/formats/analysis/melody_weights.py) from
POP909's tuning part (bench.pop909.split; the held-out part is never read here).

    .venv/bin/python tools/learn_melody_tracker.py [--songs 160] [--seed 0] [--write]

Each song's three tracks are merged into one unnamed piano track (bench.pop909.merged_midi, a
user's one-track file) and read back; a note is tune when the MELODY track has a note of its
pitch at its onset. (Files that keep no loudness are not the tracker's: with every velocity
the same it took a pianist's pedalled top notes for the tune.) Two one-hidden-layer nets are
fitted (full-batch Adam on the log loss, seeded): pass one on the note's own features, pass
two also against the line pass one heard. Then the line's costs (bias, leap, overlap) are
chosen on a fifth of the songs kept out of the fit, by the bench's two figures: the most sung
notes heard less heard notes not sung.
``--write`` writes the weights module; without it the figures are only printed.
"""

from __future__ import annotations

import argparse
import random
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pop909 import POP909, merged_midi, split  # noqa: E402
from songsketch.engine.formats.analysis import melody_line as ml  # noqa: E402
from songsketch.engine.formats.midi import read_raw  # noqa: E402

HIDDEN = 32
EPOCHS = 300
COSTS = [  # (bias, leap, wide leap, overlap, restart)
    (b, leap, 0.5, over, 2.0) for b in (1.0, 1.5, 2.0) for leap in (0.25, 0.5) for over in (0.25, 0.5)
]


def song_arrays(folder: Path) -> tuple[np.ndarray, ...]:
    """(pitch, onset, duration, velocity, tune) of the merged file's notes."""
    path = folder / f"{folder.name}.mid"
    raw = read_raw(path)
    melody = {i for i, name in raw.part_names.items() if (name or "").strip().upper() == "MELODY"}
    sung = {(n.onset, n.pitch) for n in raw.notes if n.part in melody}
    notes = [n for n in read_raw(merged_midi(path)).notes if n.duration > 0]
    p, o, d, v = (
        np.array([getattr(n, k) for n in notes]) for k in ("pitch", "onset", "duration", "velocity")
    )
    return p, o, d, v, np.array([(n.onset, n.pitch) in sung for n in notes])


def fit_net(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, ...]:
    """A tanh net with HIDDEN units: (mean, scale, w1, b1, w2, b2), Adam on the log loss."""
    rng = np.random.default_rng(seed)
    mean, spread = x.mean(axis=0), x.std(axis=0)
    scale = np.where(spread > 1e-3, spread, 1.0)  # a constant feature: as is (a written 0 would divide by 0)
    xn = (x - mean) / scale
    params = [
        rng.normal(0, 1 / np.sqrt(x.shape[1]), (x.shape[1], HIDDEN)),
        np.zeros(HIDDEN),
        rng.normal(0, 1 / np.sqrt(HIDDEN), HIDDEN),
        np.zeros(1),
    ]
    m1 = [np.zeros_like(q) for q in params]
    m2 = [np.zeros_like(q) for q in params]
    for step in range(1, EPOCHS + 1):
        w1, b1, w2, b2 = params
        h = np.tanh(xn @ w1 + b1)
        gz = (1 / (1 + np.exp(-(h @ w2 + b2[0]))) - y) / len(y)
        gh = np.outer(gz, w2) * (1 - h * h)
        grads = [xn.T @ gh + 1e-4 * w1, gh.sum(axis=0), h.T @ gz + 1e-4 * w2, np.array([gz.sum()])]
        for q, g, a, b in zip(params, grads, m1, m2):
            a *= 0.9
            a += 0.1 * g
            b *= 0.999
            b += 0.001 * g * g
            q -= 0.01 * (a / (1 - 0.9**step)) / (np.sqrt(b / (1 - 0.999**step)) + 1e-8)
    return mean, scale, params[0], params[1], params[2], params[3][0]


def figures(songs, masks) -> tuple[float, float]:
    """(sung notes heard, heard notes not sung), one note per onset as the bench counts."""
    sung = heard = both = 0
    for (p, o, _d, _v, y), mask in zip(songs, masks):
        top: dict[int, int] = {}
        for pitch, onset in zip(p[mask], o[mask]):
            top[onset] = max(top.get(onset, -1), pitch)
        truth = {(a, b) for a, b in zip(o[y], p[y])}
        sung, heard, both = sung + len(truth), heard + len(top), both + len(truth & set(top.items()))
    return both / max(sung, 1), 1 - both / max(heard, 1)


def learn(songs: list, seed: int) -> dict:
    """Both nets on the first four fifths of ``songs``; the costs chosen on the rest."""
    cut = len(songs) * 4 // 5
    fit, check = songs[:cut], songs[cut:]
    x1 = [ml.note_features(p, o, d, v) for p, o, d, v, _y in songs]
    y = np.concatenate([s[4] for s in fit]).astype(float)
    one = fit_net(np.concatenate(x1[:cut]), y, seed)
    lines = [ml.note_logits(one, x) > 0 for x in x1]
    x2 = [ml.note_features(p, o, d, v, line) for (p, o, d, v, _y), line in zip(songs, lines)]
    two = fit_net(np.concatenate(x2[:cut]), y, seed + 1)
    logits = [ml.note_logits(two, x) for x in x2[cut:]]
    results = []
    for bias, leap, wide, over, restart in COSTS:
        ml.weights.LEAP, ml.weights.WIDE_LEAP, ml.weights.OVERLAP = leap, wide, over
        ml.weights.RESTART = restart
        masks = [ml.trace_line(p, o, d, z + bias) for (p, o, d, _v, _y), z in zip(check, logits)]
        heard, intruders = figures(check, masks)
        print(f"bias {bias} leap {leap} overlap {over}: heard {heard:.1%}, intruders {intruders:.1%}")
        results.append((heard - intruders, (bias, leap, wide, over, restart)))
    costs = max(results)[1]
    print("chosen (heard - intruders):", costs)
    return {"one": one, "two": two, "costs": costs}


def _numbers(values, indent: str) -> str:
    return textwrap.fill(
        ", ".join(repr(round(float(x), 4)) for x in values),
        96,
        initial_indent=indent,
        subsequent_indent=indent,
    )


def _array(a) -> str:
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        return "np.array([\n" + _numbers(a, "        ") + ",\n    ])"
    rows = "".join("        [\n" + _numbers(row, "            ") + ",\n        ],\n" for row in a)
    return "np.array([\n" + rows + "    ])"


def module_text(learnt: dict) -> str:
    """The weights module: the costs, then each net as (mean, scale, w1, b1, w2, b2)."""

    def net(model) -> str:
        items = [_array(a) if np.ndim(a) else repr(round(float(a), 4)) for a in model]
        return "(\n" + "".join(f"    {item},\n" for item in items) + ")"

    bias, leap, wide, over, restart = learnt["costs"]
    return (
        '"""The one-track melody tracker\'s weights (melody_line.py), written by\n'
        "tools/learn_melody_tracker.py from POP909's tuning part: do not edit by hand.\n"
        'Each net: (feature mean, feature scale, w1, b1, w2, b2)."""\n\n'
        "# fmt: off\nimport numpy as np\n\n"
        f"BIAS = {bias}\nLEAP = {leap}\nWIDE_LEAP = {wide}\nOVERLAP = {over}\nRESTART = {restart}\n\n"
        f"PASS_ONE = {net(learnt['one'])}\n\nPASS_TWO = {net(learnt['two'])}\n"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tools/learn_melody_tracker.py")
    parser.add_argument("--songs", type=int, default=160, help="tuning songs to learn from (seeded sample)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="write melody_weights.py")
    args = parser.parse_args(argv)
    tuning, _held_out = split(POP909)
    folders = sorted(random.Random(args.seed).sample(tuning, min(args.songs, len(tuning))))
    random.Random(args.seed).shuffle(folders)
    songs = [song_arrays(f) for f in folders]
    learnt = learn(songs, args.seed)
    if args.write:
        path = ROOT / "engine" / "formats" / "analysis" / "melody_weights.py"
        path.write_text(module_text(learnt))
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
