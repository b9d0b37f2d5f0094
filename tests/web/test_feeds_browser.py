"""The Feeds panel in a real headless Chromium against a real `rag serve`: follow a feed, refresh
after it gained an item, and get that item cited with its URL and publication date; then add a
page by its URL."""

from __future__ import annotations

import pytest

from ..conftest import serving
from ..ui.test_app_browser import SHOTS, ask, chromium_page, pytestmark  # noqa: F401
from .test_feeds import BARRIER, FERRY

WAIT = 90_000  # ms: following or refreshing a feed embeds its articles


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from eval.site import Site

    site = Site()
    # An empty index: following the first feed creates it, and the app picks it up.
    index = tmp_path_factory.mktemp("feeds-ui") / "index"
    with serving(index, tmp_path_factory.mktemp("logs") / "serve.log",
                 env={"RAG_FETCH_DELAY": "0"}) as url:
        yield site, url
    site.close()


def test_follow_refresh_and_ask_in_the_feeds_panel(app):
    from playwright.sync_api import expect

    site, url = app
    barrier = site.page("/news/barrier.html", "Norhaven approves tidal barrier", BARRIER,
                        "2026-11-20T09:00:00Z")
    feed = site.rss("/rss.xml", "Norhaven Daily", [
        {"title": "Norhaven approves tidal barrier", "link": barrier,
         "date": "Fri, 20 Nov 2026 09:00:00 GMT"}])
    with chromium_page(url) as page:
        page.locator("#feeds").get_by_text("Feeds").first.click()
        page.locator("#feed-url input, #feed-url textarea").first.fill(feed)
        page.locator("#feed-follow").click()
        expect(page.locator("#feed-log")).to_contain_text("Following norhaven-daily",
                                                          timeout=WAIT)
        expect(page.locator("#feed-log")).to_contain_text("1 new")
        expect(page.locator("#feed-table")).to_contain_text("norhaven-daily")

        ferry = site.page("/news/ferry.html", "Bluewake opens night ferry", FERRY)
        site.rss("/rss.xml", "Norhaven Daily", [
            {"title": "Bluewake opens night ferry", "link": ferry,
             "date": "Sat, 21 Nov 2026 07:30:00 GMT"},
            {"title": "Norhaven approves tidal barrier", "link": barrier,
             "date": "Fri, 20 Nov 2026 09:00:00 GMT"}])
        page.locator("#feed-refresh").click()
        expect(page.locator("#feed-log")).to_contain_text("1 new, 0 updated articles",
                                                          timeout=WAIT)
        expect(page.locator("#feed-table")).to_contain_text("1 new, 0 updated")
        expect(page.locator("#index-status")).to_contain_text("2 articles")

        ask(page, "Who is the chief executive of Bluewake?", 0)
        expect(page.locator("#chat")).to_contain_text("Tomas Vinter")
        card = page.locator("#sources .turn.active #src-0-1")
        expect(card).to_contain_text(ferry)
        expect(card).to_contain_text("2026-11-21")
        expect(card).to_contain_text("fetched")
        page.screenshot(path=SHOTS / "feeds.png", full_page=True)

        # An article page's URL pasted into "Add articles"
        mayor = site.page("/news/mayor.html", "Brandt re-elected", [
            "Ilse Brandt was re-elected mayor of Norhaven on Sunday with 61 percent of the vote."],
            "2026-11-22T18:00:00Z")
        page.get_by_text("Add articles").click()
        page.locator("#urls textarea").fill(mayor)
        page.locator("#fetch-urls").click()
        expect(page.locator("#index-log")).to_contain_text("1 new, 0 updated", timeout=WAIT)
        expect(page.locator("#index-status")).to_contain_text("3 articles")
