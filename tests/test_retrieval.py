import itertools

import pytest

from rag.retrieval import MODES, Filters

from .conftest import GERMANY_CANADA

MINISTERIAL = "Who will chair the Critical Minerals Ministerial in Washington?"


@pytest.mark.parametrize("mode", MODES)
def test_each_retriever_finds_the_right_article(pipeline, mode):
    passages = pipeline.retriever.run(GERMANY_CANADA, k=3, mode=mode)
    assert "000_1e0437848bbfa5aa.txt" in {p.chunk.article_id for p in passages}
    if mode == "hybrid":
        assert passages[0].chunk.article_id == "000_1e0437848bbfa5aa.txt"
    assert [p.rank for p in passages] == [1, 2, 3]
    assert all(a.score >= b.score for a, b in itertools.pairwise(passages))


def test_passages_carry_article_metadata_and_offsets(pipeline):
    p = pipeline.retriever.run(MINISTERIAL, k=1)[0]
    assert p.chunk.article_id == "004_4043f69cf68954ce.txt" and p.date == "2026-02-04"
    assert p.chunk.end - p.chunk.start == len(p.chunk.text) and p.source.endswith(".txt")


def test_date_filter_keeps_only_articles_in_range(pipeline):
    after = pipeline.retriever.run(MINISTERIAL, k=10, filters=Filters(since="2026-02-10"))
    assert after and {p.chunk.article_id for p in after} == {"000_1e0437848bbfa5aa.txt"}
    before = pipeline.retriever.run(GERMANY_CANADA, k=10, filters=Filters(until="2026-02-10"))
    assert before and {p.chunk.article_id for p in before} == {"004_4043f69cf68954ce.txt"}
    assert pipeline.retriever.run(MINISTERIAL, filters=Filters(since="2027-01-01")) == []


def test_article_filter(pipeline):
    only = Filters(articles=("004_4043f69cf68954ce.txt",))
    passages = pipeline.retriever.run(GERMANY_CANADA, k=10, filters=only)
    assert passages and {p.chunk.article_id for p in passages} == {"004_4043f69cf68954ce.txt"}
