"""What the command line says to a new user who gets something wrong: one line naming the
argument and what it takes, a non-zero exit, and nothing done. Run in-process (no model
needed: these are refused before one is loaded)."""

import argparse

import pytest

from songsketch.cli.main import main


def _refused(capsys, *argv: str) -> str:
    """The stderr of a command argparse refuses (exit 2), its usage one line."""
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    assert exit_.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"usage: songsketch {argv[0]} [options]") and err.count("\n") == 3, err
    return err


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--bars", "40"], "argument --bars: 40 is too many; 1 to 32 bars a section"),
        (["--bars", "0"], "argument --bars: 0 is too few; 1 to 32 bars a section"),
        (["--bars", "x"], "argument --bars: 'x' is not a number of bars"),
        (["-n", "0"], "argument --count/-n: 0 ideas would write nothing; ask for 1 or more"),
        (["--count", "-2"], "argument --count/-n: -2 is not a number of ideas; ask for 1 or more"),
        (["--tempo", "fast"], "argument --tempo: not a tempo: 'fast' (bpm, 40-240, or auto)"),
        (["-t", "0"], "argument --temperature/-t: 0 is too low; above 0 (0.3 plain, 0.9 usual, 1.8 wild)"),
        (
            ["-t", "50"],
            "argument --temperature/-t: 50 is too high; at most 2.5 (0.3 plain, 0.9 usual, 1.8 wild)",
        ),
        (["--top-p", "3"], "argument --top-p: 3 is not a share; above 0 and at most 1 (0.95 usual)"),
        (["--guard", "-1"], "argument --guard: -1 is below 0; 0 turns the guard off, 7 is usual"),
        (["--primer-bars", "0"], "argument --primer-bars: 0 is too few; keep 1 bar or more of the primer"),
        (["--seed", "-1"], "argument --seed: -1 is below 0; a seed is 0 or more"),
        (["--seed", "x"], "argument --seed: 'x' is not a seed (a whole number)"),
    ],
)
def test_generate_refuses_bars_and_counts_in_one_line(capsys, tmp_path, argv, says):
    err = _refused(capsys, "generate", *argv, "--out", str(tmp_path / "ideas"))
    assert f"songsketch generate: error: {says}\n" in err
    assert "choose from" not in err
    assert not (tmp_path / "ideas").exists()


def test_a_melody_alone_is_refused_all_but_new_chords(capsys, tmp_path):
    """A primer of one line may only be given chords (--keep melody): continuing it or a new
    melody for it is refused before a model is loaded, saying what would work."""
    from tests.engine.formats.test_melody_alone import TWINKLE, tune_file

    tune = tmp_path / "tune.mid"
    tune.write_bytes(tune_file(TWINKLE))
    for keep in ([], ["--keep", "chords"], ["--infill", "2-3"]):
        argv = [
            "generate",
            "--primer",
            str(tune),
            *keep,
            "--model",
            str(tmp_path / "none"),
            "--out",
            str(tmp_path / "o"),
        ]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err == (
            f"error: --primer {tune}: this idea is a melody alone: give it chords first: "
            "--keep melody writes chords for it\n"
        ), err


def test_primer_bars_without_a_primer_is_refused(capsys, tmp_path):
    assert main(["generate", "--primer-bars", "2", "--out", str(tmp_path / "ideas")]) == 2
    assert capsys.readouterr().err.startswith("error: --primer-bars needs --primer (the file whose")


@pytest.mark.parametrize(
    "argv, says",
    [
        (["generat"], "'generat' is not a command; did you mean generate?"),
        (["gen", "-n", "3"], "'gen' is not a command; did you mean generate?"),
        (["-n", "3"], "'3' is not a command; options go after the command (songsketch generate -n 4)"),
        (["help"], "'help' is not a command; 'songsketch --help' says what each does"),
    ],
)
def test_a_word_that_is_no_command_is_answered_with_the_commands(capsys, argv, says):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert capsys.readouterr().err == (
        f"songsketch: {says}\n  the commands: generate, models, corpus-stats, convert, train, evaluate\n"
    )


def test_every_option_of_every_command_says_what_it_does():
    """--help of each command: no option listed bare (train's and evaluate's were), and the
    commands are listed with generate first."""
    from songsketch.cli.main import build_parser

    parser = build_parser()
    assert parser.commands[0] == "generate"
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        bare = [a.dest for a in command._actions if not a.help]
        assert not bare, (name, bare)
        assert sub._choices_actions[parser.commands.index(name)].help, name


