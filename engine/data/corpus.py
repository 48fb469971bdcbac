"""Training corpora: the built-in one (scores shipped inside music21) and a user's folder.

Every file is either used (its ideas kept) or skipped with a one-line reason. Results are
cached by the file's content hash (plus the analysis version), so loading the same files
again parses nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..common.files import atomic_write
from ..formats.analysis import Analysis, AnalysisError, RawNote, RawScore, analyse
from ..formats.midi import read_raw
from ..formats.musicxml import AUTHOR
from ..music import chords as ch
from ..music.idea import TICKS_PER_BEAT, Idea, Key, idea_from_data, idea_to_data
from ..music.voicing import Symbol, voice_symbols

ANALYSIS_VERSION = "11"  # bump when reading/analysis changes: old cache entries are ignored
MIDI_SUFFIXES = {".mid", ".midi", ".kar", ".smf"}
SCORE_SUFFIXES = {".xml", ".mxl", ".musicxml", ".abc", ".krn"}
MUSIC_SUFFIXES = MIDI_SUFFIXES | SCORE_SUFFIXES
MAX_SCORE_BYTES = 20 * 1024 * 1024
DEFAULT_SCORE_TEMPO = 90
_VOICE_NAMES = ("soprano", "alto", "tenor", "bass")

Progress = Callable[[int, int, str], None]  # (done, total, current file)


@dataclass(frozen=True)
class Song:
    """One usable file: its ideas (one per stretch of constant meter)."""

    name: str
    path: str
    ideas: tuple[Idea, ...]
    style: str = "song"  # what the model is told it learns from: a song or a chorale

    @property
    def bars(self) -> int:
        return sum(i.bars for i in self.ideas)

    @property
    def notes(self) -> int:
        return sum(len(i.melody) + sum(len(c.voicing) for c in i.chords) for i in self.ideas)


@dataclass(frozen=True)
class FileReport:
    """What happened to one file: used, or skipped and why."""

    path: str
    used: bool
    reason: str = ""


@dataclass
class Corpus:
    songs: list[Song] = field(default_factory=list)
    reports: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0
    parsed: int = 0  # files analysed this time
    cached: int = 0  # files answered by the cache

    @property
    def used(self) -> int:
        return sum(1 for r in self.reports if r.used)

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.reports if not r.used)


class CorpusError(ValueError):
    """A corpus with nothing usable (message says why)."""


# ---------------------------------------------------------------------------
# music21 scores -> RawScore


def music21_to_raw(score, name: str, melody_first: bool = False) -> RawScore:
    """Notes (ties merged), meters, rehearsal marks, tempo and chord symbols of a music21
    score. Chord symbols of a lead sheet become block chords in the low register."""
    from music21 import harmony
    from music21 import tempo as m21tempo

    parts = list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score]
    voices = {
        v: i
        for i, p in enumerate(parts)
        for v in _VOICE_NAMES
        if (p.partName or "").strip().lower().startswith(v)
    }
    if "soprano" in voices and len(voices) >= 3:
        # a choral setting, maybe with instruments doubling the voices: the sung voices only,
        # soprano first (= the melody)
        parts = [parts[voices[v]] for v in _VOICE_NAMES if v in voices]
    shift = 0.0
    measures = parts[0].getElementsByClass("Measure")
    if len(measures) and measures[0].paddingLeft:
        shift = float(measures[0].paddingLeft)  # a pickup: move the bar lines onto the grid

    def tick(offset) -> int:
        return int(round((float(offset) + shift) * TICKS_PER_BEAT))

    notes: list[RawNote] = []
    sigs: list[tuple[int, tuple[int, int]]] = []
    markers: list[tuple[int, str]] = []
    symbols: list[tuple[int, tuple[int, str], int | None]] = []  # onset, chord, slash bass
    names: dict[int, str] = {}
    bpm = None
    end = 0
    for index, part in enumerate(parts):
        names[index] = part.partName or ""
        flat = part.stripTies().flatten()
        for el in flat.notesAndRests:
            onset, dur = tick(el.offset), int(round(float(el.quarterLength) * TICKS_PER_BEAT))
            end = max(end, onset + dur)
            if isinstance(el, harmony.ChordSymbol):
                try:
                    pcs = {p.pitchClass for p in el.pitches}
                    root = el.root().pitchClass
                    bass = el.bass().pitchClass if el.bass() is not None else root
                except (AttributeError, ValueError):
                    continue
                if pcs:
                    weights = {pc: 1.0 for pc in pcs}
                    weights[root] = 2.0
                    heard = ch.recognise(weights, root)
                    if heard is not None:
                        symbols.append((onset, heard, bass if bass != heard[0] else None))
                continue
            if el.isRest or dur <= 0:
                continue
            velocity = el.volume.velocity if el.volume.velocity else 80
            for p in el.pitches:
                notes.append(RawNote(p.midi, onset, dur, int(velocity), index, 0))
        if index == 0:
            for ts in flat.getElementsByClass("TimeSignature"):
                sigs.append((tick(ts.offset), (ts.numerator, ts.denominator)))
            for mark in flat.getElementsByClass("RehearsalMark"):
                markers.append((tick(mark.offset), str(mark.content)))
        for mm in flat.getElementsByClass(m21tempo.MetronomeMark):
            if bpm is None and mm.number:
                bpm = float(mm.getQuarterBPM() or mm.number)
    texts: dict[int, str] = {}
    if symbols:
        # chord symbols alone (a lead sheet) are voiced as a pianist would, each chord lasting
        # until the next symbol; where the chords are also written out (a piano part under a
        # lead sheet, as Songsketch exports it), the symbols only name them
        written = any(n.part > 0 for n in notes)
        accomp_part = len(parts)
        symbols.sort(key=lambda s: s[0])
        spans = []
        for i, (onset, (root, quality), bass) in enumerate(symbols):
            stop = symbols[i + 1][0] if i + 1 < len(symbols) else max(end, onset + TICKS_PER_BEAT)
            if stop > onset:
                spans.append((onset, stop, Symbol(root, quality, bass)))
                texts[onset] = ch.symbol(root, quality)
        if not written:
            tune = [n for n in notes if n.part == 0]
            ceilings = [
                min((n.pitch for n in tune if n.onset < stop and n.onset + n.duration > onset), default=None)
                for onset, stop, _s in spans
            ]
            voicings = voice_symbols([s for *_t, s in spans], ceilings)
            for (onset, stop, _s), voicing in zip(spans, voicings):
                for p in voicing:
                    notes.append(RawNote(p, onset, stop - onset, 72, accomp_part, 0))
            names[accomp_part] = "Chords"
    melody_parts = {0} if (melody_first or symbols) and notes else None
    written_key = None
    signatures = list(parts[0].flatten().getElementsByClass("KeySignature"))
    if signatures:
        sig = signatures[0]
        mode = getattr(sig, "mode", "major")
        as_key = sig.asKey("minor" if mode == "minor" else "major")
        written_key = Key(as_key.tonic.pitchClass, "minor" if mode == "minor" else "major")
    authored = False
    if score.metadata is not None:
        try:
            authored = any(str(s) == AUTHOR for s in score.metadata["software"])
        except (AttributeError, KeyError, TypeError):
            authored = False
    return RawScore(
        notes=notes,
        time_signatures=sigs or [(0, (4, 4))],
        tempo=bpm or DEFAULT_SCORE_TEMPO,
        markers=markers,
        chord_texts=texts,
        part_names=names,
        melody_parts=melody_parts,
        name=name,
        key=written_key,
        authored=authored,
    )


def _parse_score_file(path: Path, melody_first: bool) -> Analysis:
    from music21 import converter

    if path.stat().st_size > MAX_SCORE_BYTES:
        raise AnalysisError("file too large")
    try:
        score = converter.parse(str(path))
    except Exception as exc:  # music21 raises many exception types for bad files
        raise AnalysisError(f"unreadable score: {type(exc).__name__}: {str(exc)[:80]}") from None
    if hasattr(score, "scores") and not hasattr(score, "parts"):  # an Opus of several tunes
        score = score.scores[0]
    return analyse(music21_to_raw(score, path.stem, melody_first))


def analyse_path(path: str | os.PathLike, melody_first: bool = False) -> Analysis:
    """What was heard in one music file (MIDI through mido, scores through music21): its
    ideas and what had to be assumed. Raises ValueError (MidiError, AnalysisError) with a
    one-line reason."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        return analyse(read_raw(path))
    if suffix in SCORE_SUFFIXES:
        try:
            return _parse_score_file(path, melody_first)
        except OSError as exc:
            raise AnalysisError(f"cannot read: {exc.strerror or exc}") from None
    raise AnalysisError(f"not a music file ({suffix or 'no extension'})")


