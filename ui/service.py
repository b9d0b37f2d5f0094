"""What the app holds for all sessions: the open index, and uploads being indexed into it.

Answers always come from a complete index: an upload is indexed into a new generation on disk
while questions go on to the pipeline that is open, which is swapped once the new one loads.
Per-user state (chat, sources) lives in the sessions, never here.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from rag.embedding import SentenceTransformerEmbedder
from rag.indexing import Indexer, IndexReport
from rag.llm import available
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.store import disk_size


class NoIndex(Exception):
    pass


class Service:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.embedder = SentenceTransformerEmbedder(settings.model, settings.batch_size)
        self.uploads = settings.index_dir / "uploads"
        self._indexing = threading.Lock()
        self.indexing_files: list[str] = []
        self.pipeline: Pipeline | None = None
        self.backends = available(settings)  # what the app's backend selector offers
        self._reload()

    def _reload(self) -> None:
        try:
            self.pipeline = Pipeline(self.settings, self.embedder)
        except FileNotFoundError:
            self.pipeline = None  # an empty app: uploads will create the index

    def current(self) -> Pipeline:
        pipeline = self.pipeline  # one read: a concurrent swap cannot split a question
        if pipeline is None:
            raise NoIndex("No articles are indexed yet. Add some with “Add articles” below, "
                          "or run `rag index PATH` and restart the app.")
        return pipeline

    def add_files(self, files: list[Path]) -> IndexReport:
        """Copy uploads beside the index and index them. RuntimeError if an upload is already
        being indexed (one at a time; questions are answered meanwhile)."""
        if not self._indexing.acquire(blocking=False):
            raise RuntimeError("Another upload is being indexed; try again when it finishes.")
        try:
            self.uploads.mkdir(parents=True, exist_ok=True)
            kept = [Path(shutil.copy(f, self.uploads / Path(f).name)) for f in files]
            self.indexing_files = [p.name for p in kept]
            report = Indexer(self.settings, self.embedder).run(kept, progress=True)
            self._reload()
            return report
        finally:
            self.indexing_files = []
            self._indexing.release()

    def status(self) -> str:
        """One line for the top of the page: what answers are drawn from right now."""
        pipeline = self.pipeline
        if pipeline is None:
            line = f"**Index** `{self.settings.index_dir}`: empty, add articles below"
        else:
            m = pipeline.store.manifest
            line = (f"**Index** `{self.settings.index_dir}` · {len(pipeline.store.articles)} "
                    f"articles · {pipeline.store.count()} passages · model `{m['model']}` · "
                    f"{disk_size(self.settings.index_dir) / 1024:,.0f} KiB · updated "
                    f"{(m['updated'] or '?')[:16].replace('T', ' ')}")
        if self.indexing_files:
            line += f" · indexing {', '.join(self.indexing_files)}…"
        return line

    def article_choices(self) -> list[tuple[str, str]]:
        pipeline = self.pipeline
        if pipeline is None:
            return []
        return sorted(((f"{m['title'][:70]} ({m['date'] or 'undated'})", aid)
                       for aid, m in pipeline.store.articles.items()), key=lambda c: c[0])
