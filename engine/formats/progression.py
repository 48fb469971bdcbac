"""A typed chord progression, such as ``Am F C G`` or ``C G Am F | F G C C``, as an idea's
chord part.

Typed without bar lines, each chord is a bar (``Am F C G`` is four bars), as songwriters
write a loop. With bar lines, bars are separated by ``|`` and chords within a bar by spaces
(they share the bar's beats, the first ones taking the odd beat: ``C G Am`` in 4/4 is
2 + 1 + 1 beats). A symbol is a root (``C``, ``F#``, ``Bb``), a quality as pop charts write
it (``m``, ``7``, ``maj7``, ``m7b5``, ``sus4``, ``add9``, ``m9``, ``7#9``, ``6/9``, ``5``
...: ``music.chart_symbols`` folds it to the nearest quality the model knows) and maybe a
bass (``C/E``). The chords are voiced as a pianist would (``music.voicing``) and laid over
the sections asked for, the progression repeating until they are full. The key is heard
from the chords; a key asked for that the chords contradict gives way to theirs, with a
remark saying so (``typed_progression``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..music import chords as ch
from ..music.chart_symbols import fold_quality
from ..music.idea import Chord, Idea, Key, Section, bar_ticks, beat_ticks
from ..music.voicing import Symbol, voice_symbols
from .analysis import RawNote, detect_key

PROGRESSION_CEILING = 62  # typed chords sit under D4, leaving the melody its register

_SYMBOL = re.compile(r"^([A-Ga-g])([#b]?)(.*?)(?:/([A-Ga-g][#b]?))?$")  # C6/9/E: 6/9 over E


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
    """One chord symbol, its quality folded to the vocabulary's (``Dm9`` -> Dm7) and the bass
    of a slash chord kept; ValueError naming the symbol for anything else."""
    match = _SYMBOL.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a chord symbol (a chord starts with its root, A to G)")
    letter, accidental, written, bass = match.groups()
    try:
        quality = fold_quality(written)
    except ValueError:
        raise ValueError(
            f"cannot read the chord {text!r} (its quality {written!r} is not one charts use: "
            "try C, Am, G7, Fmaj7, Dm9, Bm7b5, Esus4, Cadd9, C6/9, C/E)"
        ) from None
    root = ch.parse_pc(letter.upper() + accidental)
    bass_pc = ch.parse_pc(bass[0].upper() + bass[1:]) if bass else None
    return Symbol(root, quality, None if bass_pc == root else bass_pc)


def parse_progression(text: str) -> list[list[TypedChord]]:
    """The bars of a typed progression, each a list of chords: split at ``|`` when there are
    bar lines, else one chord a bar. Raises ProgressionError."""
    one_a_bar = "|" not in text
    bars: list[list[TypedChord]] = []
    position = 0
    for number, part in enumerate(text.split("|"), start=1):
        bar: list[TypedChord] = []
        for match in re.finditer(r"\S+", part):
            try:
                bar.append(TypedChord(parse_symbol(match.group()), match.group(), position + match.start()))
            except ValueError as exc:  # (bars counted as typed, a leading | aside)
                where = len(bars) + (len(bar) if one_a_bar else 0) + 1
                raise ProgressionError(f"bar {where}: {exc}", position + match.start()) from None
        if one_a_bar:
            bars.extend([chord] for chord in bar)
        elif bar:
            bars.append(bar)
        elif part.strip() == "" and 1 < number < len(text.split("|")):
            raise ProgressionError(f"bar {len(bars) + 1} is empty", position)
        position += len(part) + 1
    if not bars:
        raise ProgressionError(
            "no chords: type symbols such as Am F C G (one a bar), or C G | Am F (bars split by |)", 0
        )
    return bars


def _beats(count: int, beats: int) -> list[int]:
    """How a bar's beats are shared by ``count`` chords: evenly, the first taking the rest."""
    base, extra = divmod(beats, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


@dataclass(frozen=True)
class TypedProgression:
    """Typed chords read as an idea, and when the key asked for was set aside, a remark
    saying so and the notes that clashed with it (both empty when it was kept or none was
    asked)."""

    idea: Idea
    remark: str = ""  # 'the chords are in C major, not G major (F is not in G major)'
    clash: str = ""  # 'F is not in G major'


def progression_idea(
    text: str,
    meter: tuple[int, int] = (4, 4),
    bars_per_section: int = 8,
    tempo: int = 100,
    key: Key | None = None,
) -> Idea:
    """The idea of :func:`typed_progression` (the remark dropped). Raises ProgressionError."""
    return typed_progression(text, meter, bars_per_section, tempo, key).idea


def typed_progression(
    text: str,
    meter: tuple[int, int] = (4, 4),
    bars_per_section: int = 8,
    tempo: int = 100,
    key: Key | None = None,
) -> TypedProgression:
    """An idea holding the typed chords (no melody yet) over a verse and a chorus of
    ``bars_per_section`` bars each, the progression repeating to fill them, in the chords'
    key (``key`` when the chords fit it, see :func:`key_for_chords`). Raises
    ProgressionError."""
    bars = parse_progression(text)
    chords = _chords(bars, meter, bars_per_section)
    asked, (key, clash) = key, key_for_chords(_whole_passes(chords, len(bars) * bar_ticks(meter)), key)
    sections = (Section("verse", bars_per_section), Section("chorus", bars_per_section))
    idea = Idea(key, tempo, meter, sections, chords, ())
    idea.validate()
    if not clash:
        return TypedProgression(idea)
    remark = f"the chords are in {key.long_name}, not {asked.long_name} ({clash})"
    return TypedProgression(idea, remark, clash)


def _whole_passes(chords: Sequence[Chord], chart: int) -> Sequence[Chord]:
    """The chords of the whole passes through a typed chart ``chart`` ticks long (all of them
    where the sections hold less than one). Repeated to fill the sections, the chart may stop
    mid-way through a pass (Dm7 G7 Cmaj7 over 16 bars stops on Dm7): the chord it stops on is
    no cadence, and the key is the chart's as typed (it was heard as D minor)."""
    end = max((c.onset + c.duration for c in chords), default=0)
    passes = end // chart if chart else 0
    return [c for c in chords if c.onset < passes * chart] if passes else chords


def _chords(bars: list[list[TypedChord]], meter: tuple[int, int], bars_per_section: int) -> tuple[Chord, ...]:
    """The typed bars laid over a verse and a chorus and voiced. Raises ProgressionError
    for a bar with more chords than beats."""
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
    return tuple(
        Chord(s.root, s.quality, onset, duration, voicing)
        for (onset, duration, s), voicing in zip(spans, voicings)
    )


def key_for_chords(chords: Sequence[Chord], asked: Key | None) -> tuple[Key, str]:
    """The key melodies over these chords are written in, and when ``asked`` was set aside
    the chord tones that clash with it ('F is not in G major'; else ''). The key is heard
    from the chords; a key asked for stands when the chords fit its scale about as well as
    the heard key's (C G Am F in A minor: yes), and gives way when they bring notes foreign
    to it (C G Am F in G major: the F of F major would clash with the melody's F#)."""
    accomp = [RawNote(p, c.onset, c.duration) for c in chords for p in c.voicing]
    heard, _remark = detect_key([], accomp, list(chords))
    if asked is None or asked == heard:
        return heard, ""
    if _opens_on(chords, asked):  # C Bb F C in C: a borrowed bVII, still home in C
        return asked, ""
    foreign = _foreign(chords, asked)
    if sum(foreign.values()) <= sum(_foreign(chords, heard).values()) + KEY_TOLERANCE:
        return asked, ""
    names = ", ".join(ch.pc_name(pc, heard.spelling) for pc in sorted(foreign, key=lambda pc: -foreign[pc]))
    return heard, f"{names} {'is' if len(foreign) == 1 else 'are'} not in {asked.long_name}"


KEY_TOLERANCE = 0.05  # share of chord-tone time outside the asked key's scale it may have more


def _opens_on(chords: Sequence[Chord], key: Key) -> bool:
    """Whether the progression opens on ``key``'s tonic chord with the key's third: the chord
    a songwriter starts from as home, whatever chords are borrowed on the way. (Not the last
    chord: a typed loop goes round, and often ends on the V that leads back.)"""
    third = 3 if key.mode == "minor" else 4
    return bool(chords) and chords[0].root == key.tonic and third in ch.QUALITIES.get(chords[0].quality, ())


def _foreign(chords: Sequence[Chord], key: Key) -> dict[int, float]:
    """Pitch class -> share of the chords' tone time it sounds outside ``key``'s scale (the
    sixth raised as well in minor: melodic minor)."""
    scale = set(key.scale) | ({(key.tonic + 9) % 12} if key.mode == "minor" else set())
    total, outside = 0.0, {}
    for c in chords:
        for pc in ch.chord_pcs(c.root, c.quality) | {p % 12 for p in c.voicing}:
            total += c.duration
            if pc not in scale:
                outside[pc] = outside.get(pc, 0.0) + c.duration
    return {pc: t / total for pc, t in outside.items()} if total else {}


def chord_chart(idea: Idea, section: str = "verse", bars: int | None = None) -> str:
    """The first ``bars`` bars (all when None) of a section's chords as a chart (its first
    section's when none has that name), bars split by ``|`` and a
    slash for an inverted chord (``Am | F | C/E | G``), a chord repeated within a bar shown
    once; a bar where nothing changes shows the chord held over. Typed back in, it reads as
    the same bars of the same chords. Bars before the section's first chord (an opened file's
    pickup or intro alone) are left out, else a song opening on a bar without chords shows none."""
    spans = idea.section_spans()
    _s, start, end = next((span for span in spans if span[0].name == section), spans[0])
    sounding = [max(c.onset, start) for c in idea.chords if c.onset < end and c.onset + c.duration > start]
    first = min(sounding, default=start)
    start += (first - start) // idea.bar_ticks * idea.bar_ticks
    count = (end - start) // idea.bar_ticks
    names, out = idea.key.spelling, []
    for b in range(count if bars is None else min(bars, count)):
        lo, hi = start + b * idea.bar_ticks, start + (b + 1) * idea.bar_ticks
        bar = []
        for c in idea.chords:
            if c.onset < hi and c.onset + c.duration > lo:
                text = c.display(names)
                if not bar or bar[-1] != text:
                    bar.append(text)
        if not bar:
            break
        out.append(" ".join(bar))
    return " | ".join(out)
