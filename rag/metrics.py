"""Retrieval metrics at document level, with the sentence-transformers
InformationRetrievalEvaluator definitions: chunks map to their document before scoring."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def distinct(doc_ids: Iterable[str]) -> list[str]:
    """Documents in order of their best-ranked chunk."""
    return list(dict.fromkeys(doc_ids))


def hit_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return float(any(d in relevant for d in ranked[:k]))


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr_at_k(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    return next((1.0 / r for r, d in enumerate(ranked[:k], start=1) if d in relevant), 0.0)


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(r + 1) for r, d in enumerate(ranked[:k], start=1) if d in relevant)
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]
