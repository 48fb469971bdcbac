"""Chord symbols as pop charts write them (``Cadd9``, ``Dm9``, ``G7sus4``, ``E7#9``, ``C6/9``,
``Am(maj7)``, ``D5``), folded to the nearest quality of ``chords.QUALITIES``.

The model's vocabulary is fixed (a root and one of thirteen qualities), so a richer symbol
is read for what it is built on: its triad (major, minor, diminished, augmented, suspended)
and its seventh (none, minor, major, diminished) or sixth. Added tones (9, 11, 13, add2) and
altered tensions (b9, #9, #11, b13) are dropped: ``Dm9`` plays as Dm7, ``Cadd9`` as C,
``E7#9`` as E7, ``C6/9`` as C6, ``G7sus4`` as Gsus4 (the third would clash with the 4th),
``Am(maj7)`` as Am (the vocabulary has no minor-major seventh), ``C7#5``/``Caug7`` as Caug
(the raised fifth is what is heard), ``D5`` as D (there is no power chord).
"""

from __future__ import annotations

import re

from .chords import QUALITIES

# Words and signs of a quality, longest first so 'maj' is not read as 'm' + 'aj'.
_TOKEN = re.compile(r"maj|Maj|MAJ|ma(?!dd)|min|mi|dim|aug|sus|add|alt|omit|no|[mMΔ°oø+\-#b/^]|\d+")
_MINOR, _DIM, _AUG = {"m", "min", "mi", "-"}, {"dim", "°", "o"}, {"aug", "+"}
_MAJOR_SEVENTH = {"maj", "Maj", "MAJ", "ma", "M"}


def fold_quality(text: str) -> str:
    """The vocabulary quality nearest to a chart's quality text (what follows the root, the
    bass of a slash chord already taken off), e.g. 'm9' -> 'm7', 'add9' -> ''. ValueError
    naming the text when it cannot be read as a chord quality."""
    if text in QUALITIES:
        return text
    spaced = re.sub(r"[()\s,]", " ", text)  # m7(11): the 7 and the 11 stay apart
    tokens = _TOKEN.findall(spaced)
    if "".join(tokens) != spaced.replace(" ", ""):
        raise ValueError(f"cannot read the chord quality {text!r}")
    return _fold(_read(tokens, text))


def _read(tokens: list[str], text: str) -> dict:
    """What a quality's tokens say: the triad ('major', 'minor', 'dim', 'aug', 'half', 'sus4',
    'sus2', 'power'), the seventh (None, 'b7', 'maj7', 'dim7', '6') and a flat fifth."""
    parts: dict = {"triad": "major", "seventh": None, "flat5": False}
    i, first = 0, True
    while i < len(tokens):
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if first and token in _MINOR:
            parts["triad"] = "minor"
        elif first and token in _DIM:
            parts["triad"] = "dim"
        elif token in _AUG and not (token == "+" and nxt.isdigit() and nxt != "7"):
            parts["triad"] = "aug" if parts["triad"] == "major" else parts["triad"]
        elif token in ("Δ", "^"):  # a major seventh, its number optional
            parts["seventh"] = "maj7"
            i += 1 if nxt in ("7", "9", "11", "13") else 0
        elif token == "ø":
            parts["triad"], parts["seventh"] = "half", "b7"
        elif token in _MAJOR_SEVENTH:
            i += _major_seventh(parts, nxt)
        elif token == "sus":
            parts["triad"] = "sus2" if nxt in ("2", "9") else "sus4"
            i += 1 if nxt in ("2", "4", "9") else 0
        elif token == "add" and nxt in ("2", "4", "9", "11", "13"):
            i += 1  # an added tone the vocabulary drops
        elif token in ("no", "omit") and nxt.isdigit():
            parts["triad"] = "power" if nxt == "3" else parts["triad"]
            i += 1
        elif token in ("b", "-", "#", "+") and nxt.isdigit():
            _alteration(parts, token in ("#", "+"), nxt)
            i += 1
        elif token == "/" and nxt == "9" and parts["seventh"] == "6":
            i += 1  # 6/9: the 9 is an added tone
        elif not (token.isdigit() and _number(parts, token)) and token != "alt":
            raise ValueError(f"cannot read the chord quality {text!r}")
        first = False
        i += 1
    return parts


def _major_seventh(parts: dict, nxt: str) -> int:
    """'maj7', 'M9' (a major seventh) or a lone 'maj' / 'M' (a major triad): how many tokens
    after it were used."""
    if nxt in ("7", "9", "11", "13"):
        parts["seventh"] = "maj7"
        return 1
    return 0


def _alteration(parts: dict, sharp: bool, degree: str) -> None:
    """b5/#5 change the triad; b9, #9, #11, b13 are tensions the vocabulary drops."""
    if degree == "5":
        if sharp:
            parts["triad"] = "aug" if parts["triad"] == "major" else parts["triad"]
        else:
            parts["flat5"] = True


def _number(parts: dict, number: str) -> bool:
    """The chord's number: 5 (power), 2 and 4 (suspended), 6 and 69, 7 and the extensions;
    False for a number no chord has."""
    if number == "5":
        parts["triad"] = "power" if parts["triad"] == "major" else parts["triad"]
    elif number in ("2", "4") and parts["triad"] == "major":
        parts["triad"] = "sus2" if number == "2" else "sus4"
    elif number in ("6", "69"):
        parts["seventh"] = parts["seventh"] or "6"
    elif number in ("7", "9", "11", "13"):
        if parts["seventh"] is None:
            parts["seventh"] = "dim7" if parts["triad"] == "dim" else "b7"
    else:
        return False
    return True


def _fold(parts: dict) -> str:
    """The vocabulary's quality for a triad and a seventh (see the module's docstring)."""
    triad, seventh = parts["triad"], parts["seventh"]
    if triad == "minor" and parts["flat5"]:
        triad = "dim" if seventh is None else "half"
        seventh = "b7" if seventh == "b7" else seventh
    if triad in ("sus4", "sus2", "aug"):
        return triad
    if triad == "half" or (triad == "dim" and seventh == "b7"):
        return "m7b5"
    if triad == "dim":
        return "dim7" if seventh == "dim7" else "dim"
    if triad == "minor":
        return {"b7": "m7", "6": "m6"}.get(seventh, "m")  # m(maj7) -> m
    return {"b7": "7", "maj7": "maj7", "6": "6"}.get(seventh, "")  # power and major
