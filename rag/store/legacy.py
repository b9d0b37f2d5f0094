"""Format 1 indexes (generation folders of FAISS + JSON, before the store was a database),
migrated in place on first use. Nothing is embedded again: the vectors are read back from the
old FAISS file."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import numpy as np

from rag.store.database import FILE, Damaged, writer_lock
from rag.types import Article, Chunk


def _live_generation(root: Path) -> Path:
    """The generation CURRENT names, or, when CURRENT is garbage or names a generation a
    killed writer left incomplete, the newest complete one."""
    try:
        named = root / (root / "CURRENT").read_text().strip()
    except (OSError, UnicodeDecodeError):
        named = None
    for gen in [named, *sorted(root.glob("gen-*"), reverse=True)]:
        if gen is not None and gen.name.startswith("gen-") and _complete(gen):
            if gen != named:
                print(f"rag: {root / 'CURRENT'} does not name a complete generation; "
                      f"migrating {gen.name}, the newest complete one", file=sys.stderr)
            return gen
    raise Damaged(root / "CURRENT", "no complete generation folder to read the index from")


def _complete(gen: Path) -> bool:
    try:
        manifest = json.loads((gen / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and all(
        (gen / name).is_file() for name in ("vectors.faiss", "chunks.jsonl"))


def migrate(root: Path) -> None:
    """Copy the live generation under `root` into a new database, then remove the old files.
    A migration killed midway leaves the old generation in place, to be migrated again."""
    import faiss

    from rag.store.store import Store

    with writer_lock(root):
        if (root / FILE).exists():  # another process migrated it meanwhile
            return
        gen = _live_generation(root)
        manifest = json.loads((gen / "manifest.json").read_text())
        if manifest.get("format_version") != 1:
            raise ValueError(f"{gen}: unknown index format {manifest.get('format_version')}")
        index = faiss.read_index(str(gen / "vectors.faiss"))
        chunks: dict[int, Chunk] = {}
        with open(gen / "chunks.jsonl", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                faiss_id = row.pop("faiss_id")
                chunks[faiss_id] = Chunk(**row)
        print(f"rag: migrating {root} from index format 1 "
              f"({len(manifest['articles'])} articles, {len(chunks)} passages; nothing is "
              "embedded again)", file=sys.stderr, flush=True)
        tmp = root / ".migrating"
        shutil.rmtree(tmp, ignore_errors=True)
        store = Store.create(tmp, manifest["model"], manifest["dim"], manifest["settings"])
        with store.writing() as w:
            for aid, meta in sorted(manifest["articles"].items()):
                ids = meta["chunk_ids"]
                vecs = (np.stack([index.reconstruct(i) for i in ids]) if ids
                        else np.zeros((0, manifest["dim"]), np.float32))
                article = Article(aid, meta["title"], meta["date"], meta["source"], "")
                w.add(article, meta["file"], meta["hash"], [chunks[i] for i in ids], vecs)
        store.close()
        db = sqlite3.connect(tmp / FILE)
        db.execute("PRAGMA journal_mode=DELETE")  # folds the WAL into the file
        db.close()
        if (tmp / "segments").is_dir():  # IVF files of a large index
            os.replace(tmp / "segments", root / "segments")
        os.replace(tmp / FILE, root / FILE)
        shutil.rmtree(tmp, ignore_errors=True)
        (root / "CURRENT").unlink()
        for old in root.glob("gen-*"):
            shutil.rmtree(old, ignore_errors=True)
