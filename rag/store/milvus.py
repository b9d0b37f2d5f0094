"""The store on Milvus (`--store milvus:URI`): when one machine is not enough, or app replicas
share one index. URI is a server (`milvus:http://HOST:19530`) or a Milvus Lite file
(`milvus:/path/to/file.db`); the `milvus` extra.

The embedded store's protocol (rag/store/store.py), with everything in the engine: passages
with their vectors and BM25 sparse vectors, articles with their story signatures and band keys,
document frequencies, and the date and article filters. Dense, keyword and hybrid search (its
RRF ranker) run there, so an app holds nothing but a client.

BM25 is the embedded store's (bm25s's analysis and scoring) as sparse vectors: a passage holds
each term's tf / (tf + k1 (1 - b + b dl / avgdl)), a question each term's idf, and their inner
product is the passage's BM25 score. (Milvus's own BM25 function analyses text otherwise, and
Milvus Lite's ignores the analyzer's filters: rankings drifted from bm25s's.) The average length
is the one when the passage was written, so scores drift a little as an index grows; terms are
hashed to 32 bits.

Milvus has no transactions. A write lands passages first and article rows last (a passage is
shown only with its article), and a writer killed midway is cleaned up by the next one (meta
key `pending`). A rebuild writes a new generation of collections and switches to it when it is
complete, so readers keep the old index until then. Writers are not serialized across
processes: run one `rag index` at a time per index.
"""

from __future__ import annotations

import json
import logging
import re
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunking import chunk_text_for_search
from rag.keyword import Terms, term_ids, tokenize
from rag.store.postings import K1, B, holding
from rag.store.postings import idf as bm25_idf
from rag.store.store import (
    ARTICLE_FIELDS,
    FORMAT_VERSION,
    IndexMismatch,
    check_manifest,
    day_iso,
    day_number,
    reassembled,
)
from rag.store.vectors import UNDATED
from rag.stories import SCHEME, bands, signature, story_of
from rag.types import Article, Chunk, Filters

_TEXT = 65_535  # the longest VARCHAR
_MOST = 16_384  # rows one query or search returns
_FIELDS = ARTICLE_FIELDS.split(", ")


def client(uri: str) -> Any:
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise ValueError("--store milvus:URI needs pymilvus: pip install -e '.[milvus]'") from None
    # Its iterators warn on every query that Milvus Lite keeps no server-side timestamps.
    logging.getLogger("pymilvus").setLevel(logging.ERROR)
    if "://" not in uri:  # a Milvus Lite file: its folder must exist
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    return MilvusClient(uri)


