"""Files -> index: load, diff against what is indexed, chunk and embed only what changed, write."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from rag.chunking import Chunker, chunk_text_for_search
from rag.embedding import Embedder, EmbeddingCache, StreamingEmbedder, make_embedder
from rag.keyword import Terms, term_ids
from rag.loading import Loaded, Skipped, distinct_id, load_paths
from rag.settings import Settings
from rag.store import Store, Writer, create_store, exists, model_of, open_store
from rag.stories import signature
from rag.types import Article, Chunk


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
    warnings: list[Skipped] = field(default_factory=list)  # indexed, not quite as given
    seconds: float = 0.0
    embed_seconds: float = 0.0  # of `seconds`, spent embedding

    def to_json(self) -> dict:
        d = asdict(self)
        d["skipped"] = [str(s) for s in self.skipped]
        d["warnings"] = [str(s) for s in self.warnings]
        return d

    def _embedding(self) -> str:
        """What embedding cost, in words that match what happened."""
        new, embedded = self.chunks_indexed, self.chunks_embedded
        if new == 0:
            return "nothing new to embed"
        if embedded == new:
            return f"embedded {new} new chunks"
        if embedded == 0:
            return f"{new} new chunks, all from the embedding cache"
        return f"embedded {embedded} of {new} new chunks, {new - embedded} from the cache"

    def summary(self) -> str:
        lines = [
            f"{self.index}: {self.articles_total} articles, {self.chunks_total} chunks "
            f"({len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged; {self._embedding()}) in {self.seconds:.1f}s"
        ]
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)}:")
            lines += [f"  {s}" for s in self.skipped]
        if self.warnings:
            lines.append(f"indexed, with a warning ({len(self.warnings)}):")
            lines += [f"  {s}" for s in self.warnings]
        return "\n".join(lines)


def cache_path(settings: Settings) -> Path:
    """One embedding cache per model, shared by every index beside this one."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", settings.model).strip("_")
    return settings.index_dir.parent / ".cache" / f"{slug}.sqlite"


