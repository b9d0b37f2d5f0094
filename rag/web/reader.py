"""A feed reader that indexes what it reads: pages by URL, and feeds refreshed on demand.

Only news costs anything: an unchanged feed is one conditional request (304) and embeds
nothing; of a changed feed, only entries that are new or listed differently are fetched, and
of those only articles whose content changed are embedded (the indexer compares digests).
Every problem names the feed and the URL; the other feeds and entries go on, and what is
already indexed stays. Feed state is saved after the articles are committed, so a refresh
killed midway is simply done again.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from tqdm import tqdm

from rag.embedding import Embedder
from rag.indexing import Indexer, IndexReport
from rag.loading import BadFile, Loaded, derive_title
from rag.settings import Settings
from rag.store import exists, open_store
from rag.store.feeds import Feed, FeedState, Item
from rag.types import Article
from rag.web.feeds import Entry, FeedError, parse_feed
from rag.web.fetch import Fetcher, FetchError, Response
from rag.web.pages import HTML, canonical, checked_date, now, page_article

FEED_WORKERS = 8  # feeds polled at once; each fetches its pages fetch_per_host at a time
PAGE_WORKERS = 8  # pages of `rag add` fetched at once (each host still gets fetch_per_host)


@dataclass
class WebReport:
    """What a refresh (or `rag add URL`) did, for the CLI, the app and the benchmark."""

    feeds: list[Feed] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # feeds answered 304 Not Modified
    index: IndexReport | None = None  # None: nothing new to index
    errors: list[str] = field(default_factory=list)  # something was not indexed
    warnings: list[str] = field(default_factory=list)  # indexed, but not as it should have been
    requests: int = 0
    seconds: float = 0.0

    @property
    def new(self) -> int:
        return len(self.index.added) if self.index else 0

    @property
    def changed(self) -> int:
        return len(self.index.changed) if self.index else 0

    def summary(self) -> str:
        """What was brought (the errors and warnings are listed apart)."""
        embedded = self.index.chunks_embedded if self.index else 0
        embed_s = self.index.embed_seconds if self.index else 0.0
        lines = [f"{self.new} new and {self.changed} changed articles from "
                 f"{self.requests} requests in {self.seconds:.1f}s "
                 f"({embedded} passages embedded in {embed_s:.1f}s)"]
        lines += [f"  {f.name}: " + ("unchanged (304)" if f.name in self.unchanged else
                                     "failed" if f.error and not (f.new or f.changed) else
                                     f"{f.new} new, {f.changed} changed")
                  + f", {f.seen} entries seen" for f in self.feeds]
        if self.index:
            lines.append(self.index.summary().splitlines()[0])
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"new": self.new, "changed": self.changed, "requests": self.requests,
                "seconds": round(self.seconds, 2), "unchanged_feeds": self.unchanged,
                "feeds": [vars(f) for f in self.feeds], "errors": self.errors,
                "warnings": self.warnings,
                "index": self.index.to_json() if self.index else None}


class Reader:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.indexer = Indexer(settings, embedder)
        self._lock = threading.Lock()  # one refresh at a time in this process

    # -- subscriptions ----------------------------------------------------------------------
    def feeds(self) -> list[Feed]:
        if not exists(self.settings):
            return []
        store = open_store(self.settings, search=False)
        try:
            return FeedState(store).list()
        finally:
            store.close()

    def follow(self, url: str, name: str | None = None, progress: bool | None = None
               ) -> WebReport:
        """Subscribe to a feed and read it now. FetchError / FeedError (nothing is saved) when
        it cannot be read as a feed; ValueError when it is followed already."""
        url = canonical(url) if "://" in url else url
        fetcher = Fetcher(self.settings)
        try:
            page = fetcher.get(url, robots=False)
            parsed = parse_feed(page.body)
        except FeedError as e:
            hint = "; for an article page, use `rag add URL`" \
                if page.content_type in HTML else ""
            raise FeedError(f"{url}: {e}{hint}") from None
        finally:
            fetcher.close()
        name = name or _slug(parsed.title) or _slug(url)
        store = self.indexer.open_store()
        try:
            FeedState(store).add(Feed(url, name, now()))
        finally:
            store.close()
        with self._lock:
            report = self._refresh([name], progress, {url: page})
        report.requests += fetcher.requests
        return report

    def unfollow(self, key: str, purge: bool = False) -> tuple[Feed, list[str]]:
        """Stop following a feed (by name or URL); with `purge`, drop the articles only it
        brought. ValueError for an unknown feed."""
        store = self.indexer.open_store()
        try:
            state = FeedState(store)
            feed = state.find(key)
            if feed is None:
                raise ValueError(_unknown(key, state.list()))
            return feed, state.remove(feed, purge)
        finally:
            store.close()

    # -- reading ----------------------------------------------------------------------------
    def add_pages(self, urls: list[str], progress: bool | None = None) -> WebReport:
        """Fetch and index article pages (HTML or PDF), each under its canonical URL."""
        started = time.perf_counter()
        report, fetcher = WebReport(), Fetcher(self.settings)
        fetched = now()

        def one(url: str) -> Article | None:
            try:
                article = page_article(fetcher.get(url), fetched)
            except FetchError as e:
                report.errors.append(str(e))
                return None
            except BadFile as e:
                report.errors.append(f"{url}: {e.reason}")
                return None
            day, late = checked_date(article.date, fetched)
            if late:
                report.warnings.append(f"{article.source}: {late}")
            return replace(article, date=day)

        try:
            with ThreadPoolExecutor(PAGE_WORKERS) as pool:
                articles = [a for a in pool.map(one, urls) if a]
        finally:
            fetcher.close()
        report.requests = fetcher.requests
        if articles:
            report.index = self._index(articles, progress)
        report.seconds = time.perf_counter() - started
        return report

    def refresh(self, names: list[str] | None = None, progress: bool | None = None
                ) -> WebReport:
        """Read the feeds (all, or those named) and index what they brought."""
        with self._lock:
            return self._refresh(names, progress)

    def _refresh(self, names: list[str] | None, progress: bool | None,
                 read: dict[str, Response] | None = None) -> WebReport:
        """`read`: feeds fetched already (by `follow`), by URL."""
        started = time.perf_counter()
        store = self.indexer.open_store()
        state = FeedState(store)
        feeds = state.list()
        if names:
            unknown = [n for n in names if not any(n in (f.name, f.url) for f in feeds)]
            if unknown:
                store.close()
                raise ValueError(_unknown(unknown[0], feeds))
            feeds = [f for f in feeds if f.name in names or f.url in names]
        report, fetcher = WebReport(feeds=feeds), Fetcher(self.settings)
        seen = {f.url: state.items(f.url) for f in feeds}
        try:
            with (tqdm(desc="fetching", unit="page", leave=False,
                       disable=None if progress is None else not progress) as bar,
                  ThreadPoolExecutor(FEED_WORKERS) as pool):
                polled = list(pool.map(
                    lambda f: self._poll(fetcher, seen[f.url], f, report, bar,
                                         (read or {}).get(f.url)), feeds))
            by_id: dict[str, Article] = {}
            for _, articles, _ in polled:
                for a in articles:  # the same page in two feeds is one article
                    by_id.setdefault(a.id, a)
            if by_id:
                report.index = self._index(list(by_id.values()), progress)
            added = set(report.index.added) if report.index else set()
            changed = set(report.index.changed) if report.index else set()
            for feed, _, items in polled:
                ids = {i.article for i in items}
                feed.new, feed.changed = len(ids & added), len(ids & changed)
                state.save(feed, items)
                feed.seen = len(seen[feed.url].keys() | {i.entry for i in items})
        finally:
            fetcher.close()
            store.close()
        report.requests = fetcher.requests
        report.seconds = time.perf_counter() - started
        return report

    def _poll(self, fetcher: Fetcher, seen: dict[str, Item], feed: Feed, report: WebReport,
              bar: tqdm, page: Response | None = None
              ) -> tuple[Feed, list[Article], list[Item]]:
        """One feed (`page`: already fetched): its new and changed entries as articles, and
        the items to remember. Its pages are fetched by workers of its own, as many as a host
        takes at once: in a shared pool one feed's pages, all waiting on their host's delay,
        would hold up every other feed."""
        feed.refreshed, feed.error = now(), None
        try:
            page = page or fetcher.get(feed.url, feed.etag, feed.last_modified, robots=False)
            if page.status == 304:
                report.unchanged.append(feed.name)
                return feed, [], []
            parsed = parse_feed(page.body)
        except FetchError as e:
            feed.error = str(e)
        except FeedError as e:
            feed.error = f"{feed.url}: {e}"
        finally:
            bar.update()
        if feed.error:
            report.errors.append(f"feed {feed.name}: {feed.error}")
            return feed, [], []
        if parsed.problem:
            report.warnings.append(f"feed {feed.name}: {feed.url}: malformed XML "
                                   f"({parsed.problem}); read {len(parsed.entries)} entries")
        todo = [e for e in parsed.entries
                if e.id not in seen or seen[e.id].fingerprint != e.fingerprint]
        problems: list[str] = []

        def entry(e: Entry) -> tuple[Article | None, Item | None]:
            try:
                return self._entry(fetcher, feed, parsed.title, e, seen.get(e.id), report,
                                   problems)
            finally:
                bar.update()

        with ThreadPoolExecutor(max(1, self.settings.fetch_per_host)) as pages:
            done = list(pages.map(entry, todo))
        if problems:
            feed.error = f"{len(problems)} of {len(todo)} new or changed entries could not " \
                         f"be read; the last: {problems[-1]}"
        feed.etag, feed.last_modified = page.etag, page.last_modified
        return (feed, [a for a, _ in done if a], [i for _, i in done if i])

    def _entry(self, fetcher: Fetcher, feed: Feed, site: str | None, e: Entry,
               old: Item | None, report: WebReport, problems: list[str]
               ) -> tuple[Article | None, Item | None]:
        """The article an entry links to, else the entry's own text (said as a warning)."""
        fetched, article, problem, validators = now(), None, None, (None, None)
        if e.link:
            try:
                page = fetcher.get(e.link, old and old.etag, old and old.last_modified)
                if page.status == 304 and old:  # listed differently, the same page
                    return None, replace(old, fingerprint=e.fingerprint)
                article = page_article(page, fetched)
                validators = (page.etag, page.last_modified)
            except FetchError as err:
                problem = str(err)
            except BadFile as err:
                problem = f"{e.link}: {err.reason}"
        if article is None:
            if not e.text:
                message = f"{problem or e.id + ': no link'}; the entry has no text either, " \
                          "so it was skipped"
                report.errors.append(f"feed {feed.name}: {message}")
                problems.append(message)
                return None, None
            url = canonical(e.link) if e.link else e.id
            article = Article(url, e.title or derive_title(e.text), None, url, e.text)
            if problem:
                problems.append(problem)
                report.warnings.append(f"feed {feed.name}: {problem}; indexed the feed's own "
                                       "text for it instead")
        day, late = checked_date(e.published or article.date, fetched)
        if late:
            report.warnings.append(f"feed {feed.name}: {article.source}: {late}")
        article = replace(article, title=e.title or article.title, date=day,
                          author=e.author or article.author, site=article.site or site,
                          fetched=fetched)
        return article, Item(e.id, article.id, e.fingerprint, *validators)

    def _index(self, articles: list[Article], progress: bool | None) -> IndexReport:
        loaded = Loaded(articles=articles, origins={a.id: a.source for a in articles})
        return self.indexer.index(loaded, progress=progress)


def _slug(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")[:40]


def _unknown(key: str, feeds: list[Feed]) -> str:
    names = ", ".join(f.name for f in feeds) or "none yet; add one with `rag feeds add URL`"
    return f"no feed named {key!r} is followed (feeds: {names})"
