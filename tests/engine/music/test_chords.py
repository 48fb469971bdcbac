"""Chord symbols as a songwriter reads them."""


def test_chords_outside_the_key_are_spelt_as_harmony_spells_them():
    """bVII in C major is Bb, not A# (a trial read 'C G6 A# Gsus2' in C); in A minor the
    raised 6th and 7th and the major third are sharps; a flat key keeps its flats."""
    from songsketch.engine.music.chords import key_spelling

    c_major = key_spelling(0, "major")
    assert [c_major[pc] for pc in (1, 3, 6, 8, 10)] == ["Db", "Eb", "F#", "Ab", "Bb"]
    a_minor = key_spelling(9, "minor")
    assert [a_minor[pc] for pc in (10, 1, 3, 6, 8)] == ["Bb", "C#", "D#", "F#", "G#"]
    assert key_spelling(5, "major")[10] == "Bb" and key_spelling(5, "major")[3] == "Eb"
