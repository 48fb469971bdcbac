"""An idea as a MusicXML lead sheet, through music21: the melody with chord symbols and
Verse/Chorus marks above, the voiced chords on a second staff, key, meter and tempo.

Notation programs (MuseScore, Sibelius, Dorico) and DAWs with a score view open it. music21
is imported on first use (it takes a second or two), so call this off the GUI thread.
"""

from __future__ import annotations

from fractions import Fraction

from ..music import chords as ch
from ..music.idea import TICKS_PER_BEAT, Idea

MELODY_CHANNEL, CHORD_CHANNEL = 1, 0  # as in our MIDI files (formats.midi, playback.player)

AUTHOR = "Songsketch"  # the <software> entry of sheets Songsketch writes

# our chord qualities as MusicXML <kind> values
_KINDS = {
    "": "major",
    "m": "minor",
    "dim": "diminished",
    "aug": "augmented",
    "7": "dominant-seventh",
    "maj7": "major-seventh",
    "m7": "minor-seventh",
    "m7b5": "half-diminished-seventh",
    "dim7": "diminished-seventh",
    "sus4": "suspended-fourth",
    "sus2": "suspended-second",
    "6": "major-sixth",
    "m6": "minor-sixth",
}
assert set(_KINDS) == set(ch.QUALITY_NAMES)


def _ql(ticks: int) -> Fraction:
    """Ticks as a quarter length (exact for triplets)."""
    return Fraction(ticks, TICKS_PER_BEAT)


def idea_to_score(idea: Idea):
    """A music21 Score of the idea (two parts: Melody with the chord symbols, Chords)."""
    from music21 import chord as m21chord
    from music21 import (
        clef,
        expressions,
        harmony,
        instrument,
        key,
        metadata,
        meter,
        note,
        pitch,
        stream,
        tempo,
    )

    idea.validate()
    names = idea.key.spelling  # Cb in Gb major, not B

    def spelled(midi: int) -> pitch.Pitch:
        p = pitch.Pitch(ch.pc_name(midi, names).replace("b", "-") + str(midi // 12 - 1))
        p.octave += (midi - p.midi) // 12  # Cb4 sounds as B3: the octave follows the letter
        return p

    def part(name: str, number: int, channel: int) -> stream.Part:
        p = stream.Part()
        p.partName = name
        # an instrument per part (MuseScore warns 'no instrument found for part' without one),
        # on the channel of our MIDI files, with a fixed id (a random one by default)
        played = instrument.Piano()
        played.partName, played.partAbbreviation = name, f"{name[:3]}."
        played.instrumentId, played.midiChannel = f"P{number}-I1", channel
        p.insert(0, played)
        p.insert(0, key.Key(ch.pc_name(idea.key.tonic, names).replace("b", "-"), idea.key.mode))
        p.insert(0, meter.TimeSignature(f"{idea.meter[0]}/{idea.meter[1]}"))
        return p

    melody, chords = part("Melody", 1, MELODY_CHANNEL), part("Chords", 2, CHORD_CHANNEL)
    melody.insert(0, tempo.MetronomeMark(number=idea.tempo))
    for section, start, _end in idea.section_spans():
        melody.insert(_ql(start), expressions.RehearsalMark(section.name.title()))
    for n in idea.melody:
        m = note.Note(spelled(n.pitch), quarterLength=_ql(n.duration))
        m.volume.velocity = n.velocity
        melody.insert(_ql(n.onset), m)
    low = 0
    for c in idea.chords:
        symbol = harmony.ChordSymbol(
            root=spelled(60 + c.root),
            kind=_KINDS[c.quality],
            bass=spelled(c.voicing[0]) if c.voicing[0] % 12 != c.root else None,
        )
        melody.insert(_ql(c.onset), symbol)
        chords.insert(
            _ql(c.onset), m21chord.Chord([spelled(p) for p in c.voicing], quarterLength=_ql(c.duration))
        )
        low += sum(1 for p in c.voicing if p < 60)
    voices = sum(len(c.voicing) for c in idea.chords)
    chords.insert(0, clef.BassClef() if low * 2 >= voices else clef.TrebleClef())
    melody.insert(0, clef.TrebleClef())

    end = _ql(idea.total_ticks)
    score = stream.Score()
    score.metadata = metadata.Metadata(title=idea.name or "Songsketch idea", composer="Songsketch")
    score.metadata.add("software", AUTHOR)  # read back as the author's own key and meter
    for p in (melody, chords):
        if p.highestTime < end:  # rests to the end of the last bar
            p.insert(p.highestTime, note.Rest(quarterLength=end - p.highestTime))
        p.makeRests(fillGaps=True, inPlace=True)
        p.makeMeasures(inPlace=True)
        p.makeTies(inPlace=True)
        score.insert(0, p)
    return score


def idea_to_musicxml(idea: Idea) -> bytes:
    """The idea as MusicXML bytes (uncompressed .musicxml)."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    return GeneralObjectExporter(idea_to_score(idea)).parse()


def write_musicxml(idea: Idea, path) -> None:
    """Write the idea's MusicXML atomically (the old file stays whole on failure)."""
    from ..common.files import atomic_write

    atomic_write(path, idea_to_musicxml(idea))


__all__ = ["idea_to_score", "idea_to_musicxml", "write_musicxml"]
