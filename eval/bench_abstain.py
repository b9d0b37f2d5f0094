"""Calibrate the extractive answerer's abstention: the tie a sentence needs with the question
(`ExtractiveAnswerer.TIE`) against the support below which it abstains (`min_support`), on the
seeds eval set (abstention precision and recall, answer contained) and, with --realtimeqa, on
the RealTime QA dev questions, which all have an answer (answered, EM, F1 of the short answer).

    python eval/bench_abstain.py                       # seeds grid
    python eval/bench_abstain.py --realtimeqa          # and RealTime QA (index built by
                                                       # `rag bench realtimeqa`, ~2 min a cell)

Prints a Markdown table for BENCHMARKS.md and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from eval import realtimeqa
from eval.common import open_index
from rag.answering import ExtractiveAnswerer
from rag.evaluation import evaluate, load_eval_set
from rag.indexing import Indexer
from rag.pipeline import Pipeline
from rag.settings import Settings

SEEDS = ("answer_contained", "exact_match", "abstention_precision", "abstention_recall",
         "citation_precision")
RTQA = ("answered", "exact_match", "f1", "answer_contained")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tie", type=float, nargs="+", default=[0.2, 0.3, 0.4])
    ap.add_argument("--min-support", type=float, nargs="+", default=[0.4, 0.45, 0.5])
    ap.add_argument("--index", type=Path, default=Path("index/bench-seeds"))
    ap.add_argument("--realtimeqa", action="store_true")
    ap.add_argument("--data", type=Path, default=Path("../shared/bench/realtimeqa-dev"))
    ap.add_argument("--rtqa-index", type=Path, default=Path("index/bench-realtimeqa-dev"))
    ap.add_argument("--out", type=Path, default=Path("eval/results/abstain.json"))
    args = ap.parse_args()

    settings = Settings.load(index_dir=args.index)
    Indexer(settings).run([Path("seeds")], progress=False)
    seeds = Pipeline(settings)
    items = load_eval_set(Path("eval/seeds.jsonl"))
    rtqa = questions = None
    if args.realtimeqa:
        _, questions = realtimeqa.load(args.data)
        rtqa, _ = open_index(args.data / "corpus.jsonl", Settings.load(index_dir=args.rtqa_index))
    rows = []
    for tie in args.tie:
        for floor in args.min_support:
            row: dict = {"tie": tie, "min_support": floor}
            ExtractiveAnswerer.TIE = tie
            seeds.settings = replace(seeds.settings, min_support=floor)
            seeds.answerer.min_support = floor
            overall = evaluate(seeds, items)["overall"]
            row |= {f"seeds {k}": overall.get(k) for k in SEEDS}
            if rtqa is not None:
                rtqa.answerer_for("extractive").min_support = floor
                m = realtimeqa.evaluate(rtqa, questions, "hybrid")
                row |= {f"rtqa {k}": m.get(k) for k in RTQA}
            rows.append(row)
            print(row, file=sys.stderr, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows}, indent=1))
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |\n" + "|---" * len(cols) + "|")
    for r in rows:
        print("| " + " | ".join(f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c])
                                for c in cols) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
