"""Whole signed phone calls through the Flask app, as Twilio would place them, with <Pay>
played against the sandbox pay connector; asserting what the caller heard and what the
database holds afterwards (payments, statuses, audit trail, outbox, handoffs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.voice_support import (
    AISHA,
    APPROVED_CARD,
    BANK,
    DANA,
    DECLINED_CARD,
    GRACE,
    LUCIA,
    SAMUEL,
    VICTOR,
    VoiceCity,
    voice_city,
)

DANA_PHONE = "+13125550101"
STRANGER = "+13125550199"


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path)


def identify(account: str, factor: str, *, kind: str = "1") -> list[str]:
    """Utility account number, then the factor (1 street number, 2 SSN/Tax ID last 4)."""
    return ["1", f"{account}#", kind, f"{factor}#" if kind == "1" else factor]


def pay_now(account: str, factor: str) -> list[str]:
    """English, main menu 2 (pay now), identified."""
    return ["1", "2", *identify(account, factor)]


# --- balance ---------------------------------------------------------------------------------


def test_balance_is_read_after_verification(city: VoiceCity) -> None:
    call = city.call(["1", "1", *identify(DANA, "1234"), "hangup"])
    said = call.said
    assert "First, let's find your account" in said
    assert "ending in 0 7 3 1 is verified" in said
    assert "total balance due is one hundred forty-six dollars and fifty-seven cents" in said
    assert "eighty-four dollars and seventeen cents of it is past due" in said
    assert said.rstrip().splitlines()[-1].startswith("Main menu")
    assert call.ended_by == "caller-hangup"


def test_caller_id_offers_a_shortcut_that_still_asks_for_the_ssn_last4(city: VoiceCity) -> None:
    call = city.call(["1", "1", "1", "4821", "hangup"], caller=DANA_PHONE)
    offer = call.said.split("Please enter the last 4 digits")[0]
    assert "The phone number you're calling from is on file" in offer
    assert "0 7 3 1" not in offer and "ending in" not in offer  # nothing said before proof
    assert "ending in 0 7 3 1 is verified" in call.said
    assert "total balance due" in call.said


def test_balance_in_spanish(city: VoiceCity) -> None:
    call = city.call(["2", "1", *identify(LUCIA, "507"), "hangup"])
    assert "Primero, busquemos su cuenta" in call.said
    assert "su saldo total es de 58 dólares con 23 centavos" in call.said
    assert "Menú principal" in call.said


# --- pay now ------------------------------------------------------------------------------------


def test_pay_the_full_balance_by_card_with_a_text_receipt(city: VoiceCity) -> None:
    call = city.call([*pay_now(DANA, "1234"), "1", "1", "1", *APPROVED_CARD, "1", "hangup"])
    assert "convenience fee of one dollar and twenty-five cents" in call.said
    assert "total of one hundred forty-seven dollars and eighty-two cents" in call.said
    assert "was approved" in call.said
    (payment,) = city.payments(DANA)
    assert payment.status == "approved"
    assert (payment.amount_cents, payment.fee_cents) == (14657, 125)
    assert payment.method_label == "VISA ending 4242"
    assert payment.processor_reference.startswith("SBX-")
    conf = payment.confirmation_number.replace("-", "")
    assert " ".join(conf) in call.said  # read back character by character
    (pay,) = call.pay_results
    assert pay["Result"] == "success" and pay["PaymentCardNumber"].endswith("4242")
    assert [a.action for a in city.audit("payment.")] == ["payment.submitted",
                                                          "payment.approved"]
    texts = [m.body for m in city.outbox(STRANGER)]  # the calling number, as offered
    assert any(payment.confirmation_number in body and "received" in body for body in texts)
    charges = city.rows("SELECT amount_cents, status FROM sandbox_charges")
    assert [(c.amount_cents, c.status) for c in charges] == [(14782, "approved")]


def test_pay_another_amount_in_spanish(city: VoiceCity) -> None:
    call = city.call(["2", "2", *identify(LUCIA, "507"), "3", "2000#", "1", "1",
                      *APPROVED_CARD, "2", "hangup"])
    assert "Usted marcó 20 dólares" in call.said
    assert "fue aprobado" in call.said
    (payment,) = city.payments(LUCIA)
    assert (payment.status, payment.amount_cents) == ("approved", 2000)


def test_a_declined_card_is_recorded_and_another_card_can_be_tried(city: VoiceCity) -> None:
    call = city.call([*pay_now(DANA, "1234"), "1", "1", "1", *DECLINED_CARD, "1", "1",
                      *APPROVED_CARD, "2", "hangup"])
    assert "the card was declined" in call.said
    first, second = city.payments(DANA)
    assert first.status == "rejected" and first.rejection_reason
    assert second.status == "approved"


def test_more_than_the_balance_is_refused_and_asked_again(city: VoiceCity) -> None:
    call = city.call([*pay_now(DANA, "1234"), "3", "99999#", "hangup"])
    assert "The most you can pay right now is one hundred forty-six dollars" in call.said
    assert city.payments(DANA) == []


def test_pay_from_a_bank_account_reads_back_the_authorization(city: VoiceCity) -> None:
    call = city.call([*pay_now(SAMUEL, "3021"), "1", "2", "1", *BANK, "1", "2", "hangup"])
    assert "one-time electronic debit of one hundred twelve dollars" in call.said
    assert "checking account ending in 6 7 8 9" in call.said
    assert "revoke this authorization, call" in call.said
    assert "will be debited from your account in 1 to 2 business days" in call.said
    (payment,) = city.payments(SAMUEL)
    assert (payment.status, payment.method_kind, payment.fee_cents) == ("pending", "bank", 0)
    assert city.rows("SELECT * FROM sandbox_charges") == []  # ACH, not a card charge


def test_star_during_pay_cancels_and_nothing_is_charged(city: VoiceCity) -> None:
    call = city.call([*pay_now(DANA, "1234"), "1", "1", "1", "*", "hangup"])
    assert call.pay_results[0]["Result"] == "caller-interrupted-with-star"
    assert "Nothing was charged" in call.said
    (payment,) = city.payments(DANA)
    assert payment.status == "rejected" and "cancelled" in payment.rejection_reason
    assert city.rows("SELECT * FROM sandbox_charges") == []
    # The balance is payable again.
    assert city.container.payment_service().payable(payment.account_id).cents == 14657


def test_hanging_up_during_pay_releases_the_payment(city: VoiceCity) -> None:
    call = city.call([*pay_now(DANA, "1234"), "1", "1", "1", "4242", "hangup"])
    assert call.pay_results[0]["Result"] == "caller-hung-up"
    (payment,) = city.payments(DANA)
    assert payment.status == "rejected"
    (session,) = city.rows("SELECT * FROM channel_sessions")
    assert session.ended_at is not None and session.end_status == "completed"


def test_wrong_card_details_three_times(city: VoiceCity) -> None:
    call = city.call([*pay_now(DANA, "1234"), "1", "1", "1", "1111", "2222", "3333", "3",
                      "hangup"])
    assert call.pay_results[0]["Result"] == "too-many-failed-attempts"
    assert "couldn't accept those payment details" in call.said
    (payment,) = city.payments(DANA)
    assert payment.status == "rejected"


# --- schedule -----------------------------------------------------------------------------------


def test_schedule_from_a_bank_account(city: VoiceCity) -> None:
    call = city.call(["1", "3", *identify(SAMUEL, "3021"),
                      "1", "1210", "2", *BANK, "1", "2", "hangup"])
    assert "You chose" in call.said
    assert "after the due date" in call.said  # due in 6 days, paid on Dec 10
    assert "one-time electronic debit" in call.said
    (payment,) = city.payments(SAMUEL)
    assert payment.status == "scheduled" and str(payment.scheduled_for) == "2026-12-10"


def test_schedule_by_card_in_spanish_with_date_checks(city: VoiceCity) -> None:
    call = city.call(["2", "3", *identify(LUCIA, "507"), "1",
                      "1120", "0415", "1201", "1", *APPROVED_CARD, "1", "2", "hangup"])
    said = call.said
    assert "necesita una fecha futura" in said  # Nov 20: the past
    assert "hasta 90 días" in said  # April 15: too far
    assert "tarjeta que termina en" in said
    (payment,) = city.payments(LUCIA)
    assert payment.status == "scheduled" and str(payment.scheduled_for) == "2026-12-01"
    assert payment.fee_cents == 125 and payment.method_label == "VISA ending 4242"
    assert city.rows("SELECT * FROM sandbox_charges") == []  # tokenized only


# --- review and cancel --------------------------------------------------------------------------


def test_cancel_a_scheduled_payment(city: VoiceCity) -> None:
    call = city.call(["1", "4", *identify(GRACE, "88"), "1", "1", "hangup"])
    assert "Scheduled payment 1 of 1" in call.said
    assert "savings account ending in 4 3 2 1" in call.said
    assert "is cancelled" in call.said
    rows = city.rows("SELECT p.status FROM payments p JOIN accounts a ON a.id = p.account_id "
                     "WHERE a.account_number = :n AND p.status IN ('scheduled', 'cancelled')",
                     n=GRACE)
    assert [r.status for r in rows] == ["cancelled"]
    assert [a.action for a in city.audit("payment.cancelled")] == ["payment.cancelled"]


def test_a_pending_payment_is_explained_as_no_longer_cancellable(city: VoiceCity) -> None:
    call = city.call(["1", "4", "2", "200145#", "610025#", "hangup"])
    assert "already being processed, so it can no longer be cancelled" in call.said
    assert "You have no scheduled payments" in call.said


def test_keeping_a_scheduled_payment(city: VoiceCity) -> None:
    city.call(["1", "4", *identify(GRACE, "88"), "1", "2", "hangup"])
    assert city.audit("payment.cancelled") == []


# --- paperless ----------------------------------------------------------------------------------


def test_enroll_in_paperless_with_the_email_on_file(city: VoiceCity) -> None:
    call = city.call(["1", "5", *identify(AISHA, "19"), "1", "hangup"])
    assert "starting with A, at example.com" in call.said  # masked: never read out in full
    assert "aisha.rahman" not in call.said
    assert "You are enrolled in paperless billing" in call.said
    (row,) = city.rows("SELECT paperless, paperless_email FROM accounts WHERE "
                       "account_number = :n", n=AISHA)
    assert row.paperless and row.paperless_email == "aisha.rahman@example.com"


def test_unenroll_from_paperless(city: VoiceCity) -> None:
    call = city.call(["1", "5", *identify(GRACE, "88"), "1", "hangup"])
    assert "Paperless billing is off" in call.said
    (row,) = city.rows("SELECT paperless FROM accounts WHERE account_number = :n", n=GRACE)
    assert not row.paperless


def test_no_email_on_file_texts_a_link_to_finish(city: VoiceCity) -> None:
    caller = "+13125550102"
    # Her phone is on file: 1 takes the caller-ID shortcut, verified by her SSN last 4.
    call = city.call(["2", "5", "1", "3390", "1", "hangup"], caller=caller)
    assert "Le enviamos un mensaje de texto con un enlace" in call.said
    (text,) = [m for m in city.outbox(caller) if m.kind == "paperless.link"]
    assert "/paperless/" in text.body and "minutos" in text.body
    assert city.rows("SELECT * FROM one_time_links WHERE purpose = 'paperless'")


# --- identification failures, lock-out, 311 ------------------------------------------------------


def test_three_wrong_factors_lock_the_account_and_transfer_to_311(city: VoiceCity) -> None:
    call = city.call(["1", "1", *identify(DANA, "1"), *identify(DANA, "2"),
                      *identify(DANA, "3"), "hangup"])
    assert call.said.count("doesn't match our records") == 2
    assert "locked for self-service" in call.said
    (dial,) = call.of_kind("dial")
    assert "+13125550111" in dial.text
    (whisper,) = call.of_kind("whisper")
    assert "locked out" in whisper.text and "0731" in whisper.text
    (handoff,) = city.rows("SELECT * FROM handoffs")
    assert handoff.reason == "locked_out" and not handoff.verified
    assert handoff.masked_account.endswith("0731") and "0104" not in handoff.masked_account
    (account,) = city.rows("SELECT locked_at FROM accounts WHERE account_number = :n", n=DANA)
    assert account.locked_at is not None


def test_a_locked_account_is_refused_even_with_the_right_factor(city: VoiceCity) -> None:
    call = city.call(["1", "1", *identify(VICTOR, "45"), "hangup"])
    assert "locked for self-service" in call.said
    assert "total balance" not in call.said
    assert call.of_kind("dial")


def test_zero_transfers_with_the_context_for_the_agent(city: VoiceCity) -> None:
    call = city.call([*pay_now(DANA, "1234"), "0"])
    (handoff,) = city.rows("SELECT * FROM handoffs")
    assert handoff.reason == "pressed_zero" and handoff.verified
    assert handoff.intent == "pay_now"
    (whisper,) = call.of_kind("whisper")
    assert "verified on the account ending 0731" in whisper.text
    assert call.ended_by == "app-hangup"  # after the (simulated) agent call


def test_silence_reprompts_twice_then_offers_311_then_says_goodbye(city: VoiceCity) -> None:
    call = city.call(["1", "", "", "", ""])
    assert call.said.count("I didn't hear anything") == 3
    assert "To speak with a 311 agent, press 0" in call.said
    assert call.of_kind("hangup")
    assert city.rows("SELECT * FROM handoffs") == []


def test_garbage_keys_reprompt_then_offer_311_which_transfers(city: VoiceCity) -> None:
    call = city.call(["1", "7", "8", "6", "0"])
    assert call.said.count("I didn't get that") == 3
    (handoff,) = city.rows("SELECT * FROM handoffs")
    assert handoff.reason == "invalid_input"


def test_star_goes_back_and_nine_repeats(city: VoiceCity) -> None:
    call = city.call(["1", "2", "*", "9", "hangup"])
    said = call.said
    assert said.count("Main menu.") == 3  # back from identification, then repeated
    assert "If you have a utility account number" in said


# --- speech at menus ----------------------------------------------------------------------------


def test_speech_at_the_menu_works_without_the_nlu_server(city: VoiceCity) -> None:
    call = city.call(["1", "say:I wanna pay my bill", *identify(DANA, "1234"), "hangup"])
    assert "To pay the full balance" in call.said
    (session,) = city.rows("SELECT data FROM channel_sessions")
    assert '"intent":"pay_now"' in session.data


def test_general_billing_with_customer_id_and_bill_number(city: VoiceCity) -> None:
    call = city.call(["1", "1", "2", "200145#", "610025#", "hangup"])
    assert "total balance due is five hundred dollars" in call.said
