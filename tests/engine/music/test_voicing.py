"""Chord symbols voiced as a pianist would: the bass, a close chord with its third under the
melody, moving to the nearest inversion."""

from songsketch.engine.music import chords as ch
from songsketch.engine.music.voicing import (
    BASS_RANGE,
    UPPER_RANGE,
    Symbol,
    close_positions,
    sounds_root_and_third,
    voice_symbols,
)


def _progression(text: str) -> list[Symbol]:
    out = []
    for name in text.split():
        chord, _, bass = name.partition("/")
        root, quality = ch.parse_symbol(chord)
        out.append(Symbol(root, quality, ch.parse_pc(bass) if bass else None))
    return out


def test_each_chord_has_its_bass_under_a_close_chord_with_root_and_third():
    symbols = _progression("C Am F G7 C/E Dm7 G7 C")
    voicings = voice_symbols(symbols)
    for s, v in zip(symbols, voicings):
        assert v[0] % 12 == s.bass_pc and BASS_RANGE[0] - 5 <= v[0] <= BASS_RANGE[1]
        upper = v[1:]
        assert {p % 12 for p in upper} == ch.chord_pcs(s.root, s.quality)  # every tone, the 7th too
        assert upper[-1] - upper[0] < 12 and UPPER_RANGE[0] <= upper[0] and upper[-1] <= UPPER_RANGE[1]
        assert upper[0] - v[0] >= 3  # the bass stands apart from the chord
        assert sounds_root_and_third(s.root, s.quality, v)
    assert voicings[4][0] % 12 == 4  # C/E: E in the bass


def test_the_hands_move_to_the_nearest_inversion():
    voicings = voice_symbols(_progression("C F G C Am Dm G C"))
    for a, b in zip(voicings, voicings[1:]):
        # the close chord moves by at most a few semitones per voice, never by leaps of a fifth+
        assert max(abs(x - y) for x, y in zip(a[1:], b[1:])) <= 5
    # a root-position-only voicing (every chord's root at the bottom) would leap: not this one
    assert len({v[1] % 12 for v in voicings}) > 2


def test_the_chord_stays_under_the_melody_where_the_register_allows():
    symbols = _progression("C G")
    low_tune = voice_symbols(symbols, ceilings=[62, 60])
    assert all(v[-1] < c for v, c in zip(low_tune, (62, 60)))
    assert all(v[-1] <= UPPER_RANGE[1] for v in voice_symbols(symbols, ceilings=[None, 90]))


def test_close_positions_are_every_inversion_in_range():
    stacks = close_positions(0, "", 52, 67)
    assert (52, 55, 60) in stacks and (55, 60, 64) in stacks and (60, 64, 67) in stacks
    assert all(s[-1] - s[0] < 12 and 52 <= s[0] and s[-1] <= 67 for s in stacks)


def test_a_suspended_chord_counts_its_fourth_as_its_third():
    assert sounds_root_and_third(7, "sus4", (43, 60, 62, 67))
    assert not sounds_root_and_third(0, "", (48, 55, 60))  # no third
    assert not sounds_root_and_third(0, "7", (52, 58, 64))  # no root
