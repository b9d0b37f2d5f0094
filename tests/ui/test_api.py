"""The app's `/ask` endpoint through gradio_client, as a script would use the running app."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from ..conftest import GERMANY_CANADA

QUESTIONS = {
    GERMANY_CANADA: ("000_1e0437848bbfa5aa.txt", "Canada"),
    "What is Project Vault?": ("004_4043f69cf68954ce.txt", "Strategic Critical Minerals Reserve"),
    "Who will chair the Critical Minerals Ministerial?": ("004_4043f69cf68954ce.txt", "Rubio"),
    "Which country did India sign a rare earth agreement with the day after joining Pax Silica?":
        ("000_1e0437848bbfa5aa.txt", "Brazil"),
    "How big is the US strategic critical minerals stockpile?":
        ("004_4043f69cf68954ce.txt", "12 billion"),
    "What will the collaboration with Germany focus on?":
        ("000_1e0437848bbfa5aa.txt", "joint exploration"),
    "Who is Neha Mukherjee?": ("004_4043f69cf68954ce.txt", "Research Manager"),
    "When is the inaugural Critical Minerals Ministerial scheduled?":
        ("004_4043f69cf68954ce.txt", "February 4"),
}


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


def test_ask_returns_the_cli_json_shape(client):
    answer = client.predict(GERMANY_CANADA, api_name="/ask")
    assert set(answer) == {"question", "short_answer", "answer", "abstained", "weak_evidence",
                           "citations", "retrieved", "time", "timings_ms", "sentences",
                           "backend", "fallback"}
    assert answer["short_answer"] == {"text": "Germany and Canada", "citation": 1}
    assert "Germany" in answer["answer"] and "Canada" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == "000_1e0437848bbfa5aa.txt"


def test_ask_as_of_a_date_never_uses_later_articles(client):
    answer = client.predict(GERMANY_CANADA, "2026-02-10", True, api_name="/ask")
    assert answer["time"]["as_of"] == "2026-02-10"
    assert {p["doc_id"] for p in answer["retrieved"]} == {"004_4043f69cf68954ce.txt"}
    assert all(c["date"] <= "2026-02-10" for c in answer["citations"])


def test_eight_concurrent_questions_each_get_their_own_sources(server):
    from gradio_client import Client

    def ask(question: str) -> dict:
        return Client(server, verbose=False).predict(question, api_name="/ask")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = dict(zip(QUESTIONS, pool.map(ask, QUESTIONS), strict=True))
    for question, (doc, fact) in QUESTIONS.items():
        answer = answers[question]
        assert answer["question"] == question and not answer["abstained"]
        assert fact in answer["answer"], question
        assert answer["citations"][0]["doc_id"] == doc, question
        assert any(fact in c["text"] for c in answer["citations"]), question


@pytest.mark.parametrize(("question", "message"), [
    ("", "the question is empty"),
    ("y" * 10_000, "the question is 10,000 characters long"),
])
def test_bad_questions_get_a_clear_error(client, question, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message):
        client.predict(question, api_name="/ask")
