"""A real `rag serve` process on 127.0.0.1 over its own index of the seeds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rag.indexing import Indexer
from rag.settings import Settings

from ..conftest import SEEDS, serving


@pytest.fixture(scope="session")
def server(tmp_path_factory, embedder) -> Iterator[str]:
    index = tmp_path_factory.mktemp("ui") / "index"
    Indexer(Settings.load(index_dir=index), embedder).run([SEEDS], progress=False)
    with serving(index, tmp_path_factory.mktemp("logs") / "serve.log") as url:
        yield url
