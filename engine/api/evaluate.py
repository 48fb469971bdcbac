"""Evaluation runs: a model's ideas against held-out songs and the pitch-only baseline.

Rows follow Yang & Lerch (2018): overlap of distributions, plus in-key and chord-tone ratios,
the song shape (chord changes per bar, chords sounding root and third, bars repeating an
earlier bar's rhythm or contour) and copying. The held-out songs are those the model's card
names (its validation tunes), or, for another folder, a split by the training rule. Besides
the model at default settings, the columns show the repetition control's effect and the
other style the model learnt (measured against the same held-out songs).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..assess.evaluation import (
    chord_changes_per_bar,
    chord_tone_ratio,
    common_loops,
    distributions,
    in_key_ratio,
    loop_share,
    melody_range,
    offbeat_share,
    overlap,
    root_and_third_ratio,
    sixteenth_share,
)
from ..assess.originality import OriginalityIndex
from ..data.corpus import Song
from ..generation.generator import GenerationSettings
from ..ml.baseline import baseline_ideas
from ..ml.pieces import excerpt
from ..ml.settings import TrainSettings
from ..ml.split import split_songs
from ..ml.store import read_card
from ..music.idea import Idea, Section
from ..music.motif import repetition
from .session import Engine


@dataclass
class Evaluation:
    """Metric rows (name -> value) for the held-out songs, the model and the baseline."""

    held_out: dict[str, float]
    model: dict[str, float]
    baseline: dict[str, float]
    ideas: int
    pieces: int
    songs: int
    seconds: float
    notes: list[str] = field(default_factory=list)
    variants: dict[str, dict[str, float]] = field(default_factory=dict)  # column -> rows
    style: str = "song"  # the style of the ideas and of the held-out songs


def windows(idea: Idea, plan: Sequence[Section]) -> list[Idea]:
    """A song cut into pieces shaped like generated ideas (the plan's sections, e.g. 8 + 8
    bars), one after another; a song shorter than the plan is one piece. Repetition and
    pitch range grow with length, so held-out songs are measured at the ideas' length."""
    length = sum(section.bars for section in plan)
    if idea.bars <= length:
        return [idea]
    return [excerpt(idea, start, plan) for start in range(0, idea.bars - length + 1, length)]


def metric_rows(
    sample: Sequence[Idea], reference: Sequence[Idea], index: OriginalityIndex, loops: Sequence[tuple] = ()
) -> dict[str, float]:
    """The evaluation table's rows for ``sample`` against ``reference`` pieces; copies are
    measured against ``index`` (the training songs), loops against ``loops`` (the training
    songs' most common four-chord loops)."""
    d, r = distributions(sample), distributions(reference)
    copies = [index.check(i).melody_notes for i in sample]
    repeats = np.array([repetition(i) for i in sample])
    return {
        "chord changes per bar": float(np.mean([chord_changes_per_bar(i) for i in sample])),
        "built on a common 4-chord loop": loop_share(sample, loops),
        "melody onsets off the beat": float(np.mean([offbeat_share(i) for i in sample])),
        "melody onsets on 16ths": float(np.mean([sixteenth_share(i) for i in sample])),
        "melody range (median semitones)": float(np.median([melody_range(i) for i in sample])),
        "chords with root and third": float(np.mean([root_and_third_ratio(i) for i in sample])),
        "rhythm repetition (bars)": float(repeats[:, 0].mean()),
        "contour repetition (bars)": float(repeats[:, 1].mean()),
        "pitch-class histogram (overlap)": overlap(d["pitch class"], r["pitch class"]),
        "pitch range (overlap)": overlap(d["pitch range"], r["pitch range"]),
        "note length (overlap)": overlap(d["note length"], r["note length"]),
        "inter-onset interval (overlap)": overlap(d["inter-onset interval"], r["inter-onset interval"]),
        "in-key ratio": float(np.mean([in_key_ratio(i) for i in sample])),
        "chord-tone ratio on beats": float(np.mean([chord_tone_ratio(i) for i in sample])),
        "mean longest copy (notes)": float(np.mean(copies)),
        "max longest copy (notes)": float(np.max(copies)),
        "share copying 8+ notes": float(np.mean([c >= 8 for c in copies])),
    }


def evaluate_model(
    folder: str | Path,
    songs: Sequence[Song],
    count: int = 200,
    seed: int = 1,
    temperature: float = 0.9,
    baseline_epochs: int = 3,
    say: Callable[[str], None] | None = None,
    style: str | None = None,
) -> Evaluation:
    """Generate ``count`` ideas (no guard) in ``style`` with the model in ``folder`` and
    compare them, and the baseline's, with the held-out songs of that style (those the card
    names, or split by the usual rule). ``style`` None: the songs' own style where the model
    learnt it, else the model's first. Variant columns: the repetition control at 'less' and
    'more', and each other style the model learnt (against the same songs). Raises
    ModelError for a bad model folder."""
    card = read_card(folder)
    styles = card.styles
    if style is None:
        theirs = Counter(s.style for s in songs).most_common(1)
        style = theirs[0][0] if theirs and theirs[0][0] in styles else styles[0]
    held_names = set(card.validation_song_names)
    songs = [s for s in songs if s.style == style] or list(songs)
    held = [s for s in songs if s.name in held_names]
    train = [s for s in songs if s.name not in held_names]
    if not held:  # another folder than the model's: hold out by the usual rule
        train, held = split_songs(list(songs), TrainSettings().val_fraction, 1)
    plan = GenerationSettings().plan()
    reference = [w for s in held for i in s.ideas for w in windows(i, plan)]
    loops = common_loops([w for s in train for i in s.ideas for w in windows(i, plan)])
    engine = Engine()
    engine.load(folder)
    t0 = time.perf_counter()

    def sample(**changes) -> list[Idea]:
        out: list[Idea] = []
        changes.setdefault("style", style)
        settings = GenerationSettings(count=count, seed=seed, temperature=temperature, **changes)
        engine.generate(settings, on_idea=lambda i, idea, r: out.append(idea), guard=None)
        return out

    ideas = sample()
    seconds = time.perf_counter() - t0
    variants = {"repetition less": sample(repetition="less"), "repetition more": sample(repetition="more")}
    for other in styles:
        if other != style:
            variants[f"{other} style"] = sample(style=other)
    if say is not None:
        say(
            f"{len(ideas)} {style} ideas generated in {seconds:.1f} s; {len(reference)} held-out pieces "
            f"({len(held)} songs); training baseline ({baseline_epochs} epochs)..."
        )
    base = baseline_ideas(train, min(count, 64), seed, baseline_epochs)
    index = engine.index or OriginalityIndex.build(train)
    train_index = OriginalityIndex.build(train)  # held-out songs are in the model's index
    return Evaluation(
        held_out=metric_rows(reference, reference, train_index, loops),
        model=metric_rows(ideas, reference, index, loops),
        baseline=metric_rows(base, reference, index, loops),
        variants={name: metric_rows(v, reference, index, loops) for name, v in variants.items()},
        ideas=len(ideas),
        pieces=len(reference),
        songs=len(held),
        seconds=seconds,
        style=style,
    )
