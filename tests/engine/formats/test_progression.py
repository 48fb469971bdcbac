"""Typed chord progressions: read as a songwriter writes them, voiced as a pianist plays them."""

import pytest

from songsketch.engine.formats.progression import ProgressionError, parse_progression, progression_idea
from songsketch.engine.music import chords as ch
from songsketch.engine.music.voicing import sounds_root_and_third


def test_symbols_in_their_usual_spellings():
    with pytest.raises(ProgressionError):
        parse_progression("G7sus")  # a 7sus is not a quality Songsketch knows: said, not guessed
    bars = parse_progression("C Am7 | F/A Gsus | Bbmaj7 Ebm6 | F#ø Bo7 | C- CM7 C+ Csus2")
    names = [[(c.symbol.root, c.symbol.quality, c.symbol.bass) for c in bar] for bar in bars]
    assert names == [
        [(0, "", None), (9, "m7", None)],
        [(5, "", 9), (7, "sus4", None)],
        [(10, "maj7", None), (3, "m6", None)],
        [(6, "m7b5", None), (11, "dim7", None)],
        [(0, "m", None), (0, "maj7", None), (0, "aug", None), (0, "sus2", None)],
    ]


def test_a_bad_symbol_is_named_with_its_bar_and_column():
    text = "C G | Am Hm7 | F"
    with pytest.raises(ProgressionError) as caught:
        parse_progression(text)
    assert "bar 2" in str(caught.value) and "'Hm7'" in str(caught.value)
    assert text[caught.value.column :].startswith("Hm7")
    with pytest.raises(ProgressionError, match="unknown chord quality 'add9'"):
        parse_progression("Cadd9 G")
    with pytest.raises(ProgressionError) as caught:
        progression_idea("C D E F G | C", meter=(4, 4))
    assert "5 chords in a bar of 4 beats" in str(caught.value)
    assert "C D E F G | C"[caught.value.column :].startswith("G")
    with pytest.raises(ProgressionError, match="no chords"):
        parse_progression("  |  ")


def test_the_progression_fills_verse_and_chorus_voiced_with_root_and_third():
    idea = progression_idea("F Bb | C7 F | Dm Gm C7 | F", meter=(4, 4), bars_per_section=4)
    assert [s.bars for s in idea.sections] == [4, 4] and not idea.melody
    assert idea.key.tonic == 5 and idea.key.mode == "major"  # heard from the chords
    bar = idea.bar_ticks
    first_bars = [
        [ch.symbol(c.root, c.quality, flats=True) for c in idea.chords if b * bar <= c.onset < (b + 1) * bar]
        for b in range(8)
    ]
    assert first_bars[:4] == [["F", "Bb"], ["C7", "F"], ["Dm", "Gm", "C7"], ["F"]]
    assert first_bars[4:] == first_bars[:4]  # it repeats to fill the chorus
    third_bar = [c for c in idea.chords if 2 * bar <= c.onset < 3 * bar]
    assert [c.duration for c in third_bar] == [24, 12, 12]  # 2 + 1 + 1 beats
    for c in idea.chords:
        assert sounds_root_and_third(c.root, c.quality, c.voicing)
        assert c.voicing[-1] < 62  # under the melody's register
    slash = progression_idea("C/E F", bars_per_section=1)
    assert slash.chords[0].voicing[0] % 12 == 4


def test_three_four_and_six_eight():
    waltz = progression_idea("C G7 | C", meter=(3, 4), bars_per_section=2)
    assert [c.duration for c in waltz.chords[:2]] == [24, 12]
    jig = progression_idea("Am E", meter=(6, 8), bars_per_section=2)
    assert [c.duration for c in jig.chords[:2]] == [18, 18]  # the felt beats of 6/8


def test_the_key_can_be_given_and_bars_are_counted_as_typed():
    from songsketch.engine.music.idea import Key

    assert progression_idea("Am E7", bars_per_section=1, key=Key(9, "minor")).key == Key(9, "minor")
    with pytest.raises(ProgressionError, match="bar 2"):
        parse_progression("| C | Dx")
