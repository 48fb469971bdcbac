"""A labelled development set for the analysis: lead sheets realised as piano MIDI files.

Each lead sheet (melody + chord symbols, with a key label) is played as a piano part in one
of several textures, transposed, and written the way real files are written: with a wrong
default C key signature or none, with a ``1/4`` time signature or none, shifted by a constant
offset, or played without a click (jittered and drifting in tempo), chord symbols removed.
The labels (key, the chord under every beat, the melody) stay beside the file, so the
analysis can be scored against them (``python -m bench.analysis``).

Sources: the public-domain lead sheets in ``../shared/corpora/openewld`` when present, or
the lead sheets inside music21 and generated songs (tests and fresh clones).
"""

from __future__ import annotations

import io
import math
import pickle
import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import mido

from songsketch.engine.formats.midi import read_raw
from songsketch.engine.music import chords as ch
from songsketch.engine.music.idea import TICKS_PER_BEAT, Key, bar_ticks

ROOT = Path(__file__).resolve().parent.parent
OPENEWLD = ROOT.parent / "shared" / "corpora" / "openewld" / "songs"
TEXTURES = ("block", "broken", "alberti", "pop")
FILE_TPB = 480
SCALE = FILE_TPB // TICKS_PER_BEAT

# Krumhansl-Kessler key profiles (major, minor), used only to label keys from chord symbols.
_PROFILES = {
    "major": (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
    "minor": (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17),
}
_MINOR_THIRD = {"m", "m7", "dim", "m7b5", "dim7", "m6"}


def third_of(quality: str) -> str:
    """'major', 'minor' or 'none' (suspended): what a chord's third is."""
    if quality.startswith("sus"):
        return "none"
    return "minor" if quality in _MINOR_THIRD else "major"


@dataclass(frozen=True)
class LeadSheet:
    """Melody (pitch, onset, duration) and chords (onset, duration, root, quality) on the
    tick grid, bar lines at multiples of the bar; the key as the chords say it."""

    name: str
    meter: tuple[int, int]
    tempo: float
    key: Key
    key_sure: bool  # the last chord is the key's tonic
    melody: tuple[tuple[int, int, int], ...]
    chords: tuple[tuple[int, int, int, str], ...]

    @property
    def total(self) -> int:
        ends = [o + d for _p, o, d in self.melody] + [o + d for o, d, _r, _q in self.chords]
        bar = bar_ticks(self.meter)
        return math.ceil(max(ends) / bar) * bar

    def chord_at(self, tick: int) -> tuple[int, str] | None:
        for onset, dur, root, quality in self.chords:
            if onset <= tick < onset + dur:
                return root, quality
        return None

    def transposed(self, steps: int) -> LeadSheet:
        return replace(
            self,
            key=Key((self.key.tonic + steps) % 12, self.key.mode),
            melody=tuple((p + steps, o, d) for p, o, d in self.melody),
            chords=tuple((o, d, (r + steps) % 12, q) for o, d, r, q in self.chords),
        )

    def slowed(self, factor: int) -> LeadSheet:
        """Every note value and chord span ``factor`` times as long: a slow tune's held notes
        over the texture's moving figure."""
        return replace(
            self,
            melody=tuple((p, factor * o, factor * d) for p, o, d in self.melody),
            chords=tuple((factor * o, factor * d, r, q) for o, d, r, q in self.chords),
        )


def label_key(chords: list[tuple[int, int, int, str]]) -> tuple[Key, bool]:
    """The key of a chord progression: chord tones (by duration) against the key profiles,
    with the last chord (and less, the first) counted as the tonic."""
    hist = [0.0] * 12
    for _o, dur, root, quality in chords:
        for pc in ch.chord_pcs(root, quality):
            hist[pc] += dur
    mean_h = sum(hist) / 12
    best = None
    last, first = chords[-1], chords[0]
    for mode, profile in _PROFILES.items():
        mean_p = sum(profile) / 12
        for tonic in range(12):
            rotated = [profile[(pc - tonic) % 12] for pc in range(12)]
            num = sum((h - mean_h) * (p - mean_p) for h, p in zip(hist, rotated))
            den = math.sqrt(sum((h - mean_h) ** 2 for h in hist) * sum((p - mean_p) ** 2 for p in rotated))
            score = num / den if den else 0.0
            for weight, (_o, _d, root, quality) in ((0.4, last), (0.15, first)):
                if root == tonic and third_of(quality) in (mode, "none"):
                    score += weight
            if best is None or score > best[0]:
                best = (score, Key(tonic, mode))
    assert best is not None
    return best[1], last[2] == best[1].tonic


def sheet_from_score(score, name: str) -> LeadSheet | None:
    """A lead sheet from a music21 score with chord symbols (first meter only); None if it
    has no chords or no melody."""
    from songsketch.engine.formats.scores import music21_to_raw

    raw = music21_to_raw(score, name, melody_first=True)
    if not raw.chord_texts:
        return None
    meter = raw.time_signatures[0][1]
    stop = next((t for t, m in raw.time_signatures if m != meter), None)
    if meter[1] not in (2, 4, 8) or meter[0] < 2:
        return None
    melody = sorted(
        (n.pitch, n.onset, n.duration)
        for n in raw.notes
        if n.part == 0 and n.duration > 0 and (stop is None or n.onset < stop)
    )
    if len(melody) < 8:
        return None
    end = max(o + d for _p, o, d in melody)
    onsets = sorted(t for t in raw.chord_texts if stop is None or t < stop)
    chords = []
    for i, onset in enumerate(onsets):
        until = onsets[i + 1] if i + 1 < len(onsets) else max(end, onset + TICKS_PER_BEAT)
        root, quality = ch.parse_symbol(raw.chord_texts[onset])
        if until > onset:
            chords.append((onset, until - onset, root, quality))
    if not chords:
        return None
    key, sure = label_key(chords)
    return LeadSheet(name, meter, raw.tempo, key, sure, tuple(melody), tuple(chords))


def _parse(path: str) -> LeadSheet | None:
    from music21 import converter

    try:
        return sheet_from_score(converter.parse(path), Path(path).stem)
    except Exception:  # a lead sheet music21 cannot read is left out
        return None


def openewld_sheets(cache: Path | None = None, limit: int | None = None) -> list[LeadSheet]:
    """The OpenEWLD lead sheets (parsed once, then pickled in ``cache``); [] when absent."""
    if not OPENEWLD.is_dir():
        return []
    paths = sorted(str(p) for p in OPENEWLD.glob("*/*/*.mxl"))
    cache = cache or ROOT / ".bench-cache" / "openewld-sheets.pkl"
    sheets = None
    if cache.exists():
        try:
            sheets = pickle.loads(cache.read_bytes())
        except Exception:
            sheets = None
    if sheets is None:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(2) as pool:
            sheets = [s for s in pool.map(_parse, paths, chunksize=8) if s is not None]
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(sheets))
    return sheets[:limit] if limit else sheets


