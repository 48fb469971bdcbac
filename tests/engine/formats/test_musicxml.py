"""MusicXML lead sheets: what music21 reads back from our bytes is the idea."""

import random
from fractions import Fraction

import pytest

from songsketch.engine.formats.musicxml import idea_to_musicxml
from songsketch.engine.music.idea import TICKS_PER_BEAT, Chord, Idea, Key, Note, Section
from tests.helpers import random_idea


def _read(data: bytes):
    from music21 import converter

    return converter.parseData(data.decode("utf-8"), format="musicxml")


def _ticks(quarter_length) -> Fraction:
    return Fraction(quarter_length).limit_denominator(48) * TICKS_PER_BEAT


def _check(idea: Idea) -> None:
    from music21 import chord, expressions, harmony

    score = _read(idea_to_musicxml(idea))
    melody_part, chord_part = score.parts
    assert [p.partName for p in score.parts] == ["Melody", "Chords"]
    for part in score.parts:
        assert len(part.getElementsByClass("Measure")) == idea.bars
    melody = melody_part.stripTies().flatten()
    got = [(n.pitch.midi, _ticks(n.offset), _ticks(n.quarterLength)) for n in melody.notes if n.isNote]
    assert got == [(n.pitch, n.onset, n.duration) for n in sorted(idea.melody, key=lambda n: n.onset)]
    chords = chord_part.stripTies().flatten().getElementsByClass(chord.Chord)
    assert [
        (tuple(p.midi for p in c.pitches), _ticks(c.offset), _ticks(c.quarterLength)) for c in chords
    ] == [(c.voicing, c.onset, c.duration) for c in idea.chords]
    symbols = melody.getElementsByClass(harmony.ChordSymbol)
    assert [(_ticks(s.offset), s.root().pitchClass) for s in symbols] == [
        (c.onset, c.root) for c in idea.chords
    ]
    marks = [m.content for m in melody.getElementsByClass(expressions.RehearsalMark)]
    assert marks == [s.name.title() for s in idea.sections]
    ts = melody.getElementsByClass("TimeSignature")[0]
    assert (ts.numerator, ts.denominator) == idea.meter
    key = melody.getElementsByClass("Key")[0]
    assert (key.tonic.pitchClass, key.mode) == (idea.key.tonic, idea.key.mode)
    assert melody.getElementsByClass("MetronomeMark")[0].number == idea.tempo


