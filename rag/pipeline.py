"""Question -> Answer: the one function the CLI, the UI and the eval runner all call."""

from __future__ import annotations

import time

from rag.answering import Answerer, ExtractiveAnswerer
from rag.citing import cite
from rag.embedding import Embedder, SentenceTransformerEmbedder
from rag.retrieval import Filters, Mode, Retriever
from rag.settings import Settings
from rag.store import Store
from rag.types import Answer


class EmptyQuestion(ValueError):
    pass


def check_question(question: str) -> str:
    question = question.strip()
    if not question:
        raise EmptyQuestion("the question is empty; type a question about the articles")
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
            self.embedder, settings.min_support, settings.max_answer_sentences)

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None,
            mode: Mode = "hybrid") -> Answer:
        question = check_question(question)
        t0 = time.perf_counter()
        passages = self.retriever.run(question, k or self.settings.k, filters, mode)
        t1 = time.perf_counter()
        draft = self.answerer.run(question, passages)
        t2 = time.perf_counter()
        return cite(question, draft, passages,
                    {"retrieve": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000})
