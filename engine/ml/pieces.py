"""Training pieces: songs cut into pieces the shape of an idea, prepared as the model sees them
(key-normalised or transposed, tempo jittered) and encoded as token arrays."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..formats.analysis import cut_at_section_ends
from ..music.idea import TEMPO_RANGE, Idea, Section, home_key, move_to_key
from ..tokens.encoding import encode, encode_infill
from .card import NEW_MODEL_KEYS

if TYPE_CHECKING:
    from ..data.corpus import Song

PIECE_SECTION_BARS = 16  # long sections are cut into pieces of at most this many bars


def excerpt(idea: Idea, first_bar: int, sections: Sequence[Section]) -> Idea:
    """Bars ``first_bar``.. of an idea as an idea of its own with the given sections; notes
    are cut at the end of the section they start in."""
    bar = idea.bar_ticks
    n_bars = sum(s.bars for s in sections)
    lo, hi = first_bar * bar, (first_bar + n_bars) * bar
    chords = tuple(replace(c, onset=c.onset - lo) for c in idea.chords if lo <= c.onset < hi)
    inside = [replace(n, onset=n.onset - lo) for n in idea.melody if lo <= n.onset < hi]
    notes = cut_at_section_ends(inside, sections, bar)
    return Idea(idea.key, idea.tempo, idea.meter, tuple(sections), chords, notes, idea.name)


def pieces(idea: Idea) -> list[Idea]:
    """Training pieces of a song: its sections cut to at most 16 bars, then every pair of
    neighbouring sections (the shape of a generated idea); a one-section song is one piece."""
    cut: list[tuple[int, Section]] = []
    bar0 = 0
    for s in idea.sections:
        n = math.ceil(s.bars / PIECE_SECTION_BARS)
        sizes = [s.bars // n + (1 if i < s.bars % n else 0) for i in range(n)]
        for size in sizes:
            cut.append((bar0, Section(s.name, size)))
            bar0 += size
    if len(cut) == 1:
        return [excerpt(idea, cut[0][0], [cut[0][1]])]
    return [excerpt(idea, cut[i][0], [cut[i][1], cut[i + 1][1]]) for i in range(len(cut) - 1)]


def prepare(piece: Idea, keys: str, rng: random.Random | None) -> Idea:
    """A piece as the model sees it: key-normalised or randomly transposed, tempo jittered
    (with ``rng``; validation pieces get no randomness)."""
    if keys == "normalise":
        try:
            piece = move_to_key(piece, home_key(piece.key.mode))
        except ValueError:
            pass
    elif keys == "augment" and rng is not None:
        shifts = list(range(-6, 6))
        rng.shuffle(shifts)
        for shift in shifts:
            moved = piece.transposed(shift)
            if moved.fits_ranges():
                piece = moved
                break
    if rng is not None:
        factor = math.exp(rng.uniform(math.log(0.8), math.log(1.25)))
        tempo = int(round(min(max(piece.tempo * factor, TEMPO_RANGE[0]), TEMPO_RANGE[1])))
        piece = replace(piece, tempo=tempo)
    return piece


INFILL_SPANS = (1, 2, 2, 3, 4, 4, 6, 8)  # bars left out for fill-in-the-middle, drawn evenly


def infill_span(bars: int, rng: random.Random) -> tuple[int, int] | None:
    """(first bar, bars) of a span to leave out of a piece of ``bars`` bars, never all of it."""
    if bars < 2:
        return None
    n = min(rng.choice(INFILL_SPANS), bars - 1)
    return rng.randrange(bars - n + 1), n


def encode_pieces(
    songs: Sequence[Song], rng: random.Random | None, keys: str = NEW_MODEL_KEYS, infill_share: float = 0.0
) -> list[np.ndarray]:
    """Token arrays of every piece of every song, prepared as for training; with ``rng``, a
    share ``infill_share`` of the pieces is given a second time as fill-in-the-middle (a
    random span left out and written after the rest, ``encode_infill``)."""
    out = []
    for song in songs:
        for idea in song.ideas:
            for piece in pieces(idea):
                piece = prepare(piece, keys, rng)
                try:
                    out.append(np.asarray(encode(piece, song.style), dtype=np.int32))
                except ValueError:
                    continue
                if rng is not None and infill_share and rng.random() < infill_share:
                    span = infill_span(piece.bars, rng)
                    if span is not None:
                        out.append(np.asarray(encode_infill(piece, song.style, *span), dtype=np.int32))
    return out
