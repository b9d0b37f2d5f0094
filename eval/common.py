"""What every benchmark does: index a corpus with the real Indexer (embeddings cached, so a
second run skips encoding) and rank its articles for a question with each retriever."""

from __future__ import annotations

import sys
from pathlib import Path

from rag.evaluation import RETRIEVAL_DEPTH as DEPTH
from rag.evaluation import ranked_articles
from rag.indexing import Indexer, IndexReport
from rag.metrics import hit_at_k, mrr_at_k, ndcg_at_k, recall_at_k
from rag.pipeline import Pipeline
from rag.retrieval import Mode
from rag.settings import Settings


def open_index(corpus: Path, settings: Settings) -> tuple[Pipeline, IndexReport]:
    indexer = Indexer(settings)
    report = indexer.run([corpus])
    if report.skipped:
        print(f"{len(report.skipped)} corpus lines skipped, e.g. {report.skipped[0]}",
              file=sys.stderr)
    return Pipeline(settings, indexer.embedder), report


def rank(pipeline: Pipeline, question: str, mode: Mode) -> list[str]:
    return ranked_articles(pipeline.retrieve(question, DEPTH, mode=mode))


def retrieval_metrics(ranked: list[str], relevant: set[str]) -> dict[str, float]:
    return {**{f"hit@{k}": hit_at_k(ranked, relevant, k) for k in (1, 5, 10)},
            "mrr@10": mrr_at_k(ranked, relevant, 10), "ndcg@10": ndcg_at_k(ranked, relevant, 10),
            "recall@100": recall_at_k(ranked, relevant, 100)}


def mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(sum(r[k] for r in rows) / len(rows), 4) for k in rows[0]} if rows else {}


def write_jsonl(lines: list[str], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
