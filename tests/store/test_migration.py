"""An index of format 1 (generation folders of FAISS + JSON) is migrated in place on first use,
with the vectors read back from the old FAISS file: nothing is embedded again."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from rag.chunking import Chunker, chunk_text_for_search
from rag.indexing import Indexer, cache_path
from rag.loading import load_paths
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.stories import signature

from ..conftest import GERMANY_CANADA, ROOT, SEEDS


def _format_1_index(root: Path, settings: Settings, embedder) -> dict:
    """What the old Store.save wrote for the seeds: CURRENT -> gen-000001/ with manifest.json,
    chunks.jsonl and vectors.faiss (IndexIDMap2 over IndexFlatIP). Returns the manifest."""
    import faiss

    loaded = load_paths([SEEDS])
    chunker = Chunker(200, 40)
    dim = embedder.dim
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    articles: dict[str, dict] = {}
    rows: list[str] = []
    next_id = 0
    for article in loaded.articles:
        chunks = chunker.run(article)
        vecs = embedder.encode([chunk_text_for_search(article.title, c) for c in chunks])
        ids = np.arange(next_id, next_id + len(chunks), dtype=np.int64)
        next_id += len(chunks)
        index.add_with_ids(np.ascontiguousarray(vecs, dtype=np.float32), ids)
        rows += [json.dumps({"faiss_id": int(i), **asdict(c)}, ensure_ascii=False) + "\n"
                 for i, c in zip(ids, chunks, strict=True)]
        meta = {k: v for k, v in asdict(article).items() if k != "text"}
        articles[article.id] = {**meta, "file": loaded.origins[article.id],
                                "hash": article.digest(), "chunk_ids": ids.tolist(),
                                "minhash": signature(c.text for c in chunks)}
    manifest = {"format_version": 1, "model": embedder.name, "dim": dim,
                "settings": settings.index_fingerprint(), "next_id": next_id,
                "updated": "2026-02-25T10:00:00+0000", "articles": articles}
    gen = root / "gen-000001"
    gen.mkdir(parents=True)
    faiss.write_index(index, str(gen / "vectors.faiss"))
    (gen / "chunks.jsonl").write_text("".join(rows), encoding="utf-8")
    (gen / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    (root / "CURRENT").write_text("gen-000001")
    return manifest


def test_format_1_index_is_migrated_without_embedding_again(tmp_path, embedder, counting,
                                                            capsys):
    settings = Settings.load(index_dir=tmp_path / "index" / "old")
    root = settings.index_dir
    manifest = _format_1_index(root, settings, embedder)
    passages = {a: len(m["chunk_ids"]) for a, m in manifest["articles"].items()}
    assert set(passages) == {"000_1e0437848bbfa5aa.txt", "004_4043f69cf68954ce.txt"}
    assert not cache_path(settings).exists()  # nothing could come from an embedding cache

    pipeline = Pipeline(settings, counting)
    assert "migrating" in capsys.readouterr().err
    assert not (root / "CURRENT").exists() and not list(root.glob("gen-*"))
    assert not (root / ".migrating").exists()
    assert (root / "index.sqlite").exists()
    store = pipeline.store
    assert store.manifest["format_version"] == 2
    assert {m["id"]: m["file"] for m in store.filter()} == {
        a: m["file"] for a, m in manifest["articles"].items()}
    assert store.count() == sum(passages.values())
    with sqlite3.connect(root / "index.sqlite") as db:
        per_article = dict(db.execute(
            "SELECT a.id, COUNT(c.id) FROM articles a JOIN chunks c ON c.article = a.num "
            "GROUP BY a.id"))
    assert per_article == passages
    assert counting.calls == 0  # opening embedded nothing

    # the vectors are the old ones: every passage finds itself at cosine 1
    chunks = {}
    for article in load_paths([SEEDS]).articles:
        for c in Chunker(200, 40).run(article):
            chunks[c.id] = chunk_text_for_search(article.title, c)
    vecs = embedder.encode(list(chunks.values()))
    for key, vec in zip(chunks, vecs, strict=True):
        (pid, score), *_ = store.search(vec, 1)
        assert store.passages([pid])[pid][0].id == key and score > 0.999

    answer = pipeline.ask(GERMANY_CANADA)
    assert not answer.abstained and "Canada" in answer.text

    out = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", GERMANY_CANADA, "--index", str(root), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
        env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert out.returncode == 0, out.stderr[-3000:]
    answer = json.loads(out.stdout)
    assert not answer["abstained"] and "Canada" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == "000_1e0437848bbfa5aa.txt"

    counting.calls = 0
    report = Indexer(settings, counting).run([SEEDS], progress=False)
    assert (report.unchanged, report.added, report.changed) == (2, [], [])
    assert report.chunks_embedded == counting.calls == 0
    assert report.chunks_total == sum(passages.values())


def test_garbage_current_and_a_half_written_generation_still_migrate(tmp_path, embedder,
                                                                     capsys):
    """What a writer killed between writing a generation and switching CURRENT (or writing
    CURRENT itself) left: the newest complete generation is the index."""
    settings = Settings.load(index_dir=tmp_path / "index" / "old")
    root = settings.index_dir
    manifest = _format_1_index(root, settings, embedder)
    (root / "gen-000002").mkdir()  # half written: no vectors, no chunks
    (root / "gen-000002" / "manifest.json").write_text('{"format_vers')
    (root / "CURRENT").write_bytes(b"\x00\xffgarbage")
    pipeline = Pipeline(settings, embedder)
    assert "migrating gen-000001, the newest complete one" in capsys.readouterr().err
    assert {m["id"] for m in pipeline.store.filter()} == set(manifest["articles"])
    assert "Canada" in pipeline.ask(GERMANY_CANADA).text


def test_a_format_1_index_with_no_complete_generation_is_named(tmp_path, embedder):
    from rag.store.database import Damaged

    settings = Settings.load(index_dir=tmp_path / "index" / "old")
    root = settings.index_dir
    _format_1_index(root, settings, embedder)
    (root / "gen-000001" / "vectors.faiss").unlink()
    with pytest.raises(Damaged, match=r"CURRENT is damaged .*no complete generation"):
        Pipeline(settings, embedder)


def test_story_signatures_made_another_way_are_made_again_on_open(tmp_path, embedder):
    """An index signed by an earlier version (another MinHash) is signed again when opened,
    so a copy of one of its stories added later still joins that story."""
    settings = Settings.load(index_dir=tmp_path / "index" / "main")
    Indexer(settings, embedder).run([SEEDS], progress=False)
    with sqlite3.connect(settings.index_dir / "index.sqlite") as db:
        db.execute("UPDATE meta SET value = '\"affine32\"' WHERE key = 'stories'")
        db.execute("UPDATE articles SET minhash = ?", (np.ones(64, np.uint64).tobytes(),))
        db.execute("DELETE FROM bands")

    wire = (SEEDS / "000_1e0437848bbfa5aa.txt").read_text(encoding="utf-8")
    copy = tmp_path / "copy.txt"
    copy.write_text(wire.replace("\n\n", "\n\nBy our correspondent.\n\n", 1), encoding="utf-8")
    Indexer(settings, embedder).run([copy], progress=False)
    with sqlite3.connect(settings.index_dir / "index.sqlite") as db:
        story = dict(db.execute("SELECT a.id, s.id FROM articles a JOIN articles s "
                                "ON s.num = a.story"))
        texts = [t for (t,) in db.execute(
            "SELECT c.text FROM chunks c JOIN articles a ON a.num = c.article "
            "WHERE a.id = '000_1e0437848bbfa5aa.txt' ORDER BY c.id")]
        (stored,) = db.execute("SELECT minhash FROM articles WHERE id = "
                               "'000_1e0437848bbfa5aa.txt'").fetchone()
    assert story["copy.txt"] == "000_1e0437848bbfa5aa.txt"
    assert np.frombuffer(stored, np.uint64).tolist() == signature(texts)