def music21_sheets() -> list[LeadSheet]:
    """The lead sheets that ship inside music21 (a handful)."""
    from music21 import corpus

    out = []
    for path in corpus.getCorePaths():
        if Path(path).parent.name == "leadSheet":
            sheet = _parse(str(path))
            if sheet is not None:
                out.append(sheet)
    return out


# progressions for generated songs: (degree root, quality) per chord, in a major key
_PROGRESSIONS = (
    ((0, ""), (5, ""), (9, "m"), (7, "")),  # I IV vi V
    ((0, ""), (9, "m"), (5, ""), (7, "7")),  # I vi IV V7
    ((2, "m7"), (7, "7"), (0, "maj7"), (0, "")),  # ii V I
    ((0, ""), (7, ""), (9, "m"), (5, "")),  # I V vi IV
    ((9, "m"), (5, ""), (0, ""), (7, "")),  # vi IV I V
    ((0, ""), (4, "m"), (5, ""), (7, "7")),  # I iii IV V7
)


def generated_sheet(rng: random.Random, name: str) -> LeadSheet:
    """A song made up here: 8 or 16 bars of 4/4 or 3/4 over a common progression, a melody of
    chord tones on strong beats with steps between, motifs repeated."""
    meter = rng.choice(((4, 4), (4, 4), (3, 4)))
    bar = bar_ticks(meter)
    prog = list(rng.choice(_PROGRESSIONS))
    per_bar = rng.choice((1, 2)) if meter == (4, 4) else 1
    bars = rng.choice((8, 16))
    chords = []
    step = bar // per_bar
    for i in range(bars * per_bar):
        degree, quality = prog[i % len(prog)]
        if i == bars * per_bar - 1:
            degree, quality = 0, ""
        chords.append((i * step, step, degree, quality))
    scale = (0, 2, 4, 5, 7, 9, 11)
    rhythms = [(12, 12, 12, 12), (24, 12, 12), (6, 6, 12, 24), (18, 6, 24), (12, 6, 6, 24)]
    if meter == (3, 4):
        rhythms = [(12, 12, 12), (24, 12), (6, 6, 12, 12), (18, 6, 12)]
    motif = [rng.choice(rhythms) for _ in range(2)]
    melody = []
    pitch = 72
    for b in range(bars):
        t = b * bar
        for k, dur in enumerate(motif[b % 2] if b < bars - 1 else (bar,)):
            chord = next(c for c in chords if c[0] <= t < c[0] + c[1])
            tones = sorted(ch.chord_pcs(chord[2], chord[3]))
            if k == 0 or dur >= 12:
                candidates = [p for p in range(pitch - 5, pitch + 6) if p % 12 in tones]
            else:
                candidates = [p for p in range(pitch - 2, pitch + 3) if p % 12 in scale and p != pitch]
            pitch = min(max(rng.choice(candidates or [pitch]), 64), 81)
            melody.append((pitch, t, dur))
            t += dur
    key, sure = label_key(chords)
    return LeadSheet(
        name, meter, float(rng.choice((80, 96, 110, 120))), key, sure, tuple(melody), tuple(chords)
    )


