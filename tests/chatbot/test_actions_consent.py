"""Consent at every confirmation (issue 14 §7): a question, a correction or anything unclear
is answered or applied and the confirmation asked again; money moves and accounts change
only on a clear yes, "no" only on a clear no. And every way of taking leave ends the
verification.

The intents and confidences are the trained model's for these texts (see
tests/unit/test_consent.py): "is there a fee?" was affirm at 0.71 and paid; "wait is there a
fee for that?" was deny at 0.99 and cancelled."""

from __future__ import annotations

from typing import Any

import pytest

from chatbot.actions.finish import ActionEndConversation, ActionSmallTalk
from chatbot.actions.payment_forms import ValidatePayForm
from chatbot.wording import Words
from tests.chatbot.action_support import (
    AISHA,
    DANA,
    GRACE,
    LUCIA,
    SAMUEL,
    City,
    Conversation,
    run,
    tracker,
)

GOODBYE = Words("en").say("goodbye")

FEE_QUESTIONS = [("is there a fee?", "affirm", 0.706),
                 ("wait is there a fee for that?", "deny", 0.993),
                 ("yes but is there a fee?", "affirm", 0.999),
                 ("so how much is the total?", "affirm", 0.95),
                 ("¿hay un cargo?", "affirm", 0.97)]


def confirming(city: City, number: str = DANA, form: str = "pay_form",
               **slots: Any) -> Conversation:
    """A verified pay (or schedule) form at "Shall I go ahead?"."""
    task = "pay_bill" if form == "pay_form" else "schedule_payment"
    method = slots.pop("payment_method", None) or city.saved(number, "4242")
    return Conversation(form, slots={**city.verified(number), "active_task": task,
                                     "amount": "40.00", "payment_method": method, **slots,
                                     "requested_slot": "pay_confirmed"})


# --- pay now ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "intent", "confidence"), FEE_QUESTIONS)
def test_a_fee_question_pays_nothing_answers_the_fee_and_asks_again(
        city: City, text: str, intent: str, confidence: float) -> None:
    conversation = confirming(city)
    result = conversation.say(text, intent=intent, confidence=confidence)

    assert result.slots["pay_confirmed"] is None
    assert result.outcome is None
    assert result.requested == "pay_confirmed"  # Rasa asks the summary again
    assert result.texts == ["Yes: paying with VISA ending 4242 adds a $1.25 convenience fee, "
                            "so the total is $41.25. Paying from a bank account has no fee. "
                            "Nothing happens until you say yes."]
    assert city.chat_payments(DANA) == []


def test_the_question_asked_again_states_the_fee_and_total(city: City) -> None:
    conversation = confirming(city)
    conversation.say("is there a fee?", intent="affirm", confidence=0.706)
    asked = conversation.ask()
    assert "Convenience fee $1.25, total $41.25. Shall I go ahead?" in asked.text
    assert asked.buttons == [{"title": "Yes", "payload": "yes"},
                             {"title": "No", "payload": "no"}]


def test_then_yes_pays_once(city: City) -> None:
    conversation = confirming(city)
    conversation.say("is there a fee?", intent="affirm", confidence=0.706)
    conversation.say("wait is there a fee for that?", intent="deny", confidence=0.993)
    assert city.chat_payments(DANA) == []

    result = conversation.say("yes", intent="affirm", confidence=1.0)
    assert result.slots["pay_confirmed"] is True and result.outcome == "done"
    done = conversation.finish()
    assert "Payment approved: $40.00 plus a $1.25 fee ($41.25 in all)" in done.text
    (payment,) = city.chat_payments(DANA)
    assert payment["amount_cents"] == 4000 and payment["fee_cents"] == 125


def test_a_fee_question_about_a_bank_payment_says_there_is_none(city: City) -> None:
    conversation = confirming(city, SAMUEL, payment_method=city.saved(SAMUEL, "6789"))
    result = conversation.say("is there a fee?", intent="affirm", confidence=0.706)
    assert result.texts == ["There's no fee for paying with checking account ending 6789: the "
                            "total is $40.00. Nothing happens until you say yes."]
    assert result.slots["pay_confirmed"] is None


