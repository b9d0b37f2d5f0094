"""Chat latency as a user feels it: from sending a question to the first streamed answer text,
and to the complete answer, through a real `rag serve` and its streaming endpoint.

    python eval/bench_ui.py                  # seeds index, 20 sequential questions, 8 users

Sequential: median/p95 over --runs questions asked one after another. Concurrent: --users
clients send a question at the same moment, --rounds times. Times are measured client-side with
gradio_client (no browser rendering).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from rag.metrics import percentile

QUESTIONS = [
    "Which two countries is India's Cabinet expected to approve critical-minerals agreements with?",
    "What is Project Vault?",
    "Who will chair the Critical Minerals Ministerial?",
    "What did India sign with Brazil?",
    "How big is the US strategic critical minerals stockpile?",
    "What will the collaboration with Germany focus on?",
    "Who is Neha Mukherjee?",
    "When is the inaugural Critical Minerals Ministerial scheduled?",
    "What is Pax Silica?",
    "What is the current price of lithium?",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--index", type=Path, default=Path("index/default"))
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--users", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("eval/results/ui.json"))
    args = ap.parse_args()
    os.environ.update(HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    from gradio_client import Client

    with _server(args.index) as url:
        Client(url, verbose=False)  # warm-up connection
        _ask(Client(url, verbose=False), QUESTIONS[0])  # warm-up model
        sequential = [_ask(Client(url, verbose=False), QUESTIONS[i % len(QUESTIONS)])
                      for i in range(args.runs)]
        concurrent: list[tuple[float, float]] = []
        for _ in range(args.rounds):
            clients = [Client(url, verbose=False) for _ in range(args.users)]
            start = threading.Barrier(args.users)
            results: list = [None] * args.users

            def user(i: int, clients=clients, start=start, results=results) -> None:
                start.wait()
                results[i] = _ask(clients[i], QUESTIONS[i % len(QUESTIONS)])

            threads = [threading.Thread(target=user, args=(i,)) for i in range(args.users)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            concurrent += results
    result = {"index": str(args.index), "sequential": _summary(sequential),
              f"concurrent_{args.users}": _summary(concurrent)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print("| load | questions | first text p50 ms | p95 | full answer p50 ms | p95 |")
    print("|---|---|---|---|---|---|")
    for name, s in result.items():
        if isinstance(s, dict):
            print(f"| {name} | {s['n']} | {s['first_p50_ms']} | {s['first_p95_ms']} | "
                  f"{s['full_p50_ms']} | {s['full_p95_ms']} |")
    return 0


def _ask(client, question: str) -> tuple[float, float]:
    """(ms to the first output carrying answer text, ms to the last output)."""
    t0 = time.perf_counter()
    # question, chat, since, until, articles, k, as of, read dates, backend (ui/app.py)
    job = client.submit(question, [], "", "", [], 5, "", True, "extractive",
                        api_name="/respond")
    first = None
    while not job.done():
        outputs = job.outputs()
        if first is None and outputs and _has_answer(outputs[-1]):
            first = time.perf_counter()
        time.sleep(0.002)
    job.result()
    end = time.perf_counter()
    return ((first or end) - t0) * 1000, (end - t0) * 1000


def _has_answer(output) -> bool:
    chat = output[0]
    content = chat[-1]["content"] if chat else ""
    text = content if isinstance(content, str) else "".join(p.get("text", "") for p in content)
    return bool(text) and not text.startswith("_")  # status lines are in italics


def _summary(samples: list[tuple[float, float]]) -> dict:
    first, full = [s[0] for s in samples], [s[1] for s in samples]
    return {"n": len(samples),
            "first_p50_ms": round(statistics.median(first)),
            "first_p95_ms": round(percentile(first, 95)),
            "full_p50_ms": round(statistics.median(full)),
            "full_p95_ms": round(percentile(full, 95))}


class _server:
    def __init__(self, index: Path):
        self.index = index

    def __enter__(self) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "serve", "--index", str(self.index), "--port",
             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/"
        for _ in range(360):
            try:
                urllib.request.urlopen(url, timeout=2)
                return url
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.5)
        self.proc.kill()
        raise SystemExit(f"rag serve did not start on {self.index}")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
