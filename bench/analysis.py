"""How well Songsketch hears a folder: keys, meters, chords and rhythm against labels.

    python -m bench.analysis [--songs N] [--per-song K] [--seed S] [--source openewld|music21]
                             [--real [--all]]

The files are the development set of :mod:`bench.devset`: lead sheets realised as piano
MIDI in four textures, transposed, some with a wrong C key signature, a 1/4 meter, shifted or
played timing, no chord symbols. Each file goes through the same reader and analysis as a
user's folder; the result is compared with the labels after aligning the melody (the
analysis may start the piece a few beats earlier or later).

Rows: files used/skipped; key exact and the confusions (relative, parallel, fifth); meter
and bar phase; chord root and root + third per texture; sus share against the labels;
melody onsets on the true grid, distinct note lengths per piece and onsets on the
16th/triplet grid, per timing (on the grid, shifted, played).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass

from bench import devset
from songsketch.engine.formats.midi import read_ideas
from songsketch.engine.music.idea import TICKS_PER_BEAT, Idea, bar_ticks


@dataclass
class Score:
    """What one file scored."""

    item: devset.Item
    idea: Idea | None = None
    error: str = ""
    key: str = ""  # exact, relative, parallel, fifth, other
    meter_ok: bool = False
    phase_ok: bool = False
    beats: int = 0
    root_ok: int = 0
    third_ok: int = 0
    sus: int = 0
    label_sus: int = 0
    onsets_true: float = 0.0  # of the heard melody's notes, the share on a tune onset (precision)
    tune_heard: float = 0.0  # of the tune's onsets in the reading's span, the share heard (recall)
    lengths: int = 0
    on_grid: float = 0.0


def key_relation(found, truth) -> str:
    if found == truth:
        return "exact"
    if found.mode != truth.mode:
        if found.tonic == truth.tonic:
            return "parallel"
        rel = (truth.tonic + 9) % 12 if truth.mode == "major" else (truth.tonic + 3) % 12
        if found.tonic == rel:
            return "relative"
    if found.mode == truth.mode and (found.tonic - truth.tonic) % 12 in (5, 7):
        return "fifth"
    return "other"


def align(idea: Idea, sheet: devset.LeadSheet) -> int:
    """The shift d (ticks) with idea tick t = label tick t - d that matches most onsets."""
    truth = {(o, p % 12) for p, o, _d in sheet.melody}
    found = [(n.onset, n.pitch % 12) for n in idea.melody]
    best = (-1, 0)
    bar = bar_ticks(sheet.meter)
    for d in range(-2 * bar, 2 * bar + 1):
        hits = sum(
            2 if (t + d, pc) in truth else any((t + d + e, pc) in truth for e in (-1, 1)) for t, pc in found
        )
        if hits > best[0] or (hits == best[0] and abs(d) < abs(best[1])):
            best = (hits, d)
    return best[1]


def score_item(item: devset.Item) -> Score:
    out = Score(item)
    try:
        ideas = read_ideas(item.data)
    except ValueError as exc:
        out.error = str(exc)
        return out
    idea = out.idea = ideas[0]
    sheet = item.sheet
    out.key = key_relation(idea.key, sheet.key) if sheet.key_sure else ""
    out.meter_ok = bar_ticks(idea.meter) == bar_ticks(sheet.meter)  # 2/2 heard as 4/4 is right
    d = align(idea, sheet)
    out.phase_ok = out.meter_ok and d % bar_ticks(sheet.meter) == 0
    beat = TICKS_PER_BEAT * 4 // sheet.meter[1]
    for t in range(0, idea.total_ticks, beat):
        label = sheet.chord_at(t + d)
        found = next((c for c in idea.chords if c.onset <= t < c.end), None)
        if label is None or found is None:
            continue
        out.beats += 1
        out.label_sus += label[1].startswith("sus")
        out.sus += found.quality.startswith("sus")
        if found.root == label[0]:
            out.root_ok += 1
            out.third_ok += devset.third_of(found.quality) == devset.third_of(label[1])
    truth = {o for _p, o, _d in sheet.melody}
    if idea.melody:
        out.onsets_true = sum(1 for n in idea.melody if n.onset + d in truth) / len(idea.melody)
        wanted = {o for o in truth if d <= o < d + idea.total_ticks}
        out.tune_heard = len(wanted & {n.onset + d for n in idea.melody}) / max(len(wanted), 1)
        out.lengths = len({n.duration for n in idea.melody})
        beat_q = TICKS_PER_BEAT
        out.on_grid = sum(
            1 for n in idea.melody if (n.onset % beat_q) % 3 == 0 or (n.onset % beat_q) % 4 == 0
        ) / len(idea.melody)
    return out


def timing_of(variant: devset.Variant) -> str:
    return "played" if variant.humanise else "shifted" if variant.shift_ms else "on grid"


def report(scores: list[Score], seconds: float) -> str:
    used = [s for s in scores if s.idea is not None]
    lines = [f"files: {len(scores)}, used {len(used)}, skipped {len(scores) - len(used)} ({seconds:.1f} s)"]
    reasons = Counter(s.error for s in scores if s.idea is None)
    for reason, n in reasons.most_common(5):
        lines.append(f"  skipped {n}: {reason}")
    keyed = [s for s in used if s.key]
    rel = Counter(s.key for s in keyed)
    pct = lambda a, b: f"{100 * a / b:5.1f}%" if b else "   - "
    lines.append(
        f"key exact {pct(rel['exact'], len(keyed))} of {len(keyed)}"
        f"  (relative {pct(rel['relative'], len(keyed))},"
        f" parallel {pct(rel['parallel'], len(keyed))}, fifth {pct(rel['fifth'], len(keyed))},"
        f" other {pct(rel['other'], len(keyed))})"
    )
    for signature in ("true", "C", "none"):
        group = [s for s in keyed if s.item.variant.signature == signature]
        ok = sum(s.key == "exact" for s in group)
        lines.append(f"  key signature {signature:>4}: exact {pct(ok, len(group))} of {len(group)}")
    lines.append(
        f"meter right {pct(sum(s.meter_ok for s in used), len(used))}, bar phase right"
        f" {pct(sum(s.phase_ok for s in used), len(used))}"
    )
    for written in ("true", "1/4", "none"):
        group = [s for s in used if s.item.variant.meter == written]
        lines.append(
            f"  written meter {written:>4}: meter {pct(sum(s.meter_ok for s in group), len(group))},"
            f" phase {pct(sum(s.phase_ok for s in group), len(group))} of {len(group)}"
        )
    lines.append("chords (per beat)       root   root+3rd  sus found/labels  files")
    for texture in devset.TEXTURES + ("all",):
        group = [s for s in used if texture == "all" or s.item.variant.texture == texture]
        beats = sum(s.beats for s in group)
        lines.append(
            f"  {texture:<20} {pct(sum(s.root_ok for s in group), beats)}"
            f"  {pct(sum(s.third_ok for s in group), beats)}"
            f"   {pct(sum(s.sus for s in group), beats)} / {pct(sum(s.label_sus for s in group), beats)}"
            f"  {len(group):5d}"
        )
    lines.append("melody rhythm           onsets true  tune heard  lengths/piece  on 16th/triplet grid")
    for one_track in (False, True):
        if one_track:
            lines.append("  one-track files alone:")
        for timing in ("on grid", "shifted", "played"):
            group = [
                s
                for s in used
                if timing_of(s.item.variant) == timing and (s.item.variant.one_track or not one_track)
            ]
            if not group:
                continue
            lines.append(
                f"  {timing:<20} {pct(sum(s.onsets_true for s in group), len(group))}"
                f"       {pct(sum(s.tune_heard for s in group), len(group))}"
                f"       {statistics.mean(s.lengths for s in group):5.1f}"
                f"          {pct(sum(s.on_grid for s in group), len(group))}"
            )
    truth_lengths = [len({d for _p, _o, d in s.item.sheet.melody}) for s in used]
    if truth_lengths:
        lines.append(f"  (the lead sheets themselves: {statistics.mean(truth_lengths):.1f} lengths/piece)")
    return "\n".join(lines)


def targets(scores: list[Score]) -> list[str]:
    """Which targets the set misses (key >= 90% exact, root >= 90%, root+3rd >= 85% on every
    texture, nothing skipped)."""
    misses = []
    used = [s for s in scores if s.idea is not None]
    if len(used) < len(scores):
        misses.append(f"{len(scores) - len(used)} files skipped")
    keyed = [s for s in used if s.key]
    if keyed and sum(s.key == "exact" for s in keyed) < 0.9 * len(keyed):
        misses.append("key exact < 90%")
    for texture in devset.TEXTURES:
        group = [s for s in used if s.item.variant.texture == texture]
        beats = sum(s.beats for s in group)
        if beats and sum(s.root_ok for s in group) < 0.9 * beats:
            misses.append(f"{texture}: root < 90%")
        if beats and sum(s.third_ok for s in group) < 0.85 * beats:
            misses.append(f"{texture}: root+3rd < 85%")
    return misses


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analysis")
    parser.add_argument("--songs", type=int, default=0, help="lead sheets to use (0 = all)")
    parser.add_argument("--per-song", type=int, default=1, help="files realised per lead sheet")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", choices=("openewld", "music21"), default="openewld")
    parser.add_argument("--worst", type=int, default=0, help="list the N files with the worst chords")
    parser.add_argument(
        "--real",
        action="store_true",
        help="then real pop arrangements against POP909's labels (bench.pop909: a seeded 40 songs of "
        "the tuning and the held-out part; --all for every song)",
    )
    parser.add_argument("--all", action="store_true", help="with --real: every POP909 song")
    args = parser.parse_args(argv)
    sheets = devset.openewld_sheets() if args.source == "openewld" else []
    if not sheets:
        if args.source == "openewld":
            print("../shared/corpora/openewld not found: using music21's lead sheets and generated songs")
        import random

        rng = random.Random(args.seed)
        sheets = devset.music21_sheets() + [devset.generated_sheet(rng, f"song {i}") for i in range(40)]
    if args.songs:
        sheets = sheets[: args.songs]
    items = devset.build(sheets, seed=args.seed, per_sheet=args.per_song)
    start = time.perf_counter()
    scores = [score_item(item) for item in items]
    seconds = time.perf_counter() - start
    print(report(scores, seconds))
    if args.worst:
        ranked = sorted((s for s in scores if s.beats), key=lambda s: s.root_ok / s.beats)
        for s in ranked[: args.worst]:
            print(
                f"  {s.root_ok / s.beats:5.1%} {s.item.name} key {s.idea.key.name} vs {s.item.sheet.key.name}"
            )
    misses = targets(scores)
    print("targets: " + ("all met" if not misses else "missed: " + "; ".join(misses)))
    if args.real:
        from bench import pop909

        print("\nreal pop arrangements (POP909, the dataset's labels):")
        pop909.main(["--all"] if args.all else [])
    return 0


if __name__ == "__main__":
    sys.exit(main())
