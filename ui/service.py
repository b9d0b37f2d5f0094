"""What the app holds for all sessions: the open index, and uploads being indexed into it.

Answers always come from a complete index: an upload, a feed refresh (or a `rag index` run in
another process) is written in transactions while questions go on to the snapshot that is open;
a watcher thread loads what was committed every RELOAD_S seconds, without a restart. Per-user state
(chat, sources) lives in the sessions, never here.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import threading
from pathlib import Path

from rag.embedding import make_embedder
from rag.indexing import Indexer, IndexReport
from rag.llm import available
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.store import Store, disk_size, model_of
from rag.store.database import Damaged
from rag.store.feeds import Feed, FeedState
from rag.temporal import readable_time
from rag.web.pages import now
from rag.web.reader import Reader, WebReport

RELOAD_S = 2.0  # how often the app looks for articles indexed by other processes


class NoIndex(Exception):
    pass


class Service:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.embedder = make_embedder(settings, model_of(settings))
        self.uploads = settings.index_dir / "uploads"
        self._indexing = threading.Lock()
        self.indexing_files: list[str] = []
        self.pipeline: Pipeline | None = None
        self.backends = available(settings)  # what the app's backend selector offers
        self.reader = Reader(settings, self.embedder)
        self.refreshed: tuple[str, WebReport] | None = None  # the last feed refresh: when, what
        self._closed = threading.Event()
        self.reload()
        threading.Thread(target=self._watch, name="index-watcher", daemon=True).start()

    def refresh_every(self, seconds: float) -> None:
        """Refresh the feeds now and then every `seconds`, in the background."""
        def loop() -> None:
            while True:
                try:
                    self.refresh_feeds()
                except Exception as e:  # a full disk, a model mismatch: say it, try again later
                    print(f"rag: feed refresh failed: {e}", flush=True)
                if self._closed.wait(seconds):
                    return

        threading.Thread(target=loop, name="feed-refresher", daemon=True).start()

    def refresh_feeds(self, names: list[str] | None = None) -> WebReport:
        report = self.reader.refresh(names, progress=False)
        self.refreshed = (now(), report)
        for line in [*report.errors, *report.warnings]:
            print(f"rag: {line}", flush=True)
        self.reload()
        return report

    def feeds(self) -> list[Feed]:
        """The feeds followed, for the panel polled every few seconds: read through the open
        index's connection (no store opened per poll); a damaged index is said once by the
        watcher, not by every poll."""
        pipeline = self.pipeline
        try:
            return FeedState(pipeline.store).list() if pipeline else self.reader.feeds()
        except (Damaged, sqlite3.Error, ValueError):  # ValueError: an index in Milvus
            return []

    def follow(self, url: str, name: str | None = None) -> WebReport:
        report = self.reader.follow(url, name, progress=False)
        self.refreshed = (now(), report)
        self.reload()
        return report

    def add_urls(self, urls: list[str]) -> WebReport:
        report = self.reader.add_pages(urls, progress=False)
        self.reload()
        return report

    def reload(self) -> bool:
        """Pick up what was indexed since the last look; True if anything changed. The first
        time an index exists, it is opened (an empty app: uploads or `rag index` create it)."""
        if self.pipeline is not None:
            return self.pipeline.store.refresh()
        try:
            self.pipeline = Pipeline(self.settings, self.embedder)
        except FileNotFoundError:
            return False
        return True

    def close(self) -> None:
        """Stop watching the index (the tests start many services in one process)."""
        self._closed.set()

    def _watch(self) -> None:
        said = ""
        while not self._closed.wait(RELOAD_S):
            try:
                self.reload()
                said = ""
            except Exception as e:  # a rebuild with another model, a disk error: say it once
                if str(e) != said:
                    print(f"rag: could not reload {self.settings.index_dir}: {e}", flush=True)
                    said = str(e)

    def current(self) -> Pipeline:
        pipeline = self.pipeline  # one read: a concurrent swap cannot split a question
        if pipeline is None:
            raise NoIndex("No articles are indexed yet. Add some with “Add articles” below, "
                          "or run `rag index PATH`: the app picks it up within seconds.")
        return pipeline

    def add_files(self, files: list[Path]) -> IndexReport:
        """Keep copies of uploads beside the index and index them. RuntimeError if an upload
        is already being indexed (one at a time; questions are answered meanwhile)."""
        if not self._indexing.acquire(blocking=False):
            raise RuntimeError("Another upload is being indexed; try again when it finishes.")
        try:
            kept = [self._keep(Path(f)) for f in files]
            self.indexing_files = [p.name for p in kept]
            report = Indexer(self.settings, self.embedder).run(kept, progress=True)
            self.reload()
            return report
        finally:
            self.indexing_files = []
            self._indexing.release()

    def _keep(self, upload: Path) -> Path:
        """A copy beside the index, in a folder named by its content: uploading the same file
        again changes nothing, and two files with one name are two files (two articles)."""
        digest = hashlib.sha256(upload.read_bytes()).hexdigest()[:16]
        folder = self.uploads / digest
        folder.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(upload, folder / upload.name))

    def status(self) -> str:
        """One line for the top of the page: what answers are drawn from right now."""
        pipeline = self.pipeline
        if pipeline is None:
            line = f"**Index** `{self.settings.index_dir}`: empty, add articles below"
        else:
            m, stats = pipeline.store.manifest, pipeline.store.stats()
            where = (f"{disk_size(self.settings.index_dir) / 1024:,.0f} KiB"
                     if isinstance(pipeline.store, Store) else f"in {self.settings.store}")
            line = (f"**Index** `{self.settings.index_dir}` · {stats['articles']} "
                    f"articles · {stats['passages']} passages · model `{m['model']}` · "
                    f"{where} · updated "
                    f"{readable_time(m['updated']) if m['updated'] else '?'}")
        if self.indexing_files:
            line += f" · indexing {', '.join(self.indexing_files)}…"
        if self.refreshed:
            when, report = self.refreshed
            line += (f" · feeds refreshed {when[11:16]} UTC: {report.new} new, "
                     f"{report.changed} updated articles")
        return line

    def article_choices(self) -> list[tuple[str, str]]:
        pipeline = self.pipeline
        if pipeline is None:
            return []
        return sorted(((f"{m['title'][:70]} ({m['date'] or 'undated'})", m["id"])
                       for m in pipeline.store.filter()), key=lambda c: c[0])