class Indexer:
    """Brings an index in line with files (or adds pages fetched from the web), writing in
    batches: each batch of articles is one transaction, so a build killed midway keeps what it
    committed, and a re-run embeds nothing twice (the embedding cache holds the rest)."""

    BATCH_CHUNKS = 512  # passages embedded and committed together

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        if embedder is None:
            embedder = make_embedder(settings, model_of(settings))
            if settings.ray:
                from rag.cluster import RayEmbedder

                embedder = RayEmbedder(embedder, settings.ray)
        self.embedder = embedder
        self.chunker = Chunker(settings.chunk_tokens, settings.chunk_overlap)

    def run(self, paths: list[Path], prune: bool = False, rebuild: bool = False,
            progress: bool | None = None) -> IndexReport:
        """Bring the index in line with `paths`. FileNotFoundError for a missing path. With
        `rebuild`, the whole index is replaced in one transaction: readers keep the old one
        until it commits, and a killed rebuild leaves it as it was."""
        loaded = load_paths(paths, self.settings.max_file_mb)
        return self.index(loaded, paths if prune else None, rebuild, progress)

    def rebuild(self, progress: bool | None = None) -> IndexReport:
        """Rebuild every article the index holds (settings changed, or after damage), from
        where it came from: see `held`. Nothing is fetched and nothing is lost."""
        store = self.open_store()
        try:
            loaded = self.held(store)
        finally:
            store.close()
        return self.index(loaded, rebuild=True, progress=progress)

    def held(self, store: Store) -> Loaded:
        """The articles `store` holds, as loaded: each file that can still be read is read
        again, under the ids its articles have; an article whose file is gone, or that came
        from the web, is put back together from its indexed text."""
        held = store.filter()
        by_file: dict[str, list[str]] = {}
        for meta in held:
            by_file.setdefault(meta["file"], []).append(meta["id"])
        readable = [Path(f) for f in by_file if Path(f).is_file()]
        loaded = load_paths(readable, self.settings.max_file_mb) if readable else Loaded()
        for i, a in enumerate(loaded.articles):  # a file read alone is named by its name
            file = loaded.origins.pop(a.id)
            ids = by_file[file]
            loaded.articles[i] = replace(a, id=ids[0]) if len(ids) == 1 else a
            loaded.origins[loaded.articles[i].id] = file
        missing = [m for m in held if m["id"] not in loaded.origins]
        texts = store.texts([m["id"] for m in missing])
        for m in missing:
            if m["id"] in texts:
                loaded.articles.append(Article(
                    m["id"], m["title"], m["date"], m["source"], texts[m["id"]],
                    m["author"], m["site"], m["fetched"]))
                loaded.origins[m["id"]] = m["file"]
        loaded.renamed.clear()
        return loaded

    def index(self, loaded: Loaded, prune_under: list[Path] | None = None,
              rebuild: bool = False, progress: bool | None = None) -> IndexReport:
        """Add or replace the `loaded` articles (from files, or fetched from the web); with
        `prune_under`, drop indexed articles from files under those folders that are gone."""
        started = time.perf_counter()
        s = self.settings
        store = self.open_store(rebuild)
        report = IndexReport(str(s.index_dir), skipped=loaded.skipped, warnings=loaded.warnings)
        if not rebuild:
            _claimed_elsewhere(store, loaded)

        old = store.hashes([a.id for a in loaded.articles])
        todo: list[tuple[Article, str]] = []
        for article in loaded.articles:
            digest = article.digest()
            if not rebuild and old.get(article.id) == digest:
                report.unchanged += 1
                continue
            (report.changed if article.id in old else report.added).append(article.id)
            todo.append((article, digest))
        if prune_under is not None:
            report.removed = self._prunable(store, prune_under, set(loaded.origins),
                                            loaded.failed_files)

        cache = EmbeddingCache(cache_path(s), self.embedder)
        try:
            with tqdm(total=len(todo), unit="article", desc="indexing", leave=False,
                      disable=None if progress is None else not progress) as bar, \
                    _Preparer(self.chunker, len(todo)) as prepare:
                prepared = prepare(todo)
                if isinstance(self.embedder, StreamingEmbedder):
                    prepared = self._streamed(cache, list(prepared), report)
                batches = _batches(prepared, self.BATCH_CHUNKS)
                if rebuild:
                    with store.writing() as w:
                        w.clear(self.embedder.name, self.embedder.dim, s.index_fingerprint(),
                                s.quantize, s.ann_min)
                        for batch in batches:
                            self._write(w, cache, batch, loaded.origins, report, bar)
                else:
                    if report.removed:
                        with store.writing() as w:
                            w.remove(report.removed)
                    for batch in batches:
                        with store.writing() as w:
                            self._write(w, cache, batch, loaded.origins, report, bar)
        finally:
            cache.close()
        stats = store.stats()
        store.close()
        report.articles_total, report.chunks_total = stats["articles"], stats["passages"]
        report.seconds = time.perf_counter() - started
        return report

    @staticmethod
    def _streamed(cache: EmbeddingCache, prepared: list[Prepared], report: IndexReport
                  ) -> Iterator[Prepared]:
        """Each article once its vectors are in the cache, which gets every passage it lacks
        from a streaming embedder in one go (chunking all articles first)."""
        texts = [t for p in prepared for t in p.texts]
        ends = itertools.accumulate(len(p.texts) for p in prepared)
        items = iter(zip(ends, prepared, strict=True))
        end, item = next(items, (None, None))
        fill = cache.fill(texts)
        while item is not None:
            began = time.perf_counter()
            ready, embedded = next(fill)
            report.embed_seconds += time.perf_counter() - began
            report.chunks_embedded = embedded
            while item is not None and end <= ready:
                yield item
                end, item = next(items, (None, None))
        next(fill, None)  # its last save

    def _write(self, w: Writer, cache: EmbeddingCache, batch: list[Prepared],
               origins: dict[str, str], report: IndexReport, bar: tqdm) -> None:
        texts = [t for p in batch for t in p.texts]
        t0 = time.perf_counter()
        vectors, embedded = cache.encode(texts, 8 * self.embedder.batch_size, False)
        report.embed_seconds += time.perf_counter() - t0
        report.chunks_embedded += embedded
        report.chunks_indexed += len(texts)
        at = 0
        for p in batch:
            w.add(p.article, origins[p.article.id], p.digest, p.chunks,
                  vectors[at:at + len(p.chunks)], p.signature, p.terms)
            at += len(p.chunks)
        bar.update(len(batch))

    def open_store(self, rebuild: bool = False) -> Store:
        s = self.settings
        if not exists(s):
            return create_store(s, self.embedder.name, self.embedder.dim)
        store = open_store(s, search=False)
        if not rebuild:
            store.check(self.embedder.name, self.embedder.dim, s.index_fingerprint(), s.index_dir)
        return store

    @staticmethod
    def _prunable(store: Store, paths: list[Path], seen: set[str], failed: set[str]) -> list[str]:
        """Indexed articles from files under `paths` that are gone: not read this time, and not
        from a file that failed to load (its old articles are kept)."""
        roots = [p.resolve() for p in paths]
        out = []
        for meta in store.filter():
            file = Path(meta["file"])
            if meta["id"] in seen or meta["file"] in failed:
                continue
            if any(file == r or r in file.parents for r in roots):
                out.append(meta["id"])
        return out


