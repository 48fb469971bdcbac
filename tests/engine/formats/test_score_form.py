"""Sections of a written score follow its form: rehearsal marks and section words name them,
repeat and double barlines start them where both sides last a phrase (a hint, not a rule)."""

from songsketch.engine.formats.analysis.pipeline import analyse
from songsketch.engine.formats.analysis.sections import derive_sections, hinted_cuts
from songsketch.engine.formats.scores import read_score
from songsketch.engine.music.idea import TICKS_PER_BEAT, Note, Section

BAR = 4 * TICKS_PER_BEAT
VERSE = ("C5", "D5", "E5", "G4")
CHORUS = ("E5", "D5", "C5", "C5")


def _measure(number: int, tune: tuple[str, ...], symbol: str):
    from music21 import harmony, note, stream

    m = stream.Measure(number=number)
    m.insert(0, harmony.ChordSymbol(symbol))
    m.append([note.Note(p, quarterLength=1) for p in tune])
    return m


def _written(tmp_path, measures, spanners=()):
    """A lead sheet of the measures (4/4, C), written as MusicXML and read back as an idea."""
    from music21 import key, meter, stream

    part = stream.Part()
    measures[0].insert(0, meter.TimeSignature("4/4"))
    measures[0].insert(0, key.Key("C"))
    for m in measures:
        part.append(m)
    for s in spanners:
        part.insert(0, s)
    score = stream.Score()
    score.insert(0, part)
    path = tmp_path / "sheet.musicxml"
    score.write("musicxml", fp=str(path))
    return analyse(read_score(path, melody_first=False)).ideas[0]


def test_a_repeated_chorus_with_two_endings_is_a_section_of_its_own(tmp_path):
    """8 bars of verse, then |: a chorus of 7 bars, a first ending :| and a second ending."""
    from music21 import bar, spanner

    chords = ["C", "F", "G", "C", "Am", "F", "G", "C"]
    measures = [_measure(i + 1, VERSE, chords[i]) for i in range(8)]
    measures += [_measure(9 + i, CHORUS, (chords + ["C"])[i]) for i in range(9)]
    measures[8].leftBarline = bar.Repeat(direction="start")
    measures[15].rightBarline = bar.Repeat(direction="end")
    endings = [spanner.RepeatBracket(measures[15], number=1), spanner.RepeatBracket(measures[16], number=2)]
    idea = _written(tmp_path, measures, endings)
    assert idea.sections == (Section("verse", 8), Section("chorus", 9))


def test_section_words_and_rehearsal_marks_start_sections(tmp_path):
    """'Chorus' written over the last beat of bar 6 (the chorus's pickup note) starts bar 7;
    a rehearsal mark 'A' starts a verse at bar 13."""
    from music21 import expressions

    measures = [_measure(i + 1, VERSE if i < 6 else CHORUS, "C") for i in range(16)]
    measures[5].insert(3, expressions.TextExpression("Chorus"))
    measures[12].insert(0, expressions.RehearsalMark("A"))
    measures[2].insert(0, expressions.TextExpression("Moderately"))  # not a section word
    idea = _written(tmp_path, measures)
    assert idea.sections == (Section("verse", 6), Section("chorus", 6), Section("verse", 4))


def test_a_repeat_shorter_than_a_phrase_is_no_section():
    """A chorale repeats its first phrase (two bars): no cut there; one of four bars is."""
    assert hinted_cuts(12, BAR, [(2 * BAR, ":|")]) == []
    assert hinted_cuts(12, BAR, [(2 * BAR, ":|"), (4 * BAR, "||")]) == [4]
    assert hinted_cuts(12, BAR, [(10 * BAR, "|:")]) == []  # two bars left after it
    assert hinted_cuts(12, BAR, [(4 * BAR + 3, "||")]) == []  # not on a bar line


def test_a_section_that_opens_like_an_earlier_one_is_named_like_it():
    """A A B A cut by double bars: A is the verse, B the chorus, the last A a verse again."""
    tunes = {"A": (72, 74, 76, 67), "B": (76, 74, 72, 72)}
    melody = [
        Note(p, bar * BAR + k * TICKS_PER_BEAT, TICKS_PER_BEAT, 80)
        for bar, part in enumerate("A" * 4 + "A" * 4 + "B" * 4 + "A" * 4)
        for k, p in enumerate(tunes[part])
    ]
    hints = [(4 * BAR, "||"), (8 * BAR, "||"), (12 * BAR, "||")]
    sections = derive_sections(16, BAR, melody, [], hints)
    assert [(s.name, s.bars) for s in sections] == [("verse", 4), ("verse", 4), ("chorus", 4), ("verse", 4)]


def test_chorales_cut_at_a_repeat_of_a_phrase_or_more():
    """Bach's chorales repeat their opening (the Stollen): BWV 262's four bars are the verse,
    the rest the chorus; BWV 424 repeats three bars, too short to stand alone: halves as before."""
    from songsketch.engine.data.corpus import analyse_path, builtin_paths

    paths = {p.stem: p for p in builtin_paths()}
    first = analyse_path(paths["bwv262"], melody_first=True).ideas[0]
    assert first.sections == (Section("verse", 4), Section("chorus", 8))
    short = analyse_path(paths["bwv424"], melody_first=True).ideas[0]
    assert short.sections == (Section("verse", 5), Section("chorus", 5))
