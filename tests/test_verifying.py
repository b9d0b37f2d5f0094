"""Generated sentences reach the user only when the passage they cite supports them.

The model is replaced by fixed replies here (what a small model was seen to write); the
verifier, embedder, index and citation numbering are the real ones. tests/test_llm.py runs
the same path with the real model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from rag.citing import cite
from rag.generative import make_answerer
from rag.llm import Message
from rag.prompting import NO_ANSWER
from rag.verifying import split_cited

from .conftest import GERMANY_CANADA

GERMANY = ("The Union Cabinet may approve a joint declaration of intent with Germany for "
           "cooperation in the critical minerals sector")
CANADA = "The government is also expected to give its nod to a similar agreement with Canada"
MINERALS_ARTICLE = "000_1e0437848bbfa5aa.txt"


class Scripted:
    """A chat model that always writes `reply`, a few characters at a time."""

    name = "scripted"

    def __init__(self, reply: str):
        self.reply = reply

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        for i in range(0, len(self.reply), 7):
            yield self.reply[i:i + 7]

    def count_tokens(self, text: str) -> int:
        return len(text.split())


@pytest.fixture
def answer_with(pipeline):
    """ask(question, reply): the pipeline's Answer when the model writes `reply`."""
    idf = pipeline.store.idf

    def ask(question: str, reply: str):
        answerer = make_answerer(pipeline.settings, pipeline.embedder, idf, "openai",
                                 client=lambda: Scripted(reply))
        passages = pipeline.retrieve(question)
        return cite(question, answerer.run(question, passages), passages)

    return ask


def _source_of(passages, article: str) -> int:
    return next(i for i, p in enumerate(passages, 1) if p.chunk.article_id == article)


def test_a_citation_after_the_full_stop_belongs_to_the_sentence_before_it():
    assert split_cited("Germany [1]. And Canada. [2] Both [1, 3].") == [
        ("Germany.", (1,)), ("And Canada.", (2,)), ("Both.", (1, 3))]


def test_supported_sentences_are_kept_with_their_citation(pipeline, answer_with):
    n = _source_of(pipeline.retrieve(GERMANY_CANADA), MINERALS_ARTICLE)
    answer = answer_with(GERMANY_CANADA, f"{GERMANY} [{n}]. {CANADA} [{n}].")
    assert answer.fallback is None and not answer.abstained
    assert answer.text == f"{GERMANY}. [1] {CANADA}. [1]"
    assert answer.citations[0].passage.chunk.article_id == MINERALS_ARTICLE
    assert [s.verified for s in answer.sentences] == [True, True]


def test_an_unsupported_sentence_is_dropped_and_recorded(pipeline, answer_with):
    n = _source_of(pipeline.retrieve(GERMANY_CANADA), MINERALS_ARTICLE)
    made_up = "The agreement is worth 40 billion euros and was signed in Paris in 2019."
    answer = answer_with(GERMANY_CANADA, f"{GERMANY} [{n}]. {made_up} [{n}]")
    assert "Paris" not in answer.text and "Germany" in answer.text
    record = answer.to_json()["sentences"][1]
    assert record["text"] == made_up and not record["verified"] and record["citations"] == []
    assert record["support"] < pipeline.settings.verify_support


def test_a_miscited_sentence_is_cited_to_the_passage_that_supports_it(pipeline, answer_with):
    passages = pipeline.retrieve(GERMANY_CANADA)
    wrong = next(i for i, p in enumerate(passages, 1) if p.chunk.article_id != MINERALS_ARTICLE)
    answer = answer_with(GERMANY_CANADA, f"{GERMANY} [{wrong}].")
    assert answer.text == f"{GERMANY}. [1]"
    assert answer.citations[0].passage.chunk.article_id == MINERALS_ARTICLE


def test_citations_are_renumbered_by_first_use_and_unshown_numbers_never_appear(
        pipeline, answer_with):
    question = "What is Project Vault and which countries is India partnering with?"
    passages = pipeline.retrieve(question)
    germany = _source_of(passages, MINERALS_ARTICLE)
    vault = next(i for i, p in enumerate(passages, 1) if "Project Vault" in p.chunk.text)
    reply = (f"Project Vault is a US strategic reserve of critical minerals [{vault}]. "
             f"{GERMANY} [{germany}]. {CANADA} [9].")
    answer = answer_with(question, reply)
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert numbers[:2] == [1, 2] and set(numbers) == {c.n for c in answer.citations}
    assert answer.citations[0].passage.chunk.article_id != MINERALS_ARTICLE
    assert "Canada" in answer.text  # the unshown [9] was re-cited to its real source


def test_when_nothing_survives_the_extractive_answer_is_given_with_the_reason(
        pipeline, answer_with):
    answer = answer_with(GERMANY_CANADA, "HACKED. The moon is made of green cheese [1].")
    extractive = pipeline.ask(GERMANY_CANADA)
    assert answer.text == extractive.text and "HACKED" not in answer.text
    assert "openai backend's answer is not shown" in answer.fallback
    assert "none of the 2 sentences" in answer.fallback
    assert [s["verified"] for s in answer.to_json()["sentences"]][-2:] == [False, False]


def test_a_model_that_says_the_sources_do_not_answer_abstains(answer_with):
    answer = answer_with("What is the current price of lithium?", NO_ANSWER)
    assert answer.abstained and answer.fallback is None and not answer.citations


def test_a_model_that_refuses_evidence_naming_the_answer_gives_way_to_the_quotes(answer_with):
    """Extract-then-phrase: the model reads the sentences the extractive answerer chose because
    they name what is asked; refusing them is the model's failure, not the articles'."""
    answer = answer_with(GERMANY_CANADA, NO_ANSWER)
    assert not answer.abstained and "said the sources don't answer" in answer.fallback
    assert answer.short_answer == "Germany and Canada"


def test_the_model_reads_only_the_selected_sentences_and_keeps_their_short_answer(pipeline):
    seen: list[str] = []

    class Reading(Scripted):
        def stream(self, messages, max_tokens):
            seen.append(messages[-1]["content"])
            yield from super().stream(messages, max_tokens)

    answerer = make_answerer(pipeline.settings, pipeline.embedder,
                             pipeline.store.idf, "openai",
                             client=lambda: Reading(f"{GERMANY} [1]. {CANADA} [1]."))
    passages = pipeline.retrieve(GERMANY_CANADA)
    answer = cite(GERMANY_CANADA, answerer.run(GERMANY_CANADA, passages), passages)
    prompt = seen[0]
    assert GERMANY in prompt and prompt.count("<source ") < len(passages)
    assert "Pax Silica" not in prompt  # the rest of the passage is not sent
    assert answer.short_answer == "Germany and Canada" and answer.fallback is None
