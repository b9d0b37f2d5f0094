"""Several writers on one index at once, writers killed at random moments, and a running app
that sees what another process indexed: real processes, the real model, real SQLite."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from rag.chunking import Chunker, chunk_text_for_search
from rag.indexing import Indexer, cache_path
from rag.loading import load_paths
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.store import Store

from ..conftest import GERMANY_CANADA, ROOT, SEEDS, CountingEmbedder, serving

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
       "GRADIO_ANALYTICS_ENABLED": "False"}
WAITING = re.compile(r"rag: waiting for another indexer, pid (\d+)")


# -- helpers --------------------------------------------------------------------------------
def _settings(tmp_path: Path) -> Settings:
    return Settings.load(index_dir=tmp_path / "index" / "main")


def _synthetic(folder: Path, tag: str, n: int, paragraphs: int = 6) -> Path:
    """`n` distinct synthetic articles named `<tag>_NNN.txt` (a few passages each); `tag` makes
    both the article ids and the texts differ from every other call's. They are sports
    reports: synthetic articles about minerals and countries shift the keyword statistics
    enough that the seeds' GERMANY_CANADA question gets another answer ("US and London")."""
    folder.mkdir(parents=True)
    for i in range(n):
        body = "\n\n".join(
            f"Match report {tag}-{i}.{p}: the {tag}Rovers{i} beat {tag}United{p} by {i * 7 + p} "
            f"points at {tag}Park{i} in round {p}. Their coach praised the defence and the "
            f"goalkeeper after the game. Fans from {tag}Town{i} expect {p + i} thousand more "
            f"people in the stands when the season resumes in {tag}Month{p}."
            for p in range(paragraphs))
        (folder / f"{tag}_{i:03d}.txt").write_text(f"date 2026-03-{1 + i % 28:02d} {body}\n")
    return folder


def _expected(settings: Settings, paths: list[Path]) -> dict[str, int]:
    """Article id -> how many passages the chunker makes of it."""
    chunker = Chunker(settings.chunk_tokens, settings.chunk_overlap)
    return {a.id: len(chunker.run(a)) for a in load_paths(paths).articles}


def _search_texts(settings: Settings, paths: list[Path]) -> set[str]:
    """The distinct texts the indexer embeds for these files."""
    chunker = Chunker(settings.chunk_tokens, settings.chunk_overlap)
    return {chunk_text_for_search(a.title, c)
            for a in load_paths(paths).articles for c in chunker.run(a)}


def _cached_rows(settings: Settings) -> int:
    """Rows of the shared embedding cache (a read-write connection: a writer killed in the
    middle of a cache write leaves a hot journal only a writable connection may roll back)."""
    path = cache_path(settings)
    if not path.exists():
        return 0
    db = sqlite3.connect(path, timeout=60)
    try:
        return db.execute("SELECT count(*) FROM vectors").fetchone()[0]
    finally:
        db.close()


def _assert_whole_articles(settings: Settings, expected: dict[str, int]) -> set[str]:
    """Every indexed article has all its passages (in the chunks table, in its own count, in
    the store's live passages). The ids indexed."""
    store = Store.open(settings.index_dir)
    try:
        ids = {m["id"] for m in store.filter()}
        with sqlite3.connect(settings.index_dir / "index.sqlite", timeout=60) as db:
            rows = db.execute(
                "SELECT a.id, a.count, COUNT(c.id) FROM articles a "
                "LEFT JOIN chunks c ON c.article = a.num GROUP BY a.num").fetchall()
        got = {aid: (declared, stored) for aid, declared, stored in rows}
        assert set(got) == ids and ids <= set(expected), sorted(ids - set(expected))
        wrong = {aid: (got[aid], expected[aid]) for aid in ids
                 if got[aid] != (expected[aid], expected[aid])}
        assert not wrong, f"articles with missing or extra passages: {wrong}"
        assert store.count() == sum(expected[a] for a in ids)
    finally:
        store.close()
    return ids


def _lock_holder(settings: Settings) -> int | None:
    """The pid in writer.lock: the writer holding the lock, or the last one that did."""
    try:
        text = (settings.index_dir / "writer.lock").read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def _index(paths: list[Path], settings: Settings, log: Path, batch: int | None = None
           ) -> subprocess.Popen:
    """`rag index PATHS --index DIR` in its own process. With `batch`, the same CLI with
    Indexer.BATCH_CHUNKS set to it, so that a small build is written in many transactions."""
    args = ["index", *map(str, paths), "--index", str(settings.index_dir)]
    if batch is None:
        cmd = [sys.executable, "-m", "rag.cli", *args]
    else:
        cmd = [sys.executable, "-c",
               "import sys; from rag.indexing import Indexer; "
               f"Indexer.BATCH_CHUNKS = {batch}; from rag.cli import main; sys.exit(main())",
               *args]
    with open(log, "w") as err:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err, env=ENV)


