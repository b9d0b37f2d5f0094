"""Question + as-of date -> TimeScope: the dates a question means, read with dateparser.

News questions are about time ("what did India sign last week?"). dateparser finds and reads
the date words; this module only decides what they mean for a search: the days an event
happened, whose reports (then and in the week after) are searched and preferred ("last week",
"yesterday", "on February 2", "in June"), an open end ("since January", "before February 10"),
an event the articles date ("before the ministerial", resolved by the pipeline with
`event_date`), or, with no date words at all, a preference for recent articles. The as-of date
bounds every range: an article published after it is never searched.

Articles use the same words relative to their own date ("last week", "on Tuesday"):
`relative_dates` says which days they meant, for quotes read long after.
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
# A month or a year: a date that reads the same whenever it was written.
_NAMED = re.compile(rf"\b({_MONTHS})\b\.?|\b(?-i:May)\b|\b(19|20)\d\d\b", re.IGNORECASE)
_DATE_WORD = re.compile(
    rf"{_NAMED.pattern}|{_WEEKDAY.pattern}|\b(today|yesterday|tonight|tomorrow)\b|"
    r"\b(this|last|next|past|previous)\s+(week|weekend|month|year)\b|\bago\b", re.IGNORECASE)
# "3 days", "two weeks": a date only after "last"/"past" ("in the last 3 days").
_DURATION = re.compile(r"(a|an|one|two|three|four|five|six|seven|eight|nine|ten|few|several|"
                       r"\d+)[\s-]+(day|week|month|year)s?", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(today|yesterday|tonight|week|weekend|month|year|ago)\b",
                       re.IGNORECASE)
# Words speaking of what is to come: a bare weekday after them in its clause is the next one
# ("will meet on Tuesday"), not the last one ("said on Tuesday").
_FUTURE = re.compile(r"\b(will|shall|would|going to|set to|(is|are) (to|due)|expected|scheduled|"
                     r"planned|plans?|to be|upcoming)\b|'ll\b", re.IGNORECASE)
_CLAUSE = re.compile(r"[^.!?;:,()\u2014]*$")
# dateparser's search misses a date before a comma ("last month, he said"; dateparser issue
# 391), but not before a semicolon, as long: the text is searched with those commas replaced,
# except within a date ("Tuesday, February 24, 2026").
_COMMA = re.compile(rf",(?!\s*(\d|({_MONTHS}|may)\b))", re.IGNORECASE)
# It also reads "3 days and last week" as one date (3 days before last week): two dates here.
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
# Reports of an event keep coming for about a week after it.
REPORT_LAG_DAYS = 7
_SINCE = re.compile(r"\b(since|after|from|starting)\s+(the\s+)?$|\b(last|past)\s+$", re.IGNORECASE)
_BEFORE = re.compile(r"\b(before|prior\s+to)\s+(the\s+)?$", re.IGNORECASE)
_UNTIL = re.compile(r"\b(until|till|by|up\s+to)\s+(the\s+)?$", re.IGNORECASE)
_BETWEEN = re.compile(r"\b(between|from)\s+(the\s+)?$", re.IGNORECASE)
_LEADING = re.compile(r"^(in|on|during|of|from|about|the|since|after|before|until|by|at|and)\s+",
                      re.IGNORECASE)
# "before the ministerial", "after the summit": an event the articles may date.
_BEFORE_WORDS = ("before", "ahead of", "prior to")
_EVENT = re.compile(r"\b(?P<relation>before|ahead of|prior to|after|since|following)\s+the\s+"
                    r"(?P<event>[A-Za-z][\w'-]*(?:\s+(?-i:[A-Z])[\w'-]*)*)", re.IGNORECASE)
_NOT_EVENTS = {"beginning", "start", "end", "first", "last", "middle", "rest", "time", "day",
               "week", "month", "year", "past", "news", "article", "articles"}
_TRAILING = re.compile(r"(\s+(on|in|of|after|at|for|to|a|the|and))+$", re.IGNORECASE)
# "What happened over time" questions: the answer is a sequence, so it is ordered by date.
_TIMELINE = re.compile(
    r"\b(timeline|over time|so far|history of|how (has|have|did) .+ (changed?|evolved?|developed?"
    r"|progress(ed)?)|what happened (after|since|before|next)|developments|sequence of|"
    r"chronolog\w*|step by step)\b", re.IGNORECASE)


def readable_time(iso: str) -> str:
    """A stored time ('2026-11-23T17:36:05Z', from an index or a fetch) to the minute:
    '2026-11-23 17:36'."""
    return iso[:16].replace("T", " ")


def readable_day(iso: str) -> str:
    """'2026-02-24' -> '24 Feb 2026': unambiguous to a reader anywhere."""
    d = date.fromisoformat(iso)
    return f"{d.day} {d:%b %Y}"


@dataclass(frozen=True)
class TimeScope:
    """How a question is placed in time. Dates are ISO strings, ranges inclusive.

    `since`/`until` bound which articles are searched; `prefer` is the window whose articles
    are ranked up (the days just before `as_of` for a question that names no date; the days of
    the event the question dates and the week of reports after it).
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
    # the days `phrase` dates the event to ("last week": its Monday to Sunday), which the
    # searched articles may report a few days later
    event_days: tuple[str, str] | None = None
    # Set when no article in the dates read from `widened` answered and every date up to
    # as-of was searched instead.
    widened: str | None = None

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
        if self.widened:
            return (f"no article from the dates read in \u201c{self.widened}\u201d answered, "
                    f"so articles of every date up to {self.as_of} were searched")
        if self.recency:
            return f"searching articles up to {readable_day(self.as_of)}, newest first"
        if not self.dated:
            return f"searching articles published up to {self.as_of}"
        span = f"from {self.since} to {self.until}" if self.since else f"up to {self.until}"
        line = f"searching articles {span}"
        if self.prefer and self.prefer != (self.since, self.until):
            line += f", first those from {self.prefer[0]} to {self.prefer[1]}"
        read = f"read from \u201c{self.phrase}\u201d{self.anchor or ''}"
        if self.event_days:
            first, last = self.event_days
            read = f"events of {first if first == last else f'{first} to {last}'}, {read}, " \
                   "and their reports"
        return f"{line} ({read})"

    def to_json(self) -> dict:
        return {"as_of": self.as_of, "since": self.since, "until": self.until,
                "phrase": self.phrase, "prefer": list(self.prefer) if self.prefer else None,
                "recency": self.recency, "timeline": self.timeline, "note": self.describe()}

    def widen(self) -> TimeScope:
        """The question asked again with its date words ignored, as-of kept."""
        return replace(interpret("", date.fromisoformat(self.as_of), read_dates=False),
                       timeline=self.timeline, widened=self.phrase)

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
class RelativeDate:
    """A date expression in a text, as written at `start:end`, and the days `first` to `last`
    (inclusive) it stood for on the day the text was written."""

    phrase: str
    start: int
    end: int
    first: date
    last: date

    def note(self) -> str:
        """The phrase and its days ("last week = 16\u201322 Feb 2026"), to set beside a quote
        that is read long after it was written."""
        a, b = self.first, self.last
        if a == b:
            days = f"{a:%a} {a.day} {a:%b %Y}" if _WEEKDAY.search(self.phrase) else \
                f"{a.day} {a:%b %Y}"
        elif a == date(a.year, 1, 1) and b == date(a.year, 12, 31):
            days = str(a.year)
        elif a.day == 1 and (b + timedelta(days=1)).day == 1 and (a.year, a.month) == (
                b.year, b.month):
            days = f"{a:%B %Y}"
        elif (a.year, a.month) == (b.year, b.month):
            days = f"{a.day}\u2013{b.day} {b:%b %Y}"
        elif a.year == b.year:
            days = f"{a.day} {a:%b} \u2013 {b.day} {b:%b %Y}"
        else:
            days = f"{a.day} {a:%b %Y} \u2013 {b.day} {b:%b %Y}"
        return f"{self.phrase} = {days}"


