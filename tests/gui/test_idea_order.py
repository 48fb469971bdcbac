"""New versions of an idea (continuations, new melodies, new chords, rewritten bars) sit right
under the idea they came from, in the list and in a library reopened; fresh ideas go on top."""

import random

import pytest

pytest.importorskip("PySide6.QtWidgets")

from songsketch.engine.data.library import Library
from songsketch.gui.ideas_list import IdeasList
from songsketch.gui.ideas_model import NAME
from tests.helpers import random_idea


def _names(ideas_list: IdeasList) -> list[str]:
    return [e.name for e in ideas_list.ideas.entries]


def _shown(ideas_list: IdeasList, row: int) -> str:
    return ideas_list.ideas.data(ideas_list.ideas.index(row, NAME))


@pytest.fixture
def five(qtbot, tmp_path):
    """A list of five fresh ideas, 'e' (the newest) on top."""
    rng = random.Random(5)
    library = Library(tmp_path / "library.sqlite")
    for name in "abcde":
        library.add(random_idea(rng).with_name(name))
    ideas_list = IdeasList(library)
    qtbot.addWidget(ideas_list)
    ideas_list.resize(520, 300)
    ideas_list.show()
    yield ideas_list, library, rng
    library.close()


def _derive(ideas_list, library, rng, source, name):
    """Store a new version of ``source`` as the worker does, and hand it to the list."""
    report = {"badge": "new", "source": source.name, "source_id": source.id}
    entry = library.add(random_idea(rng).with_name(name), report)
    ideas_list.add(entry)
    return entry


def test_versions_sit_under_their_source_and_reload_in_the_same_order(five, tmp_path):
    ideas_list, library, rng = five
    assert _names(ideas_list) == list("edcba")
    source = ideas_list.ideas.entries[2]  # the 3rd of 5
    made = [_derive(ideas_list, library, rng, source, f"c{k}") for k in range(1, 4)]
    assert ideas_list.select(made[0])  # the window selects the first that arrives
    assert _names(ideas_list) == ["e", "d", "c", "c1", "c2", "c3", "b", "a"]
    assert ideas_list.current_entry().name == "c1" and ideas_list.table.currentIndex().row() == 3
    assert _shown(ideas_list, 3) == "↳ c1  ← c" and _shown(ideas_list, 2) == "c"
    # a version of a version goes under it, one step further in; a fresh idea still on top
    _derive(ideas_list, library, rng, made[0], "c1x")
    ideas_list.add(library.add(random_idea(rng).with_name("f")))
    assert _names(ideas_list) == ["f", "e", "d", "c", "c1", "c1x", "c2", "c3", "b", "a"]
    assert _shown(ideas_list, 5) == "    ↳ c1x  ← c1"
    assert ideas_list.current_entry().name == "c1"  # the selection stayed on its idea
    assert not ideas_list.grab().isNull()
    # reopened, the library shows the same order
    again = IdeasList(Library(tmp_path / "library.sqlite"))
    assert _names(again) == _names(ideas_list)
    # renamed, the source's versions name it as it is now called
    assert ideas_list.ideas.setData(ideas_list.ideas.index(3, NAME), "hook")
    assert _shown(ideas_list, 4) == "↳ c1  ← hook" and ideas_list.current_entry().name == "c1"


def test_favourite_and_delete_keep_the_group_together(five, tmp_path):
    ideas_list, library, rng = five
    source = ideas_list.ideas.entries[2]
    _derive(ideas_list, library, rng, source, "c1")
    _derive(ideas_list, library, rng, source, "c2")
    ideas_list.table.selectRow(4)
    ideas_list.toggle_favourite()
    assert library.get(ideas_list.current_entry().id).favourite
    ideas_list.favourites_only.setChecked(True)
    assert ideas_list.table.model().rowCount() == 1
    ideas_list.favourites_only.setChecked(False)
    # the source deleted, its versions stay where it was, and a reopened library agrees
    ideas_list.table.selectRow(2)
    ideas_list.delete_selected()
    assert _names(ideas_list) == ["e", "d", "c1", "c2", "b", "a"]
    assert _shown(ideas_list, 2) == "c1  ← c"  # no longer marked as under an idea
    assert _names(IdeasList(Library(tmp_path / "library.sqlite"))) == _names(ideas_list)


def test_versions_stored_before_the_id_was_kept_find_their_source_by_name(qtbot, tmp_path):
    rng = random.Random(2)
    library = Library(tmp_path / "library.sqlite")
    for name in ("a", "b", "a"):  # two ideas named a: the newer one before the version is its source
        library.add(random_idea(rng).with_name(name))
    library.add(random_idea(rng).with_name("a1"), {"source": "a"})
    library.add(random_idea(rng).with_name("z"))
    ideas_list = IdeasList(library)
    qtbot.addWidget(ideas_list)
    ids = [e.id for e in ideas_list.ideas.entries]
    assert _names(ideas_list) == ["z", "a", "a1", "b", "a"] and ids[1] == 3
