"""Articles -> stories: the same story re-published by several outlets, grouped by MinHash.

Wire copy (AP, Reuters, PTI) appears nearly verbatim under many mastheads. Showing five copies
of one story fills the top-k with one source of evidence; grouping them lets retrieval show one
passage a story and name the other outlets. Signatures are MinHash (datasketch) over word
shingles, kept per article in the index; groups are recomputed when an index is opened.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np

SHINGLE_WORDS = 5
NUM_PERM = 64
# Estimated Jaccard similarity of shingle sets above which two articles are one story. Copies
# of one wire story with different headers and footers score 0.6-0.9; follow-up stories on the
# same event share far fewer 5-word shingles (under 0.2).
THRESHOLD = 0.5
SCHEME = "affine32"  # datasketch's hashing scheme; stored signatures must match it
_WORD = re.compile(r"\w+")


def signature(texts: Iterable[str]) -> list[int]:
    """MinHash of the article's word shingles (its chunks' texts: overlap repeats shingles,
    which a set ignores). Empty for an article without words: it is a story of its own."""
    from datasketch import MinHash

    shingles: set[bytes] = set()
    for text in texts:
        words = _WORD.findall(text.lower())
        shingles.update(" ".join(words[i:i + SHINGLE_WORDS]).encode()
                        for i in range(max(1, len(words) - SHINGLE_WORDS + 1)))
    if not any(shingles):
        return []
    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    m.update_batch(list(shingles))
    return m.hashvalues.tolist()


def group(signatures: Mapping[str, list[int]]) -> dict[str, str]:
    """Article id -> story id (the smallest article id of its group)."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    hashes = {}
    for aid, values in signatures.items():
        if not values:
            continue
        hashes[aid] = np.asarray(values, dtype=np.uint64)
        lsh.insert(aid, MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashvalues=hashes[aid]))
    parent = {aid: aid for aid in signatures}

    def root(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for aid, h in hashes.items():
        for other in lsh.query(MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashvalues=h)):
            # LSH proposes candidates; the estimated Jaccard decides.
            if other != aid and float(np.mean(h == hashes[other])) >= THRESHOLD:
                a, b = sorted((root(aid), root(other)))
                parent[b] = a
    return {aid: root(aid) for aid in signatures}
