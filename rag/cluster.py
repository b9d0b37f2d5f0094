"""Embedding over a Ray cluster (`rag index --ray [ADDRESS]`).

Ray Data tokenizes the passages in parallel and feeds their token ids, a batch at a time, to
one embedder actor per GPU (or, on a cluster without GPUs, per CPU): one process's tokenizer
would otherwise hold a GPU back. Vectors stream back in order, so the indexer writes each batch
of articles, and the embedding cache keeps each vector, as soon as they are in: a build killed
midway resumes as the plain one does. Questions are still embedded here, by the local model.

Optional: `pip install '.[ray]'`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from rag.embedding import SentenceTransformerEmbedder, padded

LOCAL = "local"  # --ray without an address: a Ray cluster on this machine, started for the run


class RayEmbedder:
    """Embeds what `local` would, with the same model and backend, on a Ray cluster: `address`
    is LOCAL, or one `ray.init` accepts (`ray://HOST:10001`, `HOST:6379`, `auto`)."""

    def __init__(self, local: SentenceTransformerEmbedder, address: str = LOCAL):
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ValueError("--ray needs Ray Data: pip install -e '.[ray]'") from None
        self.local, self.address = local, address
        self.name = local.name

    @property
    def dim(self) -> int:
        return self.local.dim

    @property
    def batch_size(self) -> int:
        return self.local.batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        at = 0
        for vectors in self.stream(texts):
            out[at:at + len(vectors)] = vectors
            at += len(vectors)
        return out

    def stream(self, texts: Sequence[str]) -> Iterator[np.ndarray]:
        """The vectors of `texts`, in order, a batch at a time as the cluster makes them."""
        if not texts:
            return
        import ray

        logging.getLogger("ray").setLevel(logging.WARNING)  # the indexer's bar says enough
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        if not ray.is_initialized():
            ray.init(address=None if self.address == LOCAL else self.address,
                     include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False  # the indexer's bar counts articles
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0)) if self.local.backend == "torch" else 0
        cpus = max(int(resources.get("CPU", 1)), 1)
        device = "cuda" if gpus else "cpu"
        batch = self.local.batch_for(device)
        recipe = (self.local.model_name, self.local.backend, self.local.exports)
        blocks = min(len(texts), max(2 * (gpus or cpus), -(-len(texts) // (4 * batch))))
        ds = ray.data.from_items([{"text": t} for t in texts], override_num_blocks=blocks)
        # On GPUs the tokenizers take the CPUs; on CPUs the embedders do, and tokenizing (a few
        # hundred times cheaper than embedding there) runs beside them.
        pool = ray.data.ActorPoolStrategy
        ds = ds.map_batches(_Tokenize, fn_constructor_args=recipe, batch_size=4 * batch,
                            num_cpus=1 if gpus else 0, compute=pool(min_size=1, max_size=cpus))
        ds = ds.map_batches(_Embed, fn_constructor_args=(*recipe, device, batch),
                            batch_size=batch, num_gpus=1 if gpus else 0, num_cpus=1,
                            compute=pool(size=gpus or cpus))
        for out in ds.iter_batches(batch_size=None, batch_format="numpy"):
            yield np.asarray(out["vector"], dtype=np.float32)


class _Tokenize:
    """Texts -> token ids (ragged: padding is the embedder's, per batch)."""

    def __init__(self, model: str, backend: str, exports: Any):
        self.tokenizer = SentenceTransformerEmbedder(model, backend=backend,
                                                     exports=exports).tokenizer

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        encoded = self.tokenizer.encode_batch(batch["text"].tolist())
        return {"ids": _ragged([e.ids for e in encoded]),
                "types": _ragged([e.type_ids for e in encoded])}


class _Embed:
    """Token ids -> unit vectors: one model per actor, on its GPU or CPU."""

    def __init__(self, model: str, backend: str, exports: Any, device: str, batch: int):
        self.embedder = SentenceTransformerEmbedder(model, batch, device, backend, exports)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"vector": self.embedder.embed(padded(batch["ids"], batch["types"]))}


def _ragged(rows: list[list[int]]) -> np.ndarray:
    out = np.empty(len(rows), dtype=object)
    out[:] = [np.asarray(r, dtype=np.int32) for r in rows]
    return out
