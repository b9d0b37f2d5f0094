"""Dates in questions, read by dateparser, as of a given day. 2026-02-25 is a Wednesday."""

from datetime import date

import pytest

from rag.temporal import event_date, interpret

from .conftest import SEEDS

AS_OF = date(2026, 2, 25)


@pytest.mark.parametrize(("question", "since", "until", "phrase"), [
    # the calendar week before the as-of week: Monday 16 to Sunday 22 February
    ("What did India sign last week?", "2026-02-16", "2026-02-22", "last week"),
    # news written on a Wednesday calls last Thursday "this week": the seven days up to as-of
    ("Which countries did NATO invite this week?", "2026-02-19", "2026-02-25", "this week"),
    ("What did the US announce yesterday?", "2026-02-24", "2026-02-24", "yesterday"),
    ("What has India done since January?", "2026-01-01", "2026-02-25", "January"),
    ("What did the cabinet approve this year?", "2026-01-01", "2026-02-25", "this year"),
    ("What happened before February 10?", None, "2026-02-09", "February 10"),
    ("What did India do in the last 3 days?", "2026-02-22", "2026-02-25", "3 days"),
])
def test_words_relative_to_now_bound_the_search(question, since, until, phrase):
    scope = interpret(question, AS_OF)
    assert (scope.since, scope.until, scope.phrase) == (since, until, phrase)
    assert scope.as_of == "2026-02-25" and scope.prefer is None and not scope.recency
    assert scope.describe().startswith("searching articles ")
    assert scope.to_json()["note"] == scope.describe()


@pytest.mark.parametrize(("question", "since", "prefer", "phrase"), [
    ("What did the US President announce on Feb. 2?", "2026-02-02",
     ("2026-02-02", "2026-02-09"), "Feb. 2"),
    ("What happened in January 2026?", "2026-01-01", ("2026-01-01", "2026-02-07"),
     "January 2026"),
    ("What happened between February 1 and February 10?", "2026-02-01",
     ("2026-02-01", "2026-02-17"), "February 1 and February 10"),
    ("What did the minister say on Wednesday?", "2026-02-25", ("2026-02-25", "2026-02-25"),
     "Wednesday"),
])
def test_a_named_date_bounds_from_below_and_prefers_its_reports(question, since, prefer, phrase):
    """An event on a named day is reported that day and the week after (capped at as-of);
    a later article looking back on it is still searched."""
    scope = interpret(question, AS_OF)
    assert (scope.since, scope.until, scope.prefer, scope.phrase) == (
        since, "2026-02-25", prefer, phrase)
    assert f"first those from {prefer[0]} to {prefer[1]}" in scope.describe()


@pytest.mark.parametrize("question", [
    "Which countries is India partnering with on critical minerals?",
    "What may happen to rare earth prices?",  # the modal "may" is not the month
    "How many grand slams has she won?",
])
def test_no_date_words_means_as_of_with_a_recency_preference(question):
    scope = interpret(question, AS_OF)
    assert scope.phrase is None and scope.since is None and scope.until == "2026-02-25"
    assert scope.recency
    assert scope.describe() == "preferring articles published shortly before 2026-02-25"


def test_the_user_can_switch_date_reading_off():
    scope = interpret("What did India sign last week?", AS_OF, read_dates=False)
    assert scope.phrase is None and scope.since is None and scope.until == "2026-02-25"


@pytest.mark.parametrize("question", [
    "Apple is expected to unveil which product early next month?",  # a plan, reported now
    "After more than 60 years, which beverage is getting a new bottle?",  # a duration
    "How soon could vaccines be available for children under 5, within 6 months?",
    "Grocery prices increased by more than 13% on average, according to whom?",
    "Rents hit a record high for the 17th month in a row. Which city led?",
])
def test_numbers_durations_and_future_dates_are_not_publication_dates(question):
    scope = interpret(question, AS_OF)
    assert scope.phrase is None and scope.recency


def test_the_first_real_date_wins_over_number_noise():
    scope = interpret("Which country was shaken by a 7.0-magnitude earthquake this week?", AS_OF)
    assert (scope.phrase, scope.since) == ("this week", "2026-02-19")


@pytest.mark.parametrize("question", [
    "How has India's role in critical minerals changed over time?",
    "Give me a timeline of the Pax Silica story",
    "What happened after the ministerial?",
])
def test_questions_about_a_sequence_are_timelines_without_recency(question):
    scope = interpret(question, AS_OF)
    assert scope.timeline and not scope.recency


def test_default_as_of_is_today():
    assert interpret("What happened?").as_of == date.today().isoformat()


def test_an_event_named_in_the_question_is_left_for_the_articles_to_date():
    scope = interpret("What was said before the Ministerial?", AS_OF)
    assert scope.event == ("before", "Ministerial") and scope.phrase is None
    dated = scope.anchored(date(2026, 2, 4), "Expert on the ministerial", "2026-02-04")
    assert (dated.since, dated.until) == (None, "2026-02-04")
    assert dated.phrase == "before the Ministerial"
    assert "2026-02-04, per \u201cExpert on the ministerial\u201d (2026-02-04)" in dated.describe()
    after = interpret("What happened after the summit?", AS_OF).anchored(date(2026, 2, 16), "t",
                                                                          None)
    assert (after.since, after.until) == ("2026-02-16", "2026-02-25")


def test_an_article_dates_the_events_it_names_relative_to_its_own_date():
    text = (SEEDS / "004_4043f69cf68954ce.txt").read_text(encoding="utf-8")
    assert event_date(text, "Ministerial", "2026-02-04") == date(2026, 2, 4)
    text = (SEEDS / "000_1e0437848bbfa5aa.txt").read_text(encoding="utf-8")
    # "... joined Pax Silica during the AI Impact Summit last week", published 24 February
    assert event_date(text, "AI Impact Summit", "2026-02-24") == date(2026, 2, 16)
    assert event_date(text, "World Cup", "2026-02-24") is None
