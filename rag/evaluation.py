"""Eval set -> report: every question through the same Pipeline as the app, scored with
rag.metrics, aggregated overall and per question type, failures kept for reading."""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

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
from rag.pipeline import Pipeline
from rag.types import Passage

TYPES = ("single", "multi", "temporal", "unanswerable")
RETRIEVAL_DEPTH = 100  # chunks retrieved for the article-level ranking; the answer sees the top k
LOWER_IS_BETTER = ("latency_p50_ms", "latency_p95_ms", "first_token_p50_ms", "answer_p50_ms",
                   "fallback_rate")


@dataclass(frozen=True)
class EvalItem:
    id: str
    question: str
    answers: tuple[str, ...]  # acceptable answer strings; none for unanswerable questions
    sources: tuple[str, ...]  # article ids (file names or doc ids) that hold the answer
    type: str
    as_of: date | None = None  # when the question is asked (default: today)


def ranked_articles(passages: list[Passage]) -> list[str]:
    """Article ids in rank order; a story's other outlets rank with it (its citation names
    them), so grouping copies never hides a gold article."""
    return distinct(a for p in passages for a in (p.chunk.article_id,
                                                  *(o.article_id for o in p.also_in)))


def load_eval_set(path: Path) -> list[EvalItem]:
    """Hand-written sets fail loudly: ValueError naming the file, line and field."""
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            as_of = row.get("as_of")
            item = EvalItem(str(row["id"]), str(row["question"]), tuple(row.get("answers", [])),
                            tuple(row.get("sources", [])), str(row.get("type", "single")),
                            date.fromisoformat(as_of) if as_of else None)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
            raise ValueError(f"{path}:{n}: expected a JSON object with id, question, answers, "
                             f"sources, type and optionally as_of (YYYY-MM-DD) ({e})") from None
        if item.type not in TYPES:
            raise ValueError(f"{path}:{n}: type {item.type!r} is not one of {', '.join(TYPES)}")
        if (item.type == "unanswerable") != (not item.answers):
            raise ValueError(f"{path}:{n}: give answers exactly when type is not unanswerable")
        items.append(item)
    if not items:
        raise ValueError(f"{path}: no questions")
    return items


def score(item: EvalItem, answer: dict, ranked: list[str], k: int) -> dict[str, float]:
    """One question's metrics; a metric that does not apply to it is left out."""
    m: dict[str, float] = {}
    relevant = set(item.sources)
    if relevant:
        m.update({f"hit@{n}": hit_at_k(ranked, relevant, n) for n in (1, 3, 5, 10)})
        m[f"recall@{k}"] = recall_at_k(ranked, relevant, k)
        m["mrr@10"] = mrr_at_k(ranked, relevant, 10)
        m["ndcg@10"] = ndcg_at_k(ranked, relevant, 10)
    cited = answer["citations"]
    if item.answers:
        m.update(answer_scores(answer, item.answers))
    m["citation_validity"] = _validity(answer)
    if cited and not answer["abstained"]:
        good = [c for c in cited if c["doc_id"] in relevant
                or answer_contained(c["text"], item.answers)]
        m["citation_precision"] = len(good) / len(cited)
        if relevant:
            m["citation_recall"] = len(relevant & {c["doc_id"] for c in cited}) / len(relevant)
    return m


def answer_scores(answer: dict, golds: Sequence[str]) -> dict[str, float]:
    """answer_contained over the whole answer (short answer and quotes); exact match and F1 on
    the short answer, else (a description, or an answerer that gives none) the whole answer.
    The eval sets and the benchmarks score answers with it."""
    short = answer["short_answer"]["text"] if answer.get("short_answer") else answer["answer"]
    return {"answer_contained": answer_contained(f"{short}\n{answer['answer']}", golds),
            "exact_match": exact_match(short, golds), "f1": token_f1(short, golds)}


def _validity(answer: dict) -> float:
    """Every [n] in the text names a listed citation, and every citation was a shown passage."""
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])]
    listed = {c["n"] for c in answer["citations"]}
    shown = {p["chunk_id"] for p in answer["retrieved"]}
    ok = all(n in listed for n in numbers) and all(c["chunk_id"] in shown
                                                   for c in answer["citations"])
    return float(ok)


