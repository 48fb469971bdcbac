"""Hearing a real folder: keys, meters, chords and timing of messy piano MIDI files.

Each test writes songs made up here (bench.devset: a progression, a melody of chord tones
with motifs) as the files real folders hold: a default C key signature over a song in
another key, a 1/4 time signature, no signature, broken-chord, alberti and pop left-hand
textures with passing tones, every note late by 55 ms, or played without a click. The files
go through mido and the same analysis as a user's folder, and are scored against what the
song really is (bench.analysis)."""

from __future__ import annotations

import random

import pytest

from bench import analysis as bench
from bench import devset
from songsketch.engine.data.corpus import load_folder
from songsketch.engine.formats.analysis import analyse
from songsketch.engine.formats.midi import read_raw
from songsketch.engine.music.idea import Key


def _songs(n: int, seed: int = 5, meter=None, bars: int = 0) -> list[devset.LeadSheet]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        sheet = devset.generated_sheet(rng, f"song {len(out)}")
        long_enough = sheet.total >= bars * sheet.meter[0] * devset.TICKS_PER_BEAT
        if (meter is None or sheet.meter == meter) and long_enough:
            out.append(sheet)
    return out


def _scores(sheets, **variant) -> list[bench.Score]:
    items = [
        devset.Item(sheet.transposed(t), v, devset.realise(sheet, v))
        for i, sheet in enumerate(sheets)
        for t in [(i * 5) % 12 - 5]
        for v in [devset.Variant(transpose=t, seed=i, **variant)]
    ]
    return [bench.score_item(item) for item in items]


def test_a_default_c_signature_does_not_decide_the_key():
    scores = _scores(_songs(12), texture="pop", signature="C")
    keys = [s.item.sheet.key for s in scores]
    assert sum(k != Key(0, "major") for k in keys) >= 8  # most of these songs are not in C
    assert sum(s.key == "exact" for s in scores) >= 11
    # and the report says the signature was set aside
    not_c = next(s for s in scores if s.item.sheet.key.tonic != 0)
    remarks = analyse(read_raw(not_c.item.data)).remarks
    assert any("key signature says C" in r for r in remarks)


def test_a_true_signature_is_kept_and_a_minor_song_is_minor():
    sheet = devset.generated_sheet(random.Random(2), "minor song")
    # the same song in A minor: its chords moved so that the tonic chord is Am
    minor = devset.LeadSheet(
        "minor",
        sheet.meter,
        sheet.tempo,
        Key(9, "minor"),
        True,
        sheet.melody,
        tuple(
            (o, d, 9, "m") if i in (0, len(sheet.chords) - 1) else (o, d, r, q)
            for i, (o, d, r, q) in enumerate(sheet.chords)
        ),
    )
    for signature in ("true", "C"):  # a major signature (C) over an A minor song
        [score] = _scores([minor], texture="block", signature=signature)
        assert score.idea.key == Key((9 + score.item.variant.transpose) % 12, "minor"), signature


@pytest.mark.parametrize("written", ["1/4", "none"])
def test_meters_are_heard_not_refused(written):
    # 16-bar songs: a file without a signature needs 8 bars of evidence to leave 4/4
    sheets = _songs(6, seed=9, meter=(3, 4), bars=16) + _songs(6, seed=9, meter=(4, 4), bars=16)
    scores = _scores(sheets, texture="broken", meter=written)
    assert all(s.idea is not None for s in scores), [s.error for s in scores]
    assert sum(s.meter_ok for s in scores) >= 11
    assert sum(s.phase_ok for s in scores) >= 10
    remarks = analyse(read_raw(scores[0].item.data)).remarks
    assert any(r.startswith("meter 3/4 assumed") for r in remarks), remarks


@pytest.mark.parametrize("texture", ["broken", "alberti", "pop"])
def test_chords_of_piano_textures_are_the_lead_sheet_chords(texture):
    scores = _scores(_songs(10), texture=texture, one_track=texture == "pop")
    beats = sum(s.beats for s in scores)
    assert sum(s.root_ok for s in scores) >= 0.9 * beats
    assert sum(s.third_ok for s in scores) >= 0.85 * beats
    assert sum(s.sus for s in scores) <= 0.03 * beats  # no suspensions heard everywhere


