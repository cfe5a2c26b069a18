"""Consent and leave-taking with the REAL bot (issue 14 §7): the trained model in `rasa run`,
the action server and the database; web chat through Rasa's REST channel, SMS through the
app's /sms, and speech on the phone line through Rasa's /model/parse.

Tried as residents tried it: at "Shall I go ahead?", "is there a fee?" was taken as yes and
paid; "wait is there a fee for that?" was taken as no; "thanks, bye" kept the verification."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.model import Actor, Channel
from domain.money import Money
from domain.ports import CardDetails
from domain.services.payments import MethodChoice, PaymentRequest
from ivr.chat.views import CSRF_HEADER
from tests.browser_support import build_app
from tests.chatbot_stack import ChatbotStack, Conversation
from tests.e2e.sms_support import SmsCity
from tests.e2e.voice_support import APPROVED_CARD, VoiceCity, voice_city

pytestmark = pytest.mark.slow

DANA = ("0104200731", "1234")  # past due, saved VISA ending 4242 (not paid here)
# The live tests share one seeded city: these tests pay and schedule only for Miguel, whom
# the other live tests leave alone, after giving him a saved card and a scheduled payment.
MIGUEL = ("8807120043", "1500")  # $64.10 due
ASKS_ACCOUNT = "What is your utility account number?"
SHALL_I = "Shall I go ahead?"


def verify(chat: Conversation, account: tuple[str, str]) -> str:
    assert "street number" in chat.say(account[0]), chat.dump()
    return chat.say(account[1])


@pytest.fixture(scope="module")
def miguel(chatbot: ChatbotStack) -> int:
    """Miguel's account id, with a saved VISA ending 4242 and one $5 scheduled payment."""
    container = chatbot.container
    payments = container.payment_service()
    (account,) = chatbot.rows("SELECT id FROM accounts WHERE account_number = :n",
                              n=MIGUEL[0])
    actor = Actor.resident(Channel.WEB, "live-consent-setup")
    if not payments.saved_methods(account.id):
        card = container.gateway.tokenize_card(CardDetails(
            "4242424242424242", 12, container.clock.today().year + 2, "123", "60601"))
        payments.save_method(account.id, card, "travel", actor)
    (method,) = payments.saved_methods(account.id)
    if not payments.scheduled_payments(account.id):
        payments.schedule(PaymentRequest(
            account_id=account.id, amount=Money.of("5.00"), method=MethodChoice.saved(method.id),
            actor=actor, idempotency_key="live-consent-scheduled",
            accepted_fee=payments.fee(method.kind),
            scheduled_for=container.clock.today() + timedelta(days=5)))
    return int(account.id)


def resident_payments(stack: ChatbotStack, session: str) -> list[Any]:
    return stack.rows("SELECT * FROM payments WHERE created_by = :c",
                      c=f"resident:{session}")


def at_the_confirmation(stack: ChatbotStack) -> Conversation:
    chat = stack.conversation()
    chat.say("i wanna pay my bill")
    assert "How much" in verify(chat, MIGUEL), chat.dump()
    chat.say("$5")
    confirm = chat.say("the visa ending 4242")
    assert "$5.00" in confirm and "total $6.25" in confirm and SHALL_I in confirm, \
        chat.dump()
    return chat


# --- "Shall I go ahead?" ------------------------------------------------------------------------
def test_fee_questions_at_the_confirmation_pay_nothing_and_ask_again(
        chatbot: ChatbotStack, miguel: int) -> None:
    chat = at_the_confirmation(chatbot)
    session = f"chat:{chat.sender}"
    for question in ("is there a fee?", "wait is there a fee for that?",
                     "hmm, so do i pay anything extra for this?"):
        answer = chat.say(question)
        assert "$1.25" in answer, chat.dump()  # the fee (and total) answered
        assert answer.rstrip().endswith(SHALL_I), chat.dump()  # and the question asked again
        assert "haven't made any payment" not in answer, chat.dump()  # not taken as no
        assert "Payment approved" not in answer, chat.dump()  # not taken as yes
        assert resident_payments(chatbot, session) == [], chat.dump()

    done = chat.say("yes")
    assert "Payment approved: $5.00 plus a $1.25 fee ($6.25 in all)" in done, chat.dump()
    [payment] = resident_payments(chatbot, session)
    assert payment.amount_cents == 500 and payment.fee_cents == 125
    assert payment.status == "approved"
    chat.say("yes")
    assert len(resident_payments(chatbot, session)) == 1  # a second yes pays nothing more


