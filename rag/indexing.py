"""Files -> index: load, diff against what is indexed, chunk and embed only what changed, save."""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from rag.chunking import Chunker
from rag.embedding import Embedder, EmbeddingCache, SentenceTransformerEmbedder
from rag.loading import Skipped, load_paths
from rag.retrieval import chunk_text_for_search
from rag.settings import Settings
from rag.store import Store
from rag.types import Article


@dataclass
class IndexReport:
    index: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    chunks_embedded: int = 0  # the rest came from the embedding cache
    chunks_indexed: int = 0  # chunks of added and changed articles
    articles_total: int = 0
    chunks_total: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict:
        d = asdict(self)
        d["skipped"] = [str(s) for s in self.skipped]
        return d

    def summary(self) -> str:
        lines = [
            f"{self.index}: {self.articles_total} articles, {self.chunks_total} chunks "
            f"({len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged; embedded {self.chunks_embedded} of "
            f"{self.chunks_indexed} new chunks, the rest from cache) in {self.seconds:.1f}s"
        ]
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)}:")
            lines += [f"  {s}" for s in self.skipped]
        return "\n".join(lines)


def cache_path(settings: Settings) -> Path:
    """One embedding cache per model, shared by every index beside this one."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", settings.model).strip("_")
    return settings.index_dir.parent / ".cache" / f"{slug}.sqlite"


def article_digest(article: Article) -> str:
    return hashlib.sha256(json.dumps(asdict(article), sort_keys=True).encode()).hexdigest()


class Indexer:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder or SentenceTransformerEmbedder(settings.model, settings.batch_size)
        self.chunker = Chunker(settings.chunk_tokens, settings.chunk_overlap)

    def run(self, paths: list[Path], prune: bool = False, rebuild: bool = False,
            progress: bool | None = None) -> IndexReport:
        """Bring the index in line with `paths`. FileNotFoundError for a missing path; the index
        on disk is replaced only once the new one is complete."""
        started = time.perf_counter()
        s = self.settings
        loaded = load_paths(paths, s.max_file_mb)
        store = self._open(rebuild)
        report = IndexReport(str(s.index_dir), skipped=loaded.skipped)

        todo: list[tuple[Article, str]] = []
        for article in loaded.articles:
            digest = article_digest(article)
            old = store.articles.get(article.id)
            if old and old["hash"] == digest:
                report.unchanged += 1
                continue
            (report.changed if old else report.added).append(article.id)
            todo.append((article, digest))
        if prune:
            report.removed = self._prunable(store, paths, set(loaded.origins), loaded.failed_files)
            store.remove(report.removed)

        chunked = [(a, d, self.chunker.run(a)) for a, d in todo]
        texts = [chunk_text_for_search(a.title, c) for a, _, cs in chunked for c in cs]
        vectors, report.chunks_embedded = self._embed(texts, progress)
        report.chunks_indexed = len(texts)
        at = 0
        for article, digest, chunks in chunked:
            store.add(article, loaded.origins[article.id], digest, chunks,
                      vectors[at : at + len(chunks)])
            at += len(chunks)

        signed = [a for a in list(store.articles) if store.sign(a)]  # one-time upgrade
        if todo or signed or report.removed or rebuild or not (s.index_dir / "CURRENT").exists():
            store.save(s.index_dir)
        report.articles_total, report.chunks_total = len(store.articles), store.count()
        report.seconds = time.perf_counter() - started
        return report

    def _open(self, rebuild: bool) -> Store:
        s = self.settings
        if not rebuild and (s.index_dir / "CURRENT").exists():
            store = Store.load(s.index_dir)
            store.check(s.model, self.embedder.dim, s.index_fingerprint(), s.index_dir)
            return store
        return Store(s.model, self.embedder.dim, s.index_fingerprint())

    def _embed(self, texts: list[str], progress: bool | None) -> tuple[np.ndarray, int]:
        cache = EmbeddingCache(cache_path(self.settings), self.embedder)
        try:
            return cache.encode(texts, self.settings.batch_size, progress)
        finally:
            cache.close()

    @staticmethod
    def _prunable(store: Store, paths: list[Path], seen: set[str], failed: set[str]) -> list[str]:
        """Indexed articles from files under `paths` that are gone: not read this time, and not
        from a file that failed to load (its old articles are kept)."""
        roots = [p.resolve() for p in paths]
        out = []
        for aid, meta in store.articles.items():
            file = Path(meta["file"])
            if aid in seen or meta["file"] in failed:
                continue
            if any(file == r or r in file.parents for r in roots):
                out.append(aid)
        return out
