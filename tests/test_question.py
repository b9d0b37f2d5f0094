"""What a question asks for, read by spaCy's small English pipeline (no index needed)."""

import pytest

from rag.question import analyse, mentions


@pytest.mark.parametrize(("question", "answer_type"), [
    ("Who will chair the Critical Minerals Ministerial?", "person"),
    ("Which Indian minister met Marco Rubio ahead of the ministerial?", "person"),
    ("Which news agency reported the planned Cabinet approvals?", "organisation"),
    ("Which country did India sign a rare earth agreement with?", "place"),
    ("Where is Benchmark Mineral Intelligence based?", "place"),
    ("When was Pax Silica launched?", "date"),
    ("In which year's budget did India announce rare earth corridors?", "date"),
    ("How long was S Jaishankar's visit to the United States?", "duration"),
    ("How many countries are sending delegations?", "number"),
    ("How much money will Germany invest in India?", "money"),
    ("What percentage of people avoid the news?", "percent"),
    ("Is India part of Pax Silica?", "yesno"),
    ("What is Pax Silica?", "description"),
    ("Why is India partnering with Germany?", "description"),
    ("Who is Neha Mukherjee?", "description"),  # a named person: what she is
])
def test_the_answer_type_comes_from_the_wh_word_and_its_noun(question, answer_type):
    assert analyse(question).answer_type == answer_type


def test_a_list_question_says_how_many():
    q = analyse("Which two countries is India's Cabinet expected to approve agreements with?")
    assert q.many and q.count == 2
    assert not analyse("Which country did India sign with?").many


def test_key_terms_are_the_names_and_the_type_word_is_not_a_topic():
    q = analyse("Which Canadian minister will sign the agreement with India last week?")
    assert set(q.key_terms.values()) == {"Canadian", "India"}
    assert "minist" not in q.terms  # what is asked for, not what it is about
    assert not {"last", "week"} & q.terms  # placed in time by rag.temporal, not a topic
    assert q.verb == "sign"


def test_the_subject_is_what_an_answer_must_be_about():
    q = analyse("What did Germany's chancellor say about the partnership with India?")
    assert set(q.subject.values()) == {"Germany", "chancellor"}
    assert analyse("Which minister met Marco Rubio?").subject == {}  # the subject is asked


def test_candidates_the_question_already_names_are_not_answers():
    q = analyse("Which Indian states will host the rare earth corridors?")
    assert q.names("India") and not q.names("Odisha")


@pytest.mark.parametrize(("a", "b", "same"), [
    ("india", "indian", True), ("canada", "canadian", True), ("china", "chines", True),
    ("agre", "agreement", True), ("chair", "chain", False), ("march", "marcus", False),
])
def test_forms_of_a_word_match_and_lookalikes_do_not(a, b, same):
    assert mentions(a, {b}) is same
