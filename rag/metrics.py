"""Metric definitions, in one place for `rag eval` and the benchmarks.

Retrieval at document level, with the sentence-transformers InformationRetrievalEvaluator
definitions (chunks map to their document before scoring); answers with SQuAD's."""

from __future__ import annotations

import math
import re
import string
from collections import Counter
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


# -- answers (SQuAD normalisation) -------------------------------------------------------------
def normalise(text: str) -> str:
    """Lower case, no articles, single spaces, as SQuAD; but punctuation reads as a space, so
    "London-based" contains "London" and "Reserve--an" contains "Reserve"."""
    text = "".join(" " if c in _PUNCT else c for c in text.lower())
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    return max((float(normalise(prediction) == normalise(g)) for g in golds), default=0.0)


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    return max((_f1(normalise(prediction).split(), normalise(g).split()) for g in golds),
               default=0.0)


def answer_contained(prediction: str, golds: Sequence[str]) -> float:
    """A gold answer appears in the prediction (after normalisation)."""
    text = f" {normalise(prediction)} "
    return float(any(f" {normalise(g)} " in text for g in golds if normalise(g)))


def _f1(pred: list[str], gold: list[str]) -> float:
    common = sum((Counter(pred) & Counter(gold)).values())
    if not common:
        return 0.0
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


_PUNCT = set(string.punctuation) | set("“”‘’–—…")  # noqa: RUF001 (typographic quotes on purpose)
