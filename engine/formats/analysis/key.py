"""The key the music is in: profiles of notes, melody and chord roots learnt from pop, the
same heard over the opening third (where a song that modulates is still in its key), a
textbook profile, the cadence, a written signature as a hint."""

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
# Temperley's textbook profile (music21's TemperleyKostkaPayne, from the Kostka-Payne
# harmony textbook), read on the notes (the bass counted twice) and the chords' tones: pop's
# profiles alone lose lead sheets' keys to their dominant, whose harmony is richer.
TEXTBOOK_PROFILES = {
    "major": np.array([0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400]),
    "minor": np.array([0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330]),
}
# How much each reading counts beside pop's profiles over the whole stretch (weight 1): the
# textbook's, and pop's over the opening third alone (a song's key is the one it opens in; a
# last chorus a step up pulls the whole stretch's evidence away from it). On POP909's tuning
# part (558 songs) and the synthetic lead sheets of bench.analysis (481), pop's profiles
# alone with the old cadence read 87.3% / 93.1%; these weights and the cadence below 87.6% /
# 95.2%, songs that modulate 75.6% -> 79.1% (tools/learn_key_profiles.py prints the
# tuning part's share; python -m bench.analysis the lead sheets').
TEXTBOOK_WEIGHT = 0.25
OPENING_WEIGHT = 0.3
OPENING_SHARE = 1 / 3
ALL_KEY_CHOICES = tuple(Key(tonic, mode) for mode in ("major", "minor") for tonic in range(12))
# The cadence, on top of the readings' score (at most 1.55): a piece that ends (less, begins)
# on a key's tonic chord is probably in it. A held last chord is an ending (lead sheets,
# hymns); pop often ends away from the tonic, on a loop or a fade, so a last chord no longer
# than the others counts less (two in three of the tuning part's songs end on the tonic).
CADENCE_WEIGHT = {"final": 0.3, "last": 0.2, "first": 0.1}
FINAL_LENGTH = 1.5  # a last chord this many times the median chord's length is "final"
SIGNATURE_TRUST = 0.186  # a written key within this of the best stands (mode by the music)


QUALITIES_THIRD = {q: (3 if 3 in iv else 4 if 4 in iv else None) for q, iv in ch.QUALITIES.items()}


@dataclass(frozen=True)
class KeyEvidence:
    """What a key is read from: sounding time per pitch class (all notes, the melody alone),
    per chord root (0-11 major or without a third, 12-23 minor), the first and last chord;
    for the textbook profile, the notes with the bass counted twice and the chords' tones;
    and the same evidence over the opening third."""

    notes: np.ndarray
    melody: np.ndarray
    chords: np.ndarray
    first: Chord | None = None
    last: Chord | None = None
    final: bool = False  # the last chord is held longer than the chords before it: an ending
    bassed: np.ndarray | None = None
    tones: np.ndarray | None = None
    opening: KeyEvidence | None = None

    def rotated(self, tonic: int) -> KeyEvidence:
        """The pop profiles' evidence as seen from ``tonic`` (index 0 is the tonic)."""
        chords = np.concatenate([np.roll(self.chords[:12], -tonic), np.roll(self.chords[12:], -tonic)])
        return replace(
            self, notes=np.roll(self.notes, -tonic), melody=np.roll(self.melody, -tonic), chords=chords
        )