@pytest.mark.parametrize("timing", [{"shift_ms": 55.0}, {"shift_ms": 140.0}, {"humanise": True}])
def test_shifted_and_played_notes_land_on_the_beat(timing):
    scores = _scores(_songs(8), texture="block", **timing)
    assert all(s.idea is not None for s in scores)
    assert sum(s.onsets_true for s in scores) / len(scores) >= 0.9
    assert all(s.on_grid == 1.0 for s in scores)
    for s in scores:  # a handful of note lengths, like the song itself
        assert s.lengths <= len({d for _p, _o, d in s.item.sheet.melody}) + 2


def test_a_messy_folder_is_used_file_for_file_with_reasons(tmp_path):
    sheets = _songs(8, seed=21)
    variants = [
        devset.Variant(texture=t, signature=sig, meter=m, shift_ms=sh, humanise=h, one_track=True, seed=i)
        for i, (t, sig, m, sh, h) in enumerate(
            [
                ("pop", "C", "1/4", 55.0, False),
                ("broken", "none", "none", 0.0, True),
                ("alberti", "C", "true", 0.0, False),
                ("block", "true", "1/4", 0.0, True),
            ]
            * 2
        )
    ]
    for i, (sheet, v) in enumerate(zip(sheets, variants)):
        (tmp_path / f"{i}.mid").write_bytes(devset.realise(sheet, v))
    corpus = load_folder(tmp_path, None)
    assert corpus.used == 8 and corpus.skipped == 0
    lines = [r.reason for r in corpus.reports]
    assert any("meter" in line and "file says 1/4" in line for line in lines)
    assert any("played without a click" in line for line in lines)
    assert any("late put on the beat" in line for line in lines)


def test_a_one_track_file_whose_pianist_tops_the_tune_now_and_then_keeps_its_tune():
    """A one-track piano file (no names, one channel): a tune of quarters over left-hand chords,
    and a handful of notes struck high above it. Those alone form a monophonic line above a
    register split; they are not the tune (they were once heard as the melody: 4 notes, as in
    POP909 songs merged into one track)."""
    import mido

    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    events = []
    tune = [67, 69, 71, 72, 74, 72, 71, 69] * 10  # 20 bars of quarters
    for k, pitch in enumerate(tune):
        events.append((k * 480, pitch, 460))
    for bar in range(20):
        for pitch in (48, 55, 64):  # the left hand (and a middle voice) under the tune
            events.append((bar * 1920, pitch, 1900))
        if bar in (5, 9, 13, 17):  # now and then a high note on top of the tune's
            events.append((bar * 1920, 91, 200))
    messages = []
    for t, pitch, length in events:
        messages += [(t, 1, pitch), (t + length, 0, pitch)]
    now = 0
    for t, on, pitch in sorted(messages, key=lambda m: (m[0], m[1])):
        track.append(mido.Message("note_on", note=pitch, velocity=80 * on, time=t - now))
        now = t
    import io

    data = io.BytesIO()
    mid.save(file=data)
    (idea,) = analyse(read_raw(data.getvalue())).ideas
    heard = [n.pitch for n in idea.melody]
    assert sum(p in (67, 69, 71, 72, 74) for p in heard) >= 0.9 * len(tune)


def _pop_song_bytes(progression, melody_of, bars_each: int = 1, rounds: int = 4) -> bytes:
    """A two-track pop file (piano chords low, a tune above) of root-position triads, the
    progression played ``rounds`` times."""
    import io

    import mido

    mid = mido.MidiFile(ticks_per_beat=480)
    events = {0: [], 1: []}
    bar = 0
    for _ in range(rounds):
        for root, third in progression:
            for pitch in (36 + root, 48 + root, 48 + root + third, 48 + root + 7):
                events[0].append((bar * 1920, pitch, 1900))
            for beat, step in enumerate(melody_of(root, third)):
                events[1].append((bar * 1920 + beat * 480, step, 470))
            bar += bars_each
    for part, notes in events.items():
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=("Piano", "Melody")[part], time=0))
        messages = sorted([(t, 1, p) for t, p, _ in notes] + [(t + d, 0, p) for t, p, d in notes])
        now = 0
        for t, on, pitch in sorted(messages, key=lambda m: (m[0], m[1])):
            track.append(mido.Message("note_on", channel=part, note=pitch, velocity=80 * on, time=t - now))
            now = t
        mid.tracks.append(track)
    data = io.BytesIO()
    mid.save(file=data)
    return data.getvalue()


