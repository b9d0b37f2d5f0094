"""Draft -> Answer: number the cited passages 1..n by first use and check every citation.

Every backend's draft goes through here, so no answer can cite a passage that was not shown.
"""

from __future__ import annotations

from rag.types import Answer, Citation, Draft, Passage

ABSTAIN_TEXT = (
    "The indexed articles don't answer this question. The closest passages are listed below; "
    "they may help you rephrase it."
)


def cite(question: str, draft: Draft, passages: list[Passage],
         timings_ms: dict[str, float] | None = None) -> Answer:
    claims = [c for c in draft.claims if 0 <= c.passage < len(passages)]  # only shown passages
    if draft.abstained or not claims:
        return Answer(question, ABSTAIN_TEXT, True, [], passages, timings_ms or {})
    numbers: dict[int, int] = {}  # passage index -> citation number
    spans: dict[int, list[tuple[int, int]]] = {}
    sentences = []
    for claim in claims:
        n = numbers.setdefault(claim.passage, len(numbers) + 1)
        spans.setdefault(claim.passage, []).append(claim.span)
        sentences.append(f"{claim.text} [{n}]")
    citations = [Citation(n, passages[i], tuple(sorted(set(spans[i])))) for i, n in numbers.items()]
    return Answer(question, " ".join(sentences), False, citations, passages, timings_ms or {})
