"""What residents do in the middle of a form: stop, ask for a person, say goodbye, ask a FAQ,
ask for help, start another task, check the balance while paying."""

from __future__ import annotations

import pytest

from chatbot.wording import Words
from tests.chatbot.action_support import (
    DANA,
    FORM_TASKS,
    FORMS,
    GRACE,
    LUCIA,
    SAMUEL,
    City,
    Conversation,
)

# A form of each kind, verified, waiting on its first task question.
MID_FORM = {
    "pay_form": (DANA, {}, "amount"),
    "schedule_form": (SAMUEL, {"amount": "40.00"}, "payment_date"),
    "cancel_form": (GRACE, {}, "cancel_choice"),
    "paperless_form": ("6604381127", {}, "paperless_email"),
    "unenroll_form": (GRACE, {}, "unenroll_confirmed"),
}


def mid_form(city: City, form: str, sender: str = "tester-1") -> Conversation:
    number, extra, slot = MID_FORM[form]
    return Conversation(form, sender=sender, slots={
        **city.verified(number), "active_task": FORM_TASKS[form], **extra,
        "requested_slot": slot})


def unverified(form: str, slot: str = "account_number") -> Conversation:
    slots = {"active_task": FORM_TASKS[form], "requested_slot": slot}
    if slot == "verification_factor":
        slots["account_number"] = DANA
    return Conversation(form, slots=slots)


@pytest.mark.parametrize("form", sorted(MID_FORM))
@pytest.mark.parametrize("text", ["stop", "Stop!", "never mind", "forget it", "cancel"])
def test_stop_ends_the_form_as_stopped(city: City, form: str, text: str) -> None:
    conversation = mid_form(city, form)
    asked = conversation.requested
    result = conversation.say(text, intent="inform")

    assert result.outcome == "stopped"
    assert result.requested is None
    assert result.slots[asked] is None  # answered with nothing: the form still accepts it
    assert result.messages == []  # action_finish_task says it


@pytest.mark.parametrize("form", sorted(MID_FORM))
@pytest.mark.parametrize("text", ["actually never mind, i'll do it later",
                                  "no thanks, maybe later", "I changed my mind",
                                  "olvídalo", "mejor lo hago después", "ya no quiero"])
def test_leaving_in_words_ends_the_form_with_nothing_changed(city: City, form: str,
                                                             text: str) -> None:
    # Whatever the NLU makes of it (here: an answer), the words leave the task.
    conversation = mid_form(city, form)
    asked = conversation.requested
    result = conversation.say(text, intent="inform")
    assert result.outcome == "stopped"
    assert result.requested is None
    assert result.slots[asked] is None


def test_leaving_at_the_paperless_email_is_not_taken_as_an_email(city: City) -> None:
    conversation = Conversation("paperless_form")
    conversation.verify(LUCIA)  # no email on file: the email is asked
    result = conversation.say("actually never mind, i'll do it later")
    assert result.outcome == "stopped" and result.slots["paperless_email"] is None


@pytest.mark.parametrize("slot", ["account_number", "verification_factor"])
def test_stop_while_verifying(city: City, slot: str) -> None:
    result = unverified("pay_form", slot).say("stop")
    assert result.outcome == "stopped"
    assert result.requested is None


@pytest.mark.parametrize("form", ["pay_form", "cancel_form"])
def test_deny_at_a_question_that_is_not_yes_no_stops(city: City, form: str) -> None:
    result = mid_form(city, form).say("no", intent="deny")
    assert result.outcome == "stopped"
    assert result.requested is None


@pytest.mark.parametrize("form", sorted(MID_FORM))
def test_request_agent_names_the_step(city: City, form: str) -> None:
    conversation = mid_form(city, form)
    asked = conversation.requested
    result = conversation.say("can I talk to a person", intent="request_agent")
    assert result.outcome == f"agent:{asked}"
    assert result.requested is None


@pytest.mark.parametrize("slot", ["account_number", "verification_factor"])
def test_request_agent_while_verifying(city: City, slot: str) -> None:
    result = unverified("balance_form", slot).say("agent", intent="request_agent")
    assert result.outcome == f"agent:{slot}"


@pytest.mark.parametrize("form", ["pay_form", "unenroll_form"])
def test_goodbye_ends_the_form(city: City, form: str) -> None:
    result = mid_form(city, form).say("bye", intent="goodbye")
    assert result.outcome == "goodbye"
    assert result.requested is None


@pytest.mark.parametrize("form", sorted(MID_FORM))
def test_faq_is_answered_and_the_same_question_asked_again(city: City, form: str) -> None:
    conversation = mid_form(city, form)
    asked = conversation.requested
    answer = "Paying by card adds a $1.25 convenience fee; bank payments have none."
    result = conversation.say("is there a fee?", intent="faq", faq=answer)

    assert result.texts == [answer]
    assert result.requested == asked
    assert result.outcome is None
    assert result.slots[asked] is None


def test_faq_while_verifying_keeps_the_account_number(city: City) -> None:
    conversation = unverified("pay_form", "verification_factor")
    result = conversation.say("where is my account number?", intent="faq",
                              faq="It is the 10-digit number at the top right of your bill.")
    assert result.requested == "verification_factor"
    assert conversation.slots["account_number"] == DANA
    assert city.attempts() == []