def test_a_pop_loop_that_ends_on_its_v_is_heard_in_its_key():
    """G major, the loop I-iii-IV-V (G Bm C D) four times round, ending on V as a loop does
    before it goes round again. Heard as D major by an ear that trusted the last chord as
    much as the notes (the IV/V confusion of real pop, bench.pop909); vi-IV-I-V went to E
    minor the same way."""
    loop = [(7, 4), (11, 3), (0, 4), (2, 4)]  # G Bm C D (root pitch class, third)
    scale = (67, 69, 71, 72, 74, 76, 78, 79)

    def tune(root, third):  # chord tones and steps of G major above the chord
        tones = sorted({(root + i) % 12 for i in (0, third, 7)})
        return [next(p for p in scale if p % 12 == tones[k % len(tones)]) for k in (0, 1, 2, 1)]

    (idea,) = analyse(read_raw(_pop_song_bytes(loop, tune))).ideas
    assert idea.key == Key(7, "major")
    sensitive = [(4, 3), (0, 4), (7, 4), (2, 4)]  # Em C G D
    (idea,) = analyse(read_raw(_pop_song_bytes(sensitive, tune))).ideas
    assert idea.key == Key(7, "major")


def _tune_in(scale):
    def tune(root, third):  # chord tones of the bar, then a step of the scale between them
        tones = sorted({(root + i) % 12 for i in (0, third, 7)})
        return [next(p for p in scale if p % 12 == tones[k % len(tones)]) for k in (0, 1, 2, 1)]

    return tune


def test_a_minor_pop_loop_is_minor_not_its_relative_major():
    """A minor, i-i-VI-VII (Am Am F G) four times round, the tune on A natural minor: every
    note is also C major's, and the loop ends on VII; the time it dwells on its i chord says
    minor (the profiles learnt from pop weigh chord roots by mode)."""
    loop = [(9, 3), (9, 3), (5, 4), (7, 4)]
    (idea,) = analyse(read_raw(_pop_song_bytes(loop, _tune_in((67, 69, 71, 72, 74, 76, 77, 79, 81))))).ideas
    assert idea.key == Key(9, "minor")


def test_a_song_that_opens_on_iv_and_ends_on_vi_is_in_its_key():
    """F major, IV-V-I-vi (Bb C F Dm) four times round: it opens on IV and ends on vi, as a
    loop does, and the textbook profiles with the cadence heard D minor (a last chord no longer
    than the others now counts little: bench.pop909's songs often end away from the tonic)."""
    loop = [(10, 4), (0, 4), (5, 4), (2, 3)]
    (idea,) = analyse(read_raw(_pop_song_bytes(loop, _tune_in((65, 67, 69, 70, 72, 74, 76, 77))))).ideas
    assert idea.key == Key(5, "major")


def test_a_song_that_tours_its_secondary_dominants_is_in_its_home_key():
    """C major in the old popular song's way, once through: C D G C | C A D G | E A D G |
    D G G C, every chord major (II, VI and III as secondary dominants), ending on C with no
    held last chord. The whole song's notes lean to G (the tour's F sharps), and so did the
    ear; the opening, which sets out the key (C D G C C), now counts on its own too."""
    tour = [0, 2, 7, 0, 0, 9, 2, 7, 4, 9, 2, 7, 2, 7, 7, 0]

    def tune(root, third):  # the chord's tones, root third fifth third
        tones = [60 + (root + i) % 12 for i in (0, third, 7)]
        return [t + 12 if t < 64 else t for t in (tones[0], tones[1], tones[2], tones[1])]

    (idea,) = analyse(read_raw(_pop_song_bytes([(r, 4) for r in tour], tune, rounds=1))).ideas
    assert idea.key == Key(0, "major")
