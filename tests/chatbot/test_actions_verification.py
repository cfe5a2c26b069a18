"""validate_<form>: starting every form, and verifying inside it (docs/architecture.md §4).

Account number + street number or SSN/Tax ID last 4, or customer ID + bill number; one generic
message for every failure; malformed input counts nothing; three failures lock the account;
a session spraying accounts is throttled.
"""

from __future__ import annotations

import pytest

from chatbot.wording import Words
from tests.chatbot.action_support import (
    AISHA,
    DANA,
    FORM_TASKS,
    FORMS,
    GRACE,
    JORDAN,
    SAMUEL,
    SMS,
    SMS_SENDER,
    VICTOR,
    City,
    Conversation,
    run,
    tracker,
)

VERIFICATION_SLOTS = ("account_number", "verification_factor", "customer_id", "bill_number")

# Who to verify for each form, and what comes right after: the first task question, or the
# end of the form (balance and status have nothing to ask once verified).
AFTER_VERIFIED = {
    "balance_form": (DANA, None, "done"),
    "status_form": (DANA, None, "done"),
    "pay_form": (DANA, "amount", None),
    "schedule_form": (SAMUEL, "amount", None),
    "cancel_form": (GRACE, "cancel_confirmed", None),  # her one scheduled payment is chosen
    "paperless_form": (AISHA, "paperless_email", None),
    "unenroll_form": (GRACE, "unenroll_confirmed", None),
}
ALL_FORMS = sorted(FORMS)


def assert_verified(city: City, result, number: str) -> None:
    slots = result.slots
    assert slots["verified_account_id"] == str(city.account_id(number))
    assert slots["account_label"] == f"the account ending {number[-4:]}"
    for slot in VERIFICATION_SLOTS:
        assert slot in slots and slots[slot] is None, f"{slot} not cleared"
    assert f"you're verified for the account ending {number[-4:]}" in result.text


# --- starting a form ---------------------------------------------------------------------
@pytest.mark.parametrize("form", ALL_FORMS)
def test_start_unverified_asks_the_account_number(city: City, form: str) -> None:
    result = Conversation(form).start()

    assert result.requested == "account_number"
    assert result.slots["active_task"] == FORM_TASKS[form]
    assert result.slots["form_outcome"] is None
    assert result.slots["switch_to"] is None
    assert "verified_account_id" not in result.slots
    assert result.messages == []  # the question itself is utter_ask_account_number


@pytest.mark.parametrize("form", ALL_FORMS)
def test_start_verified_goes_to_the_task(city: City, form: str) -> None:
    number, first_question, outcome = AFTER_VERIFIED[form]
    result = Conversation(form, slots=city.verified(number)).start()

    assert result.requested == first_question
    assert result.outcome == outcome
    assert result.slots["active_task"] == FORM_TASKS[form]
    assert "account_number" not in {k for k, v in result.slots.items() if v}
    assert city.attempts() == []  # no new verification


def test_start_clears_the_outcome_of_the_previous_task(city: City) -> None:
    result = Conversation("pay_form", slots={"form_outcome": "stopped",
                                             "switch_to": "pay_bill"}).start()
    assert result.slots["form_outcome"] is None
    assert result.slots["switch_to"] is None


# --- verifying -----------------------------------------------------------------------------
@pytest.mark.parametrize("form", ALL_FORMS)
def test_account_number_then_street_number_verifies(city: City, form: str) -> None:
    number, first_question, outcome = AFTER_VERIFIED[form]
    conversation = Conversation(form)
    conversation.start()

    asked = conversation.say(number)
    assert asked.slots["account_number"] == number
    assert asked.requested == "verification_factor"
    assert asked.messages == []

    result = conversation.say({DANA: "1234", SAMUEL: "3021", GRACE: "88", AISHA: "19"}[number])
    assert_verified(city, result, number)
    assert result.requested == first_question
    assert result.outcome == outcome
    attempt = city.attempts()[-1]
    assert attempt["succeeded"] and attempt["channel"] == "chat"
    assert attempt["session_key"] == "chat:tester-1"
    assert city.failures(number) == 0


