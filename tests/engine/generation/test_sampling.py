"""The LSTM engine with real (small) Keras models: training, fine-tuning, cancel, the NumPy
step, batched constrained generation, partial regeneration, primers, distribution."""

import numpy as np

from songsketch.engine.tokens.vocab import VOCAB


def test_nucleus_sampling_keeps_only_the_top_mass():
    from songsketch.engine.generation.sampling import sample

    probs = np.array([[0.5, 0.3, 0.15, 0.05, 0.0]] * 4000)
    draws = sample(probs, np.random.default_rng(1), top_p=0.8)
    counts = np.bincount(draws, minlength=5) / len(draws)
    assert counts[2] == counts[3] == counts[4] == 0  # 0.5 + 0.3 reach 0.8
    assert abs(counts[0] - 0.625) < 0.03  # renormalised 0.5 / 0.8
    full = np.bincount(sample(probs, np.random.default_rng(2), top_p=1.0), minlength=5) / 4000
    assert full[4] == 0 and abs(full[3] - 0.05) < 0.015


def test_single_row_draw_follows_the_same_rules():
    """The plain-Python draw used when one row has a choice agrees with the batched draw:
    temperature, masks, nucleus, and the closing tokens' mass moved to the allowed one."""
    from songsketch.engine.generation.sampling import CLOSING_TOKENS, draw_one, draw_rows

    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05, 0.4], np.float32))
    allowed = np.array([True, True, True, True, False])  # the last column is masked
    cols = np.arange(5) + 100  # no closing tokens among them
    rng = np.random.default_rng(5)
    draws = [draw_one(logits, allowed, False, cols, rng, 0.8, 1.0) for _ in range(4000)]
    counts = np.bincount(draws, minlength=5) / len(draws)
    assert counts[2] == counts[3] == counts[4] == 0
    assert abs(counts[0] - 0.625) < 0.03
    cold = [draw_one(logits, allowed, False, cols, rng, 1.0, 0.05) for _ in range(200)]
    assert set(cold) == {0}  # a low temperature takes the top

    # closing tokens: all their mass goes to the one allowed (BAR), the others are masked
    cols = np.union1d(CLOSING_TOKENS, [100, 101, 102])
    z = np.random.default_rng(0).normal(size=len(cols)).astype(np.float32)
    ok = np.isin(cols, [100, 101, 102, VOCAB.BAR])
    one = [draw_one(z, ok, True, cols, rng, 0.95, 0.9) for _ in range(6000)]
    rows = draw_rows(np.tile(z, (6000, 1)), np.tile(ok, (6000, 1)), True, cols, rng, 0.95, 0.9)
    f_one = np.bincount(one, minlength=len(cols)) / 6000
    f_rows = np.bincount(rows, minlength=len(cols)) / 6000
    assert f_one[~ok].sum() == f_rows[~ok].sum() == 0
    assert np.abs(f_one - f_rows).max() < 0.03
    # without the nucleus, BAR's share is exactly all closing mass over all allowed mass
    bar = int(np.flatnonzero(cols == VOCAB.BAR)[0])
    full = draw_rows(np.tile(z, (6000, 1)), np.tile(ok, (6000, 1)), True, cols, rng, 1.0, 0.9)
    p = np.exp(z.astype(np.float64) / 0.9)
    closing_mass = p[np.isin(cols, CLOSING_TOKENS)].sum()
    expected = closing_mass / (closing_mass + p[np.isin(cols, [100, 101, 102])].sum())
    assert abs(np.mean(full == bar) - expected) < 0.025
