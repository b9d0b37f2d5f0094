"""Feeds against a real HTTP server on 127.0.0.1: new, unchanged, edited and broken feeds and
pages. Each failure must name the feed and the URL, and the rest must go on."""

from __future__ import annotations

import pytest

from eval.site import Route
from rag.store import Store
from rag.web.feeds import FeedError

from .conftest import ask

BARRIER = ["The city council of Norhaven approved a new tidal barrier on Monday.",
           "Mayor Ilse Brandt said construction of the barrier would begin in March 2027.",
           "Opponents argued the barrier would harm the estuary's seal colony."]
FERRY = ["The Norhaven ferry operator Bluewake announced a new night route to Kessel.",
         "Chief executive Tomas Vinter said the route would start on 1 December.",
         "Tickets will cost 19 euros for adults."]


def _articles(settings) -> list[dict]:
    store = Store.open(settings.index_dir, search=False)
    try:
        return store.filter()
    finally:
        store.close()


def test_new_item_appears_after_refresh_and_unchanged_feed_costs_one_request(
        site, reader, settings, counting):
    barrier = site.page("/news/barrier.html", "Norhaven approves tidal barrier", BARRIER,
                        "2026-11-20T09:00:00Z")
    items = [{"title": "Norhaven approves tidal barrier", "link": barrier + "?utm_source=rss",
              "date": "Fri, 20 Nov 2026 09:00:00 GMT", "summary": "A barrier is approved."}]
    feed = site.rss("/rss.xml", "Norhaven Daily", items)

    report = reader.follow(feed)
    assert [f.name for f in report.feeds] == ["norhaven-daily"]
    assert report.new == 1 and not report.errors
    [article] = _articles(settings)
    assert article["id"] == barrier  # the canonical URL, without the tracking parameter
    assert (article["date"], article["site"]) == ("2026-11-20", "Example News")
    assert article["fetched"] and article["fetched"] > "2026-11-20"

    ferry = site.page("/news/ferry.html", "Bluewake opens night ferry", FERRY)
    site.rss("/rss.xml", "Norhaven Daily", [
        {"title": "Bluewake opens night ferry to Kessel", "link": ferry,
         "date": "Sat, 21 Nov 2026 07:30:00 GMT", "summary": "A new route."}, *items])
    before = counting.calls
    report = reader.refresh()
    assert (report.new, report.changed) == (1, 0)
    assert report.feeds[0].new == 1 and report.feeds[0].seen == 2
    assert site.requests("/news/barrier.html") == 1  # the entry seen before is not fetched
    embedded = counting.calls - before
    assert 0 < embedded <= 2  # the ferry article's passages only

    answer = ask(settings, counting, "Who is the chief executive of Bluewake?")
    assert "Tomas Vinter" in answer.text
    cited = answer.citations[0].passage
    assert (cited.source, cited.date, cited.site) == (ferry, "2026-11-21", "Example News")
    assert cited.fetched

    requests, calls = site.requests(), counting.calls
    report = reader.refresh()
    assert report.unchanged == ["norhaven-daily"] and report.new == 0
    assert site.requests() - requests == 1 and site.log[-1] == ("/rss.xml", 304)
    assert counting.calls == calls  # nothing embedded
    assert len(_articles(settings)) == 2


def test_edited_article_is_reindexed_in_place(site, reader, settings):
    url = site.page("/a/ferry.html", "Bluewake opens night ferry", FERRY, "2026-11-21T07:00:00Z")
    entry = {"title": "Bluewake opens night ferry", "link": url, "id": "tag:example,1",
             "updated": "2026-11-21T07:00:00Z"}
    feed = site.atom("/atom.xml", "Harbour Atom", [entry])
    reader.follow(feed, name="harbour")

    site.page("/a/ferry.html", "Bluewake opens night ferry",
              [*FERRY[:2], "Tickets will cost 24 euros for adults after a fuel surcharge."],
              "2026-11-21T07:00:00Z")
    site.atom("/atom.xml", "Harbour Atom", [entry | {"updated": "2026-11-22T10:00:00Z"}])
    report = reader.refresh()
    assert (report.new, report.changed) == (0, 1)
    assert report.feeds[0].changed == 1
    assert len(_articles(settings)) == 1  # replaced, not duplicated
    answer = ask(settings, reader.indexer.embedder, "How much will a Bluewake ticket cost?")
    assert "24 euros" in " ".join(p.chunk.text for p in answer.retrieved)
    assert "19 euros" not in " ".join(p.chunk.text for p in answer.retrieved)


