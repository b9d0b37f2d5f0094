import itertools
from datetime import date

import pytest

from rag.indexing import Indexer
from rag.pipeline import Pipeline
from rag.retrieval import MODES, Preference
from rag.settings import Settings
from rag.types import Filters

from .conftest import GERMANY_CANADA, SEEDS

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


# -- time and stories ----------------------------------------------------------------------
NEWER, OLDER = "000_1e0437848bbfa5aa.txt", "004_4043f69cf68954ce.txt"  # 2026-02-24, 2026-02-04
COPY = "wire_copy.txt"  # NEWER re-published by another outlet, dated 2026-02-26


@pytest.fixture(scope="module")
def news(tmp_path_factory, embedder):
    """The seeds plus the same wire story carried by a second outlet, two days later."""
    folder = tmp_path_factory.mktemp("news")
    for f in SEEDS.iterdir():
        (folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    body = (SEEDS / NEWER).read_text(encoding="utf-8").split("2026-02-24 ", 1)[1]
    (folder / COPY).write_text(f"date 2026-02-26 NEW DELHI (Wire) - {body}\nShare this story.",
                               encoding="utf-8")
    settings = Settings.load(index_dir=folder / "index")
    Indexer(settings, embedder).run([folder], progress=False)
    return Pipeline(settings, embedder)


def _articles(answer) -> set[str]:
    return {p.chunk.article_id for p in answer.retrieved}


def test_articles_after_the_as_of_date_are_never_used(news):
    for question in (GERMANY_CANADA, MINISTERIAL, "India critical minerals"):
        answer = news.ask(question, k=10, as_of=date(2026, 2, 10))
        assert _articles(answer) == {OLDER}
        assert {c.passage.chunk.article_id for c in answer.citations} <= {OLDER}
        assert answer.to_json()["time"]["as_of"] == "2026-02-10"


def test_last_week_selects_that_weeks_articles(news):
    # as of Tuesday 3 March, last week is Monday 23 February to Sunday 1 March, reported up to
    # as-of
    answer = news.ask("What did the Cabinet plan with Germany last week?", k=10,
                      as_of=date(2026, 3, 3))
    assert _articles(answer) == {NEWER}  # one story: the copy is named, not shown again
    time = answer.to_json()["time"]
    assert (time["since"], time["until"], time["phrase"]) == ("2026-02-23", "2026-03-03",
                                                              "last week")
    assert "from 2026-02-23 to 2026-03-03 (events of 2026-02-23 to 2026-03-01" in time["note"]
    earlier = news.ask("Who spoke ahead of the ministerial last week?", k=10,
                       as_of=date(2026, 2, 10))
    assert _articles(earlier) == {OLDER}


def test_last_weeks_event_is_found_in_its_report_this_week(pipeline):
    """Issue 10: as of Sunday 1 March, last week is 16 to 22 February; the seed reporting
    that week's news was published on 24 February."""
    answer = pipeline.ask("What did India agree with Brazil last week?", k=10,
                          as_of=date(2026, 3, 1))
    assert (answer.scope.since, answer.scope.until) == ("2026-02-16", "2026-03-01")
    assert _articles(answer) == {NEWER}


def test_date_reading_can_be_undone(news):
    undone = news.ask("What did the Cabinet plan with Germany last week?", k=10,
                      as_of=date(2026, 3, 3), read_dates=False)
    shown = _articles(undone)  # every date, the story once (either copy)
    assert OLDER in shown and len(shown & {NEWER, COPY}) == 1
    assert undone.to_json()["time"]["phrase"] is None


def test_recency_prefers_newer_articles_when_the_question_names_no_date(news):
    strong = Preference("2026-02-26", "2026-02-26", half_life_days=1, floor=0.0)
    passages = news.retriever.run("India critical minerals", k=3, prefer=strong)
    assert passages[0].chunk.article_id in {NEWER, COPY}
    plain = news.retriever.run(MINISTERIAL, k=1)
    assert plain[0].chunk.article_id == OLDER  # without recency the best match still wins


def test_copies_of_a_story_are_grouped_and_both_outlets_listed(news):
    assert {NEWER, COPY, OLDER} <= {m["id"] for m in news.store.filter()}  # nothing dropped
    answer = news.ask(GERMANY_CANADA, k=10, as_of=date(2026, 3, 1))
    shown = _articles(answer)
    assert OLDER in shown and len(shown & {NEWER, COPY}) == 1
    top = next(p for p in answer.retrieved if p.chunk.article_id in {NEWER, COPY})
    other = ({NEWER, COPY} - {top.chunk.article_id}).pop()
    assert [o.article_id for o in top.also_in] == [other]
    cited = answer.to_json()["citations"][0]
    assert cited["doc_id"] in {NEWER, COPY}
    assert [o["doc_id"] for o in cited["also_in"]] == [other]


def test_an_outlet_that_published_after_as_of_is_not_listed(news):
    answer = news.ask(GERMANY_CANADA, k=10, as_of=date(2026, 2, 25))
    top = next(p for p in answer.retrieved if p.chunk.article_id == NEWER)
    assert top.also_in == ()


def test_before_an_event_the_articles_date(news):
    answer = news.ask("What was said before the Ministerial?", k=10, as_of=date(2026, 3, 1))
    assert answer.scope.until == "2026-02-04" and answer.scope.since is None
    assert "2026-02-04, per" in answer.to_json()["time"]["note"]
    assert _articles(answer) == {OLDER}
