"""Text analysis for BM25 and support: English stopwords and the Snowball stemmer (bm25s).

The keyword index itself lives in the store (rag/store/postings.py)."""

from __future__ import annotations

import re
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
    ids, vocab = term_ids(texts, stopwords)
    return [[vocab[i] for i in doc.tolist()] for doc in ids]


Terms = tuple[list[np.ndarray], list[str]]  # each text's term ids, and the vocabulary


def term_ids(texts: Sequence[str], stopwords: str | list[str] = "en") -> Terms:
    """`tokenize` as ids: each text's term ids into the returned vocabulary (for postings).

    bm25s.tokenize's analysis (its token pattern, English stopwords, Snowball stems), so
    postings written by earlier versions match; done here because bm25s rebuilds its stopword
    set for every text, a third of the cost of writing passages."""
    stop = _stopwords(stopwords if isinstance(stopwords, str) else tuple(stopwords))
    words: dict[str, int] = {}
    docs = [[words.setdefault(w, len(words)) for w in _TOKEN.findall(text.lower())
             if w not in stop] for text in texts]
    stems = stemmer().stemWords(list(words))
    vocab = list(dict.fromkeys(stems))
    stem_id = {s: i for i, s in enumerate(vocab)}
    to_stem = np.array([stem_id[s] for s in stems], dtype=np.int64)
    return [to_stem[np.asarray(d, dtype=np.int64)] for d in docs], vocab


def joined(parts: Sequence[Terms]) -> Terms:
    """Several `term_ids` results as one, over one vocabulary."""
    index: dict[str, int] = {}
    docs: list[np.ndarray] = []
    for ids, vocab in parts:
        remap = np.array([index.setdefault(t, len(index)) for t in vocab], dtype=np.int64)
        docs += [remap[d] for d in ids]
    return docs, list(index)


_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s's (and scikit-learn's) token pattern


@cache
def _stopwords(stopwords: str | tuple[str, ...]) -> frozenset[str]:
    from bm25s.tokenization import _infer_stopwords

    return frozenset(_infer_stopwords(stopwords if isinstance(stopwords, str) else list(stopwords)))


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
