"""The engine's public face for the app and the CLI: load a model, generate ideas.

``Engine`` holds one loaded model and its generator. It never imports Qt; callers run its
methods on worker threads and receive ideas through callbacks.
"""
from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from typing import Callable

from ..generation.generator import Cancelled, GenerationSettings, Generator
from ..ml.store import LoadedModel, load, read_extra
from ..music.idea import Idea
from ..tokens.encoding import encode

_ADJECTIVES = ("amber", "blue", "bright", "copper", "dusky", "early", "faded", "gentle", "golden",
               "hollow", "ivory", "late", "lucky", "misty", "quiet", "restless", "rosy", "salty",
               "silver", "slow", "soft", "still", "sunny", "velvet", "wild", "winter", "young",
               "paper", "open", "distant", "hidden", "northern")
_NOUNS = ("harbor", "meadow", "river", "window", "lantern", "sparrow", "letter", "orchard", "bridge",
          "candle", "station", "garden", "road", "island", "ribbon", "mirror", "valley", "compass",
          "feather", "morning", "evening", "tide", "ember", "anchor", "hill", "porch", "field",
          "canyon", "attic", "signal", "thread", "engine")


def idea_name(idea: Idea) -> str:
    """A short memorable name derived from the idea's content, e.g. 'misty-harbor-3f'."""
    digest = hashlib.sha1(bytes(str(encode(idea)), "ascii")).digest()
    return f"{_ADJECTIVES[digest[0] % len(_ADJECTIVES)]}-{_NOUNS[digest[1] % len(_NOUNS)]}-{digest[2]:02x}"


OnIdea = Callable[[int, Idea, object], None]     # (index, idea, originality report or None)


@dataclass
class GenerationSummary:
    shown: int
    redrawn: int = 0

    def __str__(self) -> str:
        text = f"{self.shown} shown"
        if self.redrawn:
            text += f", {self.redrawn} redrawn by the originality guard"
        return text


class Engine:
    """One loaded model and what generates with it. Methods block: call from a worker thread."""

    def __init__(self) -> None:
        self.model: LoadedModel | None = None
        self.generator: Generator | None = None
        self.index = None
        self.guard = None                     # OriginalityGuard or None
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self.generator is not None

    def load(self, folder: str | os.PathLike) -> LoadedModel:
        """Load a model folder (its weights are read directly: no TensorFlow). Raises
        ModelError; the model loaded before stays in use if this fails."""
        model = load(folder)
        generator = Generator(model.weights, keys=model.keys)
        index = None
        data = read_extra(folder, "index")
        if data is not None:
            try:
                from ..assess.originality import OriginalityIndex
                index = OriginalityIndex.from_bytes(data)
            except (ImportError, ValueError):
                index = None
        with self._lock:
            self.model, self.generator, self.index = model, generator, index
        return model

    def _require(self) -> Generator:
        if self.generator is None:
            raise RuntimeError("no model loaded")
        return self.generator

    def _name(self, idea: Idea) -> Idea:
        return idea.with_name(idea_name(idea))

    def set_guard(self, max_notes: int | None, max_chord_bars: int | None = None) -> None:
        """Reject (and redraw) ideas copying more than ``max_notes`` melody notes or
        ``max_chord_bars`` bars of chords from a training song; None turns the guard off."""
        from ..assess.originality import DEFAULT_MAX_CHORD_BARS
        self.guard = None if max_notes is None else (
            max_notes, DEFAULT_MAX_CHORD_BARS if max_chord_bars is None else max_chord_bars)

    def generate(self, settings: GenerationSettings, on_idea: OnIdea | None = None,
                 cancel: Callable[[], bool] | None = None, primer: Idea | None = None) -> GenerationSummary:
        """Generate ``settings.count`` ideas, each passed to ``on_idea`` as it finishes, with
        its originality report (when the model has an index). With the guard on, ideas over
        the limits are redrawn and never shown."""
        generator = self._require()
        count = 0
        rejected = 0
        reports: dict[int, object] = {}
        index, guard = self.index, self.guard

        def accept(idea: Idea) -> bool:
            nonlocal rejected
            if index is None:
                return True
            report = index.check(idea)
            reports[id(idea)] = report
            if guard is not None and (report.melody_notes > guard[0] or report.chord_bars > guard[1]):
                rejected += 1
                return False
            return True

        def emit(_i: int, idea: Idea) -> None:
            nonlocal count
            report = reports.pop(id(idea), None)
            if on_idea is not None:
                on_idea(count, self._name(idea), report)
            count += 1

        if primer is not None:
            generator.continue_primer(primer, settings, lambda i, idea: (accept(idea), emit(i, idea)), cancel)
        else:
            generator.generate(settings, emit, cancel, accept=accept)
            reports.clear()
        return GenerationSummary(count, rejected)

    def regenerate(self, idea: Idea, keep: str, settings: GenerationSettings,
                   on_idea: OnIdea | None = None, cancel: Callable[[], bool] | None = None) -> list[Idea]:
        """New versions of an idea keeping its chords or its melody."""
        generator = self._require()
        out = []
        for i, new in enumerate(generator.regenerate(idea, keep, settings, count=settings.count, cancel=cancel)):
            new = self._name(new)
            out.append(new)
            if on_idea is not None:
                on_idea(i, new, self.index.check(new) if self.index is not None else None)
        return out


__all__ = ["Engine", "GenerationSettings", "GenerationSummary", "Cancelled", "idea_name"]
