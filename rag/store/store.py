"""The store: articles and their passages, searchable by vector and by keyword, updated in place.

Protocol (what another engine must provide to stand behind the retriever and the indexer):
- `Store.open(root, search=True)` / `close()`; `refresh()` picks up what other processes
  committed;
- `count()`: live passages;
- `writing()`: a transaction with `add(article, ...)` and `remove(article_ids)`;
- `search(vector, k, filters)`, `keyword(text, k, filters)` and `hybrid(vector, text, k,
  filters, rrf_k)` (the two fused by reciprocal rank): best (passage id, score);
- `filter(filters)`: the articles the filters admit; `stats()`, `hashes(ids)`, `manifest`;
- `stories(ids)`, `passages(ids)`, `outlets(stories)`, `dates(ids)`, `idf(terms)`: what a
  result shows.

This one is SQLite (rag/store/database.py) with FAISS segments (vectors.py) and BM25 postings
(postings.py). A reader works from a snapshot: the segments it has loaded plus per-passage
columns (date, article, length, live) as numpy arrays by passage id, from which filters become
a bitmap FAISS and BM25 both search within.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunking import chunk_text_for_search
from rag.keyword import Terms, joined, term_ids, tokenize
from rag.store import database, postings, vectors
from rag.store.database import FILE, connect, named_damage, read, writer_lock
from rag.stories import SCHEME, bands, signature, story_of
from rag.types import Article, Chunk, Filters

FORMAT_VERSION = 2
_EPOCH = date(1970, 1, 1).toordinal()
ARTICLE_FIELDS = "num, id, title, date, source, file, hash, story, author, site, fetched"


class IndexMismatch(ValueError):
    """The index on disk was built with other settings than the ones in use."""


def day_number(iso: str | None) -> int:
    if not iso:
        return vectors.UNDATED
    try:
        return date.fromisoformat(iso).toordinal() - _EPOCH
    except ValueError:
        return vectors.UNDATED


def day_iso(day: int) -> str | None:
    return None if day == vectors.UNDATED else date.fromordinal(day + _EPOCH).isoformat()


@dataclass(frozen=True)
class Snapshot:
    """What one reader searches: a committed state of the index."""

    version: int
    segments: tuple[vectors.Segment, ...]
    days: np.ndarray  # by passage id
    articles: np.ndarray
    lengths: np.ndarray
    alive: np.ndarray
    count: int
    avgdl: float


def check_manifest(m: dict[str, Any], model: str, dim: int, settings: dict[str, Any],
                   where: Path) -> None:
    """Refuse to mix vectors of different models or chunkings in one index."""
    if m["model"] != model or m["dim"] != dim:
        raise IndexMismatch(
            f"{where} was built with model {m['model']!r} (dim {m['dim']}), but this run "
            f"uses {model!r} (dim {dim}). Rebuild it with `rag index --rebuild --index "
            f"{where}` (the articles are read again), or pass the matching --model (and "
            "--embed-backend: the part after @)."
        )
    if m["settings"] != settings:
        raise IndexMismatch(
            f"{where} was built with chunking {m['settings']}, but this run uses {settings}. "
            f"Rebuild it with `rag index --rebuild --index {where}`, or use the same settings."
        )


def reassembled(passages: Iterable[tuple[str, int, int]]) -> str:
    """An article's text from its passages (text, start, end): every sentence at its offset,
    the blanks between passages as spaces."""
    text: list[str] = []
    for chunk, start, end in sorted(passages, key=lambda p: p[1]):
        if end > len(text):
            text += [" "] * (end - len(text))
        text[start:end] = chunk
    return "".join(text)


def rrf(lists: Sequence[Sequence[tuple[int, float]]], k: int = 60) -> list[tuple[int, float]]:
    """Ranked lists fused by reciprocal rank: each item scores the sum of 1 / (k + its rank)."""
    fused: dict[int, float] = {}
    for ranked in lists:
        for rank, (cid, _) in enumerate(ranked, start=1):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda kv: -kv[1])


def _meta(row: dict[str, Any]) -> dict[str, Any]:
    """An article row as the rest of the code reads it (the old manifest's per-article dict).
    A date indexed before dates were checked at loading, and impossible, reads as none."""
    meta = {k: row[k] for k in ARTICLE_FIELDS.split(", ")[1:]}
    meta["date"] = day_iso(day_number(meta["date"]))
    return meta


class Store:
    def __init__(self, root: Path):
        self.root = root
        self._local = threading.local()
        self._refreshing = threading.Lock()
        self._mask_cache: tuple[tuple[int, Filters], np.ndarray | None] | None = None
        self._model: tuple[str, int] | None = None  # what the loaded vectors were made with
        self.snapshot = Snapshot(-1, (), *(np.zeros(0, t) for t in
                                           (np.int32, np.int32, np.uint16, bool)), 0, 1.0)

    # -- opening ----------------------------------------------------------------------------
    @classmethod
    def exists(cls, root: Path) -> bool:
        return (root / FILE).exists() or (root / "CURRENT").exists()

    @classmethod
    def model_of(cls, root: Path) -> str | None:
        """The model an index under `root` records (see `embedding.identity`); None if there is
        no index, or none that can be read (opening it says why)."""
        try:
            store = cls.open(root, search=False)
        except (FileNotFoundError, ValueError, RuntimeError, sqlite3.DatabaseError):
            return None
        try:
            return store.manifest["model"]
        finally:
            store.close()

    @classmethod
    def open(cls, root: Path, search: bool = True) -> Store:
        """The index under `root`, loaded for searching (`search=False`: for writing and
        metadata only, which reads no vectors); FileNotFoundError if there is none. An index
        of format 1 (generation folders) is migrated first, without embedding again."""
        if not (root / FILE).exists():
            if not (root / "CURRENT").exists():
                raise FileNotFoundError(
                    f"no index at {root}; build one with `rag index --index {root}`")
            from rag.store.legacy import migrate

            with named_damage(root / "CURRENT", ValueError, KeyError, RuntimeError, OSError):
                migrate(root)
        store = cls(root)
        with named_damage(root / FILE, ValueError, KeyError):  # ValueError: JSON in meta
            version = store.manifest.get("format_version")
            if version != FORMAT_VERSION:
                raise IndexMismatch(
                    f"{root} has index format {version}, this version reads {FORMAT_VERSION}; "
                    f"rebuild it with `rag index --rebuild --index {root}`")
            database.upgrade(store.db())
        if search:
            store.refresh()
        return store

    @classmethod
    def create(cls, root: Path, model: str, dim: int, settings: dict[str, Any],
               quantize: str = "none", ann_min: int = 200_000) -> Store:
        """A new empty index (or the one another writer created meanwhile)."""
        root.mkdir(parents=True, exist_ok=True)
        with writer_lock(root):
            if not (root / FILE).exists():
                tmp = root / f".{FILE}.{os.getpid()}.tmp"
                tmp.unlink(missing_ok=True)
                db = sqlite3.connect(tmp, isolation_level=None)
                db.execute("PRAGMA page_size=65536")  # vector blobs read 1.4x faster than at 4 KiB
                db.executescript(database.SCHEMA)
                db.executemany("INSERT INTO meta VALUES (?, ?)", [
                    (k, json.dumps(v)) for k, v in {
                        "format_version": FORMAT_VERSION, "model": model, "dim": dim,
                        "settings": settings, "quantize": quantize, "ann_min": ann_min,
                        "next_id": 0, "version": 0, "updated": None,
                        "stories": SCHEME}.items()])
                db.close()
                os.replace(tmp, root / FILE)  # a new index appears whole or not at all
        return cls.open(root)

    def db(self) -> sqlite3.Connection:
        """This thread's connection (WAL readers never block each other or the writer)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = connect(self.root)
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    @property
    def manifest(self) -> dict[str, Any]:
        """format_version, model, dim, settings, quantize, ann_min, next_id, version, updated."""
        return {k: json.loads(v) for k, v in self.db().execute("SELECT key, value FROM meta")}

    def check(self, model: str, dim: int, settings: dict[str, Any], where: Path) -> None:
        check_manifest(self.manifest, model, dim, settings, where)

    # -- reading ----------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Load what writers committed since the last look (new segments, removed passages);
        a cheap check when nothing changed. True if the snapshot changed."""
        db = self.db()
        with named_damage(self.root / FILE, ValueError, TypeError):
            version = json.loads(db.execute("SELECT value FROM meta WHERE key = 'version'")
                                 .fetchone()[0])
        if version == self.snapshot.version:
            return False
        with self._refreshing, named_damage(self.root / FILE, ValueError, RuntimeError):
            for attempt in range(3):  # ValueError: a vector blob of the wrong size
                try:
                    self.snapshot = self._load(self.snapshot)
                    break
                except FileNotFoundError:  # a writer merged segments while they were read
                    if attempt == 2:
                        raise
        return True

    def _load(self, old: Snapshot) -> Snapshot:
        db = self.db()
        with read(db):
            m = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
            if old.version >= 0 and (m["model"], m["dim"]) != self._model:
                raise IndexMismatch(
                    f"{self.root} was rebuilt with model {m['model']!r}; restart to use it "
                    "(answers still come from the index as it was)")
            self._model = (m["model"], m["dim"])
            current = {sid for (sid,) in db.execute("SELECT id FROM segments")}
            # Segments are immutable: only new ones are read, unless a merge replaced some the
            # snapshot holds, and then all are.
            base = old if {s.id for s in old.segments} <= current else None
            keep = list(old.segments) if base is not None else []
            new = vectors.load(db, m["dim"], m["quantize"], {s.id for s in keep})
            dead = np.fromiter((i for (i,) in db.execute("SELECT id FROM deleted")),
                               dtype=np.int64)
        return _snapshot(m["version"], base, keep, new, dead)

    def count(self) -> int:
        return self.snapshot.count

    def search(self, vector: np.ndarray, k: int, filters: Filters | None = None
               ) -> list[tuple[int, float]]:
        """Best `k` (passage id, cosine) for a unit query vector among what `filters` admit."""
        snap = self.snapshot
        mask = self._mask(snap, filters)
        if mask is not None and not mask.any():
            return []
        return vectors.search(list(snap.segments), vector, k, mask)

    def keyword(self, text: str, k: int, filters: Filters | None = None
                ) -> list[tuple[int, float]]:
        """Best `k` (passage id, BM25 score > 0) among what `filters` admit."""
        snap = self.snapshot
        mask = self._mask(snap, filters)
        return postings.search(self.db(), tokenize([text])[0], k,
                               snap.alive if mask is None else mask, snap.lengths,
                               snap.count, snap.avgdl)

    def hybrid(self, vector: np.ndarray, text: str, k: int, filters: Filters | None = None,
               rrf_k: int = 60) -> list[tuple[int, float]]:
        """Dense and keyword search's best `k` each, fused by reciprocal rank (`rrf`): every
        passage either found, best first."""
        return rrf([self.search(vector, k, filters), self.keyword(text, k, filters)], rrf_k)

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """BM25's inverse document frequency over the passages. A term the articles never use
        gets the highest weight: a question about it is most likely one they can't answer."""
        terms = list(terms)
        df = postings.document_frequencies(self.db(), terms)
        n = self.snapshot.count
        return {t: postings.idf(n, df.get(t, 0)) for t in terms}

    def dates(self, ids: Sequence[int]) -> list[str | None]:
        days = self.snapshot.days
        return [day_iso(int(days[i])) for i in ids]

    def stories(self, ids: Sequence[int]) -> list[tuple[int, int] | None]:
        """(article, story) of each passage, as numbers to compare; None for a passage removed
        since the snapshot."""
        nums = self.snapshot.articles[np.asarray(ids, dtype=np.int64)].tolist() if len(ids) \
            else []
        wanted = list(set(nums))
        story = dict(self.db().execute(
            f"SELECT num, story FROM articles WHERE num IN ({','.join('?' * len(wanted))})",
            wanted).fetchall()) if wanted else {}
        return [(n, story[n]) if n in story else None for n in nums]

    def passages(self, ids: Sequence[int]) -> dict[int, tuple[Chunk, dict[str, Any]]]:
        """Each passage with its article's metadata (with "story"); passages removed since the
        snapshot are left out, so a reader never shows half an update."""
        out: dict[int, tuple[Chunk, dict[str, Any]]] = {}
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if not wanted:
            return out
        cols = ARTICLE_FIELDS.split(", ")[1:]
        rows = self.db().execute(
            f"SELECT c.id, c.key, c.text, c.start, c.end, "
            f"{', '.join('a.' + c for c in cols)} FROM chunks c JOIN articles a "
            f"ON a.num = c.article WHERE c.id IN ({','.join('?' * len(wanted))})", wanted)
        for cid, key, text, start, end, *values in rows:
            meta = _meta(dict(zip(cols, values, strict=True)))
            out[cid] = (Chunk(key, meta["id"], text, start, end), meta)
        return out

    def texts(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Article texts put back together from their passages (which hold every sentence at
        its offset; the blanks between passages come back as spaces): what a rebuild indexes
        when the file or page an article came from can no longer be read."""
        out: dict[str, str] = {}
        for aid in article_ids:
            text = reassembled(self.db().execute(
                "SELECT c.text, c.start, c.end FROM chunks c JOIN articles a "
                "ON a.num = c.article WHERE a.id = ?", (aid,)))
            if text:
                out[aid] = text
        return out

    def outlets(self, stories: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        """Story -> its articles, in order of arrival."""
        wanted = list(set(stories))
        out: dict[int, list[dict[str, Any]]] = {s: [] for s in wanted}
        for i in range(0, len(wanted), 900):
            part = wanted[i:i + 900]
            for row in self._articles(f"story IN ({','.join('?' * len(part))}) ORDER BY num",
                                      part):
                out[row["story"]].append(row)
        return out

    def filter(self, filters: Filters | None = None) -> list[dict[str, Any]]:
        """The articles `filters` admit (all without), as metadata dicts."""
        rows = self._articles("1 ORDER BY num")
        return [r for r in rows if not filters or filters.admits(r)]

    def hashes(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Content digest by article id, for those indexed."""
        return self._by_id("hash", article_ids)

    def files(self, article_ids: Sequence[str]) -> dict[str, str]:
        """The file (or URL) each indexed article came from."""
        return self._by_id("file", article_ids)

    def _by_id(self, column: str, article_ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(article_ids), 900):
            part = list(article_ids[i:i + 900])
            out.update(self.db().execute(
                f"SELECT id, {column} FROM articles WHERE id IN ({','.join('?' * len(part))})",
                part).fetchall())
        return out

    def stats(self) -> dict[str, Any]:
        """Articles, stories and date range, for `rag info` and the app's status line."""
        articles, stories, first, last, passages = self.db().execute(
            "SELECT COUNT(*), COUNT(DISTINCT story), MIN(date), MAX(date), SUM(count) "
            "FROM articles").fetchone()
        return {"articles": articles, "stories": stories, "passages": passages or 0,
                "dates": [first, last] if first else None,
                "ann": self.db().execute("SELECT COUNT(*) FROM segments WHERE kind = 'ivf'")
                .fetchone()[0] > 0}

    def _articles(self, where: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cols = ARTICLE_FIELDS.split(", ")
        rows = self.db().execute(f"SELECT {ARTICLE_FIELDS} FROM articles WHERE {where}", params)
        return [_meta(dict(zip(cols, r, strict=True))) for r in rows]

    def _mask(self, snap: Snapshot, filters: Filters | None) -> np.ndarray | None:
        """Passages (by id) that are live and admitted: None when that is all of them."""
        if not filters:
            return snap.alive if snap.count < len(snap.alive) else None
        cached = self._mask_cache
        if cached and cached[0] == (snap.version, filters):
            return cached[1]
        mask = snap.alive.copy()
        d = snap.days
        if filters.since or filters.until or filters.as_of:
            ok = np.ones(len(d), dtype=bool)
            for bound, keep in ((filters.since, np.greater_equal), (filters.until, np.less_equal),
                                (filters.as_of, np.less_equal)):
                if bound:
                    ok &= keep(d, day_number(bound))
            undated = d == vectors.UNDATED
            ok[undated] = not (filters.since or filters.until)
            mask &= ok
        if filters.articles is not None:
            marks = ",".join("?" * len(filters.articles))
            nums = [n for (n,) in self.db().execute(
                f"SELECT num FROM articles WHERE id IN ({marks})", list(filters.articles))]
            mask &= np.isin(snap.articles, nums)
        self._mask_cache = ((snap.version, filters), mask)
        return mask

    # -- writing ----------------------------------------------------------------------------
    @contextmanager
    def writing(self, wait: bool = True) -> Iterator[Writer]:
        """One write transaction, serialized with every other writer of this index (other
        processes included): all of it lands, or none of it."""
        with writer_lock(self.root, wait), named_damage(self.root / FILE):
            db = connect(self.root)
            try:
                db.execute("BEGIN IMMEDIATE")
                writer = Writer(db)
                try:
                    yield writer
                    writer.commit()
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
                vectors.sweep(db)
            finally:
                db.close()


class Writer:
    """Adds and removes whole articles inside one transaction (see Store.writing)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
        self._next = int(self.meta["next_id"])
        self._pending: list[tuple[int, int, int, np.ndarray]] = []  # id, day, article, vector
        self._terms: list[Terms] = []  # each added article's passages, analysed for BM25
        self.changed = False

    def add(self, article: Article, file: str, digest: str, chunks: list[Chunk],
            vecs: np.ndarray, sig: list[int] | None = None, terms: Terms | None = None
            ) -> None:
        """Add (or replace) one article with its chunks and their vectors. `sig` (its story
        signature: `stories.signature` of the chunks' texts) and `terms` (`keyword.term_ids`
        of the chunks' texts as searched) are made here unless the caller made them."""
        self.remove([article.id])
        first = self._next
        self._next += len(chunks)
        sig = signature(c.text for c in chunks) if sig is None else sig
        num = int(self.db.execute(
            "INSERT INTO articles (id, title, date, source, file, hash, author, site, fetched, "
            "first, count, story, minhash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
            (article.id, article.title, article.date, article.source, file, digest,
             article.author, article.site, article.fetched, first, len(chunks),
             np.asarray(sig, dtype=np.uint64).tobytes())).lastrowid)
        self.db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)",
                            [(num, key) for key in bands(sig)])
        self._assign(num)
        self.db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
            [(first + i, num, c.id, c.text, c.start, c.end) for i, c in enumerate(chunks)])
        day = day_number(article.date)
        self._pending += [(first + i, day, num, v) for i, v in enumerate(vecs)]
        self._terms.append(terms if terms is not None else term_ids(
            [chunk_text_for_search(article.title, c) for c in chunks]))
        self.changed = True

    def remove(self, article_ids: Iterable[str]) -> None:
        for aid in article_ids:
            row = self.db.execute("SELECT num, title, first, count, story FROM articles "
                                  "WHERE id = ?", (aid,)).fetchone()
            if row is None:
                continue
            num, title, first, count, story = row
            texts = [chunk_text_for_search(title, Chunk(key, aid, text, start, end))
                     for key, text, start, end in self.db.execute(
                         "SELECT key, text, start, end FROM chunks WHERE article = ? ORDER BY id",
                         (num,))]
            postings.forget(self.db, texts)
            self.db.executemany("INSERT OR IGNORE INTO deleted VALUES (?)",
                                [(i,) for i in range(first, first + count)])
            for table, column in (("chunks", "article"), ("bands", "article"),
                                  ("articles", "num")):
                self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", (num,))
            if story == num:  # it led a story: its other articles find their stories again
                for (member,) in self.db.execute(
                        "SELECT num FROM articles WHERE story = ? ORDER BY num", (num,)
                ).fetchall():
                    self._assign(member)
            self.changed = True

    def clear(self, model: str, dim: int, settings: dict[str, Any], quantize: str,
              ann_min: int) -> None:
        """Empty the index for a rebuild with these settings (in this transaction: until it
        commits, readers keep the old index)."""
        for table in ("articles", "chunks", "bands", "terms", "postings", "segments", "deleted",
                      "trained", "feed_items"):
            self.db.execute(f"DELETE FROM {table}")
        # Feeds stay subscribed; with their entries forgotten, the next refresh fetches them all.
        self.db.execute("UPDATE feeds SET etag = NULL, last_modified = NULL")
        self.meta.update(model=model, dim=dim, settings=settings, quantize=quantize,
                         ann_min=ann_min)
        self._pending.clear()
        self._terms.clear()
        self.changed = True

    def _assign(self, num: int) -> None:
        """Give article `num` its story: the first earlier story leader it matches, else its own."""
        sig, title = self.db.execute("SELECT minhash, title FROM articles WHERE num = ?",
                                     (num,)).fetchone()
        sig = np.frombuffer(sig, dtype=np.uint64).tolist()
        keys = bands(sig)
        leaders = self.db.execute(
            f"SELECT DISTINCT a.num, a.minhash, a.title FROM bands b JOIN articles a "
            f"ON a.num = b.article WHERE b.key IN ({','.join('?' * len(keys))}) "
            f"AND a.story = a.num AND a.num < ?", (*keys, num)).fetchall() if keys else []
        leader = story_of(sig, title, ((n, np.frombuffer(s, dtype=np.uint64).tolist(), t)
                                       for n, s, t in leaders))
        self.db.execute("UPDATE articles SET story = ? WHERE num = ?", (leader or num, num))

    def commit(self) -> None:
        """Write the pending passages as one segment, merge segments if they add up, and mark
        the new state for readers."""
        if not self.changed:
            return
        if self._pending:
            ids, days, arts, vecs = zip(*self._pending, strict=True)
            ids_ = np.asarray(ids, dtype=np.int64)
            segment = vectors.write(self.db, ids_, np.asarray(days), np.asarray(arts),
                                    np.zeros(len(ids), np.uint16), np.stack(vecs))
            vectors.set_lengths(self.db, segment,
                                postings.write(self.db, segment, ids_, joined(self._terms)))
            self._pending.clear()
            self._terms.clear()
        dead = np.fromiter((i for (i,) in self.db.execute("SELECT id FROM deleted")),
                           dtype=np.int64)
        while vectors.merge(self.db, self.meta["dim"], self.meta["quantize"],
                            self.meta["ann_min"], dead):
            dead = np.fromiter((i for (i,) in self.db.execute("SELECT id FROM deleted")),
                               dtype=np.int64)
        self.meta.update(next_id=self._next, version=self.meta["version"] + 1,
                         updated=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                            [(k, json.dumps(v)) for k, v in self.meta.items()])


def _snapshot(version: int, base: Snapshot | None, keep: list[vectors.Segment],
              new: list[vectors.Segment], dead: np.ndarray) -> Snapshot:
    """Per-passage columns by id: extended from `base` when only segments were added."""
    segments = (*keep, *new)
    size = max((int(s.ids.max()) + 1 for s in segments if len(s.ids)), default=0)
    if base is not None and len(base.days) <= size:
        grow = size - len(base.days)
        days = np.concatenate([base.days, np.full(grow, vectors.UNDATED, np.int32)])
        arts = np.concatenate([base.articles, np.full(grow, -1, np.int32)])
        lengths = np.concatenate([base.lengths, np.zeros(grow, np.uint16)])
        alive = np.concatenate([base.alive, np.zeros(grow, bool)])
        fill = new
    else:
        days = np.full(size, vectors.UNDATED, np.int32)
        arts = np.full(size, -1, np.int32)
        lengths = np.zeros(size, np.uint16)
        alive = np.zeros(size, bool)
        fill = list(segments)
    for s in fill:
        days[s.ids], arts[s.ids], lengths[s.ids], alive[s.ids] = s.days, s.articles, s.lengths, True
    alive[dead[dead < size]] = False
    count = int(alive.sum())
    avgdl = float(lengths[alive].mean()) if count else 1.0
    return Snapshot(version, segments, days, arts, lengths, alive, count, avgdl)


def disk_size(root: Path) -> int:
    files = [*root.glob(f"{FILE}*"), *root.glob("segments/*")]
    return sum(p.stat().st_size for p in files if p.is_file())
