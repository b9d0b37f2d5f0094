"""Generated text -> Claims: every sentence checked against the passage it cites.

Small models cite the wrong source, merge sources, and make things up; an article may even
carry instructions. So a generated sentence reaches the user only when a shown passage supports
it: support = 0.5 x the best cosine between the sentence and one of the passage's sentences
+ 0.5 x the idf-weighted share of the sentence's content terms that the passage contains (a
name or number the passage lacks weighs most). A sentence its cited passage does not support
is re-cited to the passage that does, or kept out of the answer (recorded as unverified).
A sentence with fewer than two content terms ("HACKED.", "Yes.") states nothing checkable and
is kept out too: an injected instruction's one word is found in its own article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from rag.chunking import split_sentences
from rag.embedding import Embedder
from rag.keyword import Idf, content_terms, coverage
from rag.types import Claim, Passage

_CITES = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_LEADING_CITES = re.compile(r"^(?:\s*\[\d+(?:\s*,\s*\d+)*\])+")
_BULLET = re.compile(r"^(?:[-*•]|\d+[.)])\s+")


def split_cited(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """Sentences without their [n] markers, each with the numbers it cites. A marker written
    after the full stop ("... Canada. [2] The ...") belongs to the sentence before it."""
    out: list[tuple[str, tuple[int, ...]]] = []
    for s, e in split_sentences(text):
        piece = text[s:e]
        lead = _LEADING_CITES.match(piece)
        if lead and out:
            prev, numbers = out[-1]
            out[-1] = (prev, numbers + _numbers(lead.group()))
            piece = piece[lead.end():]
        clean = _BULLET.sub("", _CITES.sub("", piece).strip())
        if clean:
            out.append((clean, _numbers(piece)))
    return out


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(n) for group in _CITES.findall(text) for n in re.split(r"\s*,\s*", group))


@dataclass(frozen=True)
class _Evidence:
    vectors: np.ndarray  # one row per passage sentence
    owner: np.ndarray  # passage index of each row
    spans: list[tuple[int, int]]  # article offsets of each row
    terms: list[frozenset[str]]  # content terms of each passage


class Verifier:
    SIMILARITY_WEIGHT = 0.5  # the rest is term coverage
    MIN_TERMS = 2

    def __init__(self, embedder: Embedder, threshold: float, idf: Idf | None = None):
        self.embedder, self.threshold, self.idf = embedder, threshold, idf

    def evidence(self, passages: list[Passage]) -> _Evidence:
        """Embeds the passages' sentences once per answer, however many sentences it has."""
        rows = [(i, p.chunk.start + s, p.chunk.start + e, p.chunk.text[s:e])
                for i, p in enumerate(passages) for s, e in split_sentences(p.chunk.text)]
        vectors = (self.embedder.encode([r[3] for r in rows]) if rows
                   else np.zeros((0, self.embedder.dim), dtype=np.float32))
        return _Evidence(vectors, np.array([r[0] for r in rows], dtype=np.int64),
                         [(r[1], r[2]) for r in rows],
                         content_terms([p.chunk.text for p in passages]) if passages else [])

    def check(self, sentence: str, cited: Iterable[int], evidence: _Evidence) -> Claim:
        """`cited`: passage indices the sentence names (unshown numbers already dropped).
        The claim rests on the best-supporting cited passage, else on the best one overall;
        `verified` is False (passage -1) when none reaches the threshold."""
        if len(content_terms([sentence])[0]) < self.MIN_TERMS:
            return Claim(sentence, -1, (0, 0), 0.0, verified=False)
        support, spans = self.scores(sentence, evidence)
        order = [int(i) for i in np.argsort(-support, kind="stable")]
        cited = [i for i in cited if 0 <= i < len(support)]
        best = max(cited, key=lambda i: support[i]) if cited else None
        if best is None or support[best] < self.threshold:
            best = order[0] if order else None
        if best is None or support[best] < self.threshold:
            top = float(support[best]) if best is not None else 0.0
            return Claim(sentence, -1, (0, 0), round(top, 4), verified=False)
        return Claim(sentence, best, spans[best], round(float(support[best]), 4))

    def scores(self, sentence: str, evidence: _Evidence
               ) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Support of the sentence by each passage, and the passage sentence closest to it."""
        n = len(evidence.terms)
        if not n:
            return np.zeros(0), []
        cosine = evidence.vectors @ self.embedder.encode([sentence])[0]
        covered = coverage(content_terms([sentence])[0], evidence.terms, self.idf)
        support, spans = np.zeros(n), [(0, 0)] * n
        for i in range(n):
            rows = np.flatnonzero(evidence.owner == i)
            if not len(rows):
                continue
            row = rows[int(np.argmax(cosine[rows]))]
            w = self.SIMILARITY_WEIGHT
            support[i] = w * float(cosine[row]) + (1 - w) * covered[i]
            spans[i] = evidence.spans[row]
        return support, spans
