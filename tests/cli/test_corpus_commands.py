"""Corpora: a user folder with good and bad files, the cache, the built-in scores, the CLI."""

import os
import re
import subprocess
import sys

import pytest

from tests.helpers import ROOT, song_folder

Q = 480


@pytest.fixture
def folder(tmp_path):
    return song_folder(tmp_path / "songs")


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


@pytest.mark.slow
def test_cli_fine_tune_runs_at_the_engines_fine_tune_rate(folder, tmp_path, tiny_model):
    """The front end passes no rate nor patience: the engine decides them for a fine-tune (its
    rate applied once: it was once applied twice, 1/16)."""
    import json

    from songsketch.engine.ml.schedule import FINE_TUNE_RUN, SCRATCH_RATE
    from songsketch.engine.ml.settings import FINE_TUNE_SHARE

    out = tmp_path / "tuned"
    done = _cli(
        "train", str(folder), "--base", str(tiny_model[0]), "--out", str(out), "--epochs", "1", home=tmp_path
    )
    assert done.returncode == 0, done.stderr
    pointer = json.loads((out / "current.json").read_text())
    card = json.loads((out / pointer["card"]).read_text())
    assert card["base"].startswith("fine-tuned from")
    assert card["settings"]["learning_rate"] == SCRATCH_RATE * FINE_TUNE_SHARE
    assert card["settings"]["patience"] == FINE_TUNE_RUN[1] and card["settings"]["epochs"] == 1


def test_cli_train_says_what_a_small_folder_holds_and_keeps_a_model_no_better(folder, tmp_path, tiny_model):
    """Two songs: the amount and a plain warning before training; a run that ends no better
    than its base (a wild rate wrecks the one pass) says so; TensorFlow's start-up lines
    (CUDA probing, oneDNN notices) stay off the terminal."""
    out = tmp_path / "wrecked"
    run = ("--base", str(tiny_model[0]), "--out", str(out), "--epochs", "1", "--lr", "5")
    done = _cli("train", str(folder), *run, home=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "the folder holds 2 songs, 16 bars, under a minute of music" in lines
    assert any(line.startswith("That is little to learn from: a few songs mostly teach") for line in lines)
    assert "it does no better than the model it started from" in done.stdout
    assert f"kept but not worth selecting; to try it anyway: songsketch generate --model {out}" in lines
    before = next(line for line in lines if line.startswith("before training: surprise at"))
    first = next(line for line in lines if line.lstrip("\r").startswith("epoch  1/1 surprise"))
    assert re.fullmatch(r"before training: surprise at the songs set aside \d\.\d{4} \(.+\)", before)
    assert re.match(r"epoch  1/1 surprise \d\.\d{4}, at the songs set aside \d\.\d{4}", first.lstrip("\r"))
    assert "val_loss" not in done.stdout and "epoch  0/" not in done.stdout
    for noise in ("absl::InitializeLog", "cuda", "oneDNN", "cuInit"):
        assert noise not in done.stderr, done.stderr
