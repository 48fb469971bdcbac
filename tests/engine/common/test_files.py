"""Files written whole or not at all, and names safe for a file on every system."""

import errno
import io
import os

import pytest

from songsketch.engine.common import files
from songsketch.engine.common.files import MAX_NAME_BYTES, atomic_write, safe_filename


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


@pytest.mark.parametrize("fails_at", ["write", "fsync", "replace"])
def test_a_write_that_fails_midway_leaves_the_old_file_and_nothing_else(tmp_path, monkeypatch, fails_at):
    """A full disk half-way through the bytes, at the flush to disk, or at the final rename:
    the error reaches the caller, the old file is as it was and no temporary file is left."""
    path = tmp_path / "idea.mid"
    path.write_bytes(b"the old idea")
    full = OSError(errno.ENOSPC, "No space left on device")

    class HalfWritten(io.FileIO):
        def write(self, data):
            super().write(bytes(data[: len(data) // 2]))
            raise full

    def fail(*_args):
        raise full

    if fails_at == "write":
        monkeypatch.setattr(files.os, "fdopen", lambda fd, _mode: HalfWritten(fd, "wb"))
    else:
        monkeypatch.setattr(files.os, fails_at, fail)
    with pytest.raises(OSError, match="No space"):
        atomic_write(path, b"the new idea" * 1000)
    assert path.read_bytes() == b"the old idea"
    assert list(tmp_path.iterdir()) == [path]


def test_a_new_file_is_written_whole_into_new_folders_as_an_ordinary_file(tmp_path):
    path = tmp_path / "new" / "folder" / "idea.mid"
    atomic_write(path, b"an idea")
    assert path.read_bytes() == b"an idea"
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # not the temporary file's private 0600
    atomic_write(path, b"another")
    assert path.read_bytes() == b"another" and list(path.parent.iterdir()) == [path]
