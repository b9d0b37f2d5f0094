"""A local web site (eval/site.py) and a feed reader indexing into a fresh index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eval.site import Site
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.web.reader import Reader


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.close()


@pytest.fixture
def settings(tmp_path) -> Settings:
    # No politeness delay between requests to the test server; short timeouts and a small
    # size cap so those failures take a second, not a minute.
    return Settings.load(index_dir=tmp_path / "index", fetch_delay=0.0, fetch_timeout=1.5,
                         fetch_max_mb=0.25)


@pytest.fixture
def reader(settings, counting) -> Reader:
    return Reader(settings, counting)


def ask(settings: Settings, embedder, question: str):
    return Pipeline(settings, embedder).ask(question)
