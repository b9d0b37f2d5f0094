"""Question -> what it asks for: the kind of answer expected and the terms an answer must be about.

"Which country did India sign with?" asks for a place that is not India; "How much will Germany
invest?" for an amount of money tied to Germany and investing. A sentence that resembles the
question but holds no such thing does not answer it. The question is parsed by spaCy
(rag/nlp.py): the wh-word and the noun it governs give the answer type, mapped to the entity
labels that can fill it; the question's own nouns, names and numbers are the key terms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rag import nlp
from rag.keyword import content_terms, stem

# Entity labels that can fill each answer type, with how well (a person is the usual "who",
# but news asks "who" of organisations and countries too).
_WHO = {"PERSON": 1.0, "ORG": 0.8, "GPE": 0.7, "NORP": 0.7}
LABELS: dict[str, dict[str, float]] = {
    "person": {"PERSON": 1.0},
    "organisation": {"ORG": 1.0, "NORP": 0.6, "GPE": 0.5},
    "place": {"GPE": 1.0, "LOC": 1.0, "FAC": 0.8},
    "date": {"DATE": 1.0, "TIME": 0.8},
    "duration": {"DATE": 1.0, "TIME": 0.9, "QUANTITY": 0.8, "CARDINAL": 0.6},
    "number": {"CARDINAL": 1.0, "QUANTITY": 1.0},
    "money": {"MONEY": 1.0},
    "percent": {"PERCENT": 1.0},
    "measure": {"QUANTITY": 1.0, "PERCENT": 0.9, "MONEY": 0.9, "CARDINAL": 0.8},
    "event": {"EVENT": 1.0, "ORG": 0.8, "WORK_OF_ART": 0.6, "FAC": 0.5},
    # "which show", "which popstar": some named thing; not required (see Analysis.soft)
    "entity": {"PERSON": 1.0, "ORG": 1.0, "GPE": 1.0, "LOC": 1.0, "FAC": 1.0, "NORP": 0.8,
               "PRODUCT": 1.0, "EVENT": 1.0, "WORK_OF_ART": 1.0, "LAW": 1.0},
    "initiative": {"ORG": 1.0, "LAW": 1.0, "EVENT": 0.8, "PRODUCT": 0.6},
}
# Head nouns of "which/what X" and "how many X" that name a type; any other noun ("which
# show", "what kind") leaves the question a description, answered by the best sentences.
_HEAD_WORDS = {  # type -> nouns
    "person": (
        "person man woman people minister president official leader chancellor secretary "
        "spokesperson spokesman spokeswoman ceo chief executive expert actor actress singer "
        "star player athlete politician senator governor judge king queen prince princess "
        "designer author writer director founder candidate celebrity musician rapper coach "
        "lawmaker envoy ambassador journalist reporter scientist researcher billionaire "
        "investor boss owner pope premier mayor diplomat analyst manager chairman chairperson "
        "chair winner champion member"
    ),
    "organisation": (
        "company firm organisation organization agency group grouping bloc coalition alliance "
        "institution university school college bank party team club automaker carrier airline "
        "retailer newspaper outlet broadcaster publisher brand manufacturer maker startup "
        "ministry department union league association council court committee network charity "
        "nonprofit government regulator"
    ),
    "place": (
        "country nation state city town village region province continent place location area "
        "territory island capital county district park site venue port sea river mountain "
        "airport stadium neighborhood neighbourhood destination"
    ),
    "event": (
        "event meeting summit conference ministerial election festival tournament ceremony "
        "award awards competition match race championship games"
    ),
    "initiative": (
        "initiative effort programme program project scheme treaty pact law bill act policy "
        "framework plan"
    ),
    "date": (
        "year month day date time week decade century season weekday era"
    ),
    "money": (
        "price cost amount sum fee fine salary budget fund funding investment value worth "
        "revenue profit loss bill dollar"
    ),
    "percent": (
        "percentage percent proportion share rate"
    ),
    "number": (
        "number total count"
    ),
}
_HEADS = {word: kind for kind, words in _HEAD_WORDS.items() for word in words.split()}
_TIME_UNITS = {"second", "minute", "hour", "day", "week", "month", "year", "decade", "century"}
# Words that make "how much" an amount of money ("how much will Germany invest?"); words
# that may count other things too ("raise", "sell") leave it a measure, which money fills too.
_MONEY_WORDS = {"money", "cost", "pay", "paid", "price", "spend", "spent", "invest", "worth",
                "fund", "sum", "dollar", "budget", "$", "usd", "€", "£"}
_HOW = {"many": "number", "much": "measure", "long": "duration", "old": "duration",
        "soon": "date", "high": "measure", "low": "measure", "big": "measure",
        "large": "measure", "far": "measure", "tall": "measure", "fast": "measure",
        "hot": "measure", "cold": "measure", "deep": "measure", "heavy": "measure"}
_WH = {"who": "who", "whom": "who", "whose": "who", "when": "date", "where": "place",
       "why": "description"}
_NAME_WORDS = {"name", "title", "kind", "type", "sort"}
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
            "nine": 9, "ten": 10, "both": 2}
_NAME_ENTITIES = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "EVENT",
                  "WORK_OF_ART", "LAW", "LANGUAGE"}
_LIGHT_VERBS = {"be", "have", "do", "say", "make", "get", "take", "go", "come", "become",
                "happen", "use", "give", "want", "expect", "see", "know", "call", "tell", "try",
                "seek", "plan", "need", "mean"}
_FUNCTION = {"PRON", "DET", "AUX", "ADP", "PART", "PUNCT", "SCONJ", "CCONJ"}


@dataclass(frozen=True)
class Analysis:
    """What a question asks for. `labels` is empty for a description or yes/no question:
    anything that says it well answers it."""

    text: str
    answer_type: str  # person, organisation, place, date, duration, number, money, percent,
    # measure, event, initiative, entity (soft), yesno, description ("who" questions are
    # "person" with wider labels)
    labels: Mapping[str, float] = field(default_factory=dict)
    terms: frozenset[str] = frozenset()  # content stems an answer is about (verbs included)
    # Its names (stem -> the word as asked): a name cannot be paraphrased, so a question whose
    # name appears in no passage is about something the articles don't cover. "Who is the
    # chief executive of ...?" adds its role: if no article names one, nobody holds it.
    key_terms: Mapping[str, str] = field(default_factory=dict)
    # Who or what the question is about ("Germany's chancellor" in "what did Germany's
    # chancellor say"): an answer comes from a passage that mentions it.
    subject: Mapping[str, str] = field(default_factory=dict)  # stem -> word, as key_terms
    # The lemma of the verb asked about ("sign" in "which country did India sign with?"),
    # unless it says little ("be", "do", "say"): an answer's sentence uses it.
    verb: str | None = None  # stemmed, so "announcement" in a passage counts
    verb_text: str = ""  # as asked
    head: str | None = None  # the stem of the noun that names the type ("ministry")
    named: frozenset[str] = frozenset()  # every stem of the question: answers are new words
    many: bool = False  # a list is asked for ("which countries")
    count: int | None = None  # how many ("which two countries")

    @property
    def typed(self) -> bool:
        return bool(self.labels)

    @property
    def soft(self) -> bool:
        """Its type only ranks: "which show" may be answered by a named show, but the small
        entity recogniser misses many names, so without one it is a description question."""
        return self.answer_type == "entity"

    def names(self, text: str) -> bool:
        """The question already names `text`, or half of it ("India" in a question about
        "Indian states", "the Union Cabinet" in one about "Cabinet approvals")."""
        words = content_terms([text])[0] or frozenset(text.lower().split())  # "US"
        return 2 * sum(mentions(w, self.named) for w in words) >= len(words)


def analyse(question: str) -> Analysis:
    """Parse `question` (spaCy) and read its answer type and key terms."""
    doc = nlp.parse(question)
    answer_type, head = _answer_type(doc)
    # Function words, the type noun ("country" in "which country": what is asked, not what
    # it is about) and relative dates ("last week", placed in time by rag.temporal) go.
    skip = {t.i for t in doc if t.pos_ in _FUNCTION or _is_time(doc, t.i)}
    if head is not None and answer_type not in ("description", "yesno", "entity"):
        skip.add(head.i)
    kept = [t for t in doc if t.i not in skip]
    terms = content_terms([" ".join(t.text for t in kept)])[0]
    names = [t for t in kept if t.ent_type_ in _NAME_ENTITIES
             or (t.pos_ == "PROPN" and not t.ent_type_)]
    key = {stem: t.text for t in names for stem in content_terms([t.text])[0]}
    count = next((_number(c) for c in head.children if c.dep_ == "nummod"), None) \
        if head is not None else None
    many = head is not None and head.tag_ in ("NNS", "NNPS") and answer_type != "number"
    if answer_type == "role":  # the role must be in the articles for anyone to hold it
        key |= {stem: t.text for t in head.subtree if t.pos_ in ("NOUN", "ADJ")
                and t.i <= head.i for stem in content_terms([t.text])[0]}
        answer_type = "person"
    labels = _WHO if answer_type == "who" else LABELS.get(answer_type, {})
    verb = _clause_verb(doc)
    lemma = verb.lemma_.lower()
    return Analysis(
        question, "person" if answer_type == "who" else answer_type, labels, terms=terms,
        key_terms=key, subject=_subject(verb, head),
        verb=stem(lemma) if verb.pos_ == "VERB" and lemma not in _LIGHT_VERBS else None,
        verb_text=verb.text,
        head=stem(head.lemma_) if head is not None and labels else None,
        named=content_terms([question])[0] | {t.lower_ for t in doc if t.is_alpha},
        many=many or (count or 0) > 1, count=count)


def mentions(term: str, vocabulary: Iterable[str]) -> bool:
    """`term` is in `vocabulary`, or a form of the same word is: one stem begins with the other
    ("india"/"indian", "agre"/"agreement") or with all of it but a final vowel ("canada"/
    "canadian", "china"/"chines"), four letters at least. The stemmer keeps demonyms apart
    from their countries and verbs from their nouns; "chair" and "chain" stay apart."""
    for word in vocabulary:
        if word == term:
            return True
        short, long = sorted((word, term), key=len)
        n = _common_prefix(short, long)
        if n >= 4 and len(long) - n <= 5 and (
                n == len(short) or (n == len(short) - 1 and short[-1] in "aeiouy")):
            return True
    return False


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _answer_type(doc) -> tuple[str, object]:
    """(answer type, the noun that names it or None). The first wh-word decides."""
    wh = _wh(doc)
    if wh is None:
        first = next((t for t in doc if not t.is_punct), None)
        yesno = first is not None and first.pos_ == "AUX" and first.i == doc[-1].sent.start
        return ("yesno" if yesno else "description"), None
    word = wh.lower_
    if word == "how":
        nxt = doc[wh.i + 1] if wh.i + 1 < len(doc) else None
        kind = _HOW.get(nxt.lower_ if nxt is not None else "", "description")
        noun = _noun_after(nxt) if nxt is not None else None
        if kind == "number" and noun is not None:
            if noun.lemma_.lower() in _TIME_UNITS:
                kind = "duration"
            elif _HEADS.get(noun.lemma_.lower()) == "money":
                kind = "money"
        if kind == "measure" and any(t.lemma_.lower() in _MONEY_WORDS for t in doc):
            kind = "money"
        return kind, noun
    if word in ("who", "whom") and wh.head.lemma_ == "be":
        other = next((c for c in wh.head.children if c.i != wh.i and c.dep_ in
                      ("attr", "nsubj") and c.pos_ in ("NOUN", "PROPN")), None)
        if other is not None and other.ent_type_:
            return "description", None  # "who is Neha Mukherjee?" asks what she is
        if other is not None and _HEADS.get(other.lemma_.lower()) == "person":
            return "role", other  # "who is the chief executive of ...": whoever holds it
    if word in _WH:
        return _WH[word], None
    head = _head_noun(wh)
    if head is None:
        return "description", None
    right_after = head.i > wh.i and all(t.pos_ in ("ADJ", "NUM", "ADV", "NOUN", "PROPN", "PUNCT")
                                        for t in doc[wh.i + 1:head.i])  # "which US popstar"
    soft = "entity" if right_after and head.tag_ in ("NN", "NNP") else "description"
    return _HEADS.get(head.lemma_.lower(), soft), head


def _head_noun(wh):
    """The noun a "which/what" asks about: "which country", "which Indian minister", "which
    news agency", "what is the name of the park", "what percentage of people". Read off the
    words that follow first (the small parser often misattaches "which ADJ NOUN"), then off
    the parse for "what is the X"."""
    doc, noun = wh.doc, None
    for t in doc[wh.i + 1:]:
        if t.pos_ in ("NOUN", "PROPN"):
            noun = t
            if t.i + 1 < len(doc) and doc[t.i + 1].tag_ == "POS":  # "which president's visit"
                break
        elif noun is not None or t.pos_ not in ("ADJ", "NUM", "ADV", "PUNCT"):
            break
    if noun is None and wh.head.lemma_ == "be":  # "what is the capital ...", "which is ..."
        noun = next((c for c in wh.head.children if c.i != wh.i and c.dep_ in
                     ("nsubj", "attr") and c.pos_ in ("NOUN", "PROPN")), None)
    if noun is not None and noun.lemma_.lower() in _NAME_WORDS:
        of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        inner = next((c for c in of.children if c.dep_ == "pobj"), None) if of else None
        if inner is not None and noun.lemma_.lower() in ("name", "title"):
            return inner
        return None if noun.lemma_.lower() in ("kind", "type", "sort") else noun
    return noun


def _clause_verb(doc):
    """The verb of the wh-word's clause (of the last sentence without a wh-word)."""
    wh = _wh(doc)
    verb = wh.head if wh is not None else list(doc.sents)[-1].root
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        verb = verb.head
    return verb


