"""The shipped model's training material: POP909's pop songs read through their labels (style
'pop'), the OpenEWLD lead sheets (style 'song') and the built-in corpus inside music21 (Bach's
chorales, style 'chorale'; its two lead sheets are songs). Used by tools/export_pieces.py and
tools/import_weights.py, which must agree, and by the evaluation of the shipped model."""

from __future__ import annotations

from pathlib import Path

from songsketch.engine.common import paths
from songsketch.engine.data.corpus import Corpus, Song, load_builtin, load_folder
from songsketch.engine.data.pop909 import load_pop909
from songsketch.engine.ml.settings import TrainSettings
from songsketch.engine.ml.split import split_songs

ROOT = Path(__file__).resolve().parent.parent
OPENEWLD = ROOT.parent / "shared" / "corpora" / "openewld" / "songs"
POP909 = ROOT.parent / "shared" / "corpora" / "pop909"

SOURCE = (
    "POP909 (github.com/music-x-lab/POP909-Dataset, MIT; Wang, Chen, Jiang, Zhang, Xu, Dai, Bin, "
    "Xia, 'POP909: A Pop-song Dataset for Music Arrangement Generation', ISMIR 2020): songs "
    "251-909 in 4/4 (620 of 659), the MELODY track over the dataset's chord labels voiced as its "
    "pianists play them, in its labelled keys and bars, style 'pop'; "
    "OpenEWLD (github.com/00sapo/OpenEWLD, MIT, DOI 10.5281/zenodo.4332855): 502 public-domain "
    "lead sheets (melody + chord symbols, voiced by Songsketch as a pianist would), style 'song'; "
    "and the built-in corpus inside music21: Bach chorales (soprano over alto/tenor/bass), "
    "style 'chorale'"
)


def load(songs_folder: Path = OPENEWLD, pop_folder: Path = POP909) -> Corpus:
    """The three sources in one corpus (lead sheets, chorales, pop songs)."""
    cache = paths.Home.from_environment().cache
    for folder in (songs_folder, pop_folder):
        if not folder.is_dir():
            raise SystemExit(f"{folder}: no such folder (the corpora live in ../shared/corpora)")
    parts = [load_folder(songs_folder, cache), load_builtin(cache), load_pop909(pop_folder)]
    return Corpus(
        songs=[s for c in parts for s in c.songs],
        reports=[r for c in parts for r in c.reports],
        seconds=sum(c.seconds for c in parts),
    )


def split(songs: list[Song]) -> tuple[list[Song], list[Song]]:
    """(train, held out), by tune, 10% held out: the lead sheets and chorales together as the
    previous default model split them (53 + 39 held out; it was trained on the rest, so a
    model started from it has seen nothing held out), the pop songs on their own (62)."""
    settings = TrainSettings()
    older = [s for s in songs if s.style != "pop"]
    pop = [s for s in songs if s.style == "pop"]
    train, held = split_songs(older, settings.val_fraction, settings.seed)
    if pop:
        t, v = split_songs(pop, settings.val_fraction, settings.seed)
        train, held = train + t, held + v
    return train, held
