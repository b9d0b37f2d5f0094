"""Vectors and chunk metadata: a FAISS index plus JSON, saved as atomic generations.

On disk, `index/<name>/CURRENT` names the live generation folder (`gen-000007/`). A save writes
a whole new generation beside it and then swaps CURRENT with os.replace, so a process killed at
any moment leaves the previous generation loadable.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from rag.stories import group, signature
from rag.types import Article, Chunk, article_meta

FORMAT_VERSION = 1


class IndexMismatch(Exception):
    """The index on disk was built with other settings than the ones in use."""


class Store:
    """Chunks with their vectors and articles, searchable by inner product.

    The four-method protocol (count, add, remove, search) plus save/load; another engine
    (Milvus, Qdrant) can stand behind the same methods.
    """

    def __init__(self, model: str, dim: int, settings: dict[str, Any]):
        import faiss

        self.manifest: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "model": model,
            "dim": dim,
            "settings": settings,
            "next_id": 0,
            "updated": None,
        }
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self.articles: dict[str, dict[str, Any]] = {}  # id -> metadata, hash, file, chunk ids
        self.chunks: dict[int, Chunk] = {}  # FAISS id -> chunk

    # -- protocol ---------------------------------------------------------------------------
    def count(self) -> int:
        return len(self.chunks)

    def add(self, article: Article, file: str, digest: str, chunks: list[Chunk],
            vectors: np.ndarray) -> None:
        """Add (or replace) one article with its chunks and their vectors."""
        self.remove([article.id])
        first = self.manifest["next_id"]
        ids = np.arange(first, first + len(chunks), dtype=np.int64)
        self.manifest["next_id"] = first + len(chunks)
        if len(chunks):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        self.chunks.update(zip(ids.tolist(), chunks, strict=True))
        self.articles[article.id] = {
            **article_meta(article), "file": file, "hash": digest, "chunk_ids": ids.tolist(),
        }
        self.sign(article.id)

    def remove(self, article_ids: Iterable[str]) -> None:
        ids = [i for a in article_ids if a in self.articles
               for i in self.articles.pop(a)["chunk_ids"]]
        if ids:
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))
            for i in ids:
                del self.chunks[i]

    def sign(self, article_id: str) -> bool:
        """Give an article its story signature (indexes built before story grouping lack it);
        True if it had none."""
        meta = self.articles[article_id]
        if "minhash" in meta:
            return False
        meta["minhash"] = signature(self.chunks[i].text for i in meta["chunk_ids"])
        return True

    def stories(self) -> dict[str, str]:
        """Article id -> story id, from the signatures and headlines kept per article."""
        return group({a: m.get("minhash", []) for a, m in self.articles.items()},
                     {a: m["title"] for a, m in self.articles.items()})

    def search(self, query: np.ndarray, k: int, allowed: list[int] | None = None
               ) -> list[tuple[int, float]]:
        """Best `k` (chunk id, cosine) for a unit query vector, optionally within `allowed` ids."""
        import faiss

        if allowed is not None and not allowed:
            return []
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, "int64")))
        k = min(k, self.count())
        if k == 0:
            return []
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    # -- persistence ------------------------------------------------------------------------
    def check(self, model: str, dim: int, settings: dict[str, Any], where: Path) -> None:
        """Refuse to mix vectors of different models or chunkings in one index."""
        m = self.manifest
        if m["model"] != model or m["dim"] != dim:
            raise IndexMismatch(
                f"{where} was built with model {m['model']!r} (dim {m['dim']}), but this run "
                f"uses {model!r} (dim {dim}). Rebuild it with `rag index --rebuild --index "
                f"{where}` (the articles are read again), or pass the matching --model."
            )
        if m["settings"] != settings:
            raise IndexMismatch(
                f"{where} was built with chunking {m['settings']}, but this run uses {settings}. "
                f"Rebuild it with `rag index --rebuild --index {where}`, or use the same settings."
            )

    def save(self, root: Path) -> Path:
        import faiss

        root.mkdir(parents=True, exist_ok=True)
        for stale in root.glob(".tmp-*"):  # left by a killed build
            shutil.rmtree(stale, ignore_errors=True)
        current = _current(root)
        number = int(current.name.split("-")[1]) + 1 if current else 1
        tmp = root / f".tmp-gen-{number:06d}-{os.getpid()}"
        tmp.mkdir()
        self.manifest["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        faiss.write_index(self.index, str(tmp / "vectors.faiss"))
        _write(tmp / "chunks.jsonl", "".join(
            json.dumps({"faiss_id": i, **asdict(c)}, ensure_ascii=False) + "\n"
            for i, c in self.chunks.items()))
        _write(tmp / "manifest.json", json.dumps(
            {**self.manifest, "articles": self.articles}, ensure_ascii=False, indent=1))
        _fsync_dir(tmp)
        final = root / f"gen-{number:06d}"
        os.replace(tmp, final)
        _write(root / "CURRENT.tmp", final.name)
        os.replace(root / "CURRENT.tmp", root / "CURRENT")
        _fsync_dir(root)
        for old in root.glob("gen-*"):
            if old != final:
                shutil.rmtree(old, ignore_errors=True)
        return final

    @classmethod
    def load(cls, root: Path) -> Store:
        """The live generation under `root`. FileNotFoundError if there is none."""
        import faiss

        gen = _current(root)
        if gen is None:
            raise FileNotFoundError(
                f"no index at {root}; build one with `rag index --index {root}`"
            )
        manifest = json.loads((gen / "manifest.json").read_text())
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexMismatch(
                f"{root} has index format {manifest.get('format_version')}, this version reads "
                f"{FORMAT_VERSION}; rebuild it with `rag index --rebuild --index {root}`"
            )
        store = cls.__new__(cls)
        store.articles = manifest.pop("articles")
        store.manifest = manifest
        store.index = faiss.read_index(str(gen / "vectors.faiss"))
        store.chunks = {}
        with open(gen / "chunks.jsonl", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                fid = row.pop("faiss_id")
                store.chunks[fid] = Chunk(**row)
        return store


def _current(root: Path) -> Path | None:
    try:
        gen = root / (root / "CURRENT").read_text().strip()
    except FileNotFoundError:
        return None
    return gen if gen.is_dir() else None


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def disk_size(root: Path) -> int:
    gen = _current(root)
    return sum(p.stat().st_size for p in gen.rglob("*") if p.is_file()) if gen else 0
