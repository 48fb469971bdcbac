"""The install maps the repository's folders to songsketch.* and ships the default model."""

import tomllib

from songsketch.engine.api import default_model_dir, read_card
from tests.helpers import ROOT


def test_every_package_folder_is_installed_under_songsketch():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    mapped = config["package-dir"]
    for top in ("engine", "gui", "cli", "resources"):
        assert mapped[f"songsketch.{top}"] == top
        for init in (ROOT / top).rglob("__init__.py"):
            name = ".".join(("songsketch", *init.parent.relative_to(ROOT).parts))
            assert name in listed, f"{name} is missing from [tool.setuptools] packages"


def test_the_default_model_is_found_inside_the_package():
    folder = default_model_dir()
    assert (folder / "current.json").is_file()
    assert read_card(folder).name
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert data["project"]["scripts"]["songsketch"] == "songsketch.cli.launch:main"
