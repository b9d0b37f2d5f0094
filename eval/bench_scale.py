"""What the store costs as the archive grows: build, cold open, memory, adding articles, hybrid
queries with an as-of date, and ANN recall, at 10k / 100k / 1M passages.

    python eval/bench_scale.py --sizes 10000 100000 1000000 [--quantize none sq8]

Real news text, recycled: the RealTime QA dev corpus chunked as `rag index` would, each copy a
new article dated a week earlier than the last. Vectors are the real MiniLM vectors of those
passages where the embedding cache (index/.cache, filled by `rag bench realtimeqa`) has them,
with Gaussian noise per copy so copies are distinct but keep the real neighbourhoods; random
unit vectors otherwise (`--random`), which make any ANN index look worse than it is on text.
Embedding 1M passages would take 16 days here; the model's cost is measured elsewhere.

Each size is built into --work/<size>[-sq8]/ through the store's writer, as the indexer writes
(batches of about 512 passages a transaction); then a fresh process (`--probe`) opens it
cold, answers one question, and times 200 hybrid retrievals as of their question dates (the
question vectors are noisy copies of passage vectors: no model is loaded); the parent measures
ANN recall@100 against exact search on the same vectors, then adds 10 articles five times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.chunking import Chunker, chunk_text_for_search  # noqa: E402
from rag.loading import load_paths  # noqa: E402
from rag.metrics import percentile  # noqa: E402
from rag.settings import DEFAULT_MODEL, Settings  # noqa: E402
from rag.store import Store, disk_size  # noqa: E402
from rag.types import Article, Chunk, Filters  # noqa: E402

CORPUS = ROOT.parent / "shared" / "bench" / "realtimeqa-dev"
DIM = 384
NOISE = 0.25  # per-dimension noise scale relative to a unit vector's 1/sqrt(dim) spread
BATCH = 512


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _base(settings: Settings) -> tuple[list[tuple[Article, list[Chunk]]], np.ndarray]:
    """The corpus chunked once, with each passage's vector (cached real, else random)."""
    from rag.embedding import EmbeddingCache
    from rag.indexing import cache_path

    loaded = load_paths([CORPUS / "corpus.jsonl"])
    chunker = Chunker(settings.chunk_tokens, settings.chunk_overlap)
    base = [(a, chunker.run(a)) for a in loaded.articles]
    texts = [chunk_text_for_search(a.title, c) for a, cs in base for c in cs]
    rng = np.random.default_rng(0)
    vectors = _unit(rng.standard_normal((len(texts), DIM), dtype=np.float32))
    path = cache_path(settings)
    if path.exists() and not ARGS.random:
        class _NoModel:
            name = DEFAULT_MODEL
            dim = DIM

        cache = EmbeddingCache(path, _NoModel())  # type: ignore[arg-type]
        found = cache._get({cache.key(t) for t in texts})
        cache.close()
        hits = [i for i, t in enumerate(texts) if cache.key(t) in found]
        for i in hits:
            vectors[i] = found[cache.key(texts[i])]
        print(f"vectors: {len(hits)} of {len(texts)} real (cached MiniLM), the rest random",
              file=sys.stderr)
    return base, vectors


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _copies(base: list[tuple[Article, list[Chunk]]], vectors: np.ndarray, size: int,
            first: int = 0):
    """(article, chunks, vectors) of copies first, first+1, ... until `size` passages; copy c
    is dated 7·c days before the original, its vectors noisy with a seed of its own."""
    made, copy = 0, first
    while made < size:
        rng = np.random.default_rng(copy)
        at = 0
        for article, chunks in base:
            vecs = vectors[at:at + len(chunks)]
            at += len(chunks)
            if made >= size:
                return
            chunks = chunks[:size - made]
            vecs = vecs[:len(chunks)]
            day = (date.fromisoformat(article.date) - timedelta(days=7 * copy)).isoformat() \
                if article.date else None
            aid = f"{article.id}~{copy}"
            if copy:
                vecs = _unit(vecs + rng.standard_normal(vecs.shape, dtype=np.float32)
                             * NOISE / DIM ** 0.5)
            yield (replace(article, id=aid, date=day),
                   [replace(c, id=f"{aid}#{i}", article_id=aid) for i, c in enumerate(chunks)],
                   vecs.astype(np.float32))
            made += len(chunks)
        copy += 1


