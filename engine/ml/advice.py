"""What to expect from training on a folder, and whether the model trained beat its base.

A folder of two songs fine-tunes in seconds, and what it teaches is mostly to repeat those
songs; a model that ends no better than its base on the folder's own held-out songs is kept
but should not replace the model in use. Both front ends (the retrain dialog, ``songsketch
train``) say the same words, made here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..music.idea import TICKS_PER_BEAT

if TYPE_CHECKING:
    from ..data.corpus import Song
    from .card import ModelCard

# Below either, a folder mostly teaches the model to repeat its songs (a rule of thumb: a
# verse+chorus piece is about 16 bars, and the model sees each piece once an epoch).
FEW_SONGS = 20
FEW_BARS = 400


@dataclass(frozen=True)
class MusicAmount:
    """How much music a folder holds: songs, bars and minutes (at the songs' own tempos)."""

    songs: int
    bars: int
    minutes: float

    @property
    def is_little(self) -> bool:
        """Too little to learn a style from (under FEW_SONGS songs or FEW_BARS bars)."""
        return self.songs < FEW_SONGS or self.bars < FEW_BARS

    def describe(self) -> str:
        """E.g. '2 songs, 16 bars, under a minute of music'."""
        time = "under a minute" if self.minutes < 1 else f"about {_count(round(self.minutes), 'minute')}"
        return f"{_count(self.songs, 'song')}, {_count(self.bars, 'bar')}, {time} of music"

    def expectation(self) -> str:
        """A plain warning for a small folder, else what training will do ('' when none)."""
        if not self.is_little:
            return ""
        return (
            "That is little to learn from: a few songs mostly teach the model to repeat them. "
            f"For ideas in your style, use {FEW_SONGS} songs or more (about {FEW_BARS} bars)."
        )


def music_amount(songs: Sequence[Song]) -> MusicAmount:
    """The amount of music in the usable songs of a folder."""
    bars = sum(song.bars for song in songs)
    seconds = sum(
        idea.total_ticks / TICKS_PER_BEAT * 60.0 / idea.tempo for song in songs for idea in song.ideas
    )
    return MusicAmount(len(songs), bars, seconds / 60.0)


def beats_base(card: ModelCard) -> bool:
    """Whether a trained model should replace the one in use: a fine-tune must end better
    (a lower validation loss) than its base did on the same held-out songs: when no epoch
    beat the base, training kept the base's weights and the two losses are equal. A model
    trained from scratch has no base to beat."""
    if card.base_validation_loss is None or card.validation_loss is None:
        return True
    return card.validation_loss < card.base_validation_loss


def outcome_words(card: ModelCard) -> str:
    """How the trained model compares with its base on the folder's held-out songs, in words
    ('' for a model trained from scratch); each front end adds what it does about it."""
    if card.base_validation_loss is None or card.validation_loss is None:
        return ""
    if beats_base(card):
        return "On the songs set aside to check it, it does better than the model it started from."
    return (
        "On the songs set aside to check it, it does no better than the model it started from "
        "(training kept what that model knew)."
    )


def style_words(card: ModelCard) -> str:
    """Which of its styles a fine-tune learnt the folder as, where it chose one (the style its
    base already heard the songs best in, ``folder_style``): the ideas in the folder's manner
    come in that style ('' where the songs kept their own)."""
    style = card.data.get("taught_as_style")
    if not style:
        return ""
    return (
        f"It learnt your songs as its {style.capitalize()} style (the one the model it started "
        f"from already heard them best in): ideas in their manner come in {style.capitalize()}."
    )


STILL_IMPROVING = 0.005  # the last pass beat the best before it by this share of its loss


def still_improving(card: ModelCard) -> bool:
    """Whether training stopped at its last allowed pass while still clearly getting better:
    its best pass was the last and beat the best before it by more than ``STILL_IMPROVING``
    (a last pass a hair better than a levelled-off run's says nothing); training on from it
    would go further."""
    epochs = card.settings.get("epochs")
    if not card.epochs_run or not card.best_epoch == card.epochs_run == epochs:
        return False
    losses = {h.get("epoch"): h.get("val_loss") for h in card.history}
    last = losses.get(card.epochs_run)
    before = [v for e, v in losses.items() if e is not None and e < card.epochs_run and v is not None]
    if last is None or not before:
        return True
    return min(before) - last > STILL_IMPROVING * min(before)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


__all__ = [
    "FEW_BARS",
    "FEW_SONGS",
    "MusicAmount",
    "beats_base",
    "music_amount",
    "outcome_words",
    "still_improving",
    "style_words",
]