def test_malformed_feed_is_named_and_other_feeds_go_on(site, reader, settings):
    good = site.rss("/good.xml", "Good", [
        {"title": "Bluewake opens night ferry", "link": site.page("/f.html", "Ferry", FERRY)}])
    bad = site.rss("/bad.xml", "Bad", [
        {"title": "Norhaven approves tidal barrier",
         "link": site.page("/b.html", "Barrier", BARRIER)}])
    reader.follow(good, name="good")
    reader.follow(bad, name="bad")
    site.routes["/bad.xml"] = Route(b"<?xml version='1.0'?><rss><channel><title>Bad</title>"
                                    b"<item><title>Oops</ti", "application/rss+xml")
    site.rss("/good.xml", "Good", [
        {"title": "Norhaven mayor re-elected", "link": site.page("/m.html", "Mayor", [
            "Ilse Brandt was re-elected mayor of Norhaven on Sunday with 61 percent."])},
        {"title": "Bluewake opens night ferry", "link": site.url + "/f.html"}])

    report = reader.refresh()
    [error] = report.errors
    assert error.startswith(f"feed bad: {bad}: not a readable RSS or Atom feed")
    assert report.new == 1  # the good feed went on
    feeds = {f.name: f for f in reader.feeds()}
    assert feeds["bad"].error and "not a readable RSS or Atom feed" in feeds["bad"].error
    assert feeds["good"].error is None and feeds["good"].new == 1
    assert len(_articles(settings)) == 3  # the bad feed's earlier article is still there

    with pytest.raises(FeedError, match="not a readable RSS or Atom feed"):
        reader.follow(bad, name="again")
    assert len(reader.feeds()) == 2  # a feed that can't be read is not followed


