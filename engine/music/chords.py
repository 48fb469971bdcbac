"""Chord symbols: qualities, spelling, recognition from pitches, and default voicings.

A chord symbol here is a root pitch class (0 = C) plus a quality name from
``QUALITIES``; inversions live in the voicing (the lowest pitch), shown as a
slash chord (``C/E``) by :func:`display_symbol`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

# Quality name -> intervals above the root (semitones). The order is the
# token order and must never change (it fixes the model vocabulary).
QUALITIES: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7),
    "m": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
    "m7b5": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9),
    "sus4": (0, 5, 7),
    "sus2": (0, 2, 7),
    "6": (0, 4, 7, 9),
    "m6": (0, 3, 7, 9),
}
QUALITY_NAMES: tuple[str, ...] = tuple(QUALITIES)

SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

# Tonic pitch classes of keys written with flats (major, minor).
_FLAT_MAJOR = {5, 10, 3, 8, 1, 6}
_FLAT_MINOR = {2, 7, 0, 5, 10, 3}

# Prior preference among qualities when several fit equally well (simpler first).
_QUALITY_PRIOR = {
    "": 0.30,
    "m": 0.30,
    "7": 0.22,
    "m7": 0.12,
    "maj7": 0.10,
    "dim": 0.08,
    "m7b5": 0.08,
    "dim7": 0.06,
    "sus4": 0.04,
    "aug": 0.02,
    "6": 0.0,
    "m6": 0.0,
    "sus2": 0.0,
}

# Extra cost of rarer triad qualities, so passing tones do not turn triads into them.
_QUALITY_COST = {"sus4": 0.3, "sus2": 0.4, "aug": 0.25, "dim": 0.04}

_SYMBOL_RE = re.compile(
    r"^([A-G])([#b]?)("
    + "|".join(sorted((re.escape(q) for q in QUALITIES if q), key=len, reverse=True))
    + r"|)(?:/([A-G][#b]?))?$"
)


def uses_flats(tonic: int, mode: str) -> bool:
    """True when the key (tonic pitch class, 'major'/'minor') is spelled with flats."""
    return tonic % 12 in (_FLAT_MINOR if mode == "minor" else _FLAT_MAJOR)


def pc_name(pc: int, flats: "bool | Sequence[str]" = False) -> str:
    """Name of a pitch class, e.g. 10 -> 'A#' or 'Bb'; ``flats`` may also be a key's
    twelve names (``key_spelling``)."""
    if not isinstance(flats, bool):
        return flats[pc % 12]
    return (FLAT_NAMES if flats else SHARP_NAMES)[pc % 12]


def key_spelling(tonic: int, mode: str) -> tuple[str, ...]:
    """The names of the twelve pitch classes in a key: its scale on consecutive letters (so
    Cb, not B, in Gb major and Eb minor), the rest with the key's accidental."""
    names = list(FLAT_NAMES if uses_flats(tonic, mode) else SHARP_NAMES)
    letters = "CDEFGAB"
    first = letters.index(names[tonic % 12][0])
    steps = (0, 2, 4, 5, 7, 9, 11) if mode == "major" else (0, 2, 3, 5, 7, 8, 10)
    for degree, step in enumerate(steps):
        _name(names, (tonic + step) % 12, letters[(first + degree) % 7])
    for step, degree in _CHROMATIC[mode].items():  # a lowered degree names the one above, a raised one below
        _name(names, (tonic + step) % 12, letters[(first + abs(degree)) % 7])
    return tuple(names)


# The notes outside a key as harmony spells them, by semitones above the tonic: +degree (0-based)
# raised, -degree lowered. Major: bII bIII #IV bVI bVII (Bb, not A#, in C major); minor: bII,
# the major 3rd, #IV, the raised 6th and 7th (C#, D#, F#, G# in A minor).
_CHROMATIC = {
    "major": {1: -1, 3: -2, 6: 3, 8: -5, 10: -6},
    "minor": {1: -1, 4: 2, 6: 3, 9: 5, 11: 6},
}


def _name(names: list[str], pc: int, letter: str) -> None:
    """Name ``pc`` on ``letter`` where one sharp or flat will do."""
    accidental = {0: "", 1: "#", 11: "b"}.get((pc - _LETTER_PC[letter]) % 12)
    if accidental is not None:
        names[pc] = letter + accidental


def parse_pc(name: str) -> int:
    """Pitch class of a note name such as 'C', 'F#', 'Bb'. Raises ValueError."""
    if not name or name[0] not in _LETTER_PC:
        raise ValueError(f"not a note name: {name!r}")
    pc = _LETTER_PC[name[0]]
    for accidental in name[1:]:
        if accidental == "#":
            pc += 1
        elif accidental in ("b", "-"):
            pc -= 1
        else:
            raise ValueError(f"not a note name: {name!r}")
    return pc % 12


