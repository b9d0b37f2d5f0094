"""The Gradio chat app: layout and event handlers over `ui.service.Service`.

No retrieval logic lives here: questions go through the same `Pipeline` as `rag ask`.
"""

from __future__ import annotations

import html
import re
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import gradio as gr

from rag.loading import SUPPORTED
from rag.pipeline import check_question
from rag.rewriting import rewrite
from rag.settings import Settings
from rag.types import Filters
from rag.web import WebError
from ui import welcome
from ui.render import answer_markdown, feeds_html, sources_html, web_log
from ui.service import NoIndex, Service

CSS = """
#sources .sources-scroll { max-height: 600px; overflow-y: auto; padding-right: .3em; }
#sources .turn { display: none; } #sources .turn.active { display: block; }
#sources .asked { font-weight: 600; margin-bottom: .3em; }
#sources .rewritten { font-size: .9em; opacity: .8; margin-bottom: .5em; }
#sources .card { border: 1px solid var(--border-color-primary); border-radius: 8px;
                 padding: .6em .8em; margin: .5em 0; }
#sources .card.flash { outline: 3px solid var(--color-accent); }
#sources .num { font-weight: 700; color: var(--color-accent); }
#sources .meta { font-size: .85em; opacity: .75; }
#sources .time { font-size: .9em; margin-bottom: .5em; }
#sources mark { background: #fde68a; color: inherit; }
#sources .quote { margin: .4em 0; padding-left: .6em; border-left: 3px solid #f59e0b; }
#sources .support { font-size: .8em; padding: 0 .4em; border-radius: 4px; }
#sources .support.high { background: #dcfce7; } #sources .support.medium { background: #fef9c3; }
#sources .support.low { background: #fee2e2; }
#sources .turn.weak .asked::after { content: " ⚠️ weak evidence"; font-weight: 400; }
#sources .turn.abstained .asked::after { content: " 🤷 not in the articles"; font-weight: 400; }
"""

# A click on [n] in any answer shows that answer's sources and brings card n into view.
JS = """
() => {
  document.addEventListener('click', (e) => {
    const a = e.target.closest('a[href^="#src-"]');
    if (!a) return;
    e.preventDefault(); e.stopPropagation();
    const id = a.getAttribute('href').slice(1);
    const turn = id.split('-')[1];
    document.querySelectorAll('#sources .turn').forEach(
      (s) => s.classList.toggle('active', s.dataset.turn === turn));
    const card = document.getElementById(id);
    if (card) {
      card.scrollIntoView({behavior: 'smooth', block: 'center'});
      card.classList.add('flash'); setTimeout(() => card.classList.remove('flash'), 1500);
    }
  }, true);
}
"""

_SENTENCE_END = re.compile(r"(?<=\)) ")  # after a citation link: where an answer sentence ends


