"""The evaluation's song rows: chord changes per bar, chords with root and third, repetition,
and held-out songs measured at the ideas' length."""

import subprocess
import sys

import pytest

from songsketch.engine.api.evaluate import metric_rows, windows
from songsketch.engine.assess.evaluation import chord_changes_per_bar, root_and_third_ratio
from songsketch.engine.assess.originality import OriginalityIndex
from songsketch.engine.data.corpus import Song
from songsketch.engine.music.idea import Chord, Idea, Key, Note, Section
from tests.helpers import ROOT, song_folder


def _song(bars: int = 4) -> Idea:
    """C held over two bars (struck again at the bar line), then C/E, then G7 without its root."""
    chords = (
        Chord(0, "", 0, 48, (48, 52, 55)),
        Chord(0, "", 48, 48, (48, 52, 55)),  # the same chord again: no change
        Chord(0, "", 96, 48, (40, 48, 55)),  # C/E: the bass changes
        Chord(7, "7", 144, 48, (47, 53, 62)),  # B F D: no G, the root
    )
    motif = [(0, 72), (12, 74), (24, 76)]
    melody = tuple(Note(p + (2 if b == 2 else 0), b * 48 + t, 12) for b in range(bars) for t, p in motif)
    return Idea(Key(0), 100, (4, 4), (Section("verse", 2), Section("chorus", 2)), chords, melody)


def test_chord_changes_count_symbol_and_bass_changes_only():
    idea = _song()
    assert chord_changes_per_bar(idea) == 3 / 4  # C, C/E, G7
    assert root_and_third_ratio(idea) == 3 / 4


def test_rows_of_a_set_and_held_out_songs_cut_to_the_ideas_length():
    idea = _song()
    rows = metric_rows([idea], [idea], OriginalityIndex.build([Song("other", "o.mid", (_song(),))]))
    assert rows["chord changes per bar"] == 0.75 and rows["chords with root and third"] == 0.75
    # every bar after the first repeats bar 1's rhythm; bars 2 and 4 its intervals too
    assert rows["rhythm repetition (bars)"] == 1.0 and rows["contour repetition (bars)"] == 1.0
    assert rows["pitch range (overlap)"] == 1.0
    long = Idea(
        Key(0),
        100,
        (4, 4),
        (Section("verse", 20),),
        (Chord(0, "", 0, 48, (48, 52, 55)),),
        tuple(Note(72, b * 48, 48) for b in range(20)),
    )
    pieces = windows(long, (Section("verse", 8), Section("chorus", 8)))
    assert [p.bars for p in pieces] == [16]  # one whole 16-bar piece; the 4 left over are dropped
    assert windows(idea, (Section("verse", 8), Section("chorus", 8))) == [idea]  # shorter: whole


@pytest.mark.slow
def test_cli_evaluate_prints_the_song_rows_and_the_repetition_columns(tiny_model, tmp_path):
    folder = song_folder(tmp_path / "songs")
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "evaluate",
            "--model",
            str(tiny_model[0]),
            "--songs",
            str(folder),
            "--count",
            "8",
            "--baseline-epochs",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    header = next(line for line in proc.stdout.splitlines() if line.startswith("metric"))
    assert "repetition less" in header and "repetition more" in header and "baseline" in header
    for row in (
        "chord changes per bar",
        "chords with root and third",
        "rhythm repetition (bars)",
        "contour repetition (bars)",
    ):
        line = next(line for line in proc.stdout.splitlines() if line.startswith(row))
        values = [float(v) for v in line[len(row) :].split()]
        assert len(values) == 5 and all(v >= 0 for v in values)
