"""Dates in questions, read by dateparser, as of a given day. 2026-02-25 is a Wednesday."""

from datetime import date

import pytest

from rag.chunking import split_sentences
from rag.temporal import event_date, interpret, relative_dates

from .conftest import SEEDS

AS_OF = date(2026, 2, 25)


@pytest.mark.parametrize(("question", "since", "until", "event_days", "phrase"), [
    # the calendar week before the as-of week, Monday 16 to Sunday 22 February; its reports
    # come up to a week later, but never after as-of
    ("What did India sign last week?", "2026-02-16", "2026-02-25",
     ("2026-02-16", "2026-02-22"), "last week"),
    # news written on a Wednesday calls last Thursday "this week": the seven days up to as-of
    ("Which countries did NATO invite this week?", "2026-02-19", "2026-02-25",
     ("2026-02-19", "2026-02-25"), "this week"),
    ("What did the US announce yesterday?", "2026-02-24", "2026-02-25",
     ("2026-02-24", "2026-02-24"), "yesterday"),
    ("What did the cabinet approve this year?", "2026-01-01", "2026-02-25",
     ("2026-01-01", "2026-02-25"), "this year"),
    # January's events, reported up to 7 February
    ("What did India sign last month?", "2026-01-01", "2026-02-07",
     ("2026-01-01", "2026-01-31"), "last month"),
])
def test_words_relative_to_now_date_the_event_and_its_reports_are_searched(
        question, since, until, event_days, phrase):
    scope = interpret(question, AS_OF)
    assert (scope.since, scope.until, scope.event_days, scope.phrase) == (
        since, until, event_days, phrase)
    assert scope.prefer == (since, until) and not scope.recency
    assert scope.describe().startswith(f"searching articles from {since} to {until} (events of ")
    assert scope.to_json()["note"] == scope.describe()


def test_an_event_last_week_is_found_in_a_report_published_this_week():
    """Issue 10: as of Sunday 1 March, last week's agreement was reported on 24 February."""
    scope = interpret("What did India agree with Brazil last week?", date(2026, 3, 1))
    assert (scope.since, scope.until, scope.prefer) == (
        "2026-02-16", "2026-03-01", ("2026-02-16", "2026-03-01"))
    assert scope.describe() == (
        "searching articles from 2026-02-16 to 2026-03-01 (events of 2026-02-16 to 2026-02-22, "
        "read from \u201clast week\u201d, and their reports)")
    assert list(scope.to_json()) == ["as_of", "since", "until", "phrase", "prefer", "recency",
                                     "timeline", "note"]


@pytest.mark.parametrize(("question", "since", "until", "phrase"), [
    ("What has India done since January?", "2026-01-01", "2026-02-25", "January"),
    ("What happened before February 10?", None, "2026-02-09", "February 10"),
    ("What did India do in the last 3 days?", "2026-02-22", "2026-02-25", "3 days"),
])
def test_open_ended_words_only_bound_the_search(question, since, until, phrase):
    scope = interpret(question, AS_OF)
    assert (scope.since, scope.until, scope.phrase) == (since, until, phrase)
    assert scope.prefer is None and scope.event_days is None and not scope.recency
    span = f"from {since} to {until}" if since else f"up to {until}"
    assert scope.describe() == f"searching articles {span} (read from \u201c{phrase}\u201d)"


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
    assert scope.event_days[0] == since and scope.describe().endswith(", and their reports)")
    # the preferred days are named unless they are all the days searched
    assert f"first those from {prefer[0]} to {prefer[1]}" in scope.describe() or \
        prefer == (since, scope.until)


@pytest.mark.parametrize("question", [
    "Which countries is India partnering with on critical minerals?",
    "What may happen to rare earth prices?",  # the modal "may" is not the month
    "How many grand slams has she won?",
])
def test_no_date_words_means_as_of_with_a_recency_preference(question):
    scope = interpret(question, AS_OF)
    assert scope.phrase is None and scope.since is None and scope.until == "2026-02-25"
    assert scope.recency
    assert scope.describe() == "searching articles up to 25 Feb 2026, newest first"


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