def _profile_evidence(
    melody: list[RawNote], accomp: list[RawNote], chords: list[Chord]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    notes, tune, roots = np.zeros(12), np.zeros(12), np.zeros(24)
    for n in melody:
        tune[n.pitch % 12] += n.duration
    for n in (*melody, *accomp):
        notes[n.pitch % 12] += n.duration
    for c in chords:
        roots[c.root + (12 if QUALITIES_THIRD.get(c.quality) == 3 else 0)] += c.duration
    return notes, tune, roots


def _textbook_evidence(
    melody: list[RawNote], accomp: list[RawNote], chords: list[Chord]
) -> tuple[np.ndarray, np.ndarray]:
    bassed, tones = np.zeros(12), np.zeros(12)
    lowest: dict[int, RawNote] = {}
    for n in (*melody, *accomp):
        bassed[n.pitch % 12] += n.duration
    for n in accomp:
        if n.onset not in lowest or n.pitch < lowest[n.onset].pitch:
            lowest[n.onset] = n
    for n in lowest.values():
        bassed[n.pitch % 12] += n.duration
    for c in chords:
        for pc in ch.chord_pcs(c.root, c.quality):
            tones[pc] += c.duration
    return bassed, tones


def key_evidence(melody: list[RawNote], accomp: list[RawNote], chords: list[Chord]) -> KeyEvidence:
    ordered = sorted(chords, key=lambda c: c.onset)
    first, last = (ordered[0], ordered[-1]) if ordered else (None, None)
    final = len(ordered) >= 2 and last.duration >= FINAL_LENGTH * float(
        np.median([c.duration for c in ordered[:-1]])
    )
    end = max((n.end for n in (*melody, *accomp)), default=0)
    cut = OPENING_SHARE * end
    opening = KeyEvidence(
        *_profile_evidence(
            [n for n in melody if n.onset < cut],
            [n for n in accomp if n.onset < cut],
            [c for c in chords if c.onset < cut],
        )
    )
    return KeyEvidence(
        *_profile_evidence(melody, accomp, chords),
        first,
        last,
        final,
        *_textbook_evidence(melody, accomp, chords),
        opening,
    )


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / denominator if denominator else 0.0


def _profile_scores(evidence: KeyEvidence, profiles) -> np.ndarray:
    """The weighted correlation of each kind of evidence with each key's profile (at most 1)."""
    total = sum(FEATURE_WEIGHTS.values())
    scores = np.zeros(len(ALL_KEY_CHOICES))
    for i, key in enumerate(ALL_KEY_CHOICES):
        seen = evidence.rotated(key.tonic)
        scores[i] = (
            sum(w * _correlation(getattr(seen, f), profiles[key.mode][f]) for f, w in FEATURE_WEIGHTS.items())
            / total
        )
    return scores


def _textbook_scores(evidence: KeyEvidence) -> np.ndarray:
    scores = np.zeros(len(ALL_KEY_CHOICES))
    if evidence.bassed is None or evidence.tones is None:
        return scores
    for i, key in enumerate(ALL_KEY_CHOICES):
        profile = np.roll(TEXTBOOK_PROFILES[key.mode], key.tonic)
        scores[i] = 0.5 * _correlation(evidence.bassed, profile) + 0.5 * _correlation(evidence.tones, profile)
    return scores


def _cadence_scores(evidence: KeyEvidence) -> np.ndarray:
    """A piece that ends (less, begins) on a key's tonic chord is probably in it; a minor
    piece may end on a major tonic (a Picardy third), not the reverse."""
    scores = np.zeros(len(ALL_KEY_CHOICES))
    last_weight = CADENCE_WEIGHT["final" if evidence.final else "last"]
    for weight, chord in ((last_weight, evidence.last), (CADENCE_WEIGHT["first"], evidence.first)):
        if chord is None:
            continue
        for i, key in enumerate(ALL_KEY_CHOICES):
            if chord.root != key.tonic:
                continue
            picardy = key.mode == "minor" and chord is evidence.last
            if QUALITIES_THIRD.get(chord.quality) in (None, 3 if key.mode == "minor" else 4) or picardy:
                scores[i] += weight
    return scores


def evidence_scores(evidence: KeyEvidence, profiles=None) -> np.ndarray:
    """How well each key of ALL_KEY_CHOICES explains the evidence: pop's profiles over the
    whole stretch and (``OPENING_WEIGHT``) over its opening third, the textbook profile
    (``TEXTBOOK_WEIGHT``), and the cadence."""
    profiles = KEY_PROFILES if profiles is None else profiles
    scores = _profile_scores(evidence, profiles) + _cadence_scores(evidence)
    if evidence.opening is not None:
        scores += OPENING_WEIGHT * _profile_scores(evidence.opening, profiles)
    return scores + TEXTBOOK_WEIGHT * _textbook_scores(evidence)


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