# -- several writers at once --------------------------------------------------------------
def test_two_cli_runs_and_an_upload_at_once_all_land(tmp_path, embedder, capsys):
    from ui.service import Service

    settings = _settings(tmp_path)
    Indexer(settings, embedder).run([SEEDS], progress=False)
    expected = _expected(settings, [SEEDS])
    service = Service(settings)
    writers = {os.getpid()}  # every pid that may hold the lock: a waiter names one of them
    waits: list[str] = []
    try:
        for r in range(3):
            here = tmp_path / f"round{r}"
            folders = [_synthetic(here / name, f"r{r}{name}", 15) for name in ("a", "b")]
            (here / "up").mkdir()
            uploads = []
            for j in range(2):
                up = here / "up" / f"r{r}_upload_{j}.txt"
                up.write_text(f"date 2026-03-2{j} Upload {j} of round {r}: the smelter at "
                              f"Upload{r}Port{j} doubled its cobalt output this month. Its "
                              f"owners said a second furnace in Upload{r}Valley{j} opens soon.")
                uploads.append(up)
            logs = [here / f"index_{name}.err" for name in ("a", "b")]
            procs = [_index([f], settings, log) for f, log in zip(folders, logs, strict=True)]
            writers |= {p.pid for p in procs}
            if r:  # later rounds: the upload comes while a CLI run holds the lock
                deadline = time.monotonic() + 180
                while (_lock_holder(settings) not in {p.pid for p in procs}
                       and any(p.poll() is None for p in procs)):
                    assert time.monotonic() < deadline, "no CLI run took the writer lock"
                    time.sleep(0.01)
            report = service.add_files(uploads)
            assert sorted(report.added) == [u.name for u in uploads] and not report.skipped
            for p, log in zip(procs, logs, strict=True):
                assert p.wait(timeout=300) == 0, log.read_text()[-3000:]
            errs = [log.read_text() for log in logs] + [capsys.readouterr().err]
            for err in errs:
                for m in WAITING.finditer(err):
                    assert int(m[1]) in writers, err  # the waiter names a real writer
                    waits.append(f"round {r}: {m[0]}")

            expected |= _expected(settings, [*folders, *uploads])
            ids = _assert_whole_articles(settings, expected)
            assert ids == set(expected)  # seeds, both folders and the uploads of every round
            service.reload()  # the app sees all of it (its watcher would within 2 s)
            assert service.current().store.count() == sum(expected.values())
            assert {m["id"] for m in service.current().store.filter()} == ids
    finally:
        service.close()
    assert len(expected) == 2 + 3 * (15 + 15 + 2)
    # whether the writers overlapped depends on timing; when they did, one waited and said so
    print("writers that waited:", *waits or ["none (no overlap this time)"], sep="\n  ")


# -- kill -9 -------------------------------------------------------------------------------
def _assert_answers_from_the_seeds(pipeline: Pipeline, context: object) -> None:
    """The index answers from the seeds. Of GERMANY_CANADA only the cited passage is checked:
    with 9 or more other articles in the index (any topic) the extractive answer quotes other
    sentences of the same passages ("US and London"), on a freshly built index too."""
    answer = pipeline.ask(GERMANY_CANADA)
    assert not answer.abstained, context
    assert any(c.passage.chunk.id == "000_1e0437848bbfa5aa.txt#0"
               and "Germany and Canada" in c.passage.chunk.text for c in answer.citations), \
        (context, answer.text)
    brazil = pipeline.ask(
        "Which country did India sign a rare earth agreement with the day after joining Pax "
        "Silica?")
    assert not brazil.abstained and "Brazil" in brazil.text, (context, brazil.text)