class MilvusStore:
    """One index (`name`, from the index folder's name) in the Milvus at `uri`."""

    def __init__(self, uri: str, name: str, milvus: Any | None = None):
        self.uri, self.name = uri, re.sub(r"\W+", "_", name).strip("_") or "default"
        self.root = Path(f"milvus:{uri}#{self.name}")  # what messages name it by
        self.client = milvus or client(uri)
        self._meta_name = f"rag_{self.name}_meta"
        self._version, self._count, self._generation = -1, 0, 0

    # -- opening ----------------------------------------------------------------------------
    @classmethod
    def exists(cls, uri: str, name: str) -> bool:
        store = cls(uri, name)
        return bool(store.client.has_collection(store._meta_name))

    @classmethod
    def open(cls, uri: str, name: str, search: bool = True) -> MilvusStore:
        store = cls(uri, name)
        if not store.client.has_collection(store._meta_name):
            raise FileNotFoundError(f"no index {store.name!r} in Milvus at {uri}; build one with "
                                    f"`rag index --store milvus:{uri}`")
        version = store.manifest.get("format_version")
        if version != FORMAT_VERSION:
            raise IndexMismatch(f"{store.root} has index format {version}, this version reads "
                                f"{FORMAT_VERSION}; rebuild it with `rag index --rebuild`")
        store.refresh()
        return store

    @classmethod
    def create(cls, uri: str, name: str, model: str, dim: int, settings: dict[str, Any],
               quantize: str = "none", ann_min: int = 200_000) -> MilvusStore:
        store = cls(uri, name)
        if not store.client.has_collection(store._meta_name):
            from pymilvus import DataType

            schema = store.client.create_schema(auto_id=False)
            schema.add_field("key", DataType.VARCHAR, max_length=64, is_primary=True)
            schema.add_field("value", DataType.VARCHAR, max_length=_TEXT)
            _placeholder(schema)
            store._create(store._meta_name, schema)
            store._tables(0, dim)
            store._put({"format_version": FORMAT_VERSION, "model": model, "dim": dim,
                        "settings": settings, "quantize": quantize, "ann_min": ann_min,
                        "next_id": 0, "next_num": 0, "version": 0, "updated": None,
                        "stories": SCHEME, "generation": 0, "pending": [], "lengths": 0})
        return cls.open(uri, name)

    def close(self) -> None:
        self.client.close()

    @property
    def manifest(self) -> dict[str, Any]:
        self.client.load_collection(self._meta_name)
        rows = self.client.query(self._meta_name, filter='key != ""', limit=100,
                                 output_fields=["key", "value"])
        return {r["key"]: json.loads(r["value"]) for r in rows}

    def check(self, model: str, dim: int, settings: dict[str, Any], where: Path) -> None:
        check_manifest(self.manifest, model, dim, settings, self.root)

    def refresh(self) -> bool:
        """Pick up what writers committed: True if anything changed."""
        m = self.manifest
        if m["version"] == self._version:
            return False
        if m["generation"] != self._generation or self._version < 0:
            for table in ("articles", "passages", "terms"):  # into memory, for searching
                self.client.load_collection(self._t(table, m["generation"]))
        self._version, self._generation = m["version"], m["generation"]
        self._count = self._counted(self._t("passages"), "id >= 0")
        return True

    # -- reading ----------------------------------------------------------------------------
    def count(self) -> int:
        return self._count

    def search(self, vector: np.ndarray, k: int, filters: Filters | None = None
               ) -> list[tuple[int, float]]:
        expr = _expr(filters)
        if expr is None:
            return []
        hits = self.client.search(self._t("passages"), data=[vector.tolist()], anns_field="vec",
                                  limit=min(k, _MOST), filter=expr or "",
                                  search_params={"metric_type": "IP"})
        return [(int(h["id"]), float(h["distance"])) for h in hits[0]]

    def keyword(self, text: str, k: int, filters: Filters | None = None
                ) -> list[tuple[int, float]]:
        expr, query = _expr(filters), self._query_vector(text)
        if expr is None or not query:
            return []
        hits = self.client.search(self._t("passages"), data=[query], anns_field="sparse",
                                  limit=min(k, _MOST), filter=expr or "",
                                  search_params={"metric_type": "IP"})
        return [(int(h["id"]), float(h["distance"])) for h in hits[0] if h["distance"] > 0]

    def hybrid(self, vector: np.ndarray, text: str, k: int, filters: Filters | None = None,
               rrf_k: int = 60) -> list[tuple[int, float]]:
        """Dense and keyword search's best `k` each, fused by the engine's reciprocal-rank
        ranker (as the embedded store's `hybrid`, which returns every passage either found)."""
        from pymilvus import AnnSearchRequest, RRFRanker

        expr, query = _expr(filters), self._query_vector(text)
        if expr is None:
            return []
        if not query:
            return self.search(vector, k, filters)
        n = min(k, _MOST)
        requests = [AnnSearchRequest([vector.tolist()], "vec", {"metric_type": "IP"}, n,
                                     expr=expr or None),
                    AnnSearchRequest([query], "sparse", {"metric_type": "IP"}, n,
                                     expr=expr or None)]
        hits = self.client.hybrid_search(self._t("passages"), requests, RRFRanker(rrf_k),
                                         limit=min(2 * n, _MOST))
        return [(int(h["id"]), float(h["distance"])) for h in hits[0]]

    def _query_vector(self, text: str) -> dict[int, float]:
        """A question as a sparse vector: each term's idf, times how often it is asked."""
        terms = tokenize([text])[0]
        weights = self.idf(set(terms))
        out: dict[int, float] = {}
        for t in terms:
            out[_hash(t)] = out.get(_hash(t), 0.0) + weights[t]
        return out

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        terms = list(terms)
        df = {r["term"]: r["df"] for r in self._in(self._t("terms"), "term", terms,
                                                    ["term", "df"])}
        return {t: bm25_idf(self._count, df.get(t, 0)) for t in terms}

    def dates(self, ids: Sequence[int]) -> list[str | None]:
        day = {r["id"]: r["day"] for r in self._in(self._t("passages"), "id", ids, ["id", "day"])}
        return [day_iso(day.get(int(i), UNDATED)) for i in ids]

    def stories(self, ids: Sequence[int]) -> list[tuple[int, int] | None]:
        of = {r["id"]: r["article"] for r in self._in(self._t("passages"), "id", ids,
                                                       ["id", "article"])}
        story = {r["num"]: r["story"] for r in self._in(self._t("articles"), "num",
                                                        list(set(of.values())),
                                                        ["num", "story"])}
        out: list[tuple[int, int] | None] = []
        for i in ids:
            num = of.get(int(i))
            out.append((num, story[num]) if num in story else None)
        return out

    def passages(self, ids: Sequence[int]) -> dict[int, tuple[Chunk, dict[str, Any]]]:
        rows = self._in(self._t("passages"), "id", list(dict.fromkeys(int(i) for i in ids)),
                        ["id", "article", "key", "text", "start", "end"])
        meta = {r["num"]: _meta(r) for r in self._in(
            self._t("articles"), "num", list({r["article"] for r in rows}), _FIELDS)}
        out = {}
        for r in rows:
            m = meta.get(r["article"])
            if m is not None:
                out[r["id"]] = (Chunk(r["key"], m["id"], r["text"], r["start"], r["end"]), m)
        return out

    def texts(self, article_ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for m in self._in(self._t("articles"), "id", list(article_ids), ["num", "id"]):
            text = reassembled((r["text"], r["start"], r["end"]) for r in self._query(
                self._t("passages"), f"article == {m['num']}", ["text", "start", "end"]))
            if text:
                out[m["id"]] = text
        return out

    def outlets(self, stories: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        wanted = list(set(stories))
        out: dict[int, list[dict[str, Any]]] = {s: [] for s in wanted}
        for r in sorted(self._in(self._t("articles"), "story", wanted, _FIELDS),
                        key=lambda r: r["num"]):
            out[r["story"]].append(_meta(r))
        return out

    def filter(self, filters: Filters | None = None) -> list[dict[str, Any]]:
        rows = sorted(self._query(self._t("articles"), "num >= 0", _FIELDS),
                      key=lambda r: r["num"])
        metas = [_meta(r) for r in rows]
        return [m for m in metas if not filters or filters.admits(m)]

    def hashes(self, article_ids: Sequence[str]) -> dict[str, str]:
        return {m["id"]: m["hash"] for m in self._articles_where("id", list(article_ids))}

    def files(self, article_ids: Sequence[str]) -> dict[str, str]:
        return {m["id"]: m["file"] for m in self._articles_where("id", list(article_ids))}

    def stats(self) -> dict[str, Any]:
        metas = self.filter()
        dates = sorted(m["date"] for m in metas if m["date"])
        return {"articles": len(metas), "stories": len({m["story"] for m in metas}),
                "passages": self._counted(self._t("passages"), "id >= 0"),
                "dates": [dates[0], dates[-1]] if dates else None, "ann": False}

    # -- writing ----------------------------------------------------------------------------
    @contextmanager
    def writing(self, wait: bool = True) -> Iterator[MilvusWriter]:
        """A write: all of it is applied when the block ends without an error (see the module
        docstring for what that means without transactions)."""
        writer = MilvusWriter(self)
        yield writer
        writer.commit()
        self.refresh()

    # -- helpers ----------------------------------------------------------------------------
    def _t(self, table: str, generation: int | None = None) -> str:
        g = self._generation if generation is None else generation
        return f"rag_{self.name}_g{g}_{table}"

    def _create(self, name: str, schema: Any, index: Any | None = None) -> None:
        if index is None:
            index = self.client.prepare_index_params()
            index.add_index("v", index_type="FLAT", metric_type="L2")
        self.client.create_collection(name, schema=schema, index_params=index,
                                      consistency_level="Strong")

    def _tables(self, generation: int, dim: int) -> None:
        """The collections of one generation of the index."""
        from pymilvus import DataType

        a = self.client.create_schema(auto_id=False)
        a.add_field("num", DataType.INT64, is_primary=True)
        for name in _FIELDS[1:]:
            if name != "story":
                a.add_field(name, DataType.VARCHAR, max_length=_TEXT)
        a.add_field("story", DataType.INT64)
        a.add_field("leader", DataType.BOOL)
        a.add_field("first", DataType.INT64)
        a.add_field("count", DataType.INT64)
        a.add_field("minhash", DataType.ARRAY, element_type=DataType.INT64, max_capacity=256)
        a.add_field("bands", DataType.ARRAY, element_type=DataType.INT64, max_capacity=64)
        _placeholder(a)
        self._create(self._t("articles", generation), a)

        p = self.client.create_schema(auto_id=False)
        p.add_field("id", DataType.INT64, is_primary=True)
        p.add_field("article", DataType.INT64)
        p.add_field("article_id", DataType.VARCHAR, max_length=_TEXT)
        p.add_field("day", DataType.INT32)
        p.add_field("key", DataType.VARCHAR, max_length=_TEXT)
        p.add_field("text", DataType.VARCHAR, max_length=_TEXT)
        p.add_field("search", DataType.VARCHAR, max_length=_TEXT)  # as analysed for BM25
        p.add_field("length", DataType.INT64)  # in terms
        p.add_field("start", DataType.INT64)
        p.add_field("end", DataType.INT64)
        p.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
        p.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        index = self.client.prepare_index_params()
        index.add_index("vec", index_type="AUTOINDEX", metric_type="IP")
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        self._create(self._t("passages", generation), p, index)

        t = self.client.create_schema(auto_id=False)
        t.add_field("term", DataType.VARCHAR, max_length=512, is_primary=True)
        t.add_field("df", DataType.INT64)
        _placeholder(t)
        self._create(self._t("terms", generation), t)

    def _put(self, values: dict[str, Any]) -> None:
        self.client.upsert(self._meta_name, [{"key": k, "value": json.dumps(v), "v": [0.0, 0.0]}
                                             for k, v in values.items()])

    def _query(self, table: str, expr: str, fields: list[str]) -> list[dict[str, Any]]:
        """Every row `expr` admits, however many."""
        it = self.client.query_iterator(table, batch_size=4096, filter=expr,
                                        output_fields=fields)
        rows: list[dict[str, Any]] = []
        try:
            while batch := it.next():
                rows += batch
        finally:
            it.close()
        return rows

    def _in(self, table: str, field: str, values: Sequence[Any], fields: list[str]
            ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        values = list(values)
        for i in range(0, len(values), 1000):
            part = [v if isinstance(v, str) else int(v) for v in values[i:i + 1000]]
            rows += self.client.query(table, filter=f"{field} in {_literal(part)}",
                                      output_fields=fields, limit=_MOST)
        return rows

    def _articles_where(self, field: str, values: Sequence[Any]) -> list[dict[str, Any]]:
        return [_meta(r) for r in self._in(self._t("articles"), field, values, _FIELDS)]

    def _counted(self, table: str, expr: str) -> int:
        rows = self.client.query(table, filter=expr, output_fields=["count(*)"])
        return int(rows[0]["count(*)"])


class MilvusWriter:
    """Adds and removes whole articles; applied at `commit` (see MilvusStore.writing)."""

    def __init__(self, store: MilvusStore):
        self.store, self.client = store, store.client
        self.meta = store.manifest
        self.generation = self.meta["generation"]
        self._next, self._num = int(self.meta["next_id"]), int(self.meta["next_num"])
        self._lengths, self._live = int(self.meta["lengths"]), store.count()
        self._articles: dict[int, dict[str, Any]] = {}  # rows to write, new or changed
        self._passages: list[dict[str, Any]] = []
        self._gone: set[int] = set()  # committed articles to delete
        self._df: Counter[str] = Counter()
        self._fresh = False  # cleared: a new generation is being written
        self.changed = False
        self._finish_pending()

    def add(self, article: Article, file: str, digest: str, chunks: list[Chunk],
            vecs: np.ndarray, sig: list[int] | None = None, terms: Terms | None = None) -> None:
        """As the embedded store's Writer.add."""
        self.remove([article.id])
        num, first = self._num, self._next
        self._num += 1
        self._next += len(chunks)
        sig = signature(c.text for c in chunks) if sig is None else sig
        row = {"num": num, "id": article.id, "title": article.title, "date": article.date or "",
               "source": article.source, "file": file, "hash": digest,
               "author": article.author or "", "site": article.site or "",
               "fetched": article.fetched or "", "first": first, "count": len(chunks),
               "minhash": np.asarray(sig, dtype=np.uint64).view(np.int64).tolist(),
               "bands": bands(sig), "v": [0.0, 0.0]}
        self._assign(row)
        self._articles[num] = row
        day = day_number(article.date)
        searched = [chunk_text_for_search(article.title, c) for c in chunks]
        ids, vocab = term_ids(searched) if terms is None else terms
        lengths = [len(t) for t in ids]
        self._lengths += sum(lengths)
        self._live += len(chunks)
        self._passages += [  # "sparse" is made at commit, with the average length then
            {"id": first + i, "article": num, "article_id": article.id, "day": day,
             "key": c.id, "text": c.text, "search": s, "length": n, "start": c.start,
             "end": c.end, "vec": v.tolist(), "sparse": (t, vocab)}
            for i, (c, s, n, t, v) in enumerate(zip(chunks, searched, lengths, ids, vecs,
                                                    strict=True))]
        self._df.update(holding((ids, vocab)))
        self.changed = True

    def remove(self, article_ids: Iterable[str]) -> None:
        for aid in article_ids:
            pending = [n for n, r in self._articles.items() if r["id"] == aid]
            for num in pending:  # added by this writer: forget it
                row = self._articles.pop(num)
                self._forget([p for p in self._passages if p["article"] == num])
                self._passages = [p for p in self._passages if p["article"] != num]
                self._reassign(row)
            if self._fresh:
                continue
            for row in self.store._in(self.store._t("articles", self.generation), "id", [aid],
                                      ["*"]):
                if row["num"] in self._gone:
                    continue
                self._gone.add(row["num"])
                self._forget(self.store._query(self.store._t("passages", self.generation),
                                               f"article == {row['num']}", ["search", "length"]))
                self._reassign(row)
                self.changed = True

    def clear(self, model: str, dim: int, settings: dict[str, Any], quantize: str,
              ann_min: int) -> None:
        """Start a new generation: readers keep the old one until this write commits."""
        self.generation = self.meta["generation"] + 1
        for table in ("articles", "passages", "terms"):
            name = self.store._t(table, self.generation)
            if self.client.has_collection(name):  # a rebuild that was killed
                self.client.drop_collection(name)
        self.store._tables(self.generation, dim)
        self.meta.update(model=model, dim=dim, settings=settings, quantize=quantize,
                         ann_min=ann_min)
        self._articles.clear()
        self._passages.clear()
        self._gone.clear()
        self._df.clear()
        self._lengths = self._live = 0
        self._fresh = self.changed = True

    def commit(self) -> None:
        if not self.changed:
            return
        s, g = self.store, self.generation
        s._put({"pending": sorted(self._articles)})
        if self._gone:
            gone = _literal(sorted(self._gone))
            self.client.delete(s._t("articles", g), filter=f"num in {gone}")
            self.client.delete(s._t("passages", g), filter=f"article in {gone}")
        avgdl = max(self._lengths / max(self._live, 1), 1.0)
        for row in self._passages:
            row["sparse"] = _doc_vector(*row["sparse"], avgdl)
        for i in range(0, len(self._passages), 1000):
            self.client.insert(s._t("passages", g), self._passages[i:i + 1000])
        rows = list(self._articles.values())
        for i in range(0, len(rows), 1000):
            self.client.upsert(s._t("articles", g), rows[i:i + 1000])
        self._save_df(s._t("terms", g))
        old = self.meta["generation"]
        self.meta.update(next_id=self._next, next_num=self._num, version=self.meta["version"] + 1,
                         updated=time.strftime("%Y-%m-%dT%H:%M:%S%z"), generation=g, pending=[],
                         lengths=self._lengths)
        s._put(self.meta)
        if g != old:
            for table in ("articles", "passages", "terms"):
                self.client.drop_collection(s._t(table, old))

    # -- stories ----------------------------------------------------------------------------
    def _assign(self, row: dict[str, Any]) -> None:
        """Give an article its story: the first earlier story leader it matches, else its own."""
        sig = _signature(row["minhash"])
        keys = row["bands"]
        leaders = [r for r in self._articles.values() if r["leader"] and r["num"] < row["num"]
                   and set(keys) & set(r["bands"])]
        if keys and not self._fresh:
            found = self.client.query(
                self.store._t("articles", self.generation),
                filter=f"leader == true and num < {row['num']} and "
                       f"array_contains_any(bands, {_literal(keys)})",
                output_fields=["num", "minhash", "title"], limit=_MOST)
            leaders += [r for r in found if r["num"] not in self._gone
                        and r["num"] not in self._articles]
        leader = story_of(sig, row["title"], ((r["num"], _signature(r["minhash"]), r["title"])
                                              for r in leaders))
        row["story"] = row["num"] if leader is None else leader
        row["leader"] = leader is None

    def _reassign(self, removed: dict[str, Any]) -> None:
        """A story's leader is gone: its other articles find their stories again."""
        if not removed.get("leader"):
            return
        members = [r for r in self._articles.values() if r["story"] == removed["num"]]
        if not self._fresh:
            members += [{**r, "v": [0.0, 0.0]} for r in self.client.query(
                self.store._t("articles", self.generation),
                filter=f"story == {removed['num']} and num != {removed['num']}",
                output_fields=["*"], limit=_MOST)
                if r["num"] not in self._gone and r["num"] not in self._articles]
        for member in sorted(members, key=lambda r: r["num"]):
            member["leader"] = False
            self._assign(member)
            self._articles[member["num"]] = member

    # -- document frequencies and lengths --------------------------------------------------
    def _forget(self, passages: list[dict[str, Any]]) -> None:
        """Passages (with their `search` text and `length`) out of the frequencies and the
        lengths BM25 normalises by."""
        self._df.subtract(holding(term_ids([p["search"] for p in passages])))
        self._lengths -= sum(p["length"] for p in passages)
        self._live -= len(passages)

    def _save_df(self, table: str) -> None:
        changed = [t for t, n in self._df.items() if n]
        old = {r["term"]: r["df"] for r in self.store._in(table, "term", changed,
                                                           ["term", "df"])}
        rows = [{"term": t, "df": old.get(t, 0) + self._df[t], "v": [0.0, 0.0]}
                for t in changed]
        gone = [r["term"] for r in rows if r["df"] <= 0]
        keep = [r for r in rows if r["df"] > 0]
        for i in range(0, len(keep), 5000):
            self.client.upsert(table, keep[i:i + 5000])
        for i in range(0, len(gone), 1000):
            self.client.delete(table, filter=f"term in {_literal(gone[i:i + 1000])}")

    def _finish_pending(self) -> None:
        """Passages a killed writer left without their article rows are deleted."""
        pending = self.meta.get("pending") or []
        if not pending:
            return
        s, g = self.store, self.generation
        have = {r["num"] for r in s._in(s._t("articles", g), "num", pending, ["num"])}
        orphans = [n for n in pending if n not in have]
        if orphans:
            self._forget(s._query(s._t("passages", g), f"article in {_literal(orphans)}",
                                  ["search", "length"]))
            self.meta["lengths"] = self._lengths
            self.client.delete(s._t("passages", g), filter=f"article in {_literal(orphans)}")
            self._save_df(s._t("terms", g))
            self._df.clear()
        s._put({"pending": [], "lengths": self._lengths})


def _placeholder(schema: Any) -> None:
    """Milvus wants a vector in every collection; tables of plain rows carry this one."""
    from pymilvus import DataType

    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)


def _hash(term: str) -> int:
    """A term's dimension of the sparse vectors (Milvus's largest index is 2**32 - 2)."""
    return zlib.crc32(term.encode()) % (2**32 - 1)


def _doc_vector(ids: np.ndarray, vocab: list[str], avgdl: float) -> dict[int, float]:
    """A passage's BM25 term weights: tf / (tf + k1 (1 - b + b dl / avgdl))."""
    terms, tfs = np.unique(ids, return_counts=True)
    norm = K1 * (1 - B + B * len(ids) / avgdl)
    out: dict[int, float] = {}
    for t, tf in zip(terms.tolist(), tfs.tolist(), strict=True):
        key = _hash(vocab[t])
        out[key] = out.get(key, 0.0) + tf / (tf + norm)
    return out or {0: 0.0}  # Milvus wants a value: a passage with no terms matches nothing


def _signature(stored: list[int]) -> list[int]:
    return np.asarray(stored, dtype=np.int64).view(np.uint64).tolist()


def _meta(row: dict[str, Any]) -> dict[str, Any]:
    """An article row as the embedded store gives it (unset fields read as None)."""
    return {k: (row[k] if row[k] != "" else None) for k in _FIELDS[1:]}


def _literal(values: Sequence[Any]) -> str:
    """A list in a Milvus expression. Its strings are JSON's, unescaped beyond what JSON must
    escape: Milvus reads `\"`, `\\` and `\n` but not `\u00fc`."""
    return json.dumps(list(values), ensure_ascii=False)


def _expr(filters: Filters | None) -> str | None:
    """The filters as a Milvus expression ("" for none); None when they admit nothing."""
    if not filters:
        return ""
    parts = []
    if filters.since:
        parts.append(f"day >= {day_number(filters.since)}")
    if filters.until:
        parts.append(f"day <= {day_number(filters.until)} and day > {UNDATED}")
    if filters.as_of:  # an undated article (UNDATED, the smallest day) is not after it
        parts.append(f"day <= {day_number(filters.as_of)}")
    if filters.articles is not None:
        if not filters.articles:
            return None
        parts.append(f"article_id in {_literal(list(filters.articles))}")
    return " and ".join(f"({p})" for p in parts)