def test_a_fee_question_about_a_pay_link_gives_both(city: City) -> None:
    conversation = confirming(city, LUCIA, payment_method="link")
    result = conversation.say("is there a fee?", intent="affirm", confidence=0.706)
    assert result.texts == ["By card there's a $1.25 convenience fee, so you'd pay $41.25 in "
                            "all; from a bank account there's no fee. Nothing happens until "
                            "you say yes."]
    assert result.slots["pay_confirmed"] is None


def test_another_question_gets_the_faq_answer_and_no_payment(city: City) -> None:
    answer = "Card payments post almost right away."
    result = confirming(city).say("when will it post?", intent="affirm", confidence=0.93,
                                  faq=answer)
    assert result.texts == [answer]
    assert result.slots["pay_confirmed"] is None
    assert result.requested == "pay_confirmed"


def test_a_question_is_not_applied_as_a_change_of_method(city: City) -> None:
    """"Is there a fee for a new card?" asks; it does not switch to a pay link."""
    conversation = confirming(city, SAMUEL, payment_method=city.saved(SAMUEL, "6789"))
    result = conversation.say("is there a fee for a new card?", intent="affirm",
                              confidence=0.8)
    assert result.slots.get("payment_method", conversation.slots["payment_method"]) == \
        city.saved(SAMUEL, "6789")
    assert result.slots["pay_confirmed"] is None


@pytest.mark.parametrize(("text", "intent", "confidence"), [
    ("purple", "affirm", 0.579),  # above the NLU's fallback threshold: it used to pay
    ("maybe", "affirm", 0.95),
    ("hold on", "deny", 0.96),
    ("yes no", "affirm", 0.99),
])
def test_unclear_answers_pay_nothing_and_ask_again(city: City, text: str, intent: str,
                                                   confidence: float) -> None:
    result = confirming(city).say(text, intent=intent, confidence=confidence)
    assert result.slots["pay_confirmed"] is None
    assert result.texts == ["Please answer yes or no."]
    assert result.requested == "pay_confirmed"


def test_yes_with_a_change_of_method_confirms_the_new_method_first(city: City) -> None:
    conversation = confirming(city, SAMUEL, payment_method="link")
    result = conversation.say("yes, use my checking", intent="affirm", confidence=0.99)
    assert result.slots["payment_method"] == city.saved(SAMUEL, "6789")
    assert result.slots["pay_confirmed"] is None
    assert result.outcome is None


def test_a_question_with_a_new_amount_applies_it_and_asks_again(city: City) -> None:
    conversation = confirming(city)
    result = conversation.say("can i make it $50 instead?", intent="affirm", confidence=0.9,
                              entities={"amount": "$50"})
    assert result.slots["amount"] == "50.00"
    assert result.slots["pay_confirmed"] is None
    assert result.outcome is None
    assert city.chat_payments(DANA) == []


@pytest.mark.parametrize("text", ["wait is there a fee for that?", "no, wait"])
def test_only_a_clear_no_declines(city: City, text: str) -> None:
    result = confirming(city).say(text, intent="deny", confidence=0.99)
    assert result.slots["pay_confirmed"] is None
    assert result.outcome is None


def test_the_yes_button_is_a_yes(city: City) -> None:
    """The payload of a button the bot offered counts as that answer (buttons arrive as the
    payload text, from the chat page and from SMS digits alike)."""
    conversation = confirming(city)
    offered = [{"event": "bot", "text": "Shall I go ahead?",
                "data": {"buttons": [{"title": "Yes", "payload": "yes"},
                                     {"title": "No", "payload": "no"}]}},
               {"event": "user", "text": "yes"}]
    result = run(ValidatePayForm, tracker("yes", intent="affirm", confidence=0.42,
                                          slots=conversation.slots, form="pay_form",
                                          events=offered))
    assert result.slots["pay_confirmed"] is True


