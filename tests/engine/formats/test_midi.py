"""MIDI in and out through real bytes: round trips, the author's format, chords, tempo, meter."""

import random

import mido
import pytest

from songsketch.engine.formats.midi import MidiError, idea_to_midi, read_ideas, read_raw, write_midi
from songsketch.engine.music.idea import TICKS_PER_BEAT, Key
from tests.helpers import midi_bytes, notes_to_messages, random_idea

Q = 480  # ticks per beat of the test files


def test_idea_to_midi_and_back_is_exact():
    rng = random.Random(11)
    for _ in range(120):
        idea = random_idea(rng)
        data = idea_to_midi(idea)
        assert read_ideas(data) == [idea]


def test_written_file_layout(tmp_path):
    idea = random_idea(random.Random(3), meter=(3, 4))
    path = tmp_path / "idea.mid"
    write_midi(idea, path)
    mid = mido.MidiFile(path)
    assert mid.type == 1 and [t.name for t in mid.tracks] == ["Chords", "Melody"]
    metas = {m.type: m for m in mid.tracks[0] if m.is_meta}
    assert metas["time_signature"].numerator == 3 and metas["time_signature"].denominator == 4
    assert round(mido.tempo2bpm(metas["set_tempo"].tempo)) == idea.tempo
    assert metas["key_signature"].key == idea.key.name
    markers = [m.text for m in mid.tracks[0] if m.type == "marker"]
    assert markers == [s.name.title() for s in idea.sections]
    assert {m.channel for m in mid.tracks[1] if m.type == "note_on"} <= {1}


