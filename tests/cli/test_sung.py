"""A melody sung into a sound file, through the command line: ``convert hum.wav out.mid``
writes it as a melody-only idea, ``generate --primer hum.wav --keep melody`` puts chords
under it; a recording with nothing sung in it is refused in one line."""

import subprocess
import sys

import numpy as np
import soundfile

from bench.voice import Voice, sing
from songsketch.cli.main import main
from songsketch.engine.formats.midi import read_ideas
from tests.helpers import ROOT

TUNE = [67, 69, 71, 72, 71, 69, 67, 64, 67, 69, 71, 72]


def hum(path, tune=TUNE, beat=0.5):
    notes = [(0.3 + i * beat, 0.3 + (i + 0.95) * beat, p) for i, p in enumerate(tune)]
    soundfile.write(path, sing(notes, 22050, Voice(detune_cents=-15), snr_db=25, seed=5), 22050)
    return path


def test_convert_writes_the_melody_sung(tmp_path, capsys):
    out = tmp_path / "hum.mid"
    assert main(["convert", str(hum(tmp_path / "hum.wav")), str(out)]) == 0
    said = capsys.readouterr().out
    assert "0 chords, 12 melody notes" in said and "chords: none (a melody alone)" in said
    (idea,) = read_ideas(out)
    assert [n.pitch for n in idea.melody] == TUNE and idea.chords == ()


def test_convert_refuses_a_silent_recording(tmp_path, capsys):
    silent = tmp_path / "silent.flac"
    soundfile.write(silent, np.zeros(22050 * 3, np.float32), 22050)
    assert main(["convert", str(silent), str(tmp_path / "x.mid")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {silent}: the recording is silent") and err.count("\n") == 1
    assert not (tmp_path / "x.mid").exists()


def test_generate_puts_chords_under_a_sung_melody(tiny_model, tmp_path):
    out = tmp_path / "ideas"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "generate", "--primer", str(hum(tmp_path / "hum.wav")),
         "--keep", "melody", "--count", "2", "--out", str(out), "--model", str(tiny_model[0]), "--seed", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    files = sorted(out.glob("*.mid"))
    assert len(files) == 2
    for path in files:
        (idea,) = read_ideas(path)
        assert idea.chords and [n.pitch for n in idea.melody][: len(TUNE)] == TUNE
