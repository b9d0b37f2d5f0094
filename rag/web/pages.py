"""A fetched page -> an Article whose id is the page's canonical URL.

The same page reached by two links (tracking parameters, a redirect, a canonical link) is one
article, so adding it again replaces it rather than adding a copy.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rag.loading import BadFile, html_article, parse
from rag.types import Article
from rag.web.fetch import Response

HTML = ("text/html", "application/xhtml+xml")
READERS = {"application/pdf": ".pdf", "text/plain": ".txt", "text/markdown": ".md"}
_TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")


def now() -> str:
    """A fetch time as stored with an article: ISO, UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical(url: str) -> str:
    """The URL an article is known by: no fragment, no tracking parameters, lower-case host."""
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not k.lower().startswith(_TRACKING)])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def page_article(page: Response, fetched: str) -> Article:
    """The article on `page`. BadFile when it holds none (its type, or no main text)."""
    url = canonical(page.url)
    if page.content_type in HTML or (not page.content_type and page.body.lstrip()[:1] == b"<"):
        article, named = html_article(page.body, url, url, url=page.url)
        # A page may name its canonical URL, but only on its own site: otherwise any page
        # could replace another site's article.
        if named and _site(named) == _site(page.url):
            url = canonical(named)
        return replace(article, id=url, source=url, fetched=fetched)
    suffix = READERS.get(page.content_type)
    if suffix is None:
        raise BadFile(f"not an article page: its content type is {page.content_type or 'unset'} "
                      "(HTML, PDF or plain text can be indexed)")
    return replace(parse(page.body, suffix, url, url)[0], fetched=fetched)


def checked_date(day: str | None, fetched: str) -> tuple[str | None, str | None]:
    """A publication date, and a warning if it lies after the day it was fetched (a day's slack
    for time zones): such a date is not believed, and the fetch day is used instead, or the
    article would stay hidden from every question until that day."""
    if day is None:
        return None, None
    seen = date.fromisoformat(fetched[:10])
    if date.fromisoformat(day) <= seen + timedelta(days=1):
        return day, None
    return seen.isoformat(), (f"dated {day}, after it was fetched; indexed as published on "
                              f"{seen.isoformat()}")


def _site(url: str) -> str:
    host = urlsplit(url).netloc.lower()
    return host.removeprefix("www.")
