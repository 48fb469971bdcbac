"""The beat of a sung melody from its onsets: a 16th-note ballad with a run of triplets,
where the middle gap read as an 8th (a keyboard phrase's reading) puts the beat at 2/3 of
the song's, off the grid the beat tracker can reach. (A melody mostly of triplets is still
heard in a duple beat: the reading leans to 8ths and 16ths.)"""

import numpy as np

from songsketch.engine.audio.tempo import sung_beat
from songsketch.engine.playback.recorder import played_beat

BEAT = 0.95  # seconds: a 63 bpm ballad


def onsets(rhythm, beat=BEAT, seed=0):
    rng = np.random.default_rng(seed)
    starts = np.concatenate([[0.0], np.cumsum(rhythm)[:-1]]) * beat
    return list(starts + rng.normal(0, 0.01, len(starts)))


def on_the_beat(found: float) -> bool:
    """Within 8% of the beat, or of half or double it (the same grid)."""
    return min(abs(np.log(found / (BEAT * f))) for f in (0.5, 1, 2)) < 0.08


def test_a_ballad_with_triplets_is_heard_on_its_beat():
    rhythm = [0.5, 0.25, 0.25] * 2 + [1 / 3] * 9 + [0.25] * 4 + [0.5, 0.5, 1, 2]
    found = onsets(rhythm)
    assert not on_the_beat(played_beat(found))  # the keyboard reading: 2/3 of a beat
    assert on_the_beat(sung_beat(found))


def test_plain_eighths_and_quarters_keep_their_tempo():
    rhythm = [0.5, 0.5, 1, 0.5, 0.5, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 2]
    assert on_the_beat(sung_beat(onsets(rhythm, seed=1)))
    assert sung_beat([0.0, 0.5, 1.0]) is None
