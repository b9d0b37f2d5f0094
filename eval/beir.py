"""`rag bench beir DIR`: nDCG@10, MRR@10 and recall@100 for bm25 / dense / hybrid on any
BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/*.tsv)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from eval.common import mean, open_index, rank, retrieval_metrics, write_jsonl
from rag.retrieval import MODES
from rag.settings import Settings


def load_qrels(path: Path) -> dict[str, set[str]]:
    relevant: dict[str, set[str]] = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if int(row.get("score", 1)) > 0:
                relevant.setdefault(row["query-id"], set()).add(row["corpus-id"])
    return relevant


def run(data: Path, settings: Settings, qrels: Path | None = None,
        limit: int | None = None) -> dict[str, dict[str, float]]:
    """With `limit`, the first N judged queries over their relevant documents plus the first
    20·N of the corpus: a quick run, not comparable with published figures."""
    qrels = qrels or next(iter(sorted((data / "qrels").glob("*.tsv"))), None)
    if qrels is None:
        raise FileNotFoundError(f"{data}/qrels/*.tsv: no relevance judgements; pass --qrels")
    relevant = load_qrels(qrels)
    queries = {q["_id"]: q["text"] for q in map(json.loads, _lines(data / "queries.jsonl"))}
    judged = [q for q in relevant if q in queries]
    corpus = data / "corpus.jsonl"
    if limit:
        judged = judged[:limit]
        wanted = set().union(*(relevant[q] for q in judged))
        lines = _lines(corpus)
        keep = [x for i, x in enumerate(lines) if i < 20 * limit or json.loads(x)["_id"] in wanted]
        corpus = write_jsonl(keep, settings.index_dir.parent / f"{settings.index_dir.name}.jsonl")
    pipeline, _ = open_index(corpus, settings)
    return {mode: mean([retrieval_metrics(rank(pipeline, queries[q], mode), relevant[q])
                        for q in judged]) for mode in MODES}


def _lines(path: Path) -> list[str]:
    return [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