# ---------------------------------------------------------------------------
# realisation as a piano part


@dataclass(frozen=True)
class Variant:
    """How one file is written."""

    texture: str = "block"
    transpose: int = 0
    signature: str = "true"  # "true" (the key), "C" (a wrong default), "none"
    meter: str = "true"  # "true", "1/4", "none"
    shift_ms: float = 0.0  # every event late by this much
    humanise: bool = False  # timing jitter and tempo drift, as played without a click
    one_track: bool = False  # both hands on one track and channel
    symbols: bool = False  # chord-symbol text events kept
    seed: int = 0

    @property
    def label(self) -> str:
        parts = [self.texture]
        if self.signature != "true":
            parts.append(f"sig={self.signature}")
        if self.meter != "true":
            parts.append(f"meter={self.meter}")
        if self.shift_ms:
            parts.append(f"shift={self.shift_ms:g}ms")
        if self.humanise:
            parts.append("played")
        return " ".join(parts)


def _voicing(root: int, quality: str, around: int = 60) -> list[int]:
    """Close position of the chord's tones nearest ``around`` (an inversion, as a right hand
    would take it)."""
    pcs = sorted(ch.chord_pcs(root, quality))
    best = None
    for inversion in range(len(pcs)):
        order = pcs[inversion:] + pcs[:inversion]
        notes, p = [], around - 7
        for pc in order:
            p += (pc - p) % 12
            notes.append(p)
            p += 1
        centre = sum(notes) / len(notes)
        if best is None or abs(centre - around) < best[0]:
            best = (abs(centre - around), notes)
    assert best is not None
    return best[1]


def _bass(root: int, low: int = 40) -> int:
    return low + (root - low) % 12


