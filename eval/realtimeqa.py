"""`rag bench realtimeqa DIR`: the RealTime QA shape (corpus.jsonl of news articles,
questions.jsonl of weekly quiz questions) for bm25 / dense / hybrid.

- gold-article hit@1/5/10, MRR@10, nDCG@10 on the questions that name a gold article;
- answer_contained of the answer (short answer and quotes), exact_match and f1 of its short
  answer, against `answer_text`; answered: the share not abstained on (every question here
  has an answer);
- mc_accuracy: among the four `choices`, the one the extractive answerer's evidence names
  (rag.answering.Reading): the choice matching its best short-answer candidate, else the
  choice found in its best answering sentence; when the evidence names none, the one best
  supported by the top-k passages, support(choice) = sum over passages containing the choice
  (normalised) of 1/rank, plus the best cosine between "question + choice" and a passage.
  No LLM involved.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np

from eval.common import DEPTH, mean, open_index, retrieval_metrics, write_jsonl
from rag.evaluation import answer_scores, ranked_articles
from rag.metrics import answer_contained
from rag.pipeline import Pipeline
from rag.retrieval import MODES, Mode
from rag.settings import Settings
from rag.types import Passage


def load(data: Path, limit: int | None = None, gold_only: bool = False
         ) -> tuple[list[str], list[dict]]:
    """Corpus lines and questions; with `limit`, the first N questions and the articles their
    search results and gold answers came from (a quick run, easier than the full corpus)."""
    lines = (data / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(q) for q in (data / "questions.jsonl").read_text().splitlines()]
    if gold_only:
        questions = [q for q in questions if q.get("gold_doc_ids")]
    if limit:
        questions = questions[:limit]
        wanted = {d for q in questions for d in q["gold_doc_ids"] + q["gcs_doc_ids"]}
        lines = [x for x in lines if json.loads(x)["doc_id"] in wanted]
    return lines, questions


def run(data: Path, settings: Settings, limit: int | None = None, answers: bool = True,
        time_aware: bool = True, modes: tuple[Mode, ...] | list[Mode] = MODES
        ) -> dict[str, dict[str, float]]:
    lines, questions = load(data, limit)
    corpus = data / "corpus.jsonl"
    if limit:
        corpus = write_jsonl(lines, settings.index_dir.parent / f"{settings.index_dir.name}.jsonl")
    pipeline, _ = open_index(corpus, settings)
    return {mode: evaluate(pipeline, questions, mode, answers, time_aware) for mode in modes}


def question_date(q: dict) -> date:
    """The week's quiz date ("2022/06/16"): the moment the question is asked."""
    return date(*map(int, q["question_date"].split("/")[:3]))


def evaluate(pipeline: Pipeline, questions: list[dict], mode: Mode, answers: bool = True,
             time_aware: bool = True) -> dict[str, float]:
    """`time_aware`: ask each question as of its date (later articles unseen, its date words
    read, recency preferred); otherwise every article is searched alike."""
    gold, rows = [], []
    for q in questions:
        scope = pipeline.scope(q["question"], question_date(q)) if time_aware else None
        deep = pipeline.retrieve(q["question"], DEPTH, mode=mode, scope=scope)
        if q.get("gold_doc_ids"):
            gold.append(retrieval_metrics(ranked_articles(deep), set(q["gold_doc_ids"])))
        if not answers:
            continue
        # as the app answers: from the top k, or from every date when the dates hold none
        result, _ = pipeline.search(q["question"], mode=mode, scope=scope)
        passages = result.retrieved
        answer = result.to_json()
        pick = choose(pipeline, q["question"], q["choices"], passages)
        rows.append({**answer_scores(answer, q["answer_text"]),
                     "answered": float(not answer["abstained"]),
                     "mc_accuracy": float(pick in q["answer_idx"])})
    return {**{k: v for k, v in mean(gold).items() if k != "recall@100"}, **mean(rows)}


def choose(pipeline: Pipeline, question: str, choices: list[str],
           passages: list[Passage]) -> int:
    """Index of the choice the evidence names (see the module docstring)."""
    if not passages:
        return 0
    named = evidence_choice(pipeline, question, choices, passages)
    if named is not None:
        return named
    lexical = [sum(answer_contained(p.chunk.text, [c]) / p.rank for p in passages)
               for c in choices]
    vectors = pipeline.embedder.encode([f"{question} {c}" for c in choices]
                                       + [p.chunk.text for p in passages])
    semantic = (vectors[: len(choices)] @ vectors[len(choices) :].T).max(axis=1)
    return int(np.argmax(np.asarray(lexical) + semantic))


def evidence_choice(pipeline: Pipeline, question: str, choices: list[str],
                    passages: list[Passage]) -> int | None:
    """The choice that the best short-answer candidate is (or contains, or is part of), else
    the choice in the best-supported answering unit; None when the evidence names none."""
    reading = pipeline.answerer_for("extractive").read(question, passages)
    if reading is None:
        return None
    for candidate in reading.candidates():
        hits = [i for i, c in enumerate(choices)
                if answer_contained(candidate.text, [c]) or answer_contained(c, [candidate.text])]
        if len(hits) == 1:
            return hits[0]
    units = sorted(np.flatnonzero(reading.answering), key=lambda u: -reading.support[u])
    for u in units:
        text = " ".join(reading.sentences[i].text for i in reading.units[u])
        hits = [i for i, c in enumerate(choices) if answer_contained(text, [c])
                and not reading.question.names(c)]
        if len(hits) == 1:
            return hits[0]
    return None
