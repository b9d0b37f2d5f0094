"""Answer quality and latency of every answer backend on one eval set, in one run.

    python eval/bench_backends.py --index index/seeds      # indexes seeds/ there if needed

One after the other on the same machine: `extractive`; `llama` (the packaged model in this
process); `openai` (llama_cpp.server serving the same model on a free loopback port). Each
goes through `rag eval`'s evaluate(). `NAME:PROMPT` picks what a model reads ("evidence", the
extractive answerer's selected sentences, or "passages"):

    python eval/bench_backends.py --backends extractive,llama:evidence,llama:passages

Every model reply is recorded and then replayed through the verifier at each threshold of
--sweep, so calibrating `verify_support` costs no further model calls. Writes --out (JSON)
and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from eval.model_server import llama_server
from rag.evaluation import evaluate, load_eval_set
from rag.generative import make_answerer
from rag.indexing import Indexer
from rag.llm import ChatClient, Message, connect
from rag.models import packaged_gguf
from rag.pipeline import Pipeline
from rag.settings import Settings

QUALITY = ("answer_contained", "exact_match", "f1", "citation_precision", "citation_validity",
           "abstention_precision", "abstention_recall", "abstention_accuracy", "fallback_rate")
LATENCY = ("first_token_p50_ms", "answer_p50_ms")


class Recorder:
    """Passes a client's reply through, keeping it for replay."""

    def __init__(self, client: ChatClient, replies: dict[str, str]):
        self.client, self.replies, self.name = client, replies, client.name

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        parts = []
        for delta in self.client.stream(messages, max_tokens):
            parts.append(delta)
            yield delta
        self.replies[messages[-1]["content"]] = "".join(parts)

    def count_tokens(self, text: str) -> int:
        return self.client.count_tokens(text)


class Replay(Recorder):
    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        yield self.replies.get(messages[-1]["content"], "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--eval-set", type=Path, default=Path("eval/seeds.jsonl"))
    ap.add_argument("--index", type=Path, default=Path("index/seeds"))
    ap.add_argument("--backends", default="extractive,llama,openai")
    ap.add_argument("--sweep", default="0.4,0.5,0.6")
    ap.add_argument("--sweep-on", default="llama",
                    help="backends whose replies are swept (openai serves the same model)")
    ap.add_argument("--every", type=int, default=1,
                    help="only every Nth question (a smaller sample with every question type)")
    ap.add_argument("--out", type=Path, default=Path("eval/results/backends.json"))
    args = ap.parse_args()
    items = load_eval_set(args.eval_set)[::args.every]
    # Quality is measured here, not patience: a model on a busy CPU must not time out.
    settings = Settings.load(index_dir=args.index, timeout=600.0)
    Indexer(settings).run([Path("seeds")], progress=False)
    pipeline = Pipeline(settings)
    gguf = packaged_gguf()
    settings = replace(settings, gguf=str(gguf))
    result: dict = {"eval_set": str(args.eval_set), "questions": len(items), "backends": {},
                    "sweep": {}, "settings": settings.to_json(),
                    "when": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    log = Path(tempfile.gettempdir()) / "bench_backends.server.log"
    with llama_server(gguf, log) as url:
        settings = replace(settings, base_url=url)
        for spec in args.backends.split(","):
            backend, _, prompt = spec.partition(":")
            replies: dict[str, str] = {}
            chosen = replace(settings, backend=backend, prompt=prompt or settings.prompt)

            def record(c: Settings = chosen, r: dict[str, str] = replies) -> ChatClient:
                return Recorder(connect(c), r)

            pipeline.answerer = make_answerer(
                chosen, pipeline.embedder, pipeline.store.idf,
                client=None if backend == "extractive" else record)
            report = evaluate(pipeline, items, on_question=_tick)
            result["backends"][spec] = _pick(report["overall"], QUALITY + LATENCY)
            print(f"{spec}: {result['backends'][spec]}", file=sys.stderr, flush=True)
            if spec in args.sweep_on.split(","):
                result["sweep"][spec] = _sweep(pipeline, chosen, backend, replies, items,
                                               [float(t) for t in args.sweep.split(",")])
                result.setdefault("replies", {})[spec] = replies
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(result, indent=1))  # after each backend
    print(_tables(result))
    return 0


def _sweep(pipeline: Pipeline, settings: Settings, backend: str, replies: dict[str, str],
           items: list, thresholds: list[float]) -> dict[str, dict[str, float]]:
    """The recorded replies verified at each threshold: quality only (no model time)."""
    def replay() -> ChatClient:  # the same client type: the same token counts, same prompts
        return Replay(connect(replace(settings, backend=backend)), replies)

    out = {}
    for t in thresholds:
        pipeline.answerer = make_answerer(replace(settings, verify_support=t), pipeline.embedder,
                                          pipeline.store.idf, backend, client=replay)
        out[str(t)] = _pick(evaluate(pipeline, items)["overall"], QUALITY)
    return out


def _tick() -> None:
    print(".", end="", file=sys.stderr, flush=True)


def _pick(overall: dict[str, float], names: tuple[str, ...]) -> dict[str, float]:
    return {n: overall[n] for n in names if n in overall}


def _tables(result: dict) -> str:
    cols = QUALITY + LATENCY
    lines = ["| backend | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, m in result["backends"].items():
        lines.append(f"| {name} | " + " | ".join(str(m.get(c, "")) for c in cols) + " |")
    for name, sweep in result["sweep"].items():
        lines += ["", f"{name}: verify_support sweep (replayed replies)", "",
                  "| threshold | " + " | ".join(QUALITY) + " |", "|---" * (len(QUALITY) + 1) + "|"]
        for t, m in sweep.items():
            lines.append(f"| {t} | " + " | ".join(str(m.get(c, "")) for c in QUALITY) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