def test_a_lead_sheet_reads_back_as_the_idea():
    q = TICKS_PER_BEAT
    idea = Idea(
        Key(2, "minor"),
        96,
        (4, 4),
        (Section("verse", 2), Section("chorus", 1)),
        (
            Chord(2, "m", 0, 4 * q, (38, 45, 53)),
            Chord(10, "maj7", 4 * q, 2 * q, (46, 53, 57, 62)),
            Chord(9, "7", 6 * q, 2 * q, (37, 45, 52, 55)),
            Chord(2, "m", 8 * q, 4 * q, (38, 50, 53)),
        ),
        (
            Note(69, 0, q, 79),
            Note(72, q + q // 2, q // 2, 79),
            Note(74, 2 * q, 6 * q, 87),
            Note(73, 8 * q + q // 3, q // 3, 71),
            Note(74, 9 * q, 3 * q, 71),
        ),
    )
    _check(idea.with_name("test-idea"))


@pytest.mark.parametrize("seed", range(6))
def test_random_ideas_in_every_meter_read_back(seed):
    rng = random.Random(seed)
    for _ in range(3):
        _check(random_idea(rng, max_bars=3))


def test_a_failed_write_leaves_the_old_file_whole(tmp_path):
    from songsketch.engine.formats.musicxml import write_musicxml

    rng = random.Random(9)
    path = tmp_path / "sheet.musicxml"
    write_musicxml(random_idea(rng), path)
    before = path.read_bytes()
    with pytest.raises(OSError):
        write_musicxml(random_idea(rng), "/proc/sheet.musicxml")  # a folder nobody may write
    broken = Idea(Key(0), 100, (4, 4), (Section("verse", 1),), (), (Note(60, 40, 24, 79),))  # past the bar
    with pytest.raises(ValueError):
        write_musicxml(broken, path)
    # (a full disk goes through the same atomic_write as .mid files: tests/faults.py)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["sheet.musicxml"]


def test_an_exported_lead_sheet_trains_as_the_same_idea(tmp_path):
    """A folder of exported sheets is a training folder: the loader reads each back as the
    idea it came from (the symbols name the written chords instead of adding voices)."""
    from songsketch.engine.data.corpus import load_files

    q = TICKS_PER_BEAT
    idea = Idea(
        Key(7, "major"),
        104,
        (4, 4),
        (Section("verse", 2), Section("chorus", 2)),
        tuple(
            Chord(r, qual, b * 4 * q, 4 * q, v)
            for b, (r, qual, v) in enumerate(
                [
                    (7, "", (43, 55, 59, 62)),
                    (0, "maj7", (48, 55, 59, 64)),
                    (2, "7", (50, 54, 57, 60)),
                    (4, "m", (40, 55, 59, 64)),
                ]
            )
        ),
        tuple(
            Note(p, i * q, q, 79)
            for i, p in enumerate([67, 71, 74, 72, 71, 69, 67, 66, 67, 69, 71, 72, 74, 76, 74, 71])
        ),
    )
    from songsketch.engine.formats.musicxml import write_musicxml

    write_musicxml(idea.with_name("sheet"), tmp_path / "sheet.musicxml")
    corpus = load_files([tmp_path / "sheet.musicxml"], None)
    [song] = corpus.songs
    [back] = song.ideas
    assert (back.key, back.meter, back.tempo, back.sections) == (
        idea.key,
        idea.meter,
        idea.tempo,
        idea.sections,
    )
    assert back.melody == idea.melody
    assert [(c.root, c.quality, c.onset, c.voicing) for c in back.chords] == [
        (c.root, c.quality, c.onset, c.voicing) for c in idea.chords
    ]


def test_names_follow_the_key_cb_in_g_flat_major():
    import io

    import mido

    from songsketch.engine.formats.midi import idea_to_midi, read_ideas

    q = TICKS_PER_BEAT
    idea = Idea(
        Key(6, "major"),
        90,
        (4, 4),
        (Section("verse", 1),),
        (Chord(11, "", 0, 2 * q, (35, 47, 51, 54)), Chord(6, "", 2 * q, 2 * q, (42, 46, 49))),
        (Note(71, 0, 2 * q, 79), Note(70, 2 * q, 2 * q, 79)),
    )
    assert idea.chord_symbols() == ["Cb", "Gb"]  # the IV of Gb is Cb, not B
    texts = [m.text for m in mido.MidiFile(file=io.BytesIO(idea_to_midi(idea))).tracks[0] if m.type == "text"]
    assert texts == ["Cb", "Gb"] and read_ideas(idea_to_midi(idea)) == [idea]
    melody = _read(idea_to_musicxml(idea)).parts[0].flatten()
    assert [n.pitch.nameWithOctave for n in melody.notes if n.isNote] == ["C-5", "B-4"]
    _check(idea)


def test_each_part_names_its_instrument():
    """Notation programs want an instrument per part (MuseScore: 'no instrument found for
    part'): a piano on the channel of our MIDI files, with a fixed id, so the same idea
    writes the same bytes."""
    import xml.etree.ElementTree as ET

    idea = random_idea(random.Random(3))
    data = idea_to_musicxml(idea)
    parts = ET.fromstring(data).find("part-list").findall("score-part")
    assert [p.findtext("part-name") for p in parts] == ["Melody", "Chords"]
    for part, number, channel in zip(parts, (1, 2), ("2", "1"), strict=True):
        assert part.find("score-instrument").get("id") == f"P{number}-I1"
        assert part.findtext("score-instrument/instrument-name") == "Piano"
        assert part.find("midi-instrument").get("id") == f"P{number}-I1"
        assert part.findtext("midi-instrument/midi-channel") == channel
        assert part.findtext("midi-instrument/midi-program") == "1"
    assert [p.getInstrument().instrumentName for p in _read(data).parts] == ["Piano", "Piano"]
