"""Text analysis for BM25 and support: English stopwords and the Snowball stemmer (bm25s).

The keyword index itself lives in the store (rag/store/postings.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache

import numpy as np


@cache
def stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """One lower-case word as BM25 and `content_terms` stem it."""
    return stemmer().stemWord(word.lower())


def tokenize(texts: list[str], stopwords: str | list[str] = "en") -> list[list[str]]:
    """Lower-cased, stopword-free, stemmed terms: the same analysis for chunks and queries."""
    import bm25s

    return bm25s.tokenize(texts, stopwords=stopwords, stemmer=stemmer(), return_ids=False,
                          show_progress=False)


def term_ids(texts: Sequence[str]) -> tuple[list[np.ndarray], list[str]]:
    """`tokenize` as ids: each text's term ids into the returned vocabulary (for postings)."""
    import bm25s

    tokenized = bm25s.tokenize(list(texts), stopwords="en", stemmer=stemmer(), show_progress=False)
    vocab = [""] * len(tokenized.vocab)
    for term, i in tokenized.vocab.items():
        vocab[i] = term
    return [np.asarray(ids, dtype=np.int64) for ids in tokenized.ids], vocab


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
