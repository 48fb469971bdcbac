"""Learn the one-track melody tracker's weights (engine/formats/analysis/melody_tracker.npz)
from POP909's tuning part (bench.pop909.split; the held-out part is never read here).

    .venv/bin/python tools/learn_melody_tracker.py [--songs 558] [--seed 0] [--no-textures] [--flat] [--write]

Each song's three tracks are merged into one unnamed piano track (bench.pop909.merged_midi, a
user's one-track file) and read back; a note is tune when the MELODY track has a note of its
pitch at its onset, second line when BRIDGE has one. ``--flat`` learns the same from the files
with every velocity 80 (melody_tracker_flat.npz), for files of one loudness, a notation
program's export: the tracker learnt on played velocities took a pianist's pedalled top notes
for the tune there.
Four fifths of the songs are learnt from, each whole and an excerpt of it (a user's file is
often a stretch of a song, its tune starting at once), and a quarter of them again as their
tune and chord labels played at half speed in a synthetic texture (``textured_song``: a slow
tune's held notes over an alberti or broken-chord figure, which pop seldom has: learnt on pop
alone the tracker followed the figure under them); the last fifth checks. Pass one is a
one-hidden-layer net on the note's own features (numpy, full-batch Adam on the log loss,
seeded); pass two, the same on features against the line pass one heard; the sequence net,
a bidirectional LSTM (Keras), reads every song's notes in order against that line, in
windows of CHUNK notes, learning tune / second line / piano (the second line named apart:
it is what a tune is most often mistaken for), stopped where the check songs' loss stops
falling. A note's score is the mean of pass two's and the sequence net's. The engine reads
the weights with numpy; the check songs' scores here are the engine's own
(melody_line.note_scores). Then the line's costs (bias, leap, overlap) are chosen on the
check songs by the bench's two figures: the most sung notes heard less heard notes not
sung (the check songs in a texture are printed beside). Takes 20-30 minutes on two cores.
``--write`` writes the weights file; without it the figures are only printed.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import devset  # noqa: E402
from bench.pop909 import POP909, merged_midi, split  # noqa: E402
from songsketch.engine.data.pop909 import LabelError, read_song  # noqa: E402
from songsketch.engine.formats.analysis import melody_line as ml  # noqa: E402
from songsketch.engine.formats.midi import read_raw  # noqa: E402
from songsketch.engine.music.idea import TICKS_PER_BEAT  # noqa: E402

HIDDEN = 32
EPOCHS = 300
UNITS = 32  # LSTM units each way
SEQUENCE_EPOCHS = 20
TEXTURED_SHARE = 0.25  # of the songs, also learnt in a synthetic texture (textured_song)
STRETCH = 2  # a textured song's note values doubled
CHUNK = 384  # notes per training window (half-overlapping)
COSTS = [  # (bias, leap, wide leap, overlap, restart)
    (b, leap, 0.5, over, 2.0) for b in (0.5, 1.0, 1.5) for leap in (0.1, 0.25) for over in (0.1, 0.25)
]
TUNE, SECOND, PIANO = 0, 1, 2  # the sequence net's classes
BAR = 4 * TICKS_PER_BEAT


def song_arrays(folder: Path) -> tuple[np.ndarray, ...]:
    """(pitch, onset, duration, velocity, class) of the merged file's notes, in the order the
    sequence net reads them (onset, then from the top)."""
    path = folder / f"{folder.name}.mid"
    raw = read_raw(path)
    named = {i: (name or "").strip().upper() for i, name in raw.part_names.items()}
    sung = {(n.onset, n.pitch) for n in raw.notes if named.get(n.part) == "MELODY"}
    second = {(n.onset, n.pitch) for n in raw.notes if named.get(n.part) == "BRIDGE"}
    notes = [n for n in read_raw(merged_midi(path)).notes if n.duration > 0]
    notes.sort(key=lambda n: (n.onset, -n.pitch))
    p, o, d, v = (
        np.array([getattr(n, k) for n in notes]) for k in ("pitch", "onset", "duration", "velocity")
    )
    cls = [
        TUNE if (n.onset, n.pitch) in sung else SECOND if (n.onset, n.pitch) in second else PIANO
        for n in notes
    ]
    return p, o, np.maximum(d, 1), v, np.array(cls)


def textured_song(folder: Path, rng: random.Random) -> tuple[np.ndarray, ...] | None:
    """The song's tune and chord labels (its longest labelled stretch) played in one of the
    synthetic textures of bench.devset (block chords, broken chords, an alberti bass, pop
    stabs) as a one-track file, on the grid, shifted or played, its note values doubled (a
    slow tune's held notes over a moving figure, as old songs have and pop seldom does: a
    tracker learnt on pop alone followed the figure under them). A note is
    tune when the tune's track (realised apart with the same timing) has it, else piano.
    None for a song whose labels do not read."""
    try:
        idea = max(read_song(folder / f"{folder.name}.mid"), key=lambda i: len(i.melody))
    except (LabelError, ValueError):
        return None
    sheet = devset.LeadSheet(
        folder.name,
        (4, 4),
        float(idea.tempo),
        idea.key,
        True,
        tuple((n.pitch, n.onset, n.duration) for n in idea.melody),
        tuple((c.onset, c.duration, c.root, c.quality) for c in idea.chords),
    ).slowed(STRETCH)
    timing = rng.randrange(3)
    variant = devset.Variant(
        texture=rng.choice(devset.TEXTURES),
        signature="none",
        shift_ms=40.0 if timing == 1 else 0.0,
        humanise=timing == 2,
        one_track=True,
        seed=rng.randrange(1 << 30),
    )
    one = read_raw(devset.realise(sheet, variant))
    tune = devset.tune_notes(sheet, variant)
    notes = sorted((n for n in one.notes if n.duration > 0), key=lambda n: (n.onset, -n.pitch))
    if not notes or not tune:
        return None
    p, o, d, v = (
        np.array([getattr(n, k) for n in notes]) for k in ("pitch", "onset", "duration", "velocity")
    )
    cls = np.array([TUNE if (n.onset, n.pitch) in tune else PIANO for n in notes])
    return p, o, np.maximum(d, 1), v, cls


def flat(song: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """The song with every note at velocity 80: a notation program's export, of one loudness."""
    p, o, d, v, c = song
    return p, o, d, np.full_like(v, 80), c


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
    for (p, o, _d, _v, cls), mask in zip(songs, masks):
        y = cls == TUNE
        top: dict[int, int] = {}
        for pitch, onset in zip(p[mask], o[mask]):
            top[onset] = max(top.get(onset, -1), pitch)
        truth = {(a, b) for a, b in zip(o[y], p[y])}
        sung, heard, both = sung + len(truth), heard + len(top), both + len(truth & set(top.items()))
    return both / max(sung, 1), 1 - both / max(heard, 1)