def analyse_file(path: Path, melody_first: bool = False) -> list[Idea]:
    """Ideas of one music file. Raises ValueError with a one-line reason."""
    return list(analyse_path(path, melody_first).ideas)


# ---------------------------------------------------------------------------
# cache


class Cache:
    """Analysis results on disk, one JSON file per content hash."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @staticmethod
    def key(data: bytes, melody_first: bool) -> str:
        h = hashlib.sha256(data)
        h.update(f"|v{ANALYSIS_VERSION}|{int(melody_first)}".encode())
        return h.hexdigest()

    def get(self, key: str) -> dict | None:
        if self.folder is None:
            return None
        try:
            return json.loads((self.folder / key[:2] / f"{key}.json").read_text())
        except (OSError, ValueError):
            return None

    def put(self, key: str, entry: dict) -> None:
        if self.folder is None:
            return
        try:
            atomic_write(self.folder / key[:2] / f"{key}.json", json.dumps(entry).encode())
        except OSError:
            pass  # a cache that cannot be written only costs time


def _load_one(path: Path, cache: Cache, melody_first: bool, corpus: Corpus) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        corpus.reports.append(FileReport(str(path), False, f"cannot read: {exc.strerror or exc}"))
        return
    key = Cache.key(data, melody_first)
    entry = cache.get(key)
    if entry is not None:
        corpus.cached += 1
    else:
        corpus.parsed += 1
        try:
            heard = analyse_path(path, melody_first)
            entry = {"ideas": [idea_to_data(i) for i in heard.ideas], "remarks": list(heard.remarks)}
        except (ValueError, OSError, RecursionError) as exc:
            entry = {"error": str(exc) or type(exc).__name__}
        except Exception as exc:  # never let one bad file stop the corpus
            entry = {"error": f"{type(exc).__name__}: {str(exc)[:80]}"}
        cache.put(key, entry)
    if "error" in entry:
        corpus.reports.append(FileReport(str(path), False, entry["error"]))
        return
    try:
        ideas = tuple(idea_from_data(d).with_name(path.stem) for d in entry["ideas"])
    except (KeyError, TypeError, ValueError):
        corpus.reports.append(FileReport(str(path), False, "damaged cache entry"))
        return
    corpus.songs.append(Song(path.stem, str(path), ideas))
    remarks = [str(r) for r in entry.get("remarks", [])]
    line = "; ".join([f"{sum(i.bars for i in ideas)} bars", *remarks])
    corpus.reports.append(FileReport(str(path), True, line))


def load_files(
    paths: Iterable[Path],
    cache_dir: Path | None,
    melody_first: bool = False,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    skipped: Iterable[FileReport] = (),
) -> Corpus:
    """Analyse files (through the cache). ``skipped`` are reports gathered while listing."""
    start = time.perf_counter()
    paths = list(paths)
    corpus = Corpus(reports=list(skipped))
    cache = Cache(cache_dir)
    for i, path in enumerate(paths):
        if cancel is not None and cancel():
            break
        if progress is not None:
            progress(i, len(paths), str(path))
        _load_one(path, cache, melody_first, corpus)
    if progress is not None:
        progress(len(paths), len(paths), "")
    corpus.seconds = time.perf_counter() - start
    return corpus


def list_folder(folder: str | os.PathLike) -> tuple[list[Path], list[FileReport]]:
    """Music files under a folder (recursive, symlinked folders not followed) and reports for
    everything else. Raises CorpusError if the folder cannot be listed."""
    folder = Path(folder)
    if not folder.exists():
        raise CorpusError(f"folder not found: {folder}")
    if not folder.is_dir():
        raise CorpusError(f"not a folder: {folder}")
    music, other = [], []
    errors: list[OSError] = []
    for root, dirs, files in os.walk(folder, onerror=errors.append, followlinks=False):
        for d in sorted(dirs):
            if os.path.islink(os.path.join(root, d)):
                other.append(FileReport(os.path.join(root, d), False, "linked folder not followed"))
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(root, d))
        )
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith("."):
                continue
            if path.suffix.lower() in MUSIC_SUFFIXES:
                if path.is_file():
                    music.append(path)
                else:
                    other.append(FileReport(str(path), False, "not a regular file (broken link?)"))
            else:
                other.append(
                    FileReport(
                        str(path), False, f"not a music file ({path.suffix.lower() or 'no extension'})"
                    )
                )
    for exc in errors:
        other.append(
            FileReport(str(getattr(exc, "filename", folder)), False, f"cannot list: {exc.strerror or exc}")
        )
    return music, other


def load_folder(
    folder: str | os.PathLike,
    cache_dir: Path | None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Corpus:
    """A user's folder: MIDI, MusicXML, ABC and kern files, recursively."""
    paths, skipped = list_folder(folder)
    return load_files(paths, cache_dir, progress=progress, cancel=cancel, skipped=skipped)


def builtin_paths() -> list[Path]:
    """Scores shipped inside music21 with melody + harmony: Bach's four-part chorales
    (soprano = melody, the lower voices = chords) and the lead sheets (melody + symbols)."""
    from music21 import corpus as m21corpus

    paths = []
    for p in m21corpus.getComposer("bach"):
        p = Path(p)
        if p.name.startswith("bwv") and p.suffix in (".mxl", ".xml", ".krn"):
            paths.append(p)
    for p in m21corpus.getCorePaths():
        p = Path(p)
        if p.parent.name in ("leadSheet",):
            paths.append(p)
    return sorted(paths)


def load_builtin(
    cache_dir: Path | None, progress: Progress | None = None, cancel: Callable[[], bool] | None = None
) -> Corpus:
    """The built-in corpus (no download: the files ship with music21)."""
    corpus = load_files(builtin_paths(), cache_dir, melody_first=True, progress=progress, cancel=cancel)
    corpus.songs = [
        replace(s, style="chorale") if Path(s.path).name.startswith("bwv") else s for s in corpus.songs
    ]
    return corpus
