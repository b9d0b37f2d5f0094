"""Question -> ranked Passages: dense (FAISS) and keyword (BM25) lists fused by reciprocal rank,
optionally weighted towards a preferred date window (recency), one passage per story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from rag.embedding import Embedder
from rag.keyword import KeywordIndex
from rag.store import Store
from rag.types import Chunk, Outlet, Passage

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")


@dataclass(frozen=True)
class Filters:
    since: str | None = None  # ISO dates, inclusive
    until: str | None = None
    articles: tuple[str, ...] | None = None  # article ids to search within
    as_of: str | None = None  # the moment the question is asked: nothing published later

    def admits(self, meta: dict) -> bool:
        """Articles without a date are outside any date range (nothing says they are inside),
        but not after the as-of date (nothing says they are after it either)."""
        if self.articles is not None and meta["id"] not in self.articles:
            return False
        day = meta.get("date")
        if day is None:
            return not (self.since or self.until)
        return not ((self.since and day < self.since) or (self.until and day > self.until)
                    or (self.as_of and day > self.as_of))

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.as_of or self.articles is not None)


@dataclass(frozen=True)
class Preference:
    """Weight on a passage's fused score by how many days its article's date lies outside the
    preferred window [start, end]: floor + (1 - floor) * 0.5 ** (days / half_life). With the
    window at the as-of date this is recency. Undated articles get the weight of an article
    one half-life out: neither favoured nor buried."""

    start: str  # ISO dates
    end: str
    half_life_days: float
    floor: float

    def weight(self, day: str | None) -> float:
        if day is None:
            days = self.half_life_days
        else:
            d = date.fromisoformat(day)
            days = max(0, (date.fromisoformat(self.start) - d).days,
                       (d - date.fromisoformat(self.end)).days)
        return self.floor + (1 - self.floor) * 0.5 ** (days / self.half_life_days)


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
        self.story = store.stories()
        self.stories: dict[str, list[str]] = {}
        for aid, story in self.story.items():
            self.stories.setdefault(story, []).append(aid)

    def run(self, question: str, k: int = 5, filters: Filters | None = None,
            mode: Mode = "hybrid", prefer: Preference | None = None) -> list[Passage]:
        allowed = self._allowed(filters) if filters else None
        n = max(self.candidates, k)
        lists = []
        if mode in ("dense", "hybrid"):
            lists.append(self.store.search(self.embedder.encode([question])[0], n, allowed))
        if mode in ("bm25", "hybrid"):
            lists.append(self.keyword.search(question, n, allowed))
        ranked = lists[0] if len(lists) == 1 else self._fuse(lists)
        if prefer:
            ranked = self._weigh(ranked, prefer)
        return self._one_per_story(ranked, k, filters)

    def _weigh(self, ranked: list[tuple[int, float]], prefer: Preference
               ) -> list[tuple[int, float]]:
        dates = (self.store.articles[self.store.chunks[cid].article_id]["date"]
                 for cid, _ in ranked)
        weighted = [(cid, score * prefer.weight(day))
                    for (cid, score), day in zip(ranked, dates, strict=True)]
        return sorted(weighted, key=lambda kv: -kv[1])

    def _one_per_story(self, ranked: list[tuple[int, float]], k: int,
                       filters: Filters | None) -> list[Passage]:
        """The top `k` passages, taking chunks only from the best-ranked article of each story;
        the story's other articles (those the filters admit) are named on its passages."""
        shown: dict[str, str] = {}  # story -> the article whose chunks are shown
        out: list[Passage] = []
        for cid, score in ranked:
            aid = self.store.chunks[cid].article_id
            if shown.setdefault(self.story[aid], aid) != aid:
                continue
            out.append(self._passage(cid, score, len(out) + 1, filters))
            if len(out) == k:
                break
        return out

    def _fuse(self, lists: list[list[tuple[int, float]]]) -> list[tuple[int, float]]:
        fused: dict[int, float] = {}
        for ranked in lists:
            for rank, (cid, _) in enumerate(ranked, start=1):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (self.rrf_k + rank)
        return sorted(fused.items(), key=lambda kv: -kv[1])

    def _allowed(self, filters: Filters) -> list[int]:
        return [cid for a, meta in self.store.articles.items() if filters.admits(meta)
                for cid in meta["chunk_ids"]]

    def _passage(self, cid: int, score: float, rank: int, filters: Filters | None) -> Passage:
        chunk = self.store.chunks[cid]
        meta = self.store.articles[chunk.article_id]
        others = (self.store.articles[a] for a in self.stories[self.story[chunk.article_id]]
                  if a != chunk.article_id)
        also = tuple(Outlet(m["id"], m["title"], m["date"], m["source"]) for m in others
                     if not filters or filters.admits(m))
        return Passage(chunk, meta["title"], meta["date"], meta["source"], score, rank, also)