def relative_dates(text: str, published: str | None) -> list[RelativeDate]:
    """The date words of an article sentence that count from the article's own date ("last
    week", "yesterday", "on Tuesday"), with the days they meant: quoted months later, they
    would mislead. Dates naming a month or year read the same any day and are left out; so
    are all of them when the article is undated. A bare weekday is the last one up to the
    publication day, or the next one from it when its clause speaks of the future ("expected
    to be granted on Tuesday")."""
    if not published:
        return []
    return [d for d in _dates(text, date.fromisoformat(published), future=True)
            if not _NAMED.search(d.phrase)]


@dataclass(frozen=True)
class _Found:
    phrase: str
    since: date | None
    until: date | None
    event_days: tuple[date, date] | None = None  # the days the words date the event to


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
    prefer = days = None
    if found.event_days:
        first, last = found.event_days
        days = first.isoformat(), min(last, as_of).isoformat()
        prefer = first.isoformat(), min(last + timedelta(days=REPORT_LAG_DAYS), as_of).isoformat()
    return TimeScope(day, found.since.isoformat() if found.since else None, until.isoformat(),
                     found.phrase, prefer, timeline, event_days=days)


def _find(question: str, as_of: date, future: bool = False) -> _Found | None:
    """The question's date expression: the first one, or a range "between/from X and/to Y"
    when two follow each other that way.

    Most date words say when the event happened, whether relative to now ("last week",
    "yesterday", "this year") or named ("on February 2", "in June"): articles from before
    those days cannot report it, and its reports come then and in the `REPORT_LAG_DAYS`
    after, so those are preferred. After relative words the search ends there too, the
    question being about that time; after a named date, a later article looking back on it
    can still be found. An open end ("since January", "the past 3 days", "before February
    10") only bounds the search. `future`: also dates after `as_of` (an article announcing an
    event).
    """
    dates = _dates(question, as_of, future)
    if not dates:
        return None
    first = dates[0]
    phrase, start, end = first.phrase, first.first, first.last
    before = question[:first.start]
    if len(dates) > 1 and _BETWEEN.search(before) and \
            re.fullmatch(r"\s*(and|to|until|-|\u2013)\s*", question[first.end:dates[1].start]):
        phrase, end = question[first.start:dates[1].end], dates[1].last
    elif _SINCE.search(before) or re.search(r"\bago\b", phrase):
        return _Found(phrase, start, None)
    elif _BEFORE.search(before):
        return _Found(phrase, None, start - timedelta(days=1))
    elif _UNTIL.search(before):
        return _Found(phrase, None, end)
    if _RELATIVE.search(phrase):
        return _Found(phrase, start, end + timedelta(days=REPORT_LAG_DAYS), (start, end))
    return _Found(phrase, start, None, (start, end))


