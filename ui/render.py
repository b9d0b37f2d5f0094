"""Answers and sources as chat Markdown and panel HTML. Article text is data: always escaped."""

from __future__ import annotations

import html
import re
from pathlib import Path

from rag.citing import WEAK_NOTE
from rag.store.feeds import Feed
from rag.temporal import readable_time
from rag.web.reader import WebReport

# What Markdown would act on; ":", "/" and "@" too, or a bare URL or address becomes a link.
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:/@])")
_CITE = re.compile(r"\\\[(\d+)\\\]")  # [n] once literal()


def literal(text: str) -> str:
    """Article text for the chat's Markdown, to be shown character for character: HTML tags,
    Markdown marks (*, _, #, [..](..), `...`) and bare URLs are escaped, never acted on."""
    return _MARKUP.sub(r"\\\1", html.escape(text, quote=False))


def answer_markdown(answer: dict, turn: int) -> str:
    """The short answer in bold, then the quotes; each [n] links to its source card (ui/app.py's
    script scrolls to it) and is followed by its article's date."""
    text = literal(answer["answer"])
    notes = [f"_{literal(answer['fallback'])}_"] if answer["fallback"] else []
    if answer["abstained"]:  # set apart: nothing below is an answer
        return "\n\n".join([f"🤷 **Not in the articles.** {text}", *notes])
    dates = {c["n"]: c["date"] or "undated" for c in answer["citations"]}

    def link(n: int) -> str:
        return f"[\\[{n}\\]](#src-{turn}-{n}) <small>{dates.get(n, '')}</small>"

    short = answer.get("short_answer")
    head = [f"**{literal(short['text'])}** {link(short['citation'])}"] \
        if short else []
    warn = [f"⚠️ **{WEAK_NOTE}** Check the sources."] if answer["weak_evidence"] else []
    return "\n\n".join([*warn, *head, _CITE.sub(lambda m: link(int(m[1])), text), *notes])


def sources_html(turns: list[dict], active: int | None = None) -> str:
    """Every answer's sources, one section each; only the active one (latest by default) shows."""
    if not turns:
        return '<div class="sources-empty">Sources of the selected answer appear here.</div>'
    active = len(turns) - 1 if active is None else active
    body = "".join(_turn(t, i, i == active) for i, t in enumerate(turns))
    return f'<div class="sources-scroll">{body}</div>'



def _turn(turn: dict, i: int, active: bool) -> str:
    answer = turn.get("answer")
    kind = ("" if answer is None else " abstained" if answer["abstained"] else
            " weak" if answer["weak_evidence"] else "")
    parts = [f'<section class="turn{" active" if active else ""}{kind}" data-turn="{i}" '
             f'data-state="{turn["state"]}">',
             f'<div class="asked">Q{i + 1}: {html.escape(turn["question"])}</div>']
    if turn["query"] != turn["question"]:
        parts.append(f'<div class="rewritten">Searched for: <q>{html.escape(turn["query"])}</q>'
                     "</div>")
    if answer is None:
        note = "No sources for this message." if turn["state"] == "error" else "Searching…"
        parts.append(f"<div class='note'>{note}</div></section>")
        return "".join(parts)
    if answer.get("time"):
        t = answer["time"]
        undo = (" Untick <i>Read dates in the question</i> under Filters to search all dates."
                if t["phrase"] else "")
        note = f"🕑 {html.escape(t['note'])}.{undo}"
        # Shown when it matters (dates read in the question, or an as-of date set); else folded
        parts.append(f'<div class="time">{note}</div>' if t["phrase"] or turn.get("as_of") else
                     f'<details class="time"><summary>🕑 Dates searched</summary>{note}'
                     "</details>")
    cited = {c["chunk_id"] for c in answer["citations"]}
    support = _support(answer)
    for c in answer["citations"]:
        parts.append(_card(c, f"[{c['n']}]", f"src-{i}-{c['n']}", c["spans"],
                           support.get(c["n"])))
    others = [p for p in answer["retrieved"] if p["chunk_id"] not in cited]
    if others:
        label = "Closest passages" if answer["abstained"] else "Other retrieved passages"
        parts.append(f"<details{' open' if answer['abstained'] else ''}><summary>{label} "
                     f"({len(others)})</summary>")
        parts += [_card(p, "·", f"ret-{i}-{k}", []) for k, p in enumerate(others)]
        parts.append("</details>")
    parts.append("</section>")
    return "".join(parts)