def test_kill_9_at_random_moments_leaves_whole_articles_and_resume_embeds_only_the_rest(
        tmp_path, embedder):
    settings = _settings(tmp_path)
    Indexer(settings, embedder).run([SEEDS], progress=False)
    # Enough articles that a kill 0.5-3 s after the first write lands mid-build even with
    # OpenVINO embedding about 100 passages a second.
    n = 200
    big = _synthetic(tmp_path / "big", "kill", n)
    expected = _expected(settings, [SEEDS, big])
    new_texts = _search_texts(settings, [big])
    assert len(expected) == n + 2
    assert len(new_texts) == sum(n for a, n in expected.items() if a.startswith("kill_"))
    before = _cached_rows(settings)
    rng = random.Random(20260305)
    outcomes = []
    for attempt in range(3):
        proc = _index([big], settings, tmp_path / f"kill{attempt}.err", batch=8)
        # the model loads for seconds before any write: the clock starts when the run first
        # takes the writer lock, i.e. while it embeds and writes its first batch
        deadline = time.monotonic() + 180
        while _lock_holder(settings) != proc.pid and proc.poll() is None:
            assert time.monotonic() < deadline, "the indexer never took the writer lock"
            time.sleep(0.005)
        delay = rng.uniform(0.5, 3.0)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        ids = _assert_whole_articles(settings, expected)  # opens, whole articles only
        outcomes.append((delay, proc.returncode, len(ids) - 2))
        assert {"000_1e0437848bbfa5aa.txt", "004_4043f69cf68954ce.txt"} <= ids
        _assert_answers_from_the_seeds(Pipeline(settings, embedder), outcomes)
    assert any(code == -signal.SIGKILL for _, code, _ in outcomes), outcomes
    committed = outcomes[-1][2]

    counting = CountingEmbedder(embedder)
    rows = _cached_rows(settings)
    resumed = Indexer(settings, counting).run([SEEDS, big], progress=False)
    assert len(resumed.added) == n - committed and resumed.unchanged == 2 + committed
    # the re-run embedded only what no killed run had put in the cache ...
    assert resumed.chunks_embedded == counting.calls == _cached_rows(settings) - rows
    # ... and over all the runs every new passage was embedded once: one cache row each
    assert _cached_rows(settings) - before == len(new_texts)
    assert _assert_whole_articles(settings, expected) == set(expected)
    assert resumed.chunks_total == sum(expected.values())
    print("kills (delay after the first lock, exit status, articles committed):", outcomes)


# -- a running app sees what the CLI indexed ------------------------------------------------
LITHIUM = "Where did Chile and India sign a lithium pact?"
AS_OF = "2026-03-10"  # after every article here, whatever today is


def _cites(answer: dict, doc_id: str) -> bool:
    return not answer["abstained"] and any(c["doc_id"] == doc_id for c in answer["citations"])


def test_running_server_answers_from_an_article_indexed_by_the_cli_within_5_s(tmp_path,
                                                                            embedder):
    from gradio_client import Client

    settings = _settings(tmp_path)
    Indexer(settings, embedder).run([SEEDS], progress=False)
    new = tmp_path / "new"
    new.mkdir()
    (new / "lithium_pact.txt").write_text(
        "date 2026-03-05 Chile and India signed a lithium pact in Santiago on Thursday. The "
        "agreement covers exploration, refining and joint ventures between their state miners. "
        "Officials said the first shipments of lithium carbonate could leave Chile next year.\n")
    with serving(settings.index_dir, tmp_path / "serve.log") as url:
        client = Client(url, verbose=False)
        before = client.predict(LITHIUM, AS_OF, True, api_name="/ask")
        assert not _cites(before, "lithium_pact.txt")
        assert before["abstained"] or "Santiago" not in before["answer"], before["answer"]

        cli = subprocess.run(
            [sys.executable, "-m", "rag.cli", "index", str(new), "--index",
             str(settings.index_dir)], cwd=ROOT, capture_output=True, text=True, timeout=300,
            env=ENV)
        assert cli.returncode == 0, cli.stderr[-3000:]
        done = time.monotonic()

        polls = []
        while True:
            answer = client.predict(LITHIUM, AS_OF, True, api_name="/ask")
            polls.append(round(time.monotonic() - done, 2))
            if _cites(answer, "lithium_pact.txt") or time.monotonic() - done > 5:
                break
            time.sleep(0.2)
        assert _cites(answer, "lithium_pact.txt"), (
            polls, answer["answer"], (tmp_path / "serve.log").read_text()[-3000:])
        assert polls[-1] <= 5.0, polls
        assert "Santiago" in answer["answer"]
        assert answer["citations"][0]["doc_id"] == "lithium_pact.txt"
        print("before:", "abstained" if before["abstained"] else before["answer"][:120],
              "\nanswers after the CLI run returned, at seconds:", polls)