def _author_file(one_track: bool) -> bytes:
    """Block chords in the low register and a melody above: Am F C G, one bar each."""
    chords = [(45, 48, 52), (41, 45, 48), (48, 52, 55), (43, 47, 50)]
    chord_notes = [(p, i * 4 * Q, (i + 1) * 4 * Q, 70) for i, c in enumerate(chords) for p in c]
    melody = [
        (69, 0, Q, 90),
        (72, Q, 2 * Q, 90),
        (71, 2 * Q + Q // 2, 3 * Q, 90),  # 8th rest
        (69, 4 * Q, 6 * Q, 90),
        (65, 6 * Q, 8 * Q, 90),
        (67, 8 * Q, 8 * Q + Q // 3, 90),
        (69, 8 * Q + Q // 3, 8 * Q + 2 * Q // 3, 90),
        (72, 8 * Q + 2 * Q // 3, 9 * Q, 90),
        (74, 12 * Q, 16 * Q, 90),
    ]
    if one_track:
        return midi_bytes([notes_to_messages(chord_notes + melody)])
    return midi_bytes([notes_to_messages(chord_notes, 0), notes_to_messages(melody, 1)])


@pytest.mark.parametrize("one_track", [False, True])
def test_author_format_comes_back_exactly(one_track):
    [idea] = read_ideas(_author_file(one_track))
    assert [(c.symbol(), c.onset, c.duration, c.voicing) for c in idea.chords] == [
        ("Am", 0, 48, (45, 48, 52)),
        ("F", 48, 48, (41, 45, 48)),
        ("C", 96, 48, (48, 52, 55)),
        ("G", 144, 48, (43, 47, 50)),
    ]
    t = TICKS_PER_BEAT
    assert [(n.pitch, n.onset, n.duration) for n in idea.melody] == [
        (69, 0, t),
        (72, t, t),
        (71, 2 * t + 6, 6),
        (69, 4 * t, 2 * t),
        (65, 6 * t, 2 * t),
        (67, 8 * t, 4),
        (69, 8 * t + 4, 4),
        (72, 8 * t + 8, 4),
        (74, 12 * t, 4 * t),
    ]
    assert idea.key == Key(9, "minor") or idea.key == Key(0, "major")
    assert idea.bars == 4


@pytest.mark.parametrize(
    "pitches,expected",
    [
        ((48, 52, 55), "C"),
        ((52, 55, 60), "C/E"),
        ((45, 52, 57, 60), "Am"),
        ((43, 47, 50, 53), "G7"),
        ((47, 50, 53, 55), "G7/B"),
        ((50, 53, 57, 60), "Dm7"),
        ((48, 52, 55, 59), "Cmaj7"),
        ((53, 57, 60, 63), "F7"),
        ((55, 60, 64), "C/G"),
        ((47, 50, 53, 57), "Bm7b5"),
        ((42, 45, 48, 51), "F#dim7"),
        ((46, 50, 53), "Bb"),
    ],
)
def test_chord_recognition_on_known_chords(pitches, expected):
    chords = [(p, 0, 4 * Q, 70) for p in pitches]
    melody = [(76, 0, 2 * Q, 90), (79, 2 * Q, 4 * Q, 90)]
    [idea] = read_ideas(midi_bytes([notes_to_messages(chords, 0), notes_to_messages(melody, 1)]))
    assert idea.chords[0].display(flats="b" in expected) == expected


def test_chord_recognition_agrees_with_music21_roots():
    from music21 import chord as m21chord

    from songsketch.engine.music.chords import recognise_pitches

    for pitches in [(48, 52, 55), (52, 55, 60), (43, 47, 50, 53), (45, 48, 52, 55), (50, 53, 57)]:
        ours = recognise_pitches(pitches)
        assert ours[0] == m21chord.Chord(list(pitches)).root().pitchClass


def test_arpeggiated_accompaniment_gets_chords_per_beat():
    # C major arpeggio for a bar, then G7 arpeggio: chords come from the beats
    arp = [
        (48, 0, Q, 70),
        (52, Q, 2 * Q, 70),
        (55, 2 * Q, 3 * Q, 70),
        (52, 3 * Q, 4 * Q, 70),
        (43, 4 * Q, 5 * Q, 70),
        (47, 5 * Q, 6 * Q, 70),
        (50, 6 * Q, 7 * Q, 70),
        (53, 7 * Q, 8 * Q, 70),
    ]
    melody = [(72, 0, 4 * Q, 90), (74, 4 * Q, 8 * Q, 90)]
    [idea] = read_ideas(midi_bytes([notes_to_messages(arp, 0), notes_to_messages(melody, 1)]))
    assert idea.chord_symbols() == ["C", "G7"] or idea.chord_symbols()[0] == "C"
    assert idea.chords[0].onset == 0 and idea.chords[-1].onset >= 48


def test_tempo_changes_keep_beats_and_meter_changes_split():
    t = Q
    meta = [
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(90)),
        mido.MetaMessage("time_signature", numerator=4, denominator=4),
    ]
    chords = [(p, b * 4 * t, (b + 1) * 4 * t, 70) for b in range(2) for p in (48, 52, 55)]
    chords += [(p, 8 * t + b * 3 * t, 8 * t + (b + 1) * 3 * t, 70) for b in range(2) for p in (43, 47, 50)]
    melody = [(72, i * t, (i + 1) * t, 90) for i in range(14)]
    track0 = notes_to_messages(chords, 0, meta=meta)
    # a tempo change at beat 2 and a meter change to 3/4 at bar 3 (tick 8 beats)
    events = [
        (2 * t, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(140))),
        (8 * t, mido.MetaMessage("time_signature", numerator=3, denominator=4)),
    ]
    track1 = notes_to_messages(melody, 1)
    # merge the meta events into track 1 at their absolute ticks
    absolute, tick = [], 0
    for m in track1:
        tick += m.time
        absolute.append((tick, m))
    absolute += events
    absolute.sort(key=lambda e: e[0])
    merged, last = [], 0
    for tick, m in absolute:
        merged.append(m.copy(time=tick - last))
        last = tick
    ideas = read_ideas(midi_bytes([track0, merged]))
    assert [i.meter for i in ideas] == [(4, 4), (3, 4)]
    first, second = ideas
    # onsets are in beats, whatever the tempo: one melody note per beat
    assert [n.onset for n in first.melody] == [i * TICKS_PER_BEAT for i in range(8)]
    assert [n.onset for n in second.melody] == [i * TICKS_PER_BEAT for i in range(6)]
    assert first.tempo == 140 and second.tempo == 140  # the tempo in force longest
    assert first.chord_symbols() == ["C"] and second.chord_symbols() == ["G"]


def test_running_status_velocity_zero_and_drums():
    # hand-written bytes: running status note-ons, note-on velocity 0 as note-off, drums
    track = bytes(
        [
            0x00,
            0x90,
            48,
            70,
            0x00,
            52,
            70,
            0x00,
            55,
            70,  # C chord, running status
            0x00,
            0x91,
            72,
            90,  # melody on channel 2
            0x00,
            0x99,
            36,
            100,  # a kick on channel 10
            0x83,
            0x60,
            0x90,
            48,
            0,
            0x00,
            52,
            0,
            0x00,
            55,
            0,  # after 480 ticks: vel 0 = off
            0x00,
            0x91,
            72,
            0,
            0x00,
            0x99,
            36,
            0,
            0x00,
            0xFF,
            0x2F,
            0x00,
        ]
    )
    data = (
        b"MThd"
        + (6).to_bytes(4, "big")
        + (0).to_bytes(2, "big")
        + (1).to_bytes(2, "big")
        + Q.to_bytes(2, "big")
        + b"MTrk"
        + len(track).to_bytes(4, "big")
        + track
    )
    raw = read_raw(data)
    assert sorted((n.pitch, n.onset, n.duration) for n in raw.notes) == [
        (48, 0, 12),
        (52, 0, 12),
        (55, 0, 12),
        (72, 0, 12),
    ]
    [idea] = read_ideas(data)
    assert idea.chords[0].voicing == (48, 52, 55) and idea.melody[0].pitch == 72


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"", "empty"),
        (b"%PDF-1.4 not midi", "not a MIDI"),
        (b"MThd\x00\x00\x00\x06\x00\x01", "damaged"),
    ],
)
def test_bad_bytes_give_reasons(data, reason):
    with pytest.raises(MidiError, match=reason):
        read_ideas(data)


