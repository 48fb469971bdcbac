"""The room around the built-in synth: a true convolution however the stream is cut, a tail
that dies away (highs sooner than lows), two ears that hear it differently."""

import numpy as np
import pytest

from songsketch.engine.playback import reverb as rv

RATE = 44100
SMALL = rv.Room("small", rt60=0.05, predelay=0.002, wet=0.5)


def test_blocks_of_any_size_give_the_convolution_of_the_whole():
    rng = np.random.default_rng(1)
    dry = rng.standard_normal((9000, 2)).astype(np.float32) * 0.1
    ir = rv.impulse_response(SMALL, RATE).astype(np.float64)
    expected = np.stack(
        [dry[:, c] + SMALL.wet * np.convolve(dry[:, c], ir[:, c])[: len(dry)] for c in range(2)], axis=1
    )
    reverb = rv.Reverb(SMALL, RATE)
    cuts = [0, 1, 500, 512, 4097, 8000, 9000]
    out = np.concatenate([reverb.process(dry[a:b]) for a, b in zip(cuts, cuts[1:])])
    np.testing.assert_allclose(out, expected, atol=1e-5)
    # and the ring after the last block is what the convolution has left
    ring = reverb.process(np.zeros((reverb.tail, 2), np.float32))
    full = np.stack([np.convolve(dry[:, c], ir[:, c]) for c in range(2)], axis=1)[len(dry) :]
    np.testing.assert_allclose(ring, SMALL.wet * full, atol=1e-5)


def test_a_click_in_the_room_rings_and_dies_away_highs_first():
    room = rv.ROOMS["studio"]
    click = np.zeros((RATE // 10, 2), np.float32)
    click[0] = 1.0
    out = rv.with_room(click, rv.Reverb(room, RATE))
    wet = out[1:]  # the click itself is the direct sound
    assert len(out) == len(click) + rv.Reverb(room, RATE).tail
    assert np.abs(wet[: int(room.predelay * RATE) - 1]).max() < 1e-6  # nothing before the walls answer

    def level(a, b):
        part = wet[int(a * RATE) : int(b * RATE)]
        return 10 * np.log10(np.mean(part.astype(np.float64) ** 2) + 1e-30)

    levels = [level(t, t + 0.1) for t in np.arange(0.05, 1.05, 0.1)]
    assert all(b < a for a, b in zip(levels, levels[1:]))  # always falling
    assert levels[0] - level(room.rt60 - 0.05, room.rt60 + 0.05) > 40  # tens of dB over its RT60

    def brightness(a, b):
        part = wet[int(a * RATE) : int(b * RATE), 0]
        spectrum = np.abs(np.fft.rfft(part)) ** 2
        freqs = np.fft.rfftfreq(len(part), 1 / RATE)
        return (spectrum * freqs).sum() / spectrum.sum()

    assert brightness(0.6, 0.8) < 0.7 * brightness(0.02, 0.2)  # the highs are absorbed sooner
    left, right = wet[:, 0], wet[:, 1]
    assert abs(np.corrcoef(left, right)[0, 1]) < 0.2  # each ear its own reflections


def test_rooms_by_name():
    assert rv.Reverb.named("dry", RATE) is None
    assert rv.Reverb.named("hall", RATE).tail > rv.Reverb.named("studio", RATE).tail
    with pytest.raises(ValueError, match="no room called 'cave'"):
        rv.Reverb.named("cave", RATE)
    audio = np.ones((10, 2), np.float32)
    assert rv.with_room(audio, None) is audio
