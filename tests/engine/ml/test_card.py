"""The model card: the shipped card read as it is written, old cards read with the values
their models had, and a card written and read back unchanged."""

import dataclasses
import json

import pytest

from songsketch.engine.api import default_model_dir
from songsketch.engine.ml.card import ModelCard
from songsketch.engine.ml.store import read_card, read_pointer

# An encoding-2 card as the default model of 2026-11-26 (commit 862915b) wrote it (history,
# vocabulary and names shortened): no styles, voicings, key counts or biases yet.
ENCODING_2 = {
    "name": "default",
    "created": "2026-11-26T18:45:40+00:00",
    "base": "scratch",
    "data": {"train_songs": 373, "validation_songs": 42, "validation_song_names": ["bwv117.4", "bwv120.6"]},
    "settings": {"epochs": 100, "batch_size": 32, "learning_rate": 0.002, "seed": 1, "keys": "normalise"},
    "architecture": {"vocab_size": 1055, "embed_dim": 128, "units": 192, "layers": 2, "dropout": 0.15},
    "epochs_run": 71,
    "best_epoch": 67,
    "train_loss": 1.1461697065109444,
    "validation_loss": 1.4683228518030327,
    "history": [{"epoch": 1, "loss": 4.9034, "val_loss": 4.5622, "tokens": 444364, "seconds": 30.1}],
    "seconds": 1998.5,
    "reproduce": "python tools/export_pieces.py pieces.npz --copies 4 && ...",
    "software": {"published_with": "tensorflow 2.21.0, keras 3.15.1", "python": "3.11.7"},
    "device": "run 1 on an NVIDIA H100 (Keras on JAX), later runs on a 2-core CPU",
    "vocabulary": ["PAD", "BOS", "EOS", "BAR"],
    "encoding": 2,
    "config": {"vocab_size": 1055, "embed_dim": 128, "units": 192, "layers": 2, "dropout": 0.15},
}

# An encoding-3 card as the default model of 2026-11-27 (commit 2c45fe5) wrote it: styles,
# complete voicings and a repeat bias, no 16th bias or key counts yet.
ENCODING_3 = dict(
    ENCODING_2,
    styles=["song", "chorale"],
    complete_voicings=["song"],
    repeat_bias={"motif": 0.635, "rhythm": -0.613},
    repeat_calibration={"held_out_pieces": 93, "ideas_per_round": 128},
    encoding=3,
)


def _shipped() -> dict:
    folder = default_model_dir()
    return json.loads((folder / read_pointer(folder)["card"]).read_text())


def test_the_shipped_card_reads_as_written():
    raw = _shipped()
    card = read_card(default_model_dir())
    assert card == ModelCard.from_json(raw)
    assert card.name == "default" and card.encoding == 4 and card.base == "scratch"
    assert card.styles == ("pop", "song", "chorale") and card.complete_voicings == ("pop", "song")
    assert card.keys == "normalise"
    assert card.repeat_bias == {"motif": 0.7, "rhythm": -0.334}
    assert card.onset_bias == {"sixteenth": -0.015}
    assert card.key_counts == raw["key_counts"] and card.key_counts["pop"]["major"][0] > 0
    assert card.vocabulary == tuple(raw["vocabulary"])
    assert card.validation_song_names == tuple(raw["data"]["validation_song_names"])
    assert card.epochs_run == 95 and card.best_epoch == 93 and len(card.history) == 95
    assert card.extra == {}  # every field of the shipped card is known


def test_the_shipped_card_writes_back_unchanged():
    raw = _shipped()
    out = ModelCard.from_json(raw).to_json()
    assert {name: out[name] for name in raw} == raw
    # what it adds: the fields the publishing tool did not write, at their defaults
    assert {name: out[name] for name in set(out) - set(raw)} == {"base_validation_loss": None}
    assert json.loads(json.dumps(out)) == out


def test_an_encoding_2_card_reads_with_what_its_model_had():
    card = ModelCard.from_json(ENCODING_2)
    assert card.styles == ("song",)  # trained before styles: on songs
    assert card.keys == "normalise"
    assert card.complete_voicings == () and card.key_counts == {}
    assert card.repeat_bias == {} and card.onset_bias == {}
    assert card.encoding == 2 and card.vocabulary == ("PAD", "BOS", "EOS", "BAR")
    assert card.base_validation_loss is None and card.extra == {}


def test_an_encoding_3_card_reads_with_what_its_model_had():
    card = ModelCard.from_json(ENCODING_3)
    assert card.styles == ("song", "chorale") and card.complete_voicings == ("song",)
    assert card.repeat_bias == {"motif": 0.635, "rhythm": -0.613} and card.onset_bias == {}
    assert card.encoding == 3 and card.key_counts == {}


def test_the_first_cards_read_as_their_models_learnt():
    """The first models (before key normalisation, commit dcace7f) trained on random
    transpositions and their cards named no keys and no encoding."""
    first = {k: v for k, v in ENCODING_2.items() if k not in ("encoding", "vocabulary")}
    first["settings"] = {"epochs": 30, "transpose": True}
    card = ModelCard.from_json(first)
    assert card.keys == "augment" and card.encoding == 1 and card.styles == ("song",)


def test_missing_null_and_empty_fields_take_their_defaults():
    assert ModelCard.from_json({}) == ModelCard()
    card = ModelCard.from_json({"styles": [], "repeat_bias": None, "key_counts": [1, 2], "name": None})
    assert card == ModelCard()
    assert ModelCard().styles == ("song",) and ModelCard().keys == "augment"


def test_biases_keep_only_the_kinds_generation_knows():
    card = ModelCard.from_json({"repeat_bias": {"motif": "0.5", "harmony": 1}, "onset_bias": {"triplet": 1}})
    assert card.repeat_bias == {"motif": 0.5} and card.onset_bias == {}


def test_unknown_fields_are_kept_through_a_rewrite():
    """A field a newer version (or a tool) wrote survives a rewrite by this version."""
    raw = dict(ENCODING_3, tuned_by={"who": "someone"}, future=[1, 2])
    card = ModelCard.from_json(raw)
    assert card.extra == {"tuned_by": {"who": "someone"}, "future": [1, 2]}
    out = card.to_json()
    assert out["tuned_by"] == {"who": "someone"} and out["future"] == [1, 2]
    assert ModelCard.from_json(out) == card


@pytest.mark.parametrize("raw", [ENCODING_2, ENCODING_3, {}], ids=["encoding-2", "encoding-3", "empty"])
def test_a_card_round_trips(raw):
    card = ModelCard.from_json(raw)
    assert ModelCard.from_json(card.to_json()) == card
    assert ModelCard.from_json(json.loads(json.dumps(card.to_json()))) == card


def test_the_shipped_card_round_trips():
    card = read_card(default_model_dir())
    assert ModelCard.from_json(json.loads(json.dumps(card.to_json()))) == card


def test_a_card_is_frozen_and_reading_copies():
    raw = json.loads(json.dumps(ENCODING_3))
    card = ModelCard.from_json(raw)
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.name = "other"  # type: ignore[misc]
    raw["data"]["train_songs"] = 0
    card.to_json()["data"]["train_songs"] = 0
    assert card.data["train_songs"] == 373
