"""The store on its own: real SQLite, real FAISS, real bm25s analysis. Vectors are random or
clustered unit vectors where a test is about the store and not about what the model finds
(the model's tests build real indexes: tests/test_indexing.py, tests/store/test_writers.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from rag.chunking import Chunker, chunk_text_for_search
from rag.loading import load_paths
from rag.store import Store
from rag.store import vectors as segments
from rag.types import Article, Chunk, Filters

from ..conftest import SEEDS

DIM = 16


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def _article(i: int, text: str, day: str | None = "2026-03-01", title: str | None = None
             ) -> tuple[Article, list[Chunk]]:
    a = Article(f"a{i:04d}", title or f"Report {i}", day, f"/news/a{i}.txt", text)
    return a, [Chunk(f"{a.id}#0", a.id, text, 0, len(text))]


def _store(tmp_path: Path, **kw) -> Store:
    return Store.create(tmp_path / "index", "test-model", DIM, {"chunk_tokens": 200}, **kw)


def _add(store: Store, items, vecs: np.ndarray) -> None:
    with store.writing() as w:
        at = 0
        for article, chunks in items:
            w.add(article, article.source, article.id, chunks, vecs[at:at + len(chunks)])
            at += len(chunks)
    store.refresh()


def keyword_ranks_as_bm25s(store, add) -> list[str]:
    """The seeds' passages written by `add` into `store` (any store of the protocol) are ranked
    by `store.keyword` as an in-memory bm25s index ranks them; their texts, as searched."""
    import bm25s

    from rag.keyword import tokenize

    chunker = Chunker(200, 40)
    items = [(a, chunker.run(a)) for a in load_paths([SEEDS]).articles]
    n = sum(len(cs) for _, cs in items)
    add(store, items, _unit(np.random.default_rng(0).standard_normal((n, DIM))))
    texts = [chunk_text_for_search(a.title, c) for a, cs in items for c in cs]
    reference = bm25s.BM25()
    reference.index(tokenize(texts), show_progress=False)
    for question in ("Which countries is India partnering with on critical minerals?",
                     "What did the expert say about supply chains and China?"):
        expected = reference.get_scores(tokenize([question])[0])
        got = store.keyword(question, 10)
        assert [cid for cid, _ in got] == [int(i) for i in np.argsort(-expected, kind="stable")
                                           if expected[i] > 0][:10]
        assert np.allclose([s for _, s in got], sorted(expected[expected > 0])[::-1][:10],
                           rtol=1e-4)
    return texts


def test_keyword_ranking_is_bm25s_ranking(tmp_path):
    """The postings give the scores an in-memory bm25s index gives the same passages."""
    keyword_ranks_as_bm25s(_store(tmp_path), _add)


def filters_apply_to(store, add, searches) -> None:
    """Date, as-of and article filters admit the same passages in each of `searches` (of
    `store`, vector, filters), for articles written by `add`."""
    items = [_article(0, "lithium pact signed in Santiago", "2026-01-10"),
             _article(1, "lithium pact extended in Santiago", "2026-02-10"),
             _article(2, "lithium pact renewed in Santiago", None),
             _article(3, "lithium pact ended in Santiago", "2026-03-10")]
    vecs = _unit(np.ones((4, DIM)) + np.random.default_rng(1).normal(0, 0.01, (4, DIM)))
    add(store, items, vecs)

    def found(filters: Filters) -> list[set[int]]:
        return [{c for c, _ in search(store, vecs[0], filters)} for search in searches]

    n = len(searches)
    assert found(Filters(as_of="2026-02-15")) == [{0, 1, 2}] * n  # undated: not after
    assert found(Filters(since="2026-02-01")) == [{1, 3}] * n  # undated: not inside a range
    assert found(Filters(since="2026-02-01", until="2026-02-28")) == [{1}] * n
    assert found(Filters(articles=("a0003", "a0000"))) == [{0, 3}] * n
    assert found(Filters(as_of="2025-12-31")) == [{2}] * n
    assert found(Filters(articles=())) == [set()] * n


SEARCHES = (lambda s, v, f: s.search(v, 10, f), lambda s, v, f: s.keyword("lithium pact", 10, f),
            lambda s, v, f: s.hybrid(v, "lithium pact", 10, f))


def test_filters_are_pushed_into_both_searches(tmp_path):
    filters_apply_to(_store(tmp_path), _add, SEARCHES)


def test_replaced_and_removed_articles_are_gone_everywhere_also_after_merges(tmp_path):
    store = _store(tmp_path)
    rng = np.random.default_rng(2)
    for i in range(segments.MAX_SMALL + 3):  # one transaction each: a merge happens on the way
        _add(store, [_article(i, f"cobalt mine number {i} in Katanga")],
             _unit(rng.standard_normal((1, DIM))))
    with store.writing() as w:
        w.remove(["a0001"])
        a, cs = _article(2, "the cobalt mine closed after the flood")
        w.add(a, a.source, "changed", cs, _unit(rng.standard_normal((1, DIM))))
    store.refresh()
    assert store.count() == segments.MAX_SMALL + 2
    ids = {m["id"] for m in store.filter()}
    assert "a0001" not in ids and "a0002" in ids
    hits = store.passages([c for c, _ in store.keyword("cobalt mine", 100)])
    assert {chunk.article_id for chunk, _ in hits.values()} == ids
    assert [c.text for c, m in hits.values() if m["id"] == "a0002"] == [
        "the cobalt mine closed after the flood"]
    with sqlite3.connect(tmp_path / "index" / "index.sqlite") as db:
        kinds = db.execute("SELECT COUNT(*) FROM segments").fetchone()[0]
    assert kinds <= segments.MAX_SMALL  # small segments were merged, not left to pile up
    for _ in range(segments.MAX_SMALL):  # more merges: removed passages leave the segments
        _add(store, [_article(99, "a later cobalt report")], _unit(rng.standard_normal((1, DIM))))
    reopened = Store.open(tmp_path / "index")
    assert reopened.count() == store.count() == segments.MAX_SMALL + 3
    assert len(reopened.search(_unit(rng.standard_normal(DIM)), 100)) == reopened.count()


@pytest.mark.parametrize("quantize", ["none", "sq8"])
def test_ann_index_above_ann_min_finds_what_exact_search_finds(tmp_path, monkeypatch, quantize):
    """Clustered vectors, like text embeddings: IVF keeps recall@10 against exact search at 0.95
    or more, with 8-bit codes too, after IVF segments were made and merged (thresholds scaled
    down) and some passages removed on the way. The probes for real text vectors are measured
    at scale by eval/bench_scale.py."""
    monkeypatch.setattr(segments, "MERGE_AT", 200)
    rng = np.random.default_rng(3)
    centres = _unit(rng.standard_normal((40, DIM)))
    vecs = _unit(centres[rng.integers(40, size=3000)] + rng.normal(0, 0.15, (3000, DIM)))
    store = _store(tmp_path, quantize=quantize, ann_min=1500)
    for start in range(0, 3000, 100):
        _add(store, [_article(i, f"passage {i}") for i in range(start, start + 100)],
             vecs[start:start + 100])
        if start == 1500:
            with store.writing() as w:
                w.remove([f"a{i:04d}" for i in range(10, 20)])
            store.refresh()
    kinds = [s.kind for s in store.snapshot.segments]
    assert store.stats()["ann"] and store.count() == 2990
    assert 1 < kinds.count("ivf") <= 8  # IVF segments were made and merged, not left to pile up
    files = sorted((tmp_path / "index" / "segments").iterdir())
    assert [int(f.stem) for f in files] == [s.id for s in store.snapshot.segments
                                            if s.kind == "ivf"]  # merged ones' files removed
    assert not {10, 11, 19} & {c for c, _ in store.search(vecs[10], 100)}
    vecs[10:20] = 0.0  # removed: no exact neighbour of anything
    queries = _unit(vecs[rng.choice(np.arange(20, 3000), 50)] + rng.normal(0, 0.05, (50, DIM)))
    truth = np.argsort(-(queries @ vecs.T), axis=1)[:, :10]  # ids are row numbers
    recall = np.mean([len(set(t.tolist()) & {c for c, _ in store.search(q, 10)}) / 10
                      for q, t in zip(queries, truth, strict=True)])
    assert recall >= 0.95
    admitted = store.search(queries[0], 10, Filters(articles=("a0007", "a2999")))
    assert {c for c, _ in admitted} <= {7, 2999}


def stories_outlive_their_first_article(store, add) -> None:
    """Three copies of a wire story (the third written later) are one story, a different
    article another; with the first copy removed, the other two still are one."""
    wire = ("The port of Walvis Bay shipped a record tonnage of copper concentrate in May, the "
            "port authority said, as new smelters in Zambia raised output and trucking routes "
            "through the Trans-Kalahari corridor reopened after repairs to the main highway. ")
    items = [_article(0, wire * 3, title="Walvis Bay ships record copper tonnage"),
             _article(1, "By a correspondent. " + wire * 3, title="Record copper tonnage at "
                      "Walvis Bay"),
             _article(3, "Kenya's tea harvest fell by a fifth after the drought. " * 5,
                      title="Kenya tea harvest falls")]
    add(store, items, _unit(np.random.default_rng(4).standard_normal((3, DIM))))
    copy = _article(2, "Walvis Bay. " + wire * 3 + "More later.",
                    title="Walvis Bay copper tonnage at a record")
    add(store, [copy], _unit(np.random.default_rng(5).standard_normal((1, DIM))))
    story = {m["id"]: m["story"] for m in store.filter()}
    assert story["a0000"] == story["a0001"] == story["a0002"] != story["a0003"]
    with store.writing() as w:
        w.remove(["a0000"])
    store.refresh()
    story = {m["id"]: m["story"] for m in store.filter()}
    assert story["a0001"] == story["a0002"] != story["a0003"]
    assert [m["id"] for m in store.outlets([story["a0001"]])[story["a0001"]]] == \
        ["a0001", "a0002"]


def test_a_story_keeps_its_copies_when_its_first_article_is_removed(tmp_path):
    stories_outlive_their_first_article(_store(tmp_path), _add)


def test_a_reader_sees_a_write_whole_after_refresh_and_not_before(tmp_path):
    writer = _store(tmp_path)
    _add(writer, [_article(0, "nickel output rose")], _unit(np.ones((1, DIM))))
    reader = Store.open(tmp_path / "index")
    items = [_article(1, "nickel prices fell " * 20), _article(2, "nickel smelter opened")]
    _add(writer, items, _unit(np.ones((2, DIM))))
    assert reader.count() == 1 and len(reader.keyword("nickel", 10)) == 1
    assert reader.refresh() and not reader.refresh()
    assert reader.count() == 3 and len(reader.keyword("nickel", 10)) == 3


def test_no_segment_outgrows_what_one_sqlite_value_holds(tmp_path, monkeypatch):
    """Segments are stored as SQLite values (at most 1 GB); merges stop short of the limit
    (scaled down here to 700 passages) instead of failing the write."""
    monkeypatch.setattr(segments, "MERGE_AT", 100)
    monkeypatch.setattr(segments, "MAX_BYTES", 700 * (4 * DIM + 8))
    rng = np.random.default_rng(5)
    store = _store(tmp_path, ann_min=300)
    for start in range(0, 3000, 50):
        _add(store, [_article(i, f"passage {i}") for i in range(start, start + 50)],
             _unit(rng.standard_normal((50, DIM))))
    sizes = [len(s.ids) for s in store.snapshot.segments]
    assert sum(sizes) == store.count() == 3000 and max(sizes) <= 700


def test_searching_leaves_the_process_thread_count_as_it_was(tmp_path):
    """FAISS searches one query on one thread, but OpenMP's thread count is shared with
    PyTorch: left at one, it halved the speed of embedding in `rag index` (which searches
    nothing, but opens its store as a reader does)."""
    import torch

    before = torch.get_num_threads()
    if before < 2:
        torch.set_num_threads(2)
    threads = torch.get_num_threads()
    store = _store(tmp_path)
    vecs = _unit(np.random.default_rng(2).standard_normal((3, DIM)))
    _add(store, [_article(i, f"text {i}") for i in range(3)], vecs)
    assert store.search(vecs[0], 1)[0][0] == 0
    assert torch.get_num_threads() == threads
    torch.set_num_threads(before)
