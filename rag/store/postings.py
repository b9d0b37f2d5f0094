"""BM25 over passages, kept as postings in the index database and updated in place.

Each write appends one segment of postings (term -> passage ids and term frequencies, labelled
with the id of the vector segment written with them) and adjusts each term's document
frequency. Small segments' postings are merged with them; a term has one row per label, a few
dozen at a million passages. Removed passages stay in the postings they are in, masked out,
until those are merged. Scores are computed at query time from the live statistics, so adding
articles never rebuilds anything and opening reads nothing but the per-passage lengths.
Scoring is bm25s's default ("lucene": k1 1.5, b 0.75) over the same analysis
(rag.keyword.tokenize), so rankings match an in-memory bm25s index of the same text.
"""

from __future__ import annotations

import itertools
import math
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from operator import itemgetter

import numpy as np

from rag.keyword import Terms, term_ids

K1, B = 1.5, 0.75


def write(db: sqlite3.Connection, segment: int, ids: np.ndarray, analysed: Terms
          ) -> np.ndarray:
    """Postings of the passages `ids` (their texts as searched, analysed by `term_ids`) as
    segment `segment`; their lengths in terms, for BM25's length normalisation."""
    terms, vocab = analysed
    lengths = np.array([len(t) for t in terms], dtype=np.int64)
    if not lengths.sum():
        return lengths.astype(np.uint16)
    tok = np.concatenate(terms)
    doc = np.repeat(np.asarray(ids, dtype=np.int64), lengths)
    pairs, tfs = np.unique((tok << 32) | doc, return_counts=True)  # sorted by term, then doc
    term_of, doc_of = pairs >> 32, (pairs & 0xFFFFFFFF).astype(np.uint32)
    bounds = np.flatnonzero(np.diff(term_of)) + 1
    starts, ends = np.r_[0, bounds], np.r_[bounds, len(pairs)]
    rows = [(vocab[term_of[s]], segment, doc_of[s:e].tobytes(),
             np.minimum(tfs[s:e], 65535).astype(np.uint16).tobytes())
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    db.executemany("INSERT INTO postings VALUES (?, ?, ?, ?)", rows)
    db.executemany("INSERT INTO terms VALUES (?, ?) ON CONFLICT(term) DO UPDATE "
                   "SET df = df + excluded.df",
                   [(vocab[term_of[s]], e - s) for s, e in zip(starts.tolist(), ends.tolist(),
                                                            strict=True)])
    return np.minimum(lengths, 65535).astype(np.uint16)


def forget(db: sqlite3.Connection, texts: Sequence[str]) -> None:
    """Lower the document frequencies for removed passages. Their postings stay (masked as
    deleted) until their segment is merged."""
    db.executemany("UPDATE terms SET df = df - ? WHERE term = ?",
                   [(n, term) for term, n in holding(term_ids(texts)).items()])


def holding(analysed: Terms) -> Counter[str]:
    """How many of the passages (`term_ids` of their texts) hold each term."""
    ids, vocab = analysed
    counts: Counter[str] = Counter()
    for doc in ids:
        counts.update(vocab[i] for i in np.unique(doc).tolist())
    return counts


def merge(db: sqlite3.Connection, segments: Sequence[int], into: int, dead: np.ndarray) -> None:
    """Rewrite the postings of `segments` as segment `into`, without the passages in `dead`."""
    marks = ",".join("?" * len(segments))
    rows = db.execute(f"SELECT term, docs, tfs FROM postings WHERE segment IN ({marks}) "
                      "ORDER BY term, segment", list(segments))
    gone = np.zeros(int(dead.max()) + 1 if len(dead) else 0, dtype=bool)
    gone[dead] = True
    out = []
    for term, group in itertools.groupby(rows, key=itemgetter(0)):
        parts = list(group)
        docs, tfs = b"".join(d for _, d, _ in parts), b"".join(f for _, _, f in parts)
        if len(gone):
            d = np.frombuffer(docs, dtype=np.uint32)
            keep = d >= len(gone)
            keep[~keep] = ~gone[d[~keep]]
            if not keep.all():
                docs, tfs = d[keep].tobytes(), np.frombuffer(tfs, dtype=np.uint16)[keep].tobytes()
        if docs:
            out.append((term, into, docs, tfs))
    db.execute(f"DELETE FROM postings WHERE segment IN ({marks})", list(segments))
    db.executemany("INSERT INTO postings VALUES (?, ?, ?, ?)", out)
    db.execute("DELETE FROM terms WHERE df <= 0")


def document_frequencies(db: sqlite3.Connection, terms: Iterable[str]) -> dict[str, int]:
    wanted = list(set(terms))
    out: dict[str, int] = {}
    for i in range(0, len(wanted), 900):  # SQLite's bound-parameter limit
        part = wanted[i:i + 900]
        out.update(db.execute(f"SELECT term, df FROM terms WHERE term IN "
                              f"({','.join('?' * len(part))})", part).fetchall())
    return out


def idf(n: int, df: int) -> float:
    """bm25s's (Lucene's) idf. A reader's passage count may lag the live frequencies by a
    write; a term never counts as in more passages than there are."""
    return math.log(1 + (max(n, df) - df + 0.5) / (df + 0.5))


def search(db: sqlite3.Connection, terms: Sequence[str], k: int, admitted: np.ndarray,
           lengths: np.ndarray, n: int, avgdl: float) -> list[tuple[int, float]]:
    """Best `k` (passage id, BM25 score) among the passages `admitted` (a mask by id)."""
    if not terms or not n:
        return []
    counts = {t: terms.count(t) for t in terms}  # a repeated query term weighs more, as in bm25s
    marks = ",".join("?" * len(counts))
    df = document_frequencies(db, counts)
    all_docs, all_scores = [], []
    for term, d, f in db.execute(f"SELECT term, docs, tfs FROM postings WHERE term IN ({marks})",
                                 list(counts)):
        docs = np.frombuffer(d, dtype=np.uint32).astype(np.int64)
        docs_in = docs < len(admitted)  # passages written after this reader's snapshot
        docs = docs[docs_in]
        keep = admitted[docs]
        docs = docs[keep]
        tf = np.frombuffer(f, dtype=np.uint16)[docs_in][keep].astype(np.float32)
        norm = K1 * (1 - B + B * lengths[docs] / avgdl)
        all_docs.append(docs)
        all_scores.append(counts[term] * idf(n, df.get(term, 0)) * tf / (tf + norm))
    docs = np.concatenate(all_docs) if all_docs else np.zeros(0, np.int64)
    if not len(docs):
        return []
    weights = np.concatenate(all_scores)
    if len(docs) * 8 > len(admitted):  # many postings: add them up in one array by id
        scores = np.bincount(docs, weights=weights, minlength=len(admitted))
        top = _top(scores, k)
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
    unique, inverse = np.unique(docs, return_inverse=True)
    scores = np.bincount(inverse, weights=weights)
    top = _top(scores, k)
    return [(int(unique[i]), float(scores[i])) for i in top if scores[i] > 0]


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` best scores, best first; ties in index order, as bm25s breaks them."""
    if len(scores) > 4 * k:
        part = np.argpartition(-scores, k)[:k]
        return part[np.lexsort((part, -scores[part]))]
    return np.argsort(-scores, kind="stable")[:k]
