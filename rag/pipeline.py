"""Question -> Answer: the one function the CLI, the UI and the eval runner all call."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from rag.answering import Answerer
from rag.citing import cite
from rag.embedding import Embedder, make_embedder
from rag.generative import make_answerer
from rag.retrieval import Mode, Preference, Retriever
from rag.settings import Settings
from rag.store import open_store
from rag.temporal import TimeScope, event_date, interpret
from rag.types import Answer, Filters, Passage


class BadQuestion(ValueError):
    pass


def check_question(question: str, max_chars: int = Settings.max_question_chars) -> str:
    question = question.strip()
    if not question:
        raise BadQuestion("the question is empty; type a question about the articles")
    if len(question) > max_chars:
        raise BadQuestion(
            f"the question is {len(question):,} characters long; ask in at most {max_chars:,} "
            "(to search with a document, add it as an article instead)")
    return question


class Pipeline:
    """An opened index with its retriever and answerer; load once, ask many times."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None,
                 answerer: Answerer | None = None):
        self.settings = settings
        self.store = open_store(settings)
        self.embedder = embedder or make_embedder(settings, self.store.manifest["model"])
        self.store.check(self.embedder.name, self.embedder.dim, settings.index_fingerprint(),
                         settings.index_dir)
        self.retriever = Retriever(self.store, self.embedder, settings.candidates, settings.rrf_k)
        self.answerer = answerer or make_answerer(settings, self.embedder,
                                                  self.store.idf)
        self._answerers = {self.answerer.name: self.answerer}

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None,
            mode: Mode = "hybrid", as_of: date | None = None, read_dates: bool = True) -> Answer:
        """`as_of`: when the question is asked (default today); `read_dates=False` ignores the
        dates the question names."""
        question = check_question(question, self.settings.max_question_chars)
        scope = self.scope(question, as_of, read_dates)
        answer, _ = self.search(question, k, filters, mode, scope)
        return answer

    def search(self, question: str, k: int | None = None, filters: Filters | None = None,
               mode: Mode = "hybrid", scope: TimeScope | None = None, depth: int | None = None,
               backend: str | None = None) -> tuple[Answer, list[Passage]]:
        """Retrieve `depth` passages (default k), answer from the top k. When the dates the
        question names hold no answer, every date up to as-of is searched instead: an answer
        the articles hold is never refused because of a date window ("what did India agree
        with Brazil last week?" may be answered by a report from the week after)."""
        k = k or self.settings.k
        t0 = time.perf_counter()
        deep = self.retrieve(question, max(k, depth or k), filters, mode, scope)
        answer = self.answer(question, deep[:k], (time.perf_counter() - t0) * 1000, scope,
                             backend)
        return self.widened(question, answer, k, filters, mode, depth, backend, t0) or \
            (answer, deep)

    def widened(self, question: str, answer: Answer, k: int | None = None,
                filters: Filters | None = None, mode: Mode = "hybrid", depth: int | None = None,
                backend: str | None = None, since: float | None = None
                ) -> tuple[Answer, list[Passage]] | None:
        """When the dates the question names held no answer, the answer from every date up to
        as-of and its `depth` passages; None otherwise, or when that abstains too. `since`:
        when the question was first searched (perf_counter), so timings count both searches."""
        scope = answer.scope
        if not (answer.abstained and scope is not None and scope.dated):
            return None
        k = k or self.settings.k
        t0 = time.perf_counter() if since is None else since
        wide = scope.widen()
        passages = self.retrieve(question, max(k, depth or k), filters, mode, wide)
        again = self.answer(question, passages[:k], (time.perf_counter() - t0) * 1000, wide,
                            backend)
        return None if again.abstained else (again, passages)

    def scope(self, question: str, as_of: date | None = None, read_dates: bool = True
              ) -> TimeScope:
        """How the question is placed in time. An event it is asked relative to ("before the
        ministerial") is dated from the best passages that name it, if any give its date."""
        scope = interpret(question, as_of, read_dates)
        if scope.event:
            event = scope.event[1]
            for p in self.retriever.run(event, 3, Filters(as_of=scope.as_of), "bm25"):
                day = event_date(p.chunk.text, event, p.date)
                if day:
                    return scope.anchored(day, p.title, p.date)
        return scope

    def retrieve(self, question: str, k: int | None = None, filters: Filters | None = None,
                 mode: Mode = "hybrid", scope: TimeScope | None = None) -> list[Passage]:
        """The first half of `ask`, for callers that report progress in between (the UI).
        Without a scope, every article is searched as it is (no as-of date, no recency)."""
        filters, prefer = self._timed(filters or Filters(), scope)
        return self.retriever.run(question, k or self.settings.k, filters, mode, prefer)

    def answer(self, question: str, passages: list[Passage], retrieve_ms: float = 0.0,
               scope: TimeScope | None = None, backend: str | None = None) -> Answer:
        *_, answer = self.answer_stream(question, passages, retrieve_ms, scope, backend)
        return answer

    def answer_stream(self, question: str, passages: list[Passage], retrieve_ms: float = 0.0,
                      scope: TimeScope | None = None, backend: str | None = None
                      ) -> Iterator[Answer]:
        """Answers that grow as a generative backend's sentences are verified; the last one is
        complete. `backend` overrides the configured one (the app's selector)."""
        answerer = self.answerer_for(backend)
        t0 = time.perf_counter()
        drafts = getattr(answerer, "stream", None)
        for draft in drafts(question, passages) if drafts else [answerer.run(question, passages)]:
            answer_ms = (time.perf_counter() - t0) * 1000
            timings = {"retrieve": retrieve_ms, "first_token": answer_ms, **draft.timings_ms,
                       "answer": answer_ms}
            yield cite(question, draft, passages, timings,
                       weak_below=self.settings.weak_support, scope=scope)

    def answerer_for(self, backend: str | None) -> Answerer:
        if backend is None:
            return self.answerer
        if backend not in self._answerers:
            self._answerers[backend] = make_answerer(self.settings, self.embedder,
                                                     self.store.idf, backend)
        return self._answerers[backend]

    def _timed(self, filters: Filters, scope: TimeScope | None
               ) -> tuple[Filters, Preference | None]:
        """The user's filters narrowed by the question's time scope (both apply)."""
        if scope is None:
            return filters, None
        since = max(filter(None, (filters.since, scope.since)), default=None)
        until = min(filter(None, (filters.until, scope.until if scope.dated else None)),
                    default=None)
        s = self.settings
        prefer = (Preference(*scope.prefer, s.recency_half_life_days, s.recency_floor)
                  if scope.prefer and s.recency_half_life_days > 0 else None)
        return replace(filters, since=since, until=until, as_of=scope.as_of), prefer
