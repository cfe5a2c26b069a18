"""One SMS thread through the keyword path, on a container of fakes (tests/fake_container.py):
no database, no Twilio, a stub in place of the bot. The e2e tests (tests/e2e/test_sms*.py)
play the same threads through signed webhooks and SQL; these pin the thread's logic alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from conversation.state import ConversationKey
from domain.model import PaymentStatus
from domain.money import Money
from ivr.bot.client import BotReplies, BotReply, BotUnavailable
from ivr.sms import texts
from ivr.sms.conversation import Inbound, SmsConversation
from ivr.sms.texts import Program
from tests.fake_container import FakeWorld, fake_world
from tests.unit.conftest import CHICAGO, make_utility_account

PHONE = "+13125550101"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=CHICAGO)


class StubBot:
    """The bot's side: down (raises BotUnavailable), or answering with canned replies."""

    def __init__(self, replies: list[BotReply] | None = None,
                 switched_to: str | None = None) -> None:
        self.replies = replies
        self.switched_to = switched_to  # the bot moved to the account's language on file
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.languages: list[str] = []  # which model each text went to
        self.from_resident: list[bool] = []  # the language was chosen or written by them

    def send(self, sender: str, text: str, metadata: dict[str, Any], *,
             language: str = "en", language_from_resident: bool = False) -> BotReplies:
        self.sent.append((sender, text, metadata))
        self.languages.append(language)
        self.from_resident.append(language_from_resident)
        if self.replies is None:
            raise BotUnavailable("down")
        return BotReplies(self.replies, language=self.switched_to)


@pytest.fixture
def world() -> FakeWorld:
    w = fake_world(NOW)
    w.add(make_utility_account())  # Ana: $125.50 due, $40 of it past due; street 412
    return w


def text(world: FakeWorld, body: str, bot: StubBot | None = None, *,
         after: timedelta = timedelta(0), sid: str | None = None) -> list[str]:
    now = world.clock.now() + after
    world.clock._now = now  # the thread moves on in time with the texts
    conversation = SmsConversation(world.container, bot or StubBot(), Program.of(
        world.container.settings), "https://pay.example.org", "secret", now)
    return conversation.reply(Inbound(sid or f"SM{len(world.notifier.sent)}{body!r}", PHONE,
                                      body))


def test_bal_asks_who_and_then_answers_for_the_verified_account(world):
    assert text(world, "BAL") == [f"{texts.ASK_IDENTITY['balance']}, {texts.IDENTITY_HOW}"]
    answer = text(world, "0012345678 412")
    assert "Account ending 5678: you owe $125.50" in answer[0]
    assert "($40.00 past due)" in answer[0]
    state = world.conversations.load(ConversationKey.sms(PHONE))
    assert state is not None and state.verified and state.question is None


def test_a_wrong_street_number_verifies_nothing_and_asks_again(world):
    text(world, "BAL")
    assert text(world, "0012345678 999") == [texts.VERIFY_FAILED]
    state = world.conversations.load(ConversationKey.sms(PHONE))
    assert state is not None and not state.verified


def test_pay_offers_the_newest_card_and_a_decline_takes_nothing(world):
    text(world, "PAY")
    offer = text(world, "0012345678 412")[0]
    assert "with VISA ending 0002" in offer  # the newest saved card, a declining one
    declined = text(world, "YES")
    assert declined[0].startswith("The payment was not approved: the card was declined.")
    assert "No money was taken" in declined[0]
    state = world.conversations.load(ConversationKey.sms(PHONE))
    assert state is not None and state.offer is None


def test_pay_offers_the_saved_card_and_one_yes_pays_once(world):
    world.accounts[0].payment_methods[2].enabled = False  # the card that declines
    text(world, "PAY")
    offer = text(world, "0012345678 412")[0]
    assert "Reply YES to pay $125.50 with" in offer and "fee $1.25, total $126.75" in offer
    paid = text(world, "YES", sid="SMyes1")
    assert paid[0].startswith("Paid! $126.75 with")
    again = text(world, "YES", sid="SMyes2")
    assert "already made" in again[0] and "Nothing more was charged" in again[0]
    payments = world.uow.payments.for_account(world.accounts[0].id)
    assert [(p.amount, p.status) for p in payments] == [(Money.of("125.50"),
                                                         PaymentStatus.APPROVED)]
    assert world.gateway.calls == 1


def test_a_card_charge_the_processor_did_not_answer_is_said_as_not_charged_yet(world):
    world.accounts[0].payment_methods[2].enabled = False  # the card that declines
    text(world, "PAY")
    text(world, "0012345678 412")
    world.gateway.fail_next = True  # the processor cannot be reached
    reply = text(world, "YES", sid="SMyes1")[0]
    assert "not charged yet" in reply and "don't pay again" in reply
    assert "business days" not in reply  # that is a bank debit's wording
    [payment] = world.uow.payments.for_account(world.accounts[0].id)
    assert payment.status == PaymentStatus.PENDING and payment.confirmation_number in reply
    assert len(reply) <= 320


def test_a_yes_after_the_offer_expired_pays_nothing(world):
    text(world, "PAY")
    text(world, "0012345678 412")
    late = text(world, "YES", after=timedelta(minutes=11))
    assert late[0].startswith("That offer expired, so nothing was paid.")
    assert world.gateway.calls == 0


def test_agent_records_a_handoff_keyed_by_the_thread(world):
    text(world, "BAL")
    text(world, "0012345678 412")
    reply = text(world, "AGENT")
    assert "To talk to a person, call 311" in reply[0] and "reference 1" in reply[0]
    (handoff,) = world.handoffs.handoffs
    assert handoff.session_key == f"sms:{PHONE}" and handoff.verified
    assert handoff.masked_account is not None and handoff.masked_account.endswith("5678")


def test_a_quiet_thread_forgets_who_the_resident_is(world):
    text(world, "BAL")
    text(world, "0012345678 412")
    again = text(world, "BAL", after=timedelta(minutes=16))
    assert again == [f"{texts.ASK_IDENTITY['balance']}, {texts.IDENTITY_HOW}"]


def test_with_the_bot_down_a_question_gets_keyword_mode_and_a_person_is_reachable(world):
    program = Program.of(world.container.settings)
    assert text(world, "what are your hours?") == [program.bot_unavailable()]
    reply = text(world, "can I talk to a person")
    assert reply[0].startswith("To talk to a person, call 311")
    assert world.handoffs.handoffs[0].session_key == f"sms:{PHONE}"


def test_the_bot_hears_the_thread_by_an_id_that_does_not_spell_the_number(world):
    bot = StubBot([BotReply("Hi! How can I help?", ())])
    assert text(world, "hello there", bot) == ["Hi! How can I help?"]
    ((sender, words, metadata),) = bot.sent
    assert sender.startswith("sms-") and "5550101" not in sender
    assert metadata == {"channel": "sms", "phone": PHONE} and words == "hello there"


def test_stop_opts_out_and_nothing_more_is_answered_until_start(world):
    assert "unsubscribed" in text(world, "STOP")[0]
    assert world.sms_consent.is_opted_out(PHONE)
    assert text(world, "BAL") == []
    assert "subscribed again" in text(world, "START")[0]
    assert text(world, "BAL")[0].startswith(texts.ASK_IDENTITY["balance"])