def _dates(text: str, as_of: date, future: bool) -> list[RelativeDate]:
    """Every date expression in `text` (a question or a sentence), read as of `as_of`.

    A bare weekday is the last one up to `as_of` ("Thursday", asked on a Thursday, is that
    day) or, with `future` and a clause that speaks of what is to come, the next one from it.
    Without `future`, dates after `as_of` are plans ("next month"), not dates of articles.
    """
    from dateparser.search import search_dates

    base = datetime(as_of.year, as_of.month, as_of.day)
    searchable = _COMMA.sub(";", text)
    dates, searched = [], 0
    found = search_dates(searchable, languages=["en"], settings=_settings(base, future)) or []
    for raw in (part for whole, _ in found for part in _AND.split(whole)):
        phrase = _TRAILING.sub("", raw.strip())
        while _LEADING.match(phrase):
            phrase = _LEADING.sub("", phrase, count=1)
        at = searchable.find(raw, searched)  # matches come in order; a phrase may come twice
        if at < 0:
            continue
        searched = at + len(raw)
        at += raw.find(phrase)
        phrase = text[at:at + len(phrase)]
        last_n = _DURATION.fullmatch(phrase) and re.search(r"\b(last|past)\s+$", text[:at])
        if not (_DATE_WORD.search(phrase) or last_n):
            continue
        phrase, day, period = _read(text, at, phrase, base, future)
        if day is None:
            continue
        if _WEEKDAY.fullmatch(phrase):
            back = (as_of.weekday() - day.weekday()) % 7
            ahead = future and _FUTURE.search(_CLAUSE.search(text[:at]).group())
            day = as_of + timedelta(days=(-back) % 7) if ahead else as_of - timedelta(days=back)
        start, end = (day, as_of) if last_n else _period(day, period, as_of)
        if start > as_of and not future:
            continue
        dates.append(RelativeDate(phrase, at, at + len(phrase), start, end))
    return dates


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