def _claimed_elsewhere(store: Store, loaded: Loaded) -> None:
    """An id the index holds for another file (a00.txt of another folder, a second upload
    named article.html) stays that file's: this article gets an id of its own. The file that
    holds an id keeps it, whichever folder was read first this time."""
    bases = [loaded.renamed.get(a.id, a.id) for a in loaded.articles]
    owners = store.files(list(set(bases)))
    origins = {}
    for i, (a, base) in enumerate(zip(loaded.articles, bases, strict=True)):
        file = loaded.origins[a.id]
        owner = owners.get(base)
        wanted = a.id if owner is None else base if owner == file else distinct_id(base, file)
        loaded.articles[i] = replace(a, id=wanted)
        origins[wanted] = file
    loaded.origins = origins


@dataclass
class Prepared:
    """An article ready to embed and write: its passages as searched, analysed for BM25, and
    its story signature."""

    article: Article
    digest: str
    chunks: list[Chunk]
    texts: list[str]
    terms: Terms
    signature: list[int]


class _Preparer:
    """Chunks articles, analyses their passages for BM25 and signs them for stories: in worker
    processes when there are enough articles to pay for starting them. With a fast embedder
    this is most of what indexing costs, and it runs beside the writer (which stays in this
    process). In order, as an iterator."""

    PROCESSES_FROM = 200  # articles; below that, here

    def __init__(self, chunker: Chunker, articles: int):
        self.chunker = chunker
        workers = min(os.cpu_count() or 1, 8)
        self.pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init,
            initargs=(chunker,)) if articles >= self.PROCESSES_FROM and workers > 1 else None

    def __call__(self, todo: list[tuple[Article, str]]) -> Iterator[Prepared]:
        if self.pool is None:
            return (_prepare(self.chunker, a, d) for a, d in todo)
        return self.pool.map(_prepare_here, todo, chunksize=16)

    def __enter__(self) -> _Preparer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _prepare(chunker: Chunker, article: Article, digest: str) -> Prepared:
    chunks = chunker.run(article)
    texts = [chunk_text_for_search(article.title, c) for c in chunks]
    return Prepared(article, digest, chunks, texts, term_ids(texts),
                    signature(c.text for c in chunks))


_chunker: Chunker | None = None  # a worker process's


def _init(chunker: Chunker) -> None:
    global _chunker
    _chunker = chunker


def _prepare_here(job: tuple[Article, str]) -> Prepared:
    assert _chunker is not None
    return _prepare(_chunker, *job)


def _batches(prepared: Iterable[Prepared], size: int, most: int = 16) -> Iterator[list[Prepared]]:
    """Whole articles, about `size` passages at a time; up to `most` times that while a batch
    takes under a second to embed and write (a fast embedder), since each transaction also
    costs a keyword segment and a commit."""
    batch: list[Prepared] = []
    n, grow = 0, 1
    for item in prepared:
        batch.append(item)
        n += len(item.chunks)
        if n >= size * grow:
            began = time.perf_counter()
            yield batch
            if time.perf_counter() - began < 1.0:
                grow = min(grow * 2, most)
            batch, n = [], 0
    if batch:
        yield batch
