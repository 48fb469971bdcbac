"""``Engine``: one loaded model and what generates with it, for the app and the CLI.

It never imports Qt; callers run its methods on worker threads and receive ideas through
callbacks.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..assess.originality import Guard, OriginalityIndex, beyond_own
from ..generation.generator import GenerationSettings, Generator, primer_excerpt
from ..generation.shape import check_parts, melody_key
from ..ml.store import LoadedModel, load, read_extra
from ..music.idea import Idea
from ..tokens.encoding import encode
from .requests import GenerateRequest, GenerationRequest, InfillRequest, RegenerateRequest

_ADJECTIVES = (
    "amber",
    "blue",
    "bright",
    "copper",
    "dusky",
    "early",
    "faded",
    "gentle",
    "golden",
    "hollow",
    "ivory",
    "late",
    "lucky",
    "misty",
    "quiet",
    "restless",
    "rosy",
    "salty",
    "silver",
    "slow",
    "soft",
    "still",
    "sunny",
    "velvet",
    "wild",
    "winter",
    "young",
    "paper",
    "open",
    "distant",
    "hidden",
    "northern",
)
_NOUNS = (
    "harbor",
    "meadow",
    "river",
    "window",
    "lantern",
    "sparrow",
    "letter",
    "orchard",
    "bridge",
    "candle",
    "station",
    "garden",
    "road",
    "island",
    "ribbon",
    "mirror",
    "valley",
    "compass",
    "feather",
    "morning",
    "evening",
    "tide",
    "ember",
    "anchor",
    "hill",
    "porch",
    "field",
    "canyon",
    "attic",
    "signal",
    "thread",
    "engine",
)


def idea_name(idea: Idea) -> str:
    """A short memorable name derived from the idea's content, e.g. 'misty-harbor-3f'."""
    digest = hashlib.sha1(bytes(str(encode(idea)), "ascii")).digest()
    return f"{_ADJECTIVES[digest[0] % len(_ADJECTIVES)]}-{_NOUNS[digest[1] % len(_NOUNS)]}-{digest[2]:02x}"


OnIdea = Callable[[int, Idea, object], None]  # (index, idea, originality report or None)


_SINGULAR = {  # a summary's kinds of ideas, as one is named
    "ideas": "idea",
    "melodies over your chords": "melody over your chords",
    "new versions": "new version",
}


@dataclass
class GenerationSummary:
    """How a generation request went: ideas shown, and redrawn by the originality guard.
    ``kind`` names what was made, in the plural; one is named in the singular ("1 melody")."""

    shown: int
    redrawn: int = 0
    kind: str = "ideas"
    asked: int = 0  # how many were asked for (0: not said)
    remark: str = ""  # what was decided for the songwriter (a key asked for set aside)

    def __str__(self) -> str:
        made = f"{self.shown} {self.kind if self.shown != 1 else _SINGULAR.get(self.kind, self.kind)}"
        return "; ".join([made, *self.remarks()])

    def remarks(self) -> list[str]:
        """What else a songwriter should know: ideas replaced as too close to a known song,
        and ideas asked for that could not be made."""
        remarks = [self.remark] if self.remark else []
        if self.redrawn:
            were = "was" if self.redrawn == 1 else "were"
            remarks.append(f"{self.redrawn} too close to a known song {were} replaced")
        if self.shown < self.asked:  # the draw limit was reached: say so, not a silent shortfall
            remarks.append(
                f"{self.asked - self.shown} of the {self.asked} asked for could not be made "
                "(the model's drafts kept leaving a section without melody or chords, or copying)"
            )
        return remarks


INFILL_ENCODING = 4  # the first encoding whose models learnt fill-in-the-middle


