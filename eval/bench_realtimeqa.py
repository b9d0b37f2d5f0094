"""Index build cost, retrieval latency and gold-article hit@k on the RealTime QA dev corpus.

    python eval/bench_realtimeqa.py                       # full corpus (~25 min the first time)
    python eval/bench_realtimeqa.py --limit 20            # first 20 questions, their articles

The corpus is indexed with the same Indexer as `rag index` into --index (embeddings cached in
its .cache, so a second run skips encoding). The cost ratio indexes --ratio-articles articles
into a throw-away index with a fresh cache, then encodes the very same chunk texts with the bare
model, in one process. Prints a Markdown report for BENCHMARKS.md and writes it as JSON too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from eval import realtimeqa
from eval.common import write_jsonl
from rag.chunking import Chunker, chunk_text_for_search
from rag.embedding import make_embedder
from rag.indexing import Indexer
from rag.loading import load_paths
from rag.metrics import percentile
from rag.pipeline import Pipeline
from rag.retrieval import MODES
from rag.settings import Settings
from rag.store import disk_size

BM25_REFERENCE = {"hit@1": 0.418, "hit@5": 0.664, "hit@10": 0.773}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/bench/realtimeqa-dev"),
                    help="folder with corpus.jsonl and questions.jsonl")
    ap.add_argument("--index", type=Path, default=Path("index/bench-realtimeqa"))
    ap.add_argument("--limit", type=int,
                    help="only the first N questions and their articles (quick runs)")
    ap.add_argument("--gold-only", action="store_true",
                    help="with --limit: the first N questions that name a gold article")
    ap.add_argument("--chunk-tokens", type=int, help="override the chunk size setting")
    ap.add_argument("--chunk-overlap", type=int, help="override the chunk overlap setting")
    ap.add_argument("--ratio-articles", type=int, default=60,
                    help="articles for the pipeline-vs-bare-model cost ratio (0 to skip)")
    ap.add_argument("--out", type=Path, default=Path("eval/results/realtimeqa.json"))
    args = ap.parse_args()

    settings = Settings.load(index_dir=args.index, chunk_tokens=args.chunk_tokens,
                             chunk_overlap=args.chunk_overlap)
    embedder = make_embedder(settings)
    lines, questions = realtimeqa.load(args.data, args.limit, args.gold_only)
    corpus = args.data / "corpus.jsonl"
    if args.limit:
        corpus = write_jsonl(lines, args.index.parent / f"{args.index.name}.jsonl")

    result: dict = {"settings": settings.to_json(), "articles": len(lines),
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    if args.ratio_articles:
        result["cost"] = cost_ratio(lines[: args.ratio_articles], settings, embedder)

    report = Indexer(settings, embedder).run([corpus])
    result["build"] = {
        "seconds": round(report.seconds, 1), "chunks": report.chunks_total,
        "chunks_embedded": report.chunks_embedded,
        "chunks_per_s": round(report.chunks_embedded / report.seconds, 1),
        "index_bytes": disk_size(args.index),
    }
    print(f"build: {result['build']}", file=sys.stderr)

    pipeline = Pipeline(settings, embedder)
    gold = [q for q in questions if q.get("gold_doc_ids")]
    result["questions"] = len(gold)
    result["retrieval"] = {}
    for mode in MODES:
        latencies = []
        for q in gold:  # what one user query costs: top-k passages
            t = time.perf_counter()
            pipeline.retrieve(q["question"], mode=mode)
            latencies.append((time.perf_counter() - t) * 1000)
        result["retrieval"][mode] = {
            **realtimeqa.evaluate(pipeline, gold, mode, answers=False),
            "latency_p50_ms": round(percentile(latencies, 50), 1),
            "latency_p95_ms": round(percentile(latencies, 95), 1),
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(markdown(result))
    return 0


def cost_ratio(lines: list[str], settings: Settings, embedder) -> dict:
    """Pipeline chunks/s (load, chunk, embed, save; fresh cache) over bare model.encode on the
    same chunk texts, measured back to back in this process."""
    embedder.encode(["warm up"])  # load the model outside both timings
    with tempfile.TemporaryDirectory() as tmp:
        src = write_jsonl(lines, Path(tmp) / "sample.jsonl")
        s = Settings.load(**{**settings.to_json(), "index_dir": Path(tmp) / "idx" / "sample"})
        report = Indexer(s, embedder).run([src], progress=False)
        chunker = Chunker(s.chunk_tokens, s.chunk_overlap)
        texts = [chunk_text_for_search(a.title, c) for a in load_paths([src]).articles
                 for c in chunker.run(a)]
    t = time.perf_counter()
    embedder.encode(texts)
    bare = time.perf_counter() - t
    pipeline_rate = report.chunks_embedded / report.seconds
    bare_rate = len(texts) / bare
    return {"articles": len(lines), "chunks": len(texts),
            "pipeline_s": round(report.seconds, 1), "bare_model_s": round(bare, 1),
            "pipeline_chunks_per_s": round(pipeline_rate, 1),
            "bare_chunks_per_s": round(bare_rate, 1),
            "overhead": round(bare_rate / pipeline_rate - 1, 3)}


def markdown(r: dict) -> str:
    out = [f"Articles: {r['articles']}, gold questions: {r['questions']}, machine: {r['machine']}, "
           f"chunking {r['settings']['chunk_tokens']}/{r['settings']['chunk_overlap']} tokens.", ""]
    if "cost" in r:
        c = r["cost"]
        out += [f"Cost ratio on {c['articles']} articles ({c['chunks']} chunks): pipeline "
                f"{c['pipeline_chunks_per_s']} chunks/s ({c['pipeline_s']} s) vs bare model "
                f"{c['bare_chunks_per_s']} chunks/s ({c['bare_model_s']} s): overhead "
                f"{c['overhead']:.1%}.", ""]
    b = r["build"]
    out += [f"Build: {b['chunks']} chunks, {b['chunks_embedded']} embedded in {b['seconds']} s "
            f"({b['chunks_per_s']} chunks/s); index on disk {b['index_bytes'] / 1e6:.1f} MB.", "",
            "| retriever | hit@1 | hit@5 | hit@10 | latency p50 ms | p95 ms |",
            "|---|---|---|---|---|---|",
            f"| BM25 reference (bench README, whole articles) | {BM25_REFERENCE['hit@1']} | "
            f"{BM25_REFERENCE['hit@5']} | {BM25_REFERENCE['hit@10']} | | |"]
    for mode, m in r["retrieval"].items():
        out.append(f"| {mode} | {m['hit@1']} | {m['hit@5']} | {m['hit@10']} | "
                   f"{m['latency_p50_ms']} | {m['latency_p95_ms']} |")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