def _support(answer: dict) -> dict[int, float]:
    """Citation number -> how well the best sentence quoted from it answers the question
    (the calibrated support score the answerer decides with)."""
    out: dict[int, float] = {}
    for sentence in answer.get("sentences", []):
        if sentence["verified"]:
            for n in sentence["citations"]:
                out[n] = max(out.get(n, 0.0), sentence["support"])
    return out


def _card(p: dict, label: str, anchor: str, spans: list[list[int]],
          support: float | None = None) -> str:
    """Headline, then date, outlet and source, then the quoted sentences, then the passage they
    sit in. Cited cards say how well they support the answer; the fused retrieval score, about
    0.016 for every passage, says nothing to a reader and is not shown."""
    quote = " ".join(p["text"][max(0, s - p["start"]):e - p["start"]].strip()
                     for s, e in sorted(spans))
    return (f'<div class="card" id="{anchor}"><div class="card-head"><span class="num">'
            f'{label}</span> <b>{html.escape(p["title"])}</b>{_level(support)}</div>'
            f'<div class="meta">{_published(p)} · {_source(p["source"])}</div>'
            f'{_also_in(p.get("also_in", []))}'
            + (f'<blockquote class="quote">{html.escape(quote)}</blockquote>' if quote else "")
            + f'<p class="passage">{_highlight(p["text"], p["start"], spans)}</p></div>')


def _level(support: float | None) -> str:
    if support is None:
        return ""
    level = "high" if support >= 0.7 else "medium" if support >= 0.55 else "low"
    return (f' <span class="support {level}" title="support {support:.2f}">{level} '
            "support</span>")


def _published(p: dict) -> str:
    """Publication date, outlet and byline; for web articles also when they were fetched, which
    is not the same thing."""
    parts = [html.escape(p["date"] or "undated")]
    parts += [html.escape(p[k]) for k in ("site", "author") if p.get(k)]
    if p.get("fetched"):
        when = html.escape(readable_time(p["fetched"]))
        parts.append(f'<span class="fetched">fetched {when} UTC</span>')
    return " · ".join(parts)


def _also_in(outlets: list[dict]) -> str:
    """The other outlets that carried the same story (grouped at retrieval, not dropped)."""
    if not outlets:
        return ""
    names = ", ".join(f"{html.escape(o['site']) + ' ' if o.get('site') else ''}"
                      f"{_source(o['source'])} ({html.escape(o['date'] or 'undated')})"
                      for o in outlets)
    return f'<div class="meta also-in">Same story also in: {names}</div>'


def _source(source: str) -> str:
    if source.startswith(("http://", "https://")):
        return (f'<a href="{html.escape(source)}" target="_blank" rel="noopener">'
                f"{html.escape(source)}</a>")
    return f'<span title="{html.escape(source)}">{html.escape(Path(source).name)}</span>'


def _highlight(text: str, start: int, spans: list[list[int]]) -> str:
    """The passage with the cited sentences (article offsets) marked."""
    out, at = [], 0
    for s, e in sorted(spans):
        s, e = max(s - start, at), min(e - start, len(text))
        if s >= e:
            continue
        out += [html.escape(text[at:s]), f"<mark>{html.escape(text[s:e])}</mark>"]
        at = e
    out.append(html.escape(text[at:]))
    return "".join(out)


def feeds_html(feeds: list[Feed]) -> str:
    """The feeds followed: last refresh, what it brought, last error."""
    if not feeds:
        return '<p class="feeds-empty">No feeds followed yet.</p>'
    rows = "".join(
        f'<tr data-feed="{html.escape(f.name)}"><td><b>{html.escape(f.name)}</b><br>'
        f'<small>{_source(f.url)}</small></td>'
        f"<td>{html.escape(readable_time(f.refreshed) if f.refreshed else 'never')}"
        f"{' UTC' if f.refreshed else ''}</td><td>{f.new} new, {f.changed} updated</td>"
        f"<td>{f.seen}</td><td>{html.escape(f.error) if f.error else '—'}</td></tr>"
        for f in feeds)
    return ("<table class='feeds'><thead><tr><th>Feed</th><th>Last refresh</th><th>Brought"
            "</th><th>Entries seen</th><th>Last error</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def web_log(report: WebReport) -> str:
    """What a refresh or a URL fetch did, as Markdown for the panel."""
    embedded = report.index.chunks_embedded if report.index else 0
    lines = [f"{report.new} new, {report.changed} updated articles ({embedded} passages "
             f"embedded; {report.requests} requests in {report.seconds:.1f}s)."]
    lines += [f"- ⚠️ {html.escape(m, quote=False)}" for m in report.errors]
    lines += [f"- {html.escape(m, quote=False)}" for m in report.warnings]
    return "\n".join(lines)
