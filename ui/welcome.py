"""The first page: what the assistant does, what is indexed, and questions the articles answer."""

from __future__ import annotations

from collections import Counter

from rag.nlp import annotate
from rag.pipeline import Pipeline
from rag.temporal import readable_day
from ui.render import literal

# Names worth asking about; places and numbers make poor questions ("What is Germany?").
_ASKABLE = {"PERSON": "Who is", "ORG": "What is", "PRODUCT": "What is", "EVENT": "What is",
            "LAW": "What is", "WORK_OF_ART": "What is", "FAC": "What is"}
NEWEST = 3  # headlines listed


def overview(pipeline: Pipeline | None) -> str:
    """Markdown: the title, what the assistant does, and what it can answer from."""
    head = ("# Ask the news\nAnswers come from the indexed articles only, quoting them with "
            "numbered sources; when the articles don't say, it says so.")
    if pipeline is None:
        return f"{head}\n\nNothing is indexed yet: add articles or a feed below."
    store = pipeline.store
    stats = store.stats()
    articles = store.filter()
    dated = sorted((a for a in articles if a["date"]), key=lambda a: a["date"], reverse=True)
    span = (f", published {readable_day(stats['dates'][0])} to {readable_day(stats['dates'][1])}"
            if stats["dates"] else "")
    outlets = Counter(a["site"] for a in articles if a.get("site"))
    lines = [head, "", f"**{stats['articles']} articles**{span}"
             + (f" · outlets: {', '.join(literal(o) for o, _ in outlets.most_common(5))}"
                if outlets else ""), "", "Newest:"]
    lines += [f"- {literal(a['title'])} ({readable_day(a['date'])})" for a in dated[:NEWEST]]
    lines.append("\nQuestions are answered as of today: later articles are never used, and "
                 "\u201clast week\u201d or \u201cin February\u201d limit the search to those "
                 "days. Set **As of** under Filters to ask as if on another day.")
    return "\n".join(lines)


def examples(pipeline: Pipeline | None, n: int = 4) -> list[str]:
    """Up to `n` questions about names in the newest articles, each one the articles answer
    (asked once here, so a click never leads to "not in the articles")."""
    if pipeline is None:
        return []
    newest = sorted(pipeline.store.filter(), key=lambda a: a["date"] or "", reverse=True)
    out: list[str] = []
    for question in _candidates(pipeline, newest[: 3 * n]):
        if len(out) == n:
            break
        answer = pipeline.ask(question, read_dates=False)
        if not answer.abstained and not answer.weak:
            out.append(question)
    return out


def _candidates(pipeline: Pipeline, articles: list[dict]) -> list[str]:
    """Per article, the names its first passage repeats most, as questions."""
    seen: set[str] = set()
    out = []
    for a in articles:
        text = pipeline.store.texts([a["id"]]).get(a["id"], "")[:1500]
        names = Counter((e.text, e.label) for e in annotate(text).entities
                        if e.label in _ASKABLE and len(e.text) > 3)
        for (name, label), _ in names.most_common(2):
            if name.lower() not in seen:
                seen.add(name.lower())
                name = "the " + name[4:] if name.startswith("The ") else name
                out.append(f"{_ASKABLE[label]} {name}?")
    return out