def build(service: Service) -> gr.Blocks:
    settings = service.settings
    with gr.Blocks(title="Ask the news") as demo:
        status = gr.Markdown(service.status(), elem_id="index-status")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(elem_id="chat", height=560, show_label=False,
                                  feedback_options=None, buttons=["copy"],
                                  placeholder=welcome.overview(service.pipeline),
                                  examples=[{"text": q} for q in
                                            welcome.examples(service.pipeline)])
                question = gr.Textbox(placeholder="Ask a question about the articles…",
                                      show_label=False, elem_id="question", submit_btn=True)
                all_dates = gr.Button("Search all dates for this question", visible=False,
                                      elem_id="all-dates", size="sm")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(sources_html([]), elem_id="sources")
        with gr.Accordion("Filters and settings", open=False):
            with gr.Row():
                since = gr.Textbox(label="From date", placeholder="YYYY-MM-DD", elem_id="since")
                until = gr.Textbox(label="To date", placeholder="YYYY-MM-DD", elem_id="until")
                k = gr.Slider(1, 20, value=settings.k, step=1, label="Passages to retrieve")
                backend = gr.Dropdown(
                    choices=service.backends, label="Answer backend", elem_id="backend",
                    value=settings.backend if settings.backend in service.backends
                    else "extractive",
                    info="extractive quotes the articles; a model's sentences are shown only "
                         "when the passage they cite supports them")
            with gr.Row():
                as_of = gr.Textbox(label="As of", placeholder="YYYY-MM-DD (empty: today)",
                                   elem_id="as-of", info="later articles are not used")
                read_dates = gr.Checkbox(value=True, label="Read dates in the question",
                                         elem_id="read-dates", info="'last week', 'in February'"
                                         ": untick to search all dates")
            articles = gr.Dropdown(choices=service.article_choices(), multiselect=True,
                                   label="Search only these articles (none: all)")
        with gr.Accordion("Add articles", open=False):
            files = gr.File(file_count="multiple", file_types=list(SUPPORTED),
                            label=f"Articles ({', '.join(SUPPORTED)})", elem_id="upload")
            add = gr.Button("Index these files", elem_id="index-files")
            urls = gr.Textbox(label="…or article URLs, one a line", lines=2, elem_id="urls",
                              placeholder="https://example.com/news/story.html")
            fetch = gr.Button("Fetch and index these pages", elem_id="fetch-urls")
            add_log = gr.Markdown(elem_id="index-log")
        with gr.Accordion("Feeds", open=False, elem_id="feeds"):
            with gr.Row():
                feed_url = gr.Textbox(label="RSS or Atom feed URL", elem_id="feed-url", scale=3,
                                      placeholder="https://example.com/rss.xml")
                feed_name = gr.Textbox(label="Name (optional)", elem_id="feed-name", scale=1)
                follow = gr.Button("Follow", elem_id="feed-follow", scale=0)
            feed_table = gr.HTML(feeds_html(service.feeds()), elem_id="feed-table")
            with gr.Row():
                refresh = gr.Button("Refresh all now", elem_id="feed-refresh")
                feed_pick = gr.Dropdown(label="Feed", choices=_feed_choices(service),
                                        elem_id="feed-pick", scale=2)
                unfollow = gr.Button("Stop following", elem_id="feed-remove")
            feed_log = gr.Markdown(elem_id="feed-log")
        turns = gr.State([])  # this session's answers with their sources

        def respond(message: str, history: list, turns: list[dict], since: str, until: str,
                    articles: list[str] | None, k: float, as_of: str = "",
                    read_dates: bool = True, backend: str | None = None) -> Iterator[tuple]:
            shown = message if len(message) <= 300 else message[:300] + "…"
            history = [*history, {"role": "user", "content": shown},
                       {"role": "assistant", "content": "_Searching the articles…_"}]
            turn: dict = {"question": message.strip(), "query": message.strip(), "answer": None,
                          "state": "searching", "as_of": (as_of or "").strip() or None}
            turns = [*turns, turn]
            i = len(turns) - 1
            try:
                pipeline = service.current()
                query = check_question(message, settings.max_question_chars)
                previous = next((t["query"] for t in reversed(turns[:-1]) if t["answer"]), None)
                turn["query"] = rewrite(query, previous)
                filters = _filters(since, until, articles)
                scope = pipeline.scope(turn["query"], _date("As of", as_of), read_dates)
                yield history, turns, sources_html(turns), ""
                t0 = time.perf_counter()
                passages = pipeline.retrieve(turn["query"], int(k), filters, scope=scope)
                n_articles = len({p.chunk.article_id for p in passages})
                history[-1]["content"] = (f"_Found {len(passages)} passages in {n_articles} "
                                          "articles; composing the answer…_")
                yield history, turns, sources_html(turns), ""
                answers = pipeline.answer_stream(turn["query"], passages,
                                                 (time.perf_counter() - t0) * 1000, scope,
                                                 backend)
                shown = 0  # sentences on screen: a model's arrive as each one is verified
                for partial in answers:
                    answer = partial.to_json()
                    sentences = _SENTENCE_END.split(answer_markdown(answer, i))
                    for n in range(shown + 1, len(sentences) + 1):
                        history[-1]["content"] = " ".join(sentences[:n])
                        yield history, turns, sources_html(turns), ""
                    shown = max(shown, len(sentences))
                wide = pipeline.widened(turn["query"], partial, int(k), filters,
                                        backend=backend, since=t0)
                if wide:  # the dates the question names held no answer; every date did
                    answer = wide[0].to_json()
                    sentences = [answer_markdown(answer, i)]
            except (NoIndex, ValueError) as e:
                history[-1]["content"] = f"⚠️ {e}"
                turn["state"] = "error"
                yield history, turns, sources_html(turns), message
                return
            turn["answer"], turn["state"] = answer, "done"
            history[-1]["content"] = " ".join(sentences)
            yield history, turns, sources_html(turns), ""

        ask_in = [question, chat, turns, since, until, articles, k, as_of, read_dates, backend]
        ask_out = [chat, turns, sources, question]

        def offer_all_dates(turns: list[dict]) -> dict:
            """The one-click way out when the dates the question named held no answer."""
            last = turns[-1].get("answer") if turns else None
            return gr.update(visible=bool(last and last["abstained"] and last.get("time")
                                          and last["time"]["phrase"]))

        def then_ask(event: gr.events.Dependency) -> None:
            """Ask what `event` put in the question box, as Enter does."""
            event.then(respond, ask_in, ask_out, concurrency_limit=8,
                       api_visibility="private").then(
                offer_all_dates, [turns], [all_dates], api_visibility="private")

        # Undocumented, not private: eval/bench_ui.py times the stream through it.
        question.submit(respond, ask_in, ask_out, concurrency_limit=8, api_name="respond",
                        api_visibility="undocumented").then(
            offer_all_dates, [turns], [all_dates], api_visibility="private")

        def example(evt: gr.SelectData) -> str:
            return evt.value["text"]

        then_ask(chat.example_select(example, None, question, api_visibility="private"))
        then_ask(all_dates.click(lambda turns: (turns[-1]["question"], False), [turns],
                                 [question, read_dates], api_visibility="private"))

        def select(turns: list[dict], evt: gr.SelectData) -> str:
            index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
            return sources_html(turns, active=min(int(index) // 2, len(turns) - 1))

        chat.select(select, [turns], [sources], api_visibility="private")

        def add_files(paths: list[str] | None,
                      progress: gr.Progress = gr.Progress(track_tqdm=True),  # noqa: B008
                      ) -> tuple[str, str, dict]:
            if not paths:
                return "Choose one or more files first.", service.status(), gr.update()
            try:
                report = service.add_files([Path(p) for p in paths])
            except RuntimeError as e:
                return f"⚠️ {e}", service.status(), gr.update()
            lines = [f"Indexed: {len(report.added)} added, {len(report.changed)} changed, "
                     f"{report.unchanged} unchanged ({report.chunks_embedded} passages embedded "
                     f"in {report.seconds:.1f}s)."]
            lines += [f"- ⚠️ skipped `{Path(s.path).name}`"
                      f"{f' line {s.line}' if s.line else ''}: {s.reason}" for s in report.skipped]
            return ("\n".join(lines), service.status(),
                    gr.update(choices=service.article_choices()))

        add.click(add_files, [files], [add_log, status, articles], concurrency_limit=1,
                  api_visibility="private")

        def fetch_urls(text: str) -> tuple[str, str, dict]:
            wanted = [u.strip() for u in (text or "").split() if u.strip()]
            if not wanted:
                return "Paste one or more URLs first.", service.status(), gr.update()
            return (web_log(service.add_urls(wanted)), service.status(),
                    gr.update(choices=service.article_choices()))

        fetch.click(fetch_urls, [urls], [add_log, status, articles], concurrency_limit=1,
                    api_visibility="private")

        def feeds_changed(log: str) -> tuple[str, str, dict, dict, str]:
            return (log, feeds_html(service.feeds()),
                    gr.update(choices=_feed_choices(service)),
                    gr.update(choices=service.article_choices()), service.status())

        feed_outputs = [feed_log, feed_table, feed_pick, articles, status]

        def follow_feed(url: str, name: str) -> tuple:
            if not (url or "").strip():
                return feeds_changed("Paste a feed URL first.")
            try:
                report = service.follow(url.strip(), (name or "").strip() or None)
            except (ValueError, WebError) as e:
                return feeds_changed(f"⚠️ {html.escape(str(e), quote=False)}")
            return feeds_changed(f"Following **{html.escape(report.feeds[0].name)}**. "
                                 + web_log(report))

        follow.click(follow_feed, [feed_url, feed_name], feed_outputs, concurrency_limit=1,
                     api_visibility="private")
        refresh.click(lambda: feeds_changed(web_log(service.refresh_feeds())), None,
                      feed_outputs, concurrency_limit=1, api_visibility="private")

        def unfollow_feed(key: str | None) -> tuple:
            if not key:
                return feeds_changed("Choose a feed first.")
            try:
                feed, _ = service.reader.unfollow(key)
            except ValueError as e:
                return feeds_changed(f"⚠️ {html.escape(str(e), quote=False)}")
            return feeds_changed(f"No longer following {html.escape(feed.name)}; its articles "
                                 "stay in the index.")

        unfollow.click(unfollow_feed, [feed_pick], feed_outputs, concurrency_limit=1,
                       api_visibility="private")
        gr.Timer(3.0).tick(lambda: (service.status(), feeds_html(service.feeds())),
                           None, [status, feed_table], api_visibility="private",
                           show_progress="hidden")

        def ask(question: str, as_of: str = "", read_dates: bool = True) -> dict:
            """Answer from the indexed articles: the JSON object of `rag ask --json`.
            `as_of` (YYYY-MM-DD, default today): later articles are not used; `read_dates`:
            read "last week", "in February" in the question as a date range."""
            try:
                return service.current().ask(question, as_of=_date("as_of", as_of),
                                             read_dates=read_dates).to_json()
            except (NoIndex, ValueError) as e:
                raise gr.Error(str(e)) from None

        gr.api(ask, api_name="ask", concurrency_limit=8)
    return demo


def _feed_choices(service: Service) -> list[tuple[str, str]]:
    return [(f.name, f.url) for f in service.feeds()]


def _filters(since: str, until: str, articles: list[str] | None) -> Filters | None:
    bounds = [_date(label, value) for label, value in (("From date", since), ("To date", until))]
    filters = Filters(*(b.isoformat() if b else None for b in bounds),
                      tuple(articles) if articles else None)
    return filters or None


def _date(label: str, value: str | None) -> date | None:
    value = (value or "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise ValueError(f"{label} {value!r} is not a date like 2026-02-24") from None


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860,
          auth: tuple[str, str] | None = None, refresh: float | None = None) -> None:
    if host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        print(f"rag: warning: serving on {host} without --auth: anyone who can reach this "
              "machine can read your articles", file=sys.stderr)
    service = Service(settings)
    if refresh:
        service.refresh_every(refresh)
    demo = build(service)
    demo.queue(default_concurrency_limit=8).launch(
        server_name=host, server_port=port, auth=auth, css=CSS, js=JS, show_error=True,
        footer_links=["api"])
