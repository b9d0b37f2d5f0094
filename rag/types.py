"""The nouns that flow through the pipeline, defined once.

files -> Article -> Chunk -> (vectors) -> Passage -> Answer(Citation...)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.temporal import TimeScope


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    date: str | None  # ISO YYYY-MM-DD, or None when the source gives none
    source: str  # file path or url the article came from
    text: str
    # From a web page or feed: who wrote it, the site that published it, and when it was
    # fetched (ISO UTC time, kept apart from the publication date).
    author: str | None = None
    site: str | None = None
    fetched: str | None = None

    def digest(self) -> str:
        """What "changed" means: a new fetch time is not a change, and the fields web articles
        add count only when set (so articles from files keep the digests they were indexed
        with)."""
        d = {k: v for k, v in asdict(self).items()
             if k != "fetched" and (v is not None or k == "date")}
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Chunk:
    id: str  # "<article id>#<n>"
    article_id: str
    text: str  # == article.text[start:end]
    start: int
    end: int


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
class Outlet:
    """Another article carrying the same story as a passage (see rag/stories.py)."""

    article_id: str
    title: str
    date: str | None
    source: str
    site: str | None = None


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk, with enough article metadata to cite it without another lookup."""

    chunk: Chunk
    title: str
    date: str | None
    source: str
    score: float
    rank: int
    also_in: tuple[Outlet, ...] = ()  # the same story as published by other outlets
    site: str | None = None  # the outlet, when the page named it
    author: str | None = None
    fetched: str | None = None  # when a web article was fetched (ISO UTC)


@dataclass(frozen=True)
class Citation:
    n: int
    passage: Passage
    spans: tuple[tuple[int, int], ...]  # article character offsets of the cited sentences


@dataclass(frozen=True)
class Sentence:
    """One answer sentence as the user gets it; unverified ones were generated but left out."""

    text: str
    citations: tuple[int, ...]
    verified: bool
    support: float  # by the passage it cites, or the best one when unverified (0: not checked)


@dataclass
class Answer:
    question: str
    text: str
    abstained: bool
    citations: list[Citation]
    retrieved: list[Passage]
    timings_ms: dict[str, float] = field(default_factory=dict)
    weak: bool = False  # answered, but the evidence only partly matches the question
    scope: TimeScope | None = None  # the time the question was read in (as-of, dates named)
    sentences: list[Sentence] = field(default_factory=list)
    backend: str = "extractive"
    fallback: str | None = None  # why a generative backend's answer was replaced by quotes
    short_answer: str | None = None  # the name, date, number or phrase asked for
    short_citation: int | None = None  # the citation its sentence carries

    def to_json(self) -> dict:
        """The `rag ask --json` shape, shared by the CLI, the UI's API and the eval runner."""
        return {
            "question": self.question,
            "short_answer": {"text": self.short_answer, "citation": self.short_citation}
            if self.short_answer else None,
            "answer": self.text,
            "abstained": self.abstained,
            "weak_evidence": self.weak,
            "citations": [
                {"n": c.n, **_passage_json(c.passage), "spans": [list(s) for s in c.spans]}
                for c in self.citations
            ],
            "retrieved": [_passage_json(p) for p in self.retrieved],
            "time": self.scope.to_json() if self.scope else None,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "sentences": [asdict(s) | {"citations": list(s.citations)} for s in self.sentences],
            "backend": self.backend,
            "fallback": self.fallback,
        }


def _passage_json(p: Passage) -> dict:
    return {
        "doc_id": p.chunk.article_id,
        "title": p.title,
        "date": p.date,
        "source": p.source,
        "chunk_id": p.chunk.id,
        "text": p.chunk.text,
        "start": p.chunk.start,
        "end": p.chunk.end,
        "score": round(p.score, 6),
        "site": p.site,
        "author": p.author,
        "fetched": p.fetched,
        "also_in": [{"doc_id": o.article_id, "title": o.title, "date": o.date,
                     "source": o.source, "site": o.site} for o in p.also_in],
    }


@dataclass(frozen=True)
class Claim:
    """One answer sentence and the shown passage (index into the passage list) it rests on."""

    text: str
    passage: int
    span: tuple[int, int]  # article character offsets of the supporting sentence
    support: float
    # False: a generated sentence no shown passage supports (passage -1), kept for the record.
    verified: bool = True


@dataclass(frozen=True)
class ShortAnswer:
    """The answer itself (a name, date, number or phrase), as written in a quoted sentence."""

    text: str
    passage: int  # index into the shown passages


@dataclass
class Draft:
    """An answerer's output before citation numbering and checking."""

    claims: list[Claim]
    abstained: bool
    support: float | None = None  # how well the best evidence matches; None if not measured
    backend: str = "extractive"
    fallback: str | None = None  # set when a generative backend fell back to the extractive one
    timings_ms: dict[str, float] = field(default_factory=dict)  # e.g. the model's first token
    short: ShortAnswer | None = None  # the answer itself, found in one of the claims
    reason: str | None = None  # why it abstained, when it can say ("no passage mentions ...")