def symbol(root: int, quality: str, flats: bool = False) -> str:
    """Chord symbol such as 'Am7' for root 9, quality 'm7'."""
    if quality not in QUALITIES:
        raise ValueError(f"unknown chord quality {quality!r}")
    return pc_name(root, flats) + quality


def display_symbol(root: int, quality: str, voicing: Sequence[int], flats: bool = False) -> str:
    """Symbol with the bass shown when it is not the root, e.g. 'C/E'."""
    text = symbol(root, quality, flats)
    if voicing and voicing[0] % 12 != root % 12:
        text += "/" + pc_name(voicing[0], flats)
    return text


def parse_symbol(text: str) -> tuple[int, str]:
    """(root pitch class, quality) of a symbol like 'F#m7' or 'C/E'. Raises ValueError."""
    match = _SYMBOL_RE.match(text.strip())
    if not match:
        raise ValueError(f"not a chord symbol: {text!r}")
    letter, accidental, quality, _bass = match.groups()
    return parse_pc(letter + accidental), quality


def chord_pcs(root: int, quality: str) -> frozenset[int]:
    """Pitch classes of a chord."""
    return frozenset((root + i) % 12 for i in QUALITIES[quality])


CANDIDATES: tuple[tuple[int, str], ...] = tuple((root, q) for q in QUALITIES for root in range(12))
"""Every (root, quality), quality-major order: the rows of :func:`chord_scores`."""


def _templates() -> tuple[np.ndarray, ...]:
    tones = np.zeros((len(CANDIDATES), 12))
    for i, (root, quality) in enumerate(CANDIDATES):
        for interval in QUALITIES[quality]:
            tones[i, (root + interval) % 12] = 1.0
    roots = np.array([root for root, _q in CANDIDATES])
    fifths = np.array([7 in QUALITIES[q] for _r, q in CANDIDATES])
    size = np.array([len(QUALITIES[q]) for _r, q in CANDIDATES], dtype=float)
    fixed = np.array([0.02 * _QUALITY_PRIOR[q] - _QUALITY_COST.get(q, 0.0) for _r, q in CANDIDATES])
    return tones, roots, fifths, size, fixed


_TONES, _ROOTS, _HAS_FIFTH, _SIZE, _FIXED = _templates()


def chord_scores(weights: np.ndarray, bass_pc: int | None = None) -> np.ndarray:
    """How well each chord of ``CANDIDATES`` explains pitch-class weights (12 values, e.g.
    time sounding): the weight of its tones, minus the weight of foreign tones, minus a
    penalty for each missing tone (a missing fifth is cheap), a seventh only when it really
    sounds, rarer qualities costing more; a bass on the root helps, a bass outside the chord
    hurts. All zeros when nothing sounds."""
    weights = np.clip(np.asarray(weights, dtype=float), 0.0, None)
    total = weights.sum()
    if total <= 0:
        return np.zeros(len(CANDIDATES))
    norm = weights / total
    sounding = norm > 0
    inside = _TONES @ norm
    missing = _TONES @ (~sounding)
    fifth_missing = _HAS_FIFTH & ~sounding[(_ROOTS + 7) % 12]
    score = (
        inside
        - (1.0 - inside) * 1.2
        - 0.35 * (missing - fifth_missing)
        - 0.12 * fifth_missing
        - 0.3 * (_SIZE - 3)
        + _FIXED
    )
    if bass_pc is not None:
        bass_in = _TONES[:, bass_pc % 12] > 0
        score = score + np.where(_ROOTS == bass_pc % 12, 0.06, np.where(bass_in, 0.0, -0.1))
    return score


def recognise(weights: Mapping[int, float], bass_pc: int | None = None) -> tuple[int, str] | None:
    """Best (root, quality) for pitch-class weights (e.g. seconds or beats sounding), by
    :func:`chord_scores`; simpler qualities win ties. None when nothing sounds."""
    vector = np.zeros(12)
    for pc, w in weights.items():
        if w > 0:
            vector[pc % 12] += w
    if vector.sum() <= 0:
        return None
    return CANDIDATES[int(np.argmax(chord_scores(vector, bass_pc)))]


def recognise_pitches(pitches: Iterable[int]) -> tuple[int, str] | None:
    """Chord of a set of sounding MIDI pitches (equal weight; lowest is the bass)."""
    pitches = sorted(set(pitches))
    if not pitches:
        return None
    weights: dict[int, float] = {}
    for p in pitches:
        weights[p % 12] = weights.get(p % 12, 0.0) + 1.0
    return recognise(weights, pitches[0])


def default_voicing(root: int, quality: str, low: int = 45, high: int = 67) -> tuple[int, ...]:
    """A close left-hand voicing: the root in the bass at or above ``low``, the other
    tones stacked above it within ``high`` (used when a source gives no voicing)."""
    bass = low + ((root - low) % 12)
    tones = [bass]
    for interval in QUALITIES[quality][1:]:
        pitch = bass + interval
        while pitch > high:
            pitch -= 12
        if pitch <= bass:
            pitch += 12
        tones.append(pitch)
    return tuple(sorted(set(tones)))
