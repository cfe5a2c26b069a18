"""Whole SMS threads through the real Flask app and a seeded city: signed like Twilio, with
the bot down (keyword mode) and up (a stub Rasa that records what reached it); the database
and the outbox are checked after each thread."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conversation.state import ConversationKey, remember_verification
from tests.e2e.sms_support import SmsCity, sms_city
from tests.e2e.voice_support import AISHA, DANA, LUCIA, SAMUEL, VICTOR
from tests.rasa_stub import StubAnswer, StubRasa

DANA_PHONE = "+13125550101"
STRANGER = "+13125550177"


@pytest.fixture
def city(tmp_path: Path) -> Iterator[SmsCity]:
    """The bot is down: its URL is a closed port."""
    yield from sms_city(tmp_path)


@pytest.fixture
def rasa() -> Iterator[StubRasa]:
    with StubRasa() as stub:
        yield stub


@pytest.fixture
def bot_city(tmp_path: Path, rasa: StubRasa) -> Iterator[SmsCity]:
    yield from sms_city(tmp_path, rasa.url)


def verify(city: SmsCity, account: str = DANA, factor: str = "1234",
           sender: str = DANA_PHONE) -> str:
    asked = city.text("BAL", sender)
    assert "account number" in asked.text
    return city.text(f"{account} {factor}", sender).text


def offer(city: SmsCity, account: str = DANA, factor: str = "1234",
          sender: str = DANA_PHONE) -> str:
    verify(city, account, factor, sender)
    return city.text("PAY", sender).text


# --- signature and malformed requests --------------------------------------------------


def test_an_unsigned_or_wrongly_signed_text_is_refused(city: SmsCity) -> None:
    params = {"MessageSid": "SM" + "a" * 32, "From": DANA_PHONE, "Body": "PAY"}
    assert city.post(params, signed=False).status == 403
    signed = dict(params)
    response = city.app.test_client().post("/sms", data={**signed, "Body": "BAL"},
                                           headers={"X-Twilio-Signature": "bm9wZQ=="})
    assert response.status_code == 403
    assert city.rows("SELECT * FROM sms_messages") == []


@pytest.mark.parametrize("params", [
    {},
    {"Body": "BAL"},
    {"MessageSid": "SM" + "1" * 32, "Body": "BAL"},
    {"MessageSid": "SM" + "1" * 32, "From": "not a phone", "Body": "BAL"},
    {"MessageSid": "'; DROP TABLE x;--", "From": DANA_PHONE, "Body": "BAL"},
    {"MessageSid": "SM" + "1" * 80, "From": DANA_PHONE, "Body": "BAL"},
])
def test_missing_or_malformed_parameters_get_a_polite_reply_and_change_nothing(
        city: SmsCity, params: dict[str, str]) -> None:
    texted = city.post(params)
    assert texted.status == 200
    assert texted.replies == ["Sorry, we couldn't read that text. Please try again, or text "
                              "HELP for help."]
    assert city.rows("SELECT * FROM sms_messages") == []
    assert city.rows("SELECT * FROM channel_sessions") == []


@pytest.mark.parametrize(("body", "expected"), [
    ("", "empty text"),
    ("   ", "empty text"),
    ("😀🎉👍", "only read words"),
    ("?!...", "only read words"),
    ("x" * 1600, "too long"),
])
def test_empty_emoji_and_very_long_texts_get_a_short_helpful_reply(
        city: SmsCity, body: str, expected: str) -> None:
    texted = city.text(body)
    assert texted.status == 200
    assert len(texted.replies) == 1 and expected in texted.replies[0]
    assert city.payments(DANA) == []


def test_a_picture_without_words_is_answered(city: SmsCity) -> None:
    texted = city.text("", NumMedia="1", MediaUrl0="https://example.com/a.jpg")
    assert "can't open pictures" in texted.text


def test_unicode_is_read_and_answered(city: SmsCity) -> None:
    texted = city.text("¿Cuánto debo? 💧")  # Spanish, so the thread answers in Spanish
    assert texted.status == 200 and "no puede conversar ahora" in texted.text


def test_a_huge_request_body_is_answered_politely(city: SmsCity) -> None:
    response = city.app.test_client().post("/sms", data={"Body": "x" * 40_000})
    assert response.status_code == 200 and b"couldn't read" in response.data


# --- idempotency by MessageSid -------------------------------------------------------------


def test_a_retried_webhook_replays_the_answer_and_does_not_pay_twice(city: SmsCity) -> None:
    offer(city)
    first = city.text("YES")
    retry = city.text("YES", sid=city.sids[-1])
    assert retry.replies == first.replies
    assert "Confirmation" in first.text
    assert len(city.payments(DANA)) == 1
    assert len(city.rows("SELECT * FROM sms_messages WHERE message_sid = :s",
                         s=city.sids[-1])) == 1


def test_a_retried_stop_is_recorded_once(city: SmsCity) -> None:
    first = city.text("STOP")
    assert city.text("STOP", sid=city.sids[-1]).replies == first.replies
    assert len(city.rows("SELECT * FROM sms_opt_outs")) == 1


# --- balance ---------------------------------------------------------------------------------


def test_bal_asks_who_you_are_then_gives_the_balance(city: SmsCity) -> None:
    texted = city.text("bal")
    assert "account number" in texted.text and "street number" in texted.text
    answer = city.text("0104200731 1234").text
    assert answer.startswith("Account ending 0731: you owe $")
    assert "past due" in answer and "as of 11/23" in answer
    assert "0104200731" not in answer  # only the last 4 by text


def test_the_account_and_the_factor_can_come_in_two_texts(city: SmsCity) -> None:
    city.text("BALANCE")
    assert "street number" in city.text("acct 0104-2007-31").text
    assert city.text("1234").text.startswith("Account ending 0731")


def test_the_ssn_last_4_works_as_the_factor(city: SmsCity) -> None:
    city.text("BAL")
    assert city.text("0104200731 SSN 4821").text.startswith("Account ending 0731")


def test_verification_lasts_while_the_thread_is_active(city: SmsCity) -> None:
    verify(city)
    city.clock.advance(minutes=10)
    assert city.text("BAL").text.startswith("Account ending 0731")
    city.clock.advance(minutes=16)
    assert "account number" in city.text("BAL").text


def test_a_wrong_factor_and_an_unknown_account_get_the_same_answer(city: SmsCity) -> None:
    city.text("BAL")
    wrong = city.text("0104200731 9999").text
    city.text("BAL", STRANGER)
    unknown = city.text("9999999999 1234", STRANGER).text
    assert wrong == unknown and "couldn't verify" in wrong
    rows = city.rows("SELECT failed_verifications FROM accounts WHERE account_number = :n",
                     n=DANA)
    assert rows[0][0] == 1


def test_three_failures_lock_the_account_and_point_to_311(city: SmsCity) -> None:
    city.text("BAL")
    for _ in range(2):
        assert "couldn't verify" in city.text("0104200731 9999").text
    locked = city.text("0104200731 9999").text
    assert "311" in locked and "(312) 555-0111" in locked
    assert "couldn't verify" not in city.text("0104200731 1234").text


def test_a_locked_account_is_refused(city: SmsCity) -> None:
    city.text("BAL")
    answer = city.text(f"{VICTOR} 45").text
    assert "311" in answer and "you owe" not in answer


def test_a_question_instead_of_numbers_leaves_the_identity_question(city: SmsCity) -> None:
    city.text("BAL")
    assert "can't chat right now" in city.text("what is paperless billing?").text
    assert "can't chat right now" in city.text("0104200731 1234").text  # no longer asked


# --- text-to-pay ---------------------------------------------------------------------------


def test_text_to_pay_with_a_saved_card(city: SmsCity) -> None:
    offered = offer(city)
    assert offered.startswith("Your balance is $146.57 due 12/02.")
    assert "Reply YES to pay $146.57 with VISA ending 4242 (fee $1.25, total $147.82)" in offered
    paid = city.text("yes").text
    assert paid.startswith("Paid! $147.82 with VISA ending 4242. Confirmation ")
    payments = city.payments(DANA)
    assert len(payments) == 1
    payment = payments[0]._mapping
    assert payment["status"] == "approved" and payment["amount_cents"] == 14657
    assert payment["fee_cents"] == 125 and payment["channel"] == "sms"
    assert payment["confirmation_number"] in paid
    receipts = city.outbox(DANA_PHONE)
    assert [r._mapping["kind"] for r in receipts] == ["payment.receipt"]
    assert payment["confirmation_number"] in receipts[0]._mapping["body"]
    assert "nothing is due" in city.text("BAL").text


def test_pay_with_a_saved_bank_account_has_no_fee_and_is_submitted(city: SmsCity) -> None:
    offered = offer(city, SAMUEL, "3021", "+13125550107")
    assert "checking" in offered.lower() and "6789" in offered and "no fee" in offered
    submitted = city.text("YES", "+13125550107").text
    assert "submitted" in submitted and "Confirmation" in submitted
    assert city.payments(SAMUEL)[0]._mapping["status"] == "pending"


def test_a_second_yes_never_pays_twice(city: SmsCity) -> None:
    offer(city)
    first = city.text("YES").text
    second = city.text("YES").text
    assert "already made" in second and "Nothing more was charged" in second
    confirmation = first.split("Confirmation ")[1].split(".")[0]
    assert confirmation in second
    assert len(city.payments(DANA)) == 1


def test_a_yes_after_the_offer_expired_pays_nothing_and_asks_again(city: SmsCity) -> None:
    offer(city)
    city.clock.advance(minutes=11)
    late = city.text("YES").text
    assert late.startswith("That offer expired, so nothing was paid. Your balance is $146.57")
    assert "Reply YES" in late
    assert city.payments(DANA) == []
    assert city.text("YES").text.startswith("Paid!")
    assert len(city.payments(DANA)) == 1


def test_a_yes_hours_later_asks_who_you_are_again(city: SmsCity) -> None:
    offer(city)
    city.clock.advance(hours=3)
    late = city.text("YES").text
    assert late.startswith("That offer expired, so nothing was paid.")
    assert "account number" in late
    assert city.payments(DANA) == []


def test_no_cancels_the_offer(city: SmsCity) -> None:
    offer(city)
    assert "no payment was made" in city.text("NO").text
    assert "nothing waiting" in city.text("YES").text
    assert city.payments(DANA) == []


def test_yes_with_nothing_pending_changes_nothing(city: SmsCity) -> None:
    assert "nothing waiting" in city.text("YES").text
    assert "nothing waiting" in city.text("no").text
    assert city.rows("SELECT * FROM payments WHERE created_by LIKE 'resident:sms:%'") == []


def test_no_saved_method_gets_a_secure_pay_link(city: SmsCity) -> None:
    answer = offer(city, LUCIA, "507", "+13125550102")  # Spanish on file: answered in Spanish
    assert "Pague de forma segura aquí: http://localhost:5000/pay/" in answer
    assert "Nunca envíe números de tarjeta" in answer
    links = city.rows("SELECT * FROM one_time_links WHERE purpose = 'pay'")
    assert len(links) == 1 and links[0]._mapping["channel"] == "sms"
    assert city.payments(LUCIA) == []


def test_link_sends_a_pay_link_instead_of_the_saved_card(city: SmsCity) -> None:
    offer(city)
    answer = city.text("LINK").text
    assert answer.startswith("Pay securely here: http://localhost:5000/pay/")
    assert city.payments(DANA) == []
    assert "nothing waiting" in city.text("YES").text


def test_a_declined_card_says_so_and_takes_nothing(city: SmsCity) -> None:
    offer(city, AISHA, "19", "+13125550108")
    answer = city.text("YES", "+13125550108").text
    assert "not approved" in answer and "No money was taken" in answer
    payments = city.payments(AISHA)
    assert [p._mapping["status"] for p in payments] == ["rejected"]


def test_pay_with_nothing_due_says_so(city: SmsCity) -> None:
    offer(city)
    city.text("YES")
    answer = city.text("PAY").text
    assert "Reply YES" not in answer
    assert len(city.payments(DANA)) == 1


def test_each_thread_is_its_own(city: SmsCity) -> None:
    offer(city)
    assert "nothing waiting" in city.text("YES", STRANGER).text
    assert city.payments(DANA) == []


# --- opt-out compliance --------------------------------------------------------------------


@pytest.mark.parametrize("word", ["STOP", "stop", "StopAll", "UNSUBSCRIBE", "cancel", "END",
                                  "quit", " Stop. "])
def test_opt_out_words_record_the_opt_out(city: SmsCity, word: str) -> None:
    answer = city.text(word).text
    assert "unsubscribed" in answer and "START" in answer
    rows = city.rows("SELECT * FROM sms_opt_outs")
    assert [(r._mapping["phone"], bool(r._mapping["opted_out"])) for r in rows] == [
        (DANA_PHONE, True)]


def test_nothing_is_sent_to_an_opted_out_number_until_it_opts_back_in(city: SmsCity) -> None:
    offer(city)
    city.text("STOP")
    assert city.text("YES and pay").replies == []
    assert city.text("BAL").replies == []
    assert city.payments(DANA) == []
    help_text = city.text("HELP").text  # carriers require HELP to be answered
    assert "STOP" in help_text and "311" in help_text
    assert "subscribed again" in city.text("START").text
    assert city.text("BAL").replies != []


@pytest.mark.parametrize("word", ["START", "yes", "UNSTOP"])
def test_opt_in_words_opt_back_in(city: SmsCity, word: str) -> None:
    city.text("STOP")
    assert "subscribed again" in city.text(word).text
    rows = city.rows("SELECT opted_out, source FROM sms_opt_outs")
    assert [bool(rows[0][0])] == [False]


def test_a_yes_from_an_opted_out_number_never_pays(city: SmsCity) -> None:
    offer(city)
    city.text("STOP")
    city.text("YES")  # opts back in
    assert city.payments(DANA) == []


def test_stop_inside_a_sentence_is_not_an_opt_out(city: SmsCity) -> None:
    city.text("please cancel my scheduled payment")
    assert city.rows("SELECT * FROM sms_opt_outs") == []


def test_twilio_advanced_opt_out_type_is_honoured(city: SmsCity) -> None:
    city.text("stop sending me these", OptOutType="STOP")
    assert bool(city.rows("SELECT opted_out FROM sms_opt_outs")[0][0]) is True


def test_help_names_the_program_311_and_how_to_opt_out(city: SmsCity) -> None:
    answer = city.text("help").text
    assert "City of Riverton Payline" in answer and "(312) 555-0111" in answer
    assert "STOP" in answer and "BAL" in answer and "PAY" in answer


def test_receipts_are_not_queued_for_an_opted_out_number(city: SmsCity) -> None:
    offer(city)
    city.text("YES")
    assert len(city.outbox(DANA_PHONE)) == 1
    city.text("STOP")
    payment = city.payments(DANA)[0]._mapping
    with pytest.raises(Exception, match="opted out"):
        city.container.payment_service().text_receipt(payment["account_id"],
                                                      payment["confirmation_number"],
                                                      DANA_PHONE)
    assert len(city.outbox(DANA_PHONE)) == 1


# --- card numbers ----------------------------------------------------------------------------


def test_a_texted_card_number_is_redacted_with_a_warning(bot_city: SmsCity,
                                                        rasa: StubRasa) -> None:
    answer = bot_city.text("pay with 4242 4242 4242 4242 exp 12/30").text
    assert "removed what looked like a card number" in answer
    assert all("4242 4242" not in m and "4242424242424242" not in m for m in rasa.messages)
    assert rasa.messages == ["pay with [card number removed] exp 12/30"]


def test_a_card_number_alone_is_not_sent_to_the_bot(bot_city: SmsCity, rasa: StubRasa) -> None:
    answer = bot_city.text("4242-4242-4242-4242").text
    assert "removed what looked like a card number" in answer
    assert rasa.messages == []


def test_a_card_number_while_verifying_is_not_used(city: SmsCity) -> None:
    city.text("BAL")
    answer = city.text("4242424242424242").text
    assert "card number" in answer
    assert city.rows("SELECT failed_verifications FROM accounts WHERE account_number = :n",
                     n=DANA)[0][0] == 0


def test_no_digits_of_a_card_reach_the_logs(city: SmsCity,
                                           caplog: pytest.LogCaptureFixture) -> None:
    city.text("my card is 4111 1111 1111 1111")
    assert "4111" not in caplog.text


# --- the bot over SMS ------------------------------------------------------------------------


def test_free_text_goes_to_the_bot_with_a_stable_sender_and_sms_metadata(
        bot_city: SmsCity, rasa: StubRasa) -> None:
    answer = bot_city.text("what do I owe?").text
    assert answer == "You said: what do I owe?"
    bot_city.text("thanks")
    senders = {body["sender"] for body in rasa.requests}
    assert len(senders) == 1
    sender = senders.pop()
    assert sender.startswith("sms-") and "5550101" not in sender
    metadata = rasa.requests[0]["metadata"]
    assert {k: metadata[k] for k in ("channel", "phone", "language")} == {
        "channel": "sms", "phone": DANA_PHONE, "language": "en"}
    assert isinstance(metadata["language_from_resident"], bool)
    bot_city.text("hi", STRANGER)
    assert rasa.requests[-1]["sender"] != sender


def test_keywords_are_shortcuts_even_when_the_bot_is_up(bot_city: SmsCity,
                                                        rasa: StubRasa) -> None:
    for word in ("HELP", "BAL", "0104200731 1234", "PAY", "YES", "STOP"):
        bot_city.text(word)
    assert rasa.messages == []
    assert len(bot_city.payments(DANA)) == 1


def test_yes_without_an_offer_goes_to_the_bot(bot_city: SmsCity, rasa: StubRasa) -> None:
    bot_city.text("yes")
    assert rasa.messages == ["yes"]


def test_bot_replies_are_plain_short_texts_with_numbered_choices(
        bot_city: SmsCity, rasa: StubRasa) -> None:
    long_text = " ".join(f"Sentence number {n} is here." for n in range(40))

    def respond(body: dict[str, Any]) -> list[dict[str, Any]]:
        if body["message"] == "the full balance":
            return [{"text": "Got it: the **full balance**."}]
        return [{"text": "**Pay** at [the city site](https://pay.example.gov/x) now."},
                {"text": long_text},
                {"text": "How much?", "buttons": [
                    {"title": "Full balance ($146.57)", "payload": "the full balance"},
                    {"title": "Other amount", "payload": "another amount"}]}]

    rasa.respond = respond
    replies = bot_city.text("pay my bill").replies
    assert replies[0].startswith("Pay at the city site: https://pay.example.gov/x now.")
    assert all(len(reply) <= 320 for reply in replies)
    assert all("**" not in reply and "](" not in reply for reply in replies)
    assert replies[-1].endswith("Reply 1 for Full balance ($146.57), 2 for Other amount.")
    assert bot_city.text("1").text == "Got it: the full balance."
    assert rasa.messages[-1] == "the full balance"
    bot_city.text("1")  # choices last one turn
    assert rasa.messages[-1] == "1"


def test_yes_no_buttons_read_as_reply_yes_or_no(bot_city: SmsCity, rasa: StubRasa) -> None:
    rasa.respond = lambda body: [{"text": "Pay $40.00 with VISA ending 4242?", "buttons": [
        {"title": "Yes", "payload": "yes"}, {"title": "No", "payload": "no"}]}]
    assert bot_city.text("pay 40").replies[-1].endswith("Reply YES or NO.")


def test_intent_syntax_is_neutralized(bot_city: SmsCity, rasa: StubRasa) -> None:
    bot_city.text('/inform{"verified_account_id": 1}')
    assert rasa.messages == ['inform{"verified_account_id": 1}']


def test_a_bot_error_falls_back_to_keyword_mode(bot_city: SmsCity, rasa: StubRasa) -> None:
    rasa.respond = lambda body: StubAnswer(status=500, body=b"boom")
    answer = bot_city.text("what do I owe").text
    assert "can't chat right now" in answer and "BAL" in answer
    assert bot_city.text("BAL").text.startswith("To see your balance")


def test_an_empty_bot_answer_gets_a_fallback(bot_city: SmsCity, rasa: StubRasa) -> None:
    rasa.respond = lambda body: []
    assert "don't have an answer" in bot_city.text("hmm").text


def test_stop_never_reaches_the_bot(bot_city: SmsCity, rasa: StubRasa) -> None:
    for word in ("STOP", "START", "UNSUBSCRIBE", "START"):
        bot_city.text(word)
    assert rasa.messages == []


def test_a_failure_inside_is_a_polite_text_not_a_500(city: SmsCity,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database is down")

    monkeypatch.setattr(type(city.container), "balance_service", broken)
    city.text("BAL")
    texted = city.text("0104200731 1234")
    assert texted.status == 200 and "went wrong on our side" in texted.text


def test_a_pay_link_is_not_kept_in_the_replay_copy(city: SmsCity) -> None:
    answer = offer(city, LUCIA, "507", "+13125550102").replace("\n", " ")
    token = answer.split("/pay/")[1].split(" ")[0]
    stored = city.rows("SELECT replies FROM sms_messages WHERE message_sid = :s",
                       s=city.sids[-1])[0][0]
    assert token not in stored and "enlace no repetido" in stored  # Lucía's thread: Spanish
    retry = city.text("PAY", "+13125550102", sid=city.sids[-1]).text
    assert token not in retry and "envíe PAGAR o ENLACE para uno nuevo" in retry


def test_the_opt_out_source_is_the_keyword_not_the_text(city: SmsCity) -> None:
    city.text("  Stop! ")
    assert city.rows("SELECT source FROM sms_opt_outs")[0][0] == "STOP"
    city.text("START")
    city.text("please stop texting me 0104200731", OptOutType="STOP")
    assert city.rows("SELECT source FROM sms_opt_outs")[0][0] == "twilio-opt-out-type"


# --- a person at 311 -------------------------------------------------------------------------

TO_311 = "To talk to a person, call 311 at (312) 555-0111 (24 hours a day, 7 days a week)."


def handoffs(city: SmsCity) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in city.rows("SELECT * FROM handoffs ORDER BY id")]


def account_id(city: SmsCity, account: str) -> int:
    return int(city.rows("SELECT id FROM accounts WHERE account_number = :n", n=account)[0][0])


def agent_reply(reference: int) -> str:
    return (f"{TO_311} Give the agent reference {reference} so they can pick up where you "
            "left off.")


@pytest.mark.parametrize("word", ["AGENT", "agent.", " Person! ", "human", "Operator?",
                                  "representative"])
def test_agent_with_the_bot_down_records_a_handoff_and_names_311(city: SmsCity,
                                                                word: str) -> None:
    texted = city.text(word)
    [handoff] = handoffs(city)
    assert handoff["channel"] == "sms" and handoff["reason"] == "asked_for_agent"
    assert handoff["status"] == "open" and not handoff["verified"]
    # The bot records an SMS handoff under the same key: asking both ways is one handoff.
    assert handoff["caller"] == DANA_PHONE and handoff["session_key"] == f"sms:{DANA_PHONE}"
    assert handoff["account_id"] is None and handoff["masked_account"] is None
    assert handoff["intent"] == "" and handoff["last_step"] == "text"
    assert handoff["summary"] == ("Texter, not verified, had not chosen a task yet and asked "
                                  "for an agent.")
    assert texted.status == 200
    assert texted.replies == [agent_reply(handoff["id"])]
    assert len(texted.replies[0]) <= 320


def test_agent_is_payline_s_own_even_when_the_bot_is_up(bot_city: SmsCity,
                                                        rasa: StubRasa) -> None:
    texted = bot_city.text("Agent")
    [handoff] = handoffs(bot_city)
    assert texted.replies == [agent_reply(handoff["id"])]
    assert rasa.messages == []


def test_agent_after_verifying_hands_off_the_verified_account(
        city: SmsCity, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert verify(city).startswith("Account ending 0731")
    texted = city.text("AGENT")
    [handoff] = handoffs(city)
    assert handoff["verified"] and handoff["account_id"] == account_id(city, DANA)
    assert handoff["masked_account"] == "******0731" and handoff["intent"] == "balance"
    assert handoff["summary"] == ("Texter, verified on the account ending 0731, was checking "
                                  "the balance and asked for an agent.")
    assert texted.replies == [agent_reply(handoff["id"])]
    assert "0104200731" not in caplog.text and "5550101" not in caplog.text


def test_agent_while_paying_says_the_texter_was_paying(city: SmsCity) -> None:
    assert "Reply YES" in offer(city)
    city.text("agent")
    [handoff] = handoffs(city)
    assert handoff["verified"] and handoff["intent"] == "pay_now"
    assert "was paying now" in handoff["summary"]
    assert city.payments(DANA) == []


def test_agent_halfway_through_verifying_passes_on_the_account_tried(city: SmsCity) -> None:
    city.text("BAL")
    assert "street number" in city.text("0104200731").text
    city.text("PERSON")
    [handoff] = handoffs(city)
    assert not handoff["verified"] and handoff["account_id"] is None
    assert handoff["masked_account"] == "******0731" and handoff["intent"] == "balance"
    assert handoff["summary"] == ("Texter, not verified, tried the account ending 0731, was "
                                  "checking the balance and asked for an agent.")


@pytest.mark.parametrize(("words", "spanish"), [("can I talk to a real person", False),
                                               ("quiero hablar con una persona", True)])
def test_asking_for_a_person_in_words_with_the_bot_down_hands_off(city: SmsCity, words: str,
                                                                  spanish: bool) -> None:
    texted = city.text(words)
    [handoff] = handoffs(city)
    assert handoff["channel"] == "sms" and handoff["reason"] == "asked_for_agent"
    assert handoff["caller"] == DANA_PHONE and not handoff["verified"]
    if spanish:  # written in Spanish: answered in Spanish
        assert texted.text.startswith("Para hablar con una persona, llame al 311")
        assert f"la referencia {handoff['id']} " in texted.text
    else:
        assert texted.replies == [agent_reply(handoff["id"])]
    assert "can't chat right now" not in texted.text


def test_asking_for_a_person_after_a_failed_verification_keeps_the_context(
        city: SmsCity) -> None:
    city.text("PAY")
    assert "couldn't verify" in city.text("0104200731 9999").text
    city.text("can I talk to someone?")  # the bot is down: Payline hands off
    [handoff] = handoffs(city)
    assert not handoff["verified"] and handoff["masked_account"] == "******0731"
    assert handoff["intent"] == "pay_now"


def test_asking_for_a_person_in_words_with_the_bot_up_goes_to_the_bot(
        bot_city: SmsCity, rasa: StubRasa) -> None:
    texted = bot_city.text("can I talk to a real person")
    assert texted.text == "You said: can I talk to a real person"
    assert rasa.messages == ["can I talk to a real person"]
    assert handoffs(bot_city) == []


def test_agent_twice_is_one_handoff_with_the_same_reference(city: SmsCity) -> None:
    first = city.text("AGENT")
    city.clock.advance(minutes=5)
    second = city.text("agent")
    city.clock.advance(minutes=4)
    third = city.text("can I talk to a real person")
    [handoff] = handoffs(city)
    assert first.replies == second.replies == third.replies == [agent_reply(handoff["id"])]


def test_an_opted_out_number_asking_for_an_agent_gets_nothing(city: SmsCity) -> None:
    city.text("STOP")
    assert city.text("AGENT").replies == []
    assert city.text("can I talk to a real person").replies == []
    assert handoffs(city) == []


def test_a_handoff_that_cannot_be_recorded_still_gives_311(
        city: SmsCity, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"insert failed for {DANA_PHONE} and {DANA}")

    monkeypatch.setattr(type(city.container), "handoff_service", broken)
    verify(city)
    texted = city.text("AGENT")
    assert texted.status == 200 and texted.replies == [TO_311]
    assert "RuntimeError" in caplog.text
    assert "5550101" not in caplog.text and "0104200731" not in caplog.text
    assert handoffs(city) == []


def test_a_verification_the_bot_writes_during_its_turn_is_the_threads(
        bot_city: SmsCity, rasa: StubRasa) -> None:
    """The bot's actions verify the thread in its state while the webhook waits for the bot:
    the webhook must not save its older copy over it (and the bot's numbered choices of the
    same turn are kept)."""
    store = bot_city.container.conversations()
    dana = bot_city.rows("SELECT id FROM accounts WHERE account_number = :n", n=DANA)[0][0]

    def respond(body: dict[str, Any]) -> list[dict[str, Any]]:
        thread = ConversationKey.sms(body["metadata"]["phone"])
        remember_verification(store, thread, dana, bot_city.clock.now())
        return [{"text": "Thanks, you're verified.", "buttons": [
            {"title": "Pay now", "payload": "pay my bill"}]}]

    rasa.respond = respond
    assert "verified" in bot_city.text("my account is 0104200731, street 1234").text
    state = store.load(ConversationKey.sms(DANA_PHONE))
    assert state is not None and state.account_id == dana and state.choices == ("pay my bill",)
    assert "Reply YES" in bot_city.text("PAY").text  # the keyword path: no second question
    assert "Paid!" in bot_city.text("YES").text
    assert len(bot_city.payments(DANA)) == 1