def _queries(vectors: np.ndarray, n: int = 200) -> np.ndarray:
    """Question vectors without a model: noisy copies of random passages' vectors."""
    rng = np.random.default_rng(3)
    picked = vectors[rng.choice(len(vectors), n, replace=False)]
    return _unit(picked + rng.standard_normal(picked.shape, dtype=np.float32)
                 * NOISE / DIM ** 0.5).astype(np.float32)


def build(root: Path, settings: Settings, items) -> dict:
    shutil.rmtree(root, ignore_errors=True)
    store = Store.create(root, DEFAULT_MODEL, DIM, settings.index_fingerprint(),
                         settings.quantize, settings.ann_min)
    t0 = time.perf_counter()
    batch, n = [], 0
    for item in items:
        batch.append(item)
        n += len(item[1])
        if n >= BATCH:
            _write(store, batch)
            batch, n = [], 0
            written = store.db().execute("SELECT MAX(id) FROM chunks").fetchone()[0] or 0
            if written // 100_000 != (written - BATCH) // 100_000:
                print(f"  {written:,} passages in {time.perf_counter() - t0:.0f} s",
                      file=sys.stderr, flush=True)
    if batch:
        _write(store, batch)
    seconds = time.perf_counter() - t0
    store.close()
    return {"build_s": round(seconds, 1), "disk_mb": round(disk_size(root) / 1e6, 1)}


def _write(store: Store, batch) -> None:
    with store.writing() as w:
        for article, chunks, vecs in batch:
            w.add(article, "bench", article.id, chunks, vecs)


def probe(root: Path, queries: Path) -> dict:
    """Run in a fresh process: open cold and retrieve once, then memory and query latency."""
    from rag.retrieval import Preference, Retriever

    vectors = iter(np.load(queries))

    class Vectors:
        name, dim = DEFAULT_MODEL, DIM

        def encode(self, texts):
            return next(vectors).reshape(1, -1)

    questions = [json.loads(x) for x in (CORPUS / "questions.jsonl").read_text().splitlines()
                 if x.strip()][:199]
    store = Store.open(root)
    retriever = Retriever(store, Vectors())
    retriever.run(questions[0]["question"], 5,
                  Filters(as_of=questions[0]["question_date"].replace("/", "-")), "hybrid")
    first = time.time()
    rss = _rss_mb()
    latencies = []
    for q in questions:
        as_of = q["question_date"].replace("/", "-")
        prefer = Preference(as_of, as_of, 14.0, 0.5)
        t = time.perf_counter()
        retriever.run(q["question"], 5, Filters(as_of=as_of), "hybrid", prefer)
        latencies.append((time.perf_counter() - t) * 1000)
    return {"first_retrieval_at": first, "rss_mb": round(rss, 1),
            "query_p50_ms": round(percentile(latencies, 50), 1),
            "query_p95_ms": round(percentile(latencies, 95), 1),
            "rss_after_queries_mb": round(_rss_mb(), 1)}


def add_ten(root: Path, base, vectors: np.ndarray) -> dict:
    """Five times, 10 new articles (recycled text, copies never used before): the store opened
    and the articles written in one transaction, as `rag index` of a folder with 10 new
    articles does after embedding them."""
    fresh = _copies(base, vectors, 10 ** 9, first=10_000)
    times = []
    for _ in range(5):
        items = [next(fresh) for _ in range(10)]
        t = time.perf_counter()
        store = Store.open(root, search=False)  # as `rag index` opens it
        _write(store, items)
        store.close()
        times.append(time.perf_counter() - t)
    return {"add10_median_s": round(float(np.median(times)), 2),
            "add10_max_s": round(max(times), 2)}


