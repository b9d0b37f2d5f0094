"""`rag check [--repair]`: an index checked against itself, and repaired from what it holds.

What is checked, cheapest first: stray temporary files; the database (SQLite's own check and
the manifest); the vectors (every segment readable and the right size, one vector for every
live passage); dates; feed entries pointing at articles that are gone; the embedding cache.
Each finding names its file. A repair never drops an article it can read: damaged vectors are
rebuilt from the passages (embeddings from the cache), and a damaged database is rebuilt from
the articles' files, or from the articles' own text where the files are gone.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.embedding import Embedder
from rag.indexing import Indexer, cache_path
from rag.loading import normalise_date
from rag.settings import Settings
from rag.store import Store
from rag.store.database import FILE, connect
from rag.store.feeds import Feed, FeedState

# Feed entries whose article is gone: a refresh would never fetch them again.
ORPHANS = "FROM feed_items WHERE article NOT IN (SELECT id FROM articles)"
MANIFEST_KEYS = ("format_version", "model", "dim", "settings", "quantize", "next_id", "version")


@dataclass
class Finding:
    kind: str  # stray | database | vectors | rows | cache: what the repair is
    file: str
    problem: str
    repair: str  # what --repair does about it
    repaired: bool = False

    def __str__(self) -> str:
        done = f"repaired: {self.repair}" if self.repaired else f"--repair would {self.repair}"
        return f"{self.file}: {self.problem}; {done}"


class Checker:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.root = settings.index_dir
        self._embedder = embedder

    def run(self, repair: bool = False) -> list[Finding]:
        if not (self.root / FILE).exists():
            raise FileNotFoundError(f"no index at {self.root}; build one with "
                                    f"`rag index --index {self.root}`")
        found = self._strays()
        database = self._database()
        found += database
        if not database:
            found += self._contents()
        found += self._cache()
        if repair:
            self._repair(found)
        return found

    # -- checks -----------------------------------------------------------------------------
    def _strays(self) -> list[Finding]:
        """Temporary files a killed writer left (the next writer sweeps them too)."""
        strays = [*self.root.glob(f".{FILE}.*.tmp"), *self.root.glob("segments/*.tmp")]
        return [Finding("stray", str(p), "a temporary file a stopped writer left", "delete it")
                for p in strays]

    def _database(self) -> list[Finding]:
        path = self.root / FILE
        rebuild = "rebuild the database from the articles' files and indexed text"
        try:
            db = connect(self.root)
            try:
                (verdict,) = db.execute("PRAGMA quick_check(1)").fetchone()
                verdict = " ".join(verdict.replace("*** in database main ***", "").split())
                if verdict != "ok":
                    return [Finding("database", str(path),
                                    f"the database is damaged ({verdict})", rebuild)]
                meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
            finally:
                db.close()
        except (sqlite3.DatabaseError, ValueError) as e:
            return [Finding("database", str(path), f"the database can't be read ({e})", rebuild)]
        lacking = [k for k in MANIFEST_KEYS if k not in meta]
        if lacking:
            return [Finding("database", str(path),
                            f"the manifest lacks {', '.join(lacking)}", rebuild)]
        return []

    def _contents(self) -> list[Finding]:
        out: list[Finding] = []
        store = Store.open(self.root, search=False)
        try:
            db = store.db()
            dim = store.manifest["dim"]
            ids: list[np.ndarray] = []
            for sid, kind, size, raw_ids, blob in db.execute(
                    "SELECT id, kind, size, ids, vectors FROM segments ORDER BY id"):
                problem = self._segment(sid, kind, size, raw_ids, blob, dim)
                if problem:
                    out.append(Finding("vectors", *problem, "embed its passages again (from "
                                       "the embedding cache where it has them)"))
                ids.append(np.frombuffer(raw_ids, dtype=np.int64))
            held = np.concatenate(ids) if ids else np.zeros(0, np.int64)
            dead = {i for (i,) in db.execute("SELECT id FROM deleted")}
            live = {i for (i,) in db.execute("SELECT id FROM chunks")}
            vectors = set(held.tolist()) - dead
            if not out and live != vectors:
                out.append(Finding(
                    "vectors", str(self.root / FILE), f"{len(live - vectors)} passages have no "
                    f"vector and {len(vectors - live)} vectors no passage",
                    "embed the passages again"))
            out += [Finding("rows", str(self.root / FILE), f"article {aid!r} has an "
                            f"impossible date {day!r}", "index it without a date")
                    for aid, day in _bad_dates(db)]
            orphans = db.execute(f"SELECT COUNT(*) {ORPHANS}").fetchone()[0]
            if orphans:
                out.append(Finding("rows", str(self.root / FILE), f"{orphans} feed entries "
                                   "point at articles no longer indexed", "forget them, so "
                                   "the next refresh fetches them again"))
        finally:
            store.close()
        return out

    def _segment(self, sid: int, kind: str, size: int, raw_ids: bytes, blob: bytes, dim: int
                 ) -> tuple[str, str] | None:
        if len(raw_ids) != size * 8:
            return str(self.root / FILE), f"vector segment {sid} lists {len(raw_ids) // 8} " \
                                          f"passages, not {size}"
        if kind == "flat":
            if len(blob) != size * dim * 4:
                return str(self.root / FILE), f"vector segment {sid} holds " \
                    f"{len(blob) // (dim * 4)} vectors for {size} passages"
            return None
        import faiss

        path = self.root / "segments" / f"{sid:07d}.faiss"
        if not path.exists():
            return str(path), "the vector file is missing"
        try:
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
        except RuntimeError:
            return str(path), "the vector file can't be read"
        if index.ntotal != size:
            return str(path), f"the vector file holds {index.ntotal} vectors, not {size}"
        return None

    def _cache(self) -> list[Finding]:
        path = cache_path(self.settings)
        if not path.exists():
            return []
        try:
            db = sqlite3.connect(path)
            try:
                (verdict,) = db.execute("PRAGMA quick_check(1)").fetchone()
            finally:
                db.close()
        except sqlite3.DatabaseError as e:
            verdict = str(e)
        if verdict == "ok":
            return []
        return [Finding("cache", str(path), f"the embedding cache is damaged ({verdict})",
                        "set it aside and start a new one (embeddings are computed again "
                        "as needed)")]

    # -- repairs ----------------------------------------------------------------------------
    def _repair(self, found: list[Finding]) -> None:
        kinds = {f.kind for f in found}
        for f in found:
            if f.kind == "stray":
                Path(f.file).unlink(missing_ok=True)
            elif f.kind == "cache":
                Path(f.file).replace(Path(f"{f.file}.damaged"))
        if "database" in kinds:
            lost = self._rebuild_database()
            if lost:
                next(f for f in found if f.kind == "database").repair = lost
        else:
            if "rows" in kinds:
                self._fix_rows()
            if "vectors" in kinds:
                Indexer(self.settings, self._embedder).rebuild(progress=False)
        for f in found:
            f.repaired = True

    def _fix_rows(self) -> None:
        store = Store.open(self.root, search=False)
        try:
            with store.writing() as w:
                w.db.executemany("UPDATE articles SET date = NULL WHERE id = ?",
                                 [(aid,) for aid, _ in _bad_dates(w.db)])
                w.db.execute(f"DELETE {ORPHANS}")
        finally:
            store.close()

    def _rebuild_database(self) -> str | None:
        """Read back what can be read (articles, feeds), set the damaged files aside, and index
        it all into a new database. What could not be saved, said, or None."""
        indexer = Indexer(self.settings, self._embedder)
        damaged = Store(self.root)  # not opened: only its rows are read, as far as they go
        try:
            loaded = indexer.held(damaged)
            feeds = FeedState(damaged).list()
        except (sqlite3.DatabaseError, ValueError):
            loaded, feeds = None, []
        finally:
            damaged.close()
        aside = self.root / f"damaged-{time.strftime('%Y%m%d-%H%M%S')}"
        aside.mkdir()
        for name in (FILE, f"{FILE}-wal", f"{FILE}-shm", "segments"):
            if (self.root / name).exists():
                (self.root / name).replace(aside / name)
        if loaded is None:
            return (f"move it to {aside}: nothing in it could be read back, so index your "
                    f"articles again with `rag index PATH --index {self.root}`")
        indexer.index(loaded, progress=False)
        store = indexer.open_store()
        try:
            state = FeedState(store)
            for feed in feeds:
                state.add(Feed(feed.url, feed.name, feed.added))
        finally:
            store.close()
        return None


def _bad_dates(db: sqlite3.Connection) -> list[tuple[str, str]]:
    """(article id, date) of the dates that are not a real day (indexed before dates were
    checked at loading)."""
    return [(aid, day) for aid, day in db.execute(
        "SELECT id, date FROM articles WHERE date IS NOT NULL").fetchall()
        if normalise_date(day) != day]