def test_a_clear_no_at_the_confirmation_pays_nothing(chatbot: ChatbotStack,
                                                     miguel: int) -> None:
    chat = at_the_confirmation(chatbot)
    assert "haven't made any payment" in chat.say("no"), chat.dump()
    assert resident_payments(chatbot, f"chat:{chat.sender}") == []


def test_a_question_at_the_cancel_confirmation_cancels_nothing(chatbot: ChatbotStack,
                                                               miguel: int) -> None:
    chat = chatbot.conversation()
    chat.say("cancel my scheduled payment")
    assert "Cancel the" in verify(chat, MIGUEL), chat.dump()
    answer = chat.say("wait, can i still change it later?")
    assert "Cancelled" not in answer and "left your scheduled payment" not in answer, \
        chat.dump()
    assert answer.rstrip().endswith("?"), chat.dump()  # the confirmation asked again
    assert chatbot.rows("SELECT * FROM payments WHERE account_id = :a AND status = "
                        "'scheduled'", a=miguel), chat.dump()


# --- leaving ends the verification ---------------------------------------------------------------
@pytest.mark.parametrize("goodbye", ["thanks, bye", "ok thank you so much, bye!",
                                     "that's all, thanks"])
def test_taking_leave_forgets_the_verification(chatbot: ChatbotStack, goodbye: str) -> None:
    chat = chatbot.conversation()
    chat.say("balance please")
    assert "$" in verify(chat, DANA), chat.dump()
    assert "Goodbye" in chat.say(goodbye), chat.dump()
    again = chat.say("what's my balance")
    assert ASKS_ACCOUNT in again and "owes" not in again, chat.dump()
    assert chatbot.tracker(chat.sender)["slots"]["verified_account_id"] is None


def test_taking_leave_in_the_middle_of_a_payment_pays_nothing(chatbot: ChatbotStack,
                                                              miguel: int) -> None:
    chat = at_the_confirmation(chatbot)
    answer = chat.say("thanks, bye")
    assert "nothing was changed" in answer and "Goodbye" in answer, chat.dump()
    assert ASKS_ACCOUNT in chat.say("what's my balance"), chat.dump()
    assert resident_payments(chatbot, f"chat:{chat.sender}") == []


