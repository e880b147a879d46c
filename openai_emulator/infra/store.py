"""State in SQLite: one table of JSON objects, one transaction per write.

Objects are ordered by (created_at, seq) so that pagination is stable even when many objects
share a creation second; cursors (`after`, `before`) are object ids.

Agent sessions have a table of their own (`sessions`): there can be tens of thousands, listed
by agent and summed by the usage endpoints, so the columns those read are real columns,
indexed; the sessions and usage resources, and the seeding, query it through `rows` and
`write_many` (its rows: `domain.session_records`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    parent TEXT NOT NULL DEFAULT '',
    id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, parent, id)
);
CREATE INDEX IF NOT EXISTS objects_order ON objects (kind, parent, created_at, seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    agent_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    model TEXT NOT NULL,
    project_id TEXT NOT NULL,
    service_tier TEXT NOT NULL,
    requests INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_agent ON sessions (agent_id, created_at, seq);
CREATE INDEX IF NOT EXISTS sessions_by_time ON sessions (created_at, seq);
"""


@dataclass(frozen=True)
class Page:
    """One page of a list: the objects and whether more follow in that direction."""

    items: list[dict[str, Any]]
    has_more: bool


class Store:
    """A small document store over SQLite, safe to share between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block as one transaction (nested blocks join the outer one)."""
        with self._lock:
            if self._db.in_transaction:
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _next_seq(self) -> int:
        row = self._db.execute(
            "INSERT INTO counters(name, value) VALUES('seq', 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value").fetchone()
        return int(row[0])

    def insert(self, kind: str, body: dict[str, Any], *, parent: str = "",
               created_at: int) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO objects(kind, parent, id, created_at, seq, body) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (kind, parent, body["id"], created_at, self._next_seq(), json.dumps(body)))

    def replace(self, kind: str, body: dict[str, Any], *, parent: str = "") -> None:
        with self.transaction():
            self._db.execute("UPDATE objects SET body = ? WHERE kind = ? AND parent = ? AND id = ?",
                             (json.dumps(body), kind, parent, body["id"]))

    def get(self, kind: str, object_id: str, *, parent: str = "") -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM objects WHERE kind = ? AND parent = ? AND id = ?",
                (kind, parent, object_id)).fetchone()
        return json.loads(row[0]) if row else None

    def delete(self, kind: str, object_id: str, *, parent: str = "") -> bool:
        with self.transaction():
            cursor = self._db.execute(
                "DELETE FROM objects WHERE kind = ? AND parent = ? AND id = ?",
                (kind, parent, object_id))
        return cursor.rowcount > 0

    def delete_children(self, kind: str, parent: str) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM objects WHERE kind = ? AND parent = ?", (kind, parent))

    def all(self, kind: str, *, parent: str = "") -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM objects WHERE kind = ? AND parent = ? ORDER BY created_at, seq",
                (kind, parent)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def parents_of(self, kind: str, object_id: str) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT parent FROM objects WHERE kind = ? AND id = ?",
                                    (kind, object_id)).fetchall()
        return [r[0] for r in rows]

    def cursor(self, kind: str, object_id: str, *, parent: str = "") -> tuple[int, int] | None:
        """Return the ordering key of an object, or None if it does not exist."""
        with self._lock:
            row = self._db.execute(
                "SELECT created_at, seq FROM objects WHERE kind = ? AND parent = ? AND id = ?",
                (kind, parent, object_id)).fetchone()
        return (int(row[0]), int(row[1])) if row else None

    def page(self, kind: str, *, parent: str = "", limit: int, order: str,
             after: tuple[int, int] | None = None,
             before: tuple[int, int] | None = None) -> Page:
        """Return up to `limit` objects in `order`, after or before a cursor key."""
        descending = order == "desc"
        where = "kind = ? AND parent = ?"
        args: list[object] = [kind, parent]
        reverse = False
        if after is not None:
            where += " AND (created_at, seq) " + ("<" if descending else ">") + " (?, ?)"
            args += list(after)
        elif before is not None:
            where += " AND (created_at, seq) " + (">" if descending else "<") + " (?, ?)"
            args += list(before)
            reverse = True
        direction = "DESC" if descending != reverse else "ASC"
        sql = (f"SELECT body FROM objects WHERE {where} ORDER BY created_at {direction}, "
               f"seq {direction} LIMIT ?")
        with self._lock:
            rows = self._db.execute(sql, [*args, limit + 1]).fetchall()
        items = [json.loads(r[0]) for r in rows[:limit]]
        if reverse:
            items.reverse()
        return Page(items, len(rows) > limit)

    def rows(self, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one read query (of the `sessions` table) and return its rows."""
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def write(self, sql: str, args: Sequence[object] = ()) -> int:
        """Run one write in a transaction; return how many rows it changed."""
        with self.transaction():
            return self._db.execute(sql, args).rowcount

    def write_many(self, sql: str, rows: Iterable[Sequence[object]]) -> int:
        """Run one statement for every row, all in one transaction; return the rows changed."""
        with self.transaction():
            return self._db.executemany(sql, rows).rowcount

    def wipe(self) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM objects")
            self._db.execute("DELETE FROM sessions")
