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
from ..formats.analysis import Analysis, AnalysisError, analyse
from ..formats.midi import read_raw
from ..formats.scores import read_score
from ..music.idea import Idea, idea_from_data, idea_to_data

ANALYSIS_VERSION = "23"  # bump when reading/analysis changes: old cache entries are ignored
MIDI_SUFFIXES = {".mid", ".midi", ".kar", ".smf"}
SCORE_SUFFIXES = {".xml", ".mxl", ".musicxml", ".abc", ".krn"}
MUSIC_SUFFIXES = MIDI_SUFFIXES | SCORE_SUFFIXES

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
            return analyse(read_score(path, melody_first))
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
    if not any(i.chords for i in ideas):
        corpus.reports.append(FileReport(str(path), False, "melody only: no chords to learn from"))
        return
    ideas = tuple(i for i in ideas if i.chords)
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
