"""Typed chord progressions: read as a songwriter writes them, voiced as a pianist plays them."""

import pytest

from songsketch.engine.formats.progression import (
    ProgressionError,
    chord_chart,
    parse_progression,
    progression_idea,
    typed_progression,
)
from songsketch.engine.music import chords as ch
from songsketch.engine.music.idea import Key
from songsketch.engine.music.voicing import sounds_root_and_third


def test_symbols_in_their_usual_spellings():
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
    with pytest.raises(ProgressionError, match="cannot read the chord 'Cadd7'"):
        parse_progression("Cadd7 G")
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
    slash = progression_idea("C/E F |", bars_per_section=1)
    assert slash.chords[0].voicing[0] % 12 == 4


def test_three_four_and_six_eight():
    waltz = progression_idea("C G7 | C", meter=(3, 4), bars_per_section=2)
    assert [c.duration for c in waltz.chords[:2]] == [24, 12]
    jig = progression_idea("Am E |", meter=(6, 8), bars_per_section=2)
    assert [c.duration for c in jig.chords[:2]] == [18, 18]  # the felt beats of 6/8


def test_the_key_can_be_given_and_bars_are_counted_as_typed():
    from songsketch.engine.music.idea import Key

    assert progression_idea("Am E7", bars_per_section=1, key=Key(9, "minor")).key == Key(9, "minor")
    with pytest.raises(ProgressionError, match="bar 2"):
        parse_progression("| C | Dx")


def test_without_bar_lines_each_chord_is_a_bar():
    """Am F C G is four bars, as songwriters write a loop; C G | Am F is two bars of two."""
    loop = progression_idea("Am F C G", bars_per_section=4)
    bar = loop.bar_ticks
    assert [(c.root, c.quality, c.onset, c.duration) for c in loop.chords[:4]] == [
        (9, "m", 0, bar), (5, "", bar, bar), (0, "", 2 * bar, bar), (7, "", 3 * bar, bar)
    ]  # fmt: skip
    assert len(loop.chords) == 8  # the loop repeats over the chorus
    two = progression_idea("C G | Am F", bars_per_section=4)
    assert [(c.onset, c.duration) for c in two.chords[:4]] == [(0, 24), (24, 24), (48, 24), (72, 24)]
    assert chord_chart(loop) == "Am | F | C | G"
    assert chord_chart(two) == "C G | Am F | C G | Am F"  # the two readings look different
    with pytest.raises(ProgressionError) as caught:
        parse_progression("Am F Qm G")
    assert "bar 3" in str(caught.value) and "'Qm'" in str(caught.value)
    assert "Am F Qm G"[caught.value.column :].startswith("Qm")


# chart symbol -> the vocabulary quality it is played as
CHART = {
    "Cadd9": "", "Cadd2": "", "C6": "6", "C6/9": "6", "C69": "6", "C9": "7", "C11": "7",
    "C13": "7", "Cm9": "m7", "Cmaj9": "maj7", "Cm11": "m7", "C7sus4": "sus4", "C7b9": "7",
    "C7#9": "7", "C7#11": "7", "Cm(maj7)": "m", "CmM7": "m", "C5": "", "Caug7": "aug",
    "Csus2": "sus2", "C2": "sus2", "Cm6/9": "m6", "Cm7b5": "m7b5", "C°7": "dim7", "Cdim": "dim",
    "CMaj7": "maj7", "CΔ": "maj7", "C-7": "m7", "Cmi7": "m7", "C7alt": "7", "C9sus4": "sus4",
    "Cmadd9": "m", "C7(b9)": "7", "C+7": "aug", "C7#5": "aug", "Cmaj7#11": "maj7",
}  # fmt: skip


@pytest.mark.parametrize("text", sorted(CHART))
def test_chart_symbols_fold_to_the_nearest_quality_the_model_knows(text):
    (bar,) = parse_progression(text + " |")
    assert (bar[0].symbol.root, bar[0].symbol.quality, bar[0].symbol.bass) == (0, CHART[text], None)


