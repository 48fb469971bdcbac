"""Verse and chorus of a pop song read from what comes back: its chorus returns with the words'
rhythm changed each time (a note split in two, a note sung an 8th early), after a piano intro
and an interlude; no section marks, no barline hints."""

import random

from songsketch.engine.formats.analysis import analyse, derive_sections
from songsketch.engine.formats.midi import read_raw
from songsketch.engine.music.idea import TICKS_PER_BEAT, Note, Section
from tests.helpers import midi_bytes, notes_to_messages

PPQ = 480
BAR = 4 * PPQ
# one chord a bar (root, third, fifth as pitch classes of C major)
VERSE_CHORDS = [(0, 4, 7), (9, 0, 4), (5, 9, 0), (7, 11, 2)] * 2
CHORUS_CHORDS = [(5, 9, 0), (7, 11, 2), (4, 7, 11), (9, 0, 4), (5, 9, 0), (7, 11, 2), (0, 4, 7), (0, 4, 7)]
# a bar of tune: (beat, beats, pitch); the verse low, the chorus a fourth or so higher
VERSE_TUNE = [
    [(0, 1, 60), (1, 1, 62), (2, 2, 64)],
    [(0, 1.5, 64), (1.5, 0.5, 62), (2, 2, 60)],
    [(0, 1, 65), (1, 1, 64), (2, 1, 62), (3, 1, 60)],
    [(0, 3, 62), (3, 1, 59)],
] * 2
CHORUS_TUNE = [
    [(0, 1, 69), (1, 1, 72), (2, 2, 72)],
    [(0, 1, 71), (1, 1, 69), (2, 2, 67)],
    [(0, 1.5, 67), (1.5, 0.5, 69), (2, 2, 71)],
    [(0, 2, 72), (2, 2, 69)],
    [(0, 1, 69), (1, 1, 72), (2, 2, 74)],
    [(0, 1, 74), (1, 1, 72), (2, 2, 71)],
    [(0, 2, 72), (2, 1, 71), (3, 1, 67)],
    [(0, 4, 72)],
]


def _sung(bars, first_bar: int, rng: random.Random) -> list[tuple[int, int, int, int]]:
    """The tune's notes from ``first_bar``, the words' rhythm changed in a few bars: a note
    split into two of the same pitch, or the next note sung an 8th early."""
    notes = []
    for b, bar in enumerate(bars):
        varied = rng.random() < 0.4
        for k, (beat, beats, pitch) in enumerate(bar):
            start = (first_bar + b) * BAR + int(beat * PPQ)
            end = start + int(beats * PPQ)
            if varied and k == 1:
                start -= PPQ // 2  # sung an 8th early
            if varied and k == 0 and beats >= 1:
                half = start + (end - start) // 2
                notes.append((pitch, start, half, 90))
                start = half
            notes.append((pitch, start, min(end, start + int(beats * PPQ)), 90))
    return notes


def _pop_song() -> bytes:
    """4 bars of piano, verse 8, chorus 8, 2 bars of piano, verse 8, chorus 8, chorus 8."""
    rng = random.Random(3)
    plan = [("intro", 4), ("verse", 8), ("chorus", 8), ("interlude", 2)]
    plan += [("verse", 8), ("chorus", 8), ("chorus", 8)]
    tune, piano, bar = [], [], 0
    for name, bars in plan:
        chords = CHORUS_CHORDS if name == "chorus" else VERSE_CHORDS
        for b in range(bars):
            root, third, fifth = chords[b % 8]
            start = (bar + b) * BAR
            piano.append((36 + root, start, start + BAR, 70))
            for beat in range(4):
                for pc in (root, third, fifth):
                    piano.append((48 + pc, start + beat * PPQ, start + beat * PPQ + PPQ - 40, 60))
        if name in ("verse", "chorus"):
            tune += _sung(VERSE_TUNE if name == "verse" else CHORUS_TUNE, bar, rng)
        bar += bars
    return midi_bytes([notes_to_messages(tune, name="MELODY"), notes_to_messages(piano, name="Piano")], PPQ)


def test_a_chorus_that_returns_with_other_words_is_the_chorus_each_time():
    [idea] = analyse(read_raw(_pop_song())).ideas
    assert idea.bars == 46
    names = [name for s in idea.sections for name in [s.name] * s.bars]
    chorus_bars = [b for b, name in enumerate(names) if name == "chorus"]
    # the three choruses (bars 12-19, 30-45), the rest (intro, verses, interlude) verse
    assert chorus_bars == [*range(12, 20), *range(30, 46)], idea.sections
    assert [s.name for s in idea.sections] == ["verse", "chorus", "verse", "chorus"]


def test_a_two_bar_figure_that_comes_back_is_no_chorus():
    """16 bars whose only return is a 2-bar figure (bars 1-2 again as bars 5-6): no block of
    a phrase (4 bars) recurs, so the halves stand; a chorus of 2 bars is not a section."""
    step = TICKS_PER_BEAT
    bar = 4 * step
    melody = []
    for b in range(16):
        pitches = [60 + (5 * b + 3 * k) % 24 for k in range(4)]  # no bar like another
        if b in (5, 6):
            pitches = [60 + (5 * (b - 4) + 3 * k) % 24 for k in range(4)]
        melody += [Note(p, b * bar + k * step, step, 80) for k, p in enumerate(pitches)]
    assert derive_sections(16, bar, melody, []) == (Section("verse", 8), Section("chorus", 8))


def test_a_tune_alone_finds_its_chorus():
    """A melody with no chords (a one-line file): verse, chorus, verse, chorus of 8 bars each,
    the chorus higher. Bars are compared by their tunes alone (with no chords to compare, a
    tune alone never came back 70% alike and the halves stood)."""
    step = TICKS_PER_BEAT
    bar = 4 * step

    def phrase(seed: int, low: int) -> list[list[int]]:
        rng = random.Random(seed)
        return [[low + rng.randint(0, 7) for _ in range(4)] for _ in range(8)]

    verse, chorus = phrase(1, 60), phrase(2, 67)
    melody = [
        Note(pitch, (8 * s + b) * bar + k * step, step, 80)
        for s, section in enumerate([verse, chorus, verse, chorus])
        for b, pitches in enumerate(section)
        for k, pitch in enumerate(pitches)
    ]
    assert derive_sections(32, bar, melody, []) == (
        Section("verse", 8),
        Section("chorus", 8),
        Section("verse", 8),
        Section("chorus", 8),
    )
