"""How Songsketch hears real pop arrangements: POP909 songs read as a user's files, scored
against the dataset's own labels (made by others: beats, chords, keys) beside music21's key
analysis of the same file.

    python -m bench.pop909 [--songs 40] [--seed 0] [--all] [--part tuning|held-out|other-meters|both|every]

The 4/4 songs are split by song as the shipped model splits them (tools/corpora.py): the 62
held-out songs are the *held-out part*, no tuning decision looks at them; the rest is the
*tuning part*. The 39 songs the dataset counts in 3 beats or 3 quavers a beat (index.csv) are
the *other meters* part: no tuning decision looked at them either (every learning tool reads
the tuning part alone), so they are a second held-out set for what does not depend on the
meter (keys, chords, the melody); their bar rows are not scored. Each file is read twice:

- as it is (three tracks, ``MELODY`` named): the key of the first idea against the opening
  key label (exact, same signature, and the confusions: relative, a fifth (IV/V), parallel);
  the chord on every labelled beat (label 'N' skipped) against the label's root and root +
  third, the label's time mapped onto the reading's timeline through the melody notes (each
  heard note matched to the MELODY note it came from); the bar length and phase against the
  labels' 4-beat flags;
- as one track (the three merged, no names: a user's one-track piano file): the share of the
  ``MELODY`` notes heard as the melody, and of the heard melody's notes that are not sung
  (intruders), and which track each intruder came from (``BRIDGE``, the second melodic
  line, or ``PIANO``) with the share of each track's notes so taken; the same merge with every
  note at velocity 80 (a notation program's
  export, of one loudness); and bars 17-32 of the merge cut out as a file of their own (a
  user's excerpt: its tune may start in the first bar, with no intro before it).
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import mido
import numpy as np

from bench.analysis import key_relation  # (the synthetic bench's, one rule for both)
from songsketch.engine.data.pop909 import LabelError, read_index, read_labels
from songsketch.engine.formats.analysis import AnalysisError, RawScore, analyse, monophonic_line, split_melody
from songsketch.engine.formats.midi import MidiError, file_events, read_raw, seconds_of
from songsketch.engine.music import chords as ch
from songsketch.engine.music.idea import TICKS_PER_BEAT, Idea, Key, bar_ticks

ROOT = Path(__file__).resolve().parent.parent
EXCERPT_BARS = (16, 32)  # the one-track excerpt: bars 17-32 of the merge (4-beat bars)
POP909 = ROOT.parent / "shared" / "corpora" / "pop909"


@dataclass
class SongScore:
    name: str
    error: str = ""
    key: str = ""  # exact / relative / fifth / parallel / other
    same_signature: bool = False
    m21_key: str = ""
    m21_signature: bool = False
    beats: int = 0
    root_ok: int = 0
    third_ok: int = 0
    bar_ok: bool = False
    phase: float = 0.0  # share of labelled downbeats heard on a bar line
    steady_flags: bool = False  # the labels' downbeats keep one phase (>= 80% on one beat of the bar)
    flag_beat: int = 0  # the beat of the heard bar most labelled downbeats fall on (0 = the bar line)
    sung: int = 0  # MELODY notes (one-track merge)
    sung_heard: int = 0  # of them, heard as melody
    heard: int = 0  # notes heard as melody
    intruders: int = 0  # of them, not sung
    second: int = 0  # BRIDGE notes (not doubling a sung note)
    second_heard: int = 0  # of them, heard as melody
    piano: int = 0  # PIANO notes (the same)
    piano_heard: int = 0
    flat_heard: int = 0  # the same, the merge at one loudness (velocity 80)
    flat_sung_heard: int = 0
    flat_intruders: int = 0
    cut_sung: int = 0  # the same for a 16-bar excerpt of the merge (EXCERPT_BARS), as a file of its own
    cut_sung_heard: int = 0
    cut_heard: int = 0
    cut_intruders: int = 0
    remarks: list[str] = field(default_factory=list)


def same_signature(a: Key, b: Key) -> bool:
    def major(k: Key) -> int:
        return k.tonic if k.mode == "major" else (k.tonic + 3) % 12

    return major(a) == major(b)


def third_class(quality: str) -> int | None:
    """3 (minor third), 4 (major third), or None (sus / power)."""
    intervals = ch.QUALITIES[quality]
    return 3 if 3 in intervals else 4 if 4 in intervals else None


def melody_anchors(idea: Idea, sung: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    """(ticks, seconds) of heard melody notes matched to the sung notes they came from: in
    order, same pitch class, each match within the next few sung notes."""
    ticks, secs = [], []
    j = 0
    for n in sorted(idea.melody, key=lambda n: n.onset):
        for k in range(j, min(j + 4, len(sung))):
            if sung[k][0] % 12 == n.pitch % 12:
                if not secs or sung[k][1] > secs[-1]:
                    ticks.append(n.onset)
                    secs.append(sung[k][1])
                j = k + 1
                break
    return np.array(ticks, float), np.array(secs, float)


def music21_key(path: Path) -> Key | None:
    try:
        from music21 import converter

        found = converter.parse(str(path)).analyze("key")
        return Key(found.tonic.pitchClass, "minor" if found.mode == "minor" else "major")
    except Exception:  # music21 raises many kinds on odd files
        return None


def merged_midi(path: Path, velocity: int | None = None) -> bytes:
    """The file's three tracks as one unnamed piano track (a user's one-track file); with
    ``velocity``, every note struck at it (a notation program's export, of one loudness)."""
    mid = mido.MidiFile(path)
    merged = mido.merge_tracks(mid.tracks)
    out = mido.MidiFile(ticks_per_beat=mid.ticks_per_beat)
    track = mido.MidiTrack()
    for msg in merged:
        if msg.type in ("track_name", "instrument_name"):
            msg = mido.MetaMessage("text", text="", time=msg.time)
        elif hasattr(msg, "channel"):
            msg = msg.copy(channel=0)
            if velocity is not None and msg.type == "note_on" and msg.velocity > 0:
                msg = msg.copy(velocity=velocity)
        track.append(msg)
    out.tracks.append(track)
    buffer = io.BytesIO()
    out.save(file=buffer)
    return buffer.getvalue()


def score_song(folder: Path, with_music21: bool = True) -> SongScore:
    out = SongScore(folder.name)
    path = folder / f"{folder.name}.mid"
    try:
        labels = read_labels(folder)
        events = file_events(path)
        raw = read_raw(path)
        analysis = analyse(raw)
    except (LabelError, MidiError, AnalysisError, ValueError) as exc:
        out.error = str(exc)
        return out
    out.remarks = list(analysis.remarks)
    idea = max(analysis.ideas, key=lambda i: i.bars)
    melody_track = next(i for i, n in events.part_names.items() if n.strip().upper() == "MELODY")
    starts = seconds_of(events, [f[1] for f in events.found])
    sung = sorted((f[0], s) for f, s in zip(events.found, starts) if f[4] == melody_track)
    sung = [(p, s) for p, s in sorted(sung, key=lambda x: x[1])]
    if labels.keys:
        truth = labels.keys[0][1]
        out.key = key_relation(idea.key, truth)
        out.same_signature = same_signature(idea.key, truth)
        if with_music21:
            theirs = music21_key(path)
            if theirs is not None:
                out.m21_key = key_relation(theirs, truth)
                out.m21_signature = same_signature(theirs, truth)
    ticks, secs = melody_anchors(idea, sung)
    if len(ticks) >= 8:
        lo, hi = secs[0], secs[-1]
        beats = np.array(labels.beats)
        for t in beats:
            if not lo <= t <= hi:
                continue
            label = next((c for c in labels.chords if c.start <= t + 0.05 < c.end), None)
            if label is None:
                continue
            tick = float(np.interp(t, secs, ticks))
            found = next((c for c in idea.chords if c.onset <= tick + 1 < c.end), None)
            out.beats += 1
            if found is not None and found.root == label.root:
                out.root_ok += 1
                out.third_ok += third_class(found.quality) == third_class(label.quality)
        bar = bar_ticks(idea.meter)
        out.bar_ok = bar == 48
        flagged = [t for t, d in zip(beats, labels.downbeats) if d and lo <= t <= hi]
        if flagged:
            on_line = [abs(((np.interp(t, secs, ticks) + 3) % bar) - 3) <= 3 for t in flagged]
            out.phase = float(np.mean(on_line))
            beats_in = np.round([np.interp(t, secs, ticks) / (bar // 4) for t in flagged]).astype(int) % 4
            out.steady_flags = np.bincount(beats_in, minlength=4).max() >= 0.8 * len(flagged)
            out.flag_beat = int(np.bincount(beats_in, minlength=4).argmax())
    # the one-track merge, as played and at one loudness: which notes are heard as the melody
    sung_set = {(n.onset, n.pitch) for n in raw.notes if n.part == melody_track}
    out.sung = len(sung_set)
    tracks = {name.strip().upper(): i for i, name in events.part_names.items()}
    second = {(n.onset, n.pitch) for n in raw.notes if n.part == tracks.get("BRIDGE")} - sung_set
    piano = {(n.onset, n.pitch) for n in raw.notes if n.part == tracks.get("PIANO")} - sung_set - second
    out.second, out.piano = len(second), len(piano)
    for velocity in (None, 80):
        try:
            merged = read_raw(merged_midi(path, velocity))
        except (MidiError, OSError) as exc:
            out.error = f"merge: {exc}"
            return out
        heard = {(n.onset, n.pitch) for n in monophonic_line(split_melody(merged)[0])}
        figures = len(heard), len(sung_set & heard), len(heard - sung_set)
        if velocity is None:
            out.heard, out.sung_heard, out.intruders = figures
            out.second_heard, out.piano_heard = len(heard & second), len(heard & piano)
            out.cut_sung, out.cut_heard, out.cut_sung_heard, out.cut_intruders = _excerpt_figures(
                merged, sung_set
            )
        else:
            out.flat_heard, out.flat_sung_heard, out.flat_intruders = figures
    return out


def _excerpt_figures(merged: RawScore, sung: set[tuple[int, int]]) -> tuple[int, int, int, int]:
    """(sung, heard, sung heard, heard not sung) in bars EXCERPT_BARS of the merged track, cut
    out and moved to start at 0: a user's excerpt of a song, its tune from the first bar or so."""
    first, last = (b * 4 * TICKS_PER_BEAT for b in EXCERPT_BARS)
    notes = [replace(n, onset=n.onset - first) for n in merged.notes if first <= n.onset < last]
    wanted = {(o - first, p) for o, p in sung if first <= o < last}
    if not notes or not wanted:
        return 0, 0, 0, 0
    try:
        tune = split_melody(replace(merged, notes=notes, end=0))[0]
    except (AnalysisError, ValueError):
        return len(wanted), 0, 0, 0
    heard = {(n.onset, n.pitch) for n in monophonic_line(tune)}
    return len(wanted), len(heard), len(wanted & heard), len(heard - wanted)


def split(root: Path) -> tuple[list[Path], list[Path]]:
    """(tuning, held-out) song folders in 4/4: held out = the shipped model's held-out pop songs."""
    index = read_index(root)
    folders = sorted(
        p for p in (root / "songs").iterdir() if p.is_dir() and index.get(p.name, (2, 2)) == (2, 2)
    )
    held = set(_held_out_names(root))
    return [f for f in folders if f.name not in held], [f for f in folders if f.name in held]


def other_meters(root: Path) -> list[Path]:
    """The song folders the dataset counts in 3 beats a bar or 3 quavers a beat (never tuned on)."""
    index = read_index(root)
    return sorted(p for p in (root / "songs").iterdir() if p.is_dir() and index.get(p.name, (2, 2)) != (2, 2))


def _held_out_names(root: Path) -> list[str]:
    """The held-out pop songs of the shipped model's card (its validation songs), or a
    seeded tenth when the card names none."""
    from songsketch.engine.ml.store import ModelError, read_card

    try:
        names = [
            n for n in read_card(ROOT / "resources" / "default_model").validation_song_names if n.isdigit()
        ]
        if names:
            return names
    except ModelError:
        pass
    from songsketch.engine.data.pop909 import load_pop909
    from songsketch.engine.ml.settings import TrainSettings
    from songsketch.engine.ml.split import split_songs

    corpus = load_pop909(root)
    _train, held = split_songs(corpus.songs, TrainSettings().val_fraction, TrainSettings().seed)
    return [s.name for s in held]


def report(title: str, scores: list[SongScore], seconds: float, bars: bool = True) -> str:
    ok = [s for s in scores if not s.error]
    keyed = [s for s in ok if s.key]
    lines = [f"{title}: {len(scores)} songs, {len(scores) - len(ok)} refused, {seconds:.1f} s"]
    if keyed:
        kinds = {
            k: sum(s.key == k for s in keyed) / len(keyed) for k in ("exact", "relative", "fifth", "parallel")
        }
        m21 = [s for s in keyed if s.m21_key]
        signature = np.mean([s.same_signature for s in keyed])
        lines.append(
            f"  key exact {kinds['exact']:.0%}, same signature {signature:.0%} (relative"
            f" {kinds['relative']:.0%}, IV/V {kinds['fifth']:.0%}, parallel {kinds['parallel']:.0%})"
            + (
                f"; music21 analyze('key'): exact {np.mean([s.m21_key == 'exact' for s in m21]):.0%},"
                f" same signature {np.mean([s.m21_signature for s in m21]):.0%}"
                if m21
                else ""
            )
        )
    beats = sum(s.beats for s in ok)
    if beats:
        lines.append(
            f"  chords on {beats} labelled beats: root {sum(s.root_ok for s in ok) / beats:.1%},"
            f" root + third {sum(s.third_ok for s in ok) / beats:.1%}"
        )
    if ok and bars:
        lines.append(
            f"  bars of 4 beats {np.mean([s.bar_ok for s in ok]):.0%}, labelled downbeats on a bar line"
            f" {statistics.mean(s.phase for s in ok):.0%}"
        )
        steady = [s for s in ok if s.steady_flags]
        if steady:
            lines.append(
                f"    of the {len(steady)} songs whose flagged downbeats keep one phase: on a bar line"
                f" {statistics.mean(s.phase for s in steady):.0%}; flagged a beat before the heard bar line"
                f" in {sum(s.flag_beat == 3 for s in steady)} songs"
            )
    sung = sum(s.sung for s in ok)
    heard = sum(s.heard for s in ok)
    if sung:
        lines.append(
            f"  one-track merge: sung notes heard as melody {sum(s.sung_heard for s in ok) / sung:.1%},"
            f" heard melody notes not sung {sum(s.intruders for s in ok) / max(heard, 1):.1%}"
        )
        lines.append(
            f"    of the heard, BRIDGE {sum(s.second_heard for s in ok) / max(heard, 1):.1%},"
            f" PIANO {sum(s.piano_heard for s in ok) / max(heard, 1):.1%}; of each track's notes heard as"
            f" melody: BRIDGE {sum(s.second_heard for s in ok) / max(sum(s.second for s in ok), 1):.1%},"
            f" PIANO {sum(s.piano_heard for s in ok) / max(sum(s.piano for s in ok), 1):.1%},"
            f" both {sum(s.intruders for s in ok) / max(sum(s.second + s.piano for s in ok), 1):.1%}"
        )
        flat = sum(s.flat_heard for s in ok)
        lines.append(
            f"    the same at one loudness (velocity 80): {sum(s.flat_sung_heard for s in ok) / sung:.1%},"
            f" {sum(s.flat_intruders for s in ok) / max(flat, 1):.1%}"
        )
        cut = sum(s.cut_sung for s in ok)
        if cut:
            lines.append(
                f"    16-bar excerpts (bars {EXCERPT_BARS[0] + 1}-{EXCERPT_BARS[1]}, a file each):"
                f" {sum(s.cut_sung_heard for s in ok) / cut:.1%},"
                f" {sum(s.cut_intruders for s in ok) / max(sum(s.cut_heard for s in ok), 1):.1%}"
            )
    for s in scores:
        if s.error:
            lines.append(f"  refused {s.name}: {s.error}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pop909")
    parser.add_argument("--songs", type=int, default=40, help="songs per part (a seeded sample)")
    parser.add_argument("--all", action="store_true", help="every song of each part")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--part",
        choices=("tuning", "held-out", "other-meters", "both", "every"),
        default="both",
        help="both: the tuning and held-out parts; every: the other meters too",
    )
    parser.add_argument("--no-music21", action="store_true", help="skip music21's key analysis (slow)")
    parser.add_argument("--worst", type=int, default=0, help="list the N songs with the worst chord roots")
    args = parser.parse_args(argv)
    if not POP909.is_dir():
        print(f"{POP909} not found: nothing to measure")
        return 0
    tuning, held = split(POP909)
    parts = {"tuning": tuning, "held-out": held, "other-meters": other_meters(POP909)}
    for name, folders in parts.items():
        wanted = {"both": ("tuning", "held-out"), "every": tuple(parts)}.get(args.part, (args.part,))
        if name not in wanted:
            continue
        if not args.all and len(folders) > args.songs:
            folders = sorted(random.Random(args.seed).sample(folders, args.songs))
        start = time.perf_counter()
        scores = [score_song(f, not args.no_music21) for f in folders]
        print(report(f"{name} part", scores, time.perf_counter() - start, bars=name != "other-meters"))
        if args.worst:
            ranked = sorted((s for s in scores if s.beats), key=lambda s: s.root_ok / s.beats)
            for s in ranked[: args.worst]:
                print(
                    f"    {s.root_ok / s.beats:5.1%} root  song {s.name}  key {s.key}  {'; '.join(s.remarks)}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