@pytest.mark.parametrize("answer", ["ssn 4821", "SSN: 4821", "last four of my social is 4821"])
def test_ssn_last4_verifies(city: City, answer: str) -> None:
    conversation = Conversation("pay_form")
    conversation.start()
    conversation.say(DANA)
    result = conversation.say(answer)

    assert_verified(city, result, DANA)
    assert result.requested == "amount"


def test_ssn_last4_entity_verifies(city: City) -> None:
    conversation = Conversation("balance_form")
    conversation.start()
    conversation.say(DANA)
    result = conversation.say("my social ends in 4821", entities={"ssn_last4": "4821"})
    assert_verified(city, result, DANA)
    assert result.outcome == "done"


def test_a_bare_number_the_nlu_tags_as_an_ssn_is_the_street_number_asked_for(
        city: City) -> None:
    # The question asks for the street number unless the resident says "SSN": a model's
    # ssn_last4 guess on a bare "1234" must not count a failed attempt against Dana.
    conversation = Conversation("balance_form")
    conversation.start()
    conversation.say(DANA)
    result = conversation.say("it's 1234", entities={"ssn_last4": "1234"})
    assert_verified(city, result, DANA)
    assert city.failures(DANA) == 0


def test_an_opening_ssn_guess_without_ssn_words_is_not_tried_as_the_ssn(city: City) -> None:
    result = Conversation("balance_form").start(
        "balance for 0104200731 1234", intent="check_balance",
        entities={"account_number": DANA, "ssn_last4": "1234"})
    assert result.slots["account_number"] == DANA
    assert result.requested == "verification_factor"  # asked, not guessed
    assert city.failures(DANA) == 0 and not city.attempts()


@pytest.mark.parametrize("typed", ["0104200731", "0104-200-731", "0104 200 731",
                                   "my account number is 0104200731"])
def test_account_number_as_typed_on_the_bill(city: City, typed: str) -> None:
    conversation = Conversation("balance_form")
    conversation.start()
    assert conversation.say(typed).slots["account_number"] == DANA


def test_account_number_keeps_leading_zeros(city: City) -> None:
    conversation = Conversation("balance_form")
    conversation.start()
    assert conversation.say("0045129907").slots["account_number"] == "0045129907"
    assert_verified(city, conversation.say("2210"), "0045129907")


def test_customer_id_and_bill_number_verify(city: City) -> None:
    conversation = Conversation("balance_form")
    conversation.start()

    asked = conversation.say("customer ID 200145")
    assert asked.slots["id_path"] == "customer"
    assert asked.slots["customer_id"] == JORDAN
    assert asked.slots["account_number"] is None
    assert asked.requested == "bill_number"

    result = conversation.say("610026")
    assert_verified(city, result, JORDAN)
    assert result.outcome == "done"


def test_customer_id_entity_with_bill_number_verifies_in_one_turn(city: City) -> None:
    conversation = Conversation("pay_form")
    conversation.start()
    result = conversation.say("customer 200145 bill 610025",
                              entities={"customer_id": JORDAN, "bill_number": "610025"})
    assert_verified(city, result, JORDAN)
    assert result.requested == "amount"


def test_customer_id_with_a_wrong_bill_number_fails_generically(city: City) -> None:
    conversation = Conversation("balance_form")
    conversation.start()
    conversation.say("customer 200145")
    result = conversation.say("610099")

    assert result.text == Words("en").say("verify.failed_general")
    assert result.requested == "account_number"
    for slot in (*VERIFICATION_SLOTS, "id_path"):
        assert result.slots[slot] is None
    assert "verified_account_id" not in result.slots
    assert city.failures(JORDAN) == 1


