"""The idea's own operations: playing it from a bar."""

import random

from songsketch.engine.music.idea import Chord, Idea, Key, Note, Section
from tests.helpers import random_idea


def test_from_a_bar_the_sounding_notes_start_at_the_bar_line():
    idea = Idea(
        Key(0), 100, (4, 4), (Section("verse", 2), Section("chorus", 2)),
        (Chord(0, "", 0, 48, (48, 52, 55)), Chord(5, "", 48, 48, (48, 53, 57)),
         Chord(7, "", 96, 48, (43, 47, 50)), Chord(0, "", 144, 48, (48, 52, 55))),
        (Note(72, 36, 24, 87), Note(74, 60, 12, 87), Note(76, 150, 12, 87)),
    )  # fmt: skip
    later = idea.from_bar(1)  # bar 2 of 4
    assert later.sections == (Section("verse", 1), Section("chorus", 2))
    assert [(c.onset, c.duration, c.root) for c in later.chords] == [(0, 48, 5), (48, 48, 7), (96, 48, 0)]
    assert [(n.pitch, n.onset, n.duration) for n in later.melody] == [
        (72, 0, 12),
        (74, 12, 12),
        (76, 102, 12),
    ]
    later.validate()
    assert idea.from_bar(0) is idea
    assert idea.from_bar(3).sections == (Section("chorus", 1),) and idea.from_bar(99).bars == 1


def test_any_idea_from_any_bar_is_a_valid_idea():
    rng = random.Random(3)
    for _ in range(40):
        idea = random_idea(rng)
        bar = rng.randrange(idea.bars)
        later = idea.from_bar(bar)
        later.validate()
        assert later.bars == idea.bars - bar and later.total_ticks == idea.total_ticks - bar * idea.bar_ticks


def test_keys_are_read_as_songwriters_type_them():
    """'Am' and 'am' are A minor (the CLI refused 'am' while it read 'c g am f' as chords);
    a lower-case name alone is minor, as in music21; a mode may be spelt out."""
    assert Key.parse("Am") == Key.parse("am") == Key.parse("a minor") == Key(9, "minor")
    assert Key.parse("f#m") == Key(6, "minor") and Key.parse("bbm") == Key(10, "minor")
    assert Key.parse("eb") == Key(3, "minor") and Key.parse("C") == Key(0, "major")
    assert Key.parse("Bb major") == Key(10, "major")
