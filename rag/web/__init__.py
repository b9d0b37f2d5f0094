"""Articles from the web: pages by URL (`rag add`) and RSS/Atom feeds (`rag feeds`).

fetch.py (HTTP, robots.txt, politeness) -> pages.py (page -> Article) and feeds.py (feed ->
entries) -> reader.py (what to fetch, index and remember). Feed state lives in the index
(rag/store/feeds.py).
"""


class WebError(Exception):
    """A page or feed that could not be read; the message names the URL."""
