"""The index: articles, passages, vectors and keyword postings in one SQLite database, searched
through FAISS (store.py, which states the protocol), or in Milvus (milvus.py); factory.py picks
one from the settings."""

from rag.store.factory import create_store, exists, model_of, open_store
from rag.store.store import FORMAT_VERSION, IndexMismatch, Store, Writer, disk_size

__all__ = ["FORMAT_VERSION", "IndexMismatch", "Store", "Writer", "create_store", "disk_size",
           "exists", "model_of", "open_store"]
