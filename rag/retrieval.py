"""Question -> ranked Passages: dense (FAISS) and keyword (BM25) lists fused by reciprocal rank,
optionally weighted towards a preferred date window (recency), one passage per story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from rag.embedding import Embedder
from rag.store import Store
from rag.types import Filters, Outlet, Passage

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")


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


class Retriever:
    def __init__(self, store: Store, embedder: Embedder, candidates: int = 100, rrf_k: int = 60):
        self.store, self.embedder = store, embedder
        self.candidates, self.rrf_k = candidates, rrf_k

    def run(self, question: str, k: int = 5, filters: Filters | None = None,
            mode: Mode = "hybrid", prefer: Preference | None = None) -> list[Passage]:
        n = max(self.candidates, k)
        if mode == "bm25":
            ranked = self.store.keyword(question, n, filters)
        elif mode == "dense":
            ranked = self.store.search(self.embedder.encode([question])[0], n, filters)
        else:
            ranked = self.store.hybrid(self.embedder.encode([question])[0], question, n,
                                       filters, self.rrf_k)
        if prefer:
            ranked = self._weigh(ranked, prefer)
        return self._one_per_story(ranked, k, filters)

    def _weigh(self, ranked: list[tuple[int, float]], prefer: Preference
               ) -> list[tuple[int, float]]:
        dates = self.store.dates([cid for cid, _ in ranked])
        weighted = [(cid, score * prefer.weight(day))
                    for (cid, score), day in zip(ranked, dates, strict=True)]
        return sorted(weighted, key=lambda kv: -kv[1])

    def _one_per_story(self, ranked: list[tuple[int, float]], k: int,
                       filters: Filters | None) -> list[Passage]:
        """The top `k` passages, taking chunks only from the best-ranked article of each story;
        the story's other articles (those the filters admit) are named on its passages."""
        shown: dict[int, int] = {}  # story -> the article whose chunks are shown
        top: list[tuple[int, float]] = []
        for (cid, score), of in zip(ranked, self.store.stories([c for c, _ in ranked]),
                                    strict=True):
            if of is None:  # removed since the search began
                continue
            article, story = of
            if shown.setdefault(story, article) != article:
                continue
            top.append((cid, score))
            if len(top) == k:
                break
        found = self.store.passages([cid for cid, _ in top])
        top = [(cid, score) for cid, score in top if cid in found]
        stories = self.store.outlets(found[cid][1]["story"] for cid, _ in top)
        out = []
        for rank, (cid, score) in enumerate(top, start=1):
            chunk, meta = found[cid]
            also = tuple(Outlet(m["id"], m["title"], m["date"], m["source"], m["site"])
                         for m in stories[meta["story"]]
                         if m["id"] != meta["id"] and (not filters or filters.admits(m)))
            out.append(Passage(chunk, meta["title"], meta["date"], meta["source"], score, rank,
                               also, meta["site"], meta["author"], meta["fetched"]))
        return out
