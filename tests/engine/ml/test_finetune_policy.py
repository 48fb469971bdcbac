"""A fine-tune's policy, owned by the engine: its epochs, patience, rate and warm-up, and the
style it teaches a folder as (issue 21 item 4: 30 pop songs fine-tuned in under 3 minutes)."""

import shutil
from dataclasses import replace

import pytest

from songsketch.engine.ml.schedule import FINE_TUNE_RUN, SCRATCH_RATE, SCRATCH_RUN, for_run, peak_rate
from songsketch.engine.ml.settings import FINE_TUNE_SHARE
from songsketch.engine.ml.store import read_card, read_pointer, write_card
from songsketch.engine.ml.training import TrainSettings, train


def test_the_engine_picks_epochs_and_patience_by_the_kind_of_run():
    """A new model keeps its 30 epochs and patience 3; a fine-tune stops sooner; numbers
    given (the CLI's --epochs/--patience, tests) are used as given."""
    assert SCRATCH_RUN == (30, 3) and FINE_TUNE_RUN[0] < SCRATCH_RUN[0]
    scratch, tune = for_run(TrainSettings(), fine_tune=False), for_run(TrainSettings(), fine_tune=True)
    assert (scratch.epochs, scratch.patience) == SCRATCH_RUN
    assert (tune.epochs, tune.patience) == FINE_TUNE_RUN
    given = for_run(TrainSettings(epochs=5, patience=4), fine_tune=True)
    assert (given.epochs, given.patience) == (5, 4)
    assert peak_rate(TrainSettings(), fine_tune=True) == SCRATCH_RATE * FINE_TUNE_SHARE
    assert peak_rate(TrainSettings(), fine_tune=False) == SCRATCH_RATE


@pytest.mark.slow
def test_a_fine_tune_stops_after_two_epochs_without_gain(tiny_model, chorale_songs, tmp_path):
    """Left to the engine, a fine-tune that gains nothing on the songs set aside stops after
    FINE_TUNE_RUN's patience (2 epochs; a new model waits 3), and its card says what ran."""
    result = train(
        chorale_songs[:6],
        tmp_path / "tuned",
        TrainSettings(learning_rate=0.0, val_fraction=0.3),
        base_model=tiny_model[0],
    )
    assert result.card.epochs_run == FINE_TUNE_RUN[1] == 2
    assert result.card.best_epoch == 0  # the base stayed the best
    assert (result.card.settings["epochs"], result.card.settings["patience"]) == FINE_TUNE_RUN
    assert result.card.settings["warmup_steps"] == 8


def _two_style_base(tiny_model, tmp_path):
    """The tiny model (taught chorales as "song", the loader's label for every file) with a card
    that also lists "chorale", after "song" as the default model lists pop first."""
    base = tmp_path / "base"
    shutil.copytree(tiny_model[0], base)
    card = read_card(base)
    write_card(base / read_pointer(base)["card"], replace(card, styles=("song", "chorale")))
    return base


def test_a_style_is_chosen_only_where_there_is_a_choice(chorale_songs):
    """Songs of one style are tried in each of the base's styles; where the base knows one
    style there is nothing to choose, and a run's songs can be restyled whole."""
    from songsketch.engine.ml import folder_style
    from songsketch.engine.ml.dataset import RunData

    folder = [replace(s, style="song") for s in chorale_songs[:6]]
    data = RunData.split(folder, TrainSettings(val_fraction=0.3))
    assert folder_style.closest_style(None, data, ("song",)) == (None, {})  # nothing to choose
    mixed = RunData.split(
        [replace(s, style=("song", "chorale")[i % 2]) for i, s in enumerate(folder)],
        TrainSettings(val_fraction=0.3),
    )
    assert folder_style.closest_style(None, mixed, ("song", "chorale")) == (None, {})  # their own
    assert all(
        s.style == "chorale"
        for s in data.restyled("chorale").train_songs + data.restyled("chorale").val_songs
    )


@pytest.mark.slow
def test_a_folder_is_taught_as_the_style_its_base_hears_it_best_in(tiny_model, chorale_songs, tmp_path):
    """A user's folder comes in labelled "song" (the loader cannot tell); its base model's
    validation loss is measured in each of its styles (the default model hears 30 pop songs at
    2.45 nats/token as "pop", 2.99 as "song"), the folder is taught as the lowest one, the
    fine-tune's own style is that one, and that loss is the bar the fine-tune must clear."""
    folder = [replace(s, style="song") for s in chorale_songs[:6]]
    result = train(
        folder,
        tmp_path / "tuned",
        TrainSettings(epochs=1, val_fraction=0.3),
        base_model=_two_style_base(tiny_model, tmp_path),
    )
    losses = result.card.data["base_loss_per_style"]
    assert set(losses) == {"song", "chorale"} and all(v > 0 for v in losses.values())
    best = min(losses, key=lambda style: losses[style])
    assert result.card.data["taught_as_style"] == best == result.card.styles[0]
    assert result.history[0]["val_loss"] == pytest.approx(losses[best], abs=1e-3)


@pytest.mark.slow
def test_songs_of_several_styles_keep_them(tiny_model, chorale_songs, tmp_path):
    """Songs already labelled with several styles (the built-in corpus) are taught as labelled."""
    songs = [replace(s, style=("song", "chorale")[i % 2]) for i, s in enumerate(chorale_songs[:6])]
    result = train(
        songs,
        tmp_path / "tuned",
        TrainSettings(epochs=1, val_fraction=0.3),
        base_model=_two_style_base(tiny_model, tmp_path),
    )
    assert "taught_as_style" not in result.card.data
    assert set(result.card.styles) == {"song", "chorale"}


def test_a_fine_tune_keeps_its_base_word_on_voicings_of_styles_its_songs_lack(chorale_songs):
    """Generation holds a style's chords to root and third where its songs always sound them;
    a fine-tune on a folder taught as "pop" judges pop by its folder and keeps its base's word
    for the styles it did not see (before: every style but the folder's lost it)."""
    from songsketch.engine.ml.card import ModelCard, complete_voicing_styles
    from songsketch.engine.music import chords as ch

    def bare(idea):  # each chord's third taken out of its voicing (a folder of open fifths)
        def open_fifth(c):
            third = {pc for pc in ch.chord_pcs(c.root, c.quality) if (pc - c.root) % 12 in (3, 4)}
            return replace(c, voicing=tuple(p for p in c.voicing if p % 12 not in third) or c.voicing)

        return replace(idea, chords=tuple(open_fifth(c) for c in idea.chords))

    base = ModelCard(styles=("pop", "song", "chorale"), complete_voicings=("pop", "song"))
    folder = [replace(s, style="pop", ideas=tuple(bare(i) for i in s.ideas)) for s in chorale_songs[:4]]
    assert complete_voicing_styles(folder) == ()
    assert complete_voicing_styles(folder, base) == ("song",)
