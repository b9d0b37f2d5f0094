"""Embedding backends on this machine: speed, and what each costs in retrieval quality.

    python eval/bench_embedding.py                          # every backend, full benchmarks
    python eval/bench_embedding.py --backends torch openvino --skip-quality

For each backend (rag/embedding.py BACKENDS):
- speed: passages a second embedding the passages of the first --articles RealTime QA dev
  articles (as indexed: headline + passage, ~200 tokens) with the bare backend, after a
  warm-up; then the same articles through `Indexer` into a new index with a new embedding
  cache, and the pipeline's overhead over the bare backend;
- agreement: cosine of each passage's vector with PyTorch's;
- quality: SciFact (train qrels) nDCG@10 and RealTime QA dev hit@5 (gold questions, the whole
  corpus), dense and hybrid, each indexed into index/bench-<name>-<backend> (cached vectors
  are reused, so a second run only searches).

Benchmark data is read from ../shared/bench and never copied into the project. Writes JSON
and prints Markdown rows for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eval import beir, realtimeqa  # noqa: E402
from rag.chunking import Chunker, chunk_text_for_search  # noqa: E402
from rag.embedding import BACKENDS, SentenceTransformerEmbedder  # noqa: E402
from rag.indexing import Indexer  # noqa: E402
from rag.loading import load_paths  # noqa: E402
from rag.settings import Settings  # noqa: E402

BENCH = ROOT.parent / "shared" / "bench"


def speed(backend: str, articles: int, reference: np.ndarray | None) -> dict:
    lines = (BENCH / "realtimeqa-dev" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "sample.jsonl"
        src.write_text("\n".join(lines[:articles]) + "\n", encoding="utf-8")
        settings = Settings.load(index_dir=Path(tmp) / "index" / "sample", embed_backend=backend)
        chunker = Chunker(settings.chunk_tokens, settings.chunk_overlap)
        texts = [chunk_text_for_search(a.title, c) for a in load_paths([src]).articles
                 for c in chunker.run(a)]
        embedder = SentenceTransformerEmbedder(backend=backend, exports=ROOT / "index" / ".cache"
                                               / "models")
        embedder.encode(texts[:8])  # load (and export, the first time) outside the timings
        t = time.perf_counter()
        vectors = embedder.encode(texts)
        bare = time.perf_counter() - t
        report = Indexer(settings, embedder).run([src], progress=False)
    out = {"passages": len(texts), "bare_s": round(bare, 1),
           "passages_per_s": round(len(texts) / bare, 1),
           "pipeline_s": round(report.seconds, 1),
           "pipeline_overhead": round(report.seconds / bare - 1, 3)}
    if reference is not None:
        cos = (vectors * reference).sum(axis=1)
        out.update(cos_min=round(float(cos.min()), 5), cos_median=round(float(np.median(cos)), 5))
    return out, vectors


def quality(backend: str) -> dict:
    scifact = beir.run(BENCH / "scifact", Settings.load(
        index_dir=ROOT / "index" / f"bench-scifact-{backend}", embed_backend=backend),
        qrels=BENCH / "scifact" / "qrels" / "train.tsv")
    rtqa = realtimeqa.run(BENCH / "realtimeqa-dev", Settings.load(
        index_dir=ROOT / "index" / f"bench-realtimeqa-{backend}", embed_backend=backend),
        answers=False, modes=("dense", "hybrid"))
    return {f"scifact_ndcg@10_{m}": round(scifact[m]["ndcg@10"], 4) for m in ("dense", "hybrid")
            } | {f"rtqa_hit@5_{m}": round(rtqa[m]["hit@5"], 4) for m in ("dense", "hybrid")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    ap.add_argument("--articles", type=int, default=60, help="articles for the speed runs")
    ap.add_argument("--skip-quality", action="store_true", help="speed and agreement only")
    ap.add_argument("--out", type=Path, default=ROOT / "eval/results/embedding.json")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    results: dict[str, dict] = json.loads(args.out.read_text()) if args.out.exists() else {}
    reference = None
    for backend in ["torch", *[b for b in args.backends if b != "torch"]]:
        row, vectors = speed(backend, args.articles, reference)
        reference = vectors if backend == "torch" else reference
        if backend not in args.backends:
            continue
        if not args.skip_quality:
            row |= quality(backend)
        results[backend] = row
        print(json.dumps({backend: row}), flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    base = results.get("torch", {}).get("passages_per_s")
    print("\n| backend | passages/s | vs torch | pipeline overhead | cosine to torch (min) "
          "| SciFact nDCG@10 dense / hybrid | RTQA hit@5 dense / hybrid |")
    print("|---|---|---|---|---|---|---|")
    for b, r in results.items():
        print(f"| {b} | {r['passages_per_s']} | "
              f"{r['passages_per_s'] / base:.2f}x | {r['pipeline_overhead']:.1%} | "
              f"{r.get('cos_min', 1.0)} | {r.get('scifact_ndcg@10_dense', '-')} / "
              f"{r.get('scifact_ndcg@10_hybrid', '-')} | {r.get('rtqa_hit@5_dense', '-')} / "
              f"{r.get('rtqa_hit@5_hybrid', '-')} |" if base else f"| {b} | {r} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
