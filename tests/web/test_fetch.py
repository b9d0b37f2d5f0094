"""Politeness towards one host, as the server sees it: requests at most `fetch_per_host` at
once, started at least `fetch_delay` apart, or as far apart as robots.txt's Crawl-delay asks.
(Lower bounds only: a slow machine can make the gaps longer, never shorter.)"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from itertools import pairwise

from eval.site import Route
from rag.web.fetch import Fetcher


def _gaps(site, prefix: str) -> list[float]:
    times = [t for path, t in site.arrivals if path.startswith(prefix)]
    return [b - a for a, b in pairwise(times)]


def test_requests_to_one_host_are_spaced_by_the_delay(site, settings):
    urls = [site.page(f"/p{i}.html", f"Page {i}", ["Text."]) for i in range(4)]
    fetcher = Fetcher(replace(settings, fetch_delay=0.4, fetch_per_host=2))
    with ThreadPoolExecutor(4) as pool:
        pages = list(pool.map(fetcher.get, urls))
    assert [p.status for p in pages] == [200] * 4
    assert len(_gaps(site, "/p")) == 3 and min(_gaps(site, "/p")) >= 0.39


def test_at_most_per_host_requests_at_once(site, settings):
    urls = [site.page(f"/p{i}.html", f"Page {i}", ["Text."]) for i in range(4)]
    for i in range(4):
        site.routes[f"/p{i}.html"].delay = 0.5
    fetcher = Fetcher(replace(settings, fetch_delay=0.0, fetch_per_host=2))
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(fetcher.get, urls))
    times = sorted(t for path, t in site.arrivals if path.startswith("/p"))
    assert times[2] - times[0] >= 0.49  # the third waited for one of the first two to end


def test_a_crawl_delay_in_robots_txt_wins(site, settings):
    site.routes["/robots.txt"] = Route(b"User-agent: *\nCrawl-delay: 1\n", "text/plain")
    urls = [site.page(f"/p{i}.html", f"Page {i}", ["Text."]) for i in range(3)]
    fetcher = Fetcher(replace(settings, fetch_delay=0.0))
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(fetcher.get, urls))
    assert min(_gaps(site, "/p")) >= 0.99
