"""Ray's overhead over the plain path on one machine.

    python eval/bench_ray.py --articles 120

The first --articles RealTime QA dev articles are indexed twice, each time into a new index with
a new embedding cache: plainly, then with `rag index --ray` on a local Ray cluster of this
machine's CPUs (one embedder actor per CPU). Starting the cluster is timed apart from the
indexing, which includes starting the actors (each loads the model). Benchmark data is read
from ../shared/bench and never copied into the project. Writes eval/results/ray.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.indexing import Indexer  # noqa: E402
from rag.settings import Settings  # noqa: E402

BENCH = ROOT.parent / "shared" / "bench"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--articles", type=int, default=120)
    ap.add_argument("--out", type=Path, default=ROOT / "eval/results/ray.json")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import ray

    lines = (BENCH / "realtimeqa-dev" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "sample.jsonl"
        src.write_text("\n".join(lines[:args.articles]) + "\n", encoding="utf-8")
        for name, ray_address in (("plain", ""), ("ray", "local")):
            settings = Settings.load(index_dir=Path(tmp) / name / "index", ray=ray_address)
            started = time.perf_counter()
            if ray_address:
                ray.init(include_dashboard=False, log_to_driver=False)
            cluster_s = time.perf_counter() - started
            indexer = Indexer(settings)
            local = getattr(indexer.embedder, "local", indexer.embedder)  # here, not on Ray
            local.encode(["load the model outside the timings"])
            report = indexer.run([src], progress=False)
            out[name] = {"backend": local.name, "passages": report.chunks_embedded,
                         "cluster_start_s": round(cluster_s, 1),
                         "index_s": round(report.seconds, 1),
                         "passages_per_s": round(report.chunks_embedded / report.seconds, 1)}
            print(json.dumps({name: out[name]}), flush=True)
    ray.shutdown()
    out["ray"]["overhead"] = round(out["ray"]["index_s"] / out["plain"]["index_s"] - 1, 3)
    out["cpus"] = os.cpu_count()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
