"""Corpora: a user folder with good and bad files, the cache, the built-in scores, the CLI."""

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT, midi_bytes, notes_to_messages

Q = 480


def _song(shift: int = 0) -> bytes:
    chords = [
        (p + shift, b * 4 * Q, (b + 1) * 4 * Q, 70)
        for b, c in enumerate([(48, 52, 55), (45, 48, 52), (41, 45, 48), (43, 47, 50)] * 2)
        for p in c
    ]
    melody = [(72 + shift + (i % 3), i * Q, (i + 1) * Q, 90) for i in range(32)]
    return midi_bytes([notes_to_messages(chords, 0), notes_to_messages(melody, 1)])


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "songs"
    (root / "sub").mkdir(parents=True)
    (root / "a.mid").write_bytes(_song())
    (root / "sub" / "b.MIDI").write_bytes(_song(2))
    (root / "broken.mid").write_bytes(_song()[:40])
    (root / "fake.mid").write_bytes(b"%PDF-1.4")
    (root / "empty.mid").write_bytes(b"")
    (root / "notes.txt").write_text("lyrics")
    return root


def _cli(*args, home):
    env = dict(os.environ, SONGSKETCH_HOME=str(home))
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_cli_corpus_stats_on_a_folder(folder, tmp_path):
    result = _cli("corpus-stats", str(folder), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "used 2, skipped 4"
    assert "skipped" in result.stdout and "fake.mid: not a MIDI file" in result.stdout


def test_cli_corpus_stats_on_a_folder_with_no_music(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "readme.txt").write_text("x")
    result = _cli("corpus-stats", str(tmp_path / "docs"), home=tmp_path)
    assert result.returncode == 1 and "no usable songs" in result.stderr


def test_cli_convert_round_trip(folder, tmp_path):
    out = tmp_path / "out.mid"
    result = _cli("convert", str(folder / "a.mid"), str(out), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "chords: C Am F G C Am F G" in result.stdout
    from songsketch.engine.formats.midi import read_ideas

    assert read_ideas(out) == read_ideas(folder / "a.mid")
    bad = _cli("convert", str(folder / "fake.mid"), str(out), home=tmp_path)
    assert bad.returncode == 1 and "not a MIDI file" in bad.stderr


def test_cli_convert_reads_a_musicxml_lead_sheet(tmp_path):
    """A lead sheet with chord symbols only (one of music21's own) converts to a .mid whose
    chords are its symbols, in the key its music is in."""
    from music21 import corpus

    from songsketch.engine.formats.midi import read_ideas

    sheet = next(p for p in corpus.getCorePaths() if p.name == "fosterBrownHair.mxl")
    out = tmp_path / "sheet.mid"
    result = _cli("convert", str(sheet), str(out), home=tmp_path)
    assert result.returncode == 0, result.stderr
    [idea] = read_ideas(out)
    assert len(idea.chords) >= 8 and len(idea.melody) >= 16
    written = result.stdout.split("chords: ")[1].split()
    assert written == idea.chord_symbols()
