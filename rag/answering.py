"""Passages -> Draft. The extractive answerer needs no LLM: it quotes the sentences that answer
the question, each tied to the passage it came from, names the short answer they hold, and
abstains when none does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag import nlp
from rag.chunking import split_sentences
from rag.embedding import Embedder
from rag.keyword import Idf, content_terms, coverage, stem
from rag.metrics import normalise
from rag.question import Analysis, analyse, mentions
from rag.types import Claim, Draft, Passage, ShortAnswer


class Answerer(Protocol):
    name: str

    def run(self, question: str, passages: list[Passage]) -> Draft: ...


@dataclass(frozen=True)
class _Sentence:
    text: str
    passage: int
    span: tuple[int, int]  # article offsets
    # Entities of the asked-for type the question lacks, each with its closeness to the
    # question's words in the sentence (1 when next to one, falling with distance).
    candidates: tuple[tuple[nlp.Entity, float], ...]
    stems: frozenset[str]  # of its words' lemmas: "led" is "lead", "announced" "announc"


@dataclass(frozen=True)
class Candidate:
    """A possible short answer: an entity of the expected type, scored by the support of every
    answering unit that holds it (several passages agreeing count for more)."""

    text: str
    score: float
    passage: int  # where its best-supported mention is
    unit: int
    at: int  # offset of that mention in its passage


@dataclass(frozen=True)
class Reading:
    """Everything the answerer learned about a question and its passages: the analysis, the
    candidate units (single sentences and neighbouring pairs) with their support, and which of
    them answer (hold a candidate of the expected type tied to the question's terms)."""

    question: Analysis
    sentences: list[_Sentence]
    units: list[tuple[int, ...]]
    support: np.ndarray
    answering: np.ndarray  # bool per unit (for a description: from a passage on its subject)
    unit_vecs: np.ndarray
    unit_terms: list[frozenset[str]]
    missing: tuple[str, ...]  # key words of the question no passage mentions
    AGREE = 0.1  # weight of further mentions: agreement helps, repetition must not dominate

    def candidates(self) -> list[Candidate]:
        """Short-answer candidates, best first: each scored by its best mention (the support
        of its unit, how well its label fits, how close it stands to the question's words),
        plus a little for every further unit that names it. A name also found as part of a
        longer one ("Rubio", "Marco Rubio") counts for the longer."""
        found: dict[str, list] = {}  # key -> [text, best, others, passage, unit, at]
        for u in np.flatnonzero(self.answering):
            for i in self.units[u]:
                for e, near in self.sentences[i].candidates:
                    w = float(self.support[u]) * self.question.labels[e.label] * near
                    entry = found.setdefault(normalise(e.text), [e.text, 0.0, 0.0, 0, 0, 0])
                    if w > entry[1]:
                        entry[2] += entry[1]
                        entry[1], entry[3], entry[4] = w, self.sentences[i].passage, int(u)
                        entry[5] = e.start
                    else:
                        entry[2] += w
        keys = sorted(found, key=len, reverse=True)
        for short in list(keys):
            longer = next((k for k in keys if k != short and f" {short} " in f" {k} "), None)
            if longer:
                entry = found.pop(short)
                found[longer][2] += entry[1] + entry[2]
                keys.remove(short)
        ranked = sorted(found.values(), key=lambda v: -(v[1] + self.AGREE * v[2]))
        return [Candidate(text, round(best + self.AGREE * others, 4), passage, unit, at)
                for text, best, others, passage, unit, at in ranked]


class ExtractiveAnswerer:
    """Quotes the sentences that answer the question.

    Candidate units are single sentences and pairs of neighbouring sentences (news writing
    often splits one answer in two: "... with Germany. ... a similar agreement with Canada").
    Support = a mix of embedding similarity to the question and the share of the question's
    terms the unit contains, each weighted by its rarity in the index (idf).

    A question that asks for a kind of thing (a person, a place, a date, an amount: see
    rag/question.py) is answered only by units that hold one the question does not already
    name, in a sentence about the question's terms (`TIE`); those rank first, then by support,
    and the best-supported such entity is the short answer. It abstains without any, or when a
    name of the question appears in no passage, no passage is about its subject, or (for a
    description) none uses its verb: resembling the question is not answering it. A
    description question ("What is Pax Silica?") is otherwise answered by support alone.
    Further units join when nearly as good and bringing terms (or, for a list question,
    answers) not yet covered, which is how an answer combines articles. Below `min_support`
    it abstains.
    """

    name = "extractive"
    SIMILARITY_WEIGHT = 0.6  # the rest is term coverage
    MIN_WORDS = 6  # shorter lines are headings and captions, not answers
    NEAR_BEST = 0.8  # a further unit must reach this fraction of the best support
    REDUNDANT = 0.9  # cosine above which a further unit repeats what is already chosen
    # Idf-weighted share of the question's terms a candidate's sentence must hold: 0.2 beat
    # 0.3 and 0.4 on the seeds set in answer_contained and abstention precision at the same
    # recall (eval/bench_abstain.py, BENCHMARKS.md "Calibration").
    TIE = 0.2
    MAX_LIST = 4  # answers named in a list answer when the question gives no number
    HEAD_BONUS = 1.5  # for a candidate the article itself calls a "minister", a "ministry"...

    def __init__(self, embedder: Embedder, min_support: float = 0.45, max_sentences: int = 3,
                 idf: Idf | None = None):
        self.embedder, self.min_support, self.max_sentences = embedder, min_support, max_sentences
        self.idf = idf

    def run(self, question: str, passages: list[Passage]) -> Draft:
        reading = self.read(question, passages)
        if reading is None:
            return Draft([], abstained=True)
        q = reading.question
        if reading.missing:
            words = ", ".join(f"\u201c{w}\u201d" for w in reading.missing)
            return Draft([], abstained=True, support=0.0,
                         reason=f"no passage found mentions {words}")
        if not reading.answering.any():
            about = " ".join(q.subject.values())
            return Draft([], abstained=True, support=0.0, reason=(
                f"no passage found names {_TYPE_WORDS[q.answer_type]} in a sentence about the "
                "question" if q.typed and not q.soft
                else f"no passage found is about \u201c{about}\u201d"))
        support = reading.support
        order = sorted(np.flatnonzero(reading.answering), key=lambda u: -support[u])
        best = float(support[order[0]])
        if best < self.min_support:
            return Draft([], abstained=True, support=best,
                         reason="no passage found matches the question well enough")
        candidates = reading.candidates() if q.typed else []
        if candidates:  # the short answer's sentence leads
            order.remove(candidates[0].unit)
            order.insert(0, candidates[0].unit)
        chosen = self._choose(reading, order, best)
        short = self._short(q, [c for c in candidates if c.unit in chosen]) \
            if candidates else None
        sentences = reading.sentences
        claims = [Claim(sentences[i].text, sentences[i].passage, sentences[i].span,
                        round(float(support[u]), 4)) for u in chosen for i in reading.units[u]]
        return Draft(claims, abstained=False, support=best, short=short)

    def read(self, question: str, passages: list[Passage]) -> Reading | None:
        """The question analysed and every unit of the passages scored; None without any."""
        q = analyse(question)
        sentences = self._sentences(passages, q)
        if not sentences:
            return None
        # What each sentence and passage says of the question's terms, forms of a word
        # matched ("Brazilian" for "Brazil"; rag.question.mentions).
        said = [frozenset(t for t in q.terms | set(q.subject) if mentions(t, words))
                for words in content_terms([s.text for s in sentences])]
        texts = content_terms([p.chunk.text for p in passages])
        titles = content_terms([p.title for p in passages])
        heard = [frozenset(t for t in q.terms | set(q.subject) | set(q.key_terms)
                           if mentions(t, text | title))
                 for text, title in zip(texts, titles, strict=True)]
        vocabulary = frozenset().union(*heard)
        missing = tuple(word for stem, word in q.key_terms.items() if stem not in vocabulary)
        words = frozenset().union(*texts, *(x.stems for x in sentences))
        if q.verb and not q.typed and not mentions(q.verb, words):
            # "How did China respond?": a description is all about its verb, and no passage
            # has it. (A typed question has its type to check instead; and "sent", "held"
            # are paraphrased too often to be required.)
            missing += (q.verb_text,)
        q_vec, *vecs = self.embedder.encode([question] + [s.text for s in sentences])
        units = [(i,) for i in range(len(sentences))] + [
            (i, i + 1) for i in range(len(sentences) - 1)
            if sentences[i].passage == sentences[i + 1].passage
        ]
        unit_vecs = np.stack([_unit(sum(vecs[i] for i in u)) for u in units])
        unit_terms = [frozenset().union(*(said[i] for i in u)) & q.terms for u in units]
        # Terms count only where some passage uses them: a question's paraphrase ("job" for
        # "Under Secretary") is no reason to pass a sentence over. A name no passage has
        # is dealt with above (`missing`).
        usable = q.terms & vocabulary
        w = self.SIMILARITY_WEIGHT
        support = w * (unit_vecs @ q_vec) + (1 - w) * coverage(usable, unit_terms, self.idf)
        # An answer comes from a passage that names what the question is about.
        answering = np.array([set(q.subject) <= heard[sentences[u[0]].passage] for u in units])
        if q.typed:
            # A unit answers when one of its sentences holds a candidate and is about the
            # question: it holds a share of the question's terms (counting only terms some
            # passage uses: a paraphrase is no reason to pass a sentence over) and the verb
            # asked about, when some passage uses it ("which city hosted the summit?" is not
            # answered by a sentence naming a country at the summit).
            tie = coverage(usable, said, self.idf)
            used = frozenset().union(*(x.stems for x in sentences))
            verb = q.verb if q.verb in used else None
            fit = np.array([max((q.labels[e.label] for e, _ in x.candidates), default=0.0)
                            if tie[i] >= self.TIE else 0.0 for i, x in enumerate(sentences)])
            best_fit = np.array([max(fit[i] for i in u) if verb is None or any(
                verb in sentences[i].stems for i in u) else 0.0 for u in units])
            if not (q.soft and not (answering & (best_fit > 0)).any()):
                answering &= best_fit > 0
                support = support * (0.5 + 0.5 * best_fit)  # a person answers "who" best
        return Reading(q, sentences, units, support, answering, unit_vecs, unit_terms, missing)

    def _choose(self, reading: Reading, order: list[int], best: float) -> list[int]:
        """The best answering unit, then those nearly as good that add terms (or answers)."""
        chosen: list[int] = []
        used: set[int] = set()  # sentence indices
        covered: frozenset[str] = frozenset()
        named: set[str] = set()
        q, units, vecs = reading.question, reading.units, reading.unit_vecs
        for u in order:
            if chosen and reading.support[u] < self.NEAR_BEST * best:
                break
            unit = units[u]
            if used & set(unit) or len(used) + len(unit) > self.max_sentences:
                continue
            answers = {normalise(e.text) for i in unit for e, _ in reading.sentences[i].candidates}
            new = bool(reading.unit_terms[u] - covered) or (q.many and bool(answers - named))
            repeats = chosen and max(float(vecs[u] @ vecs[c]) for c in chosen)
            if chosen and (not new or repeats > self.REDUNDANT):
                continue
            chosen.append(int(u))
            used |= set(unit)
            covered |= reading.unit_terms[u]
            named |= answers
        return chosen

    def _short(self, q: Analysis, candidates: list[Candidate]) -> ShortAnswer:
        """The best candidate; for a list question ("which two countries"), the candidates of
        the best unit and those that join it, as many as asked."""
        first = candidates[0]
        if not q.many:
            return ShortAnswer(first.text, first.passage)
        n = q.count or self.MAX_LIST
        names = [c.text for c in sorted(candidates[:n], key=lambda c: (c.passage, c.at))]
        text = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        return ShortAnswer(text, first.passage)

    def _sentences(self, passages: list[Passage], q: Analysis) -> list[_Sentence]:
        """Sentences of all passages in reading order, each once (overlapping chunks share
        some), with the entities in them that could answer `q`."""
        seen: set[tuple[str, int]] = set()
        out = []
        notes = [nlp.annotate(p.chunk.text) for p in passages]
        known = [e for n in notes for e in n.entities]
        for i, (p, note) in enumerate(zip(passages, notes, strict=True)):
            entities = nlp.repeated(p.chunk.text, list(note.entities), known)
            for s, e in split_sentences(p.chunk.text):
                key = (p.chunk.article_id, p.chunk.start + s)
                text = p.chunk.text[s:e]
                if key in seen or len(text.split()) < self.MIN_WORDS:
                    continue
                seen.add(key)
                words = [(at, stem(lemma)) for at, lemma in note.lemmas if s <= at < e]
                asked = [at for at, w in words if mentions(w, q.terms)]
                typed = [at for at, w in words if w == q.head]
                found = tuple((x, _near(x, asked) * (self.HEAD_BONUS if _named_as(x, typed)
                                                      else 1.0))
                              for x in entities if s <= x.start and x.end <= e
                              and x.label in q.labels and not q.names(x.text))
                stems = frozenset(w for _, w in words)
                out.append(_Sentence(text, i, (key[1], p.chunk.start + e), found, stems))
        return out


_TYPE_WORDS = {"person": "a person", "organisation": "an organisation",
               "place": "a place", "date": "a date", "duration": "a length of time",
               "number": "a number", "money": "an amount of money",
               "percent": "a percentage", "measure": "an amount", "event": "an event",
               "initiative": "an initiative or agreement", "entity": "a name"}


def _named_as(entity: nlp.Entity, typed: list[int], reach: int = 25) -> bool:
    """The noun the question asks about is in the entity or just before it ("the Ministry of
    Electronics" for "which ministry", "Prime Minister Narendra Modi" for "which minister")."""
    return any(entity.start - reach <= at < entity.end for at in typed)


def _near(entity: nlp.Entity, asked: list[int], scale: float = 60.0) -> float:
    """1 for an entity next to a word of the question, falling with the distance in
    characters (half at `scale`): the answer to "where is X based?" stands near "based"."""
    if not asked:
        return 0.5
    gap = min(max(entity.start - at, at - entity.end, 0) for at in asked)
    return 1.0 / (1.0 + gap / scale)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) or 1.0)
