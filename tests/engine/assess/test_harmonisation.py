"""The harmonisation measures (Yeh et al. 2021) on ideas worked out by hand, and the HMM
baseline harmoniser counted from real chorales."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from songsketch.engine.assess import harmonisation as hm
from songsketch.engine.assess.hmm_harmoniser import HmmHarmoniser
from songsketch.engine.music.chords import default_voicing
from songsketch.engine.music.idea import Chord, Idea, Key, Note, Section

Q = 12  # ticks per quarter


def idea(chords, notes, bars=1) -> Idea:
    """An idea of ``bars`` 4/4 bars: chords (root, quality, onset, beats), notes (pitch, onset, beats)."""
    return Idea(
        Key(0, "major"),
        100,
        (4, 4),
        (Section("verse", bars),),
        tuple(Chord(r, q, o * Q, b * Q, default_voicing(r, q)) for r, q, o, b in chords),
        tuple(Note(p, o * Q, b * Q, 80) for p, o, b in notes),
    )


def test_chord_tones_only_score_full_marks():
    c_major = idea([(0, "", 0, 4)], [(60, 0, 1), (64, 1, 1), (67, 2, 1), (72, 3, 1)])
    assert hm.ctnctr(c_major) == 1.0
    # C over C E G: unison +1, a 6th below E +1, a 4th above G 0; E and G consonant with all three
    assert hm.pcs(c_major) == pytest.approx((2 + 3 + 3 + 2) / 12)
    assert hm.che(c_major) == 0.0 and hm.cc(c_major) == 1 and hm.changes_per_4_beats(c_major) == 0.0


def test_a_passing_note_is_proper_and_a_clash_is_not():
    # over C: E F G, the F passing to G; then E F# F# G, the first F# going to no chord tone
    passing = idea([(0, "", 0, 4)], [(64, 0, 1), (65, 1, 1), (67, 2, 2)])
    assert hm.ctnctr(passing) == 1.0  # (2 chord tones + 1 proper) / (2 + 1)
    clash = idea([(0, "", 0, 4)], [(64, 0, 1), (66, 1, 1), (66, 2, 1), (67, 3, 1)])
    assert hm.ctnctr(clash) == pytest.approx((2 + 1) / (2 + 2))  # only the second F# is proper
    # per 16th over C E G: E scores 1 + 1 + 1, G 1 + 1 + 1, F 0 - 1 - 1, F# -1 - 1 - 1 (of 3 pairs)
    assert hm.pcs(passing) == pytest.approx((4 * 3 - 4 * 2 + 8 * 3) / 48)
    assert hm.pcs(clash) == pytest.approx((4 * 3 - 8 * 3 + 4 * 3) / 48)


def test_chord_counts_changes_and_agreement_with_a_reference():
    song = idea([(0, "", 0, 2), (7, "", 2, 2), (9, "m", 4, 4)], [(67, 0, 8)], bars=2)
    assert hm.cc(song) == 3 and hm.changes_per_4_beats(song) == pytest.approx(4 * 2 / 8)
    assert hm.che(song) == pytest.approx(-(0.25 * math.log(0.25) * 2 + 0.5 * math.log(0.5)))
    other = idea([(0, "", 0, 2), (4, "m", 2, 2), (9, "", 4, 4)], [(67, 0, 8)], bars=2)
    root, third = hm.agreement(other, song)
    assert root == pytest.approx(6 / 8) and third == pytest.approx(2 / 8)
    rows = hm.harmonisation_rows([other], [song])
    assert rows["chord root as the song's, per beat"] == pytest.approx(0.75)


def test_the_hmm_counted_from_chorales_harmonises_a_held_back_chorale(chorale_songs):
    ideas = [i for s in chorale_songs for i in s.ideas]
    hmm = HmmHarmoniser().fit(ideas[2:])
    for source in ideas[:2]:
        out = hmm.harmonise(replace(source, chords=()))
        out.validate()
        assert out.melody == source.melody and out.chords
        assert all(c.onset % Q == 0 for c in out.chords)  # a chord a beat at most
        root, _third = hm.agreement(out, source)
        assert root > 0.3  # Bach's own root on a third of beats or more (chance: 1 in 12)
        assert hm.ctnctr(out) > 0.8


def test_the_hmm_learns_what_it_is_shown():
    """Counted from songs where C holds E G and G holds D B, it puts those chords under them."""
    tune = [(64, 0, 2), (67, 2, 2), (62, 4, 2), (71, 6, 2)]
    songs = [idea([(0, "", 0, 4), (7, "", 4, 4)], tune, bars=2)] * 5
    out = HmmHarmoniser().fit(songs).harmonise(replace(songs[0], chords=()))
    assert [(c.root, c.quality, c.onset, c.duration) for c in out.chords] == [(0, "", 0, 48), (7, "", 48, 48)]
