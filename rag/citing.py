"""Draft -> Answer: number the cited passages 1..n by first use and check every citation.

Every backend's draft goes through here, so no answer can cite a passage that was not shown.
"""

from __future__ import annotations

from rag.types import Answer, Citation, Draft, Passage, Sentence

ABSTAIN_TEXT = (
    "The indexed articles don't answer this question. The closest passages are listed below; "
    "they may help you rephrase it."
)


WEAK_NOTE = "The evidence is weak: the passages only partly match the question."


def cite(question: str, draft: Draft, passages: list[Passage],
         timings_ms: dict[str, float] | None = None, weak_below: float = 0.0) -> Answer:
    """`weak_below`: a draft whose support is under it is answered, but flagged as weak."""
    meta = {"backend": draft.backend, "fallback": draft.fallback}
    shown = [c.verified and 0 <= c.passage < len(passages) for c in draft.claims]
    rejected = [Sentence(c.text, (), False, c.support) for c in draft.claims if not c.verified]
    if draft.abstained or not any(shown):
        return Answer(question, ABSTAIN_TEXT, True, [], passages, timings_ms or {},
                      sentences=rejected, **meta)
    numbers: dict[int, int] = {}  # passage index -> citation number
    spans: dict[int, list[tuple[int, int]]] = {}
    texts, sentences = [], []
    for claim, ok in zip(draft.claims, shown, strict=True):
        if not ok:
            sentences.append(Sentence(claim.text, (), False, claim.support))
            continue
        n = numbers.setdefault(claim.passage, len(numbers) + 1)
        spans.setdefault(claim.passage, []).append(claim.span)
        texts.append(f"{claim.text} [{n}]")
        sentences.append(Sentence(claim.text, (n,), True, claim.support))
    citations = [Citation(n, passages[i], tuple(sorted(set(spans[i])))) for i, n in numbers.items()]
    weak = draft.support is not None and draft.support < weak_below
    return Answer(question, " ".join(texts), False, citations, passages, timings_ms or {},
                  weak, sentences, **meta)