def test_folded_chords_keep_what_music21_hears_in_them():
    """Each folded chord's tones are tones of the full chord as music21 spells it (a power chord
    and a suspended seventh aside: they gain a third or lose the seventh)."""
    harmony = pytest.importorskip("music21.harmony")
    for text in ("Cadd9", "C9", "C13", "Cm9", "Cm11", "C7b9", "C7#9", "C7#11", "Caug7", "Csus2"):
        full = {p.pitchClass for p in harmony.ChordSymbol(text).pitches}
        (bar,) = parse_progression(text + " |")
        assert ch.chord_pcs(0, bar[0].symbol.quality) <= full, text


def test_slash_chords_keep_their_bass_over_any_quality():
    bars = parse_progression("C/E Am7/G Dm9/C G7sus4/F C6/9/E")
    assert [(c[0].symbol.root, c[0].symbol.quality, c[0].symbol.bass) for c in bars] == [
        (0, "", 4), (9, "m7", 7), (2, "m7", 0), (7, "sus4", 5), (0, "6", 4)
    ]  # fmt: skip
    idea = progression_idea("C/E Am7/G Dm9/C G7sus4/F", bars_per_section=4)
    assert [c.voicing[0] % 12 for c in idea.chords[:4]] == [4, 7, 0, 5]
    assert chord_chart(idea) == "C/E | Am7/G | Dm7/C | Gsus4/F"


def test_the_key_follows_the_chords_and_a_contradicting_key_is_set_aside():
    """--key G over C | G | Am | F would put F# over F: the chords' key wins, and says why."""
    typed = typed_progression("C | G | Am | F", bars_per_section=4, key=Key(7, "major"))
    assert typed.idea.key == Key(0, "major")
    assert "not G major" in typed.remark and "F is not in G major" in typed.remark
    fits = typed_progression("C | G | Am | F", bars_per_section=4, key=Key(9, "minor"))
    assert fits.idea.key == Key(9, "minor") and fits.remark == ""  # the relative minor fits
    minor = typed_progression("Am Dm E7 Am", bars_per_section=4, key=Key(9, "minor"))
    assert minor.idea.key == Key(9, "minor") and minor.remark == ""  # E7's G# is minor's raised 7th
    heard = typed_progression("D A Bm G", bars_per_section=4)
    assert heard.idea.key == Key(2, "major") and heard.remark == ""
    # a borrowed chord does not move a key the progression starts and ends on: C Bb F C is
    # heard in F from its notes alone, yet a songwriter asking for C means the C at home
    borrowed = typed_progression("C Bb F C", bars_per_section=4, key=Key(0, "major"))
    assert borrowed.idea.key == Key(0, "major") and borrowed.remark == ""


def test_a_chart_starts_at_the_first_bar_with_a_chord():
    """An opened song whose first bar has no chord (a pickup, an intro of melody alone) showed
    an empty chart in the ideas list; a chord held over from before the section still counts."""
    from dataclasses import replace

    idea = progression_idea("Am F C G", bars_per_section=4)
    bar = idea.bar_ticks
    late = replace(idea, chords=[replace(c, onset=c.onset + bar + bar // 2) for c in idea.chords])
    assert chord_chart(late, "verse", 4) == "Am | Am F | F C"  # the verse ends after bar 4
    assert chord_chart(idea, "verse", 4) == "Am | F | C | G"
    assert chord_chart(idea, "chorus", 2) == "Am | F"


@pytest.mark.parametrize("text", ["Dm7 G7 Cmaj7", "F G C", "Dm G C"])
def test_the_key_is_the_charts_as_typed_not_where_its_repeats_stop(text):
    """A chart of three bars repeated over 2 x 8 bars stops a bar into its sixth pass (on Dm7,
    on F); with the last chord counting more as a cadence (issue 21), ii V I was heard in D
    minor and IV V I in F. The key is read from the whole passes: the chart ends where it
    was typed to end."""
    for bars in (4, 8):
        assert progression_idea(text, bars_per_section=bars).key == Key(0, "major")
