"""The whole web chat in headless Chromium: the /chat page of the real app, the real Rasa
server with the trained model, the action server, and the database. A resident verifies,
schedules a payment by typing and clicking the bot's buttons, and the database shows it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_support import errors_of
from tests.chatbot_stack import ChatbotStack

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAMUEL = ("7730264415", "3021")  # saved checking account ending 6789


def send(page: Any, text: str) -> None:
    count = page.locator("#chat-log .msg").count()
    page.get_by_label("Your message").fill(text)
    page.keyboard.press("Enter")
    settle(page, count + 2)


def settle(page: Any, at_least: int) -> None:
    page.locator("#chat-log .msg").nth(at_least - 1).wait_for(timeout=60_000)
    expect(page.locator("#chat-status")).to_have_text("", timeout=60_000)


def last_bot_text(page: Any) -> str:
    return page.locator("#chat-log .msg:not(.user) .text").last.inner_text()


def test_verify_and_schedule_a_payment_in_the_browser(chatbot: ChatbotStack, live_app,
                                                       page) -> None:
    site = live_app(rasa_url=chatbot.rasa_url, container=chatbot.container,
                    PAYLINE_RASA_ES_URL=chatbot.rasa_urls["es"])
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(site.url + "/chat")
    page.get_by_label("Your message").wait_for()

    send(page, "I'd like to schedule a payment")
    assert "account number" in last_bot_text(page)
    send(page, SAMUEL[0])
    send(page, SAMUEL[1])
    assert "How much should the scheduled payment be" in last_bot_text(page)
    send(page, "$25.50")
    send(page, "next friday")
    count = page.locator("#chat-log .msg").count()
    page.get_by_role("button", name=re.compile("checking account ending 6789")).click()
    settle(page, count + 2)
    assert "$25.50" in last_bot_text(page) and "No fee" in last_bot_text(page)
    count = page.locator("#chat-log .msg").count()
    page.get_by_role("button", name="Yes").last.click()
    settle(page, count + 2)
    done = last_bot_text(page)
    assert "is scheduled for" in done, done
    confirmation = re.search(r"confirmation number is ([A-Z0-9]{4}-[A-Z0-9]{4})", done).group(1)  # type: ignore[union-attr]

    [payment] = chatbot.rows("SELECT * FROM payments WHERE confirmation_number = :c",
                             c=confirmation)
    assert payment.status == "scheduled" and payment.amount_cents == 2550
    assert payment.channel == "chat" and payment.method_label.endswith("6789")
    assert errors_of(page) == []
