"""A tune alone (a one-line file, a melody played or sung with nothing under it) is read as a
melody-only idea: every note in the melody, no chords, bars where the file puts them."""

from __future__ import annotations

import io

import mido
import pytest

from songsketch.engine.data.corpus import load_folder
from songsketch.engine.formats.analysis import analyse
from songsketch.engine.formats.midi import read_ideas, read_raw
from songsketch.engine.music.idea import Key

# "Twinkle, twinkle": (MIDI pitch, beats)
TWINKLE = [(60, 1), (60, 1), (67, 1), (67, 1), (69, 1), (69, 1), (67, 2)]
TWINKLE += [(65, 1), (65, 1), (64, 1), (64, 1), (62, 1), (62, 1), (60, 2)]


def tune_file(
    notes, beat: int = 480, legato: int = 0, late: int = 0, meter: tuple[int, int] | None = None, chords=()
) -> bytes:
    """A type-0 MIDI file of the tune (each note ``legato`` ticks into the next, every other
    note ``late`` ticks late), with ``chords`` (pitches held a bar each) under it if given."""
    events = []
    t = 0
    for i, (pitch, beats) in enumerate(notes):
        start = t + (late if i % 2 else 0)
        events += [(start, 1, pitch), (t + beats * beat + legato, 0, pitch)]
        t += beats * beat
    for bar, pitches in enumerate(chords):
        for p in pitches:
            events += [(bar * 4 * beat, 1, p), ((bar + 1) * 4 * beat, 0, p)]
    track = mido.MidiTrack()
    if meter is not None:
        track.append(mido.MetaMessage("time_signature", numerator=meter[0], denominator=meter[1]))
    now = 0
    for tick, on, pitch in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(mido.Message("note_on", note=pitch, velocity=80 if on else 0, time=tick - now))
        now = tick
    out = io.BytesIO()
    mido.MidiFile(ticks_per_beat=beat, tracks=[track]).save(file=out)
    return out.getvalue()


def test_a_tune_alone_is_a_melody_only_idea():
    (idea,) = read_ideas(tune_file(TWINKLE))
    assert idea.chords == ()
    assert [n.pitch for n in idea.melody] == [p for p, _ in TWINKLE]  # no note moved to a chord part
    assert idea.melody[0].onset == 0 and idea.bars == 4 and idea.meter == (4, 4)
    assert idea.key == Key(0, "major")
    idea.validate()


def test_a_short_stepwise_tune_keeps_every_note():
    """Eight quarters up and down used to come back as 5 melody notes over `C D`."""
    steps = [(p, 1) for p in (60, 62, 64, 65, 67, 65, 64, 62)]
    (idea,) = read_ideas(tune_file(steps))
    assert idea.chords == () and len(idea.melody) == 8 and idea.bars == 2


@pytest.mark.parametrize("legato, late", [(40, 0), (0, 25), (60, 30)])
def test_a_played_tune_with_legato_and_late_notes_is_still_one_line(legato, late):
    (idea,) = read_ideas(tune_file(TWINKLE, legato=legato, late=late))
    assert idea.chords == () and len(idea.melody) == len(TWINKLE)


def test_a_tune_with_a_one_beat_meter_is_read_in_four():
    heard = analyse(read_raw(tune_file(TWINKLE, meter=(1, 4))))
    (idea,) = heard.ideas
    assert idea.meter == (4, 4) and idea.bars == 4 and idea.melody[0].onset == 0
    assert any("file says 1/4" in r for r in heard.remarks)


def test_a_tune_over_chords_is_not_melody_only():
    chords = [(48, 52, 55), (53, 57, 60), (48, 52, 55), (43, 47, 50)]
    (idea,) = read_ideas(tune_file([(p + 12, b) for p, b in TWINKLE], chords=chords))
    assert len(idea.chords) >= 4 and len(idea.melody) == len(TWINKLE)


def test_a_folder_skips_tunes_alone_for_training_with_the_reason(tmp_path):
    (tmp_path / "tune.mid").write_bytes(tune_file(TWINKLE))
    chords = [(48, 52, 55), (53, 57, 60), (48, 52, 55), (43, 47, 50)]
    (tmp_path / "song.mid").write_bytes(tune_file([(p + 12, b) for p, b in TWINKLE], chords=chords))
    corpus = load_folder(tmp_path, tmp_path / "cache")
    assert [s.name for s in corpus.songs] == ["song"]
    (report,) = [r for r in corpus.reports if r.path.endswith("tune.mid")]
    assert not report.used and "melody only" in report.reason


def test_a_key_asked_for_a_melody_stands_only_where_the_melody_lies_in_it():
    from songsketch.engine.generation.shape import melody_key

    d_scale = [(p, 1) for p in (62, 64, 66, 67, 69, 71, 73, 74, 73, 71, 69, 67, 66, 64, 62)] + [(62, 1)]
    (d_tune,) = read_ideas(tune_file(d_scale))
    assert d_tune.key == Key(2, "major")
    assert melody_key(d_tune, None) == (d_tune.key, "")
    assert melody_key(d_tune, Key(11, "minor")) == (Key(11, "minor"), "")  # its relative: it fits
    key, remark = melody_key(d_tune, Key(0, "major"))
    assert key == d_tune.key
    assert remark == "C major set aside: the melody's C#, F# are not in it; the chords are in D major"
