"""Passage vectors in FAISS, persisted as segments in the index database.

A write adds one small segment: the new passages' float32 vectors with their ids and the
per-passage columns filters need (date, article, length). Readers load only the segments they
have not seen. Small segments are searched exactly; as they add up the writer merges them
(`merge`): above `ann_min` passages into IVF segments, lists trained once on a sample, kept as
FAISS files in `segments/` beside the database and memory-mapped, so opening a million
passages reads none of them; 8-bit scalar quantization (a quarter of the memory) when the index
is built with `quantize="sq8"`. Removed passages are masked out until their segment is merged.
"""

from __future__ import annotations

import math
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAX_SMALL = 16  # small segments before they are merged
MERGE_AT = 50_000  # passages in small segments before they become an IVF segment
FANOUT = 4  # IVF segments of one size class before they are merged (unless too large)
# Per segment: small ones are SQLite values (at most 1 GB), and an IVF merge stops here so that
# no single write rewrites more than this.
MAX_BYTES = 900_000_000
PROBE_SHARE = 1 / 24  # IVF lists searched: recall@100 >= 0.95 (BENCHMARKS.md, eval/bench_scale.py)
UNDATED = np.iinfo(np.int32).min


@dataclass(frozen=True)
class Segment:
    id: int
    kind: str  # "flat": raw float32 rows in the database; "ivf": a FAISS IVF file, memory-mapped
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

    out = []
    wanted = [sid for (sid,) in db.execute("SELECT id FROM segments ORDER BY id")
              if sid not in skip]  # segments already loaded are not read again
    for sid in wanted:
        kind, ids, days, arts, lens, vectors = db.execute(
            "SELECT kind, ids, days, articles, lengths, vectors FROM segments WHERE id = ?",
            (sid,)).fetchone()
        ids = np.frombuffer(ids, dtype=np.int64)
        if kind == "flat":
            rows_ = np.frombuffer(vectors, dtype=np.float32).reshape(-1, dim)
            index = faiss.IndexIDMap(_flat_index(dim, quantize))
            if not index.is_trained:
                index.train(rows_)
            index.add_with_ids(rows_, ids)
        else:  # memory-mapped: opening costs nothing, pages load as lists are searched
            index = faiss.read_index(str(_file(db, sid)), faiss.IO_FLAG_MMAP)
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
    with _one_thread():
        found = _search(segments, q, k, sel)
    return sorted(found, key=lambda kv: -kv[1])[:k]


@contextmanager
def _one_thread() -> Iterator[None]:
    """One question is one query: FAISS's OpenMP threads only spin against each other (and the
    app's other threads), which made a 20k-passage search 15x slower on 2 busy cores. The
    setting is OpenMP's, shared with PyTorch in this thread, so it is put back: left at one, it
    halved the speed of embedding in every process that had searched (`rag index` included)."""
    import faiss

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


