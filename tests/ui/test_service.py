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
