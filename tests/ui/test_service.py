"""The app's shared state: an empty index, and uploads while questions go on."""

import threading
import time

import pytest

from rag.settings import Settings
from ui.service import NoIndex, Service

from ..conftest import GERMANY_CANADA, SEEDS


def test_empty_index_says_how_to_add_articles_then_an_upload_creates_it(tmp_path):
    service = Service(Settings.load(index_dir=tmp_path / "index" / "new"))
    assert "empty" in service.status()
    with pytest.raises(NoIndex, match="No articles are indexed yet"):
        service.current()
    report = service.add_files([SEEDS / "000_1e0437848bbfa5aa.txt"])
    assert report.added == ["000_1e0437848bbfa5aa.txt"]
    assert "1 articles" in service.status()
    assert "Canada" in service.current().ask(GERMANY_CANADA).text


def test_questions_are_answered_from_the_old_index_while_an_upload_is_indexed(tmp_path):
    service = Service(Settings.load(index_dir=tmp_path / "index" / "main"))
    service.add_files([SEEDS / "000_1e0437848bbfa5aa.txt"])
    big = tmp_path / "big.txt"
    big.write_text(" ".join(f"Sentence {i} about cobalt mines in Region{i}." for i in range(3000)))
    worker = threading.Thread(target=service.add_files, args=([big],))
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while not service.indexing_files:
            assert worker.is_alive() and time.monotonic() < deadline
            time.sleep(0.01)
        assert "indexing big.txt" in service.status()
        with pytest.raises(RuntimeError, match="Another upload is being indexed"):
            service.add_files([big])
        answer = service.current().ask(GERMANY_CANADA)  # the index as it was
        assert not answer.abstained and service.current().store.stats()["articles"] == 1
    finally:
        worker.join()
    assert service.current().store.stats()["articles"] == 2 and not service.indexing_files


def test_feeds_are_refreshed_in_the_background_and_the_status_line_says_so(tmp_path):
    from eval.site import Site
    from rag.store import Store
    from rag.store.feeds import Feed, FeedState

    from ..web.test_feeds import FERRY

    site = Site()
    settings = Settings.load(index_dir=tmp_path / "index", fetch_delay=0.0)
    service = Service(settings)
    service.add_files([SEEDS / "000_1e0437848bbfa5aa.txt"])
    feed = site.rss("/rss.xml", "Harbour", [])
    store = Store.open(settings.index_dir, search=False)
    FeedState(store).add(Feed(feed, "harbour", "2026-11-23T00:00:00Z"))
    store.close()
    try:
        service.refresh_every(2.0)
        deadline = time.monotonic() + 30
        while "feeds refreshed" not in service.status():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert "0 new" in service.status()
        site.rss("/rss.xml", "Harbour", [{"title": "Bluewake opens night ferry",
                                          "link": site.page("/ferry.html", "Ferry", FERRY)}])
        while "1 new" not in service.status():  # said until the next refresh, 2 s later
            # meanwhile questions are answered from the index as it was
            assert "Canada" in service.current().ask(GERMANY_CANADA).text
            assert time.monotonic() < deadline + 30
            time.sleep(0.05)
        answer = service.current().ask("Who is the chief executive of Bluewake?")
        assert "Tomas Vinter" in answer.text
    finally:
        service.close()
        site.close()


def test_two_uploads_with_one_name_are_two_articles_and_a_reupload_changes_nothing(tmp_path):
    service = Service(Settings.load(index_dir=tmp_path / "index"))
    try:
        first, second = tmp_path / "1" / "article.html", tmp_path / "2" / "article.html"
        for path, body in ((first, "Norhaven's port authority said container traffic rose 12 "
                                   "percent in October. Port director Amalia Reyes credited a "
                                   "new rail link to Kessel."),
                           (second, "The Kessel ferry strike ended on Friday after nine days, "
                                    "the union said.")):
            path.parent.mkdir()
            path.write_text(f"<html><body><article><p>{body}</p></article></body></html>")
        assert len(service.add_files([first]).added) == 1
        assert len(service.add_files([second]).added) == 1
        assert service.add_files([first]).unchanged == 1  # the same file again
        assert service.current().store.stats()["articles"] == 2
        assert "Amalia Reyes" in service.current().ask(
            "Who is the port director of Norhaven?").text
        assert "nine days" in service.current().ask(
            "How long did the Kessel ferry strike last?").text
        kept = sorted(p.read_text() for p in (tmp_path / "index" / "uploads").rglob("*.html"))
        assert len(kept) == 2 and "Amalia" in kept[0] + kept[1] and "Kessel" in kept[0] + kept[1]
    finally:
        service.close()