def recall(root: Path, stored: np.ndarray, queries: np.ndarray) -> dict | None:
    """ANN recall@100 of the store's vector search against exact inner product over the
    float32 vectors it was given (ids are 0.. in the order written)."""
    import faiss

    store = Store.open(root)
    if not store.stats()["ann"]:
        return None
    exact = faiss.IndexFlatIP(DIM)
    exact.add(stored)
    _, truth = exact.search(queries, 100)
    found = [len(set(t.tolist()) & {cid for cid, _ in store.search(q, 100)}) / 100
             for q, t in zip(queries, truth, strict=True)]
    store.close()
    return {"ann_recall@100": round(float(np.mean(found)), 3)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    p.add_argument("--quantize", nargs="+", default=["none"], choices=["none", "sq8"])
    p.add_argument("--work", type=Path, default=ROOT / "index" / "bench-scale")
    p.add_argument("--out", type=Path, default=ROOT / "eval" / "results" / "scale.json")
    p.add_argument("--random", action="store_true", help="random unit vectors, not cached ones")
    p.add_argument("--keep", action="store_true", help="keep the built indexes")
    p.add_argument("--probe", type=Path, nargs=2, help=argparse.SUPPRESS)
    global ARGS
    ARGS = p.parse_args()
    if ARGS.probe:
        print(json.dumps(probe(*ARGS.probe)))
        return 0
    settings = Settings.load(index_dir=ROOT / "index" / "bench-realtimeqa-dev")
    base, vectors = _base(settings)
    rows = []
    for quantize in ARGS.quantize:
        for size in ARGS.sizes:
            s = replace(settings, quantize=quantize)
            root = ARGS.work / f"{size}{'-sq8' if quantize == 'sq8' else ''}"
            row = {"passages": size, "quantize": quantize, "vectors": "random" if ARGS.random
                   else "cached MiniLM + noise"}
            row |= build(root, s, _copies(base, vectors, size))
            print(f"{size} {quantize}: built {row}", file=sys.stderr, flush=True)
            stored = np.concatenate([v for *_, v in _copies(base, vectors, size)])
            queries = _queries(stored)
            np.save(root / "queries.npy", queries)
            started = time.time()
            out = subprocess.run([sys.executable, __file__, "--probe", str(root),
                                  str(root / "queries.npy")],
                                 capture_output=True, text=True, check=True)
            row |= json.loads(out.stdout)
            row["cold_open_s"] = round(row.pop("first_retrieval_at") - started, 2)
            row["bytes_per_passage"] = round(row["rss_mb"] * 2 ** 20 / size)
            row |= recall(root, stored, queries) or {}
            del stored
            row |= add_ten(root, base, vectors)
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
            if not ARGS.keep:
                shutil.rmtree(root, ignore_errors=True)
    ARGS.out.parent.mkdir(parents=True, exist_ok=True)
    ARGS.out.write_text(json.dumps({"machine": f"{os.cpu_count()} cores", "rows": rows},
                                   indent=1))
    print(table(rows))
    return 0


def table(rows: list[dict]) -> str:
    out = ["| passages | vectors | build s | cold open to first retrieval s | RSS MB (B/passage) "
           "| add 10 articles median / max s | hybrid p50 / p95 ms | ANN recall@100 | disk MB |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(
            f"| {r['passages']:,} | {r['quantize']} | {r['build_s']} | "
            f"{r['cold_open_s']} | {r['rss_mb']:,.0f} ({r['bytes_per_passage']:,}) "
            f"| {r['add10_median_s']} / {r['add10_max_s']} | {r['query_p50_ms']} / "
            f"{r['query_p95_ms']} | {r.get('ann_recall@100', 'exact')} | {r['disk_mb']} |")
    return "\n".join(out)


ARGS: argparse.Namespace

if __name__ == "__main__":
    sys.exit(main())