def test_broken_links_are_named_and_the_rest_is_indexed(site, reader, settings):
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    pages = {
        "404": site.url + "/gone.html",
        "500": site.page("/error.html", "x", ["x"]),
        "timeout": site.page("/slow.html", "x", ["x"]),
        "loop": site.url + "/loop",
        "big": site.url + "/big.html",
        "image": site.url + "/photo.png",
        "robots": site.page("/private/memo.html", "x", ["x"]),
        "good": site.page("/ok.html", "Bluewake opens night ferry", FERRY),
    }
    site.routes["/error.html"].status = 500
    site.routes["/slow.html"].delay = 4.0
    site.routes["/loop"] = Route(status=302, headers={"Location": "/loop"}, validators=False)
    site.routes["/big.html"] = Route(b"<html><body><p>" + b"word " * 100_000 + b"</p></body>"
                                     b"</html>")
    site.routes["/photo.png"] = Route(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")
    summaries = {k: f"Harbour brief {k}: the pilots' union met on the {k} question." for k in
                 pages}
    summaries["404"] = ""  # no text of its own: this entry cannot be indexed at all
    site.rss("/rss.xml", "Harbour", [{"title": f"Brief {k}", "link": url,
                                      "summary": summaries[k]} for k, url in pages.items()])

    report = reader.follow(site.url + "/rss.xml", name="harbour")
    said = "\n".join(report.errors + report.warnings)
    reasons = {"404": "HTTP 404 Not Found", "500": "HTTP 500", "timeout": "timeout",
               "loop": "redirects (a redirect loop?)", "big": "over the 0.25 MB limit",
               "image": "content type is image/png", "robots": "robots.txt disallows"}
    for key, reason in reasons.items():
        line = next((m for m in said.splitlines() if pages[key] in m), "")
        assert line.startswith("feed harbour: ") and reason in line, (key, said)
    assert report.errors == [f"feed harbour: {pages['404']}: HTTP 404 Not Found; the entry has "
                             "no text either, so it was skipped"]
    # The rest went on: 6 entries from the feed's own text, one from its page.
    articles = {a["id"]: a for a in _articles(settings)}
    assert len(articles) == 7 and pages["404"] not in articles
    assert pages["good"] in articles and articles[pages["good"]]["site"] == "Example News"
    assert not any(path.startswith("/private/") for path, _ in site.log)
    [feed] = reader.feeds()
    assert feed.error.startswith("7 of 8 new or changed entries could not be read")


def test_same_story_from_two_feeds_is_one_story_with_both_outlets(site, reader, settings):
    wire = ["Norhaven's port authority said on Tuesday that container traffic rose 12 percent "
            "in October, the fastest growth in three years.",
            "The authority credited a new rail link to Kessel and longer opening hours.",
            "Port director Amalia Reyes said volumes would keep rising into next year, helped "
            "by two shipping lines that moved their northern hub to Norhaven in September."]
    a = site.page("/coast/port.html", "Port traffic jumps", wire, "2026-11-17T08:00:00Z",
                  site_name="Coast Herald")
    b = site.page("/valley/port-story.html", "Norhaven port traffic jumps", wire,
                  "2026-11-17T09:00:00Z", site_name="Valley Times")
    reader.follow(site.rss("/coast.xml", "Coast", [{"title": "Port traffic jumps", "link": a}]),
                  name="coast")
    site.rss("/valley.xml", "Valley", [{"title": "Port traffic jumps", "link": b},
                                       {"title": "Port traffic jumps (coast)", "link": a}])
    report = reader.follow(site.url + "/valley.xml", name="valley")
    assert report.new == 1  # the link both feeds carry is one article

    answer = ask(settings, reader.indexer.embedder, "Who is the port director of Norhaven?")
    [cited] = [c.passage for c in answer.citations][:1]
    others = {o.source: o.site for o in cited.also_in}
    assert {cited.source, *others} == {a, b}
    assert {cited.site, *others.values()} == {"Coast Herald", "Valley Times"}


def test_entry_dated_in_the_future_is_said_and_dated_by_its_fetch(site, reader, settings):
    ferry = site.page("/ferry.html", "Bluewake opens night ferry", FERRY)
    site.rss("/rss.xml", "Harbour", [{"title": "Bluewake opens night ferry", "link": ferry,
                                      "date": "Mon, 01 Mar 2027 09:00:00 GMT"}])
    report = reader.follow(site.url + "/rss.xml", name="harbour")
    [warning] = report.warnings
    assert warning.startswith(f"feed harbour: {ferry}: dated 2027-03-01, after it was fetched")
    [article] = _articles(settings)
    assert article["date"] == article["fetched"][:10]  # found by questions asked today
    answer = ask(settings, reader.indexer.embedder, "Who is the chief executive of Bluewake?")
    assert "Tomas Vinter" in answer.text


def test_a_rebuild_keeps_the_feeds_and_the_next_refresh_brings_their_articles_back(
        site, reader, settings):
    from rag.indexing import Indexer

    from ..conftest import SEEDS

    ferry = site.page("/ferry.html", "Bluewake opens night ferry", FERRY)
    reader.follow(site.rss("/rss.xml", "Harbour", [{"title": "Ferry", "link": ferry}]),
                  name="harbour")
    Indexer(settings, reader.indexer.embedder).run([SEEDS], rebuild=True, progress=False)
    [feed] = reader.feeds()
    assert feed.name == "harbour" and feed.seen == 0  # the rebuild read only the files
    report = reader.refresh()
    assert report.new == 1 and ferry in {a["id"] for a in _articles(settings)}