@pytest.mark.parametrize(("form", "slot"), [("pay_form", "amount"),
                                            ("schedule_form", "payment_date"),
                                            ("balance_form", "account_number"),
                                            ("balance_form", "verification_factor")])
def test_help_gives_the_hint_for_the_question(city: City, form: str, slot: str) -> None:
    if slot in ("account_number", "verification_factor"):
        conversation = unverified(form, slot)
    else:
        conversation = mid_form(city, form)
    result = conversation.say("help", intent="help")

    assert result.texts == [Words("en").say(f"hint.{slot}")]
    assert result.requested == slot
    assert result.outcome is None


def test_help_at_the_factor_explains_both_factors(city: City) -> None:
    result = unverified("pay_form", "verification_factor").say("what?", intent="help")
    assert result.texts == [Words("en").say("verify.need_factor")]


def test_out_of_scope_is_declined_and_the_question_asked_again(city: City) -> None:
    result = mid_form(city, "pay_form").say("what's the weather", intent="out_of_scope")
    assert result.texts == [Words("en").say("only_bills")]
    assert result.requested == "amount"


@pytest.mark.parametrize("intent", ["greet", "thank"])
def test_greet_and_thanks_just_ask_again(city: City, intent: str) -> None:
    result = mid_form(city, "pay_form").say("hi", intent=intent)
    assert result.messages == []
    assert result.requested == "amount"
    assert result.outcome is None


@pytest.mark.parametrize(("form", "intent"), [
    ("pay_form", "cancel_scheduled_payment"),
    ("pay_form", "enroll_paperless"),
    ("schedule_form", "pay_bill"),
    ("cancel_form", "payment_status"),
    ("paperless_form", "unenroll_paperless"),
    ("unenroll_form", "schedule_payment"),
])
def test_another_task_switches(city: City, form: str, intent: str) -> None:
    result = mid_form(city, form).say("something else", intent=intent, confidence=0.9)
    assert result.outcome == f"switch:{intent}"
    assert result.requested is None


def test_switch_at_exactly_the_threshold(city: City) -> None:
    result = mid_form(city, "pay_form").say("cancel my scheduled payment",
                                            intent="cancel_scheduled_payment", confidence=0.7)
    assert result.outcome == "switch:cancel_scheduled_payment"


def test_switch_while_verifying(city: City) -> None:
    result = unverified("pay_form").say("actually what's my balance", intent="check_balance",
                                        confidence=0.95)
    assert result.outcome == "switch:check_balance"


def test_check_balance_while_verified_answers_and_asks_again(city: City) -> None:
    conversation = mid_form(city, "pay_form")
    result = conversation.say("wait, what's my balance?", intent="check_balance",
                              confidence=0.93)

    assert result.outcome is None
    assert result.requested == "amount"
    assert "owes $146.57" in result.texts[0]
    assert "$84.17 of that is past due" in result.texts[0]
    assert conversation.slots["active_task"] == "pay_bill"


def test_low_confidence_other_intent_is_an_answer(city: City) -> None:
    result = mid_form(city, "pay_form").say("40", intent="check_balance", confidence=0.5)
    assert result.outcome is None
    assert result.slots["amount"] == "40.00"
    assert result.requested == "payment_method"


def test_task_intent_that_answers_the_question_is_not_a_switch(city: City) -> None:
    """"pay $40" answers "how much should the scheduled payment be?"."""
    conversation = Conversation("schedule_form", slots={
        **city.verified(SAMUEL), "active_task": "schedule_payment", "requested_slot": "amount"})
    result = conversation.say("pay $40", intent="pay_bill", confidence=0.92,
                              entities={"amount": "$40"})
    assert result.outcome is None
    assert result.slots["amount"] == "40.00"
    assert result.requested == "payment_date"


def test_same_task_intent_is_an_answer(city: City) -> None:
    result = mid_form(city, "pay_form").say("pay 40", intent="pay_bill", confidence=0.99)
    assert result.outcome is None
    assert result.slots["amount"] == "40.00"


@pytest.mark.parametrize("form", sorted(FORMS))
def test_interruptions_never_verify_or_count(city: City, form: str) -> None:
    conversation = unverified(form, "verification_factor")
    for text, intent in (("help", "help"), ("hello", "greet"), ("is there a fee", "faq")):
        conversation.say(text, intent=intent, faq="A FAQ answer.")
    assert conversation.requested == "verification_factor"
    assert city.attempts() == []


def test_a_failing_service_ends_the_form_as_failed(city: City,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(type(city.container), "identity_service", broken)
    conversation = unverified("pay_form", "verification_factor")
    result = conversation.say("1234")

    assert result.outcome == "failed"
    assert result.requested is None
    assert "nothing was changed" in result.text
    assert "database" not in result.text


def test_a_domain_error_is_said_and_ends_the_form_as_failed(city: City) -> None:
    """A conversation whose account no longer exists: the domain's own words, then failed."""
    result = Conversation("pay_form", slots={"verified_account_id": "99999"}).start()
    assert result.outcome == "failed"
    assert result.text == "We could not find that account."
