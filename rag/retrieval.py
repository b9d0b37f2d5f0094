"""Question -> ranked Passages: dense (FAISS) and keyword (BM25) lists fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rag.embedding import Embedder
from rag.keyword import KeywordIndex
from rag.store import Store
from rag.types import Chunk, Passage

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")


@dataclass(frozen=True)
class Filters:
    since: str | None = None  # ISO dates, inclusive
    until: str | None = None
    articles: tuple[str, ...] | None = None  # article ids to search within

    def admits(self, meta: dict) -> bool:
        """Articles without a date are outside any date range: nothing says they are inside."""
        if self.articles is not None and meta["id"] not in self.articles:
            return False
        if self.since or self.until:
            date = meta.get("date")
            if not date or (self.since and date < self.since) or (self.until and date > self.until):
                return False
        return True

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.articles is not None)


def chunk_text_for_search(title: str, chunk: Chunk) -> str:
    """What both retrievers see of a chunk: its article's title carries context the chunk lacks."""
    return f"{title}\n{chunk.text}"


class Retriever:
    def __init__(self, store: Store, embedder: Embedder, candidates: int = 100, rrf_k: int = 60):
        self.store, self.embedder = store, embedder
        self.candidates, self.rrf_k = candidates, rrf_k
        ids = list(store.chunks)
        titles = {a: m["title"] for a, m in store.articles.items()}
        self.keyword = KeywordIndex(
            ids, [chunk_text_for_search(titles[c.article_id], c) for c in store.chunks.values()]
        )

    def run(self, question: str, k: int = 5, filters: Filters | None = None,
            mode: Mode = "hybrid") -> list[Passage]:
        allowed = self._allowed(filters) if filters else None
        n = max(self.candidates, k)
        lists = []
        if mode in ("dense", "hybrid"):
            lists.append(self.store.search(self.embedder.encode([question])[0], n, allowed))
        if mode in ("bm25", "hybrid"):
            lists.append(self.keyword.search(question, n, allowed))
        ranked = lists[0] if len(lists) == 1 else self._fuse(lists)
        return [self._passage(cid, score, rank) for rank, (cid, score) in
                enumerate(ranked[:k], start=1)]

    def _fuse(self, lists: list[list[tuple[int, float]]]) -> list[tuple[int, float]]:
        fused: dict[int, float] = {}
        for ranked in lists:
            for rank, (cid, _) in enumerate(ranked, start=1):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (self.rrf_k + rank)
        return sorted(fused.items(), key=lambda kv: -kv[1])

    def _allowed(self, filters: Filters) -> list[int]:
        return [cid for a, meta in self.store.articles.items() if filters.admits(meta)
                for cid in meta["chunk_ids"]]

    def _passage(self, cid: int, score: float, rank: int) -> Passage:
        chunk = self.store.chunks[cid]
        meta = self.store.articles[chunk.article_id]
        return Passage(chunk, meta["title"], meta["date"], meta["source"], score, rank)
