"""What the command line says to a new user who gets something wrong: one line naming the
argument and what it takes, a non-zero exit, and nothing done. Run in-process (no model
needed: these are refused before one is loaded)."""

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
    ],
)
def test_generate_refuses_bars_and_counts_in_one_line(capsys, tmp_path, argv, says):
    err = _refused(capsys, "generate", *argv, "--out", str(tmp_path / "ideas"))
    assert f"songsketch generate: error: {says}\n" in err
    assert "choose from" not in err
    assert not (tmp_path / "ideas").exists()


def test_a_command_missing_its_file_names_it_in_the_usage(capsys):
    err = _refused(capsys, "convert", "song.mid")
    assert "usage: songsketch convert [options] input output\n" in err
    assert "songsketch convert --help" in err
