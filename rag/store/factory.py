"""Which store holds an index, from `Settings.store`: the embedded one in the index folder (the
default), or Milvus (`milvus:URI`, rag/store/milvus.py) under the index folder's name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.settings import Settings
from rag.store.store import Store

if TYPE_CHECKING:
    from rag.store.milvus import MilvusStore

PREFIX = "milvus:"


def _milvus(settings: Settings) -> tuple[str, str] | None:
    """(URI, index name) when the index is in Milvus."""
    if not settings.store:
        return None
    if not settings.store.startswith(PREFIX) or len(settings.store) == len(PREFIX):
        raise ValueError(f"--store {settings.store!r}: use milvus:URI (a server, "
                         "milvus:http://HOST:19530, or a Milvus Lite file, milvus:PATH.db), or "
                         "leave it unset for the embedded store in the index folder")
    return settings.store[len(PREFIX):], settings.index_dir.name


def exists(settings: Settings) -> bool:
    if (where := _milvus(settings)) is None:
        return Store.exists(settings.index_dir)
    from rag.store.milvus import MilvusStore

    return MilvusStore.exists(*where)


def open_store(settings: Settings, search: bool = True) -> Store | MilvusStore:
    """The index `settings` name; FileNotFoundError if there is none."""
    if (where := _milvus(settings)) is None:
        return Store.open(settings.index_dir, search)
    from rag.store.milvus import MilvusStore

    return MilvusStore.open(*where, search=search)


def create_store(settings: Settings, model: str, dim: int) -> Store | MilvusStore:
    """A new empty index (or the one another writer created meanwhile)."""
    args = (model, dim, settings.index_fingerprint(), settings.quantize, settings.ann_min)
    if (where := _milvus(settings)) is None:
        return Store.create(settings.index_dir, *args)
    from rag.store.milvus import MilvusStore

    return MilvusStore.create(*where, *args)


def model_of(settings: Settings) -> str | None:
    """The model the index records (see `embedding.identity`); None if there is none, or none
    that can be read (opening it says why)."""
    if _milvus(settings) is None:
        return Store.model_of(settings.index_dir)
    if not exists(settings):
        return None
    store = open_store(settings, search=False)
    try:
        return store.manifest["model"]
    finally:
        store.close()
