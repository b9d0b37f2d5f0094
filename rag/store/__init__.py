"""The index on disk: articles, passages, vectors and keyword postings in one SQLite database,
searched through FAISS (see store.py for the protocol)."""

from rag.store.store import FORMAT_VERSION, IndexMismatch, Store, Writer, disk_size

__all__ = ["FORMAT_VERSION", "IndexMismatch", "Store", "Writer", "disk_size"]
