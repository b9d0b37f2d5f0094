"""Each metric against values worked out by hand."""

import math

import pytest

from rag.metrics import (
    answer_contained,
    distinct,
    exact_match,
    hit_at_k,
    mrr_at_k,
    ndcg_at_k,
    percentile,
    recall_at_k,
    token_f1,
)

RANKED = ["d3", "d1", "d7", "d2"]  # gold documents: d1 and d2


def test_retrieval_metrics_by_hand():
    gold = {"d1", "d2"}
    assert (hit_at_k(RANKED, gold, 1), hit_at_k(RANKED, gold, 2)) == (0.0, 1.0)
    assert recall_at_k(RANKED, gold, 2) == 0.5 and recall_at_k(RANKED, gold, 4) == 1.0
    assert mrr_at_k(RANKED, gold, 10) == 0.5 and mrr_at_k(RANKED, gold, 1) == 0.0
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(RANKED, gold, 10) == pytest.approx(dcg / idcg)  # 0.6509
    assert ndcg_at_k(RANKED, gold, 10) == pytest.approx(0.6509, abs=1e-4)


def test_chunks_map_to_documents_in_order_of_best_chunk():
    assert distinct(["a#1", "b#0", "a#2"][i].split("#")[0] for i in range(3)) == ["a", "b"]


def test_answer_metrics_by_hand():
    assert exact_match("The Germany!", ["germany"]) == 1.0
    assert exact_match("Germany and Canada", ["Germany"]) == 0.0
    # pred tokens: germany, and, canada; gold: canada -> P = 1/3, R = 1, F1 = 0.5
    assert token_f1("Germany and Canada", ["Canada", "Brazil"]) == pytest.approx(0.5)
    assert answer_contained("It is USD 12 billion.", ["12 billion"]) == 1.0
    assert answer_contained("a London-based firm", ["London"]) == 1.0
    assert answer_contained("Germany2 said so", ["Germany"]) == 0.0
    assert answer_contained("anything", []) == 0.0


def test_percentile_nearest_rank():
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile(list(range(1, 21)), 95) == 19