def evaluate(pipeline: Pipeline, items: list[EvalItem], k: int | None = None,
             on_question: Callable[[], None] | None = None) -> dict[str, Any]:
    k = k or pipeline.settings.k
    rows = []
    for item in items:
        t0 = time.perf_counter()
        scope = pipeline.scope(item.question, item.as_of)
        result, deep = pipeline.search(item.question, k, scope=scope, depth=RETRIEVAL_DEPTH)
        answer = result.to_json()
        total_ms = (time.perf_counter() - t0) * 1000
        ranked = ranked_articles(deep)
        rows.append({"item": item, "answer": answer, "ms": total_ms,
                     "metrics": score(item, answer, ranked, k)})
        if on_question:
            on_question()
    return {
        "overall": aggregate(rows),
        "by_type": {t: aggregate([r for r in rows if r["item"].type == t])
                    for t in TYPES if any(r["item"].type == t for r in rows)},
        "failures": [_failure(r) for r in rows if _failed(r)],
        "config": {"k": k, "questions": len(items), "settings": pipeline.settings.to_json(),
                   "index_manifest": dict(pipeline.store.manifest),
                   "answerer": pipeline.answerer.name,
                   "when": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
    }


def aggregate(rows: list[dict]) -> dict[str, float]:
    out: dict[str, float] = {}
    names = dict.fromkeys(n for r in rows for n in r["metrics"])
    for name in names:
        values = [r["metrics"][name] for r in rows if name in r["metrics"]]
        out[name] = round(statistics.fmean(values), 4)
    abstained = [r for r in rows if r["answer"]["abstained"]]
    unanswerable = [r for r in rows if r["item"].type == "unanswerable"]
    if abstained:
        out["abstention_precision"] = round(
            sum(r["item"].type == "unanswerable" for r in abstained) / len(abstained), 4)
    if unanswerable:
        out["abstention_recall"] = round(
            sum(r["answer"]["abstained"] for r in unanswerable) / len(unanswerable), 4)
    out["abstention_accuracy"] = round(statistics.fmean(
        r["answer"]["abstained"] == (r["item"].type == "unanswerable") for r in rows), 4)
    out["latency_p50_ms"] = round(percentile([r["ms"] for r in rows], 50), 1)
    out["latency_p95_ms"] = round(percentile([r["ms"] for r in rows], 95), 1)
    for stage in ("first_token", "answer"):  # of the answerer alone, after retrieval
        times = [r["answer"]["timings_ms"][stage] for r in rows]
        out[f"{stage}_p50_ms"] = round(percentile(times, 50), 1)
    # Generative backends: answers replaced by the extractive one (model failed or unsupported).
    out["fallback_rate"] = round(statistics.fmean(r["answer"]["fallback"] is not None
                                                  for r in rows), 4)
    return out


def _failed(row: dict) -> bool:
    item, answer, m = row["item"], row["answer"], row["metrics"]
    if item.type == "unanswerable":
        return not answer["abstained"]
    return answer["abstained"] or not m.get("answer_contained") or not m.get("hit@5", 1.0)


def _failure(row: dict) -> dict:
    item, answer = row["item"], row["answer"]
    if item.type == "unanswerable":
        why = "answered a question the articles don't answer"
    elif answer["abstained"]:
        why = "abstained on an answerable question"
    elif not row["metrics"].get("hit@5", 1.0):
        why = "no gold article in the top 5"
    else:
        why = "answer lacks every expected string"
    return {"id": item.id, "type": item.type, "question": item.question, "why": why,
            "expected": list(item.answers), "sources": list(item.sources),
            "got": answer["answer"], "short_answer": answer.get("short_answer"),
            "abstained": answer["abstained"],
            "fallback": answer["fallback"],
            "cited": [{"n": c["n"], "doc_id": c["doc_id"], "text": c["text"]}
                      for c in answer["citations"]]}


def compare(old: dict, new: dict) -> list[tuple[str, float, float, float, str]]:
    """(metric, old, new, delta, 'better' | 'worse' | 'same') for overall metrics in both."""
    rows = []
    for name, value in new["overall"].items():
        if name not in old.get("overall", {}):
            continue
        delta = value - old["overall"][name]
        sign = -1 if name in LOWER_IS_BETTER else 1
        verdict = "same" if abs(delta) < 1e-9 else ("better" if sign * delta > 0 else "worse")
        rows.append((name, old["overall"][name], value, round(delta, 4), verdict))
    return rows


def missed_thresholds(report: dict, minimums: dict[str, float]) -> list[str]:
    out = []
    for name, floor in minimums.items():
        value = report["overall"].get(name)
        if value is None:
            out.append(f"{name}: not measured (known: {', '.join(report['overall'])})")
        elif value < floor:
            out.append(f"{name} = {value} is below the minimum {floor}")
    return out
