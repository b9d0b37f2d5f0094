"""The index's SQLite database (WAL) and the lock that serializes its writers.

Everything an index holds is in one file, `index/<name>/index.sqlite`: articles, passages, story
band keys, keyword postings and vector segments. One write transaction adds or removes whole
articles, so a process killed at any moment leaves each article as it was before or after, and
readers (WAL) see the last committed state while a writer works.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import re
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from rag import stories

FILE = "index.sqlite"
LOCK = "writer.lock"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    num INTEGER PRIMARY KEY AUTOINCREMENT,  -- what the in-memory arrays refer to
    id TEXT NOT NULL UNIQUE, title TEXT NOT NULL, date TEXT, source TEXT NOT NULL,
    file TEXT NOT NULL, hash TEXT NOT NULL,
    author TEXT, site TEXT, fetched TEXT,  -- web articles: byline, outlet, when it was fetched
    first INTEGER NOT NULL, count INTEGER NOT NULL,  -- its passages' ids: first .. first+count-1
    story INTEGER NOT NULL,  -- num of the story's first article
    minhash BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS articles_story ON articles(story);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, article INTEGER NOT NULL, key TEXT NOT NULL, text TEXT NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bands (
    article INTEGER NOT NULL, key INTEGER NOT NULL, PRIMARY KEY (article, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS bands_key ON bands(key);
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS postings (
    term TEXT NOT NULL, segment INTEGER NOT NULL, docs BLOB NOT NULL, tfs BLOB NOT NULL,
    PRIMARY KEY (term, segment)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, size INTEGER NOT NULL,
    ids BLOB NOT NULL, days BLOB NOT NULL, articles BLOB NOT NULL, lengths BLOB NOT NULL,
    vectors BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS deleted (id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS trained (name TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, added TEXT NOT NULL,
    etag TEXT, last_modified TEXT,  -- the feed's validators, for a conditional GET
    refreshed TEXT, error TEXT,  -- the last refresh: when, and what went wrong (NULL: nothing)
    new INTEGER NOT NULL DEFAULT 0, changed INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feed_items (  -- every entry seen, so a refresh embeds only news
    feed TEXT NOT NULL, entry TEXT NOT NULL, article TEXT NOT NULL,
    fingerprint TEXT NOT NULL,  -- of the entry as the feed lists it: a change means re-fetch
    etag TEXT, last_modified TEXT,  -- the article page's validators
    PRIMARY KEY (feed, entry)) WITHOUT ROWID;
"""

# Columns added to a table after indexes were built with it: added on open, all NULL.
ADDED_COLUMNS = {"articles": ("author TEXT", "site TEXT", "fetched TEXT")}


class Damaged(RuntimeError):
    """A file of the index can't be read as written: named, with the way out."""

    def __init__(self, file: Path, reason: str):
        root = file.parent.parent if file.parent.name == "segments" else file.parent
        super().__init__(f"{file} is damaged ({reason}); `rag check --repair --index {root}` "
                         "repairs what it can")
        self.file = file


@contextmanager
def named_damage(file: Path, *kinds: type[Exception]) -> Iterator[None]:
    """Errors reading `file` (SQLite's, and `kinds`) become one Damaged naming it."""
    try:
        yield
    except (sqlite3.DatabaseError, *kinds) as e:
        where = re.search(r"segments/\d+\.faiss", str(e))
        raise Damaged(file.parent / where[0] if where else file, _first_line(e)) from None


def _first_line(e: Exception) -> str:
    lines = [line.strip() for line in str(e).splitlines() if line.strip()]
    return (lines[-1] if lines else type(e).__name__)[:200]


def connect(root: Path) -> sqlite3.Connection:
    """A connection in autocommit mode: transactions are opened explicitly (BEGIN IMMEDIATE
    for writers), so a reader never holds a snapshot longer than one statement or block."""
    db = sqlite3.connect(root / FILE, isolation_level=None, check_same_thread=False,
                         timeout=600)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never corrupt
    db.execute("PRAGMA cache_size=-65536")  # 64 MiB
    return db


def upgrade(db: sqlite3.Connection) -> None:
    """Bring an index written by an earlier version of format 2 up to this one: new tables and
    columns, and story signatures made again if they were made another way. Nothing else is
    rewritten, and nothing embedded again."""
    def missing() -> list[str]:
        have = {r[1] for r in db.execute("PRAGMA table_info(articles)")}
        return [c for c in ADDED_COLUMNS["articles"] if c.split()[0] not in have]

    if missing():
        db.execute("BEGIN IMMEDIATE")  # another process may be upgrading too: look again
        for column in missing():
            db.execute(f"ALTER TABLE articles ADD COLUMN {column}")
        db.execute("COMMIT")
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'feed_items'").fetchone():
        db.executescript(SCHEMA)  # CREATE ... IF NOT EXISTS: only the new tables
    if _scheme(db) != stories.SCHEME:
        db.execute("BEGIN IMMEDIATE")
        if _scheme(db) != stories.SCHEME:
            _sign_again(db)
        db.execute("COMMIT")


def _scheme(db: sqlite3.Connection) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = 'stories'").fetchone()
    return json.loads(row[0]) if row else None


def _sign_again(db: sqlite3.Connection) -> None:
    """Story signatures and band keys made another way (an index from before
    `stories.SCHEME`) are made again from the passages, so new articles still find their
    stories among the old; the stories themselves stay as they were."""
    db.execute("DELETE FROM bands")
    rows = db.execute("SELECT article, text FROM chunks ORDER BY article, id")
    for num, group in itertools.groupby(rows, key=lambda r: r[0]):
        sig = stories.signature(text for _, text in group)
        db.execute("UPDATE articles SET minhash = ? WHERE num = ?",
                   (np.asarray(sig, dtype=np.uint64).tobytes(), num))
        db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)",
                       [(num, key) for key in stories.bands(sig)])
    db.execute("INSERT OR REPLACE INTO meta VALUES ('stories', ?)", (json.dumps(stories.SCHEME),))


@contextmanager
def read(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Several statements over one committed state."""
    db.execute("BEGIN")
    try:
        yield db
    finally:
        db.execute("COMMIT")


@contextmanager
def writer_lock(root: Path, wait: bool = True) -> Iterator[None]:
    """One writer at a time per index. The lock file holds the writer's pid, so a second one
    says whom it waits for; the kernel drops the lock when its holder dies, even by kill -9."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            print(f"rag: waiting for another indexer, pid {holder} ({root})", file=sys.stderr,
                  flush=True)
            started = time.monotonic()
            fcntl.flock(fd, fcntl.LOCK_EX)
            print(f"rag: pid {holder} is done after {time.monotonic() - started:.1f}s; "
                  "going on", file=sys.stderr, flush=True)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
