"""The home folder and what lies under it; the files shipped inside the package."""

import sys

import pytest

from songsketch.engine.common.paths import (
    HOME_VARIABLE,
    Home,
    default_model_dir,
    default_soundfont,
    platform_home,
)


def test_the_home_variable_chooses_the_home_and_its_folders(tmp_path, monkeypatch):
    monkeypatch.setenv(HOME_VARIABLE, str(tmp_path / "home"))
    home = Home.from_environment()
    assert home.root == tmp_path / "home"
    assert home.library == tmp_path / "home" / "library.sqlite"
    assert home.models == tmp_path / "home" / "models"
    assert home.cache == tmp_path / "home" / "cache"
    assert not home.root.exists()  # naming the folders creates nothing


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG data folder is Linux's")
def test_without_it_the_home_is_the_platforms_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(HOME_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert Home.from_environment().root == platform_home() == tmp_path / "data" / "songsketch"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert platform_home() == tmp_path / "user" / ".local" / "share" / "songsketch"


def test_an_old_library_is_copied_in_once_and_left_where_it_was(tmp_path):
    old = tmp_path / "qt-data" / "library.sqlite"
    old.parent.mkdir()
    old.write_bytes(b"old library")
    home = Home(tmp_path / "home")
    assert home.adopt_old_library(old)
    assert home.library.read_bytes() == b"old library" and old.exists()
    old.write_bytes(b"changed since")
    assert not home.adopt_old_library(old)  # this home has its own now
    assert home.library.read_bytes() == b"old library"
    assert not Home(tmp_path / "other").adopt_old_library(tmp_path / "missing.sqlite")


def test_the_default_model_and_soundfont_ship_inside_the_package():
    assert (default_model_dir() / "current.json").is_file()
    assert default_soundfont().is_file() and default_soundfont().suffix == ".sf3"
