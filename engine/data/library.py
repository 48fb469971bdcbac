"""The idea library: every generated idea with its MIDI, in SQLite (WAL), across restarts.

A damaged database file is moved aside and a new one started; ``recovered`` says so.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..formats.midi import idea_to_midi
from ..formats.progression import chord_chart
from ..music.idea import Idea, idea_from_data, idea_to_data

SCHEMA = """
CREATE TABLE IF NOT EXISTS ideas (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created REAL NOT NULL,
    favourite INTEGER NOT NULL DEFAULT 0,
    model TEXT NOT NULL DEFAULT '',
    idea TEXT NOT NULL,
    midi BLOB NOT NULL,         -- the .mid bytes; empty until first asked for (drag, export)
    report TEXT
);
"""


@dataclass
class Entry:
    """One stored idea."""

    id: int
    name: str
    created: float
    favourite: bool
    model: str
    idea: Idea
    report: dict | None

    @cached_property
    def verse_chords(self) -> str:
        """The verse's first bars of chords as a chart (``Am | F | C | G``), as the list shows
        them (worked out once); 'melody only' for a tune without chords."""
        if not self.idea.chords:
            return "melody only"
        return chord_chart(self.idea, "verse", 4)


class Library:
    """SQLite store of ideas. Thread-safe (one connection behind a lock)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.recovered: str | None = None
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            for suffix in ("", "-wal", "-shm"):
                src = Path(str(self.path) + suffix)
                if src.exists():
                    os.replace(src, Path(str(aside) + suffix))
            self.recovered = (
                f"The idea library was damaged ({exc}); it was moved to {aside.name} "
                "and a new, empty library started."
            )
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            check = db.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {check[0] if check else 'no answer'}")
            db.executescript(SCHEMA)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def add(self, idea: Idea, report: dict | None = None, model: str = "") -> Entry:
        """Store an idea (committed before returning); returns its entry. Its MIDI file is
        made when first asked for (``midi``), which keeps a Generate run streaming."""
        data = json.dumps(idea_to_data(idea))
        created = time.time()
        with self._lock, self.db:
            cur = self.db.execute(
                "INSERT INTO ideas (name, created, model, idea, midi, report) VALUES (?, ?, ?, ?, ?, ?)",
                (idea.name, created, model, data, b"", json.dumps(report) if report else None),
            )
            return Entry(int(cur.lastrowid), idea.name, created, False, model, idea, report)

    def _entry(self, row) -> Entry | None:
        try:
            idea = idea_from_data(json.loads(row[5])).with_name(row[1])
        except (ValueError, KeyError, TypeError):
            return None
        report = json.loads(row[6]) if row[6] else None
        return Entry(row[0], row[1], row[2], bool(row[3]), row[4], idea, report)

    def entries(self, favourites_only: bool = False) -> list[Entry]:
        """Ideas, newest first (rows that cannot be read are left out)."""
        query = "SELECT id, name, created, favourite, model, idea, report FROM ideas"
        if favourites_only:
            query += " WHERE favourite = 1"
        with self._lock:
            rows = self.db.execute(query + " ORDER BY id DESC").fetchall()
        return [e for e in (self._entry(r) for r in rows) if e is not None]

    def get(self, entry_id: int) -> Entry | None:
        with self._lock:
            row = self.db.execute(
                "SELECT id, name, created, favourite, model, idea, report FROM ideas WHERE id = ?",
                (entry_id,),
            ).fetchone()
        return self._entry(row) if row else None

    def midi(self, entry_id: int) -> bytes | None:
        """The idea's .mid bytes (made and kept on first use), or None if it is gone."""
        with self._lock:
            row = self.db.execute("SELECT midi, idea, name FROM ideas WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            return None
        if row[0]:
            return bytes(row[0])
        try:
            midi = idea_to_midi(idea_from_data(json.loads(row[1])).with_name(row[2]))
        except (ValueError, KeyError, TypeError):
            return None
        try:
            with self._lock, self.db:  # only if the idea was not replaced meanwhile
                self.db.execute(
                    "UPDATE ideas SET midi = ? WHERE id = ? AND idea = ?", (midi, entry_id, row[1])
                )
        except sqlite3.Error:
            pass  # a read-only or full disk: the bytes are still good to use
        return midi

    def rename(self, entry_id: int, name: str) -> None:
        name = name.strip()
        if not name:
            raise ValueError("a name cannot be empty")
        entry = self.get(entry_id)
        if entry is None:
            return
        idea = entry.idea.with_name(name)
        with self._lock, self.db:
            self.db.execute(
                "UPDATE ideas SET name = ?, idea = ?, midi = ? WHERE id = ?",
                (name, json.dumps(idea_to_data(idea)), idea_to_midi(idea), entry_id),
            )

    def replace_idea(self, entry_id: int, idea: Idea) -> Entry | None:
        """Store a new version of an entry's idea (name, star and report stay); its .mid is
        made again on first use. Returns the updated entry, None if it is gone."""
        with self._lock, self.db:
            self.db.execute(
                "UPDATE ideas SET idea = ?, midi = ? WHERE id = ?",
                (json.dumps(idea_to_data(idea)), b"", entry_id),
            )
        return self.get(entry_id)

    def set_favourite(self, entry_id: int, favourite: bool) -> None:
        with self._lock, self.db:
            self.db.execute("UPDATE ideas SET favourite = ? WHERE id = ?", (int(favourite), entry_id))

    def delete(self, entry_id: int) -> None:
        with self._lock, self.db:
            self.db.execute("DELETE FROM ideas WHERE id = ?", (entry_id,))

    def count(self) -> int:
        with self._lock:
            return int(self.db.execute("SELECT COUNT(*) FROM ideas").fetchone()[0])
