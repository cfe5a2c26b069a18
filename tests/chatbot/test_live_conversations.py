"""Whole conversations with the real chatbot: the trained model in `rasa run`, the action
server, and the domain over a seeded demo city. Each test is one resident's conversation
through Rasa's REST channel; the database shows what the conversation changed."""

from __future__ import annotations

import re

import pytest

from tests.chatbot_stack import ChatbotStack

pytestmark = pytest.mark.slow

DANA = ("0104200731", "1234")  # past due, saved VISA ending 4242
GRACE = ("3300917254", "88")  # paperless, one scheduled payment
SAMUEL = ("7730264415", "3021")  # saved checking ending 6789
AISHA = ("6604381127", "19")  # email on file, not paperless
LUCIA = ("2201458890", "507")  # no saved method
CONFIRMATION = re.compile(r"confirmation number is ([A-Z0-9]{4}-[A-Z0-9]{4})")


def verify(chat, account: tuple[str, str]) -> str:
    asked = chat.say(account[0])
    assert "street number" in asked, chat.dump()
    return chat.say(account[1])


def payments_with(stack: ChatbotStack, confirmation: str) -> list:
    return stack.rows("SELECT * FROM payments WHERE confirmation_number = :c", c=confirmation)


def test_balance_after_verification(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    assert "account number" in chat.say("how much do i owe?"), chat.dump()
    reply = verify(chat, DANA)
    assert "verified for the account ending 0731" in reply, chat.dump()
    assert "$146.57" in reply and "$84.17 of that is past due" in reply, chat.dump()


def test_pay_now_with_saved_card_states_fee_and_total(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("i wanna pay my bill")
    assert "How much" in verify(chat, DANA), chat.dump()
    asked = chat.say("$40")
    assert "VISA ending 4242" in asked, chat.dump()
    confirm = chat.say("the visa ending 4242")
    assert "$40.00" in confirm and "$1.25" in confirm and "$41.25" in confirm, chat.dump()
    done = chat.say("yes")
    assert "Payment approved" in done, chat.dump()
    conf = CONFIRMATION.search(done).group(1)  # type: ignore[union-attr]
    [payment] = payments_with(chatbot, conf)
    assert payment.status == "approved" and payment.amount_cents == 4000
    assert payment.channel == "chat"


def test_schedule_with_a_correction_mid_form(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("can i schedule a payment for later")
    verify(chat, SAMUEL)
    chat.say("$30")
    chat.say("next friday")
    confirm = chat.say("checking")
    assert "$30.00" in confirm and "checking account ending 6789" in confirm, chat.dump()
    corrected = chat.say("actually make it $50")
    assert "$50.00" in corrected and "Shall I go ahead" in corrected, chat.dump()
    done = chat.say("yes")
    assert "is scheduled for" in done, chat.dump()
    conf = CONFIRMATION.search(done).group(1)  # type: ignore[union-attr]
    [payment] = payments_with(chatbot, conf)
    assert payment.status == "scheduled" and payment.amount_cents == 5000


def test_schedule_refuses_a_past_date_with_a_reason(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("schedule a payment")
    verify(chat, SAMUEL)
    chat.say("20 dollars")
    reply = chat.say("yesterday")
    assert "future date" in reply, chat.dump()


def test_new_card_gets_a_secure_pay_link_never_a_card_question(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("pay my bill")
    verify(chat, LUCIA)
    confirm = chat.say("the full balance")
    assert "secure one-time link" in confirm, chat.dump()
    done = chat.say("yes")
    assert re.search(r"http://localhost:5000/pay/[A-Za-z0-9_-]{20,}", done), chat.dump()
    links = chatbot.rows("SELECT * FROM one_time_links WHERE purpose = 'pay'")
    assert links
    transcript = chat.dump().lower()
    assert "card number" not in transcript.replace("never type card", "")


def test_cancel_the_scheduled_payment(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("cancel my scheduled payment")
    confirm = verify(chat, GRACE)
    assert "Cancel the" in confirm, chat.dump()
    done = chat.say("yes")
    assert "Cancelled" in done, chat.dump()
    conf = re.search(r"confirmation ([A-Z0-9]{4}-[A-Z0-9]{4})", done).group(1)  # type: ignore[union-attr]
    [payment] = payments_with(chatbot, conf)
    assert payment.status == "cancelled"


def test_paperless_enrollment_with_the_email_on_file(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("sign me up for paperless billing")
    asked = verify(chat, AISHA)
    assert "address on file" in asked, chat.dump()
    assert "Turn on paperless" in chat.say("yes"), chat.dump()
    assert "paperless billing is on" in chat.say("yes"), chat.dump()
    [account] = chatbot.rows("SELECT * FROM accounts WHERE account_number = :n", n=AISHA[0])
    assert account.paperless


def test_stop_leaves_the_form_and_changes_nothing(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("pay my bill")
    verify(chat, DANA)
    chat.say("$10")
    assert "stopped" in chat.say("never mind"), chat.dump()
    assert chatbot.rows("SELECT * FROM payments WHERE amount_cents = 1000 AND channel = 'chat'") \
        == []


def test_talk_to_a_person_records_a_handoff_with_context(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("pay my bill")
    verify(chat, DANA)
    reply = chat.say("i want to talk to a real person")
    assert "311" in reply, chat.dump()
    [handoff] = chatbot.rows("SELECT * FROM handoffs WHERE session_key = :s",
                             s=f"chat:{chat.sender}")
    assert handoff.verified and handoff.masked_account.endswith("0731")
    assert handoff.intent == "pay_now" and handoff.channel == "chat"


def test_wrong_factor_gets_the_generic_message(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("what's my balance")
    chat.say("3300917254")
    reply = chat.say("9999")
    assert "couldn't verify" in reply, chat.dump()


def test_faq_mid_form_answers_and_asks_again(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("pay my bill")
    verify(chat, DANA)
    reply = chat.say("is there a fee to pay by card?")
    assert "$1.25" in reply and "How much" in reply, chat.dump()


def test_goodbye_clears_the_verification(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("balance please")
    verify(chat, DANA)
    chat.say("bye")
    assert "account number" in chat.say("what's my balance"), chat.dump()
