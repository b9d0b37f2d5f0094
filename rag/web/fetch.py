"""HTTP for pages and feeds: bounded (time, size, redirects), polite per host, robots.txt honoured.

Every failure is a FetchError naming the URL and saying what went wrong in words a user can act
on; nothing here retries or gives up on other URLs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from rag.settings import Settings
from rag.web import WebError

USER_AGENT = "rag-news/0.1 (offline news question answering; feed reader)"
MAX_REDIRECTS = 5
MAX_CRAWL_DELAY = 30.0  # a robots.txt asking for more is given this


class FetchError(WebError):
    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url, self.reason = url, reason


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int  # 200, or 304 when the validators sent still hold
    content_type: str  # "text/html", without parameters
    body: bytes
    etag: str | None = None
    last_modified: str | None = None


class _Host:
    """One host's politeness: at most `per_host` requests at once, starts `delay` s apart."""

    def __init__(self, per_host: int, delay: float):
        self.slots = threading.Semaphore(per_host)
        self.lock = threading.Lock()
        self.delay, self.next = delay, 0.0


class Fetcher:
    """Thread-safe: feeds and pages are fetched from a pool, hosts kept apart by `_Host`."""

    def __init__(self, settings: Settings):
        self.timeout = settings.fetch_timeout
        self.max_bytes = int(settings.fetch_max_mb * 1024 * 1024)
        self.per_host, self.delay = max(1, settings.fetch_per_host), settings.fetch_delay
        self.client = httpx.Client(timeout=self.timeout, follow_redirects=True,
                                   max_redirects=MAX_REDIRECTS,
                                   headers={"User-Agent": USER_AGENT})
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, RobotFileParser | str] = {}  # str: why nothing may be fetched
        self._lock = threading.Lock()
        self._reading_robots = threading.Lock()  # one read of each robots.txt
        self.requests = 0

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None,
            robots: bool = True) -> Response:
        """GET `url`, conditionally when validators are given. `robots`: refuse what the
        site's robots.txt disallows (feeds are read as a feed reader does, without it)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise FetchError(url, "not an http(s) URL")
        if robots:
            self._check_robots(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        with self._slot(url):
            return self._get(url, headers)

    def _get(self, url: str, headers: dict[str, str]) -> Response:
        started = time.monotonic()
        with self._lock:
            self.requests += 1
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code == 304:
                    return Response(str(r.url), 304, "", b"", r.headers.get("etag"),
                                    r.headers.get("last-modified"))
                if r.status_code >= 400:
                    raise FetchError(url, f"HTTP {r.status_code} {r.reason_phrase}".strip())
                size = int(r.headers.get("content-length") or 0)
                if size > self.max_bytes:
                    raise FetchError(url, self._too_big(size))
                body = bytearray()
                for part in r.iter_bytes():
                    body += part
                    if len(body) > self.max_bytes:
                        raise FetchError(url, self._too_big(None))
                    if time.monotonic() - started > self.timeout:
                        raise httpx.ReadTimeout("too slow")
                ctype = r.headers.get("content-type", "").split(";")[0].strip().lower()
                return Response(str(r.url), r.status_code, ctype, bytes(body),
                                r.headers.get("etag"), r.headers.get("last-modified"))
        except httpx.TooManyRedirects:
            raise FetchError(url, f"more than {MAX_REDIRECTS} redirects (a redirect loop?)"
                             ) from None
        except httpx.TimeoutException:
            raise FetchError(url, f"no complete answer within {self.timeout:g} s (timeout)"
                             ) from None
        except httpx.HTTPError as e:
            raise FetchError(url, f"cannot fetch ({type(e).__name__}: {e})") from None

    def _too_big(self, size: int | None) -> str:
        limit = self.max_bytes / 1024 / 1024
        what = f"{size / 1024 / 1024:.1f} MB" if size else "larger than that"
        return f"the page is {what}, over the {limit:g} MB limit (RAG_FETCH_MAX_MB)"

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        with self._reading_robots:
            rules = self._robots.get(site)
            if rules is None:
                rules = self._robots[site] = self._read_robots(site)
        if isinstance(rules, str):
            raise FetchError(url, rules)
        if not rules.can_fetch(USER_AGENT, url):
            raise FetchError(url, "the site's robots.txt disallows fetching it")

    def _read_robots(self, site: str) -> RobotFileParser | str:
        """The site's rules. Missing (4xx): everything is allowed; unreachable (5xx, network):
        nothing is, as RFC 9309 asks."""
        rules = RobotFileParser(f"{site}/robots.txt")
        try:
            with self._slot(site):
                r = self._get(f"{site}/robots.txt", {})
            rules.parse(r.body.decode("utf-8", "replace").splitlines())
        except FetchError as e:
            if e.reason.startswith("HTTP 4"):
                rules.parse([])
            else:
                return f"its robots.txt could not be read ({e.reason}), so nothing on " \
                       f"{site} is fetched"
        delay = rules.crawl_delay(USER_AGENT)
        if delay:
            self._host(site).delay = max(self.delay, min(float(delay), MAX_CRAWL_DELAY))
        return rules

    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
        with self._lock:
            host = self._hosts.get(key)
            if host is None:
                host = self._hosts[key] = _Host(self.per_host, self.delay)
            return host

    @contextmanager
    def _slot(self, url: str) -> Iterator[None]:
        host = self._host(url)
        with host.slots:
            with host.lock:
                now = time.monotonic()
                wait = host.next - now
                host.next = max(host.next, now) + host.delay
            if wait > 0:
                time.sleep(wait)
            yield