@pytest.mark.parametrize("form", ALL_FORMS)
def test_wrong_factor_gets_the_generic_message_and_starts_over(city: City, form: str) -> None:
    conversation = Conversation(form)
    conversation.start()
    conversation.say(DANA)
    result = conversation.say("999")

    assert result.text == Words("en").say("verify.failed")
    assert result.requested == "account_number"
    for slot in (*VERIFICATION_SLOTS, "id_path"):
        assert result.slots[slot] is None
    assert "verified_account_id" not in result.slots
    assert result.outcome is None
    assert city.failures(DANA) == 1
    assert not city.attempts()[-1]["succeeded"]


def test_unknown_account_gets_the_same_message_as_a_wrong_factor(city: City) -> None:
    conversation = Conversation("balance_form")
    conversation.start()
    conversation.say("9999999999")
    result = conversation.say("12")
    assert result.text == Words("en").say("verify.failed")
    assert result.requested == "account_number"


def test_general_billing_customer_id_is_not_an_account_number(city: City) -> None:
    conversation = Conversation("balance_form")
    conversation.start()
    conversation.say(JORDAN)  # typed as an account number, without "customer"
    result = conversation.say("123")
    assert result.text == Words("en").say("verify.failed")


# --- malformed input: a polite message, nothing counted -----------------------------------
@pytest.mark.parametrize("text", ["😀", "", "   ", "x" * 2000, "9" * 2000, "abc",
                                  "one two three"],
                         ids=["emoji", "empty", "blank", "2000-letters", "2000-digits",
                              "letters", "words"])
def test_malformed_account_number_is_asked_again_and_not_counted(city: City, text: str) -> None:
    conversation = Conversation("pay_form")
    conversation.start()
    result = conversation.say(text)

    assert result.requested == "account_number"
    assert not result.slots.get("account_number")
    assert result.texts and all(result.texts)
    assert "couldn't verify" not in result.text
    assert city.attempts() == []


def test_letters_inside_an_account_number_are_not_dropped(city: City) -> None:
    """"01042OO731" (letter O for zero) is a typo to point out, not account 01042."""
    conversation = Conversation("pay_form")
    conversation.start()
    result = conversation.say("01042OO731")

    assert result.requested == "account_number", result.slots
    assert not result.slots.get("account_number")
    assert result.texts and "couldn't verify" not in result.text
    conversation.say("1234")
    assert city.attempts() == []
    assert city.failures(DANA) == 0


@pytest.mark.parametrize("text", ["😀", "", "x" * 2000, "ssn 12", "ssn", "the red house",
                                  "12345678"],
                         ids=["emoji", "empty", "2000-chars", "short-ssn", "ssn-no-digits",
                              "words", "too-long-street"])
def test_malformed_factor_is_asked_again_and_not_counted(city: City, text: str) -> None:
    conversation = Conversation("pay_form")
    conversation.start()
    conversation.say(DANA)
    result = conversation.say(text)

    assert result.requested == "verification_factor"
    assert result.slots["verification_factor"] is None
    assert result.text == Words("en").say("verify.need_factor")
    assert conversation.slots["account_number"] == DANA  # kept: only the factor is re-asked
    assert city.attempts() == []
    assert city.failures(DANA) == 0


def test_malformed_bill_number_is_asked_again_and_not_counted(city: City) -> None:
    conversation = Conversation("balance_form")
    conversation.start()
    conversation.say("customer 200145")
    result = conversation.say("🙂🙂")
    assert result.requested == "bill_number"
    assert result.text == Words("en").say("verify.need_bill_number")
    assert city.attempts() == []


