"""Where bars start in a file whose written 4/4 bars disagree with its music: a pop
arrangement recorded against a click, its bars counted from wherever the recording began
(bench.pop909: a fifth of the songs carry such a 4/4, their labelled downbeats on the file's
bar lines a third of the time). The bars move to where chords and bass change; a 4/4 that
the music agrees with, or leaves in doubt, stands."""

from __future__ import annotations

import io

import mido
import pytest

from songsketch.engine.formats.analysis import analyse
from songsketch.engine.formats.midi import read_raw
from songsketch.engine.music.idea import TICKS_PER_BEAT
from tests.helpers import midi_bytes, notes_to_messages

BEAT = 480
LOOP = [(0, 4), (9, 3), (5, 4), (7, 4)]  # C Am F G: root pitch class, third


def _arrangement(early_beats: int, beats_per_chord: int = 4, rounds: int = 4) -> bytes:
    """A two-track pop file with a written 4/4 whose music starts ``early_beats`` beats into
    the file's first bar: a pickup quarter on the beat before, then per chord the bass struck
    on its first beat under eighth-note broken chords, and a tune holding a chord tone over
    the change then moving in quarters."""
    piano, tune = [], []
    start = early_beats * BEAT
    tune.append((start - BEAT, 67, BEAT - 20))  # the pickup
    at = start
    for _ in range(rounds):
        for root, third in LOOP:
            piano.append((at, 36 + root, beats_per_chord * BEAT - 20))
            tones = [48 + root, 48 + root + third, 48 + root + 7, 60 + root]
            for k in range(2 * beats_per_chord):
                piano.append((at + k * BEAT // 2, tones[k % 4], BEAT // 2 - 10))
            tune.append((at, 72 + (third if root in (0, 5) else 0), 2 * BEAT - 20))
            for k in range(2, beats_per_chord):
                tune.append((at + k * BEAT, 67 + 2 * (k % 2), BEAT - 20))
            at += beats_per_chord * BEAT
    meter = [mido.MetaMessage("time_signature", numerator=4, denominator=4)]
    piano_track = notes_to_messages([(p, t, t + d, 80) for t, p, d in piano], 0, "Piano", meter)
    tune_track = notes_to_messages([(p, t, t + d, 80) for t, p, d in tune], 1, "Melody")
    return midi_bytes([piano_track, tune_track], ticks_per_beat=BEAT)


def test_a_file_that_starts_one_beat_early_gets_its_bars_where_the_chords_change():
    """Written 4/4, but the music's downbeats fall on beat 2 of the file's bars: chords
    changed mid-bar and the bar lines cut every chord in two. The bars now start where the
    chords and bass change (the file padded by three beats, the pickup on the last beat of an
    opening bar), with a remark."""
    analysis = analyse(read_raw(_arrangement(early_beats=1)))
    (idea,) = analysis.ideas
    bar = 4 * TICKS_PER_BEAT
    assert any("bar lines heard 1 beat(s) after the file's" in r for r in analysis.remarks)
    assert idea.melody[0].onset == 3 * TICKS_PER_BEAT  # the pickup
    assert all(c.onset % bar == 0 for c in idea.chords)
    roots = [c.root for c in idea.chords if c.onset >= bar]
    assert roots[:4] == [root for root, _ in LOOP]


def test_a_written_4_4_the_music_agrees_with_stands():
    """The same song with its downbeats on the file's bar lines (the pickup in a bar of its
    own): no bars moved, no remark."""
    analysis = analyse(read_raw(_arrangement(early_beats=4)))
    (idea,) = analysis.ideas
    assert not any("bar lines" in r for r in analysis.remarks)
    assert idea.melody[0].onset == 3 * TICKS_PER_BEAT
    assert all(c.onset % (4 * TICKS_PER_BEAT) == 0 for c in idea.chords)


def test_a_written_4_4_whose_music_moves_every_two_beats_stands():
    """Chords and bass changing every two beats, the music starting two beats into the file:
    bars on either half fit alike, so the file's own bar lines stand."""
    analysis = analyse(read_raw(_arrangement(early_beats=2, beats_per_chord=2, rounds=8)))
    (idea,) = analysis.ideas
    assert not any("bar lines" in r for r in analysis.remarks)
    assert idea.melody[0].onset == TICKS_PER_BEAT


@pytest.mark.filterwarnings("ignore:Cannot put in an element with a missing voice tag")
def test_a_score_keeps_its_notated_bar_lines(tmp_path):
    """The early-starting arrangement written out as a score (MusicXML): its bar lines are
    notated by a person, chords changing on beat 2 are the writer's syncopation, and they
    stand (read as MIDI, the same music has its bars moved)."""
    from music21 import converter

    from songsketch.engine.data.corpus import analyse_path

    path = tmp_path / "arrangement.musicxml"
    converter.parseData(_arrangement(early_beats=1), format="midi").write("musicxml", fp=str(path))
    analysis = analyse_path(path)
    assert not any("bar lines" in r for r in analysis.remarks)
    assert analysis.ideas[0].melody[0].onset == 0


def _chorale() -> bytes:
    """Four voices in C, a new chord on every beat, each two-bar phrase closing on a half-note
    chord on beat 3 (where a chorale's fermatas fall), four times over, in a written 4/4."""
    chords = {
        "I": (72, 67, 64, 48),
        "IV": (72, 69, 65, 53),
        "I6": (76, 67, 60, 52),
        "V": (71, 67, 62, 55),
        "vi": (72, 69, 64, 57),
        "ii": (74, 69, 65, 50),
    }
    phrase = ["I", "IV", "I6", "V", "vi", "ii", "V", "V", "I", "V", "vi", "IV", "I6", "ii", "I", "I"]
    mid = mido.MidiFile(ticks_per_beat=BEAT)
    for voice, name in enumerate(("Soprano", "Alto", "Tenor", "Bass")):
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=name, time=0))
        if voice == 0:
            track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
        now = 0
        for k, chord in enumerate(phrase * 4):
            if k % 8 == 7:  # the second beat of a half note
                continue
            length = 2 if k % 8 == 6 else 1
            pitch = chords[chord][voice]
            track.append(mido.Message("note_on", channel=voice, note=pitch, velocity=80, time=k * BEAT - now))
            track.append(
                mido.Message("note_on", channel=voice, note=pitch, velocity=0, time=length * BEAT - 20)
            )
            now = k * BEAT + length * BEAT - 20
        mid.tracks.append(track)
    data = io.BytesIO()
    mid.save(file=data)
    return data.getvalue()


def test_a_chorale_with_a_chord_a_beat_keeps_its_bar_lines():
    """With the harmony changing on almost every beat, the bar no longer sounds in the changes:
    the long cadence chords on beat 3 stand out most, yet the written bar lines stand."""
    analysis = analyse(read_raw(_chorale()))
    assert not any("bar lines" in r for r in analysis.remarks)
    assert analysis.ideas[0].melody[0].onset == 0
