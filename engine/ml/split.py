"""The validation split: songs held out by tune, so nothing of a held-out tune is trained on."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..assess.originality import OriginalityIndex
from .reports import TrainingError

if TYPE_CHECKING:
    from ..data.corpus import Song

SAME_TUNE_NOTES = 16  # songs sharing a melody run this long are versions of one tune


def tune_groups(songs: Sequence[Song]) -> list[list[Song]]:
    """Songs grouped by tune: two files sharing a run of 16+ melody notes (transposition-
    invariant, rhythm included) are versions of one tune (a chorale set twice, a song
    exported twice)."""
    index = OriginalityIndex.build(songs)
    owner = [i for i, song in enumerate(songs) for _ in song.ideas]  # index entry -> song
    parent = list(range(len(songs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, song in enumerate(songs):
        for idea in song.ideas:
            for entry in index.songs_sharing(idea, SAME_TUNE_NOTES):
                a, b = find(i), find(owner[entry])
                if a != b:
                    parent[b] = a
    groups: dict[int, list[Song]] = {}
    for i, song in enumerate(songs):
        groups.setdefault(find(i), []).append(song)
    return list(groups.values())


def split_songs(songs: Sequence[Song], val_fraction: float, seed: int) -> tuple[list[Song], list[Song]]:
    """(train, validation) by song, and by tune: versions of one tune (see ``tune_groups``)
    stay together, so nothing of a held-out tune is trained on."""
    songs = sorted(songs, key=lambda s: s.path)
    if len(songs) < 2:
        raise TrainingError("need at least 2 usable songs (one is held out for validation)")
    order = tune_groups(songs)
    random.Random(seed).shuffle(order)
    if len(order) < 2:  # every file is one tune: split the files after all
        order = [[s] for s in songs]
        random.Random(seed).shuffle(order)
    target = max(1, int(round(len(songs) * val_fraction)))
    val: list[Song] = []
    for group in order:
        if len(val) + len(group) <= target:
            val.extend(group)
    if not val:  # every tune is bigger than the target: hold out the smallest one
        smallest = min(order, key=len)
        val = list(smallest) if len(smallest) < len(songs) else list(smallest[:1])
    held = {s.path for s in val}
    return [s for s in songs if s.path not in held], [s for s in songs if s.path in held]
