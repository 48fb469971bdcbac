"""The key the music is in: note and chord-tone profiles, the cadence, a written signature as a hint."""

from __future__ import annotations

import math

import numpy as np

from ...music import chords as ch
from ...music.idea import Chord, Key
from .raw import RawNote

# Key profiles, tonic first: Temperley's, from the Kostka-Payne harmony textbook's excerpts
# (music21's TemperleyKostkaPayne). On 60 POP909 songs of the tuning part they read 88% of
# keys exactly against 82% for Krumhansl-Kessler's probe-tone ratings (bench.pop909).
KEY_PROFILES = {
    "major": np.array([0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400]),
    "minor": np.array([0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330]),
}
ALL_KEY_CHOICES = tuple(Key(tonic, mode) for mode in ("major", "minor") for tonic in range(12))
# the last chord (and the first) as the tonic; pop songs often end away from it (a fade, a
# turnaround), so the cadence counts less (0.4 read 82% of 60 tuning songs, 0.3 87%)
CADENCE_WEIGHT = {"last": 0.3, "first": 0.15}
SIGNATURE_TRUST = 0.12  # a written key within this of the best stands (mode by the music)


QUALITIES_THIRD = {q: (3 if 3 in iv else 4 if 4 in iv else None) for q, iv in ch.QUALITIES.items()}


def _correlations(histogram: np.ndarray) -> np.ndarray:
    """Pearson correlation of a pitch-class histogram with each key of ALL_KEY_CHOICES."""
    out = np.zeros(len(ALL_KEY_CHOICES))
    if histogram.sum() <= 0:
        return out
    h = histogram - histogram.mean()
    for i, key in enumerate(ALL_KEY_CHOICES):
        profile = np.roll(KEY_PROFILES[key.mode], key.tonic)
        p = profile - profile.mean()
        denominator = math.sqrt(float((h * h).sum() * (p * p).sum()))
        out[i] = float((h * p).sum()) / denominator if denominator else 0.0
    return out


def key_scores(melody: list[RawNote], accomp: list[RawNote], chords: list[Chord]) -> np.ndarray:
    """How well each key of ALL_KEY_CHOICES explains the music: the notes (the bass counted
    twice) and the chords' tones against the key profiles, and the cadence: a piece that ends
    (less, begins) on a key's tonic chord is probably in it."""
    notes = np.zeros(12)
    for n in melody:
        notes[n.pitch % 12] += n.duration
    lowest: dict[int, RawNote] = {}
    for n in accomp:
        notes[n.pitch % 12] += n.duration
        if n.onset not in lowest or n.pitch < lowest[n.onset].pitch:
            lowest[n.onset] = n
    for n in lowest.values():
        notes[n.pitch % 12] += n.duration
    tones = np.zeros(12)
    for c in chords:
        for pc in ch.chord_pcs(c.root, c.quality):
            tones[pc] += c.duration
    score = 0.5 * _correlations(notes) + 0.5 * _correlations(tones)
    if chords:
        ordered = sorted(chords, key=lambda c: c.onset)
        for weight, chord in ((CADENCE_WEIGHT["last"], ordered[-1]), (CADENCE_WEIGHT["first"], ordered[0])):
            intervals = QUALITIES_THIRD.get(chord.quality)
            for i, key in enumerate(ALL_KEY_CHOICES):
                # a minor piece may end on a major tonic (a Picardy third), not the reverse
                if (
                    key.tonic == chord.root
                    and intervals in (None, 3 if key.mode == "minor" else 4)
                    or (key.tonic == chord.root and key.mode == "minor" and chord is ordered[-1])
                ):
                    score[i] += weight
    return score


def detect_key(
    melody: list[RawNote], accomp: list[RawNote], chords: list[Chord] = (), written: Key | None = None
) -> tuple[Key, str]:
    """The key the music is in, and a remark when a written key signature was set aside.

    The music decides (:func:`key_scores`). A written key is a hint: where it, or its relative,
    scores within ``SIGNATURE_TRUST`` of the best, the signature's pair of keys stands and
    the music picks major or minor between them; otherwise (a default C signature over a song
    in E, say) the signature is set aside and the remark says so."""
    scores = key_scores(melody, accomp, list(chords))
    best = ALL_KEY_CHOICES[int(np.argmax(scores))]
    if written is None:
        return best, ""
    major = Key(written.tonic if written.mode == "major" else (written.tonic + 3) % 12, "major")
    minor = Key((major.tonic + 9) % 12, "minor")
    pair = [major, minor]
    pair_scores = [scores[ALL_KEY_CHOICES.index(k)] for k in pair]
    if max(pair_scores) >= scores.max() - SIGNATURE_TRUST:
        return pair[int(np.argmax(pair_scores))], ""
    return best, f"key {best.name} heard (the file's key signature says {written.name})"
