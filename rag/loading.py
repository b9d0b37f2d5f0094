"""Files -> Articles. One reader per format; a bad file or line is reported, never fatal."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
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
    # Indexed, but not all of it as given (an impossible date, dropped): said like a skip.
    warnings: list[Skipped] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)  # distinct id -> the id it shares


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
    for path, doc_id in _walk(paths, out):
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
            if out.origins.get(a.id) == file:  # a jsonl file listing one id twice
                out.skipped.append(Skipped(str(path), f"article id {a.id!r} appears twice in it"))
                continue
            if a.id in out.origins:  # the same name in another folder: another article
                base, a = a.id, replace(a, id=distinct_id(a.id, file))
                out.renamed[a.id] = base
            out.articles.append(a)
            out.origins[a.id] = file
    return out


def distinct_id(article_id: str, file: str) -> str:
    """The id an article gets when another file has its id already: the same one each time for
    the same file, so indexing it again changes that article, not a third one."""
    return f"{article_id}~{hashlib.sha1(file.encode()).hexdigest()[:8]}"


def _walk(paths: list[Path], out: Loaded) -> Iterator[tuple[Path, str]]:
    """Files with the id their articles get: the path inside a given folder, or the file name.
    Symlinked folders are followed, except one leading back to a folder already being read
    (a loop), which is reported."""
    for root in paths:
        if root.is_file():
            yield root, root.name
            continue
        found: list[Path] = []
        for folder, dirs, files in os.walk(root, followlinks=True):
            here = Path(folder)
            ancestors = {here.resolve(), *here.resolve().parents}
            for name in list(dirs):
                sub = here / name
                if name.startswith("."):  # hidden (.git, .cache): never read, so not walked
                    dirs.remove(name)
                elif sub.is_symlink() and sub.resolve() in ancestors:
                    dirs.remove(name)
                    out.skipped.append(Skipped(str(sub), f"symlink loop (it leads back to "
                                                         f"{sub.resolve()}); not followed"))
            found += [here / f for f in files]
        for path in sorted(found):
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
    """UTF-8 (with or without a BOM), or UTF-16 with its BOM, as editors on Windows save it."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise BadFile("starts like UTF-16 but is not valid UTF-16; re-save it as UTF-8"
                          ) from None
    if b"\x00" in raw[:8192]:
        raise BadFile("looks like a binary file (NUL bytes), not text; if it is UTF-16 "
                      "without a byte-order mark, re-save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise BadFile("not valid UTF-8; re-save the file as UTF-8", line) from None


def normalise_date(value: object) -> str | None:
    """'2022/07/06', '2026-02-24T10:00Z' -> 'YYYY-MM-DD'; no date, or an impossible one
    ('2024-02-30') -> None. Every date an article carries has been through here."""
    m = _DATE.search(str(value or ""))
    if not m:
        return None
    try:
        return date.fromisoformat("-".join(m.groups())).isoformat()
    except ValueError:
        return None


def _checked_date(value: object, path: Path, line: int | None, out: Loaded) -> str | None:
    """normalise_date, saying so when a date was given but is impossible."""
    day = normalise_date(value)
    given = _DATE.search(str(value or ""))
    if day is None and given:
        out.warnings.append(Skipped(str(path), f"impossible date {given[0]!r}; indexed without "
                                               "a date", line))
    return day


def derive_title(text: str, limit: int = 80) -> str:
    """Articles without a title line get their first sentence, cut at a word boundary."""
    first = re.split(r"(?<=[.!?])\s|\n", text.strip(), maxsplit=1)[0].strip()
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _text(path: Path, raw: bytes, doc_id: str, source: str, out: Loaded) -> Iterator[Article]:
    text = _decode(raw)
    day = None
    m = _DATE_PREFIX.match(text)
    if m:
        day, text = _checked_date(m.group(1), path, 1, out), text[m.end() :]
    text = text.strip()
    title = None
    if path.suffix.lower() == ".md" and text.startswith("# "):
        heading, _, rest = text.partition("\n")
        title, text = heading[2:].strip(), rest.strip()
    if not text:
        raise BadFile("no article text after the date line")
    yield Article(doc_id, title or derive_title(text), day, source, text)


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


def _pdf(path: Path, raw: bytes, doc_id: str, source: str, out: Loaded) -> Iterator[Article]:
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    with _logged("pypdf") as said:  # its warnings go in the report, not raw to stderr
        try:
            reader = PdfReader(BytesIO(raw))
            pages = [page.extract_text() or "" for page in reader.pages]
            meta = reader.metadata or {}
        except (PdfReadError, ValueError, KeyError) as e:
            raise BadFile(f"not a readable PDF ({e})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise BadFile("PDF has no extractable text (a scan?); run OCR first")
    out.warnings += [Skipped(str(path), f"read, but pypdf warned: {m}") for m in said[:3]]
    title = str(meta.get("/Title") or "").strip() or derive_title(text)
    yield Article(doc_id, title, normalise_date(meta.get("/CreationDate")), source, text)


@contextmanager
def _logged(name: str) -> Iterator[list[str]]:
    """What library `name` logs at WARNING or above while the block runs, kept from stderr."""
    said: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: said.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield said
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


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
            date=_checked_date(obj.get("date") or obj.get("publish_date"), path, n, out),
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