def _windows(xs: list[np.ndarray], classes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Half-overlapping windows of CHUNK notes, zero-padded: (features, (class, counted))."""
    wx, wy = [], []
    for x, c in zip(xs, classes):
        for a in range(0, max(len(x) - CHUNK, 0) + 1, CHUNK // 2):
            pad = CHUNK - len(x[a : a + CHUNK])
            wx.append(np.pad(x[a : a + CHUNK], ((0, pad), (0, 0))))
            counted = np.concatenate([np.ones(CHUNK - pad), np.zeros(pad)])
            wy.append(np.stack([np.pad(c[a : a + CHUNK], (0, pad)), counted], axis=-1))
    return np.array(wx, np.float32), np.array(wy, np.float32)


def fit_sequence(fit_x, fit_c, check_x, check_c, seed: int) -> tuple[np.ndarray, np.ndarray, tuple, tuple]:
    """The bidirectional LSTM (Keras): (mean, scale, layer, head) for melody_line.Tracker."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    allx = np.concatenate(fit_x)
    mean, spread = allx.mean(axis=0), allx.std(axis=0)
    scale = np.where(spread > 1e-3, spread, 1.0)
    norm = [(x - mean) / scale for x in fit_x], [(x - mean) / scale for x in check_x]
    (xf, yf), (xc, yc) = _windows(norm[0], fit_c), _windows(norm[1], check_c)
    inputs = tf.keras.Input((None, allx.shape[1]))
    states = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(UNITS, return_sequences=True))(inputs)
    outputs = tf.keras.layers.Dense(3)(tf.keras.layers.Concatenate()([states, inputs]))
    model = tf.keras.Model(inputs, outputs)

    def loss(target, logits):
        counted = target[..., 1]
        each = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.cast(target[..., 0], tf.int32), logits)
        return tf.reduce_sum(each * counted) / tf.reduce_sum(counted)

    model.compile(tf.keras.optimizers.Adam(2e-3), loss)
    stop = tf.keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    model.fit(
        xf, yf, batch_size=32, epochs=SEQUENCE_EPOCHS, validation_data=(xc, yc), verbose=2, callbacks=[stop]
    )
    w = [np.asarray(a, np.float32) for a in model.get_weights()]
    return mean, scale, tuple(w[:6]), (w[6], w[7])


