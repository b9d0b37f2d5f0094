"""Passages -> Draft. The extractive answerer needs no LLM: it quotes the sentences that best
answer the question, each tied to the passage it came from, and abstains when none does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.chunking import split_sentences
from rag.embedding import Embedder
from rag.keyword import Idf, content_terms, coverage
from rag.types import Claim, Draft, Passage


class Answerer(Protocol):
    name: str

    def run(self, question: str, passages: list[Passage]) -> Draft: ...


@dataclass(frozen=True)
class _Sentence:
    text: str
    passage: int
    span: tuple[int, int]


class ExtractiveAnswerer:
    """Quotes the best-supported sentences of the shown passages.

    Candidate units are single sentences and pairs of neighbouring sentences (news writing
    often splits one answer in two: "... with Germany. ... a similar agreement with Canada").
    Support = a mix of embedding similarity to the question and the share of the question's
    content terms the unit contains, each term weighted by its rarity in the index (idf), so
    "Zambia" counts for more than "India" in an index of Indian news. The best unit answers;
    further units join when nearly as good and bringing question terms not yet covered, which
    is how an answer combines articles. Below `min_support` it abstains.
    """

    name = "extractive"
    SIMILARITY_WEIGHT = 0.6  # the rest is term coverage
    MIN_WORDS = 6  # shorter lines are headings and captions, not answers
    NEAR_BEST = 0.8  # a further unit must reach this fraction of the best support
    REDUNDANT = 0.9  # cosine above which a further unit repeats what is already chosen

    def __init__(self, embedder: Embedder, min_support: float = 0.45, max_sentences: int = 3,
                 idf: Idf | None = None):
        self.embedder, self.min_support, self.max_sentences = embedder, min_support, max_sentences
        self.idf = idf

    def run(self, question: str, passages: list[Passage]) -> Draft:
        sentences = self._sentences(passages)
        if not sentences:
            return Draft([], abstained=True)
        q_terms, *terms = content_terms([question] + [s.text for s in sentences])
        q_vec, *vecs = self.embedder.encode([question] + [s.text for s in sentences])
        units = [(i,) for i in range(len(sentences))] + [
            (i, i + 1) for i in range(len(sentences) - 1)
            if sentences[i].passage == sentences[i + 1].passage
        ]
        unit_vecs = np.stack([_unit(sum(vecs[i] for i in u)) for u in units])
        unit_terms = [frozenset().union(*(terms[i] for i in u)) & q_terms for u in units]
        w = self.SIMILARITY_WEIGHT
        support = w * (unit_vecs @ q_vec) + (1 - w) * coverage(q_terms, unit_terms, self.idf)
        order = np.argsort(-support, kind="stable")
        best = float(support[order[0]])
        if best < self.min_support:
            return Draft([], abstained=True, support=best)

        chosen: list[int] = []  # unit indices
        used: set[int] = set()  # sentence indices
        covered: frozenset[str] = frozenset()
        for u in order:
            if support[u] < self.NEAR_BEST * best:
                break
            unit = units[u]
            if used & set(unit) or len(used) + len(unit) > self.max_sentences:
                continue
            repeats = chosen and max(float(unit_vecs[u] @ unit_vecs[c]) for c in chosen)
            if chosen and (not unit_terms[u] - covered or repeats > self.REDUNDANT):
                continue
            chosen.append(int(u))
            used |= set(unit)
            covered |= unit_terms[u]
        return Draft([Claim(sentences[i].text, sentences[i].passage, sentences[i].span,
                            round(float(support[u]), 4)) for u in chosen for i in units[u]],
                     abstained=False, support=best)

    def _sentences(self, passages: list[Passage]) -> list[_Sentence]:
        """Sentences of all passages in reading order, each once (overlapping chunks share some)."""
        seen: set[tuple[str, int]] = set()
        out = []
        for i, p in enumerate(passages):
            for s, e in split_sentences(p.chunk.text):
                key = (p.chunk.article_id, p.chunk.start + s)
                text = p.chunk.text[s:e]
                if key in seen or len(text.split()) < self.MIN_WORDS:
                    continue
                seen.add(key)
                out.append(_Sentence(text, i, (key[1], p.chunk.start + e)))
        return out


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) or 1.0)
