"""What a folder holds and what to expect from it; whether a trained model beat its base."""

from dataclasses import replace

from songsketch.engine.data.corpus import load_folder
from songsketch.engine.ml.advice import (
    FEW_SONGS,
    beats_base,
    music_amount,
    outcome_words,
    still_improving,
    style_words,
)
from songsketch.engine.ml.card import ModelCard
from tests.helpers import song_folder


def test_a_two_song_folder_is_measured_and_called_little(tmp_path):
    corpus = load_folder(song_folder(tmp_path / "songs"), None)
    amount = music_amount(corpus.songs)
    assert (amount.songs, amount.bars) == (2, 16)  # two songs of eight 4/4 bars
    assert 0 < amount.minutes < 1
    assert amount.describe() == "2 songs, 16 bars, under a minute of music"
    assert amount.is_little and "mostly teach the model to repeat them" in amount.expectation()


def test_a_folder_of_many_songs_gets_no_warning(chorale_songs):
    twice = music_amount(chorale_songs * 2)  # 20 songs or more, but short ones
    assert twice.songs >= FEW_SONGS and twice.bars < 400 and twice.is_little
    amount = music_amount(chorale_songs * 3)
    assert amount.songs >= FEW_SONGS and amount.bars >= 400
    assert not amount.is_little and amount.expectation() == ""
    assert amount.describe().endswith("minutes of music")


def test_a_fine_tune_must_beat_its_base_to_be_selected():
    better = ModelCard(base_validation_loss=2.0, validation_loss=1.9)
    same = ModelCard(base_validation_loss=2.0, validation_loss=2.0)  # the base's weights kept
    scratch = ModelCard(validation_loss=1.5)
    assert beats_base(better) and beats_base(scratch) and not beats_base(same)
    assert "does better" in outcome_words(better) and "no better" in outcome_words(same)
    assert outcome_words(scratch) == ""


def test_a_fine_tune_says_the_style_it_learnt_a_folder_as_and_whether_it_was_still_improving():
    """A trial's fine-tune of four pop files ended at its 8th and last pass, its best, and
    never said so, nor that its ideas come in Pop (the style its base heard the songs best in)."""
    history = tuple(
        {"epoch": e, "val_loss": v} for e, v in enumerate((4.07, 3.6, 3.4, 3.3, 3.25, 3.2, 3.19, 3.18, 3.16))
    )
    taught = ModelCard(
        data={"taught_as_style": "pop"}, settings={"epochs": 8}, epochs_run=8, best_epoch=8, history=history
    )
    assert style_words(taught).startswith("It learnt your songs as its Pop style")
    assert still_improving(taught)
    assert style_words(ModelCard()) == ""  # songs that kept their own styles
    assert not still_improving(replace(taught, best_epoch=6))  # levelled off before the end
    assert not still_improving(replace(taught, epochs_run=5, best_epoch=5))  # stopped early (patience)
    flat = history[:8] + ({"epoch": 8, "val_loss": 3.179},)  # a hair better than the 7th: levelled off
    assert not still_improving(replace(taught, history=flat))
