"""action_finish_task (every outcome, every task), action_handoff and action_end_conversation:
what they say, the events they return, and what they change in the database."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import pytest

from chatbot.actions.finish import TASK_SLOTS, ActionEndConversation
from chatbot.actions.finish import ActionFinishTask as Finish
from chatbot.actions.handoff import ActionHandoff
from chatbot.wording import Words
from tests.chatbot.action_support import (
    AISHA,
    DANA,
    GRACE,
    JORDAN,
    LUCIA,
    SAMUEL,
    SMS,
    SMS_SENDER,
    TOM,
    City,
    Conversation,
    Result,
    run,
    tracker,
)

EN = Words("en")
GOODBYE, LOCKED, THROTTLED = EN.say("goodbye"), EN.say("locked"), EN.say("throttled")
REACH_311 = "call 311 (or (312) 555-0111 from outside the city), 24 hours a day, 7 days a week"


def finish(city: City, number: str | None, task: str, outcome: str = "done", *,
           sender: str = "tester-1", message_id: str | None = None,
           metadata: dict[str, Any] | None = None, **slots: Any) -> Result:
    verified = city.verified(number) if number else {}
    return run(Finish, tracker(
        "yes", intent="affirm", sender=sender, metadata=metadata,
        message_id=message_id or uuid.uuid4().hex,
        slots={**verified, "active_task": task, "form_outcome": outcome, **slots}))


def assert_task_slots_cleared(result: Result, switch_to: str | None = None) -> None:
    slots = result.slots
    for slot in TASK_SLOTS:
        assert slot in slots and slots[slot] is None, f"{slot} not cleared"
    assert slots["switch_to"] == switch_to
    # Verification lasts for the conversation: the next task needs no new one.
    assert "verified_account_id" not in slots
    assert "account_label" not in slots


# --- done: balance and status --------------------------------------------------------------
def test_done_balance_reads_out_the_account(city: City) -> None:
    result = finish(city, DANA, "check_balance")
    first, bills, offer = result.texts
    assert first == ("As of Monday, November 23, the account ending 0731 owes $146.57. $84.17 "
                     "of that is past due. The next due date is Wednesday, December 2.")
    assert bills.startswith("Open bills:\n- bill ")  # one line a bill
    assert "$84.17 unpaid of $84.17 (past due)" in bills
    assert "$62.40 unpaid of $62.40" in bills
    assert offer == "Would you like to pay now or schedule a payment?"
    assert result.buttons == [{"title": "Pay now", "payload": "pay my bill"},
                              {"title": "Schedule a payment", "payload": "schedule a payment"}]
    assert_task_slots_cleared(result)


def test_done_balance_with_nothing_past_due(city: City) -> None:
    first = finish(city, SAMUEL, "check_balance").texts[0]
    assert first == ("As of Monday, November 23, the account ending 4415 owes $112.64. The "
                     "next due date is Sunday, November 29.")


def test_done_balance_with_nothing_due(city: City) -> None:
    result = finish(city, TOM, "check_balance")
    assert result.texts[0] == ("As of Monday, November 23, nothing is due on the account "
                               "ending 9907.")
    assert not any("pay now" in text for text in result.texts)  # nothing to offer to pay
    assert result.buttons == []


def test_done_balance_says_what_is_left_once_payments_count(city: City) -> None:
    jordan = finish(city, JORDAN, "check_balance")  # $500.00 due, $250.00 on its way
    assert "With those payments, $250.00 is left to pay." in jordan.texts
    assert jordan.texts[-1] == "Would you like to pay now or schedule a payment?"
    grace = finish(city, GRACE, "check_balance")  # $71.90 due, all of it scheduled
    assert "Those payments cover the balance: nothing more is left to pay." in grace.texts
    assert not any("pay now" in text for text in grace.texts) and grace.buttons == []


def test_done_balance_mentions_pending_and_scheduled_payments(city: City) -> None:
    assert any(t.startswith("Being processed: $250.00 with checking account ending 6789")
               for t in finish(city, JORDAN, "check_balance").texts)
    (scheduled,) = city.scheduled(GRACE)
    assert (f"Scheduled: $71.90 on Thursday, December 3 with savings account ending 4321 "
            f"(confirmation {scheduled['confirmation_number']}).") in \
        finish(city, GRACE, "check_balance").texts


def test_done_status_lists_the_latest_five_payments_newest_first(city: City) -> None:
    (scheduled,) = city.scheduled(GRACE)
    result = finish(city, GRACE, "payment_status")
    (listed,) = result.texts
    title, *lines, more = listed.split("\n")
    assert title == "Your payments, newest first:"
    assert lines[0] == f"- Dec 3: $71.90, scheduled ({scheduled['confirmation_number']})"
    assert len(lines) == 5 and all(", approved (" in line for line in lines[1:])
    assert more == "Say \"all my payments\" to see the older ones."
    assert_task_slots_cleared(result)


def test_done_status_lists_all_payments_when_asked_five_a_message(city: City) -> None:
    history = city.rows("SELECT p.* FROM payments p JOIN accounts a ON a.id = p.account_id "
                        "WHERE a.account_number = :n", n=GRACE)
    result = run(Finish, tracker(
        "show me all my payments", intent="payment_status", message_id="m-all",
        slots={**city.verified(GRACE), "active_task": "payment_status", "form_outcome": "done"}))
    lines = [line for text in result.texts for line in text.split("\n") if line.startswith("- ")]
    assert len(lines) == len(history) > 5
    assert all(text.count("\n- ") <= 5 and len(text) < 320 for text in result.texts)
    assert "all my payments" not in result.text  # nothing more to ask for


def test_done_status_explains_a_pending_payment(city: City) -> None:
    result = finish(city, JORDAN, "payment_status")
    assert ", pending (" in result.texts[0]
    assert result.texts[-1].startswith("A pending payment is already on its way and can't be "
                                       "cancelled")


# --- done: paying now ----------------------------------------------------------------------
def paying(city: City, number: str, last4: str | None, amount: str = "40.00",
           **slots: Any) -> dict[str, Any]:
    method = city.saved(number, last4) if last4 else "link"
    return {"amount": amount, "payment_method": method, "pay_confirmed": True, **slots}


def test_pay_now_with_a_saved_card_is_approved(city: City) -> None:
    result = finish(city, DANA, "pay_bill", **paying(city, DANA, "4242"))

    (payment,) = city.chat_payments(DANA)
    assert payment["status"] == "approved"
    assert payment["amount_cents"] == 4000 and payment["fee_cents"] == 125
    assert payment["method_kind"] == "card"
    assert payment["channel"] == "chat"
    assert payment["created_by"] == "resident:chat:tester-1"
    assert payment["scheduled_for"] == "2026-11-23"
    assert result.texts == [
        "Payment approved: $40.00 plus a $1.25 fee ($41.25 in all) with VISA ending 4242. "
        f"Your confirmation number is {payment['confirmation_number']}."]
    assert city.container.payment_service().payable(city.account_id(DANA)).canonical() == \
        "106.57"
    assert_task_slots_cleared(result)


def test_pay_now_from_a_saved_bank_account_is_pending(city: City) -> None:
    result = finish(city, SAMUEL, "pay_bill", **paying(city, SAMUEL, "6789"))

    (payment,) = city.chat_payments(SAMUEL)
    assert payment["status"] == "pending"
    assert payment["method_kind"] == "bank" and payment["fee_cents"] == 0
    assert "is submitted and pending" in result.text
    assert payment["confirmation_number"] in result.text
    assert "Bank payments take 1 to 2 business days to post." in result.text


def test_a_card_the_processor_did_not_answer_for_is_not_charged_yet(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*args: object, **kwargs: object) -> None:
        raise ConnectionError("processor unreachable")

    monkeypatch.setattr(city.container.gateway, "charge", unreachable)
    result = finish(city, DANA, "pay_bill", **paying(city, DANA, "4242"))

    (payment,) = city.chat_payments(DANA)
    assert payment["status"] == "pending"  # the runner finishes it, with the same key
    assert "has not been charged yet" in result.text and "don't pay again" in result.text
    assert payment["confirmation_number"] in result.text
    assert "business days" not in result.text


def test_bank_payment_message_has_no_fee_note(city: City) -> None:
    text = finish(city, SAMUEL, "pay_bill", **paying(city, SAMUEL, "6789")).text
    assert text.startswith("Your payment of $40.00 with checking account ending 6789 is "
                           "submitted and pending.")
    assert "$0.00" not in text


def test_pay_now_with_a_declined_card(city: City) -> None:
    result = finish(city, AISHA, "pay_bill", **paying(city, AISHA, "0002", "10.00"))

    (payment,) = city.chat_payments(AISHA)
    assert payment["status"] == "rejected"
    assert result.text.startswith("Sorry, that payment didn't go through (")
    assert "No money was taken." in result.text
    assert "secure pay link" in result.text
    assert payment["confirmation_number"] not in result.text


def test_pay_now_with_a_link_sends_a_secure_pay_link(city: City) -> None:
    result = finish(city, LUCIA, "pay_bill", **paying(city, LUCIA, None, "20.00"))

    assert city.chat_payments(LUCIA) == []  # the link's page pays, not the chat
    (link,) = city.links()
    assert link["purpose"] == "pay"
    assert link["account_id"] == city.account_id(LUCIA)
    assert link["channel"] == "chat"
    assert link["used_at"] is None
    assert '"amount": "20.00"' in link["payload"] and '"scheduled_for": null' in link["payload"]
    match = re.search(r"http://localhost:5000/pay/([A-Za-z0-9_-]+)", result.texts[0])
    assert match, result.texts
    assert hashlib.sha256(match.group(1).encode()).hexdigest() == link["token_hash"]
    assert result.texts[0].startswith("Here is your secure pay link for $20.00: ")
    assert "expires in 30 minutes" in result.texts[1]
    assert "never in this chat" in result.texts[1]
    assert_task_slots_cleared(result)


def test_link_uses_the_public_url(city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYLINE_PUBLIC_URL", "https://pay.riverton.example/")
    result = finish(city, LUCIA, "pay_bill", **paying(city, LUCIA, None, "20.00"))
    assert "https://pay.riverton.example/pay/" in result.texts[0]


def test_schedule_with_a_link_carries_the_date(city: City) -> None:
    result = finish(city, LUCIA, "schedule_payment",
                    **paying(city, LUCIA, None, "20.00", payment_date="2026-11-30"))
    (link,) = city.links()
    assert '"scheduled_for": "2026-11-30"' in link["payload"]
    assert result.texts[0].startswith("Here is your secure pay link for $20.00 on Monday, "
                                      "November 30: http://localhost:5000/pay/")


def test_pay_not_confirmed_pays_nothing(city: City) -> None:
    result = finish(city, DANA, "pay_bill",
                    **paying(city, DANA, "4242", pay_confirmed=False))
    assert result.texts == ["OK, I haven't made any payment. What else can I help with?"]
    assert city.chat_payments(DANA) == []
    assert city.links() == []
    assert_task_slots_cleared(result)


def test_a_saved_method_that_is_gone(city: City) -> None:
    result = finish(city, DANA, "pay_bill", amount="40.00", payment_method="saved:99999",
                    pay_confirmed=True)
    assert "can't be used any more" in result.text
    assert city.chat_payments(DANA) == []


def test_an_amount_no_longer_payable_is_refused_at_the_end(city: City) -> None:
    result = finish(city, DANA, "pay_bill", **paying(city, DANA, "4242", "500.00"))
    assert result.texts == ["The most you can pay right now is $146.57."]
    assert city.chat_payments(DANA) == []
    assert_task_slots_cleared(result)


def test_the_same_yes_twice_charges_once(city: City) -> None:
    slots = paying(city, DANA, "4242")
    charges = city.scalar("SELECT count(*) FROM sandbox_charges")
    first = finish(city, DANA, "pay_bill", message_id="msg-yes-1", **slots)
    again = finish(city, DANA, "pay_bill", message_id="msg-yes-1", **slots)

    (payment,) = city.chat_payments(DANA)
    assert payment["confirmation_number"] in first.text
    assert first.texts == again.texts
    assert city.scalar("SELECT count(*) FROM sandbox_charges") == charges + 1


def test_a_new_yes_is_a_new_payment(city: City) -> None:
    slots = paying(city, DANA, "4242", "10.00")
    finish(city, DANA, "pay_bill", message_id="msg-a", **slots)
    finish(city, DANA, "pay_bill", message_id="msg-b", **slots)
    assert len(city.chat_payments(DANA)) == 2


def test_without_a_message_id_the_last_user_event_keys_the_payment(city: City) -> None:
    slots = {**city.verified(DANA), "active_task": "pay_bill", "form_outcome": "done",
             **paying(city, DANA, "4242")}
    events = [{"event": "user", "timestamp": 1795000000.5, "text": "yes"}]
    for _ in range(2):
        run(Finish, tracker("yes", intent="affirm", message_id="", slots=slots, events=events))
    assert len(city.chat_payments(DANA)) == 1


def test_pay_now_conversation_end_to_end(city: City) -> None:
    conversation = Conversation("pay_form", sender="web-7f3a")
    conversation.verify(DANA, "ssn 4821")
    conversation.say("the past due amount")
    conversation.say("my visa")
    conversation.say("yes", intent="affirm")
    result = conversation.finish()

    (payment,) = city.chat_payments(DANA)
    assert payment["amount_cents"] == 8417 and payment["status"] == "approved"
    assert payment["created_by"] == "resident:chat:web-7f3a"
    assert payment["confirmation_number"] in result.text
    assert conversation.slots["verified_account_id"] == str(city.account_id(DANA))
    assert conversation.slots["amount"] is None


# --- done: scheduling ----------------------------------------------------------------------
def test_schedule_from_a_bank_account(city: City) -> None:
    result = finish(city, SAMUEL, "schedule_payment",
                    **paying(city, SAMUEL, "6789", payment_date="2026-11-27"))

    (payment,) = city.chat_payments(SAMUEL)
    assert payment["status"] == "scheduled"
    assert payment["scheduled_for"] == "2026-11-27"
    assert payment["amount_cents"] == 4000
    assert result.text.startswith("Done: $40.00 is scheduled for Friday, November 27 with "
                                  "checking account ending 6789.")
    assert f"Your confirmation number is {payment['confirmation_number']}." in result.text
    assert "You can cancel it here until that date." in result.text


def test_schedule_with_a_card_states_the_fee(city: City) -> None:
    result = finish(city, DANA, "schedule_payment",
                    **paying(city, DANA, "4242", payment_date="2026-12-01"))
    (payment,) = city.chat_payments(DANA)
    assert payment["status"] == "scheduled" and payment["fee_cents"] == 125
    assert result.text.startswith("Done: $40.00 plus a $1.25 fee ($41.25 in all) is scheduled "
                                  "for Tuesday, December 1 with VISA ending 4242.")


def test_the_same_schedule_yes_twice_schedules_once(city: City) -> None:
    slots = paying(city, SAMUEL, "6789", payment_date="2026-11-27")
    finish(city, SAMUEL, "schedule_payment", message_id="same", **slots)
    finish(city, SAMUEL, "schedule_payment", message_id="same", **slots)
    assert len(city.chat_payments(SAMUEL)) == 1


# --- done: cancel and paperless --------------------------------------------------------------
def test_cancel_yes_cancels(city: City) -> None:
    (scheduled,) = city.scheduled(GRACE)
    confirmation = scheduled["confirmation_number"]
    result = finish(city, GRACE, "cancel_scheduled_payment", cancel_choice=confirmation,
                    cancel_confirmed=True)

    assert city.payment(confirmation)["status"] == "cancelled"
    assert result.texts == [f"Cancelled: the $71.90 payment scheduled for Thursday, December 3 "
                            f"(confirmation {confirmation}) will not be made."]
    assert_task_slots_cleared(result)


def test_cancel_no_leaves_it(city: City) -> None:
    (scheduled,) = city.scheduled(GRACE)
    result = finish(city, GRACE, "cancel_scheduled_payment",
                    cancel_choice=scheduled["confirmation_number"], cancel_confirmed=False)
    assert result.texts == ["OK, I've left your scheduled payment as it is."]
    assert city.scheduled(GRACE)


def test_cancel_of_a_payment_on_another_account_is_refused(city: City) -> None:
    (scheduled,) = city.scheduled(GRACE)
    result = finish(city, DANA, "cancel_scheduled_payment",
                    cancel_choice=scheduled["confirmation_number"], cancel_confirmed=True)
    assert city.scheduled(GRACE)
    assert "Cancelled" not in result.text
    assert result.texts and result.texts[0]


def test_paperless_on_with_the_email_on_file(city: City) -> None:
    result = finish(city, AISHA, "enroll_paperless", paperless_email="on_file",
                    paperless_confirmed=True)

    account = city.account(AISHA)
    assert account["paperless"] and account["paperless_email"] == "aisha.rahman@example.com"
    assert result.texts == [
        "Done: paperless billing is on. Your bills will be emailed to a***n@example.com and "
        "paper bills will stop. We've sent a confirmation. (Not seeing the emails? Check your "
        "spam folder.)"]
    assert city.outbox("aisha.rahman@example.com")
    assert_task_slots_cleared(result)


def test_paperless_on_with_a_typed_email(city: City) -> None:
    finish(city, LUCIA, "enroll_paperless", paperless_email="lucia.h@example.com",
           paperless_confirmed=True)
    account = city.account(LUCIA)
    assert account["paperless"] and account["paperless_email"] == "lucia.h@example.com"


def test_paperless_not_confirmed_changes_nothing(city: City) -> None:
    result = finish(city, AISHA, "enroll_paperless", paperless_email="on_file",
                    paperless_confirmed=False)
    assert result.texts == ["OK, nothing changed: you'll keep getting paper bills."]
    assert not city.account(AISHA)["paperless"]


def test_paperless_off(city: City) -> None:
    result = finish(city, GRACE, "unenroll_paperless", unenroll_confirmed=True)
    account = city.account(GRACE)
    assert not account["paperless"] and account["paperless_email"] is None
    assert result.text.startswith("Done: paperless billing is off and paper bills will be "
                                  "mailed again.")
    assert len(city.scheduled(GRACE)) == 1  # scheduled payments still go through


def test_paperless_off_not_confirmed(city: City) -> None:
    result = finish(city, GRACE, "unenroll_paperless", unenroll_confirmed=False)
    assert result.texts == ["OK, paperless billing stays on."]
    assert city.account(GRACE)["paperless"]


# --- the other outcomes ----------------------------------------------------------------------
def test_stopped(city: City) -> None:
    result = finish(city, DANA, "pay_bill", "stopped", amount="40.00")
    assert result.texts == ["OK, I've stopped. Nothing was changed. What else can I help with?"]
    assert_task_slots_cleared(result)
    assert city.chat_payments(DANA) == [] and city.handoffs() == []


def test_goodbye_resets_every_slot(city: City) -> None:
    result = finish(city, DANA, "pay_bill", "goodbye", amount="40.00")
    # Leaving a payment half-way: the resident hears that nothing was paid.
    assert result.texts == ["OK, I've stopped: nothing was changed.", GOODBYE]
    assert result.events == [{"event": "reset_slots", "timestamp": None}]
    assert city.chat_payments(DANA) == []


def test_goodbye_after_a_balance_check_just_says_goodbye(city: City) -> None:
    result = finish(city, DANA, "check_balance", "goodbye")
    assert result.texts == [GOODBYE]
    assert result.events == [{"event": "reset_slots", "timestamp": None}]


def test_agent_records_a_handoff_with_the_context(city: City) -> None:
    result = finish(city, DANA, "pay_bill", "agent:amount", sender="chat-77")

    (handoff,) = city.handoffs()
    assert handoff["channel"] == "chat"
    assert handoff["session_key"] == "chat:chat-77"
    assert handoff["reason"] == "asked_for_agent"
    assert handoff["verified"]
    assert handoff["account_id"] == city.account_id(DANA)
    assert handoff["masked_account"] == "******0731"
    assert handoff["last_step"] == "amount"
    assert handoff["intent"] == "pay_now"
    assert "0104200731" not in handoff["summary"]
    assert result.texts == [f"To talk to a person, {REACH_311}. I've passed along what you were "
                            f"doing here (reference {handoff['id']}), so the agent can pick up "
                            "where you left off."]
    assert_task_slots_cleared(result)


def test_agent_before_verifying(city: City) -> None:
    result = finish(city, None, "schedule_payment", "agent:verification_factor")
    (handoff,) = city.handoffs()
    assert not handoff["verified"]
    assert handoff["account_id"] is None and handoff["masked_account"] is None
    assert handoff["last_step"] == "verification_factor"
    assert handoff["intent"] == "schedule"
    assert "311" in result.text


def test_locked_records_a_locked_out_handoff(city: City) -> None:
    result = finish(city, None, "pay_bill", "locked")
    (handoff,) = city.handoffs()
    assert handoff["reason"] == "locked_out"
    assert handoff["channel"] == "chat"
    assert not handoff["verified"]
    assert result.texts[0] == LOCKED
    assert REACH_311 in result.texts[1]
    assert_task_slots_cleared(result)


def test_locked_after_three_failures_end_to_end(city: City) -> None:
    conversation = Conversation("pay_form", sender="locker")
    conversation.start()
    for _ in range(3):
        conversation.say(AISHA)
        conversation.say("77")
    assert conversation.slots["form_outcome"] == "locked"
    result = conversation.finish()
    assert result.texts[0] == LOCKED
    assert city.handoffs()[0]["reason"] == "locked_out"
    assert city.handoffs()[0]["session_key"] == "chat:locker"


def test_throttled(city: City) -> None:
    result = finish(city, None, "check_balance", "throttled")
    assert result.texts == [f"{THROTTLED} Please wait a while, or {REACH_311}."]
    assert_task_slots_cleared(result)


@pytest.mark.parametrize(("intent", "label"), [
    ("check_balance", "check your balance"),
    ("cancel_scheduled_payment", "cancel a scheduled payment"),
    ("enroll_paperless", "set up paperless billing"),
])
def test_switch_sets_switch_to(city: City, intent: str, label: str) -> None:
    result = finish(city, DANA, "pay_bill", f"switch:{intent}", amount="40.00")
    assert result.texts == [f"OK, let's {label} instead."]
    assert_task_slots_cleared(result, switch_to=intent)


def test_switch_to_something_unknown_switches_nowhere(city: City) -> None:
    result = finish(city, DANA, "pay_bill", "switch:order_pizza")
    assert_task_slots_cleared(result, switch_to=None)


@pytest.mark.parametrize("outcome", ["failed", "nothing_to_do"])
def test_failed_and_nothing_to_do_only_clear(city: City, outcome: str) -> None:
    """The form already said why; finishing must not act or repeat it."""
    result = finish(city, DANA, "pay_bill", outcome, **paying(city, DANA, "4242"))
    assert result.messages == []
    assert city.chat_payments(DANA) == []
    assert_task_slots_cleared(result)


def test_an_unexpected_error_is_apologised_for(city: City,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(type(city.container), "payment_service", broken)
    result = finish(city, DANA, "pay_bill", **paying(city, DANA, None))
    assert "nothing was changed" in result.text
    assert "boom" not in result.text
    assert_task_slots_cleared(result)


# --- SMS -------------------------------------------------------------------------------------
def test_sms_handoff_is_recorded_as_sms(city: City) -> None:
    city.verify_thread(DANA)
    finish(city, DANA, "pay_bill", "agent:payment_method", sender=SMS_SENDER, metadata=SMS)
    (handoff,) = city.handoffs()
    assert handoff["channel"] == "sms"
    assert handoff["caller"] == "+13125550101"
    # The thread's key, as the keyword path records it: not the bot's sender id.
    assert handoff["session_key"] == "sms:+13125550101"
    assert handoff["verified"] and handoff["masked_account"] == "******0731"


def test_sms_handoff_of_a_thread_no_longer_verified_is_unverified(city: City) -> None:
    """The bot's slot is only a copy: a thread that ended (goodbye, idle) is not verified
    even while the slot still says so."""
    finish(city, DANA, "pay_bill", "agent:payment_method", sender=SMS_SENDER, metadata=SMS)
    (handoff,) = city.handoffs()
    assert not handoff["verified"] and handoff["account_id"] is None


def test_sms_payment_is_made_on_the_sms_channel(city: City) -> None:
    city.verify_thread(DANA)
    finish(city, DANA, "pay_bill", sender=SMS_SENDER, metadata=SMS,
           **paying(city, DANA, "4242"))
    (payment,) = city.chat_payments(DANA)
    assert payment["channel"] == "sms"
    assert payment["created_by"] == "resident:sms:+13125550101"


def test_sms_goodbye_ends_the_threads_verification_too(city: City) -> None:
    city.verify_thread(DANA)
    result = run(ActionEndConversation, tracker("bye", intent="goodbye", sender=SMS_SENDER,
                                                metadata=SMS))
    assert result.text == GOODBYE
    thread = city.thread()
    assert thread is not None and not thread.verified


# --- action_handoff and action_end_conversation --------------------------------------------
def test_handoff_outside_a_form_verified(city: City) -> None:
    result = run(ActionHandoff, tracker("talk to a person", intent="request_agent",
                                        sender="h-1", slots=city.verified(GRACE)))
    (handoff,) = city.handoffs()
    assert result.events == []
    assert handoff["reason"] == "asked_for_agent"
    assert handoff["verified"] and handoff["masked_account"] == "******7254"
    assert handoff["last_step"] == "menu"
    assert handoff["channel"] == "chat"
    assert result.texts == [f"To talk to a person, {REACH_311}. I've passed along what you were "
                            f"doing here (reference {handoff['id']}), so the agent can pick up "
                            "where you left off."]


def test_handoff_outside_a_form_unverified(city: City) -> None:
    result = run(ActionHandoff, tracker("agent", intent="request_agent", sender="h-2"))
    (handoff,) = city.handoffs()
    assert not handoff["verified"] and handoff["account_id"] is None
    assert handoff["intent"] == ""
    assert "311" in result.text


def test_handoff_by_sms(city: City) -> None:
    run(ActionHandoff, tracker("agent", intent="request_agent", sender=SMS_SENDER,
                               metadata=SMS))
    (handoff,) = city.handoffs()
    assert handoff["channel"] == "sms" and handoff["caller"] == "+13125550101"


def test_handoff_asked_twice_is_one_handoff(city: City) -> None:
    first = run(ActionHandoff, tracker("agent", intent="request_agent", sender="h-3"))
    second = run(ActionHandoff, tracker("agent!!", intent="request_agent", sender="h-3"))
    assert len(city.handoffs()) == 1
    assert first.texts == second.texts


def test_handoff_still_gives_the_number_when_it_cannot_be_recorded(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("handoff log down")

    monkeypatch.setattr(type(city.container), "handoff_service", broken)
    result = run(ActionHandoff, tracker("agent", intent="request_agent", sender="h-4"))
    assert result.texts == [f"To talk to a person, {REACH_311}."]


def test_end_conversation_says_goodbye_and_forgets_the_account(city: City) -> None:
    result = run(ActionEndConversation, tracker("bye", intent="goodbye",
                                                slots=city.verified(DANA)))
    assert result.texts == [GOODBYE]
    assert result.events == [{"event": "reset_slots", "timestamp": None}]


# --- card numbers never come back ----------------------------------------------------------
@pytest.mark.parametrize("slot", ["account_number", "amount", "payment_method",
                                  "pay_confirmed"])
@pytest.mark.parametrize("typed", ["4242424242424242", "4242 4242 4242 4242",
                                   "my card is 4000-0000-0000-0002 exp 12/30"])
def test_a_typed_card_number_is_never_echoed_or_kept(city: City, slot: str,
                                                     typed: str) -> None:
    slots: dict[str, Any] = {"active_task": "pay_bill", "requested_slot": slot}
    if slot != "account_number":
        slots.update(city.verified(DANA), amount="40.00",
                     payment_method=city.saved(DANA, "4242"))
    result = Conversation("pay_form", slots=slots).say(typed)  # run() checks every reply
    if slot == "account_number":
        return  # the chat page redacts card numbers before Rasa (ivr/chat/views.py)
    digits = re.sub(r"\D", "", typed)
    for name, value in result.slots.items():
        assert digits not in re.sub(r"\D", "", str(value)), name
