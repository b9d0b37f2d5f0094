"""What a newcomer meets, in a real headless Chromium: a first page that explains itself, example
questions that answer when clicked, the keyboard alone, a way out of dates that hold nothing,
and a layout that holds on a laptop and a phone."""

from __future__ import annotations

import pytest

from .test_app_browser import SHOTS, ask, chromium_page, pytestmark  # noqa: F401


@pytest.fixture
def page(server):
    with chromium_page(server) as page:
        yield page


def test_first_page_explains_itself_and_an_example_question_answers(page):
    from playwright.sync_api import expect

    chat = page.locator("#chat")
    expect(chat).to_contain_text("Ask the news")
    expect(chat).to_contain_text("Answers come from the indexed articles only")
    expect(chat).to_contain_text("articles, published 4 Feb 2026 to 24 Feb 2026")
    expect(chat).to_contain_text("Newest:")
    expect(chat).to_contain_text("As of")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=SHOTS / "first-page.png")
    example = chat.get_by_role("button").filter(has_text="?").first
    question = example.inner_text().strip()
    example.click()
    page.wait_for_selector("#sources .turn[data-turn='0'][data-state=done]", state="attached")
    expect(page.locator('#chat [data-testid="user"]').first).to_contain_text(question)
    expect(page.locator('#chat [data-testid="bot"]').last).to_contain_text("[1]")


def test_keyboard_alone_reaches_the_box_and_asks(page):
    from playwright.sync_api import expect

    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#question') !== null"):
            break
    else:
        pytest.fail("Tab never reached the question box")
    page.keyboard.type("What is Project Vault?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#sources .turn[data-turn='0'][data-state=done]", state="attached")
    expect(page.locator('#chat [data-testid="bot"]').last).to_contain_text("Project Vault")


def test_dates_that_hold_nothing_offer_one_click_to_search_all_dates(page):
    """No article is from last week (as of today), and every date holds no answer either (the
    app tries that by itself), so the message stands, with the button instead of a CLI flag."""
    from playwright.sync_api import expect

    ask(page, "What did India sign with Norway last week?", 0)
    bot = page.locator('#chat [data-testid="bot"]').last
    expect(bot).to_contain_text("No indexed article falls in the dates")
    expect(bot).not_to_contain_text("--no-dates")
    button = page.locator("#all-dates")
    expect(button).to_be_visible()
    button.click()
    page.wait_for_selector("#sources .turn[data-turn='1'][data-state=done]", state="attached")
    expect(page.locator("#sources .turn.active .time")).not_to_contain_text("last week")
    expect(button).to_be_hidden()
    page.get_by_text("Filters and settings").click()  # where the switch it turned off lives
    expect(page.locator("#read-dates input")).not_to_be_checked()


def test_two_uploads_named_alike_are_two_articles(page, tmp_path):
    from playwright.sync_api import expect

    files = []
    for folder, body in (("a", "Norhaven's port authority said container traffic rose 12 "
                                "percent in October. Port director Amalia Reyes credited a new "
                                "rail link to Kessel."),
                         ("b", "The Kessel ferry strike ended on Friday after nine days, the "
                               "union said.")):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "article.html"
        path.write_text(f"<html><body><article><p>{body}</p></article></body></html>")
        files.append(str(path))
    page.get_by_text("Add articles").click()
    page.locator("#upload input[type=file]").set_input_files(files)
    page.locator("#index-files").click()
    expect(page.locator("#index-log")).to_contain_text("2 added")
    ask(page, "Who is the port director of Norhaven?", 0)
    expect(page.locator('#chat [data-testid="bot"]').last).to_contain_text("Amalia Reyes")
    ask(page, "How long did the Kessel ferry strike last?", 1)
    expect(page.locator('#chat [data-testid="bot"]').last).to_contain_text("nine days")


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_the_layout_holds_on_a_laptop_and_a_phone(page, width, height):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": width, "height": height})
    ask(page, "Which two countries is India's Cabinet expected to approve critical-minerals "
              "agreements with?", 0)
    expect(page.locator("#question textarea")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    page.screenshot(path=SHOTS / f"app-{width}x{height}.png", full_page=True)