def test_thanks_alone_keeps_the_verification(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("balance please")
    verify(chat, DANA)
    assert "welcome" in chat.say("thanks").lower(), chat.dump()
    assert "owes" in chat.say("what's my balance"), chat.dump()


def test_start_over_forgets_the_verification(chatbot: ChatbotStack) -> None:
    """The /chat page's "Start over" restarts the conversation in Rasa (ivr/chat/views.py)."""
    chat = chatbot.conversation()
    chat.say("balance please")
    verify(chat, DANA)
    chatbot.send(chat.sender, "/restart")
    assert ASKS_ACCOUNT in chat.say("what's my balance"), chat.dump()


def test_start_over_on_the_chat_page_forgets_the_verification(chatbot: ChatbotStack,
                                                               tmp_path: Path) -> None:
    """The /chat page's proxy in front of the real bot: verify, press "Start over", ask."""
    app, container = build_app(tmp_path, rasa_url=chatbot.rasa_url,
                               PAYLINE_RASA_ES_URL=chatbot.rasa_urls["es"],
                               PAYLINE_BOT_TIMEOUT="30")
    try:
        client = app.test_client()
        page = client.get("/chat").get_data(as_text=True)
        csrf = re.search(r'data-csrf-token="([^"]+)"', page)
        assert csrf
        headers = {CSRF_HEADER: csrf.group(1)}

        def say(text: str) -> str:
            answer = client.post("/chat/api/messages", json={"message": text}, headers=headers)
            return "\n".join(m["text"] for m in answer.get_json()["messages"])

        assert ASKS_ACCOUNT in say("what's my balance")
        say(DANA[0])
        assert "owes" in say(DANA[1])
        assert client.post("/chat/api/restart", headers=headers).status_code == 200
        again = say("what's my balance")
        assert ASKS_ACCOUNT in again and "owes" not in again
    finally:
        container.dispose()


def age(stack: ChatbotStack, sender: str, minutes: int) -> None:
    """As if the resident had been away `minutes`: every event of the conversation moved that
    far into the past in Rasa's SQL tracker store (the column and the event's own JSON)."""
    with sqlite3.connect(stack.tracker_store) as db:
        db.execute("UPDATE events SET timestamp = timestamp - :s, data = json_set(data, "
                   "'$.timestamp', json_extract(data, '$.timestamp') - :s) "
                   "WHERE sender_id = :sender", {"s": minutes * 60, "sender": sender})


def test_fifteen_idle_minutes_forget_the_verification(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("balance please")
    verify(chat, DANA)
    age(chatbot, chat.sender, 16)
    assert ASKS_ACCOUNT in chat.say("what's my balance"), chat.dump()


def test_fourteen_idle_minutes_keep_it(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation()
    chat.say("balance please")
    verify(chat, DANA)
    age(chatbot, chat.sender, 14)
    assert "owes" in chat.say("what's my balance"), chat.dump()


# --- SMS through the bot -------------------------------------------------------------------------
def test_by_text_a_fee_question_pays_nothing_and_yes_pays_once(sms_city: SmsCity,
                                                               chatbot: ChatbotStack,
                                                               miguel: int) -> None:
    sender = "+13125550160"  # a number of its own: the other live tests keep theirs

    def by_text() -> list[Any]:
        return chatbot.rows("SELECT * FROM payments WHERE account_id = :a AND created_by "
                            "LIKE 'resident:sms:%'", a=miguel)

    sms_city.text("i want to pay my bill", sender)
    sms_city.text(MIGUEL[0], sender)
    assert "How much" in sms_city.text(MIGUEL[1], sender).text
    sms_city.text("$5", sender)
    confirm = sms_city.text("4242", sender)
    assert "total $6.25" in confirm.text and confirm.replies[-1].endswith("Reply YES or NO.")
    answer = sms_city.text("is there a fee?", sender)
    assert "$1.25" in answer.text and answer.replies[-1].endswith("Reply YES or NO.")
    assert by_text() == []
    done = sms_city.text("YES", sender).text
    assert "Payment approved" in done, done
    assert len(by_text()) == 1


def test_by_text_thanks_bye_ends_both_verifications(sms_city: SmsCity) -> None:
    sender = "+13125550161"
    sms_city.text("BAL", sender)
    assert sms_city.text(f"{DANA[0]} {DANA[1]}", sender).text.startswith("Account ending 0731")
    assert "Goodbye" in sms_city.text("thanks, bye", sender).text
    assert "account number" in sms_city.text("BAL", sender).text  # the keyword path
    sms_city.text("ok", sender)  # leaves the identity question
    assert "account number" in sms_city.text("what's my balance?", sender).text  # and the bot


# --- speech on the phone line, through the real NLU ---------------------------------------------
@pytest.fixture
def phone(tmp_path: Path, chatbot: ChatbotStack) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path, PAYLINE_RASA_URL=chatbot.rasa_url,
                          PAYLINE_RASA_ES_URL=chatbot.rasa_urls["es"], PAYLINE_NLU_TIMEOUT="10")


def test_by_phone_a_spoken_fee_question_charges_nothing_and_yes_pays(phone: VoiceCity,
                                                                     chatbot: ChatbotStack
                                                                     ) -> None:
    started = time.monotonic()
    to_confirmation = ["1", "2", "1", f"{DANA[0]}#", "1", f"{DANA[1]}#", "1", "1"]
    call = phone.call([*to_confirmation, "say:is there a fee?",
                       "say:wait is there a fee for that?", "say:yes", *APPROVED_CARD, "2",
                       "hangup"])
    assert time.monotonic() - started < 120
    confirm = "To continue and enter your card, press 1."
    assert call.said.count(confirm) == 3, call.said
    assert [r.get("Result") for r in call.pay_results] == ["success"]
    paid = [p for p in phone.payments(DANA[0]) if p.status == "approved"]
    assert len(paid) == 1
