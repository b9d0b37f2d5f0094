"""Passage vectors in FAISS, persisted as segments in the index database.

A write adds one small segment: the new passages' float32 vectors with their ids and the
per-passage columns filters need (date, article, length). Readers load only the segments they
have not seen. When the small segments add up, the writer merges them into the main segment,
a serialized FAISS index: exact inner product below `ann_min` passages, above it an IVF index
trained once on a sample; 8-bit scalar quantization (a quarter of the memory) when the index is
built with `quantize="sq8"`. Removed passages are masked out until their segment is merged.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_SMALL = 16  # small segments before they are merged
MERGE_AT = 50_000  # passages in small segments before they join the main segment
PROBE_SHARE = 1 / 24  # IVF lists searched: recall@100 >= 0.95 (BENCHMARKS.md, eval/bench_scale.py)
UNDATED = np.iinfo(np.int32).min


@dataclass(frozen=True)
class Segment:
    id: int
    kind: str  # "flat": raw float32 rows; "main": a serialized FAISS index holding its ids
    ids: np.ndarray  # int64 passage ids
    days: np.ndarray  # int32 days since 1970-01-01 of the passage's article, UNDATED if none
    articles: np.ndarray  # int32 article numbers
    lengths: np.ndarray  # uint16 BM25 lengths
    index: Any  # the FAISS index searched


def write(db: sqlite3.Connection, ids: np.ndarray, days: np.ndarray, articles: np.ndarray,
          lengths: np.ndarray, vectors: np.ndarray) -> int:
    """A new small segment; its id (postings of the same passages share it). `lengths` may
    be set afterwards (`set_lengths`), once the postings are written."""
    cur = db.execute(
        "INSERT INTO segments (kind, size, ids, days, articles, lengths, vectors) "
        "VALUES ('flat', ?, ?, ?, ?, ?, ?)",
        (len(ids), ids.astype(np.int64).tobytes(), days.astype(np.int32).tobytes(),
         articles.astype(np.int32).tobytes(), lengths.astype(np.uint16).tobytes(),
         np.ascontiguousarray(vectors, dtype=np.float32).tobytes()))
    return int(cur.lastrowid)


def load(db: sqlite3.Connection, dim: int, quantize: str, skip: set[int]) -> list[Segment]:
    """The segments not in `skip`, as searchable FAISS indexes (small ones quantized in memory
    when the index is built with quantize="sq8")."""
    import faiss

    # One question is one query: FAISS's OpenMP threads only spin against each other (and the
    # app's other threads), which made a 20k-passage search 15x slower on 2 busy cores.
    faiss.omp_set_num_threads(1)

    out = []
    rows = db.execute("SELECT id, kind, ids, days, articles, lengths, vectors FROM segments "
                      "ORDER BY id")
    for sid, kind, ids, days, arts, lens, vectors in rows:
        if sid in skip:
            continue
        ids = np.frombuffer(ids, dtype=np.int64)
        if kind == "flat":
            rows_ = np.frombuffer(vectors, dtype=np.float32).reshape(-1, dim)
            index = faiss.IndexIDMap(_flat_index(dim, quantize))
            if not index.is_trained:
                index.train(rows_)
            index.add_with_ids(rows_, ids)
        else:
            index = faiss.deserialize_index(np.frombuffer(vectors, dtype=np.uint8))
        out.append(Segment(sid, kind, ids, np.frombuffer(days, dtype=np.int32),
                           np.frombuffer(arts, dtype=np.int32),
                           np.frombuffer(lens, dtype=np.uint16), index))
    return out


def search(segments: list[Segment], query: np.ndarray, k: int, admitted: np.ndarray | None
           ) -> list[tuple[int, float]]:
    """Best `k` (passage id, inner product) over all segments, among the ids `admitted` (a
    mask by id; None: all)."""
    import faiss

    sel = None
    if admitted is not None:  # id i is searched iff bit i % 8 of byte i // 8 is set
        sel = faiss.IDSelectorBitmap(np.packbits(admitted, bitorder="little"))
    q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
    found: list[tuple[int, float]] = []
    for seg in segments:
        n = min(k, seg.index.ntotal)
        if not n:
            continue
        if seg.kind == "main":
            params = faiss.SearchParametersIVF(sel=sel, nprobe=seg.index.nprobe)
        else:
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
        scores, ids = seg.index.search(q, n, params=params)
        found += [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
    return sorted(found, key=lambda kv: -kv[1])[:k]


def merge(db: sqlite3.Connection, dim: int, quantize: str, ann_min: int,
          dead: np.ndarray) -> bool:
    """Merge segments when they add up (tiered, so that a write costs what it adds, amortized):
    many small ones into one; all of them into the main IVF index once there are `ann_min`
    passages, and later ones into it every MERGE_AT passages. True if anything was merged."""
    flat = db.execute("SELECT id, size FROM segments WHERE kind = 'flat' ORDER BY id").fetchall()
    main = db.execute("SELECT id FROM segments WHERE kind = 'main'").fetchone()
    total = sum(size for _, size in flat)
    if (main is None and total >= ann_min) or (main is not None and total >= MERGE_AT):
        _into_main(db, dim, quantize, [sid for sid, _ in flat], main and main[0], dead)
        return True
    small = [sid for sid, size in flat if size < MERGE_AT]
    if len(small) > MAX_SMALL:
        _merge_flat(db, dim, small, dead)
        return True
    return False


def set_lengths(db: sqlite3.Connection, segment: int, lengths: np.ndarray) -> None:
    db.execute("UPDATE segments SET lengths = ? WHERE id = ?",
               (lengths.astype(np.uint16).tobytes(), segment))


def _columns(db: sqlite3.Connection, sids: list[int], dim: int) -> list[np.ndarray]:
    """ids, days, articles, lengths, vectors of segments, concatenated."""
    kinds = (np.int64, np.int32, np.int32, np.uint16, np.float32)
    cols: list[list[np.ndarray]] = [[] for _ in kinds]
    for sid in sids:
        row = db.execute("SELECT ids, days, articles, lengths, vectors FROM segments "
                         "WHERE id = ?", (sid,)).fetchone()
        for c, kind in enumerate(kinds):
            cols[c].append(np.frombuffer(row[c], dtype=kind))
    out = [np.concatenate(c) if c else np.zeros(0, k) for c, k in zip(cols, kinds, strict=True)]
    out[4] = out[4].reshape(-1, dim)
    return out


def _merge_flat(db: sqlite3.Connection, dim: int, sids: list[int], dead: np.ndarray) -> None:
    from rag.store import postings

    ids, days, arts, lens, vecs = _columns(db, sids, dim)
    keep = ~np.isin(ids, dead)
    into = write(db, ids[keep], days[keep], arts[keep], lens[keep], vecs[keep])
    postings.merge(db, sids, into, dead)
    _drop(db, sids, ids[~keep])


def _into_main(db: sqlite3.Connection, dim: int, quantize: str, sids: list[int],
               main: int | None, dead: np.ndarray) -> None:
    """The main segment, with the `sids` segments added and dead passages removed. An IVF index
    is trained once, on a sample of the passages it first holds; news drifts slowly enough
    that later passages are added to the same lists."""
    import faiss

    from rag.store import postings

    ids, days, arts, lens, vecs = _columns(db, sids, dim)
    keep = ~np.isin(ids, dead)
    if main is None:
        index = _ivf(dim, quantize, vecs[keep])
        old = [np.zeros(0, k) for k in (np.int64, np.int32, np.int32, np.uint16)]
    else:
        row = db.execute("SELECT ids, days, articles, lengths, vectors FROM segments "
                         "WHERE id = ?", (main,)).fetchone()
        index = faiss.deserialize_index(np.frombuffer(row[4], dtype=np.uint8))
        old = [np.frombuffer(row[c], dtype=k)
               for c, k in enumerate((np.int64, np.int32, np.int32, np.uint16))]
        gone = np.isin(old[0], dead)
        if gone.any():
            index.remove_ids(faiss.IDSelectorBatch(old[0][gone]))
            old = [c[~gone] for c in old]
    index.add_with_ids(vecs[keep], ids[keep])
    cols = [np.concatenate([o, n[keep]]) for o, n in zip(old, (ids, days, arts, lens),
                                                         strict=True)]
    into = int(db.execute(
        "INSERT INTO segments (kind, size, ids, days, articles, lengths, vectors) "
        "VALUES ('main', ?, ?, ?, ?, ?, ?)",
        (len(cols[0]), *(c.tobytes() for c in cols),
         faiss.serialize_index(index).tobytes())).lastrowid)
    postings.merge(db, sids, into, dead)  # the main segment's own postings stay as they are
    _drop(db, sids + ([main] if main is not None else []), dead)


def _flat_index(dim: int, quantize: str) -> Any:
    import faiss

    if quantize == "sq8":
        return faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    return faiss.IndexFlatIP(dim)


def _ivf(dim: int, quantize: str, vectors: np.ndarray) -> Any:
    import faiss

    lists = nlist(len(vectors))
    coarse = faiss.IndexFlatIP(dim)
    if quantize == "sq8":
        index = faiss.IndexIVFScalarQuantizer(coarse, dim, lists, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
    else:
        index = faiss.IndexIVFFlat(coarse, dim, lists, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    sample = vectors[rng.choice(len(vectors), min(len(vectors), 64 * lists), replace=False)]
    index.train(sample)
    index.nprobe = max(1, math.ceil(lists * PROBE_SHARE))
    return index


def _drop(db: sqlite3.Connection, sids: list[int], dead_ids: np.ndarray) -> None:
    db.execute(f"DELETE FROM segments WHERE id IN ({','.join('?' * len(sids))})", sids)
    if len(dead_ids):
        db.executemany("DELETE FROM deleted WHERE id = ?", [(int(i),) for i in dead_ids])


def nlist(n: int) -> int:
    """IVF lists for `n` passages: about 2·sqrt(n), between 64 and 4096."""
    return int(min(4096, max(64, 2 * math.sqrt(n))))
