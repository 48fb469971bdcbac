"""Idea <-> tokens: exact round trips, the grammar's refusals, the fixed vocabulary."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from songsketch.engine.music.idea import (
    Chord,
    Idea,
    Key,
    Note,
    Section,
    idea_from_data,
    idea_to_data,
)
from songsketch.engine.music.motif import repetition
from songsketch.engine.tokens.encoding import decode, encode, encode_infill, from_infill, token_names
from songsketch.engine.tokens.grammar import Grammar
from songsketch.engine.tokens.vocab import VOCAB
from tests.helpers import random_idea


def test_round_trip_many_random_ideas():
    rng = random.Random(7)
    for _ in range(400):
        idea = random_idea(rng)
        tokens = encode(idea)
        assert decode(tokens) == idea
        assert idea_from_data(idea_to_data(idea)) == idea


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_round_trip_hypothesis_seeds(seed):
    idea = random_idea(random.Random(seed))
    assert decode(encode(idea)) == idea


def _simple_idea(**changes):
    base = dict(
        key=Key(9, "minor"),
        tempo=100,
        meter=(4, 4),
        sections=(Section("verse", 1), Section("chorus", 1)),
        chords=(
            Chord(9, "m", 0, 48, (45, 52, 57, 60)),
            Chord(5, "", 48, 24, (41, 53, 57)),
            Chord(7, "7", 72, 24, (43, 53, 59, 62)),
        ),
        melody=(
            Note(69, 0, 12, 79),
            Note(72, 12, 6, 79),
            Note(71, 18, 6, 95),
            Note(69, 36, 12, 79),
            Note(76, 60, 36, 79),
        ),
    )
    base.update(changes)
    return Idea(**base)


def test_tokens_read_as_documented():
    names = token_names(encode(_simple_idea()))
    assert names[:5] == ["BOS", "STYLE_song", "KEY_Am", "METER_4/4", "TEMPO_100"]
    assert names[5:8] == ["SEC_verse", "BARS_1", "BAR"]
    # chord before melody at the same position, velocity only when it changes
    # a voicing is its bass and the gaps upwards (7 and 5 in one token, then 3); the chord
    # lasts until the next one and the note until the next note, so no DUR is written
    assert names[8:17] == [
        "POS_0",
        "CHORD_A" + "m",
        "BASS_45",
        "UP2_7_5",
        "UP_3",
        "VEL_79",
        "P_69",
        "POS_12",
        "P_72",
    ]
    assert "VEL_95" in names and names.count("VEL_79") == 2
    # the note at tick 18 is shorter than the gap to the next note: its DUR is written,
    # and the rest up to tick 36 is the gap
    assert names[names.index("VEL_95") : names.index("VEL_95") + 4] == ["VEL_95", "P_71", "DUR_6", "POS_36"]
    assert names[-1] == "EOS" and "SEC_chorus" in names
    # bar 2 (the chorus) has no chord, and the chord of bar 1 stops at the bar line
    assert decode(encode(_simple_idea())).chords[-1].end == 96


def test_durations_and_wide_voicings_round_trip_exactly():
    """Implicit and written durations, wide gaps (UP) and five-voice voicings (UP2 UP2)."""
    idea = _simple_idea(
        chords=(
            Chord(0, "", 0, 12, (36, 60, 64, 67, 72)),  # 24-semitone gap: UP then UP2
            Chord(0, "", 24, 24, (21, 76)),  # widest: UP_55
            Chord(7, "", 48, 48, (31, 38, 43, 47, 50, 55)),
        ),  # six voices
        melody=(Note(79, 0, 96, 79), Note(81, 96, 12, 79)),
        sections=(Section("verse", 2), Section("chorus", 1)),
    )
    assert decode(encode(idea)) == idea
    names = token_names(encode(idea))
    assert ["BASS_36", "UP_24", "UP2_4_3", "UP_5", "DUR_12"] == names[10:15]
    assert "UP_55" in names


def test_triplets_and_sixteenths_survive():
    mel = tuple(Note(60 + i, i * 4, 4, 79) for i in range(3)) + tuple(
        Note(70 + i, 12 + i * 3, 3, 79) for i in range(4)
    )
    idea = _simple_idea(melody=mel, sections=(Section("verse", 2),))
    assert decode(encode(idea)).melody == mel


@pytest.mark.parametrize(
    "bad",
    [
        dict(tempo=20),
        dict(meter=(5, 8)),
        dict(sections=()),
        dict(melody=(Note(60, 0, 12, 79), Note(62, 6, 12, 79))),  # overlapping melody
        dict(melody=(Note(60, 0, 12, 80),)),  # velocity off the grid
        dict(chords=(Chord(0, "", 40, 20, (48, 52, 55)),)),  # crosses the bar line
        dict(chords=(Chord(0, "", 0, 12, (55, 52, 48)),)),  # voicing not ascending
        dict(melody=(Note(120, 0, 12, 79),)),  # out of range
    ],
)
def test_invalid_ideas_are_refused(bad):
    with pytest.raises(ValueError):
        encode(_simple_idea(**bad))


def test_decoder_refuses_broken_sequences():
    tokens = encode(_simple_idea())
    with pytest.raises(ValueError, match="before EOS"):
        decode(tokens[:-1])
    with pytest.raises(ValueError, match="not allowed"):
        decode([VOCAB.BOS, VOCAB.BAR])
    with pytest.raises(ValueError):
        decode(tokens + [VOCAB.BAR])
    with pytest.raises(ValueError):
        decode([VOCAB.BOS, len(VOCAB) + 5])


def test_vocabulary_is_fixed_by_the_representation():
    assert VOCAB.tokens[:4] == ("PAD", "BOS", "EOS", "BAR")
    assert len(VOCAB) == len(set(VOCAB.tokens)) == 1092
    assert VOCAB.tokens[-3:] == ("REP_rhythm_16", "HOLE", "FILL")
    assert VOCAB.tokens[VOCAB.key(Key(0, "major"))] == "KEY_C"
    assert VOCAB.tokens[VOCAB.chord(9, "m7")] == "CHORD_Am7"


def test_grammar_with_a_plan_forces_verse_then_chorus():
    g = Grammar(
        key=Key(0), meter=(3, 4), tempo=90, plan=(Section("verse", 1), Section("chorus", 1)), style="song"
    )
    for expected in ("BOS", "STYLE_song", "KEY_C", "METER_3/4", "TEMPO_90", "SEC_verse", "BARS_1", "BAR"):
        mask = g.allowed()
        assert mask.sum() == 1 and VOCAB.tokens[int(mask.argmax())] == expected
        g.feed(int(mask.argmax()))
    # an empty bar: the only way to close it is the planned chorus, not another BAR
    mask = g.allowed()
    assert mask[VOCAB.sec("chorus")] and not mask[VOCAB.BAR] and not mask[VOCAB.EOS]


def test_a_plan_of_sections_of_unequal_length_is_kept_in_its_order():
    """A file's sections kept whole (a melody or chords kept from a user's song of a 25-bar
    verse, a 16-bar chorus...): each section gets its own length. The grammar gave each the
    length of the one before (the first the last's), so a kept melody's notes ran past the new
    sections' ends and generation stopped with an error."""
    plan = (Section("verse", 3), Section("chorus", 1), Section("verse", 2))
    g = Grammar(key=Key(0), meter=(4, 4), tempo=90, plan=plan, style="pop")
    lengths = []
    while not g.done:
        mask = g.allowed()
        token = int(np.flatnonzero(mask)[0]) if not mask[VOCAB.BAR] else VOCAB.BAR
        name = VOCAB.tokens[token]
        if name.startswith("BARS_"):
            assert mask.sum() == 1
            lengths.append(int(name[5:]))
        g.feed(token)
    assert lengths == [3, 1, 2] and tuple(g.sections) == plan


def _hook_idea() -> Idea:
    """Four bars: bar 2 brings bar 0's motif back a step higher, bar 3 only its rhythm."""
    motif = [(0, 0), (12, 2), (24, 4), (36, 0)]  # (position, semitones above the first note)
    melody = []
    for bar, (first, steps) in enumerate([(60, None), (67, "long"), (62, None), (72, "other")]):
        if steps == "long":
            melody.append(Note(first, bar * 48, 48, 79))
            continue
        for i, (pos, up) in enumerate(motif):
            pitch = first + (up if steps is None else (0, 5, -3, 1)[i])
            melody.append(Note(pitch, bar * 48 + pos, 12, 79))
    chords = tuple(Chord(0, "", b * 48, 48, (48, 52, 55)) for b in range(4))
    return Idea(Key(0, "major"), 100, (4, 4), (Section("verse", 4),), chords, tuple(melody))


def test_bars_that_repeat_are_marked_and_decode_unchanged():
    idea = _hook_idea()
    tokens = encode(idea)
    names = token_names(tokens)
    bars = [i for i, n in enumerate(names) if n == "BAR"]
    assert [names[i + 1] for i in bars] == ["POS_0", "POS_0", "REP_motif_2", "REP_rhythm_1"]
    assert decode(tokens) == idea
    assert token_names(encode(idea, style="chorale"))[1] == "STYLE_chorale"


def test_repetition_shares_follow_their_definitions():
    rhythm, contour = repetition(_hook_idea())
    # bars 2 and 3 repeat bar 0's onsets; only bar 2 repeats its intervals (bar 1 is one note)
    assert (rhythm, contour) == (2 / 3, 1 / 3)


def test_a_marker_may_only_point_back_into_the_idea():
    grammar = Grammar()
    for token in encode(_hook_idea())[:8]:  # up to the first BAR
        grammar.feed(token)
    assert not grammar.allowed()[VOCAB.ranges["REP"][0] : VOCAB.ranges["REP"][1]].any()
    with pytest.raises(ValueError):
        grammar.feed(VOCAB.rep("motif", 1))


def test_fill_in_the_middle_puts_the_span_last_and_round_trips():
    rng = random.Random(3)
    checked = 0
    for _ in range(300):
        idea = random_idea(rng)
        if idea.bars < 2:
            continue
        n = rng.randint(1, idea.bars - 1)
        first = rng.randrange(idea.bars - n + 1)
        tokens = encode_infill(idea, "pop", first, n)
        names = token_names(tokens)
        assert names[:2] == ["BOS", "STYLE_pop"] and names.count("HOLE") == n
        cut = names.index("FILL")
        assert names[cut - 1] == "EOS" and names[-1] == "EOS"
        assert names[cut + 1 :].count("BAR") == n  # the left-out bars, written last
        assert names[cut + 1] == "BAR"
        assert names[:cut].count("BAR") == idea.bars - n
        assert decode(from_infill(tokens)) == idea
        checked += 1
    assert checked > 200
    plain = encode(random_idea(random.Random(4)))
    assert from_infill(plain) == plain  # no FILL: already left to right


def test_fill_in_the_middle_refuses_spans_it_cannot_fill():
    idea = random_idea(random.Random(5), max_bars=3)
    for first, n in ((0, idea.bars), (-1, 1), (idea.bars, 1), (0, 0)):
        with pytest.raises(ValueError):
            encode_infill(idea, "song", first, n)
    tokens = encode_infill(idea, "song", 0, 1) if idea.bars > 1 else None
    if tokens is not None:
        broken = tokens[:-1] + [VOCAB.BAR, VOCAB.EOS]  # one bar more filled than left out
        with pytest.raises(ValueError, match="left out"):
            from_infill(broken)
