"""Fault injection, bounded: `rag index` killed at a random moment, then one random store file
damaged, then `rag check --repair` and the same `rag index` again, in real processes. After
every round each article is indexed whole and the index answers."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from rag.indexing import cache_path
from rag.loading import load_paths
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.store import Store

from ..conftest import ROOT, SEEDS
from ..test_checking import PORT
from .test_writers import ENV, _synthetic

ROUNDS = 3


def _rag(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env=ENV, timeout=240)


def _damage(path: Path, rng: random.Random) -> str:
    """One of: the header overwritten, the file cut short, a page of the database garbled."""
    size = path.stat().st_size
    how = rng.choice(["header", "truncate", "page"] if path.name == "index.sqlite"
                     else ["header", "truncate"])
    with open(path, "r+b") as f:
        if how == "header":
            f.write(os.urandom(100))
        elif how == "truncate":
            f.truncate(rng.randint(100, max(101, size // 2)))
        else:
            f.seek(65536 * rng.randint(1, max(1, size // 65536 - 1)))
            f.write(os.urandom(65536))
    return f"{path.name}: {how}"


def test_killed_and_damaged_then_repaired_every_article_is_back(tmp_path, embedder):
    src = Path(shutil.copytree(SEEDS, tmp_path / "src"))
    _synthetic(src / "sport", "kx", 12)
    (src / "port.txt").write_text(PORT)
    settings = Settings.load(index_dir=tmp_path / "index" / "main")
    index = str(settings.index_dir)
    expected = {a.id for a in load_paths([src]).articles}
    rng = random.Random(2026)
    for round_ in range(ROUNDS):
        writer = subprocess.Popen([sys.executable, "-m", "rag.cli", "index", str(src),
                                   "--index", index], cwd=ROOT, env=ENV,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(5.0, 12.0))  # the model loads in about 5 s
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        files = [p for p in (settings.index_dir / "index.sqlite", cache_path(settings))
                 if p.exists() and p.stat().st_size > 200]
        damaged = _damage(rng.choice(files), rng) if files else "nothing yet"

        if Store.exists(settings.index_dir):  # killed before it made one: nothing to check
            repaired = _rag("check", "--repair", "--index", index)
            assert repaired.returncode == 0, (round_, damaged, repaired.stdout,
                                              repaired.stderr)
            assert "Traceback" not in repaired.stderr
        again = _rag("index", str(src), "--index", index)
        assert again.returncode == 0, (round_, damaged, again.stdout, again.stderr)

        store = Store.open(settings.index_dir, search=False)
        held = {a["id"] for a in store.filter()}
        store.close()
        assert held == expected, (round_, damaged)
        checked = _rag("check", "--index", index)
        assert checked.returncode == 0, (round_, damaged, checked.stdout, checked.stderr)
        answer = Pipeline(settings, embedder).ask("Who is the port director of Norhaven?")
        assert "Amalia Reyes" in answer.text, (round_, damaged)
