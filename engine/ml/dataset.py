"""The batches a model trains on: token arrays padded into batches of similar lengths, and a
training run's songs as validation batches (made once) and training batches (drawn afresh
each epoch)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .pieces import encode_pieces
from .reports import TrainingError
from .settings import TrainSettings
from .split import split_songs

if TYPE_CHECKING:
    from ..data.corpus import Song

Batch = tuple[np.ndarray, np.ndarray]  # (inputs, targets), int32, rows x length, 0 = padding

LENGTH_STEP = 32  # a batch's length is a multiple of this unless ``lengths`` are given


def make_batches(
    seqs: list[np.ndarray],
    batch_size: int,
    rng: random.Random | None,
    max_tokens: int | None = None,
    replicas: int = 1,
    lengths: Sequence[int] | None = None,
    full_rows: bool = False,
) -> list[Batch]:
    """Padded (inputs, targets) batches of sequences of similar length (less padding), in
    random order with ``rng``, until ``max_tokens`` tokens.

    With several replicas every batch holds a multiple of ``replicas`` rows (a short last
    batch gives up its remainder), so each device gets a share. ``lengths``: the lengths a
    batch may be padded to (ascending; the first that fits): few shapes, each compiled once
    (JAX, XLA); ``full_rows``: every batch has ``batch_size`` rows, a short one padded with
    empty rows (one shape per length)."""
    order = sorted(range(len(seqs)), key=lambda i: (len(seqs[i]), rng.random() if rng else 0))
    groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if replicas > 1:
        # training drops a remainder; too few rows (or validation) repeat rows instead
        groups = [
            g[: len(g) - len(g) % replicas]
            if (rng is not None and len(g) >= replicas)
            else (g * replicas)[: len(g) + (-len(g)) % replicas]
            for g in groups
        ]
    if rng is not None:
        rng.shuffle(groups)
    batches, total = [], 0
    for group in groups:
        need = max(len(seqs[i]) for i in group) - 1
        if lengths is None:
            length = int(math.ceil(need / LENGTH_STEP) * LENGTH_STEP)
        else:
            length = next(n for n in lengths if n >= need)
        rows = batch_size if full_rows else len(group)
        x = np.zeros((rows, length), np.int32)
        y = np.zeros((rows, length), np.int32)
        for row, i in enumerate(group):
            s = seqs[i]
            x[row, : len(s) - 1] = s[:-1]
            y[row, : len(s) - 1] = s[1:]
        batches.append((x, y))
        total += int((x > 0).sum())
        if max_tokens is not None and total >= max_tokens:
            break
    return batches


def restyled(songs: Sequence[Song], style: str) -> list[Song]:
    """The songs with ``style`` as their style."""
    return [s if s.style == style else replace(s, style=style) for s in songs]


def count_tokens(batches: Sequence[Batch]) -> int:
    """The tokens (not padding) the batches train on."""
    return int(sum((x > 0).sum() for x, _ in batches))


@dataclass(frozen=True)
class RunData:
    """A training run's songs, split by tune (``split_songs``), as batches."""

    train_songs: list[Song]
    val_songs: list[Song]
    val_batches: list[Batch]
    settings: TrainSettings
    replicas: int  # devices that share each batch

    @classmethod
    def split(cls, songs: Sequence[Song], settings: TrainSettings, replicas: int = 1) -> RunData:
        """The songs split and the validation batches made. Raises TrainingError when the
        songs give nothing to train on."""
        train_songs, val_songs = split_songs(songs, settings.val_fraction, settings.seed)
        val_seqs = encode_pieces(val_songs, None, settings.keys)
        if not val_seqs or not encode_pieces(train_songs[:1] or train_songs, None, settings.keys):
            raise TrainingError("the songs give no training material")
        val_batches = make_batches(val_seqs, settings.batch_size, None, replicas=replicas)
        return cls(train_songs, val_songs, val_batches, settings, replicas)

    def restyled(self, style: str) -> RunData:
        """The same split with every song taught as ``style`` (validation batches remade)."""
        train, val = restyled(self.train_songs, style), restyled(self.val_songs, style)
        seqs = encode_pieces(val, None, self.settings.keys)
        batches = make_batches(seqs, self.settings.batch_size, None, replicas=self.replicas)
        return RunData(train, val, batches, self.settings, self.replicas)

    def train_batches(self, rng: random.Random) -> list[Batch]:
        """One epoch's batches: every training piece prepared afresh (a new transposition and
        tempo, a new share given as fill-in-the-middle), in a new order."""
        s = self.settings
        seqs = encode_pieces(self.train_songs, rng, s.keys, s.infill_share)
        return make_batches(seqs, s.batch_size, rng, s.max_train_tokens, self.replicas)
