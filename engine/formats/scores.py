"""Scores music21 reads (MusicXML, ABC, Humdrum, the built-in corpus) as raw scores.

Notes have their ties merged; meters, the form (rehearsal marks, section words, repeat and
double barlines: ``score_form``), the first tempo, the key signature and chord symbols are
kept as hints. A lead sheet's chord symbols become block chords
voiced in the low register, as a pianist would play them.
"""

from __future__ import annotations

from pathlib import Path

from ..music import chords as ch
from ..music.idea import TICKS_PER_BEAT, Key
from ..music.voicing import Symbol, voice_symbols
from .analysis import AnalysisError, RawNote, RawScore
from .musicxml import AUTHOR
from .score_form import form_markers

MAX_SCORE_BYTES = 20 * 1024 * 1024
DEFAULT_SCORE_TEMPO = 90
VOICE_NAMES = ("soprano", "alto", "tenor", "bass")

ChordSymbolAt = tuple[int, tuple[int, str], "int | None"]  # onset, (root, quality), slash bass


def read_score(path: Path, melody_first: bool) -> RawScore:
    """The raw score of a file music21 reads (the first tune of a collection). Raises
    AnalysisError with a one-line reason, OSError when the file cannot be read."""
    from music21 import converter

    if path.stat().st_size > MAX_SCORE_BYTES:
        raise AnalysisError("file too large")
    try:
        score = converter.parse(str(path))
    except Exception as exc:  # music21 raises many exception types for bad files
        raise AnalysisError(f"unreadable score: {type(exc).__name__}: {str(exc)[:80]}") from None
    if hasattr(score, "scores") and not hasattr(score, "parts"):  # an Opus of several tunes
        score = score.scores[0]
    return music21_to_raw(score, path.stem, melody_first)


def music21_to_raw(score, name: str, melody_first: bool = False) -> RawScore:
    """Notes (ties merged), meters, form marks, tempo and chord symbols of a music21
    score. Chord symbols of a lead sheet become block chords in the low register."""
    parts = _sung_voices(list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score])
    shift = 0.0
    measures = parts[0].getElementsByClass("Measure")
    if len(measures) and measures[0].paddingLeft:
        shift = float(measures[0].paddingLeft)  # a pickup: move the bar lines onto the grid

    def tick(offset) -> int:
        return int(round((float(offset) + shift) * TICKS_PER_BEAT))

    flats = [part.stripTies().flatten() for part in parts]
    names = {index: part.partName or "" for index, part in enumerate(parts)}
    notes, symbols, end = _notes_and_symbols(flats, tick)
    texts: dict[int, str] = {}
    if symbols:
        # chord symbols alone (a lead sheet) are voiced as a pianist would, each chord lasting
        # until the next symbol; where the chords are also written out (a piano part under a
        # lead sheet, as Songsketch exports it), the symbols only name them
        written = any(n.part > 0 for n in notes)
        spans = _symbol_spans(symbols, end)
        texts = {onset: ch.symbol(s.root, s.quality) for onset, _stop, s in spans}
        if not written:
            notes += _voiced(spans, [n for n in notes if n.part == 0], len(parts))
            names[len(parts)] = "Chords"
    return RawScore(
        notes=notes,
        time_signatures=[
            (tick(ts.offset), (ts.numerator, ts.denominator))
            for ts in flats[0].getElementsByClass("TimeSignature")
        ]
        or [(0, (4, 4))],
        tempo=_first_tempo(flats) or DEFAULT_SCORE_TEMPO,
        markers=form_markers(parts[0], tick),
        chord_texts=texts,
        part_names=names,
        melody_parts={0} if (melody_first or symbols) and notes else None,
        name=name,
        key=_written_key(parts[0]),
        authored=_authored(score),
        bars_notated=True,
    )


