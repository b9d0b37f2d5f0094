"""`rag add URL` against a real HTTP server on 127.0.0.1: one article per canonical URL,
re-indexed when the page changes, PDFs read, robots.txt honoured, failures named."""

from __future__ import annotations

from eval.site import Route
from rag.cli import main
from rag.store import Store

from .test_feeds import BARRIER, FERRY


def _ids(settings) -> list[str]:
    store = Store.open(settings.index_dir, search=False)
    try:
        return [a["id"] for a in store.filter()]
    finally:
        store.close()


def test_a_page_added_twice_is_one_article_and_a_changed_page_is_reindexed(site, reader,
                                                                         settings, counting):
    url = site.page("/news/barrier.html", "Norhaven approves tidal barrier", BARRIER,
                    "2026-11-20T09:00:00Z", author="Jo Lind")
    report = reader.add_pages([url + "?utm_source=newsletter#top"])
    assert report.new == 1 and not report.errors
    store = Store.open(settings.index_dir, search=False)
    [meta] = store.filter()
    store.close()
    assert (meta["id"], meta["source"], meta["title"], meta["date"], meta["author"],
            meta["site"]) == (url, url, "Norhaven approves tidal barrier", "2026-11-20",
                              "Jo Lind", "Example News")

    calls = counting.calls
    report = reader.add_pages([url])
    assert (report.new, report.changed, report.index.unchanged) == (0, 0, 1)
    assert counting.calls == calls  # the same page: nothing embedded

    site.page("/news/barrier.html", "Norhaven approves tidal barrier",
              [*BARRIER, "The national government will pay half of the cost."],
              "2026-11-20T09:00:00Z")
    report = reader.add_pages([url])
    assert (report.new, report.changed) == (0, 1)
    assert _ids(settings) == [url]


def test_a_pdf_link_is_read_as_a_pdf(site, reader, settings):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Harbour dredging report")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 10, "The Norhaven harbour channel will be dredged to 14 metres in 2027.")
    site.routes["/reports/dredging.pdf"] = Route(bytes(pdf.output()), "application/pdf")
    report = reader.add_pages([site.url + "/reports/dredging.pdf"])
    assert report.new == 1 and not report.errors
    store = Store.open(settings.index_dir, search=False)
    [meta] = store.filter()
    store.close()
    assert meta["title"] == "Harbour dredging report"
    assert meta["source"] == site.url + "/reports/dredging.pdf"


def test_cli_names_each_failure_exits_1_and_indexes_the_rest(site, settings, monkeypatch,
                                                             capsys):
    monkeypatch.setenv("RAG_FETCH_DELAY", "0")
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /members/\n", "text/plain")
    ok = site.page("/news/ferry.html", "Bluewake opens night ferry", FERRY)
    locked = site.page("/members/ferry.html", "Bluewake opens night ferry", FERRY)
    gone = site.url + "/news/gone.html"
    code = main(["add", ok, locked, gone, "not-a-url", "--index", str(settings.index_dir)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "1 new and 0 changed articles" in out
    assert f"rag: error: {locked}: the site's robots.txt disallows fetching it" in err
    assert f"rag: error: {gone}: HTTP 404 Not Found" in err
    assert "rag: error: not-a-url: not an http(s) URL" in err
    assert _ids(settings) == [ok]
    assert not any(path.startswith("/members/") for path, _ in site.log)