def test_a_command_missing_its_file_names_it_in_the_usage(capsys):
    err = _refused(capsys, "convert", "song.mid")
    assert "usage: songsketch convert [options] input output\n" in err
    assert "songsketch convert --help" in err


def _user_model(home, folder_name: str, **card) -> None:
    """A model of the user's as ``list_models`` sees it: the default's pointer and card, the
    card's fields changed (its weights are not needed to list it)."""
    import json

    from songsketch.engine.api import default_model_dir

    folder = home / "models" / folder_name
    folder.mkdir(parents=True)
    pointer = json.loads((default_model_dir() / "current.json").read_text())
    (folder / "current.json").write_text(json.dumps(pointer))
    fields = json.loads((default_model_dir() / pointer["card"]).read_text()) | card
    (folder / pointer["card"]).write_text(json.dumps(fields))


def test_a_model_name_there_is_none_of_lists_the_models(capsys, tmp_path, monkeypatch):
    """--model and --base with a name no model has: the names there are, and where to read
    what each learnt, before any work (no folder made, no songs read); `songsketch models`
    lists them with where they came from and what they learnt."""
    monkeypatch.setenv("SONGSKETCH_HOME", str(tmp_path))
    _user_model(
        tmp_path, "mine", name="mine", base="fine-tuned from default", created="2026-12-06T01:00:00+00:00",
        data={"source": "mysongs", "files_used": 12}, styles=["song"],
        validation_loss=1.6, base_validation_loss=1.5,
    )  # fmt: skip
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("default  ships with Songsketch; learnt the pop, song and chorale styles from")
    assert lines[1] == (
        "mine     fine-tuned from default; learnt the song style from 12 songs of mysongs, 2026-12-06; "
        "did no better than default on songs set aside to check it"
    )
    assert lines[-1] == "use one: songsketch generate --model NAME"
    said = (
        "error: no model called 'mien'; the models are: default, mine "
        "('songsketch models' says what each learnt)\n"
    )
    out = tmp_path / "ideas"
    assert main(["generate", "--model", "mien", "--out", str(out)]) == 1
    assert capsys.readouterr().err == said and not out.exists()
    assert main(["train", str(tmp_path / "no-songs-here"), "--base", "mien"]) == 1
    assert capsys.readouterr().err == said
    assert main(["generate", "--model", str(tmp_path / "elsewhere"), "--out", str(out)]) == 1
    assert "model folder not found" in capsys.readouterr().err  # a path is not a name


def test_a_soundfont_that_cannot_be_used_is_named_once_with_the_reason(capsys, tmp_path):
    """--wav --soundfont X: a missing file, a folder, a file that is no SoundFont and one cut
    short each get one line naming the path as typed once (it was named twice: 'cannot use
    the SoundFont junk.sf2: junk.sf2: not a SoundFont'), exit 1, before any work."""
    from songsketch.engine.api import default_model_dir

    bundled = next((default_model_dir().parent / "soundfont").glob("*.sf3"))
    (tmp_path / "junk.sf2").write_bytes(b"not a soundfont at all")
    (tmp_path / "cut.sf3").write_bytes(bundled.read_bytes()[:2000])
    (tmp_path / "fonts.sf2").mkdir()
    reasons = {
        "missing.sf2": "no such file",
        "junk.sf2": "not a SoundFont (no RIFF sfbk header)",
        "fonts.sf2": "a folder; name the .sf2 or .sf3 file in it",
        "cut.sf3": "damaged or cut short (its sample or preset data is missing)",
    }
    out = tmp_path / "ideas"
    for name, reason in reasons.items():
        font = str(tmp_path / name)
        assert main(["generate", "--wav", "--soundfont", font, "--out", str(out)]) == 1, name
        err = capsys.readouterr().err
        assert err == f"error: --soundfont {font}: {reason}\n"
        assert err.count(name) == 1
    assert not out.exists()


