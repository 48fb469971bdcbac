"""Corpora: a user folder with good and bad files, the cache, the built-in scores, the CLI."""

import os
from pathlib import Path

import pytest

from songsketch.engine.data.corpus import CorpusError, analyse_file, builtin_paths, load_folder
from tests.helpers import song_bytes, song_folder

Q = 480


@pytest.fixture
def folder(tmp_path):
    return song_folder(tmp_path / "songs")


def test_folder_uses_good_files_and_skips_bad_with_reasons(folder, tmp_path):
    corpus = load_folder(folder, tmp_path / "cache")
    used = sorted(Path(r.path).name for r in corpus.reports if r.used)
    assert used == ["a.mid", "b.MIDI"]
    reasons = {Path(r.path).name: r.reason for r in corpus.reports if not r.used}
    assert "damaged" in reasons["broken.mid"] or "no notes" in reasons["broken.mid"]
    assert "not a MIDI" in reasons["fake.mid"]
    assert "empty" in reasons["empty.mid"]
    assert "not a music file" in reasons["notes.txt"]
    assert all(s.ideas[0].bars == 8 for s in corpus.songs)
    assert corpus.parsed == 5 and corpus.cached == 0


def test_second_load_parses_nothing(folder, tmp_path):
    first = load_folder(folder, tmp_path / "cache")
    second = load_folder(folder, tmp_path / "cache")
    assert second.parsed == 0 and second.cached == 5
    assert [s.ideas for s in second.songs] == [s.ideas for s in first.songs]
    assert [(r.path, r.used, r.reason) for r in second.reports] == [
        (r.path, r.used, r.reason) for r in first.reports
    ]


def test_changed_file_is_parsed_again(folder, tmp_path):
    load_folder(folder, tmp_path / "cache")
    (folder / "a.mid").write_bytes(song_bytes(5))
    again = load_folder(folder, tmp_path / "cache")
    assert again.parsed == 1


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        load_folder(tmp_path / "nope", None)
    (tmp_path / "empty").mkdir()
    corpus = load_folder(tmp_path / "empty", None)
    assert corpus.songs == [] and corpus.reports == []


def test_symlink_loop_is_not_followed(tmp_path):
    root = tmp_path / "loop"
    root.mkdir()
    (root / "a.mid").write_bytes(song_bytes())
    os.symlink(root, root / "again")
    corpus = load_folder(root, None)
    assert len(corpus.songs) == 1
    assert any("linked folder" in r.reason for r in corpus.reports)


def test_builtin_chorale_gives_melody_over_chords():
    path = next(p for p in builtin_paths() if p.name == "bwv66.6.mxl")
    [idea] = analyse_file(path, melody_first=True)
    assert idea.key.name == "F#m"
    assert idea.meter == (4, 4) and idea.bars >= 9
    assert len(idea.melody) > 30 and len(idea.chords) > 20
    # the soprano sits above the voicing of the chord under it
    for note in idea.melody:
        under = [c for c in idea.chords if c.onset <= note.onset < c.end]
        assert all(note.pitch >= max(c.voicing) for c in under)
    assert {s.name for s in idea.sections} == {"verse", "chorus"}