def excerpt(song: tuple[np.ndarray, ...], rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """A stretch of the song, as a user's one-track file often is: from a bar in its first
    half, 16 bars or more (its tune may start at once, with no piano intro before it)."""
    p, o, d, v, c = song
    bars = int(o.max()) // BAR
    first = int(rng.integers(1, max(bars // 2, 2)))
    last = first + int(rng.integers(min(16, bars - first), bars - first + 1))
    keep = (o >= first * BAR) & (o < last * BAR)
    return p[keep], o[keep] - first * BAR, d[keep], v[keep], c[keep]


def learn(songs: list, seed: int, textured: tuple[list, list] = ([], [])) -> ml.Tracker:
    """Both nets on the first four fifths of ``songs``, an excerpt of each and ``textured[0]``
    (the same songs' tunes in synthetic textures); the costs chosen on the rest, whole (the
    textured check songs, ``textured[1]``, are printed beside them)."""
    cut = len(songs) * 4 // 5
    rng = np.random.default_rng(seed)
    fit, check = songs[:cut], songs[cut:]
    fit = fit + [excerpt(s, rng) for s in fit] + textured[0]
    songs = fit + check
    cut = len(fit)
    x1 = [ml.note_features(p, o, d, v) for p, o, d, v, _c in songs]
    y = np.concatenate([c == TUNE for *_pdov, c in fit]).astype(float)
    one = fit_net(np.concatenate(x1[:cut]), y, seed)
    lines = [ml.note_logits(one, x) > 0 for x in x1]
    x2 = [ml.note_features(p, o, d, v, line) for (p, o, d, v, _c), line in zip(songs, lines)]
    classes = [c for *_pdov, c in songs]
    two = fit_net(np.concatenate(x2[:cut]), y, seed + 1)
    mean, scale, layer, head = fit_sequence(x2[:cut], classes[:cut], x2[cut:], classes[cut:], seed + 2)
    net = ml.Tracker(one, two, mean, scale, layer, head, ml.LineCosts(0.0, 0.0, 0.0, 0.0, 0.0))
    scores = [ml.note_scores(net, p, o, d, v) for p, o, d, v, _c in check]
    results = []
    for costs in (ml.LineCosts(*c) for c in COSTS):
        masks = [ml.trace_line(p, o, d, z + costs.bias, costs) for (p, o, d, _v, _c), z in zip(check, scores)]
        heard, intruders = figures(check, masks)
        print(f"{costs}: heard {heard:.1%}, intruders {intruders:.1%}")
        results.append((heard - intruders, costs))
    costs = max(results, key=lambda r: r[0])[1]
    print("chosen (heard - intruders):", costs)
    if textured[1]:
        masks = [
            ml.trace_line(p, o, d, ml.note_scores(net, p, o, d, v) + costs.bias, costs)
            for p, o, d, v, _c in textured[1]
        ]
        heard, intruders = figures(textured[1], masks)
        print(f"check songs in synthetic textures: heard {heard:.1%}, intruders {intruders:.1%}")
    return ml.Tracker(one, two, mean, scale, layer, head, costs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tools/learn_melody_tracker.py")
    parser.add_argument("--songs", type=int, default=558, help="tuning songs to learn from (seeded sample)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="write the weights file")
    parser.add_argument(
        "--flat",
        action="store_true",
        help="learn for files of one loudness (every velocity 80): melody_tracker_flat.npz",
    )
    parser.add_argument(
        "--no-textures", dest="textures", action="store_false", help="learn from the songs as merged only"
    )
    args = parser.parse_args(argv)
    tuning, _held_out = split(POP909)
    folders = sorted(random.Random(args.seed).sample(tuning, min(args.songs, len(tuning))))
    random.Random(args.seed).shuffle(folders)
    pairs = [(f, s) for f, s in zip(folders, map(song_arrays, folders)) if np.ptp(s[3]) >= ml.KEPT_LOUDNESS]
    cut = len(pairs) * 4 // 5
    rng = random.Random(args.seed)
    every = round(1 / TEXTURED_SHARE) if args.textures else len(pairs) + 1
    textured = [textured_song(f, rng) if i % every == 0 else None for i, (f, _s) in enumerate(pairs)]
    extra = ([t for t in textured[:cut] if t is not None], [t for t in textured[cut:] if t is not None])
    songs = [s for _f, s in pairs]
    if args.flat:
        songs, extra = [flat(s) for s in songs], tuple([flat(s) for s in part] for part in extra)
    net = learn(songs, args.seed, extra)
    if args.write:
        path = ROOT / "engine" / "formats" / "analysis" / ml.TRACKER_FILES["flat" if args.flat else "played"]
        part = path.with_suffix(".part.npz")
        np.savez_compressed(part, **net.arrays())
        part.replace(path)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
