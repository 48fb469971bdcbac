"""Lead sheets opened as a songwriter wrote them: a pickup bar leads into the first section
instead of standing as a Verse of its own."""

from songsketch.engine.formats.analysis.pipeline import analyse
from songsketch.engine.formats.analysis.sections import derive_sections
from songsketch.engine.formats.scores import music21_to_raw
from songsketch.engine.music.idea import TICKS_PER_BEAT, Section

BAR = 4 * TICKS_PER_BEAT


def _sheet(pickup: bool):
    """A 16-bar lead sheet in C, 'Verse' and 'Chorus' rehearsal marks, chord symbols only;
    with ``pickup``, one quarter-note G before the first full bar."""
    from music21 import expressions, harmony, key, meter, note, stream

    part = stream.Part()
    if pickup:
        m0 = stream.Measure(number=0)
        m0.append([meter.TimeSignature("4/4"), key.Key("C"), note.Note("G4", quarterLength=1)])
        m0.paddingLeft = 3.0
        part.append(m0)
    for i, symbol in enumerate(["C", "F", "G", "C", "Am", "F", "G", "C"] * 2):
        m = stream.Measure(number=i + 1)
        if i == 0 and not pickup:
            m.append([meter.TimeSignature("4/4"), key.Key("C")])
        if i in (0, 8):
            m.insert(0, expressions.RehearsalMark("Verse" if i == 0 else "Chorus"))
        m.insert(0, harmony.ChordSymbol(symbol))
        m.append(
            [
                note.Note(p, quarterLength=1)
                for p in (("C5", "D5", "E5", "G4") if i < 8 else ("E5", "D5", "C5", "C5"))
            ]
        )
        part.append(m)
    score = stream.Score()
    score.insert(0, part)
    return score


def test_a_pickup_bar_leads_into_the_first_verse():
    idea = analyse(music21_to_raw(_sheet(pickup=True), "pickup")).ideas[0]
    assert idea.sections == (Section("verse", 9), Section("chorus", 8))
    assert idea.melody[0].onset == 3 * TICKS_PER_BEAT  # the pickup note, on beat 4 of bar 0
    assert idea.chords[0].onset == BAR  # the first chord symbol, on the first full bar


def test_without_a_pickup_the_marks_are_followed_as_they_were():
    idea = analyse(music21_to_raw(_sheet(pickup=False), "plain")).ideas[0]
    assert idea.sections == (Section("verse", 8), Section("chorus", 8))


def test_only_a_single_bar_before_the_first_mark_joins_it():
    one = derive_sections(9, BAR, [], [], [(BAR, "Chorus")])
    assert one == (Section("chorus", 9),)
    two = derive_sections(10, BAR, [], [], [(2 * BAR, "Chorus")])  # an intro of two bars
    assert two == (Section("verse", 2), Section("chorus", 8))