def test_drums_only_and_melody_only():
    drums = midi_bytes([notes_to_messages([(36, 0, Q, 100)], channel=9)])
    with pytest.raises(MidiError, match="drums only"):
        read_ideas(drums)
    lonely = midi_bytes([notes_to_messages([(72, 0, Q, 90), (74, Q, 2 * Q, 90)])])
    (idea,) = read_ideas(lonely)  # a melody alone: a melody-only idea
    assert idea.chords == () and [n.pitch for n in idea.melody] == [72, 74]


def test_the_sustain_pedal_holds_released_notes_until_it_comes_up():
    """A pianist's part: short key presses under the pedal sound until the pedal lifts; a key
    struck again under the pedal ends its earlier note there; the other channel is free."""

    def msg(kind, delta, **kw):
        return mido.Message(kind, time=delta, **kw)

    track = [
        msg("control_change", 0, control=64, value=127),
        msg("note_on", 0, note=48, velocity=80),
        msg("note_off", Q // 4, note=48),  # released after a 16th, pedal down
        msg("note_on", Q - Q // 4, note=52, velocity=80),
        msg("note_on", 0, note=72, velocity=90, channel=1),  # another channel: no pedal
        msg("note_off", Q // 4, note=52),
        msg("note_off", Q // 4, note=72, channel=1),
        msg("note_on", Q // 2, note=48, velocity=80),  # 48 again at beat 2
        msg("note_off", Q // 4, note=48),
        msg("control_change", Q + Q // 4 * 3, control=64, value=0),  # pedal up at beat 4
        msg("note_on", 0, note=60, velocity=80),  # played after: no pedal
        msg("note_off", Q // 2, note=60),
    ]
    raw = read_raw(midi_bytes([track]))
    spans = sorted((n.pitch, n.onset, n.onset + n.duration) for n in raw.notes)
    beat = TICKS_PER_BEAT
    assert spans == [
        (48, 0, 2 * beat),  # held by the pedal until struck again at beat 2
        (48, 2 * beat, 4 * beat),  # then until the pedal lifts at beat 4
        (52, beat, 4 * beat),
        (60, 4 * beat, 4 * beat + beat // 2),
        (72, beat, beat + beat // 2),
    ]
