"""Files -> Articles. One reader per format; a bad file or line is reported, never fatal."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rag.types import Article

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf", ".jsonl")

_DATE_PREFIX = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\s+")
_DATE = re.compile(r"(\d{4})[-/](\d{2})[-/](\d{2})")


@dataclass(frozen=True)
class Skipped:
    """Something that was not indexed, and why: printed as `path[:line]: reason`."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass
class Loaded:
    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)  # article id -> file it came from
    # A file that failed to load keeps what was indexed from it before: never pruned.
    failed_files: set[str] = field(default_factory=set)


class BadFile(Exception):
    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason)
        self.reason, self.line = reason, line


def load_paths(paths: list[Path], max_file_mb: float = 50.0) -> Loaded:
    """Read every supported file under `paths`. Raises FileNotFoundError for a missing path."""
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such file or directory")
    out = Loaded()
    for path, doc_id in _walk(paths):
        file = str(path.resolve())
        try:
            reader = _READERS.get(path.suffix.lower())
            if reader is None:
                raise BadFile(f"unsupported file type; supported: {', '.join(SUPPORTED)}")
            articles = list(reader(path, _read_bytes(path, max_file_mb), doc_id, file, out))
        except BadFile as e:
            out.skipped.append(Skipped(str(path), e.reason, e.line))
            out.failed_files.add(file)
            continue
        for a in articles:
            if a.id in out.origins:
                out.skipped.append(
                    Skipped(str(path), f"article id {a.id!r} already read from {out.origins[a.id]}")
                )
                continue
            out.articles.append(a)
            out.origins[a.id] = file
    return out


def _walk(paths: list[Path]) -> Iterator[tuple[Path, str]]:
    """Files with the id their articles get: the path inside a given folder, or the file name."""
    for root in paths:
        if root.is_file():
            yield root, root.name
            continue
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            hidden = any(part.startswith(".") for part in rel.parts)
            if path.is_file() and path.suffix.lower() in SUPPORTED and not hidden:
                yield path, rel.as_posix()


def _read_bytes(path: Path, max_file_mb: float) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_file_mb * 1024 * 1024:
            raise BadFile(
                f"file is {size / 1024 / 1024:.0f} MB, over the {max_file_mb:g} MB limit; "
                "split it or raise RAG_MAX_FILE_MB"
            )
        raw = path.read_bytes()
    except OSError as e:
        raise BadFile(f"cannot read file ({e.strerror or e}); check its permissions") from None
    if not raw.strip():
        raise BadFile("file is empty")
    return raw


def _decode(raw: bytes) -> str:
    if b"\x00" in raw[:8192]:
        raise BadFile("looks like a binary file (NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise BadFile("not valid UTF-8; re-save the file as UTF-8", line) from None


def normalise_date(value: object) -> str | None:
    """'2022/07/06', '2026-02-24T10:00Z' -> 'YYYY-MM-DD'; anything else -> None."""
    m = _DATE.search(str(value or ""))
    return "-".join(m.groups()) if m else None


def derive_title(text: str, limit: int = 80) -> str:
    """Articles without a title line get their first sentence, cut at a word boundary."""
    first = re.split(r"(?<=[.!?])\s|\n", text.strip(), maxsplit=1)[0].strip()
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _text(path: Path, raw: bytes, doc_id: str, source: str, _: Loaded) -> Iterator[Article]:
    text = _decode(raw)
    date = None
    m = _DATE_PREFIX.match(text)
    if m:
        date, text = m.group(1), text[m.end() :]
    text = text.strip()
    title = None
    if path.suffix.lower() == ".md" and text.startswith("# "):
        heading, _, rest = text.partition("\n")
        title, text = heading[2:].strip(), rest.strip()
    if not text:
        raise BadFile("no article text after the date line")
    yield Article(doc_id, title or derive_title(text), date, source, text)


def _html(path: Path, raw: bytes, doc_id: str, source: str, _: Loaded) -> Iterator[Article]:
    yield html_article(_decode(raw), doc_id, source)[0]


def html_article(html: str | bytes, doc_id: str, source: str, url: str | None = None
                 ) -> tuple[Article, str | None]:
    """The main text of a page with its metadata (title, date, author, site), and the canonical
    URL the page names for itself, if any. `url`: where it was fetched from."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                      include_tables=False)
    text = (doc.text or "").strip() if doc else ""
    if not text:
        raise BadFile("no main article text found in the HTML")
    article = Article(doc_id, doc.title or derive_title(text), normalise_date(doc.date), source,
                      text, author=doc.author or None, site=doc.sitename or None)
    return article, doc.url or None


def parse(raw: bytes, suffix: str, doc_id: str, source: str) -> list[Article]:
    """The articles in `raw`, read as a file ending in `suffix` is (for pages fetched by URL).
    BadFile says why there are none."""
    out = Loaded()
    articles = list(_READERS[suffix](Path(f"page{suffix}"), raw, doc_id, source, out))
    if not articles:
        raise BadFile(out.skipped[0].reason if out.skipped else "no article in it")
    return articles


def _pdf(path: Path, raw: bytes, doc_id: str, source: str, _: Loaded) -> Iterator[Article]:
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(BytesIO(raw))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata or {}
    except (PdfReadError, ValueError, KeyError) as e:
        raise BadFile(f"not a readable PDF ({e})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise BadFile("PDF has no extractable text (a scan?); run OCR first")
    title = str(meta.get("/Title") or "").strip() or derive_title(text)
    yield Article(doc_id, title, normalise_date(meta.get("/CreationDate")), source, text)


def _jsonl(path: Path, raw: bytes, doc_id: str, source: str, out: Loaded) -> Iterator[Article]:
    """One article a line (the RealTime QA corpus shape); bad lines are skipped one by one."""
    for n, line in enumerate(_decode(raw).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            out.skipped.append(Skipped(str(path), f"malformed JSON ({e.msg})", n))
            continue
        if not isinstance(obj, dict):
            out.skipped.append(Skipped(str(path), "expected a JSON object", n))
            continue
        # A headline without a body (scraping often loses it) is still worth finding.
        text = str(obj.get("text") or "").strip() or str(obj.get("title") or "").strip()
        if not text:
            out.skipped.append(Skipped(str(path), 'no "text" (or "title") to index', n))
            continue
        yield Article(
            id=str(obj.get("doc_id") or obj.get("id") or obj.get("_id") or f"{doc_id}:{n}"),
            title=str(obj.get("title") or "").strip() or derive_title(text),
            date=normalise_date(obj.get("date") or obj.get("publish_date")),
            source=str(obj.get("url") or f"{source}:{n}"),
            text=text,
        )


_Reader = Callable[[Path, bytes, str, str, Loaded], Iterator[Article]]
_READERS: dict[str, _Reader] = {
    ".txt": _text,
    ".md": _text,
    ".html": _html,
    ".htm": _html,
    ".pdf": _pdf,
    ".jsonl": _jsonl,
}
