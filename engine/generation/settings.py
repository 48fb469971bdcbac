"""What a user asks of a batch of ideas: how many, in what key, tempo, meter, style, how free."""

from __future__ import annotations

from dataclasses import dataclass

from ..music.idea import Idea, Key, Section
from ..tokens.vocab import STYLES


@dataclass(frozen=True)
class GenerationSettings:
    """Controls for a batch of ideas. None means 'auto' (the model chooses)."""

    count: int = 8
    key: Key | None = None
    tempo: int | None = None
    meter: tuple[int, int] | None = (4, 4)
    bars_per_section: int = 8
    temperature: float = 0.9  # the default model's ideas match its held-out songs best here
    top_p: float = 0.95
    seed: int | None = None
    keep_register: bool = True
    harmonic_rhythm: str | None = None  # chords change at most every 'beat', 'half' bar, 'bar'
    repetition: str | None = None  # 'less' or 'more' repeated bars than the model likes (None)
    style: str | None = None  # what the ideas are like: 'pop', 'song' or 'chorale' (one the
    # model learnt); None: the model's own (the first of its card's styles)
    primer_bars: int | None = None  # a primer's bars kept when continuing one (None: a section's)

    def __post_init__(self) -> None:
        if self.repetition not in REPETITION_BIAS:
            raise ValueError(f"repetition must be 'less', 'more' or None, not {self.repetition!r}")
        if self.style is not None and self.style not in STYLES:
            raise ValueError(f"style must be one of {', '.join(STYLES)}, not {self.style!r}")

    def plan(self) -> tuple[Section, Section]:
        return (Section("verse", self.bars_per_section), Section("chorus", self.bars_per_section))

    def kept_bars(self, primer: Idea) -> int:
        """How many of a primer's opening bars a continuation keeps: ``primer_bars`` (or a
        section's worth), at most the primer's length and one section."""
        return max(1, min(primer.bars, self.primer_bars or self.bars_per_section, self.bars_per_section))


# how 'less' and 'more' repetition move the model's wish to mark a bar as repeating an earlier
# one (a logit bias on every REP token: x e^-1.5 = 0.22 and x e^1.5 = 4.5 the odds)
REPETITION_BIAS = {None: 0.0, "less": -1.5, "more": 1.5}
