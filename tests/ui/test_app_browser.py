"""The chat app in a real headless Chromium (Debian's, driven by Playwright), as a user sees it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..conftest import GERMANY_CANADA, ROOT

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "test-artifacts"  # git-ignored; scripts/test.sh users look here after a failure

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason="needs Debian chromium (scripts/test.sh installs it when run as root)")

# Records every state of the chat's last answer, to see that it arrives in steps.
WATCH = """() => {
  window.__seen = [];
  new MutationObserver(() => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    if (bots.length) window.__seen.push(bots[bots.length - 1].innerText);
  }).observe(document.querySelector('#chat'),
             {subtree: true, childList: true, characterData: true});
}"""


@contextmanager
def chromium_page(url: str) -> Iterator:
    """The app at `url` in headless Chromium, once its question box is there."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(90_000)
        page.goto(url)
        page.wait_for_selector("#question textarea")
        yield page
        browser.close()


@pytest.fixture(scope="module")
def page(server):
    with chromium_page(server) as page:
        yield page


def ask(page, question: str, turn: int) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_selector(f"#sources .turn[data-turn='{turn}']:is([data-state=done], "
                           "[data-state=error])", state="attached")
    page.wait_for_function(  # and gradio has closed the event, so the textbox takes the next
        "() => !document.querySelector('.generating, #sources .pending')")


def test_question_streams_a_cited_answer_with_its_source_card(page):
    from playwright.sync_api import expect

    page.evaluate(WATCH)
    ask(page, GERMANY_CANADA, 0)
    chat = page.locator("#chat")
    expect(chat).to_contain_text("[1]")
    # the short answer first, in bold, then the quotes; each [n] with its article's date
    expect(chat.locator("strong").first).to_have_text("Germany and Canada")
    expect(chat).to_contain_text("2026-02-24")
    seen = page.evaluate("window.__seen")
    assert any("Searching the articles" in s or "composing the answer" in s for s in seen)
    card = page.locator("#sources .turn.active #src-0-1")
    expect(card).to_contain_text("000_1e0437848bbfa5aa.txt")
    expect(card.locator("mark").first).to_contain_text("Germany")
    # the quote first, how well it supports the answer, and no raw retrieval score
    expect(card.locator(".quote")).to_contain_text("with Germany")
    expect(card.locator(".support")).to_contain_text("support")
    expect(card).not_to_contain_text("score")
    # no date in the question and no as-of set: the dates searched are folded away
    expect(page.locator("#sources .turn.active details.time")).to_have_count(1)
    page.screenshot(path=SHOTS / "answer.png", full_page=True)

    page.locator('#chat a[href="#src-0-1"]').first.click()
    expect(card).to_be_in_viewport()


def test_follow_up_is_rewritten_and_shown(page):
    from playwright.sync_api import expect

    ask(page, "And what about Brazil?", 1)
    rewritten = page.locator("#sources .turn.active .rewritten")
    expect(rewritten).to_contain_text("Searched for")
    expect(rewritten).to_contain_text("Cabinet")
    expect(page.locator("#chat")).to_contain_text("Brazil")
    # the first answer keeps its own sources: its [1] brings back its own card
    page.locator('#chat a[href="#src-0-1"]').first.click()
    expect(page.locator("#sources .turn.active")).to_have_attribute("data-turn", "0")


def test_empty_and_huge_questions_get_a_message(page):
    from playwright.sync_api import expect

    ask(page, "   ", 2)
    expect(page.locator("#chat")).to_contain_text("the question is empty")
    ask(page, "y" * 10_000, 3)
    expect(page.locator("#chat")).to_contain_text("the question is 10,000 characters long")


def test_dates_read_from_the_question_are_shown_and_can_be_undone(page):
    from playwright.sync_api import expect

    page.get_by_text("Filters and settings").click()
    page.locator("#as-of textarea, #as-of input").first.fill("2026-03-03")
    ask(page, "What did the Cabinet plan with Germany last week?", 4)
    note = page.locator("#sources .turn.active .time")
    expect(note).to_contain_text("searching articles from 2026-02-23 to 2026-03-03")
    expect(note).to_contain_text("Read dates in the question")
    expect(page.locator("#sources .turn.active")).not_to_contain_text("004_4043f69cf68954ce")
    page.locator("#read-dates input").uncheck()
    ask(page, "What did the Cabinet plan with Germany last week?", 5)
    expect(page.locator("#sources .turn.active .time")).to_contain_text(
        "searching articles up to 3 Mar 2026, newest first")
    page.locator("#read-dates input").check()
    page.locator("#as-of textarea, #as-of input").first.fill("")
    page.get_by_text("Filters and settings").click()


def test_uploaded_article_is_indexed_and_cited(page, tmp_path):
    from playwright.sync_api import expect

    article = tmp_path / "zambia_copper.txt"
    article.write_text("date 2026-03-05 Zambia raised its copper output by 14 percent in "
                       "February, the mines ministry said on Thursday. The rise came from two "
                       "new shafts at the Kansanshi mine.\n")
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"caf\xe9 latin-1 text")
    page.get_by_text("Add articles").click()
    page.locator("#upload input[type=file]").set_input_files([str(article), str(bad)])
    page.locator("#index-files").click()
    log = page.locator("#index-log")
    expect(log).to_contain_text("1 added")
    expect(log).to_contain_text("broken.txt")
    expect(log).to_contain_text("not valid UTF-8")
    expect(page.locator("#index-status")).to_contain_text("3 articles")

    ask(page, "By how much did Zambia raise its copper output?", 6)
    expect(page.locator("#chat")).to_contain_text("14 percent")
    expect(page.locator("#sources .turn.active #src-6-1")).to_contain_text("zambia_copper.txt")
    page.screenshot(path=SHOTS / "upload.png", full_page=True)


def test_markdown_and_html_in_an_article_are_quoted_literally(page, tmp_path):
    from playwright.sync_api import expect

    article = tmp_path / "salmon.md"
    article.write_text("# Salmon exports\n\nNorway's salmon exports rose **12 percent** in "
                       "_March_, said <b>Minister</b> [Ola Berg](http://example.com) on "
                       "Friday.\n")
    page.locator("#upload input[type=file]").set_input_files([str(article)])
    page.locator("#index-files").click()
    expect(page.locator("#index-log")).to_contain_text("1 added")
    ask(page, "By how much did Norway's salmon exports rise?", 7)
    bot = page.locator('#chat [data-testid="bot"]').last
    expect(bot).to_contain_text("**12 percent** in _March_, said <b>Minister</b> "
                                "[Ola Berg](http://example.com)")
    acted_on = "b:has-text('Minister'), em:has-text('March'), a[href='http://example.com']"
    assert bot.locator(acted_on).count() == 0


def test_an_abstention_looks_different_from_an_answer(page):
    from playwright.sync_api import expect

    ask(page, "Who won the 1998 football World Cup final in Paris?", 8)
    expect(page.locator('#chat [data-testid="bot"]').last).to_contain_text(
        "🤷 Not in the articles.")
    expect(page.locator("#sources .turn.active.abstained")).to_have_count(1)
    expect(page.locator("#sources .turn.active")).to_contain_text("Closest passages")


def test_screenshot_for_the_docs(page):
    """Keeps docs/screenshot.png reproducible: `UPDATE_DOCS=1 scripts/test.sh -k docs`."""
    if os.environ.get("UPDATE_DOCS"):
        shutil.copy(SHOTS / "answer.png", ROOT / "docs" / "screenshot.png")
    assert Path(SHOTS / "answer.png").stat().st_size > 10_000
