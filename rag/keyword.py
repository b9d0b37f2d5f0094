"""BM25 over chunks (bm25s, English stopwords and Snowball stemmer)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from functools import cache

import numpy as np


@cache
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """One lower-case word as BM25 and `content_terms` stem it."""
    return _stemmer().stemWord(word.lower())


def tokenize(texts: list[str], stopwords: str | list[str] = "en") -> list[list[str]]:
    """Lower-cased, stopword-free, stemmed terms: the same analysis for chunks and queries."""
    import bm25s

    return bm25s.tokenize(texts, stopwords=stopwords, stemmer=_stemmer(), return_ids=False,
                          show_progress=False)


@cache
def _content_stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return [*STOPWORDS_EN_PLUS, "many", "much"]


def content_terms(texts: list[str]) -> list[frozenset[str]]:
    """Terms that carry a question's content: BM25's analysis minus question words
    ("which", "how many"), which say what is asked, not what it is about."""
    return [frozenset(t) for t in tokenize(texts, _content_stopwords())]


Idf = Callable[[Iterable[str]], dict[str, float]]


def coverage(terms: frozenset[str], found: Sequence[frozenset[str]], idf: Idf | None = None
             ) -> np.ndarray:
    """For each set in `found`, the share of `terms` it contains, each term weighted by its
    rarity (`idf`; all alike without one). The answerer and the verifier measure support
    with it."""
    weight = idf(terms) if idf else dict.fromkeys(terms, 1.0)
    total = sum(weight.values()) or 1.0
    return np.array([sum(weight[t] for t in terms & f) / total for f in found])


class KeywordIndex:
    """Built in memory from the store's chunks when an index is opened (seconds for 20k chunks)."""

    def __init__(self, ids: list[int], texts: list[str]):
        import bm25s

        self.ids = np.asarray(ids, dtype=np.int64)
        self.bm25 = bm25s.BM25()
        if ids:
            self.bm25.index(tokenize(texts), show_progress=False)

    def search(self, query: str, k: int, allowed: list[int] | None = None
               ) -> list[tuple[int, float]]:
        """Best `k` (chunk id, BM25 score) with a positive score, optionally within `allowed`."""
        terms = tokenize([query])[0]
        if not len(self.ids) or not terms:
            return []
        scores = self.bm25.get_scores(terms)
        if allowed is not None:
            scores = np.where(np.isin(self.ids, allowed), scores, 0.0)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] > 0]

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """BM25's inverse document frequency over the chunks. A term the articles never use
        gets the highest weight: a question about it is most likely one they can't answer."""
        n = len(self.ids)
        vocab = getattr(self.bm25, "vocab_dict", None) or {}
        indptr = self.bm25.scores["indptr"] if n else None
        out = {}
        for term in terms:
            i = vocab.get(term)
            df = 0 if i is None else int(indptr[i + 1] - indptr[i])
            out[term] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return out
