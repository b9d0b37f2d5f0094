"""Embedding on a real local Ray cluster (two CPUs), against the plain path on the same seeds."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from rag.cli import main
from rag.indexing import Indexer
from rag.settings import Settings
from rag.store import Store

from .conftest import GERMANY_CANADA, SEEDS

ray = pytest.importorskip("ray", reason="the ray extra is not installed: pip install -e '.[ray]'")


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _cache(index: Path) -> dict[str, np.ndarray]:
    db = sqlite3.connect(next((index.parent / ".cache").glob("*.sqlite")))
    try:
        return {k: np.frombuffer(v, dtype=np.float32) for k, v in db.execute(
            "SELECT key, vec FROM vectors")}
    finally:
        db.close()


def test_ray_indexes_a_folder_as_the_plain_path_does(tmp_path, cluster, embedder, monkeypatch,
                                                     capsys):
    plain = Settings.load(index_dir=tmp_path / "plain" / "index")  # the default backend
    expected = Indexer(plain).run([SEEDS], progress=False)
    # Two passages per forward pass: the stream comes back in many batches from two actors.
    monkeypatch.setenv("RAG_BATCH_SIZE", "2")
    on_ray = tmp_path / "ray" / "index"
    assert main(["index", str(SEEDS), "--index", str(on_ray), "--ray", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["chunks_embedded"] == report["chunks_indexed"] == expected.chunks_indexed > 0

    # The same vectors for the same passage texts (the cache keys them by model and text)...
    mine, theirs = _cache(plain.index_dir), _cache(on_ray)
    assert mine.keys() == theirs.keys()
    assert min(float(mine[k] @ theirs[k]) for k in mine) > 0.9999
    # ... and the same index: passages, stories and what a question finds.
    a, b = Store.open(plain.index_dir), Store.open(on_ray)
    assert [(m["id"], m["story"]) for m in a.filter()] == \
        [(m["id"], m["story"]) for m in b.filter()]
    ids = range(a.count())
    assert {i: c.text for i, (c, _) in a.passages(ids).items()} == \
        {i: c.text for i, (c, _) in b.passages(ids).items()}
    query = embedder.encode([GERMANY_CANADA])[0]
    assert [i for i, _ in a.search(query, 5)] == [i for i, _ in b.search(query, 5)]

    # The cluster's vectors are the plain path's to reuse: nothing is embedded again.
    again = Indexer(Settings.load(index_dir=tmp_path / "ray" / "other")).run([SEEDS],
                                                                            progress=False)
    assert again.chunks_embedded == 0 and again.chunks_indexed == expected.chunks_indexed