def _search(segments: list[Segment], q: np.ndarray, k: int, sel: Any) -> list[tuple[int, float]]:
    import faiss

    found: list[tuple[int, float]] = []
    for seg in segments:
        n = min(k, seg.index.ntotal)
        if not n:
            continue
        if seg.kind == "ivf":
            params = faiss.SearchParametersIVF(sel=sel, nprobe=seg.index.nprobe)
        else:
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
        scores, ids = seg.index.search(q, n, params=params)
        found += [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
    return found


def merge(db: sqlite3.Connection, dim: int, quantize: str, ann_min: int,
          dead: np.ndarray) -> bool:
    """One merge step, if segments add up; True if one was made (call again until False).

    Tiered, so that a write costs what it adds, amortized: when there are more than MAX_SMALL
    small segments, the smallest half of them become one; once the index holds `ann_min`
    passages, IVF lists are trained on a sample and every MERGE_AT passages of small segments
    become an IVF segment; FANOUT IVF segments of one size class become one, so a passage is
    rewritten a few times in its life, not at every write, and a million passages are searched
    in about ten IVF segments."""
    rows = db.execute("SELECT id, kind, size FROM segments ORDER BY id").fetchall()
    flat = [(sid, size) for sid, kind, size in rows if kind == "flat"]
    ivf = [(sid, size) for sid, kind, size in rows if kind == "ivf"]
    total = sum(size for _, size in flat)
    flat_most = MAX_BYTES // (4 * dim + 8)  # passages a flat segment may hold
    trained = db.execute("SELECT data FROM trained WHERE name = 'ivf'").fetchone()
    first = trained is None and total >= ann_min
    if first:
        trained = (_train(db, dim, quantize, [sid for sid, _ in flat]),)
    if trained is not None and (first or total >= MERGE_AT):
        for sids in _fitting(flat, flat_most):
            _to_ivf(db, dim, trained[0], sids, dead)
        return True
    levels: dict[int, list[tuple[int, int]]] = {}
    for sid, size in ivf:
        levels.setdefault(int(math.log(max(size, MERGE_AT) / MERGE_AT, FANOUT)), []).append(
            (sid, size))
    per = MAX_BYTES // ((dim if quantize == "sq8" else 4 * dim) + 8)
    for same in levels.values():
        if len(same) >= FANOUT and sum(size for _, size in same) <= per:
            _merge_ivf(db, [sid for sid, _ in same], dead)
            return True
    small = sorted(((sid, size) for sid, size in flat if size < MERGE_AT), key=lambda s: s[1])
    if len(small) > MAX_SMALL:
        _merge_flat(db, dim, next(_fitting(small[:MAX_SMALL // 2 + 1], flat_most)), dead)
        return True
    return False


def _fitting(segments: list[tuple[int, int]], most: int) -> Iterator[list[int]]:
    """Segment ids in groups of at most `most` passages (see MAX_BYTES)."""
    group: list[int] = []
    n = 0
    for sid, size in segments:
        if group and n + size > most:
            yield group
            group, n = [], 0
        group.append(sid)
        n += size
    if group:
        yield group


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


def _train(db: sqlite3.Connection, dim: int, quantize: str, sids: list[int]) -> bytes:
    """IVF lists (and 8-bit ranges) trained once, on a sample of the passages of `sids`; every
    IVF segment starts from this, so segments can be merged list by list."""
    import faiss

    vecs = _columns(db, sids, dim)[4]
    lists = nlist(len(vecs))
    coarse = faiss.IndexFlatIP(dim)
    if quantize == "sq8":
        index = faiss.IndexIVFScalarQuantizer(coarse, dim, lists, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
    else:
        index = faiss.IndexIVFFlat(coarse, dim, lists, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    index.train(vecs[rng.choice(len(vecs), min(len(vecs), 64 * lists), replace=False)])
    index.nprobe = max(1, math.ceil(lists * PROBE_SHARE))
    data = faiss.serialize_index(index).tobytes()
    db.execute("INSERT INTO trained VALUES ('ivf', ?)", (data,))
    return data


def _to_ivf(db: sqlite3.Connection, dim: int, trained: bytes, sids: list[int],
            dead: np.ndarray) -> None:
    import faiss

    from rag.store import postings

    ids, days, arts, lens, vecs = _columns(db, sids, dim)
    keep = ~np.isin(ids, dead)
    index = faiss.deserialize_index(np.frombuffer(trained, dtype=np.uint8))
    index.add_with_ids(vecs[keep], ids[keep])
    into = _insert_ivf(db, index, [ids[keep], days[keep], arts[keep], lens[keep]])
    postings.merge(db, sids, into, dead)
    _drop(db, sids, ids[~keep])


def _merge_ivf(db: sqlite3.Connection, sids: list[int], dead: np.ndarray) -> None:
    """IVF segments of one size class as one, list by list (faiss merge_from), without the
    passages removed since."""
    import faiss

    from rag.store import postings

    index = faiss.read_index(str(_file(db, sids[0])))
    for sid in sids[1:]:
        index.merge_from(faiss.read_index(str(_file(db, sid))), 0)
    merged = _columns(db, sids, index.d)[:4]  # an IVF row's vectors are in its file
    gone = np.isin(merged[0], dead)
    if gone.any():
        index.remove_ids(faiss.IDSelectorBatch(merged[0][gone]))
    into = _insert_ivf(db, index, [c[~gone] for c in merged])
    postings.merge(db, sids, into, dead)
    _drop(db, sids, merged[0][gone])


def _insert_ivf(db: sqlite3.Connection, index: Any, cols: list[np.ndarray]) -> int:
    """An IVF segment: its row, and its FAISS file beside the database (written whole before
    the transaction that refers to it commits; `sweep` removes files no row refers to)."""
    import faiss

    sid = int(db.execute(
        "INSERT INTO segments (kind, size, ids, days, articles, lengths, vectors) "
        "VALUES ('ivf', ?, ?, ?, ?, ?, x'')",
        (len(cols[0]), *(c.tobytes() for c in cols))).lastrowid)
    path = _file(db, sid)
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    faiss.write_index(index, str(tmp))
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return sid


def sweep(db: sqlite3.Connection) -> None:
    """Remove segment files no committed row refers to: those of merged segments, and any a
    killed writer left. Run by the writer, after its commit."""
    folder = _file(db, 0).parent
    if not folder.is_dir():
        return
    live = {sid for (sid,) in db.execute("SELECT id FROM segments WHERE kind = 'ivf'")}
    for path in folder.iterdir():
        if path.suffix == ".tmp" or (path.suffix == ".faiss" and int(path.stem) not in live):
            path.unlink(missing_ok=True)


def _file(db: sqlite3.Connection, sid: int) -> Path:
    return Path(db.execute("PRAGMA database_list").fetchone()[2]).parent / "segments" / \
        f"{sid:07d}.faiss"


def _flat_index(dim: int, quantize: str) -> Any:
    import faiss

    if quantize == "sq8":
        return faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    return faiss.IndexFlatIP(dim)


def _drop(db: sqlite3.Connection, sids: list[int], dead_ids: np.ndarray) -> None:
    db.execute(f"DELETE FROM segments WHERE id IN ({','.join('?' * len(sids))})", sids)
    if len(dead_ids):
        db.executemany("DELETE FROM deleted WHERE id = ?", [(int(i),) for i in dead_ids])


def nlist(n: int) -> int:
    """IVF lists for `n` passages: about 2·sqrt(n), between 64 and 4096."""
    return int(min(4096, max(64, 2 * math.sqrt(n))))