def accompaniment(sheet: LeadSheet, texture: str, rng: random.Random) -> list[tuple[int, int, int, int]]:
    """(pitch, onset, duration, velocity) of a left-hand (and middle) part in a texture."""
    beat = TICKS_PER_BEAT * 4 // sheet.meter[1]
    bar = bar_ticks(sheet.meter)
    eighth = beat // 2
    out: list[tuple[int, int, int, int]] = []
    for index, (onset, dur, root, quality) in enumerate(sheet.chords):
        end = onset + dur
        bass = _bass(root)
        rh = _voicing(root, quality, 57)
        tones = sorted(ch.chord_pcs(root, quality), key=lambda pc: (pc - root) % 12)
        third = next((pc for pc in tones if (pc - root) % 12 in (3, 4)), tones[1])
        fifth = next((pc for pc in tones if (pc - root) % 12 in (6, 7, 8)), tones[-1])
        # pieces: the chord restruck at each bar line it crosses
        starts = [onset] + [t for t in range((onset // bar + 1) * bar, end, bar)]
        for s, e in zip(starts, starts[1:] + [end]):
            if texture == "block":
                out.append((bass, s, e - s, 70))
                out += [(p, s, e - s, 62) for p in rh]
            elif texture == "broken":
                cycle = [bass, bass + (fifth - root) % 12, bass + 12, bass + 12 + (third - root) % 12]
                cycle += [cycle[2], cycle[1]]
                for k, t in enumerate(range(s, e, eighth)):
                    out.append((cycle[k % len(cycle)], t, min(eighth, e - t), 64 if k else 72))
            elif texture == "alberti":
                low = bass + 12  # root, fifth, third, fifth: the fifth on top
                top = low + (fifth - root) % 12
                mid = low + (third - root) % 12
                pattern = [low, top, mid, top]
                out.append((bass, s, e - s, 66))
                for k, t in enumerate(range(s, e, eighth)):
                    out.append((pattern[k % 4], t, min(eighth, e - t), 58))
            elif texture == "pop":
                # left hand root and fifth on the beats, right hand stabs off the beat
                for k, t in enumerate(range(s, e, beat)):
                    pitch = bass if k % 2 == 0 else bass + (fifth - root) % 12
                    out.append((pitch, t, min(beat, e - t), 74 if k == 0 else 64))
                    stab = t + eighth
                    if stab < e and k % 2 == 1:
                        out += [(p, stab, min(eighth, e - stab), 60) for p in rh]
                # a passing tone in the bass into the next chord
                nxt = sheet.chords[index + 1] if index + 1 < len(sheet.chords) else None
                if nxt is not None and e == end and e - s >= 2 * beat and rng.random() < 0.6:
                    target = _bass(nxt[2])
                    passing = target + (1 if rng.random() < 0.5 else -1) * rng.choice((1, 2))
                    t = e - eighth
                    out = [n for n in out if not (n[1] <= t < n[1] + n[2] and n[0] < 52)]
                    out.append((passing, t, eighth, 60))
            else:
                raise ValueError(f"unknown texture {texture!r}")
    return out


def tune_notes(sheet: LeadSheet, variant: Variant) -> set[tuple[int, int]]:
    """(grid onset, pitch) of the tune's notes as ``realise`` writes the sheet in ``variant``,
    one track or two: the tune realised on its own track with the same timing and read back."""
    apart = read_raw(realise(sheet, replace(variant, one_track=False)))
    right = {i for i, name in apart.part_names.items() if name == "Right"}
    return {(n.onset, n.pitch) for n in apart.notes if n.part in right}


def realise(sheet: LeadSheet, variant: Variant) -> bytes:
    """The MIDI bytes of one lead sheet as a piano file written as ``variant`` says."""
    rng = random.Random(variant.seed)
    sheet = sheet.transposed(variant.transpose)
    melody = [(p + 12 if p < 62 else p, o, d, 84) for p, o, d in sheet.melody]
    accomp = accompaniment(sheet, variant.texture, rng)
    seconds_per_tick = 60.0 / sheet.tempo / TICKS_PER_BEAT

    # performed time: a smooth tempo drift, plus per-note jitter
    drift_depth = 0.05 if variant.humanise else 0.0
    phase = rng.random() * 6.28

    def perform(tick: float) -> float:
        beats = tick / TICKS_PER_BEAT
        # integral of 1 + depth * sin(beats / 8 + phase)
        warped = beats - drift_depth * 8 * (math.cos(beats / 8 + phase) - math.cos(phase))
        return warped * TICKS_PER_BEAT * seconds_per_tick + variant.shift_ms / 1000

    def to_file(seconds: float) -> int:
        return max(0, round(seconds / seconds_per_tick * SCALE))

    def events(notes, channel):
        out = []
        for pitch, onset, dur, vel in notes:
            start, stop = perform(onset), perform(onset + dur)
            if variant.humanise:
                start += rng.gauss(0, 0.012)
                stop = start + (stop - start) * rng.uniform(0.8, 0.98)
                vel = max(20, min(120, vel + rng.randint(-12, 12)))
            a, b = to_file(start), to_file(stop)
            out.append((a, 1, mido.Message("note_on", channel=channel, note=pitch, velocity=vel)))
            out.append((max(b, a + 1), 0, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
        return out

    meta = [(0, 0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(sheet.tempo)))]
    if variant.meter == "true":
        num, den = sheet.meter
        meta.append((0, 0, mido.MetaMessage("time_signature", numerator=num, denominator=den)))
    elif variant.meter == "1/4":
        meta.append((0, 0, mido.MetaMessage("time_signature", numerator=1, denominator=4)))
    if variant.signature == "true":
        meta.append((0, 0, mido.MetaMessage("key_signature", key=sheet.key.name)))
    elif variant.signature == "C":
        meta.append((0, 0, mido.MetaMessage("key_signature", key="C")))
    if variant.symbols:
        for onset, _d, root, quality in sheet.chords:
            meta.append((to_file(perform(onset)), 0, mido.MetaMessage("text", text=ch.symbol(root, quality))))

    def track(name: str, evs) -> mido.MidiTrack:
        msgs, last = [mido.MetaMessage("track_name", name=name)], 0
        for t, _order, msg in sorted(evs, key=lambda e: (e[0], e[1])):
            msgs.append(msg.copy(time=t - last))
            last = t
        return mido.MidiTrack(msgs)

    mid = mido.MidiFile(type=1, ticks_per_beat=FILE_TPB)
    if variant.one_track:
        mid.tracks.append(track("Piano", meta + events(melody + accomp, 0)))
    else:
        mid.tracks.append(track("Piano", meta))
        mid.tracks.append(track("Right", events(melody, 0)))
        mid.tracks.append(track("Left", events(accomp, 1)))
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


@dataclass
class Item:
    """One file of the set with its labels."""

    sheet: LeadSheet  # already transposed: its key, chords and melody are the labels
    variant: Variant
    data: bytes = field(repr=False, default=b"")

    @property
    def name(self) -> str:
        return f"{self.sheet.name} [{self.variant.label}]"


def variants(rng: random.Random, index: int) -> Variant:
    """The mix of the set: every texture; a third with a wrong C signature and a third with
    none; a third written in 1/4 and some with no meter; a quarter shifted, a quarter played."""
    texture = TEXTURES[index % len(TEXTURES)]
    timing = index // len(TEXTURES) % 4  # 0 on the grid, 1 on the grid, 2 shifted, 3 played
    return Variant(
        texture=texture,
        transpose=rng.randrange(-5, 7),
        signature=rng.choice(("true", "C", "none")),
        meter=rng.choice(("true", "1/4", "1/4", "none")) if index % 3 else "true",
        shift_ms=rng.choice((35.0, 55.0, 90.0, 140.0)) if timing == 2 else 0.0,
        humanise=timing == 3,
        one_track=rng.random() < 0.5,
        seed=rng.randrange(1 << 30),
    )


def build(sheets: Iterable[LeadSheet], seed: int = 0, per_sheet: int = 1) -> list[Item]:
    """Files of the set: each lead sheet realised ``per_sheet`` times, textures in turn."""
    rng = random.Random(seed)
    items = []
    index = 0
    for sheet in sheets:
        for _ in range(per_sheet):
            variant = variants(rng, index)
            index += 1
            items.append(Item(sheet.transposed(variant.transpose), variant, realise(sheet, variant)))
    return items