def _sung_voices(parts: list) -> list:
    """A choral setting's sung voices, soprano (the melody) first, leaving out instruments
    that double them; any other score's parts as they are."""
    voices = {
        v: i
        for i, p in enumerate(parts)
        for v in VOICE_NAMES
        if (p.partName or "").strip().lower().startswith(v)
    }
    if "soprano" in voices and len(voices) >= 3:
        return [parts[voices[v]] for v in VOICE_NAMES if v in voices]
    return parts


def _notes_and_symbols(flats: list, tick) -> tuple[list[RawNote], list[ChordSymbolAt], int]:
    """The notes of every part, the chord symbols, and where the last note or rest ends."""
    from music21 import harmony

    notes: list[RawNote] = []
    symbols: list[ChordSymbolAt] = []
    end = 0
    for index, flat in enumerate(flats):
        for el in flat.notesAndRests:
            onset, dur = tick(el.offset), int(round(float(el.quarterLength) * TICKS_PER_BEAT))
            end = max(end, onset + dur)
            if isinstance(el, harmony.ChordSymbol):
                heard = _chord_symbol(el)
                if heard is not None:
                    symbols.append((onset, *heard))
                continue
            if el.isRest or dur <= 0:
                continue
            velocity = el.volume.velocity if el.volume.velocity else 80
            for p in el.pitches:
                notes.append(RawNote(p.midi, onset, dur, int(velocity), index, 0))
    return notes, symbols, end


def _chord_symbol(el) -> tuple[tuple[int, str], int | None] | None:
    """((root, quality), slash bass or None) of a music21 chord symbol, None when unreadable."""
    try:
        pcs = {p.pitchClass for p in el.pitches}
        root = el.root().pitchClass
        bass = el.bass().pitchClass if el.bass() is not None else root
    except (AttributeError, ValueError):
        return None
    if not pcs:
        return None
    weights = {pc: 1.0 for pc in pcs}
    weights[root] = 2.0
    heard = ch.recognise(weights, root)
    if heard is None:
        return None
    return heard, bass if bass != heard[0] else None


def _symbol_spans(symbols: list[ChordSymbolAt], end: int) -> list[tuple[int, int, Symbol]]:
    """(onset, stop, symbol): each chord symbol lasting until the next (the last to the end)."""
    symbols = sorted(symbols, key=lambda s: s[0])
    spans = []
    for i, (onset, (root, quality), bass) in enumerate(symbols):
        stop = symbols[i + 1][0] if i + 1 < len(symbols) else max(end, onset + TICKS_PER_BEAT)
        if stop > onset:
            spans.append((onset, stop, Symbol(root, quality, bass)))
    return spans


def _voiced(spans: list[tuple[int, int, Symbol]], tune: list[RawNote], part: int) -> list[RawNote]:
    """The chord symbols as block chords under the tune, in ``part``."""
    ceilings = [
        min((n.pitch for n in tune if n.onset < stop and n.onset + n.duration > onset), default=None)
        for onset, stop, _s in spans
    ]
    voicings = voice_symbols([s for *_t, s in spans], ceilings)
    return [
        RawNote(p, onset, stop - onset, 72, part, 0)
        for (onset, stop, _s), voicing in zip(spans, voicings)
        for p in voicing
    ]


def _first_tempo(flats: list) -> float | None:
    from music21 import tempo

    for flat in flats:
        for mm in flat.getElementsByClass(tempo.MetronomeMark):
            if mm.number:
                return float(mm.getQuarterBPM() or mm.number)
    return None


def _written_key(part) -> Key | None:
    signatures = list(part.flatten().getElementsByClass("KeySignature"))
    if not signatures:
        return None
    sig = signatures[0]
    mode = getattr(sig, "mode", "major")
    as_key = sig.asKey("minor" if mode == "minor" else "major")
    return Key(as_key.tonic.pitchClass, "minor" if mode == "minor" else "major")


def _authored(score) -> bool:
    """Whether Songsketch wrote the score (its key and meter are then the author's own)."""
    if score.metadata is None:
        return False
    try:
        return any(str(s) == AUTHOR for s in score.metadata["software"])
    except (AttributeError, KeyError, TypeError):
        return False
