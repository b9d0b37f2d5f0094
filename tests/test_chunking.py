import itertools

from rag.chunking import Chunker, count_tokens, split_sentences
from rag.loading import load_paths
from rag.types import Article

from .conftest import SEEDS


def test_chunk_offsets_round_trip_and_respect_the_token_budget():
    chunker = Chunker(tokens=100, overlap=40)
    for article in load_paths([SEEDS]).articles:
        chunks = chunker.run(article)
        assert len(chunks) > 3
        for c in chunks:
            assert article.text[c.start : c.end] == c.text
            assert count_tokens(c.text) <= 100
        # together they cover the whole article in order: no text falls between two chunks,
        # and where the next sentence leaves room, a chunk repeats the previous one's tail
        assert chunks[0].start == 0 and chunks[-1].end == len(article.text)
        pairs = list(itertools.pairwise(chunks))
        for a, b in pairs:
            assert a.start < b.start and not article.text[a.end : b.start].strip()
        assert sum(b.start < a.end for a, b in pairs) >= len(pairs) // 2


def test_chunks_start_on_sentence_boundaries():
    article = load_paths([SEEDS]).articles[0]
    starts = {s for s, _ in split_sentences(article.text)}
    assert all(c.start in starts for c in Chunker(60, 15).run(article))


def test_a_sentence_longer_than_a_chunk_is_cut_at_words():
    text = " ".join(f"word{i}" for i in range(400))  # no sentence end at all
    chunks = Chunker(50, 10).run(Article("a", "t", None, "s", text))
    assert len(chunks) > 5
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert count_tokens(c.text) <= 50
        assert not c.text.startswith(" ") and c.text.split()[0].startswith("word")
    assert chunks[-1].end == len(text)


def test_sentence_splitter_keeps_abbreviations_and_quotes():
    text = 'He said “Hello.” Then Mr. Smith left. U.S. forces went home!\nNew line'
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "He said “Hello.”", "Then Mr. Smith left.", "U.S. forces went home!", "New line"]


def _by_counting_windows(chunker: Chunker, article: Article) -> list[tuple[int, int]]:
    """Chunk spans as the chunker made them before it counted each sentence once: every
    candidate window's text counted again (slow, but plainly right)."""
    text = article.text
    units = [u for s, e in split_sentences(text) for u in
             ([(s, e)] if count_tokens(text[s:e]) <= chunker.tokens else chunker._fit(text, s, e))]
    spans, window = [], []
    for start, end in units:
        if window and count_tokens(text[window[0][0]:end]) > chunker.tokens:
            spans.append((window[0][0], window[-1][1]))
            keep = next((i for i in range(1, len(window))
                         if count_tokens(text[window[i][0]:window[-1][1]]) <= chunker.overlap
                         and count_tokens(text[window[i][0]:end]) <= chunker.tokens), None)
            window = window[keep:] if keep else []
        window.append((start, end))
    return [*spans, (window[0][0], window[-1][1])] if window else spans


def test_counting_each_sentence_once_cuts_where_counting_every_window_does():
    """Line breaks after punctuation merge into one token across a sentence boundary, long
    sentences are cut at words, and quotes close sentences: the chunks are the same."""
    tricky = Article("t", "T", None, "s", "\n\n".join(
        [f"Paragraph {i}. It ends here.\u201d\nA line, then: more text follows (see {i})!"
         for i in range(40)] + ["word " * 300 + "end.", "Last one?\n\n\nYes."]))
    for article in [*load_paths([SEEDS]).articles, tricky]:
        for chunker in (Chunker(200, 40), Chunker(60, 15), Chunker(30, 0)):
            assert [(c.start, c.end) for c in chunker.run(article)] == \
                _by_counting_windows(chunker, article)
