"""Feed subscriptions and what each has brought, kept in the index's database beside the articles
(tables `feeds` and `feed_items`), so they travel, back up and rebuild with the index."""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields

from rag.store.store import Store, Writer


@dataclass
class Feed:
    url: str
    name: str
    added: str  # ISO UTC time
    etag: str | None = None
    last_modified: str | None = None
    refreshed: str | None = None  # the last refresh, failed or not
    error: str | None = None  # what went wrong then; None: nothing
    new: int = 0  # articles that refresh added
    changed: int = 0  # and replaced with an updated version
    seen: int = 0  # entries seen since the feed was added (not a column: counted)


@dataclass(frozen=True)
class Item:
    entry: str
    article: str  # the article id it was indexed as
    fingerprint: str
    etag: str | None = None
    last_modified: str | None = None


_COLUMNS = [f.name for f in fields(Feed) if f.name != "seen"]


class FeedState:
    def __init__(self, store: Store):
        if not isinstance(store, Store):
            raise ValueError("feeds are kept in the embedded store only, for now: follow them "
                             "with an index in a folder (no --store); `rag add URL` works on "
                             "every store")
        self.store = store

    def list(self) -> list[Feed]:
        rows = self.store.db().execute(
            f"SELECT {', '.join('f.' + c for c in _COLUMNS)}, "
            "(SELECT COUNT(*) FROM feed_items i WHERE i.feed = f.url) FROM feeds f "
            "ORDER BY f.name")
        return [Feed(*row) for row in rows]

    def find(self, key: str) -> Feed | None:
        """A feed by its name or URL."""
        return next((f for f in self.list() if key in (f.name, f.url)), None)

    def items(self, url: str) -> dict[str, Item]:
        rows = self.store.db().execute(
            "SELECT entry, article, fingerprint, etag, last_modified FROM feed_items "
            "WHERE feed = ?", (url,))
        return {row[0]: Item(*row) for row in rows}

    def add(self, feed: Feed) -> None:
        """ValueError if the URL or the name is taken."""
        with self.store.writing() as w:
            taken = w.db.execute("SELECT name, url FROM feeds WHERE url = ? OR name = ?",
                                 (feed.url, feed.name)).fetchone()
            if taken:
                raise ValueError(f"a feed named {taken[0]!r} ({taken[1]}) is already followed; "
                                 "choose another --name")
            self._write(w, feed)

    def save(self, feed: Feed, items: list[Item]) -> None:
        """A refresh's outcome; a feed removed meanwhile stays removed."""
        with self.store.writing() as w:
            if w.db.execute("SELECT 1 FROM feeds WHERE url = ?", (feed.url,)).fetchone():
                self._write(w, feed)
                w.db.executemany("INSERT OR REPLACE INTO feed_items VALUES (?, ?, ?, ?, ?, ?)",
                                 [(feed.url, *astuple(i)) for i in items])

    def remove(self, feed: Feed, purge: bool = False) -> list[str]:
        """Stop following `feed`. With `purge`, its articles go too (those no other feed
        brought): their ids are returned."""
        with self.store.writing() as w:
            gone = [a for (a,) in w.db.execute(
                "SELECT DISTINCT article FROM feed_items WHERE feed = ? AND article NOT IN "
                "(SELECT article FROM feed_items WHERE feed != ?)", (feed.url, feed.url))
            ] if purge else []
            w.remove(gone)
            w.db.execute("DELETE FROM feed_items WHERE feed = ?", (feed.url,))
            w.db.execute("DELETE FROM feeds WHERE url = ?", (feed.url,))
        return gone

    @staticmethod
    def _write(w: Writer, feed: Feed) -> None:
        w.db.execute(f"INSERT OR REPLACE INTO feeds ({', '.join(_COLUMNS)}) VALUES "
                     f"({', '.join('?' * len(_COLUMNS))})", astuple(feed)[:len(_COLUMNS)])
