"""What the front ends ask of the engine, as plain frozen dataclasses.

A request is data only: :meth:`~.session.Engine.run` matches on its kind and carries it out,
so a worker needs no knowledge of the kinds and the requests know nothing of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..assess.originality import Guard
from ..generation.generator import GenerationSettings
from ..ml.training import TrainSettings
from ..music.idea import Idea


@dataclass(frozen=True)
class GenerateRequest:
    """New ideas (continuing ``primer``'s opening bars when given), checked by ``guard``
    (None: shown whatever they share with the training songs)."""

    settings: GenerationSettings
    guard: Guard | None = Guard()
    primer: Idea | None = None

    @property
    def source(self) -> str:
        """The name of the idea these come from ('' for fresh ones)."""
        return self.primer.name if self.primer is not None else ""


@dataclass(frozen=True)
class RegenerateRequest:
    """New versions of ``idea`` keeping its 'chords' (a new melody) or its 'melody' (new chords)."""

    idea: Idea
    keep: str
    settings: GenerationSettings
    guard: Guard | None = Guard()
    # the idea's tempo is a placeholder (chords typed with Tempo on Auto): each new version
    # takes the tempo the model writes for the style, as fresh ideas do
    tempo_from_model: bool = False

    def __post_init__(self) -> None:
        if self.keep not in ("chords", "melody"):
            raise ValueError("keep must be 'chords' or 'melody'")

    @property
    def source(self) -> str:
        """The name of the idea these come from ('' for typed chords)."""
        return self.idea.name


@dataclass(frozen=True)
class InfillRequest:
    """New versions of ``idea`` with bars ``first_bar`` .. ``first_bar + bars - 1`` (0-based)
    rewritten: their 'melody', 'chords' or 'both'; every other bar kept note for note."""

    idea: Idea
    first_bar: int
    bars: int
    settings: GenerationSettings
    part: str = "both"
    guard: Guard | None = Guard()

    @property
    def source(self) -> str:
        """The name of the idea these come from."""
        return self.idea.name


GenerationRequest = GenerateRequest | RegenerateRequest | InfillRequest


@dataclass(frozen=True)
class TrainJob:
    """Train a model into ``out_dir`` on a scanned folder (``source``): fine-tune
    ``base_model`` or, when it is None, train from scratch."""

    out_dir: Path
    settings: TrainSettings
    base_model: Path | None
    name: str
    source: str

    @property
    def reproduce(self) -> str:
        """The command line that trains the same model."""
        return f"songsketch train {self.source!r}" + (" --scratch" if self.base_model is None else "")
