"""SMS threads with the real bot: signed texts into /sms of the real app, the trained model in
`rasa run`, the action server and the database. The bot knows it is talking over SMS (the
payment's channel is "sms"), its buttons arrive as numbered choices a digit answers, and the
keywords never reach it."""

from __future__ import annotations

import re

import pytest

from tests.chatbot_stack import ChatbotStack
from tests.e2e.sms_support import SmsCity

pytestmark = pytest.mark.slow

CONFIRMATION = re.compile(r"confirmation number is ([A-Z0-9]{4}-[A-Z0-9]{4})")


def test_schedule_a_payment_by_text_with_the_bot(sms_city: SmsCity,
                                                 chatbot: ChatbotStack) -> None:
    sender = "+13125550107"
    asked = sms_city.text("I'd like to schedule a payment", sender).text
    assert "account number" in asked, asked
    assert "street number" in sms_city.text("7730264415", sender).text
    assert "How much" in sms_city.text("3021", sender).text
    sms_city.text("$12.34", sender)
    methods = sms_city.text("next friday", sender).replies
    choice = re.search(r"(\d) for checking account ending 6789", methods[-1])
    assert choice, methods
    confirm = sms_city.text(choice.group(1), sender)
    assert "$12.34" in confirm.text and confirm.replies[-1].endswith("Reply YES or NO.")
    done = sms_city.text("YES", sender).text
    found = CONFIRMATION.search(done)
    assert found and "is scheduled for" in done, done
    [payment] = chatbot.rows("SELECT * FROM payments WHERE confirmation_number = :c",
                             c=found.group(1))
    assert payment.status == "scheduled" and payment.amount_cents == 1234
    assert payment.channel == "sms"
    assert all(len(reply) <= 320 and "**" not in reply
               for reply in (asked, done, *methods))


def test_keywords_and_the_bot_in_one_thread(sms_city: SmsCity) -> None:
    sender = "+13125550103"
    assert "street number" in sms_city.text("BAL", sender).text
    assert sms_city.text("3300917254 88", sender).text.startswith("Account ending 7254")
    answer = sms_city.text("what is paperless billing?", sender).text
    assert "paperless" in answer.lower() and "can't chat" not in answer
    assert "unsubscribed" in sms_city.text("STOP", sender).text
    assert sms_city.text("what do I owe?", sender).replies == []


# --- one thread, one verification, whichever path answers ---------------------------------
def test_verified_by_bal_the_bot_does_not_ask_again(sms_city: SmsCity,
                                                   chatbot: ChatbotStack) -> None:
    sender = "+13125550171"
    assert "street number" in sms_city.text("BAL", sender).text
    assert sms_city.text("0104200731 1234", sender).text.startswith("Account ending 0731")
    answer = sms_city.text("what's my balance?", sender).text  # the bot, in free text
    assert "the account ending 0731 owes" in answer, answer
    assert "account number" not in answer
    reply = sms_city.text("I want to talk to a person", sender).text  # the bot's handoff
    assert "311" in reply, reply
    [handoff] = chatbot.rows("SELECT * FROM handoffs WHERE caller = :p", p=sender)
    # The thread's key, the one the keyword path records: not the bot's sms-<hmac> sender.
    assert handoff.session_key == f"sms:{sender}" and handoff.channel == "sms"
    assert handoff.verified and handoff.masked_account == "******0731"


def test_verified_in_the_bot_pay_and_yes_pay(sms_city: SmsCity, chatbot: ChatbotStack) -> None:
    sender = "+13125550172"
    assert "account number" in sms_city.text("what's my balance?", sender).text
    assert "street number" in sms_city.text("7730264415", sender).text
    assert "the account ending 4415 owes" in sms_city.text("3021", sender).text
    offer = sms_city.text("PAY", sender).text  # the keyword path: no second verification
    assert "Reply YES" in offer and "checking account ending 6789" in offer, offer
    done = sms_city.text("YES", sender).text
    found = re.search(r"Confirmation ([A-Z0-9]{4}-[A-Z0-9]{4})", done)
    assert found, done
    [payment] = chatbot.rows("SELECT * FROM payments WHERE confirmation_number = :c",
                             c=found.group(1))
    assert payment.channel == "sms" and payment.created_by == f"resident:sms:{sender}"
