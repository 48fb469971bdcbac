"""The order of the ideas list: fresh ideas newest first, and each idea's new versions
(continuations, new melodies, new chords, rewritten bars) right under the idea they came from.

The order is worked out from the stored ideas alone (each new version's report names its
source: ``source_id``, and ``source`` its name for libraries written before the id was kept),
so a library reopened shows the same order as the session that made it. Pure Python: no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

from songsketch.engine.api import Entry


@dataclass(frozen=True)
class Placed:
    """An idea in the list: how deep under its source it sits (0: a fresh idea) and the
    idea it came from when that idea is still in the library."""

    entry: Entry
    depth: int = 0
    source: Entry | None = None


def source_of(entry: Entry, older: dict[str, Entry], by_id: dict[int, Entry]) -> Entry | None:
    """The library entry ``entry`` came from: by its stored id, or (reports written before
    the id was kept) the newest older idea of the source's name. None: a fresh idea, or its
    source is gone."""
    report = entry.report or {}
    if "source_id" in report:
        source = by_id.get(report["source_id"])
    else:
        source = older.get(report.get("source") or "")
    return source if source is not None and source.id < entry.id else None


def _sources(entries: list[Entry]) -> dict[int, Entry | None]:
    """Each entry's source (by id), looked up oldest first so that a name means the newest
    idea of that name made before the new version."""
    by_id = {e.id: e for e in entries}
    older: dict[str, Entry] = {}
    found = {}
    for entry in sorted(entries, key=lambda e: e.id):
        found[entry.id] = source_of(entry, older, by_id)
        older[entry.name] = entry
    return found


def _anchor(entry: Entry) -> int:
    """Where a fresh idea sorts among the others: its own id, or, for a new version whose
    source was deleted, the source's id, so that the versions stay together where it was."""
    report = entry.report or {}
    return int(report.get("source_id", entry.id))


def arrange(entries: list[Entry]) -> list[Placed]:
    """The list's rows: ideas without a source newest first; under each, the ideas made from
    it in the order they were made, each followed by its own versions (depth one more)."""
    sources = _sources(entries)
    children: dict[int, list[Entry]] = {}
    roots = []
    for entry in entries:
        source = sources[entry.id]
        if source is None:
            roots.append(entry)
        else:
            children.setdefault(source.id, []).append(entry)
    rows: list[Placed] = []
    todo = [Placed(root) for root in sorted(roots, key=lambda e: (_anchor(e), -e.id))]
    while todo:  # depth first, without recursion: a version of a version of ... may be long
        placed = todo.pop()
        rows.append(placed)
        under = sorted(children.get(placed.entry.id, ()), key=lambda e: -e.id)
        todo.extend(Placed(child, placed.depth + 1, placed.entry) for child in under)
    return rows
