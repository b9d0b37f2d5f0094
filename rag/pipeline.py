"""Question -> Answer: the one function the CLI, the UI and the eval runner all call."""

from __future__ import annotations

import time

from rag.answering import Answerer, ExtractiveAnswerer
from rag.citing import cite
from rag.embedding import Embedder, SentenceTransformerEmbedder
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
        self.answerer = answerer or ExtractiveAnswerer(
            self.embedder, settings.min_support, settings.max_answer_sentences,
            idf=self.retriever.keyword.idf)

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

    def answer(self, question: str, passages: list[Passage], retrieve_ms: float = 0.0) -> Answer:
        t0 = time.perf_counter()
        draft = self.answerer.run(question, passages)
        answer_ms = (time.perf_counter() - t0) * 1000
        return cite(question, draft, passages, {"retrieve": retrieve_ms, "answer": answer_ms},
                    weak_below=self.settings.weak_support)
