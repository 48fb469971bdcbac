"""The model card: what a model folder says about its model, as one frozen type.

A card records the training data, settings and losses, the vocabulary the model was made
for, the styles it learnt and the biases calibrated on its held-out songs. It is written by
training (``training``) and the publishing tool (``tools/import_weights.py``), saved and read
only by ``store`` (``write_card``, ``read_card``), and read everywhere else as a ``ModelCard``.

Old cards lack fields added since; each field's default is what the models written before
that field existed actually had (see ``ModelCard.from_json``).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from ..music.voicing import sounds_root_and_third

if TYPE_CHECKING:
    from ..data.corpus import Song

# A card without styles is older than styles (encodings 1-3 before the style control): its
# model was trained on songs, the only style there was.
DEFAULT_STYLES = ("song",)
# How a model learns keys: "normalise", every piece in C major / A minor (the model writes
# there and ideas are moved to the asked key), the way of every new model; "augment", a
# random transposition per piece and epoch, the way of the models trained before key
# normalisation (commit dcace7f), whose settings name no ``keys``.
NEW_MODEL_KEYS = "normalise"
KEYS_BEFORE_RECORDED = "augment"
REPEAT_KINDS = ("motif", "rhythm")  # the repeat markers a calibrated bias applies to
ONSET_KINDS = ("sixteenth",)  # the onset positions a calibrated bias applies to


@dataclass(frozen=True)
class ModelCard:
    """A model card. Mappings and tuples hold plain JSON data; treat them as read-only.

    ``extra`` keeps the fields this version does not know (written by a newer version or a
    tool) so that rewriting a card (``tools/calibrate_repeats.py``) never loses them."""

    name: str = ""
    created: str = ""  # ISO 8601, UTC
    base: str = "scratch"  # or "fine-tuned from <model>"
    data: Mapping[str, Any] = field(default_factory=dict)  # songs used, held out, tokens per epoch
    styles: tuple[str, ...] = DEFAULT_STYLES  # the model's own (the default) first
    complete_voicings: tuple[str, ...] = ()  # styles whose chords sounded root and third
    key_counts: Mapping[str, Mapping[str, list[int]]] = field(default_factory=dict)  # style, mode
    settings: Mapping[str, Any] = field(default_factory=dict)  # the training settings
    architecture: Mapping[str, Any] = field(default_factory=dict)  # the ModelConfig trained
    epochs_run: int = 0
    base_validation_loss: float | None = None  # a fine-tune's base on its folder, before a step
    best_epoch: int | None = None
    train_loss: float | None = None  # of the best epoch (mean token cross-entropy, nats)
    validation_loss: float | None = None  # of the best epoch
    history: tuple[Mapping[str, Any], ...] = ()  # per epoch: epoch, loss, val_loss, tokens
    seconds: float | None = None  # training time
    reproduce: str = ""  # the commands that made the model
    software: Mapping[str, Any] = field(default_factory=dict)
    device: str = ""
    vocabulary: tuple[str, ...] = ()  # the tokens the model's rows and columns stand for
    encoding: int = 1  # the token encoding's version (1: before cards named it)
    config: Mapping[str, Any] = field(default_factory=dict)  # the ModelConfig saved
    repeat_bias: Mapping[str, float] = field(default_factory=dict)  # logit bias per REPEAT_KINDS
    onset_bias: Mapping[str, float] = field(default_factory=dict)  # logit bias per ONSET_KINDS
    repeat_calibration: Mapping[str, Any] = field(default_factory=dict)  # how the biases were found
    extra: Mapping[str, Any] = field(default_factory=dict)  # fields this version does not know

    @property
    def keys(self) -> str:
        """How the model learnt keys: 'normalise' (it writes in C major / A minor) or 'augment'."""
        return self.settings.get("keys", KEYS_BEFORE_RECORDED)

    @property
    def validation_song_names(self) -> tuple[str, ...]:
        """The names of the songs held out from training."""
        return tuple(self.data.get("validation_song_names", ()))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelCard:
        """The card of a card file's JSON object, of any version. A field that is missing, null
        or empty takes its default; the biases keep only the kinds generation knows; fields
        this version does not know go to ``extra``."""
        data = copy.deepcopy(dict(data))
        known = _field_names()
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name in known and not _absent(value):
                values[name] = _READERS.get(name, _same)(value)
        values = {name: value for name, value in values.items() if not _absent(value)}
        extra = {name: value for name, value in data.items() if name not in known}
        return cls(**values, extra=extra)

    def to_json(self) -> dict[str, Any]:
        """The card as a card file's JSON object: every field, then the unknown ones kept."""
        out = {name: _plain(getattr(self, name)) for name in _field_names()}
        out.update(copy.deepcopy(dict(self.extra)))
        return out


def _field_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(ModelCard) if f.name != "extra")


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict)) and not value)


def _same(value: Any) -> Any:
    return value


def _plain(value: Any) -> Any:
    """JSON data of a field: tuples as lists, mappings as dicts, copied."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return copy.deepcopy(value)


def _biases(kinds: tuple[str, ...]):
    def read(value: Any) -> dict[str, float]:
        return {k: float(v) for k, v in value.items() if k in kinds} if isinstance(value, Mapping) else {}

    return read


def _mapping(value: Any) -> dict:
    return dict(value) if isinstance(value, Mapping) else {}


_READERS = {
    "styles": tuple,
    "complete_voicings": tuple,
    "vocabulary": tuple,
    "history": tuple,
    "encoding": int,
    "data": _mapping,
    "key_counts": _mapping,
    "settings": _mapping,
    "repeat_bias": _biases(REPEAT_KINDS),
    "onset_bias": _biases(ONSET_KINDS),
}


# ---------------------------------------------------------------------------
# what a card says about its training songs


def learnt_styles(songs: Sequence[Song], base: ModelCard | None = None) -> tuple[str, ...]:
    """The styles a model can be asked for, its default first: those of its songs (the most
    songs first), then its base model's."""
    counts = Counter(s.style for s in songs)
    learnt = sorted(counts, key=lambda style: (-counts[style], style))
    if base is not None:
        learnt += [s for s in base.styles if s not in learnt]
    return tuple(learnt)


COMPLETE_VOICINGS = 0.95  # a style whose chords sound root and third this often keeps to it


def complete_voicing_styles(songs: Sequence[Song], base: ModelCard | None = None) -> tuple[str, ...]:
    """The styles among ``songs`` whose chords sound their root and third (nearly) always, as
    chords voiced from symbols do: generation holds that style's chords to it. A fine-tune
    keeps its base's word for the styles its songs lack."""
    own = {s.style for s in songs}
    out = [style for style in (base.complete_voicings if base is not None else ()) if style not in own]
    for style in sorted({s.style for s in songs}):
        chords = [c for s in songs if s.style == style for i in s.ideas for c in i.chords]
        if chords and np.mean([sounds_root_and_third(c.root, c.quality, c.voicing) for c in chords]) >= (
            COMPLETE_VOICINGS
        ):
            out.append(style)
    return tuple(out)


def key_counts(songs: Sequence[Song], base: ModelCard | None = None) -> dict[str, dict[str, list[int]]]:
    """Per style and mode, how many songs are in each tonic (C first): the key of each song's
    first idea (a song that modulates counts where it starts); a base model's counts for the
    styles the songs lack."""
    out: dict[str, dict[str, list[int]]] = {}
    for song in songs:
        if song.ideas:
            key = song.ideas[0].key
            out.setdefault(song.style, {}).setdefault(key.mode, [0] * 12)[key.tonic] += 1
    return {**(base.key_counts if base is not None else {}), **out}
