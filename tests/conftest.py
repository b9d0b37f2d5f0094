"""Shared fixtures: the real packaged model, and a small real index of seeds/ built once."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from eval.model_server import free_port, running
from rag.embedding import SentenceTransformerEmbedder, default_backend
from rag.indexing import Indexer
from rag.pipeline import Pipeline
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GERMANY_CANADA = (
    "Which two countries is India's Cabinet expected to approve critical-minerals agreements with?"
)


class CountingEmbedder:
    """The real model, counting how many texts it was asked to embed."""

    def __init__(self, inner: SentenceTransformerEmbedder):
        self.inner, self.name, self.calls = inner, inner.name, 0
        self.batch_size = inner.batch_size

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts):
        self.calls += len(texts)
        return self.inner.encode(texts)


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The packaged model as a new index embeds it by default (OpenVINO on a CPU), so indexes
    built by `rag` commands in a test and by this fixture take each other's vectors."""
    return SentenceTransformerEmbedder(backend=default_backend("auto"))


@pytest.fixture
def counting(embedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    """A private copy of seeds/ a test may change."""
    return Path(shutil.copytree(SEEDS, tmp_path / "seeds"))


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory, embedder) -> Settings:
    settings = Settings.load(index_dir=tmp_path_factory.mktemp("index") / "seeds")
    Indexer(settings, embedder).run([SEEDS], progress=False)
    return settings


@pytest.fixture(scope="session")
def pipeline(seed_settings, embedder) -> Pipeline:
    return Pipeline(seed_settings, embedder)


@contextmanager
def serving(index: Path, log_path: Path, *args: str, env: dict[str, str] | None = None
            ) -> Iterator[str]:
    """A real `rag serve` of `index` on a free loopback port: its URL once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with running([sys.executable, "-m", "rag.cli", "serve", "--index", str(index), "--port",
                  str(port), *args], url, log_path, 180.0, cwd=ROOT,
                 env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1",
                      **(env or {})}):
        yield url
