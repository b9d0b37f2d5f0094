"""The store on Milvus, against a real Milvus Lite file (the embedded engine behind the same client
API as a Milvus server). What Lite lacks that a server has is said where it matters: Lite
serves one process at a time (an app and an indexer take turns), and its BM25 function ignores
the analyzer's filters, which is one reason BM25 here is sparse vectors made by rag itself.
Vectors are random or clustered where a test is about the store, not the model."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from rag.types import Filters

from ..conftest import GERMANY_CANADA, SEEDS, serving
from .test_store import (
    DIM,
    SEARCHES,
    _add,
    _article,
    _unit,
    filters_apply_to,
    keyword_ranks_as_bm25s,
    stories_outlive_their_first_article,
)

pytest.importorskip("milvus_lite", reason="the milvus extra is not installed: "
                    "pip install -e '.[milvus]'")

from rag.store.milvus import MilvusStore


def _store(tmp_path) -> MilvusStore:
    return MilvusStore.create(str(tmp_path / "milvus.db"), "test", "test-model", DIM,
                              {"chunk_tokens": 200})


def test_keyword_ranking_and_idf_are_bm25s(tmp_path):
    """Sparse BM25 vectors in the engine rank as an in-memory bm25s index of the same text."""
    from rag.keyword import tokenize
    from rag.store.postings import idf

    store = _store(tmp_path)
    texts = keyword_ranks_as_bm25s(store, _add)
    terms = tokenize(["Germany Canada zeppelin"])[0]
    df = {t: sum(t in set(d) for d in tokenize(texts)) for t in terms}
    assert store.idf(terms) == pytest.approx({t: idf(len(texts), df[t]) for t in terms})
    assert df["zeppelin"] == 0


def test_filters_and_as_of_run_in_the_engine_for_every_search(tmp_path):
    store = _store(tmp_path)
    filters_apply_to(store, _add, SEARCHES)
    assert store.dates([0, 2]) == ["2026-01-10", None]


def test_added_changed_and_removed_articles_everywhere(tmp_path):
    from rag.store.postings import idf

    store = _store(tmp_path)
    rng = np.random.default_rng(2)
    _add(store, [_article(i, f"cobalt mine number {i} in Katanga") for i in range(4)],
         _unit(rng.standard_normal((4, DIM))))
    assert store.count() == 4 and store.stats()["articles"] == 4
    with store.writing() as w:
        w.remove(["a0001"])
        a, cs = _article(2, "the cobalt mine closed after the flood")
        w.add(a, a.source, "changed", cs, _unit(rng.standard_normal((1, DIM))))
    assert store.count() == 3
    ids = {m["id"] for m in store.filter()}
    assert ids == {"a0000", "a0002", "a0003"}
    hits = store.passages([c for c, _ in store.keyword("cobalt mine", 100)])
    assert {chunk.article_id for chunk, _ in hits.values()} == ids
    assert [c.text for c, m in hits.values() if m["id"] == "a0002"] == [
        "the cobalt mine closed after the flood"]
    assert store.hashes(["a0002", "a0001"]) == {"a0002": "changed"}
    assert len(store.search(_unit(rng.standard_normal(DIM)), 100)) == 3
    assert store.idf(["katanga", "flood"]) == pytest.approx(  # counted down and up again
        {"katanga": idf(3, 2), "flood": idf(3, 1)})
    assert store.texts(["a0002"]) == {"a0002": "the cobalt mine closed after the flood"}
    # Ids, terms and titles of any text reach Milvus's expressions intact.
    odd = 'Zürich "quoted" \\ news\n😀'
    a, cs = _article(5, "Zürich's zinc über alles")
    a = replace(a, id=odd)
    _add(store, [(a, [replace(c, article_id=odd) for c in cs])],
         _unit(rng.standard_normal((1, DIM))))
    assert store.hashes([odd]) == {odd: odd} and store.keyword("zürich", 5)
    assert store.search(_unit(np.ones(DIM)), 9, Filters(articles=(odd,)))
    with store.writing() as w:
        w.remove([odd])
    assert store.hashes([odd]) == {} and not store.keyword("zürich", 5)
    reopened = MilvusStore.open(str(tmp_path / "milvus.db"), "test")
    assert reopened.count() == 3 and reopened.manifest["model"] == "test-model"


def test_a_story_keeps_its_copies_when_its_first_article_is_removed(tmp_path):
    stories_outlive_their_first_article(_store(tmp_path), _add)


def test_a_failed_write_leaves_nothing_and_a_rebuild_shows_once_complete(tmp_path, monkeypatch):
    store = _store(tmp_path)
    rng = np.random.default_rng(6)
    _add(store, [_article(i, f"zinc smelter {i}") for i in range(3)],
         _unit(rng.standard_normal((3, DIM))))
    # Killed between its passages and its article rows: the next writer removes the strays.
    monkeypatch.setattr(store.client, "upsert", _fail_on("articles", store.client.upsert))
    with pytest.raises(RuntimeError):
        _add(store, [_article(7, "zinc smelter seven")], _unit(rng.standard_normal((1, DIM))))
    monkeypatch.undo()
    _add(store, [_article(8, "zinc smelter eight")], _unit(rng.standard_normal((1, DIM))))
    assert store.count() == 4 and {m["id"] for m in store.filter()} == {
        "a0000", "a0001", "a0002", "a0008"}
    assert len(store.keyword("zinc smelter", 10)) == 4

    reader = MilvusStore.open(str(tmp_path / "milvus.db"), "test")
    with store.writing() as w:
        w.clear("test-model", DIM, {"chunk_tokens": 200}, "none", 200_000)
        a, cs = _article(9, "a rebuilt zinc index")
        w.add(a, a.source, "h", cs, _unit(rng.standard_normal((1, DIM))))
        assert reader.count() == 4 and not reader.refresh()  # the old index until it commits
    assert reader.refresh() and reader.count() == 1
    assert [m["id"] for m in reader.filter()] == ["a0009"]


def _fail_on(table: str, upsert):
    def failing(collection: str, rows, *args, **kwargs):
        if collection.endswith(table):
            raise RuntimeError("killed")
        return upsert(collection, rows, *args, **kwargs)

    return failing


def test_rag_index_ask_and_serve_on_milvus(tmp_path, capsys):
    from gradio_client import Client

    from rag.cli import main

    store = f"milvus:{tmp_path / 'milvus.db'}"
    index = tmp_path / "seeds"
    assert main(["index", str(SEEDS), "--index", str(index), "--store", store]) == 0
    capsys.readouterr()
    assert main(["ask", GERMANY_CANADA, "--index", str(index), "--store", store, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["short_answer"]["text"] == "Germany and Canada"
    assert main(["info", "--index", str(index), "--store", store, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["articles"] == 2
    # Milvus Lite serves one process at a time (a server, many): this one lets go of the file.
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(str(tmp_path / "milvus.db"))
    with serving(index, tmp_path / "serve.log", "--store", store) as url:
        got = Client(url, verbose=False).predict(GERMANY_CANADA, api_name="/ask")
    assert got["short_answer"] == answer["short_answer"]
    assert got["citations"][0]["doc_id"] == "000_1e0437848bbfa5aa.txt"
