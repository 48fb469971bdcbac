"""A typed chord progression, such as ``C G Am F | F G C C``, as an idea's chord part.

Bars are separated by ``|``, chords within a bar by spaces (they share the bar's beats, the
first ones taking the odd beat: ``C G Am`` in 4/4 is 2 + 1 + 1 beats). A symbol is a root
(``C``, ``F#``, ``Bb``), a quality (none, ``m``, ``7``, ``maj7``, ``m7``, ``dim``, ``m7b5``,
``dim7``, ``aug``, ``sus4``, ``sus2``, ``6``, ``m6``, and the usual spellings of them:
``min``, ``-``, ``M7``, ``ø``, ``°``, ``+``, ``sus``) and maybe a bass (``C/E``). The chords
are voiced as a pianist would (``music.voicing``) and laid over the sections asked for,
the progression repeating until they are full; the key is heard from the chords.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..music import chords as ch
from ..music.idea import Chord, Idea, Key, Section, bar_ticks, beat_ticks
from ..music.voicing import Symbol, voice_symbols
from .analysis import RawNote, detect_key

PROGRESSION_CEILING = 62  # typed chords sit under D4, leaving the melody its register

_ALIASES = {
    "": "",
    "maj": "",
    "M": "",
    "min": "m",
    "-": "m",
    "M7": "maj7",
    "Maj7": "maj7",
    "Δ": "maj7",
    "Δ7": "maj7",
    "min7": "m7",
    "-7": "m7",
    "ø": "m7b5",
    "ø7": "m7b5",
    "-7b5": "m7b5",
    "°": "dim",
    "o": "dim",
    "°7": "dim7",
    "o7": "dim7",
    "+": "aug",
    "sus": "sus4",
    "min6": "m6",
    "-6": "m6",
}
_SYMBOL = re.compile(r"^([A-Ga-g])([#b]?)([^/]*?)(?:/([A-Ga-g][#b]?))?$")


class ProgressionError(ValueError):
    """A progression that cannot be read: the message names the bar and the symbol, and
    ``column`` is where the symbol starts in the text."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class TypedChord:
    symbol: Symbol
    text: str
    column: int  # where it starts in the typed text


def parse_symbol(text: str) -> Symbol:
    """One chord symbol; ValueError (saying what it expected) for anything else."""
    match = _SYMBOL.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a chord symbol")
    letter, accidental, quality, bass = match.groups()
    quality = _ALIASES.get(quality, quality)
    if quality not in ch.QUALITIES:
        known = ", ".join(f"C{q}" for q in ch.QUALITIES)
        raise ValueError(f"{text!r}: unknown chord quality {quality!r} (known: {known})")
    root = ch.parse_pc(letter.upper() + accidental)
    bass_pc = ch.parse_pc(bass[0].upper() + bass[1:]) if bass else None
    return Symbol(root, quality, None if bass_pc == root else bass_pc)


def parse_progression(text: str) -> list[list[TypedChord]]:
    """The bars of a typed progression, each a list of chords. Raises ProgressionError."""
    bars: list[list[TypedChord]] = []
    position = 0
    for number, part in enumerate(text.split("|"), start=1):
        bar = []
        for match in re.finditer(r"\S+", part):
            try:
                bar.append(TypedChord(parse_symbol(match.group()), match.group(), position + match.start()))
            except ValueError as exc:  # (bars counted as typed, a leading | aside)
                raise ProgressionError(f"bar {len(bars) + 1}: {exc}", position + match.start()) from None
        if bar:
            bars.append(bar)
        elif part.strip() == "" and 1 < number < len(text.split("|")):
            raise ProgressionError(f"bar {len(bars) + 1} is empty", position)
        position += len(part) + 1
    if not bars:
        raise ProgressionError("no chords: type symbols such as C G Am F, bars separated by |", 0)
    return bars


def _beats(count: int, beats: int) -> list[int]:
    """How a bar's beats are shared by ``count`` chords: evenly, the first taking the rest."""
    base, extra = divmod(beats, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


def progression_idea(
    text: str,
    meter: tuple[int, int] = (4, 4),
    bars_per_section: int = 8,
    tempo: int = 100,
    key: Key | None = None,
) -> Idea:
    """An idea holding the typed chords (no melody yet) over a verse and a chorus of
    ``bars_per_section`` bars each, the progression repeating to fill them. Raises
    ProgressionError."""
    bars = parse_progression(text)
    bar, beat = bar_ticks(meter), beat_ticks(meter)
    beats = bar // beat
    for number, chords in enumerate(bars, start=1):
        if len(chords) > beats:
            extra = chords[beats]
            raise ProgressionError(
                f"bar {number}: {len(chords)} chords in a bar of {beats} beats "
                f"({extra.text!r} is one too many)",
                extra.column,
            )
    total = 2 * bars_per_section
    spans = []  # (onset, duration, symbol)
    for b in range(total):
        onset = b * bar
        chords = bars[b % len(bars)]
        for typed, length in zip(chords, _beats(len(chords), beats)):
            spans.append((onset, length * beat, typed.symbol))
            onset += length * beat
    voicings = voice_symbols([s for *_x, s in spans], [PROGRESSION_CEILING] * len(spans))
    chords = tuple(
        Chord(s.root, s.quality, onset, duration, voicing)
        for (onset, duration, s), voicing in zip(spans, voicings)
    )
    if key is None:
        accomp = [RawNote(p, c.onset, c.duration) for c in chords for p in c.voicing]
        key, _remark = detect_key([], accomp, list(chords))
    sections = (Section("verse", bars_per_section), Section("chorus", bars_per_section))
    idea = Idea(key, tempo, meter, sections, chords, ())
    idea.validate()
    return idea