def test_a_payload_the_bot_did_not_offer_is_not_a_button(city: City) -> None:
    conversation = confirming(city)
    offered = [{"event": "bot", "text": "Would you like to pay now?",
                "data": {"buttons": [{"title": "Pay now", "payload": "/affirm"}]}},
               {"event": "user", "text": "pay"},
               {"event": "bot", "text": "Shall I go ahead?", "data": {}},
               {"event": "user", "text": "/affirm"}]
    result = run(ValidatePayForm, tracker("/affirm", intent="affirm", confidence=0.5,
                                          slots=conversation.slots, form="pay_form",
                                          events=offered))
    assert result.slots["pay_confirmed"] is None


# --- schedule, cancel, paperless --------------------------------------------------------------
def test_schedule_confirmation_takes_only_a_clear_yes(city: City) -> None:
    conversation = confirming(city, SAMUEL, "schedule_form", payment_date="2026-11-27",
                              payment_method=city.saved(SAMUEL, "6789"))
    result = conversation.say("is there a fee?", intent="affirm", confidence=0.706)
    assert result.slots["pay_confirmed"] is None
    assert "no fee" in result.text
    assert conversation.say("yes", intent="affirm").slots["pay_confirmed"] is True


def cancelling(city: City) -> Conversation:
    (scheduled,) = city.scheduled(GRACE)
    return Conversation("cancel_form", slots={
        **city.verified(GRACE), "active_task": "cancel_scheduled_payment",
        "cancel_choice": scheduled["confirmation_number"],
        "requested_slot": "cancel_confirmed"})


@pytest.mark.parametrize(("text", "intent", "confidence"), [
    ("can i reschedule it instead?", "affirm", 0.9),
    ("wait, is that the one for december?", "deny", 0.99),
    ("sure?", "affirm", 0.99),
    ("purple", "affirm", 0.6),
])
def test_cancel_confirmation_takes_only_a_clear_yes(city: City, text: str, intent: str,
                                                    confidence: float) -> None:
    result = cancelling(city).say(text, intent=intent, confidence=confidence)
    assert result.slots["cancel_confirmed"] is None
    assert result.requested == "cancel_confirmed"
    assert result.texts == ["Please answer yes or no."]
    assert city.scheduled(GRACE)


def test_cancel_question_gets_the_faq_answer(city: City) -> None:
    answer = "You can cancel a payment only while it is still scheduled."
    result = cancelling(city).say("can i cancel it later?", intent="affirm", confidence=0.95,
                                  faq=answer)
    assert result.texts == [answer]
    assert result.slots["cancel_confirmed"] is None


@pytest.mark.parametrize(("text", "intent", "confidence"), [
    ("is it free?", "affirm", 0.97), ("yes but which email?", "affirm", 0.99),
    ("hmm", "affirm", 0.8)])
def test_paperless_confirmations_take_only_a_clear_yes(city: City, text: str, intent: str,
                                                       confidence: float) -> None:
    enrolling = Conversation("paperless_form", slots={
        **city.verified(AISHA), "active_task": "enroll_paperless", "paperless_email": "on_file",
        "requested_slot": "paperless_confirmed"})
    result = enrolling.say(text, intent=intent, confidence=confidence)
    assert result.slots["paperless_confirmed"] is None
    assert result.requested == "paperless_confirmed"

    on_file = Conversation("paperless_form", slots={
        **city.verified(AISHA), "active_task": "enroll_paperless",
        "requested_slot": "paperless_email"})
    result = on_file.say(text, intent=intent, confidence=confidence)
    assert result.slots["paperless_email"] is None
    assert result.requested == "paperless_email"

    leaving = Conversation("unenroll_form", slots={
        **city.verified(GRACE), "active_task": "unenroll_paperless",
        "requested_slot": "unenroll_confirmed"})
    result = leaving.say(text, intent=intent, confidence=confidence)
    assert result.slots["unenroll_confirmed"] is None
    assert result.requested == "unenroll_confirmed"
    assert not city.account(AISHA)["paperless"] and city.account(GRACE)["paperless"]


