"""`rag feeds add | list | refresh | remove` as a user types them."""

from __future__ import annotations

import json

from eval.site import Route
from rag.cli import main

from .test_feeds import BARRIER, FERRY


def test_feeds_commands(site, settings, monkeypatch, capsys):
    monkeypatch.setenv("RAG_FETCH_DELAY", "0")
    index = ["--index", str(settings.index_dir)]
    feed = site.rss("/rss.xml", "Norhaven Daily", [
        {"title": "Norhaven approves tidal barrier",
         "link": site.page("/barrier.html", "Barrier", BARRIER)}])

    assert main(["feeds", "add", feed, *index]) == 0
    out = capsys.readouterr().out
    assert f"following norhaven-daily ({feed})" in out and "1 new" in out
    assert main(["feeds", "add", feed, *index]) == 2
    assert "already followed" in capsys.readouterr().err

    site.routes["/rss.xml"] = Route(b"<html><body>We moved!</body></html>")
    assert main(["feeds", "refresh", *index]) == 1
    err = capsys.readouterr().err
    assert f"rag: error: feed norhaven-daily: {feed}: not a readable RSS or Atom feed" in err
    assert main(["feeds", "list", *index]) == 0
    listed = capsys.readouterr().out
    assert "norhaven-daily" in listed and "last error:" in listed and "1 entries seen" in listed

    site.rss("/rss.xml", "Norhaven Daily", [
        {"title": "Bluewake opens night ferry", "link": site.page("/ferry.html", "F", FERRY)}])
    assert main(["feeds", "refresh", "norhaven-daily", "--json", *index]) == 0
    assert json.loads(capsys.readouterr().out)["new"] == 1
    assert main(["feeds", "refresh", "nosuch", *index]) == 2
    assert "no feed named 'nosuch' is followed (feeds: norhaven-daily)" in \
        capsys.readouterr().err

    assert main(["feeds", "remove", "norhaven-daily", "--purge", *index]) == 0
    assert "removed its 2 articles" in capsys.readouterr().out
    assert main(["info", "--json", *index]) == 0
    assert json.loads(capsys.readouterr().out)["articles"] == 0
    assert main(["feeds", "list", *index]) == 0
    assert "no feeds followed yet" in capsys.readouterr().out
