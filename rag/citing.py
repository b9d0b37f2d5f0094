"""Draft -> Answer: number the cited passages 1..n by first use and check every citation.

Every backend's draft goes through here, so no answer can cite a passage that was not shown.
"""

from __future__ import annotations

from rag.temporal import TimeScope, relative_dates
from rag.types import Answer, Citation, Draft, Passage, Sentence

ABSTAIN_TEXT = (
    "The indexed articles don't answer this question{why}. The closest passages are listed "
    "below: rephrase the question, or add articles that cover it."
)


OUT_OF_RANGE_TEXT = (  # each front end says how to search every date: a flag, a button
    "No indexed article falls in the dates the question names ({note}); every date can be "
    "searched instead."
)

WEAK_NOTE = "The evidence is weak: the passages only partly match the question."


def cite(question: str, draft: Draft, passages: list[Passage],
         timings_ms: dict[str, float] | None = None, weak_below: float = 0.0,
         scope: TimeScope | None = None) -> Answer:
    """`weak_below`: a draft whose support is under it is answered, but flagged as weak.
    A question about a sequence of events (`scope.timeline`) gets its sentences in article date
    order, each citation followed by its article's date. A quote's own relative dates ("last
    week") get the days they meant beside its citation."""
    meta = {"backend": draft.backend, "fallback": draft.fallback, "scope": scope}
    claims = list(draft.claims)
    timeline = scope is not None and scope.timeline
    if timeline:  # unverified claims (no passage) keep their place at the end
        claims.sort(key=lambda c: (passages[c.passage].date or "9999", c.span)
                    if 0 <= c.passage < len(passages) else ("~", c.span))
    shown = [c.verified and 0 <= c.passage < len(passages) for c in claims]
    rejected = [Sentence(c.text, (), False, c.support) for c in claims if not c.verified]
    if draft.abstained or not any(shown):
        text = (OUT_OF_RANGE_TEXT.format(note=scope.describe())
                if not passages and scope and scope.dated else
                ABSTAIN_TEXT.format(why=f": {draft.reason}" if draft.reason else ""))
        return Answer(question, text, True, [], passages, timings_ms or {},
                      sentences=rejected, **meta)
    numbers: dict[int, int] = {}  # passage index -> citation number
    spans: dict[int, list[tuple[int, int]]] = {}
    texts, sentences = [], []
    for claim, ok in zip(claims, shown, strict=True):
        if not ok:
            sentences.append(Sentence(claim.text, (), False, claim.support))
            continue
        n = numbers.setdefault(claim.passage, len(numbers) + 1)
        spans.setdefault(claim.passage, []).append(claim.span)
        passage = passages[claim.passage]
        dated = f" ({passage.date or 'undated'})" if timeline else ""
        # "last week" in a quote read months later misleads: say which days it meant.
        said = "; ".join(r.note() for r in relative_dates(claim.text, passage.date))
        texts.append(f"{claim.text} [{n}]{dated}{f' ({said})' if said else ''}")
        sentences.append(Sentence(claim.text, (n,), True, claim.support))
    citations = [Citation(n, passages[i], tuple(sorted(set(spans[i])))) for i, n in numbers.items()]
    weak = draft.support is not None and draft.support < weak_below
    short = draft.short if draft.short and draft.short.passage in numbers else None
    return Answer(question, " ".join(texts), False, citations, passages, timings_ms or {},
                  weak=weak, sentences=sentences, short_answer=short and short.text,
                  short_citation=short and numbers[short.passage], **meta)
