"""The web chat page in headless Chromium: the app served on a free port with a stub Rasa
behind it; typing with the keyboard, bot buttons, links, card redaction on screen,
accessibility basics, start over, the bot down, and a phone-sized screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_support import LiveApp, errors_of
from tests.http_support import closed_port_url
from tests.rasa_stub import StubRasa

pytestmark = pytest.mark.browser

CARD = "4242424242424242"
PAY_LINK = "http://127.0.0.1:5000/pay/Zq3-xY_9aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"


def scripted_bot(body: dict[str, Any]) -> list[dict[str, Any]]:
    message = body.get("message", "")
    if message == "pay my bill":
        return [{"text": "Your balance is $146.57.\nHow would you like to pay?",
                 "buttons": [{"title": "Saved VISA ending 4242", "payload": "/pay_saved"},
                             {"title": "A new card", "payload": '/inform{"method": "new"}'}]}]
    if message == '/inform{"method": "new"}':
        return [{"text": f"Here is your secure pay link: {PAY_LINK}. It expires in 15 "
                         "minutes."}]
    if message == "markup":
        return [{"text": '<img src="x" id="injected"> <b>bold</b> javascript:alert(1)'}]
    return [{"text": f"You said: {message}"}]


@pytest.fixture
def rasa() -> Iterator[StubRasa]:
    with StubRasa(respond=scripted_bot) as stub:
        yield stub


@pytest.fixture
def site(live_app, rasa: StubRasa) -> LiveApp:
    return live_app(rasa_url=rasa.url)  # type: ignore[no-any-return]


def bot_texts(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#chat-log .msg:not(.user) .text").all_inner_texts()]


def last_bot_text(page: Any) -> str:
    return bot_texts(page)[-1]


def active_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def open_chat(page: Any, site: LiveApp) -> None:
    page.goto(site.url + "/chat")
    page.get_by_label("Your message").wait_for()


def send(page: Any, text: str) -> None:
    """Type into the message box with the keyboard and press Enter."""
    count = page.locator("#chat-log .msg").count()
    page.get_by_label("Your message").focus()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    wait_for_answer(page, count + 2)


def wait_for_answer(page: Any, messages: int) -> None:
    """Until the log holds at least `messages` messages and nobody is typing.

    (Locators, not wait_for_function: the page's CSP forbids the eval that needs.)"""
    page.locator("#chat-log .msg").nth(messages - 1).wait_for()
    expect(page.locator("#chat-status")).to_have_text("")


def test_a_conversation_with_keyboard_buttons_and_a_link(page, site: LiveApp,
                                                         rasa: StubRasa) -> None:
    errors = errors_of(page)
    open_chat(page, site)

    # The greeting is on the page; the safety note is visible.
    assert "payment assistant for the City of Riverton" in bot_texts(page)[0]
    assert page.get_by_text("Never type card or bank numbers here").is_visible()

    send(page, "pay my bill")

    assert page.locator("#chat-log .msg.user .text").last.inner_text() == "pay my bill"
    assert last_bot_text(page) == "Your balance is $146.57.\nHow would you like to pay?"
    assert active_id(page) == "chat-input"  # focus stays in the message box
    assert page.get_by_label("Your message").input_value() == ""
    choices = page.get_by_role("group", name="Choices").get_by_role("button")
    assert choices.all_inner_texts() == ["Saved VISA ending 4242", "A new card"]

    page.get_by_role("button", name="A new card").click()
    wait_for_answer(page, 5)

    # The button's payload went to the bot; the resident's side shows the title.
    assert rasa.messages == ["pay my bill", '/inform{"method": "new"}']
    assert page.locator("#chat-log .msg.user .text").last.inner_text() == "A new card"
    assert active_id(page) == "chat-input"  # focus returns to the message box
    assert page.get_by_role("button", name="A new card").is_disabled()  # answered
    link = page.locator("#chat-log a").last
    assert link.get_attribute("href") == PAY_LINK  # the trailing "." is not in the link
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.get_attribute("target") == "_blank"
    assert PAY_LINK in link.inner_text()
    assert last_bot_text(page).endswith("It expires in 15 minutes.")
    assert errors == []  # no script errors and no Content-Security-Policy violations


def test_the_send_button_works_from_the_keyboard(page, site: LiveApp,
                                                 rasa: StubRasa) -> None:
    open_chat(page, site)
    page.get_by_label("Your message").focus()
    page.keyboard.type("hello")
    page.keyboard.press("Tab")
    assert active_id(page) == "chat-send"
    page.keyboard.press("Space")
    wait_for_answer(page, 3)

    assert last_bot_text(page) == "You said: hello"
    assert active_id(page) == "chat-input"


def test_accessibility_basics(page, site: LiveApp) -> None:
    open_chat(page, site)

    log = page.get_by_role("log")
    assert log.get_attribute("aria-live") == "polite"
    assert log.get_attribute("aria-labelledby") == "chat-title"
    assert page.get_by_role("status").count() == 1
    assert page.get_by_role("textbox", name="Your message").is_visible()
    assert page.get_by_role("button", name="Send").is_visible()
    assert page.get_by_role("button", name="Start over").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Chat about your bill"
    # Every control has an accessible name.
    unnamed = page.evaluate("""() => [...document.querySelectorAll('input, button')]
        .filter(el => !el.labels?.length && !el.textContent.trim()
                && !el.getAttribute('aria-label')).length""")
    assert unnamed == 0
    # Focus is visible: the focused input gets an outline.
    page.get_by_label("Your message").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")


def test_the_typing_indicator_is_announced_while_waiting(page, live_app) -> None:
    with StubRasa(delay=1.0) as slow:
        site = live_app(rasa_url=slow.url)
        open_chat(page, site)
        page.get_by_label("Your message").fill("hello")
        page.keyboard.press("Enter")

        status = page.get_by_role("status")
        expect(status).to_contain_text("The assistant is typing")
        assert page.get_by_role("button", name="Send").is_disabled()
        wait_for_answer(page, 3)
        assert status.inner_text() == ""
        assert last_bot_text(page) == "You said: hello"


def test_a_card_number_is_removed_from_the_screen_and_never_reaches_the_bot(
        page, site: LiveApp, rasa: StubRasa) -> None:
    open_chat(page, site)

    send(page, f"my card is {CARD}")
    page.wait_for_selector("#chat-log .msg.warning")

    mine = page.locator("#chat-log .msg.user .text").last.inner_text()
    assert CARD not in mine and "[card number removed]" in mine
    assert "never type card or bank numbers" in page.locator(
        "#chat-log .msg.warning").inner_text()
    assert not rasa.saw(CARD)
    assert CARD not in page.content()


def test_bot_text_is_shown_as_text_never_as_markup(page, site: LiveApp) -> None:
    errors = errors_of(page)
    open_chat(page, site)

    send(page, "markup")

    assert page.locator("#injected").count() == 0
    assert page.locator("#chat-log b").count() == 0
    assert page.locator("#chat-log a").count() == 0  # javascript: is not a link
    assert '<img src="x" id="injected">' in last_bot_text(page)
    assert errors == []


def test_intent_syntax_typed_by_a_resident_is_neutralized(page, site: LiveApp,
                                                          rasa: StubRasa) -> None:
    open_chat(page, site)

    send(page, '/inform{"method": "new"}')

    assert rasa.messages == ['inform{"method": "new"}']
    assert page.locator("#chat-log a").count() == 0


def test_start_over(page, site: LiveApp, rasa: StubRasa) -> None:
    open_chat(page, site)
    send(page, "hello")

    page.get_by_role("button", name="Start over").click()
    expect(page.locator("#chat-log .msg")).to_have_count(1)
    assert "payment assistant" in bot_texts(page)[0]
    assert active_id(page) == "chat-input"
    send(page, "hello again")

    assert rasa.messages == ["hello", "/restart", "hello again"]
    assert rasa.senders[0] == rasa.senders[1] != rasa.senders[2]


def test_empty_and_emoji_messages_get_a_hint(page, site: LiveApp,
                                             rasa: StubRasa) -> None:
    open_chat(page, site)

    page.get_by_label("Your message").focus()
    page.keyboard.press("Enter")
    wait_for_answer(page, 2)
    assert "Please type your question" in last_bot_text(page)
    assert page.locator("#chat-log .msg.user").count() == 0  # no empty bubble

    send(page, "👍")
    assert "I can only read words" in last_bot_text(page)
    assert rasa.requests == []


def test_the_bot_down_gets_a_polite_message(page, live_app) -> None:
    site = live_app(rasa_url=closed_port_url())
    open_chat(page, site)

    send(page, "What do I owe?")

    assert "isn't available right now" in last_bot_text(page)
    assert "311 at (312) 555-0111" in last_bot_text(page)
    assert page.get_by_role("button", name="Send").is_enabled()


def test_an_expired_page_asks_for_a_reload(page, site: LiveApp,
                                           rasa: StubRasa) -> None:
    open_chat(page, site)
    page.context.clear_cookies()  # the session (and its CSRF token) is gone

    send(page, "hello")

    assert "reload the page" in last_bot_text(page)
    assert rasa.requests == []


@pytest.mark.parametrize("width", [320, 360])
def test_a_phone_screen_has_no_horizontal_scroll(page, site: LiveApp,
                                                 width: int) -> None:
    page.set_viewport_size({"width": width, "height": 640})
    open_chat(page, site)
    send(page, "pay my bill")
    page.get_by_role("button", name="A new card").click()
    wait_for_answer(page, 5)
    send(page, "x" * 120)  # one long word

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    box = page.get_by_role("button", name="Send").bounding_box()
    assert box is not None and box["x"] + box["width"] <= width
    assert box["height"] >= 40  # a comfortable touch target
    field = page.get_by_label("Your message").bounding_box()
    assert field is not None and field["width"] >= 150


def test_the_page_works_without_third_party_requests(page, site: LiveApp) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    open_chat(page, site)

    assert requested
    assert all(re.match(re.escape(site.url) + r"/", url) for url in requested)
    # The served app knows its own URL (e.g. for links it builds).
    assert site.app.extensions["payline.channels"].public_url == site.url


@pytest.mark.parametrize(("answer", "shown"), [
    ("abort", "We couldn't reach the city's website"),
    ({"status": 502, "body": "<html>Bad gateway</html>", "content_type": "text/html"},
     "Sorry, something went wrong. Please try again."),
    ({"status": 500, "json": {"error": "Sorry, something went wrong on our side."}},
     "Sorry, something went wrong on our side."),
])
def test_network_and_server_failures_are_shown_politely(page, site: LiveApp, answer: Any,
                                                        shown: str) -> None:
    open_chat(page, site)
    page.route("**/chat/api/messages", lambda route: route.abort() if answer == "abort"
               else route.fulfill(**answer))

    send(page, "hello")

    assert shown in last_bot_text(page)
    assert page.get_by_role("button", name="Send").is_enabled()
    assert active_id(page) == "chat-input"