# --- taking leave ends the verification ---------------------------------------------------------
@pytest.mark.parametrize(("text", "intent"), [
    ("thanks, bye", "thank"), ("ok that's all", "affirm"), ("no that's all thanks", "deny"),
    ("thank you, that's all i needed", "thank"), ("gracias, adiós", "nlu_fallback"),
    ("bye", "goodbye")])
def test_taking_leave_between_tasks_forgets_the_account(city: City, text: str,
                                                        intent: str) -> None:
    result = run(ActionSmallTalk, tracker(text, intent=intent, confidence=0.999,
                                          slots=city.verified(DANA)))
    assert result.texts == [GOODBYE]
    assert result.events == [{"event": "reset_slots", "timestamp": None}]


@pytest.mark.parametrize(("text", "intent", "response"), [
    ("thanks", "thank", "utter_youre_welcome"), ("yes", "affirm", "utter_what_next"),
    ("no", "deny", "utter_what_next"), ("0104200731", "inform", "utter_what_next"),
    ("how do i get a dog license", "out_of_scope", "utter_out_of_scope"),
    ("asdf qwer", "nlu_fallback", "utter_default")])
def test_other_small_talk_keeps_the_conversation(city: City, text: str, intent: str,
                                                 response: str) -> None:
    result = run(ActionSmallTalk, tracker(text, intent=intent, slots=city.verified(DANA)))
    assert [m.get("response") for m in result.messages] == [response]
    assert result.events == []


@pytest.mark.parametrize(("text", "intent"), [
    ("thanks, bye", "thank"), ("ok that's all", "affirm"), ("bye", "goodbye"),
    ("i'm done, thanks", "thank")])
def test_taking_leave_in_the_middle_of_a_form_ends_it(city: City, text: str,
                                                      intent: str) -> None:
    conversation = confirming(city)
    result = conversation.say(text, intent=intent, confidence=0.99)
    assert result.outcome == "goodbye"
    assert result.slots["pay_confirmed"] is None
    done = conversation.finish(text=text)
    assert done.texts == ["OK, I've stopped: nothing was changed.", GOODBYE]
    assert done.events == [{"event": "reset_slots", "timestamp": None}]
    assert city.chat_payments(DANA) == []


def test_a_question_the_nlu_hears_as_goodbye_is_not_leaving(city: City) -> None:
    """"Can I still change it later?" was goodbye at 0.99: it is asked again instead."""
    conversation = confirming(city)
    result = conversation.say("wait, can i still change it later?", intent="goodbye",
                              confidence=0.99)
    assert result.outcome is None
    assert result.slots["pay_confirmed"] is None
    assert result.requested == "pay_confirmed"


def test_a_question_heard_as_goodbye_between_tasks_keeps_the_conversation(city: City) -> None:
    result = run(ActionEndConversation, tracker("can i pay it later?", intent="goodbye",
                                                confidence=0.99, slots=city.verified(DANA)))
    assert [m.get("response") for m in result.messages] == ["utter_default"]
    assert result.events == []


# --- "no" leaves a task only when it is clear ----------------------------------------------------
def test_a_question_heard_as_deny_does_not_leave_the_task(city: City) -> None:
    """At "How much?", "wait is there a fee for that?" (deny at 0.99) is answered, and the
    amount asked again: the payment is not abandoned."""
    answer = "Paying by card adds a $1.25 convenience fee; bank payments have none."
    conversation = Conversation("pay_form", slots={
        **city.verified(DANA), "active_task": "pay_bill", "requested_slot": "amount"})
    result = conversation.say("wait is there a fee for that?", intent="deny", confidence=0.99,
                              faq=answer)
    assert result.outcome is None
    assert result.texts == [answer]
    assert result.requested == "amount"


@pytest.mark.parametrize(("text", "confidence"), [("no", 0.99), ("no i changed my mind", 0.97),
                                                  ("nope", 0.6)])
def test_a_clear_no_still_leaves_the_task(city: City, text: str, confidence: float) -> None:
    conversation = Conversation("pay_form", slots={
        **city.verified(DANA), "active_task": "pay_bill", "requested_slot": "amount"})
    result = conversation.say(text, intent="deny", confidence=confidence)
    assert result.outcome == "stopped"
