"""Songs read through their own labels (the POP909 layout), on songs built here as the dataset
writes them: performed timing, a pianist's broken chords with added notes, a bridge track of
fills, chord labels with inversions, an instrumental intro, 2-beat bars flagged in 4s."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest

from songsketch.engine.data.pop909 import is_pop909_folder, load_pop909, parse_harte, read_song
from songsketch.engine.music.idea import TICKS_PER_BEAT
from songsketch.engine.music.voicing import sounds_root_and_third

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "pop909"
BEAT = 0.5  # seconds (120 bpm)
START = 0.27  # the first labelled beat, as in the dataset's files
INTRO_BARS = 4
# (label, bars) after the intro; the pianist plays bass + broken chord with an added 9th
PROGRESSION = [("C:maj", "C"), ("G:maj", "G"), ("A:min7", "Am7"), ("F:maj/3", "F/A")] * 2
PIANO_NOTES = {  # bass, then the broken chord (9th included: not a chord tone)
    "C:maj": (36, [48, 52, 55, 62]),
    "G:maj": (43, [47, 50, 55, 57]),
    "A:min7": (45, [52, 55, 60, 59]),
    "F:maj/3": (45, [53, 57, 60, 55]),
}
NINTHS = {"C:maj": 62, "G:maj": 57, "A:min7": 59, "F:maj/3": 55}
# one bar of melody (beats, pitch offset above C5, length): syncopated, with 16ths
MELODY_BAR = [(0.0, 0, 0.75), (0.75, 2, 0.25), (1.0, 4, 1.5), (2.5, 7, 0.5), (3.0, 4, 1.0)]


def _seconds(beat: float) -> float:
    return START + beat * BEAT


def write_song(folder: Path, key: str = "C:maj", modulate_at_bar: int | None = None) -> Path:
    """A POP909-style song: MELODY, BRIDGE and PIANO tracks at 480 ticks a beat, 120 bpm, and
    beat/chord/key label files beside it."""
    folder.mkdir(parents=True)
    mid = mido.MidiFile(ticks_per_beat=480)
    meta = mido.MidiTrack()
    meta.append(mido.MetaMessage("set_tempo", tempo=500_000, time=0))
    meta.append(mido.MetaMessage("time_signature", numerator=1, denominator=4, time=0))  # as found
    mid.tracks.append(meta)
    tick = lambda seconds: int(round(seconds / BEAT * 480))
    bars = INTRO_BARS + len(PROGRESSION)
    tracks = {"MELODY": [], "BRIDGE": [], "PIANO": []}
    for b, (label, _symbol) in enumerate(PROGRESSION):
        bar_beat = (INTRO_BARS + b) * 4
        bass, broken = PIANO_NOTES[label]
        tracks["PIANO"].append((bass, bar_beat, 4.0))
        for k, pitch in enumerate(broken):
            tracks["PIANO"].append((pitch, bar_beat + k * 0.5 + 0.02, 0.4))  # played, a little late
        for beat, step, length in MELODY_BAR:
            pitch = 72 + step + (b % 2)  # the second bar of each pair a semitone up: not all chord tones
            tracks["MELODY"].append((pitch, bar_beat + beat + 0.01, length - 0.05))
        tracks["BRIDGE"].append((84, bar_beat + 3.5, 0.25))  # a fill above the melody
    for b in range(INTRO_BARS):  # the intro: piano alone on C
        tracks["PIANO"].append((36, b * 4, 4.0))
        tracks["PIANO"].append((60, b * 4, 2.0))
    for channel, (name, notes) in enumerate(tracks.items()):
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=name, time=0))
        events = []
        for pitch, beat, length in notes:
            events.append((tick(_seconds(beat)), 1, pitch))
            events.append((tick(_seconds(beat + length)), 0, pitch))
        now = 0
        for t, on, pitch in sorted(events):
            track.append(mido.Message("note_on", channel=channel, note=pitch, velocity=80 * on, time=t - now))
            now = t
        mid.tracks.append(track)
    path = folder / f"{folder.name}.mid"
    mid.save(path)
    beats = []
    for k in range(bars * 4 + 1):
        beats.append(f"{_seconds(k):.4f} {1.0 if k % 2 == 0 else 0.0} {1.0 if k % 4 == 0 else 0.0}")
    (folder / "beat_midi.txt").write_text("\n".join(beats) + "\n")
    chords = [f"{_seconds(0):.4f}\t{_seconds(INTRO_BARS * 4):.4f}\tN"]
    for b, (label, _symbol) in enumerate(PROGRESSION):
        start = (INTRO_BARS + b) * 4
        chords.append(f"{_seconds(start):.4f}\t{_seconds(start + 4):.4f}\t{label}")
    (folder / "chord_midi.txt").write_text("\n".join(chords) + "\n")
    keys = [f"{_seconds(0):.4f}\t{_seconds(bars * 4):.4f}\t{key}"]
    if modulate_at_bar is not None:
        cut = _seconds((INTRO_BARS + modulate_at_bar) * 4)
        keys = [f"{_seconds(0):.4f}\t{cut:.4f}\t{key}", f"{cut:.4f}\t{_seconds(bars * 4):.4f}\tD:maj"]
    (folder / "key_audio.txt").write_text("\n".join(keys) + "\n")
    return path


def test_harte_labels():
    assert parse_harte("A:min7") == (9, "m7", None)
    assert parse_harte("F:maj/3") == (5, "", 9)
    assert parse_harte("G:sus4(b7)") == (7, "sus4", None)
    assert parse_harte("Eb:hdim7") == (3, "m7b5", None)
    assert parse_harte("D:min9") == (2, "m7", None)
    assert parse_harte("Bb:maj/5") == (10, "", 5)
    assert parse_harte("N") is None
    with pytest.raises(ValueError):
        parse_harte("H:maj")


def test_a_labelled_song_is_read_through_its_labels(tmp_path):
    path = write_song(tmp_path / "songs" / "001")
    (idea,) = read_song(path, (2, 2))
    assert idea.meter == (4, 4) and idea.key.name == "C" and idea.tempo == 120
    assert idea.bars == len(PROGRESSION)  # the 4 bars of piano intro are left out
    # the melody on its grid: the played notes (10 ms late) land on their 16ths
    bar = 4 * TICKS_PER_BEAT
    first = [(n.onset, n.duration) for n in idea.melody if n.onset < bar]
    assert first == [(0, 9), (9, 3), (12, 18), (30, 6), (36, 12)]
    # one chord a bar, as labelled, the inversion from the label
    per_bar = {c.onset // bar: c for c in idea.chords}
    assert [per_bar[b].display(idea.key.spelling) for b in range(4)] == [s for _, s in PROGRESSION[:4]]
    for label, chord in zip(PROGRESSION, (per_bar[b] for b in range(len(PROGRESSION)))):
        bass, broken = PIANO_NOTES[label[0]]
        assert chord.voicing[0] == bass  # the pianist's own bass note
        assert sounds_root_and_third(chord.root, chord.quality, chord.voicing)
        assert set(chord.voicing) <= {bass, *broken} - {NINTHS[label[0]]}  # the pianist's, not the 9th


def test_modulation_starts_a_new_idea_and_odd_meters_are_skipped(tmp_path):
    write_song(tmp_path / "songs" / "001", modulate_at_bar=4)
    write_song(tmp_path / "songs" / "002")
    write_song(tmp_path / "songs" / "003")
    (tmp_path / "index.csv").write_text(
        "song_id,num_beats_per_measure,num_quavers_per_beat\n1,2,2\n2,3,2\n3,2,3\n"
    )
    assert is_pop909_folder(tmp_path)
    corpus = load_pop909(tmp_path)
    assert [s.name for s in corpus.songs] == ["001"]
    assert [(i.key.name, i.bars) for i in corpus.songs[0].ideas] == [("C", 4), ("D", 4)]
    skipped = {Path(r.path).parent.name: r.reason for r in corpus.reports if not r.used}
    assert "3 beats a bar" in skipped["002"] and "3 8ths a beat" in skipped["003"]
    assert all(s.style == "pop" for s in corpus.songs)


def test_unreadable_songs_are_reported(tmp_path):
    path = write_song(tmp_path / "songs" / "001")
    (path.parent / "chord_midi.txt").write_text("0.0\t1.0\tN\n")
    broken = tmp_path / "songs" / "002"
    broken.mkdir()
    (broken / "002.mid").write_bytes(b"MThd")
    corpus = load_pop909(tmp_path)
    assert not corpus.songs
    reasons = sorted(r.reason for r in corpus.reports)
    assert reasons[0].startswith("cannot read") or "MIDI" in reasons[0] or "labelled" in reasons[0]
    assert any("no chord labels" in r for r in reasons)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/corpora/pop909 not here")
def test_real_pop909_songs_read_as_pop():
    corpus = load_pop909(SHARED, limit=12)
    assert corpus.used >= 10
    ideas = [i for s in corpus.songs for i in s.ideas]
    notes = [n for i in ideas for n in i.melody]
    offbeat = sum(n.onset % TICKS_PER_BEAT != 0 for n in notes) / len(notes)
    assert 0.3 < offbeat < 0.8  # pop melodies: syncopated
    chords = [c for i in ideas for c in i.chords]
    assert sum(sounds_root_and_third(c.root, c.quality, c.voicing) for c in chords) / len(chords) > 0.99
    per_bar = sum(len(i.chords) for i in ideas) / sum(i.bars for i in ideas)
    assert 1.0 <= per_bar <= 3.0


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/corpora/pop909 not here")
def test_the_bench_names_the_track_each_intruder_of_a_one_track_merge_came_from():
    """bench.pop909 reads a real song merged into one track: what it hears that is not sung is
    counted to the BRIDGE (the second melodic line) or the PIANO, every such note to one."""
    from bench.pop909 import score_song

    scores = [score_song(SHARED / "songs" / name, with_music21=False) for name in ("251", "300")]
    for s in scores:
        assert not s.error
        assert s.sung_heard >= 0.7 * s.sung
        assert s.intruders == s.second_heard + s.piano_heard
        assert s.piano > s.sung > 0 and s.second > 0
