"""RSS 0.9x/1.0/2.0 and Atom documents -> entries, with feedparser (no network: bytes in)."""

from __future__ import annotations

import calendar
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import feedparser
import lxml.html

from rag.web import WebError


class FeedError(WebError):
    """The document is not a feed that can be read."""


@dataclass(frozen=True)
class Entry:
    id: str  # guid / Atom id, else the link: what "seen before" is keyed on
    link: str | None
    title: str
    published: str | None  # ISO date (UTC)
    author: str | None
    text: str  # the entry's own content, else its summary, as plain text
    fingerprint: str  # of the entry as listed: when it changes, the article is fetched again


@dataclass(frozen=True)
class Parsed:
    title: str | None
    entries: list[Entry]
    problem: str | None = None  # the document was not well-formed, but entries were read


def parse_feed(body: bytes) -> Parsed:
    doc = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=True)
    problem = str(doc.get("bozo_exception") or "") if doc.get("bozo") else None
    entries = [e for e in map(_entry, doc.entries) if e is not None]
    if not entries and (problem or not doc.get("version")):
        raise FeedError(f"not a readable RSS or Atom feed ({problem or 'no feed elements'})")
    return Parsed(doc.feed.get("title") or None, entries, problem)


def _entry(e: feedparser.FeedParserDict) -> Entry | None:
    link = e.get("link") or None
    key = e.get("id") or e.get("guid") or link
    if not key:
        return None  # nothing to know it by again: it would be new at every refresh
    content = (e.get("content") or [{}])[0].get("value") or e.get("summary") or ""
    # dict.get: FeedParserDict maps a missing "updated" to "published", with a warning
    when = e.get("published_parsed") or dict.get(e, "updated_parsed")
    published = (datetime.fromtimestamp(calendar.timegm(when), UTC).date().isoformat()
                 if when else None)
    title = " ".join((e.get("title") or "").split())
    listed = [key, link, title, dict.get(e, "updated") or e.get("published"), content]
    return Entry(key, link, title, published, e.get("author") or None, _plain(content),
                 hashlib.sha256(json.dumps(listed).encode()).hexdigest()[:32])


def _plain(markup: str) -> str:
    if "<" not in markup:
        return markup.strip()
    text = lxml.html.fromstring(f"<div>{markup}</div>").text_content()
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