# -- date words in article sentences -------------------------------------------------------
def _sentence(seed: str, words: str) -> str:
    text = (SEEDS / seed).read_text(encoding="utf-8")
    return next(text[s:e] for s, e in split_sentences(text) if words in text[s:e])


@pytest.mark.parametrize(("seed", "published", "words", "notes"), [
    ("000_1e0437848bbfa5aa.txt", "2026-02-24", "during the AI Impact Summit last week",
     ["last week = 16\u201322 Feb 2026"]),
    # a plan, in an article of Tuesday 24 February: that day
    ("000_1e0437848bbfa5aa.txt", "2026-02-24", "expected to be granted on Tuesday",
     ["Tuesday = Tue 24 Feb 2026"]),
    # "... will join Pax Silica in February 2026" names its month: read the same any day
    ("004_4043f69cf68954ce.txt", "2026-02-04", "last month, US Under Secretary",
     ["last month = January 2026"]),
])
def test_an_articles_relative_date_words_are_dated_from_its_publication(
        seed, published, words, notes):
    sentence = _sentence(seed, words)
    found = relative_dates(sentence, published)
    assert [d.note() for d in found] == notes
    assert all(sentence[d.start:d.end] == d.phrase for d in found)


def test_last_week_in_an_article_is_the_calendar_week_before_it():
    sentence = "India joined Pax Silica during the AI Impact Summit last week."
    [found] = relative_dates(sentence, "2026-02-24")
    assert (found.phrase, found.first, found.last) == (
        "last week", date(2026, 2, 16), date(2026, 2, 22))
    assert sentence[found.start:found.end] == "last week"


@pytest.mark.parametrize(("sentence", "published", "notes"), [
    # a weekday is the next one when its clause speaks of what is to come, else the last one
    ("The Cabinet will meet on Tuesday to approve the deal.", "2026-02-23",
     ["Tuesday = Tue 24 Feb 2026"]),
    ("The minister said on Tuesday that talks had stalled.", "2026-02-23",
     ["Tuesday = Tue 17 Feb 2026"]),
    ("Prices rose yesterday, after falling earlier this month.", "2026-02-23",
     ["yesterday = 22 Feb 2026", "this month = February 2026"]),
    # each phrase where it is written, the same one twice too
    ("Last week, exports grew in the past 3 days and last week.", "2026-02-23",
     ["Last week = 16\u201322 Feb 2026", "3 days = 20\u201323 Feb 2026",
      "last week = 16\u201322 Feb 2026"]),
    ("It happened last week.", "2026-02-04", ["last week = 26 Jan \u2013 1 Feb 2026"]),
    ("It happened last week.", "2026-01-07", ["last week = 29 Dec 2025 \u2013 4 Jan 2026"]),
    ("Exports grew this year and will grow next month.", "2026-02-04",
     ["this year = 2026", "next month = March 2026"]),
    ("The talks, held two weeks ago in Delhi, resume tomorrow.", "2026-02-24",
     ["two weeks ago = 9\u201315 Feb 2026", "tomorrow = 25 Feb 2026"]),
])
def test_relative_date_words_in_plain_sentences(sentence, published, notes):
    found = relative_dates(sentence, published)
    assert [d.note() for d in found] == notes
    assert [sentence[d.start:d.end] for d in found] == [d.phrase for d in found]
    assert [d.start for d in found] == sorted({d.start for d in found})


@pytest.mark.parametrize("sentence", [
    "The minister is on a three-day visit to Canada.",
    "Demand for lithium will triple over the coming decade.",
    "The Ministerial was scheduled for February 4 in Washington.",
    "The summit on Tuesday, February 24 ended.",
    "Pax Silica is a US-led initiative launched in December 2025.",
    "After more than 60 years, the company changed its bottle; prices rose 13% on average.",
])
def test_durations_and_dates_naming_a_month_or_year_are_not_annotated(sentence):
    assert relative_dates(sentence, "2026-02-24") == []


def test_an_undated_article_has_no_dates_to_count_from():
    assert relative_dates("It happened last week.", None) == []
