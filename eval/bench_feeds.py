"""Refreshing feeds: 5 local feeds of 50 items each, cold, then unchanged, then one new item each.

    python eval/bench_feeds.py                 # the real model, default politeness (1 s a host)
    python eval/bench_feeds.py --delay 0       # fetching alone, no politeness delay

Each feed is its own "site" on a loopback address (127.0.0.11 .. 127.0.0.15), serving an RSS
2.0 feed and one HTML page per item. The pages are RealTime QA dev articles (read from
../shared/bench, never copied into the project). The index and its embedding cache are new
each run, so "cold" embeds every article. Prints Markdown for BENCHMARKS.md and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from eval.site import Site
from rag.settings import Settings
from rag.store.feeds import Feed, FeedState
from rag.web.pages import now
from rag.web.reader import Reader

FEEDS, ITEMS = 5, 50


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/bench/realtimeqa-dev"))
    ap.add_argument("--delay", type=float, help="seconds between requests to a host "
                    "(default: the setting, 1 s)")
    ap.add_argument("--model", help="embedding model (default: the packaged MiniLM)")
    ap.add_argument("--out", type=Path, default=Path("eval/results/feeds.json"))
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    docs = [json.loads(line) for line in (args.data / "corpus.jsonl").open()]
    docs = [d for d in docs if len(d.get("text") or "") > 500][: FEEDS * (ITEMS + 1)]
    sites = [Site(f"127.0.0.{11 + i}") for i in range(FEEDS)]
    listed: list[list[dict]] = [[] for _ in sites]
    for i, doc in enumerate(docs[: FEEDS * ITEMS]):
        _publish(sites[i % FEEDS], listed[i % FEEDS], i, doc)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(index_dir=Path(tmp) / "index", model=args.model,
                                 fetch_delay=args.delay)
        reader = Reader(settings)
        store = reader.indexer.open_store()
        for n, site in enumerate(sites):
            FeedState(store).add(Feed(f"{site.url}/rss.xml", f"site{n + 1}", now()))
        store.close()
        rows.append(_run("cold", reader, sites))
        rows.append(_run("unchanged", reader, sites))
        for n, site in enumerate(sites):  # one new item on each feed
            _publish(site, listed[n], FEEDS * ITEMS + n, docs[FEEDS * ITEMS + n])
        rows.append(_run("one new item a feed", reader, sites))
    for site in sites:
        site.close()

    result = {"feeds": FEEDS, "items_per_feed": ITEMS, "model": settings.model,
              "delay_s": settings.fetch_delay, "per_host": settings.fetch_per_host, "runs": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"5 feeds x {ITEMS} items, politeness {settings.fetch_delay:g} s between requests to "
          f"a host, {settings.fetch_per_host} at once; model {settings.model}\n")
    print("| refresh | wall time | requests | articles embedded | passages embedded | "
          "embedding time | rest (fetch, extract, write) |\n|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['run']} | {r['seconds']:.1f} s | {r['requests']} | {r['articles']} | "
              f"{r['passages']} | {r['embed_seconds']:.1f} s | "
              f"{r['seconds'] - r['embed_seconds']:.1f} s |")
    print(f"\nwritten to {args.out}")
    return 0


def _publish(site: Site, items: list[dict], i: int, doc: dict) -> None:
    day = f"2026-11-{1 + i % 20:02d}"
    paragraphs = [p for p in doc["text"].split("\n") if p.strip()]
    link = site.page(f"/news/{i}.html", doc["title"], paragraphs, f"{day}T08:00:00Z")
    when = format_datetime(datetime.fromisoformat(day).replace(hour=8, tzinfo=UTC), usegmt=True)
    items.insert(0, {"title": doc["title"], "link": link, "date": when,
                     "summary": paragraphs[0][:300]})
    site.rss("/rss.xml", f"Feed {site.url}", items)


def _run(name: str, reader: Reader, sites: list[Site]) -> dict:
    before = sum(s.requests() for s in sites)
    report = reader.refresh(progress=False)
    index = report.index
    row = {"run": name, "seconds": round(report.seconds, 2),
           "requests": sum(s.requests() for s in sites) - before,
           "articles": report.new + report.changed,
           "passages": index.chunks_embedded if index else 0,
           "embed_seconds": round(index.embed_seconds, 2) if index else 0.0,
           "unchanged_feeds": len(report.unchanged), "errors": len(report.errors)}
    print(f"{name}: {report.seconds:.1f}s, {len(report.errors)} errors "
          f"{report.errors[:2]}", flush=True)
    return row


if __name__ == "__main__":
    raise SystemExit(main())
