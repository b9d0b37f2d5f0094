"""Question + as-of date -> TimeScope: the dates a question means, read with dateparser.

News questions are about time ("what did India sign last week?"). dateparser finds and reads
the date words; this module only decides what they mean for a search: a range ("last week",
"yesterday"), an open end ("since January", "before February 10"), a named event date whose
reports are preferred ("on February 2", "in June"), an event the articles date ("before the
ministerial", resolved by the pipeline with `event_date`), or, with no date words at all, a
preference for recent articles. The as-of date bounds every range: an article published after
it is never searched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache, lru_cache

from rag.chunking import split_sentences
from rag.keyword import content_terms

# What a dateparser match must contain to be read as a date: a month, a weekday, a day word,
# "this/last/next week|month|year", a year or "ago". Questions are full of numbers and
# durations that dateparser would also read ("7.0-magnitude", "13% on", "after 60 years").
_MONTHS = (r"january|february|march|april|june|july|august|september|october|november|december"
           r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_WEEKDAY = re.compile(r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b", re.IGNORECASE)
_DATE_WORD = re.compile(
    rf"\b({_MONTHS})\b\.?|\b(?-i:May)\b|{_WEEKDAY.pattern}|\b(today|yesterday|tonight)\b|"
    r"\b(this|last|next|past|previous)\s+(week|weekend|month|year)\b|\b(19|20)\d\d\b|\bago\b",
    re.IGNORECASE)
# "3 days", "two weeks": a date only after "last"/"past" ("in the last 3 days").
_DURATION = re.compile(r"(a|an|one|two|three|four|five|six|seven|eight|nine|ten|few|several|"
                       r"\d+)[\s-]+(day|week|month|year)s?", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(today|yesterday|tonight|week|weekend|month|year|ago)\b",
                       re.IGNORECASE)
# Reports of an event keep coming for about a week after it.
REPORT_LAG_DAYS = 7
_SINCE = re.compile(r"\b(since|after|from|starting)\s+(the\s+)?$|\b(last|past)\s+$", re.IGNORECASE)
_BEFORE = re.compile(r"\b(before|prior\s+to)\s+(the\s+)?$", re.IGNORECASE)
_UNTIL = re.compile(r"\b(until|till|by|up\s+to)\s+(the\s+)?$", re.IGNORECASE)
_BETWEEN = re.compile(r"\b(between|from)\s+(the\s+)?$", re.IGNORECASE)
_LEADING = re.compile(r"^(in|on|during|of|from|about|the|since|after|before|until|by|at)\s+",
                      re.IGNORECASE)
# "before the ministerial", "after the summit": an event the articles may date.
_BEFORE_WORDS = ("before", "ahead of", "prior to")
_EVENT = re.compile(r"\b(?P<relation>before|ahead of|prior to|after|since|following)\s+the\s+"
                    r"(?P<event>[A-Za-z][\w'-]*(?:\s+(?-i:[A-Z])[\w'-]*)*)", re.IGNORECASE)
_NOT_EVENTS = {"beginning", "start", "end", "first", "last", "middle", "rest", "time", "day",
               "week", "month", "year", "past", "news", "article", "articles"}
_TRAILING = re.compile(r"\s+(on|in|of|after|at|for|to|a)$", re.IGNORECASE)
# "What happened over time" questions: the answer is a sequence, so it is ordered by date.
_TIMELINE = re.compile(
    r"\b(timeline|over time|so far|history of|how (has|have|did) .+ (changed?|evolved?|developed?"
    r"|progress(ed)?)|what happened (after|since|before|next)|developments|sequence of|"
    r"chronolog\w*|step by step)\b", re.IGNORECASE)


@dataclass(frozen=True)
class TimeScope:
    """How a question is placed in time. Dates are ISO strings, ranges inclusive.

    `since`/`until` bound which articles are searched; `prefer` is the window whose articles
    are ranked up (the days just before `as_of` for a question that names no date; a named
    event's day or month and the week of reports after it).
    """

    as_of: str
    since: str | None = None
    until: str | None = None
    phrase: str | None = None  # the words read as a date, e.g. "last week"
    prefer: tuple[str, str] | None = None
    timeline: bool = False  # the answer should read in date order
    # "before the ministerial": (relation, event) for the pipeline to date from the articles;
    # once dated, `anchor` says where the date came from.
    event: tuple[str, str] | None = None
    anchor: str | None = None

    @property
    def dated(self) -> bool:
        """The question named a date (rather than only being asked at `as_of`)."""
        return self.phrase is not None

    @property
    def recency(self) -> bool:
        """No date named: the days just before `as_of` are preferred."""
        return not self.dated and self.prefer is not None

    def describe(self) -> str:
        """One line for the answer's sources panel and JSON."""
        if self.recency:
            return f"preferring articles published shortly before {self.as_of}"
        if not self.dated:
            return f"searching articles published up to {self.as_of}"
        span = f"from {self.since} to {self.until}" if self.since else f"up to {self.until}"
        line = f"searching articles {span}"
        if self.prefer:
            line += f", first those from {self.prefer[0]} to {self.prefer[1]}"
        return f"{line} (read from \u201c{self.phrase}\u201d{self.anchor or ''})"

    def to_json(self) -> dict:
        return {"as_of": self.as_of, "since": self.since, "until": self.until,
                "phrase": self.phrase, "prefer": list(self.prefer) if self.prefer else None,
                "recency": self.recency, "timeline": self.timeline, "note": self.describe()}

    def anchored(self, day: date, title: str, published: str | None) -> TimeScope:
        """This scope with its event dated: `day`, as the article `title` reports it."""
        relation, event = self.event or ("", "")
        as_of = date.fromisoformat(self.as_of)
        if day > as_of and relation not in _BEFORE_WORDS:  # not happened yet: nothing after it
            return replace(self, event=None)
        if relation in _BEFORE_WORDS:
            since, until = None, min(day, as_of)  # reports from the day itself look ahead
        else:
            since, until = day, as_of
        return replace(self, since=since and since.isoformat(), until=until.isoformat(),
                       phrase=f"{relation} the {event}", prefer=None, event=None,
                       anchor=f": {day.isoformat()}, per \u201c{title}\u201d"
                              f" ({published or 'undated'})")


def event_date(text: str, event: str, published: str | None) -> date | None:
    """The date a passage gives for an event it names ("the Ministerial scheduled for
    February 4"), read relative to the article's own date; None if it gives none."""
    words = content_terms([event])[0]
    base = date.fromisoformat(published) if published else date.today()
    for s, e in split_sentences(text):
        sentence = text[s:e]
        if words and words <= content_terms([sentence])[0]:
            found = _find(sentence, base, future=True)
            if found and (found.since or found.until):
                return found.since or found.until
    return None


@dataclass(frozen=True)
class _Found:
    phrase: str
    since: date | None
    until: date | None
    prefer: tuple[date, date] | None = None


def interpret(question: str, as_of: date | None = None, read_dates: bool = True) -> TimeScope:
    """The question's time scope. `read_dates=False` ignores date words (the user's undo)."""
    return _interpret(question, as_of or date.today(), read_dates)


@lru_cache(maxsize=4096)  # dateparser's search takes milliseconds; benchmarks ask again
def _interpret(question: str, as_of: date, read_dates: bool) -> TimeScope:
    day = as_of.isoformat()
    timeline = bool(_TIMELINE.search(question))
    found = _find(question, as_of) if read_dates else None
    if found is None:
        named = _EVENT.search(question) if read_dates else None
        event = (named["relation"].lower(), named["event"]) if named and \
            named["event"].lower() not in _NOT_EVENTS and len(named["event"]) > 2 else None
        return TimeScope(day, until=day, prefer=None if timeline else (day, day),
                         timeline=timeline, event=event)
    until = min(found.until, as_of) if found.until else as_of
    prefer = found.prefer and (found.prefer[0].isoformat(),
                               min(found.prefer[1], as_of).isoformat())
    return TimeScope(day, found.since.isoformat() if found.since else None, until.isoformat(),
                     found.phrase, prefer, timeline)


def _find(question: str, as_of: date, future: bool = False) -> _Found | None:
    """The question's date expression: the first one, or a range "between/from X and/to Y"
    when two follow each other that way.

    Words relative to now ("last week", "yesterday", "this year", "the past 3 days") bound the
    search. A named day, month or year is usually when the event happened: articles from
    before it cannot report it, so it bounds the search from below, and its reports (that day
    or month and the week after) are preferred, while a later article looking back on it can
    still be found. `future`: also dates after `as_of` (an article announcing an event).
    """
    from dateparser.search import search_dates

    base = datetime(as_of.year, as_of.month, as_of.day)
    dates = []  # (start in question, end in question, phrase, first day, last day)
    for raw, _ in search_dates(question, languages=["en"], settings=_settings(base, future)) or []:
        phrase = _TRAILING.sub("", raw.strip())
        while _LEADING.match(phrase):
            phrase = _LEADING.sub("", phrase, count=1)
        at = question.find(raw) + raw.find(phrase)
        last_n = _DURATION.fullmatch(phrase) and re.search(r"\b(last|past)\s+$", question[:at])
        if not (_DATE_WORD.search(phrase) or last_n):
            continue
        phrase, day, period = _read(question, at, phrase, base, future)
        if day is None:
            continue
        if _WEEKDAY.fullmatch(phrase):  # "Thursday", asked on a Thursday, is that day
            day = as_of - timedelta(days=(as_of.weekday() - day.weekday()) % 7)
        start, end = _period(day, period, as_of)
        if start > as_of and not future:  # a plan ("next month"): not when articles appeared
            continue
        dates.append((at, at + len(phrase), phrase, start, end))
    if not dates:
        return None
    at, end_at, phrase, start, end = dates[0]
    before = question[:at]
    if len(dates) > 1 and _BETWEEN.search(before) and \
            re.fullmatch(r"\s*(and|to|until|-|\u2013)\s*", question[end_at:dates[1][0]]):
        phrase, end = question[at:dates[1][1]], dates[1][4]
    elif _SINCE.search(before) or re.search(r"\bago\b", phrase):
        return _Found(phrase, start, None)
    elif _BEFORE.search(before):
        return _Found(phrase, None, start - timedelta(days=1))
    elif _UNTIL.search(before):
        return _Found(phrase, None, end)
    if _RELATIVE.search(phrase):
        return _Found(phrase, start, end)
    return _Found(phrase, start, None, (start, end + timedelta(days=REPORT_LAG_DAYS)))


def _read(question: str, at: int, phrase: str, base: datetime, future: bool
          ) -> tuple[str, date | None, str]:
    """Parse the phrase, extended by up to two following words when that reads a finer date:
    dateparser's search stops at "February" in "before February 10"."""
    best = phrase, *_parse(phrase, base, future)
    for n in (1, 2):
        more = re.match(rf"(\s*[^\s?!,;:]+){{{n}}}", question[at + len(phrase):])
        if not more:
            break
        longer = phrase + more.group(0)
        day, period = _parse(longer, base, future)
        if day is not None and _FINER.get(period, 9) < _FINER.get(best[2], 9):
            best = longer, day, period
    return best


_FINER = {"day": 0, "week": 1, "month": 2, "year": 3}


def _parse(text: str, base: datetime, future: bool) -> tuple[date | None, str]:
    data = _parser(base, future).get_date_data(text)
    return (data.date_obj.date() if data.date_obj else None), data.period or "day"


def _period(day: date, period: str, as_of: date) -> tuple[date, date]:
    """The whole day, week, month or year a parsed date stands for. "This week" is the seven
    days up to the as-of date (news written on Monday calls last Friday "this week")."""
    if period == "week":
        if as_of - day < timedelta(days=7) and day <= as_of:
            return as_of - timedelta(days=6), as_of
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if period == "month":
        first = day.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if period == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    return day, day


def _settings(base: datetime, future: bool) -> dict:
    """Questions look back ("March" is the last March); an article names coming events too."""
    return {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "current_period" if future else "past",
            "RETURN_AS_TIMEZONE_AWARE": False}


@cache
def _parser(base: datetime, future: bool):
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings=_settings(base, future))
