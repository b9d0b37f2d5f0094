"""How much to prefer recent articles: gold-article hit@k on the RealTime QA dev questions for a
grid of recency half-lives and floors (see rag.retrieval.Recency), each question asked as of its
own date. Retrieval only, on the index `rag bench realtimeqa` builds (embeddings cached).

    python eval/bench_recency.py                     # the grid behind Settings' defaults
    python eval/bench_recency.py --half-life 3 7 --floor 0.5

Prints a Markdown table for BENCHMARKS.md and writes it as JSON too.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from eval import realtimeqa
from eval.common import open_index
from rag.retrieval import MODES
from rag.settings import Settings


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/bench/realtimeqa-dev"))
    ap.add_argument("--index", type=Path, default=Path("index/bench-realtimeqa-dev"))
    ap.add_argument("--half-life", type=float, nargs="+", default=[1, 2, 3, 5, 7, 14, 30],
                    help="half-lives in days to try (0 = no recency weighting)")
    ap.add_argument("--floor", type=float, nargs="+", default=[0.0, 0.25, 0.5, 0.75])
    ap.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    ap.add_argument("--out", type=Path, default=Path("eval/results/recency.json"))
    args = ap.parse_args()

    _, questions = realtimeqa.load(args.data, gold_only=True)
    pipeline, _ = open_index(args.data / "corpus.jsonl", Settings.load(index_dir=args.index))
    base = pipeline.settings
    rows = []
    grid = [(0.0, 0.0)] + [(h, f) for h in args.half_life if h for f in args.floor]
    for half_life, floor in grid:
        pipeline.settings = replace(base, recency_half_life_days=half_life, recency_floor=floor)
        for mode in args.modes:
            m = realtimeqa.evaluate(pipeline, questions, mode, answers=False)
            rows.append({"half_life": half_life, "floor": floor, "mode": mode,
                         **{k: m[k] for k in ("hit@1", "hit@5", "hit@10", "mrr@10")}})
            print(rows[-1], file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"questions": len(questions), "rows": rows}, indent=1))
    print(f"{len(questions)} gold questions, each as of its question date.\n")
    print("| half-life (days) | floor | retriever | hit@1 | hit@5 | hit@10 | MRR@10 |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        label = "off" if not r["half_life"] else f"{r['half_life']:g}"
        print(f"| {label} | {r['floor']:g} | {r['mode']} | {r['hit@1']:.3f} | {r['hit@5']:.3f} "
              f"| {r['hit@10']:.3f} | {r['mrr@10']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
