"""A real HTTP server on loopback serving feeds and article pages, which a test (tests/web/) or a
benchmark (eval/bench_feeds.py) edits as it goes.

Each route answers as a web server would: ETag and Last-Modified, 304 to a conditional GET
that still holds, redirects, errors and slow answers. Every request is logged.
"""

from __future__ import annotations

import hashlib
import html
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LAST_MODIFIED = format_datetime(datetime(2026, 11, 20, 8, 0, tzinfo=UTC), usegmt=True)


@dataclass
class Route:
    body: bytes = b""
    type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    validators: bool = True  # send ETag / Last-Modified, and answer 304 when they match


class Site:
    def __init__(self, host: str = "127.0.0.1") -> None:
        """`host`: any 127.x.y.z address, so a benchmark can stand in for several sites."""
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, int]] = []  # (path, status) of every request
        self.arrivals: list[tuple[str, float]] = []  # (path, time.monotonic()) as each arrives
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.arrivals.append((self.path, time.monotonic()))
                route = site.routes.get(self.path.split("?")[0])
                if route is None:
                    return self._answer(404, b"not found", "text/plain", {})
                time.sleep(route.delay)
                headers = dict(route.headers)
                if route.validators and route.status == 200:
                    etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
                    headers |= {"ETag": etag, "Last-Modified": LAST_MODIFIED}
                    if self.headers.get("If-None-Match") == etag:
                        return self._answer(304, b"", None, headers)
                self._answer(route.status, route.body, route.type, headers)

            def _answer(self, status: int, body: bytes, ctype: str | None,
                        headers: dict[str, str]) -> None:
                site.log.append((self.path, status))
                try:
                    self.send_response(status)
                    if ctype:
                        self.send_header("Content-Type", ctype)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to tell

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def requests(self, path: str | None = None) -> int:
        return sum(1 for p, _ in self.log if path is None or p.split("?")[0] == path)

    # -- content ----------------------------------------------------------------------------
    def page(self, path: str, title: str, paragraphs: list[str], published: str | None = None,
             site_name: str = "Example News", author: str = "Staff Reporter") -> str:
        meta = f'<meta property="article:published_time" content="{published}">' \
            if published else ""
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        self.routes[path] = Route(
            f"""<!doctype html><html><head><title>{html.escape(title)}</title>{meta}
<meta property="og:site_name" content="{site_name}"><meta name="author" content="{author}">
<link rel="canonical" href="{self.url}{path}"></head><body><nav>Home | World | Sport</nav>
<article><h1>{html.escape(title)}</h1>{body}</article><footer>© Example</footer></body>
</html>""".encode())
        return self.url + path

    def rss(self, path: str, title: str, items: list[dict]) -> str:
        """items: {"title", "link", "guid"?, "date" (RFC 822)?, "summary"?}"""
        xml = "".join(
            f"<item><title>{html.escape(i['title'])}</title><link>{html.escape(i['link'])}"
            f"</link><guid>{html.escape(i.get('guid', i['link']))}</guid>"
            + (f"<pubDate>{i['date']}</pubDate>" if i.get("date") else "")
            + f"<description>{html.escape(i.get('summary', ''))}</description></item>"
            for i in items)
        self.routes[path] = Route(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>{html.escape(title)}'
            f"</title><link>{self.url}/</link><description>news</description>{xml}"
            "</channel></rss>".encode(), "application/rss+xml")
        return self.url + path

    def atom(self, path: str, title: str, entries: list[dict]) -> str:
        """entries: {"title", "link", "id", "updated" (ISO), "summary"?}"""
        xml = "".join(
            f"<entry><title>{html.escape(e['title'])}</title><id>{html.escape(e['id'])}</id>"
            f'<link href="{html.escape(e["link"])}"/><updated>{e["updated"]}</updated>'
            f"<summary>{html.escape(e.get('summary', ''))}</summary></entry>" for e in entries)
        self.routes[path] = Route(
            f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{html.escape(title)}</title><id>{self.url}{path}</id>"
            f"<updated>2026-11-20T08:00:00Z</updated>{xml}</feed>".encode(),
            "application/atom+xml")
        return self.url + path