# --- lock-out and throttling -----------------------------------------------------------------
@pytest.mark.parametrize("form", ["pay_form", "balance_form"])
def test_third_failure_locks_the_account(city: City, form: str) -> None:
    conversation = Conversation(form)
    conversation.start()
    for _ in range(2):
        conversation.say(AISHA)
        assert conversation.say("999").requested == "account_number"
    conversation.say(AISHA)
    result = conversation.say("999")

    assert result.outcome == "locked"
    assert result.requested is None
    # The factor is gone; the account tried stays for the handoff (action_finish_task masks
    # it into the record, then clears it).
    for slot in ("verification_factor", "customer_id", "bill_number", "id_path"):
        assert result.slots[slot] is None
    assert result.slots["account_number"] == AISHA
    account = city.account(AISHA)
    assert account["failed_verifications"] == 3
    assert account["locked_at"] is not None


@pytest.mark.parametrize("form", ["pay_form", "status_form", "unenroll_form"])
def test_locked_account_with_the_right_factor_is_locked(city: City, form: str) -> None:
    conversation = Conversation(form)
    conversation.start()
    conversation.say(VICTOR)
    result = conversation.say("45")

    assert result.outcome == "locked"
    assert result.requested is None
    assert "verified_account_id" not in result.slots


def test_locked_account_answers_a_wrong_factor_as_it_answers_the_right_one(city: City) -> None:
    """Issue 14 §2: were only the right answer told "locked", the lock-out would be an oracle
    for guessing the factor."""
    results = []
    for sender, factor in (("right", "45"), ("wrong", "46"), ("right-ssn", "ssn 6650"),
                           ("wrong-ssn", "ssn 6651")):
        conversation = Conversation("pay_form", sender=sender)
        conversation.start()
        conversation.say(VICTOR)
        result = conversation.say(factor)
        results.append((result.outcome, result.text, result.requested))
        assert "verified_account_id" not in result.slots
    assert results == [("locked", results[0][1], None)] * 4
    assert [a["succeeded"] for a in city.attempts()] == [False] * 4
    assert city.failures(VICTOR) == 3 + 4  # every try on the locked account is counted


def test_an_unknown_number_locks_like_a_real_one_across_chat_sessions(city: City) -> None:
    outcomes = {}
    for number in (AISHA, "6604389999"):
        seen = []
        for session in range(4):
            conversation = Conversation("balance_form", sender=f"{number}-{session}")
            conversation.start()
            conversation.say(number)
            seen.append(conversation.say("999").outcome)
        outcomes[number] = seen
    assert outcomes[AISHA] == outcomes["6604389999"] == [None, None, "locked", "locked"]
    # What was tried is stored as a keyed hash, never as the digits.
    assert not any("6604389999" in a["account_ref"] or AISHA in a["account_ref"]
                   for a in city.attempts())


def test_spraying_accounts_is_throttled(city: City) -> None:
    conversation = Conversation("balance_form", sender="sprayer")
    conversation.start()
    for n in range(5):
        conversation.say(f"90000000{n:02d}")
        assert conversation.say("12").outcome is None
    conversation.say("9000000099")
    result = conversation.say("12")

    assert result.outcome == "throttled"
    assert result.requested is None


# --- the opening message ---------------------------------------------------------------------
def test_opening_with_account_and_street_entities_verifies_at_once(city: City) -> None:
    result = Conversation("balance_form").start(
        "balance for 0104200731, 1234 Elm St", intent="check_balance",
        entities={"account_number": DANA, "street_number": "1234"})
    assert_verified(city, result, DANA)
    assert result.outcome == "done"


def test_opening_with_only_an_account_number_asks_the_factor(city: City) -> None:
    result = Conversation("pay_form").start("pay my bill, account 0104200731",
                                            intent="pay_bill",
                                            entities={"account_number": DANA})
    assert result.slots["account_number"] == DANA
    assert result.requested == "verification_factor"


def test_opening_with_amount_and_identity_takes_both(city: City) -> None:
    result = Conversation("pay_form").start(
        "pay $40 on 0104200731 street 1234", intent="pay_bill",
        entities={"amount": "$40", "account_number": DANA, "street_number": "1234"})
    assert_verified(city, result, DANA)
    assert result.slots["amount"] == "40.00"
    assert result.requested == "payment_method"


