"""The key the music is in: profiles of notes, melody and chord roots learnt from pop, the
cadence, a written signature as a hint."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ...music import chords as ch
from ...music.idea import Chord, Key
from .raw import RawNote

# Key profiles learnt from pop (tools/learn_key_profiles.py: POP909's key labels, its tuning
# part, 558 songs), tonic first: the share of sounding time of each pitch class (all notes;
# the melody alone) and of each chord root (major or no third, then minor) in songs of each
# mode. On the tuning part, learnt on one half and read on the other, they read 88% of keys
# exactly against 82% for Temperley's (Kostka-Payne) textbook profiles with the cadence.
KEY_PROFILES = {
    "major": {
        "notes": np.array(
            [0.2006, 0.0090, 0.1284, 0.0071, 0.1425, 0.0878, 0.0079, 0.2003, 0.0129, 0.1236, 0.0105, 0.0694]
        ),
        "chords": np.array(
            [
                0.2528,
                0.0092,
                0.0179,
                0.0027,
                0.0090,
                0.1360,
                0.0044,
                0.2026,
                0.0112,
                0.0100,
                0.0097,
                0.0007,
                0.0016,
                0.0004,
                0.0786,
                0.0026,
                0.0835,
                0.0127,
                0.0048,
                0.0045,
                0.0007,
                0.1373,
                0.0038,
                0.0033,
            ]
        ),
        "melody": np.array(
            [0.2216, 0.0082, 0.1749, 0.0060, 0.1805, 0.0443, 0.0039, 0.1793, 0.0069, 0.1291, 0.0056, 0.0398]
        ),
    },
    "minor": {
        "notes": np.array(
            [0.2224, 0.0045, 0.0832, 0.1492, 0.0052, 0.1224, 0.0028, 0.1922, 0.0700, 0.0066, 0.1312, 0.0103]
        ),
        "chords": np.array(
            [
                0.0215,
                0.0028,
                0.0015,
                0.1167,
                0.0019,
                0.0219,
                0.0012,
                0.0511,
                0.1215,
                0.0019,
                0.1456,
                0.0022,
                0.2996,
                0.0029,
                0.0055,
                0.0009,
                0.0002,
                0.1028,
                0.0012,
                0.0872,
                0.0030,
                0.0042,
                0.0018,
                0.0007,
            ]
        ),
        "melody": np.array(
            [0.2392, 0.0028, 0.0696, 0.1450, 0.0037, 0.1654, 0.0025, 0.2116, 0.0269, 0.0045, 0.1251, 0.0037]
        ),
    },
}
FEATURE_WEIGHTS = {"notes": 1.0, "chords": 1.0, "melody": 0.5}
ALL_KEY_CHOICES = tuple(Key(tonic, mode) for mode in ("major", "minor") for tonic in range(12))
# The cadence, on top of the profiles' score (at most 1): a piece that ends (less, begins) on
# a key's tonic chord is probably in it. A held last chord is an ending (lead sheets, hymns:
# 0.3 keeps most of their keys); pop often ends away from the tonic, on a loop or a fade, and
# a last chord no longer than the others says little (0.3 there read 83% of the tuning
# part's keys, 0.04 87%).
CADENCE_WEIGHT = {"final": 0.3, "last": 0.04, "first": 0.02}
FINAL_LENGTH = 1.5  # a last chord this many times the median chord's length is "final"
SIGNATURE_TRUST = 0.12  # a written key within this of the best stands (mode by the music)


QUALITIES_THIRD = {q: (3 if 3 in iv else 4 if 4 in iv else None) for q, iv in ch.QUALITIES.items()}


@dataclass(frozen=True)
class KeyEvidence:
    """What a key is read from: sounding time per pitch class (all notes, the melody alone),
    per chord root (0-11 major or without a third, 12-23 minor), the first and last chord."""

    notes: np.ndarray
    melody: np.ndarray
    chords: np.ndarray
    first: Chord | None = None
    last: Chord | None = None
    final: bool = False  # the last chord is held longer than the chords before it: an ending

    def rotated(self, tonic: int) -> KeyEvidence:
        """The same evidence as seen from ``tonic`` (index 0 is the tonic)."""
        chords = np.concatenate([np.roll(self.chords[:12], -tonic), np.roll(self.chords[12:], -tonic)])
        return replace(
            self, notes=np.roll(self.notes, -tonic), melody=np.roll(self.melody, -tonic), chords=chords
        )


def key_evidence(melody: list[RawNote], accomp: list[RawNote], chords: list[Chord]) -> KeyEvidence:
    notes, tune, roots = np.zeros(12), np.zeros(12), np.zeros(24)
    for n in melody:
        tune[n.pitch % 12] += n.duration
    for n in (*melody, *accomp):
        notes[n.pitch % 12] += n.duration
    for c in chords:
        roots[c.root + (12 if QUALITIES_THIRD.get(c.quality) == 3 else 0)] += c.duration
    ordered = sorted(chords, key=lambda c: c.onset)
    first, last = (ordered[0], ordered[-1]) if ordered else (None, None)
    final = len(ordered) >= 2 and last.duration >= FINAL_LENGTH * float(
        np.median([c.duration for c in ordered[:-1]])
    )
    return KeyEvidence(notes, tune, roots, first, last, final)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / denominator if denominator else 0.0


def evidence_scores(evidence: KeyEvidence, profiles=None) -> np.ndarray:
    """How well each key of ALL_KEY_CHOICES explains the evidence: the weighted correlation
    of each kind of evidence with the key's profile (at most 1), and the cadence: a piece that
    ends (less, begins) on a key's tonic chord is probably in it."""
    profiles = KEY_PROFILES if profiles is None else profiles
    total = sum(FEATURE_WEIGHTS.values())
    scores = np.zeros(len(ALL_KEY_CHOICES))
    for i, key in enumerate(ALL_KEY_CHOICES):
        seen = evidence.rotated(key.tonic)
        scores[i] = (
            sum(w * _correlation(getattr(seen, f), profiles[key.mode][f]) for f, w in FEATURE_WEIGHTS.items())
            / total
        )
        last_weight = CADENCE_WEIGHT["final" if evidence.final else "last"]
        for weight, chord in ((last_weight, evidence.last), (CADENCE_WEIGHT["first"], evidence.first)):
            if chord is None or chord.root != key.tonic:
                continue
            # a minor piece may end on a major tonic (a Picardy third), not the reverse
            picardy = key.mode == "minor" and chord is evidence.last
            if QUALITIES_THIRD.get(chord.quality) in (None, 3 if key.mode == "minor" else 4) or picardy:
                scores[i] += weight
    return scores


def best_key(evidence: KeyEvidence, profiles=None) -> Key:
    return ALL_KEY_CHOICES[int(np.argmax(evidence_scores(evidence, profiles)))]


def key_scores(melody: list[RawNote], accomp: list[RawNote], chords: list[Chord]) -> np.ndarray:
    """How well each key of ALL_KEY_CHOICES explains the music (see :func:`evidence_scores`)."""
    return evidence_scores(key_evidence(melody, accomp, list(chords)))


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
