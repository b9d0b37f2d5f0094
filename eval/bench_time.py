"""Time awareness on the RealTime QA dev questions, measured in one run.

    python eval/bench_time.py              # with vs without: hit@k (gold questions), MC accuracy
    python eval/bench_time.py --grid       # recency half-life x floor grid, hybrid hit@k

"With time" asks each question as of its own date (later articles unseen, its date words read,
recent or event-dated articles preferred, rag.temporal); "without" searches every article alike.
Uses the index `rag bench realtimeqa` builds (embeddings cached). Prints Markdown for
BENCHMARKS.md and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from eval import realtimeqa
from eval.common import open_index
from rag.pipeline import Pipeline
from rag.retrieval import MODES
from rag.settings import Settings

HIT = ("hit@1", "hit@5", "hit@10", "mrr@10")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/bench/realtimeqa-dev"))
    ap.add_argument("--index", type=Path, default=Path("index/bench-realtimeqa-dev"))
    ap.add_argument("--grid", action="store_true", help="sweep the recency weighting instead")
    ap.add_argument("--half-life", type=float, nargs="+", default=[1, 2, 4, 7, 14, 28],
                    help="--grid: half-lives in days")
    ap.add_argument("--floor", type=float, nargs="+", default=[0.0, 0.25, 0.5],
                    help="--grid: floors")
    ap.add_argument("--limit", type=int, help="only the first N questions (quick runs)")
    ap.add_argument("--out", type=Path, help="JSON output (default eval/results/time.json, or "
                    "recency.json with --grid)")
    args = ap.parse_args()

    _, questions = realtimeqa.load(args.data)
    questions = questions[: args.limit] if args.limit else questions
    gold = [q for q in questions if q.get("gold_doc_ids")]
    pipeline, _ = open_index(args.data / "corpus.jsonl", Settings.load(index_dir=args.index))
    pipeline.embedder = pipeline.retriever.embedder = _Memo(pipeline.embedder)
    if args.grid:
        result, table = grid(pipeline, gold, args.half_life, args.floor)
        out = args.out or Path("eval/results/recency.json")
    else:
        result, table = compare(pipeline, questions, gold)
        out = args.out or Path("eval/results/time.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(table)
    return 0


def compare(pipeline: Pipeline, questions: list[dict], gold: list[dict]) -> tuple[dict, str]:
    rows = []
    for time_aware in (False, True):
        for mode in MODES:
            m = realtimeqa.evaluate(pipeline, gold, mode, answers=False, time_aware=time_aware)
            row = {"time_aware": time_aware, "mode": mode, **{k: m[k] for k in HIT}}
            if mode == "hybrid":  # answers take ~1 s a question: the app's retriever only
                answers = realtimeqa.evaluate(pipeline, questions, mode, time_aware=time_aware)
                row["mc_accuracy"] = answers["mc_accuracy"]
                row["answer_contained"] = answers["answer_contained"]
            rows.append(row)
            print(row, file=sys.stderr)
    s = pipeline.settings
    lines = [f"{len(gold)} gold questions (hit@k), {len(questions)} questions (MC accuracy, "
             f"hybrid); recency half-life {s.recency_half_life_days:g} days, floor "
             f"{s.recency_floor:g}.", "",
             "| time | retriever | hit@1 | hit@5 | hit@10 | MRR@10 | MC accuracy |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        mc = f"{r['mc_accuracy']:.3f}" if "mc_accuracy" in r else ""
        lines.append(f"| {'as of question date' if r['time_aware'] else 'all articles'} | "
                     f"{r['mode']} | {r['hit@1']:.3f} | {r['hit@5']:.3f} | {r['hit@10']:.3f} | "
                     f"{r['mrr@10']:.3f} | {mc} |")
    return {"questions": len(questions), "gold": len(gold), "settings": s.to_json(),
            "rows": rows}, "\n".join(lines)


def grid(pipeline: Pipeline, gold: list[dict], half_lives: list[float], floors: list[float]
         ) -> tuple[dict, str]:
    base, rows = pipeline.settings, []
    for half_life, floor in [(0.0, 0.0)] + [(h, f) for h in half_lives if h for f in floors]:
        pipeline.settings = replace(base, recency_half_life_days=half_life, recency_floor=floor)
        m = realtimeqa.evaluate(pipeline, gold, "hybrid", answers=False)
        rows.append({"half_life": half_life, "floor": floor, **{k: m[k] for k in HIT}})
        print(rows[-1], file=sys.stderr)
    pipeline.settings = base
    lines = [f"{len(gold)} gold questions, hybrid, each as of its question date.", "",
             "| half-life (days) | floor | hit@1 | hit@5 | hit@10 | MRR@10 |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {_days(r['half_life'])} | {r['floor']:g} | {r['hit@1']:.3f} | "
              f"{r['hit@5']:.3f} | {r['hit@10']:.3f} | {r['mrr@10']:.3f} |" for r in rows]
    return {"gold": len(gold), "rows": rows}, "\n".join(lines)


def _days(half_life: float) -> str:
    return f"{half_life:g}" if half_life else "off"


class _Memo:
    """The embedder, remembering each question's vector: every question is asked many times."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.seen = inner, inner.name, inner.dim, {}

    def encode(self, texts: list[str]):
        key = tuple(texts)
        if key not in self.seen:
            self.seen[key] = self.inner.encode(texts)
        return self.seen[key]


if __name__ == "__main__":
    sys.exit(main())
