"""Articles -> stories: the same story re-published by several outlets, grouped by MinHash.

Wire copy (AP, Reuters, PTI) appears nearly verbatim under many mastheads. Showing five copies
of one story fills the top-k with one source of evidence; grouping them lets retrieval show one
passage a story and name the other outlets. Signatures are MinHash over word shingles, with
their LSH band keys kept in the index; an article's story is assigned when it is
added, from the candidates that share a band key.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable

import numpy as np

from rag.keyword import content_terms

SHINGLE_WORDS = 5
NUM_PERM = 64
# Estimated Jaccard similarity of shingle sets above which two articles are one story. Copies
# of one wire story with different headers and footers score 0.6-0.9; follow-up stories on the
# same event share far fewer 5-word shingles (under 0.2).
THRESHOLD = 0.5
# Share of headline content words two copies must have in common ("Biden will call for
# 3-month suspension of gas tax" / "Biden calls for three-month suspension of federal gas tax").
HEADLINE_OVERLAP = 0.3
# Signatures are made with numpy: each word is hashed once (CRC-32, stable across processes), a
# shingle's hash is a fixed random combination of its words' hashes, and each of the NUM_PERM
# permutations is a multiply-shift hash of that. Hashing every shingle's text in Python (as
# datasketch is fed) was the costliest step of writing an article. Stored signatures must be
# made the same way: an index signed otherwise is signed again when it is opened
# (rag/store/database.py, `upgrade`).
SCHEME = "words-crc32-multiply-shift"
_WORD = re.compile(r"\w+")
_RNG = np.random.default_rng(1)
_MIX = _RNG.integers(1, 2**63, SHINGLE_WORDS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_A = _RNG.integers(1, 2**63, NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _RNG.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
# Bands x rows of the LSH split datasketch chooses for THRESHOLD and NUM_PERM (equal weights
# on false positives and negatives).
_BANDS, _ROWS = 14, 4


def signature(texts: Iterable[str]) -> list[int]:
    """MinHash of the article's word shingles (its chunks' texts: overlap repeats shingles,
    which a set ignores). Empty for an article without words: it is a story of its own."""
    known: dict[str, int] = {}
    parts = []
    for text in texts:
        words = _WORD.findall(text.lower())
        if not words:
            continue
        h = np.fromiter((known[w] if w in known else known.setdefault(w, zlib.crc32(w.encode()))
                         for w in words), dtype=np.uint64, count=len(words))
        n = max(1, len(words) - SHINGLE_WORDS + 1)
        shingle = np.zeros(n, dtype=np.uint64)
        for j in range(min(SHINGLE_WORDS, len(words))):
            shingle += h[j:j + n] * _MIX[j]
        parts.append(shingle)
    if not parts:
        return []
    shingles = np.unique(np.concatenate(parts))
    with np.errstate(over="ignore"):
        hashed = (shingles[:, None] * _A + _B) >> np.uint64(32)
    return hashed.min(axis=0).tolist()


def bands(sig: list[int]) -> list[int]:
    """LSH band keys of a signature: two articles whose texts are one story share at least one
    with high probability (datasketch's band split for THRESHOLD). The store keeps them in a
    table, so a new article finds its story's candidates without loading every signature."""
    values = np.asarray(sig, dtype=np.uint64)
    out = []
    for band in range(_BANDS):
        digest = hashlib.blake2b(values[band * _ROWS:(band + 1) * _ROWS].tobytes(),
                                 digest_size=8, salt=band.to_bytes(2, "little")).digest()
        out.append(int.from_bytes(digest, "little", signed=True))
    return out if sig else []


def story_of(sig: list[int], title: str,
             leaders: Iterable[tuple[str, list[int], str]]) -> str | None:
    """The first candidate leader (by id, as (id, signature, title)) whose story this article
    is, or None: it starts a story of its own. Every member matches its leader directly, so
    chains of partial matches never merge unrelated stories.

    Two articles are one story when their texts nearly match and their headlines overlap: a
    headline may be reworded by each outlet, but failed scrapes (a cookie wall, a newsletter
    frame) give unrelated articles the same text under unrelated headlines.
    """
    if not sig:
        return None
    mine = np.asarray(sig, dtype=np.uint64)
    head = None
    for leader, other, other_title in sorted(leaders):
        if not other or float(np.mean(mine == np.asarray(other, dtype=np.uint64))) < THRESHOLD:
            continue
        head = head if head is not None else content_terms([title])[0]
        theirs = content_terms([other_title])[0]
        if head and theirs and len(head & theirs) / len(head | theirs) >= HEADLINE_OVERLAP:
            return leader
    return None
