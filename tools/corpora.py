"""The shipped model's training material: the OpenEWLD lead sheets (style 'song') and the
built-in corpus inside music21 (Bach's chorales, style 'chorale'; its two lead sheets are
songs). Used by tools/export_pieces.py and tools/import_weights.py, which must agree."""

from __future__ import annotations

from pathlib import Path

from songsketch.engine.common import paths
from songsketch.engine.data.corpus import Corpus, load_builtin, load_folder

ROOT = Path(__file__).resolve().parent.parent
OPENEWLD = ROOT.parent / "shared" / "corpora" / "openewld" / "songs"

SOURCE = (
    "OpenEWLD (github.com/00sapo/OpenEWLD, MIT, DOI 10.5281/zenodo.4332855): 502 public-domain "
    "lead sheets (melody + chord symbols, voiced by Songsketch as a pianist would), style 'song'; "
    "and the built-in corpus inside music21: Bach chorales (soprano over alto/tenor/bass), "
    "style 'chorale'"
)


def load(songs_folder: Path = OPENEWLD) -> Corpus:
    """Both sources in one corpus (songs, then chorales)."""
    cache = paths.Home.from_environment().cache
    if not songs_folder.is_dir():
        raise SystemExit(f"{songs_folder}: no such folder (the lead sheets live in ../shared/corpora)")
    songs = load_folder(songs_folder, cache)
    chorales = load_builtin(cache)
    return Corpus(
        songs=songs.songs + chorales.songs,
        reports=songs.reports + chorales.reports,
        seconds=songs.seconds + chorales.seconds,
    )