class Engine:
    """One loaded model and what generates with it. Methods block: call from a worker thread."""

    def __init__(self) -> None:
        self.model: LoadedModel | None = None
        self.generator: Generator | None = None
        self.index: OriginalityIndex | None = None
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self.generator is not None

    def load(self, folder: str | os.PathLike) -> LoadedModel:
        """Load a model folder (its weights are read directly: no TensorFlow). Raises
        ModelError; the model loaded before stays in use if this fails."""
        model = load(folder)
        generator = Generator(
            model.weights,
            keys=model.card.keys,
            complete_voicings=model.card.complete_voicings,
            repeat_bias=model.card.repeat_bias,
            styles=model.card.styles,
            onset_bias=model.card.onset_bias,
            key_counts=model.card.key_counts,
        )
        index = None
        data = read_extra(folder, "index")
        if data is not None:
            try:
                index = OriginalityIndex.from_bytes(data)
            except ValueError:
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

    def run(
        self,
        request: GenerationRequest,
        on_idea: OnIdea | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> GenerationSummary:
        """Carry out a generation request of any kind (see ``requests``)."""
        match request:
            case GenerateRequest():
                return self.generate(
                    request.settings, on_idea, cancel, primer=request.primer, guard=request.guard
                )
            case RegenerateRequest():
                return self.regenerate(
                    request.idea,
                    request.keep,
                    request.settings,
                    on_idea,
                    cancel,
                    guard=request.guard,
                    tempo_from_model=request.tempo_from_model,
                )
            case InfillRequest():
                return self.infill(
                    request.idea,
                    request.first_bar,
                    request.bars,
                    request.settings,
                    request.part,
                    on_idea,
                    cancel,
                    guard=request.guard,
                )
        raise TypeError(f"not a generation request: {request!r}")

    def generate(
        self,
        settings: GenerationSettings,
        on_idea: OnIdea | None = None,
        cancel: Callable[[], bool] | None = None,
        primer: Idea | None = None,
        guard: Guard | None = Guard(),
    ) -> GenerationSummary:
        """Generate ``settings.count`` ideas, each passed to ``on_idea`` as it finishes, with
        its originality report (when the model has an index). With a guard, ideas over its
        limits are redrawn and never shown."""
        generator = self._require()
        opening = None  # the part of the primer the ideas take
        if primer is not None:
            opening = primer_excerpt(primer, settings.kept_bars(primer), settings.plan())
        accept, emit, counts = self._checked(on_idea, guard, opening)
        if primer is not None:
            generator.continue_primer(primer, settings, emit, cancel, accept=accept)
        else:
            generator.generate(settings, emit, cancel, accept=accept)
        return GenerationSummary(counts["shown"], counts["redrawn"], asked=settings.count)

    def _checked(self, on_idea: OnIdea | None, guard: Guard | None, source: Idea | None = None):
        """(accept, emit, counts) for a generation: ``accept`` checks an idea against the
        training songs (refusing what the guard does not allow), ``emit`` names it and hands
        it on with its report. Where the user's own music (a primer, a kept part) already
        shares more with a training song than the guard allows, ideas may share that much."""
        index = self.index
        reports: dict[int, object] = {}
        counts = {"shown": 0, "redrawn": 0}
        own = index.check(source) if index is not None and source is not None else None
        if guard is not None and own is not None:
            guard = Guard(max(guard.max_notes, own.melody_notes), max(guard.max_chord_bars, own.chord_bars))

        def accept(idea: Idea) -> bool:
            if index is None:
                return True
            report = index.check(idea)
            reports[id(idea)] = report
            if guard is not None and not guard.accepts(report):
                reports.pop(id(idea))
                counts["redrawn"] += 1
                return False
            return True

        def emit(_i: int, idea: Idea) -> None:
            report = reports.pop(id(idea), None)
            if report is not None and own is not None:
                report = beyond_own(report, own)
            if on_idea is not None:
                on_idea(counts["shown"], self._name(idea), report)
            counts["shown"] += 1

        return accept, emit, counts

    def regenerate(
        self,
        idea: Idea,
        keep: str,
        settings: GenerationSettings,
        on_idea: OnIdea | None = None,
        cancel: Callable[[], bool] | None = None,
        guard: Guard | None = Guard(),
        tempo_from_model: bool = False,
    ) -> GenerationSummary:
        """``settings.count`` new versions of an idea keeping its chords or its melody, checked
        by the guard like fresh ideas (each at the tempo the model writes, ``tempo_from_model``,
        where the idea's own is a placeholder)."""
        generator = self._require()
        remark = ""
        if keep == "melody":  # new chords in the key asked for only where the melody lies in it
            check_parts(idea, keep)
            key, remark = melody_key(idea, settings.key)
            settings = replace(settings, key=key)
        # the user's part that stays may share what it shares; the part being replaced may not
        kept = replace(idea, melody=()) if keep == "chords" else replace(idea, chords=())
        accept, emit, counts = self._checked(on_idea, guard, kept)
        generator.regenerate(
            idea,
            keep,
            settings,
            settings.count,
            emit,
            cancel,
            accept=accept,
            tempo_from_model=tempo_from_model,
        )
        kind = "melodies over your chords" if keep == "chords" and not idea.name else "new versions"
        return GenerationSummary(
            counts["shown"], counts["redrawn"], kind=kind, asked=settings.count, remark=remark
        )

    def infill(
        self,
        idea: Idea,
        first_bar: int,
        bars: int,
        settings: GenerationSettings,
        part: str = "both",
        on_idea: OnIdea | None = None,
        cancel: Callable[[], bool] | None = None,
        guard: Guard | None = Guard(),
    ) -> GenerationSummary:
        """``settings.count`` versions of an idea with bars ``first_bar`` .. ``first_bar +
        bars - 1`` (0-based) rewritten (``part``: 'melody', 'chords' or 'both') and every
        other bar kept, checked by the guard like fresh ideas (what the kept bars already
        share with a training song is allowed). Raises ValueError for a span it cannot fill."""
        generator = self._require()
        if self.model is not None and self.model.card.encoding < INFILL_ENCODING:
            raise ValueError(
                f"the model “{self.model.name}” was trained before rewriting bars existed: "
                "choose the Default model, or retrain yours"
            )
        end = (first_bar + bars) * idea.bar_ticks
        start = first_bar * idea.bar_ticks
        outside = lambda x: not start <= x.onset < end
        kept = replace(
            idea, melody=tuple(filter(outside, idea.melody)), chords=tuple(filter(outside, idea.chords))
        )
        accept, emit, counts = self._checked(on_idea, guard, kept)
        generator.infill(idea, first_bar, bars, settings, part, emit, cancel, accept=accept)
        return GenerationSummary(
            counts["shown"], counts["redrawn"], kind="new versions", asked=settings.count
        )
