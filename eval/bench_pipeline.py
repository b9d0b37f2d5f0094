"""What indexing costs around the model: loading, chunking, store writes, postings and stories,
with the model replaced by one that costs nothing, so a fast embedder (a GPU, a Ray cluster)
is limited by the model and not by the pipeline.

    python eval/bench_pipeline.py                   # 4 copies of RealTime QA dev (~105k passages)
    python eval/bench_pipeline.py --copies 1 --profile   # where the time goes
    python eval/bench_pipeline.py --model PATH      # a real (or tiny random) model instead

The corpus is the RealTime QA dev articles (read from ../shared/bench, never copied into the
project), written --copies times (a jsonl each) under --work, each copy with its own ids and a
headline marked with its copy number: every passage is new to the embedding cache, and the
copies of one article make one story, as wire copy does. The "free" embedder returns a fixed
unit vector per text (no model, no hashing beyond the cache's own). The index and cache are
new each run. Prints one JSON line and writes --out.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.indexing import Indexer  # noqa: E402
from rag.settings import Settings  # noqa: E402

DIM = 384


class FreeEmbedder:
    """Costs nothing: every text gets the same unit vector."""

    name = "free"
    dim = DIM
    batch_size = 512

    def __init__(self) -> None:
        self._unit = np.full(DIM, DIM ** -0.5, dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.broadcast_to(self._unit, (len(texts), DIM)).copy()


def corpus(data: Path, copies: int, folder: Path) -> int:
    """`copies` copies of `data`, one jsonl each, in `folder`; how many articles they hold."""
    rows = [json.loads(line) for line in data.open(encoding="utf-8") if line.strip()]
    folder.mkdir(parents=True)
    for k in range(copies):
        with (folder / f"copy-{k + 1}.jsonl").open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps({**r, "doc_id": f"{r['doc_id']}-{k}",
                                    "title": f"{r.get('title') or ''} ({k + 1})"}) + "\n")
    return len(rows) * copies


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path,
                    default=ROOT.parent / "shared/bench/realtimeqa-dev/corpus.jsonl")
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--model", help="a sentence-transformers folder instead of the free embedder")
    ap.add_argument("--work", type=Path, default=Path("/tmp/rag-bench-pipeline"))
    ap.add_argument("--profile", action="store_true", help="print the 25 costliest functions")
    ap.add_argument("--out", type=Path, default=ROOT / "eval/results/pipeline.json")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    path = args.work / "corpus"
    articles = corpus(args.data, args.copies, path)
    settings = Settings.load(index_dir=args.work / "index", model=args.model or "free")
    indexer = Indexer(settings, None if args.model else FreeEmbedder())
    if args.model:
        indexer.embedder.encode(["warm up"])  # the model's import and load are not the pipeline

    profile = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profile:
        profile.enable()
    report = indexer.run([path], progress=None)
    if profile:
        profile.disable()
    seconds = time.perf_counter() - started
    if report.skipped:
        print(f"{len(report.skipped)} skipped, e.g. {report.skipped[0]}", file=sys.stderr)
    passages = report.chunks_indexed
    result = {
        "embedder": args.model or "free", "copies": args.copies, "articles": articles,
        "passages": passages, "seconds": round(seconds, 1),
        "passages_per_second": round(passages / seconds, 1),
        "embed_seconds": round(report.embed_seconds, 1),
        "without_embedding_per_second": round(passages / (seconds - report.embed_seconds), 1),
        "cores": os.cpu_count(),
    }
    print(json.dumps(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
