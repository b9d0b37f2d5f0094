"""Follow-up question -> standalone query, so retrieval can find what "it" or "Canada" refers to.

No LLM needed: a question that leans on the conversation ("And what about Canada?", "When was
it launched?") gets the content words of the previous standalone query that it lacks appended.
Both retrievers work on bags of terms, so the appended context finds the right passages.
"""

from __future__ import annotations

import re

from rag.keyword import content_terms

_LEADS = re.compile(r"^\s*(and|but|also|so|then|what about|how about|and what about)\b", re.I)
_PRONOUNS = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|he|him|his|she|her|there|then)\b", re.I)
_WORD = re.compile(r"[\w'\u2019-]+")


def is_follow_up(question: str) -> bool:
    """Leads with "and"/"what about", or is all but empty, or has a pronoun and names nothing
    itself ("When was it launched?"; but "How much did Zambia raise its output?" stands alone)."""
    names = any(w[0].isupper() for w in _WORD.findall(question)[1:])
    return bool(_LEADS.search(question) or len(content_terms([question])[0]) <= 1
                or (_PRONOUNS.search(question) and not names))


def rewrite(question: str, previous: str | None) -> str:
    """`question` unchanged if it stands alone (or there is nothing before it); otherwise
    `question (context words)` drawn from `previous`, the last standalone query."""
    if not previous or not is_follow_up(question):
        return question
    have = content_terms([question])[0]
    words = [w for w in _WORD.findall(previous) if not _LEADS.fullmatch(w)]
    stems = content_terms(words)
    context: list[str] = []
    for word, stem in zip(words, stems, strict=True):
        if stem and not stem <= have and word not in context:
            context.append(word)
            have |= stem
    return f"{question.strip()} ({' '.join(context)})" if context else question
