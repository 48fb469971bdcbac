"""The LSTM engine with real (small) Keras models: training, fine-tuning, cancel, the NumPy
step, batched constrained generation, partial regeneration, primers, distribution."""

import numpy as np

from songsketch.engine.music.idea import Key, Section
from songsketch.engine.tokens.grammar import State
from songsketch.engine.tokens.vocab import VOCAB


def test_a_chord_being_voiced_counts_for_its_bar():
    """Right after the bar's first chord is voiced, the bar may close (a chord for the
    whole bar) and, with a grid, a melody note may start off the grid."""
    from songsketch.engine.generation.constraints import ConstrainedGrammar, constraints_for

    plan = (Section("verse", 2), Section("chorus", 2))
    for rhythm in (None, "bar"):
        g = ConstrainedGrammar(
            key=Key(0),
            meter=(4, 4),
            tempo=100,
            plan=plan,
            constraints=constraints_for(harmonic_rhythm=rhythm),
        )
        while g.state is not State.IN_BAR:
            g.feed(int(np.flatnonzero(g.allowed())[0]))
        for token in (VOCAB.pos(0), VOCAB.chord(0, ""), VOCAB.bass(48), VOCAB.up(4)):
            g.feed(token)
        allowed = g.allowed()
        assert g.state is State.VOICING and allowed[VOCAB.BAR]
        assert allowed[VOCAB.pos(6)]  # a note off the grid
        assert g.choices()[0][VOCAB.BAR]  # and the memo agrees


def test_memoised_masks_match_the_grammar_everywhere():
    """Rows share one mask cache; every memoised mask must equal the freshly computed one,
    over whole ideas drawn at random from what the grammar allows (no model needed)."""
    from songsketch.engine.generation.constraints import ConstrainedGrammar, constraints_for

    rng = np.random.default_rng(0)
    plan = (Section("verse", 3), Section("chorus", 3))
    checked = 0
    for meter, shift, rhythm, register, complete in (
        ((4, 4), 0, None, True, False),
        ((3, 4), 5, None, True, True),
        ((6, 8), -4, "half", True, True),
        ((4, 4), 0, "beat", False, False),
    ):
        cache: dict = {}
        rows = [
            ConstrainedGrammar(
                key=Key(0),
                meter=meter,
                tempo=100,
                plan=plan,
                cache=cache,
                constraints=constraints_for(
                    shift=shift, harmonic_rhythm=rhythm, keep_register=register, complete_voicings=complete
                ),
            )
            for _ in range(24)
        ]
        while not all(g.done for g in rows):
            for g in rows:
                if g.done:
                    continue
                mask, forced, _, _ = g.choices()
                fresh = g.allowed()
                assert np.array_equal(mask, fresh), (g.state, g.pos)
                allowed = np.flatnonzero(fresh)
                assert forced == (allowed[0] if len(allowed) == 1 else -1)
                # lean towards closing bars so ideas finish; otherwise uniform
                closing = [t for t in g.end_of_bar_tokens() if fresh[t]]
                token = closing[0] if closing and rng.random() < 0.15 else rng.choice(allowed)
                g.feed(int(token))
                checked += 1
        for g in rows:
            g.idea().validate()
        assert 0 < len(cache) < checked  # shared and hit, even by random rows
    assert checked > 1000