def test_opening_amount_is_kept_until_verified(city: City) -> None:
    conversation = Conversation("pay_form")
    started = conversation.start("pay $40", intent="pay_bill", entities={"amount": "$40"})
    assert started.requested == "account_number"

    conversation.say(DANA)
    result = conversation.say("1234")
    assert result.slots["amount"] == "40.00"
    assert result.requested == "payment_method"


def test_opening_amount_too_large_is_refused_after_verifying(city: City) -> None:
    conversation = Conversation("pay_form")
    conversation.start("pay $900", intent="pay_bill", entities={"amount": "$900"})
    conversation.say(DANA)
    result = conversation.say("1234")
    assert result.slots["amount"] is None
    assert result.requested == "amount"
    assert "$146.57" in result.text


# --- SMS -----------------------------------------------------------------------------------
def test_sms_attempts_are_recorded_as_sms_with_the_sender(city: City) -> None:
    conversation = Conversation("balance_form", sender=SMS_SENDER, metadata=SMS)
    conversation.start()
    conversation.say(DANA)
    conversation.say("999")
    conversation.say(DANA)
    conversation.say("1234")

    failed, succeeded = city.attempts()
    for attempt in (failed, succeeded):
        assert attempt["channel"] == "sms"
        assert attempt["caller"] == "+13125550101"
        assert attempt["session_key"] == "sms:+13125550101"
    assert not failed["succeeded"] and succeeded["succeeded"]


def test_a_thread_verified_by_its_keywords_is_verified_in_the_bot(city: City) -> None:
    city.verify_thread(DANA)  # BAL, then the account number and street number
    result = Conversation("balance_form", sender=SMS_SENDER, metadata=SMS).start()
    assert result.slots["form_outcome"] == "done"  # nothing asked
    assert result.slots["verified_account_id"] == str(city.account_id(DANA))
    assert result.slots["account_label"] == "the account ending 0731"
    assert city.attempts() == []


def test_a_resident_verified_in_the_bot_is_verified_on_the_thread(city: City) -> None:
    conversation = Conversation("pay_form", sender=SMS_SENDER, metadata=SMS)
    conversation.start()
    conversation.say(DANA)
    conversation.say("1234")
    thread = city.thread()
    assert thread is not None and thread.account_id == city.account_id(DANA)
    assert thread.verification is not None and thread.verification.verified_at is not None


def test_a_thread_that_forgot_the_resident_asks_again_whatever_the_slot(city: City) -> None:
    """The slot is only a copy of the thread's verification (which ended: goodbye, idle)."""
    conversation = Conversation("balance_form", sender=SMS_SENDER, metadata=SMS,
                                slots=dict(city.verified(DANA)))
    result = conversation.start()
    assert result.requested == "account_number"
    assert result.slots["verified_account_id"] is None
    assert result.slots["account_label"] is None


def test_web_chat_verification_stays_the_chats(city: City) -> None:
    city.verify_thread(DANA)  # someone's SMS thread: no business of a chat
    result = Conversation("balance_form", sender="chat-1").start()
    assert result.requested == "account_number"


def test_caller_id_alone_never_verifies(city: City) -> None:
    result = Conversation("balance_form", sender=SMS_SENDER, metadata=SMS).start()
    assert result.requested == "account_number"
    assert "verified_account_id" not in result.slots


def test_form_answers_even_when_nothing_changed(city: City) -> None:
    """Rasa leaves a form whose validation sets nothing: the asked slot is always answered."""
    result = run(FORMS["pay_form"], tracker("🙂", requested="account_number", form="pay_form"))
    names = [e["name"] for e in result.events if e.get("event") == "slot"]
    assert "account_number" in names
    assert names[-1] == "requested_slot"
