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


def group(signatures: Mapping[str, list[int]], titles: Mapping[str, str]) -> dict[str, str]:
    """Article id -> story id: the first article (by id) of the story, which every other
    member matches directly, so that chains of partial matches never merge unrelated stories.

    Two articles are one story when their texts nearly match and their headlines overlap: a
    headline may be reworded by each outlet, but failed scrapes (a cookie wall, a newsletter
    frame) give unrelated articles the same text under unrelated headlines.
    """
    from datasketch import MinHash, MinHashLSH

    heads = dict(zip(titles, content_terms(list(titles.values())), strict=True))
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    hashes = {a: np.asarray(v, dtype=np.uint64) for a, v in signatures.items() if v}
    perms = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME).permutations  # drawn once
    minhashes = {a: MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashvalues=h,
                            permutations=perms) for a, h in hashes.items()}
    for aid, m in minhashes.items():
        lsh.insert(aid, m)
    story = {}
    for aid in sorted(signatures):
        story[aid] = aid
        if aid not in hashes:
            continue
        for leader in sorted(c for c in lsh.query(minhashes[aid])
                             if c < aid and story.get(c) == c):
            if _same(hashes[aid], hashes[leader], heads.get(aid), heads.get(leader)):
                story[aid] = leader
                break
    return story


def _same(a: np.ndarray, b: np.ndarray, head_a: frozenset[str] | None,
          head_b: frozenset[str] | None) -> bool:
    """LSH proposes candidates; the estimated Jaccard of texts and headlines decides."""
    if float(np.mean(a == b)) < THRESHOLD or not head_a or not head_b:
        return False
    return len(head_a & head_b) / len(head_a | head_b) >= HEADLINE_OVERLAP
