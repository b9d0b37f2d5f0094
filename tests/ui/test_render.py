"""Article text in the chat is shown as written: Markdown and HTML in it are never acted on."""

from ui.render import answer_markdown


def test_markdown_and_html_in_a_quote_are_escaped_and_citations_still_link():
    quote = "Output rose **14%** in _Q1_ <b>[see](http://x.y)</b> # not a heading `code`. [1]"
    answer = {"answer": quote, "abstained": False, "fallback": None, "weak_evidence": False,
              "short_answer": None, "citations": [{"n": 1, "date": "2026-03-05"}]}
    md = answer_markdown(answer, 0)
    assert "\\*\\*14%\\*\\*" in md and "\\_Q1\\_" in md and "\\`code\\`" in md
    assert "&lt;b&gt;" in md and "\\[see\\]\\(http\\:\\/\\/x\\.y\\)" in md and "\\# not" in md
    assert md.endswith("[\\[1\\]](#src-0-1) <small>2026-03-05</small>")
