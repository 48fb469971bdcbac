"""A generation's summary reads as a songwriter would say it: one melody, two melodies."""

from songsketch.engine.api import GenerationSummary


def test_one_is_named_in_the_singular():
    assert str(GenerationSummary(1, kind="melodies over your chords")) == "1 melody over your chords"
    assert str(GenerationSummary(2, kind="melodies over your chords")) == "2 melodies over your chords"
    assert str(GenerationSummary(1, kind="new versions")) == "1 new version"
    assert str(GenerationSummary(1)) == "1 idea"
    assert str(GenerationSummary(8)) == "8 ideas"


def test_replaced_ideas_are_said_in_words():
    summary = GenerationSummary(3, redrawn=1, asked=4)
    assert summary.remarks()[0] == "1 too close to a known song was replaced"
    assert str(summary).startswith("3 ideas; 1 too close to a known song was replaced; 1 of the 4")
    assert "guard" not in str(summary) and "redrawn" not in str(summary)