def test_a_primer_may_be_a_lead_sheet_and_convert_writes_only_what_it_can(capsys, tmp_path):
    """--primer takes a MusicXML lead sheet as convert hears it (it said 'not a MIDI file (no
    MThd header)'), and names a file that is no music; convert refuses an output it would
    have written as MIDI under another name (out.txt)."""
    from songsketch.engine.api import read_ideas, write_musicxml
    from tests.helpers import song_bytes

    mine = tmp_path / "mine.mid"
    mine.write_bytes(song_bytes())
    write_musicxml(read_ideas(mine)[0], tmp_path / "mine.musicxml")
    (tmp_path / "notes.txt").write_text("C G Am F")
    absent = str(tmp_path / "no-model")  # the primer is read before the model is loaded
    for primer, code, says in (
        ("mine.musicxml", 1, "model folder not found"),
        ("notes.txt", 1, "error: --primer {}: not a music file (.txt)"),
    ):
        path = str(tmp_path / primer)
        assert main(["generate", "--primer", path, "--keep", "chords", "--model", absent]) == code
        assert says.format(path) in capsys.readouterr().err, primer
    out = tmp_path / "out.txt"
    assert main(["convert", str(mine), str(out)]) == 2
    assert capsys.readouterr().err == f"error: {out}: name a .mid (MIDI) or .musicxml (lead sheet) to write\n"
    assert not out.exists()


def test_an_instrument_there_is_none_of_names_the_option_once(capsys, tmp_path):
    """--wav with an instrument the synth has no program for: which option, and why (the
    name is said once, in the reason)."""
    out = str(tmp_path / "ideas")
    assert main(["generate", "--wav", "--melody-instrument", "kazoo", "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --melody-instrument: no General MIDI instrument called 'kazoo' (try ")
    assert err.count("kazoo") == 1
    assert main(["generate", "--wav", "--chord-instrument", "200", "--out", out]) == 2
    assert capsys.readouterr().err == "error: --chord-instrument: a General MIDI program is 0-127, not 200\n"


def test_no_chords_and_a_folder_to_convert_are_refused(capsys, tmp_path):
    """--progression "" wrote plain ideas as if it were not given; convert of a folder said
    'not a music file (no extension)'."""
    out = str(tmp_path / "ideas")
    for typed in ("", " | "):
        assert main(["generate", "--progression", typed, "--out", out]) == 2
        assert capsys.readouterr().err.startswith("error: --progression: no chords in it (type them like")
    assert main(["convert", str(tmp_path), str(tmp_path / "out.mid")]) == 2
    said = f"error: {tmp_path} is a folder; convert reads one file (corpus-stats, a folder)\n"
    assert capsys.readouterr().err == said


def test_an_out_that_is_a_file_is_refused_before_the_model_loads(capsys, tmp_path):
    """-o notes.txt where notes.txt is a file said 'cannot create notes.txt: File exists'
    after the model had loaded; a seed below 0 said NumPy's 'expected non-negative integer'."""
    notes = tmp_path / "notes.txt"
    notes.write_text("la la")
    assert main(["generate", "--out", str(notes), "--model", str(tmp_path / "no-model")]) == 2
    assert capsys.readouterr().err == f"error: --out {notes} is a file; name a folder for the ideas\n"


def test_a_fine_tune_is_described_by_the_style_it_taught_the_songs_as(capsys, tmp_path, monkeypatch):
    """A fine-tune of the default on a folder of pop files was listed as having 'learnt the pop,
    song and chorale styles from 4 songs' (and 'fine-tuned from default_model', a name no
    option takes): the songs were taught as pop, the other styles are the base's."""
    monkeypatch.setenv("SONGSKETCH_HOME", str(tmp_path))
    _user_model(
        tmp_path, "mysongs", name="mysongs", base="fine-tuned from default_model",
        created="2026-12-06T01:00:00+00:00", styles=["pop", "song", "chorale"],
        data={"source": "mysongs", "files_used": 4, "taught_as_style": "pop"},
        validation_loss=3.1, base_validation_loss=4.0,
    )  # fmt: skip
    assert main(["models"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        "mysongs  fine-tuned from default; learnt 4 songs of mysongs in the pop style "
        "(its song and chorale styles as default learnt them), 2026-12-06"
    )


def test_convert_names_a_section_of_one_bar_in_the_singular(capsys, tmp_path, monkeypatch):
    """A real pop file read as '..., chorus 7 bars, verse 1 bars, ...'."""
    from dataclasses import replace

    import songsketch.engine.api as api
    from songsketch.engine.formats.progression import progression_idea
    from songsketch.engine.music.idea import Section

    idea = progression_idea("C G Am F", bars_per_section=4)
    idea = replace(idea, sections=(Section("verse", 4), Section("chorus", 3), Section("verse", 1)))
    heard = type("Heard", (), {"remarks": (), "ideas": [idea]})
    monkeypatch.setattr(api, "analyse_path", lambda path: heard)
    assert main(["convert", str(tmp_path / "song.mid"), str(tmp_path / "out.mid")]) == 0
    assert "verse 4 bars, chorus 3 bars, verse 1 bar;" in capsys.readouterr().out
