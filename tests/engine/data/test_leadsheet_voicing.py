"""A lead sheet (melody and chord symbols only, as a songwriter or OpenEWLD writes one) reads
as an idea whose chord part a pianist would play: bass, then a close chord with its third."""

from songsketch.engine.data.corpus import analyse_path
from songsketch.engine.music.voicing import sounds_root_and_third


def _lead_sheet(path):
    from music21 import harmony, key, meter, note, stream

    part = stream.Part()
    part.append(key.KeySignature(0))  # the default C signature, in an F major tune
    part.append(meter.TimeSignature("4/4"))
    tune = (
        "F4 A4 C5 A4 | G4 B-4 D5 B-4 | A4 C5 F5 C5 | E4 G4 C5 G4 | F4 A4 C5 A4 | D4 F4 A4 F4 "
        "| C4 E4 G4 E4 | F4"
    )
    symbols = ["F", "Gm7", "F/A", "C7", "F", "Dm", "C7/E", "F"]
    for bar, (notes, symbol) in enumerate(zip(tune.split("|"), symbols)):
        measure = stream.Measure(number=bar + 1)
        measure.insert(0, harmony.ChordSymbol(symbol))
        for name in notes.split():
            length = 4.0 if len(notes.split()) == 1 else 1.0
            measure.append(note.Note(name, quarterLength=length))
        part.append(measure)
    s = stream.Score([part])
    s.write("musicxml", fp=str(path))
    return symbols


def test_symbols_only_are_voiced_with_root_third_and_the_written_bass(tmp_path):
    path = tmp_path / "tune.musicxml"
    symbols = _lead_sheet(path)
    [idea] = analyse_path(path).ideas
    assert idea.key.tonic == 5 and idea.key.mode == "major"
    by_bar = {c.onset // idea.bar_ticks: c for c in idea.chords}
    assert len(by_bar) == len(symbols)
    for c in by_bar.values():
        assert sounds_root_and_third(c.root, c.quality, c.voicing)
        below = [n.pitch for n in idea.melody if c.onset <= n.onset < c.end]
        assert c.voicing[-1] < min(below)  # under the tune
    assert by_bar[2].voicing[0] % 12 == 9 and by_bar[2].root == 5  # F/A: A in the bass
    assert by_bar[6].voicing[0] % 12 == 4 and by_bar[6].root == 0  # C7/E
    assert 10 in {p % 12 for p in by_bar[3].voicing}  # C7 sounds its seventh
