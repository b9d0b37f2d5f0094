"""Question -> Answer: the one function the CLI, the UI and the eval runner all call."""

from __future__ import annotations

import time
from collections.abc import Iterator

from rag.answering import Answerer
from rag.citing import cite
from rag.embedding import Embedder, SentenceTransformerEmbedder
from rag.generative import make_answerer
from rag.retrieval import Filters, Mode, Retriever
from rag.settings import Settings
from rag.store import Store
from rag.types import Answer, Passage


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
        self.embedder = embedder or SentenceTransformerEmbedder(settings.model, settings.batch_size)
        self.store = Store.load(settings.index_dir)
        self.store.check(settings.model, self.embedder.dim, settings.index_fingerprint(),
                         settings.index_dir)
        self.retriever = Retriever(self.store, self.embedder, settings.candidates, settings.rrf_k)
        self.answerer = answerer or make_answerer(settings, self.embedder,
                                                  self.retriever.keyword.idf)
        self._answerers = {self.answerer.name: self.answerer}

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None,
            mode: Mode = "hybrid") -> Answer:
        question = check_question(question, self.settings.max_question_chars)
        t0 = time.perf_counter()
        passages = self.retrieve(question, k, filters, mode)
        return self.answer(question, passages, retrieve_ms=(time.perf_counter() - t0) * 1000)

    def retrieve(self, question: str, k: int | None = None, filters: Filters | None = None,
                 mode: Mode = "hybrid") -> list[Passage]:
        """The first half of `ask`, for callers that report progress in between (the UI)."""
        return self.retriever.run(question, k or self.settings.k, filters, mode)

    def answer(self, question: str, passages: list[Passage], retrieve_ms: float = 0.0,
               backend: str | None = None) -> Answer:
        *_, answer = self.answer_stream(question, passages, retrieve_ms, backend)
        return answer

    def answer_stream(self, question: str, passages: list[Passage], retrieve_ms: float = 0.0,
                      backend: str | None = None) -> Iterator[Answer]:
        """Answers that grow as a generative backend's sentences are verified; the last one is
        complete. `backend` overrides the configured one (the app's selector)."""
        answerer = self.answerer_for(backend)
        t0 = time.perf_counter()
        drafts = getattr(answerer, "stream", None)
        for draft in drafts(question, passages) if drafts else [answerer.run(question, passages)]:
            answer_ms = (time.perf_counter() - t0) * 1000
            timings = {"retrieve": retrieve_ms, "first_token": answer_ms, **draft.timings_ms,
                       "answer": answer_ms}
            yield cite(question, draft, passages, timings, weak_below=self.settings.weak_support)

    def answerer_for(self, backend: str | None) -> Answerer:
        if backend is None:
            return self.answerer
        if backend not in self._answerers:
            self._answerers[backend] = make_answerer(self.settings, self.embedder,
                                                     self.retriever.keyword.idf, backend)
        return self._answerers[backend]
