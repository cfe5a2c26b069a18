"""SMS threads with the real bot: signed texts into /sms of the real app, the trained model in
`rasa run`, the action server and the database. The bot knows it is talking over SMS (the
payment's channel is "sms"), its buttons arrive as numbered choices a digit answers, and the
keywords never reach it."""

from __future__ import annotations

import re

import pytest

from ivr import create_app
from ivr.config import ChannelSettings
from tests.chatbot_stack import ChatbotStack
from tests.e2e.sms_support import SmsCity

pytestmark = pytest.mark.slow

CONFIRMATION = re.compile(r"confirmation number is ([A-Z0-9]{4}-[A-Z0-9]{4})")


@pytest.fixture
def city(chatbot: ChatbotStack) -> SmsCity:
    channels = ChannelSettings.from_env({"PAYLINE_RASA_URL": chatbot.rasa_url,
                                         "PAYLINE_BOT_TIMEOUT": "30"})
    return SmsCity(create_app(container=chatbot.container, channel_settings=channels),
                   chatbot.container)


def test_schedule_a_payment_by_text_with_the_bot(city: SmsCity,
                                                 chatbot: ChatbotStack) -> None:
    sender = "+13125550107"
    asked = city.text("I'd like to schedule a payment", sender).text
    assert "account number" in asked, asked
    assert "street number" in city.text("7730264415", sender).text
    assert "How much" in city.text("3021", sender).text
    city.text("$12.34", sender)
    methods = city.text("next friday", sender).replies
    choice = re.search(r"(\d) for checking account ending 6789", methods[-1])
    assert choice, methods
    confirm = city.text(choice.group(1), sender)
    assert "$12.34" in confirm.text and confirm.replies[-1].endswith("Reply YES or NO.")
    done = city.text("YES", sender).text
    found = CONFIRMATION.search(done)
    assert found and "is scheduled for" in done, done
    [payment] = chatbot.rows("SELECT * FROM payments WHERE confirmation_number = :c",
                             c=found.group(1))
    assert payment.status == "scheduled" and payment.amount_cents == 1234
    assert payment.channel == "sms"
    assert all(len(reply) <= 320 and "**" not in reply
               for reply in (asked, done, *methods))


def test_keywords_and_the_bot_in_one_thread(city: SmsCity) -> None:
    sender = "+13125550103"
    assert "street number" in city.text("BAL", sender).text
    assert city.text("3300917254 88", sender).text.startswith("Account ending 7254")
    answer = city.text("what is paperless billing?", sender).text
    assert "paperless" in answer.lower() and "can't chat" not in answer
    assert "unsubscribed" in city.text("STOP", sender).text
    assert city.text("what do I owe?", sender).replies == []
