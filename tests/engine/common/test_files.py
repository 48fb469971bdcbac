"""Names safe for a file on every system, made from free text."""

import pytest

from songsketch.engine.common.files import MAX_NAME_BYTES, safe_filename


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("My hook", "My-hook"),
        ("misty-harbor-3f", "misty-harbor-3f"),
        ("a/b\\c", "a-b-c"),
        ('x<>:"|?*y', "x-y"),
        ("tab\there\nnewline\x00nul", "tab-here-newline-nul"),
        ("..hidden", "hidden"),
        ("ends with dots... ", "ends-with-dots"),
        ("-starts-like-an-option", "starts-like-an-option"),
        ("Chansons d’été", "Chansons-d-été"),
        ("歌 1", "歌-1"),
        ("v1.2_final", "v1.2_final"),
    ],
)
def test_keeps_letters_digits_dots_dashes_underscores_and_joins_the_rest(text, name):
    assert safe_filename(text, "model") == name


def test_the_separator_is_the_callers():
    assert safe_filename("My hook", "idea", separator="_") == "My_hook"
    with pytest.raises(ValueError):
        safe_filename("My hook", "idea", separator="/")


@pytest.mark.parametrize("text", ["", "   ", "...", "/", "<>|", "\x01\x02", "-_-"])
def test_the_fallback_when_nothing_is_left(text):
    assert safe_filename(text, "my-songs") == "my-songs"


@pytest.mark.parametrize(
    ("text", "name"),
    [("CON", "CON-model"), ("nul", "nul-model"), ("com1.txt", "com1-model.txt"), ("LPT9", "LPT9-model")],
)
def test_never_a_windows_device_name(text, name):
    assert safe_filename(text, "model") == name
    assert safe_filename("console", "model") == "console"


def test_long_names_are_cut_whole_characters_with_no_trailing_dot():
    assert len(safe_filename("a" * 300, "model").encode()) == MAX_NAME_BYTES
    cut = safe_filename("é" * 300, "model")
    assert cut == "é" * (MAX_NAME_BYTES // 2)
    assert safe_filename("a" * (MAX_NAME_BYTES - 1) + ".b", "model") == "a" * (MAX_NAME_BYTES - 1)