def _subject(verb, head) -> dict[str, str]:
    """Stems of the nouns and names in the verb's subject, unless the wh-word or the noun it
    asks about is in it ("which minister met ..." asks for the subject)."""
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None:
        return {}
    inside = {t.i for t in subject.subtree}
    wh = _wh(verb.doc)
    if {t.i for t in (wh, head) if t is not None} & inside:
        return {}
    return {stem: t.text for t in subject.subtree if t.pos_ in ("NOUN", "PROPN")
            and not _is_time(verb.doc, t.i) for stem in content_terms([t.text])[0]}


def _wh(doc):
    return next((t for t in doc if t.tag_ in ("WDT", "WP", "WP$", "WRB")), None)


def _noun_after(token):
    """The noun "how many" counts: "how many countries" -> countries."""
    if token.head.pos_ in ("NOUN", "PROPN") and token.dep_ == "amod":
        return token.head
    return None


def _is_time(doc, i: int) -> bool:
    """`doc[i]` is part of a relative time phrase ("last week", "this year", "yesterday")."""
    t = doc[i]
    if t.lower_ in ("today", "yesterday", "tonight", "recently", "ago"):
        return True
    units = ("week", "weekend", "month", "year")
    if t.lower_ in units:
        return i > 0 and doc[i - 1].lower_ in ("last", "this", "past", "previous")
    return t.lower_ in ("last", "this", "past", "previous") and i + 1 < len(doc) \
        and doc[i + 1].lower_ in units


def _number(token) -> int | None:
    text = token.lower_
    return int(text) if text.isdigit() else _NUMBERS.get(text)
