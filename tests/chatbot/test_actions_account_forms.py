"""validate_cancel_form, validate_paperless_form and validate_unenroll_form."""

from __future__ import annotations

import pytest

from tests.chatbot.action_support import (
    AISHA,
    DANA,
    GRACE,
    JORDAN,
    LUCIA,
    SAMUEL,
    City,
    Conversation,
)

# --- cancelling a scheduled payment ----------------------------------------------------------


def test_cancel_with_nothing_scheduled_ends(city: City) -> None:
    result = Conversation("cancel_form").verify(DANA)
    assert result.outcome == "nothing_to_do"
    assert result.requested is None
    assert "There are no scheduled payments on this account to cancel." in result.text
    assert "pending" not in result.text


def test_cancel_with_only_a_pending_payment_explains_it(city: City) -> None:
    conversation = Conversation("cancel_form")
    conversation.start()
    conversation.say("customer 200145")
    result = conversation.say("610025")

    assert result.slots["verified_account_id"] == str(city.account_id(JORDAN))
    assert result.outcome == "nothing_to_do"
    assert "no scheduled payments" in result.text
    assert "A payment that is pending is already being processed and can't be cancelled" \
        in result.text
    assert "311" in result.text


def test_cancel_with_exactly_one_scheduled_chooses_it(city: City) -> None:
    (scheduled,) = city.scheduled(GRACE)
    result = Conversation("cancel_form").verify(GRACE)
    assert result.slots["cancel_choice"] == scheduled["confirmation_number"]
    assert result.requested == "cancel_confirmed"


def test_cancel_when_already_verified_with_one_scheduled(city: City) -> None:
    (scheduled,) = city.scheduled(GRACE)
    result = Conversation("cancel_form", slots=city.verified(GRACE)).start()
    assert result.slots["cancel_choice"] == scheduled["confirmation_number"]
    assert result.requested == "cancel_confirmed"


@pytest.fixture
def two_scheduled(city: City) -> tuple[str, str]:
    """Samuel with $30 on Nov 26 (first in the list) and $20 on Nov 28 (second)."""
    second = city.add_scheduled(SAMUEL, "20.00", 5)
    first = city.add_scheduled(SAMUEL, "30.00", 3)
    assert [p["confirmation_number"] for p in city.scheduled(SAMUEL)] == [first, second]
    return first, second


def choosing(city: City) -> Conversation:
    return Conversation("cancel_form", slots={
        **city.verified(SAMUEL), "active_task": "cancel_scheduled_payment",
        "requested_slot": "cancel_choice"})


def test_cancel_with_several_asks_which(city: City, two_scheduled: tuple[str, str]) -> None:
    result = Conversation("cancel_form").verify(SAMUEL)
    assert result.requested == "cancel_choice"
    assert "cancel_choice" not in result.slots


@pytest.mark.parametrize(("text", "index"), [
    ("2", 1), ("1", 0), ("the second one", 1), ("the first", 0), ("the last one", 1),
    ("number 2 please", 1),
])
def test_choose_by_position(city: City, two_scheduled: tuple[str, str], text: str,
                            index: int) -> None:
    result = choosing(city).say(text)
    assert result.slots["cancel_choice"] == two_scheduled[index]
    assert result.requested == "cancel_confirmed"


def test_choose_by_confirmation_number(city: City, two_scheduled: tuple[str, str]) -> None:
    second = two_scheduled[1]
    for typed in (second, second.lower(), f"cancel {second} please"):
        assert choosing(city).say(typed).slots["cancel_choice"] == second, typed


@pytest.mark.parametrize("shape", ["no-dash", "spaced"])
def test_choose_by_confirmation_number_as_read_back(city: City,
                                                    two_scheduled: tuple[str, str],
                                                    shape: str) -> None:
    """Confirmation numbers are read back character by character; the dash is not typed."""
    second = two_scheduled[1]
    raw = second.replace("-", "").lower()
    typed = raw if shape == "no-dash" else f"{raw[:4]} {raw[4:]}"
    result = choosing(city).say(typed)
    assert result.slots["cancel_choice"] == second, typed


def test_choose_by_a_unique_amount(city: City, two_scheduled: tuple[str, str]) -> None:
    result = choosing(city).say("the $30 one", entities={"amount": "$30"})
    assert result.slots["cancel_choice"] == two_scheduled[0]
    assert result.outcome is None  # an amount answers the question; it is not a switch


@pytest.mark.parametrize("text", ["purple", "9", "the fifth", ""])
def test_unknown_choice_is_asked_again(city: City, two_scheduled: tuple[str, str],
                                       text: str) -> None:
    result = choosing(city).say(text)
    assert result.slots["cancel_choice"] is None
    assert result.requested == "cancel_choice"
    assert "which one?" in result.text


@pytest.mark.parametrize("text", ["the third one", "the fifth one"])
def test_a_position_beyond_the_list_is_not_read_as_the_first(
        city: City, two_scheduled: tuple[str, str], text: str) -> None:
    """With two payments listed, "the third one" is no choice: its "one" is not "1"."""
    result = choosing(city).say(text)
    assert result.slots["cancel_choice"] is None, f"{text!r} chose a payment"
    assert result.requested == "cancel_choice"


@pytest.mark.parametrize(("text", "intent", "decision"), [
    ("yes", "affirm", True), ("yes please", None, True), ("no", "deny", False),
    ("nope", None, False),
])
def test_cancel_confirmation(city: City, text: str, intent: str | None,
                             decision: bool) -> None:
    (scheduled,) = city.scheduled(GRACE)
    result = Conversation("cancel_form", slots={
        **city.verified(GRACE), "active_task": "cancel_scheduled_payment",
        "cancel_choice": scheduled["confirmation_number"],
        "requested_slot": "cancel_confirmed"}).say(text, intent=intent)
    assert result.slots["cancel_confirmed"] is decision
    assert result.outcome == "done"
    assert city.scheduled(GRACE)  # nothing is cancelled before action_finish_task


def test_cancel_confirmation_garbage_asks_yes_or_no(city: City) -> None:
    (scheduled,) = city.scheduled(GRACE)
    result = Conversation("cancel_form", slots={
        **city.verified(GRACE), "cancel_choice": scheduled["confirmation_number"],
        "requested_slot": "cancel_confirmed"}).say("hmm")
    assert result.slots["cancel_confirmed"] is None
    assert result.requested == "cancel_confirmed"
    assert result.texts == ["Please answer yes or no."]


# --- paperless billing -------------------------------------------------------------------------
def test_paperless_when_already_enrolled_ends(city: City) -> None:
    result = Conversation("paperless_form").verify(GRACE)
    assert result.outcome == "nothing_to_do"
    assert "already has paperless billing" in result.text
    assert "g***r@example.com" in result.text
    assert "grace.okafor@example.com" not in result.text


def test_paperless_with_email_on_file_and_yes(city: City) -> None:
    conversation = Conversation("paperless_form")
    assert conversation.verify(AISHA).requested == "paperless_email"
    result = conversation.say("yes", intent="affirm")
    assert result.slots["paperless_email"] == "on_file"
    assert result.requested == "paperless_confirmed"
    confirmed = conversation.say("yes", intent="affirm")
    assert confirmed.slots["paperless_confirmed"] is True
    assert confirmed.outcome == "done"
    assert not city.account(AISHA)["paperless"]  # only action_finish_task enrolls


def test_paperless_with_email_on_file_and_no_asks_for_one(city: City) -> None:
    conversation = Conversation("paperless_form")
    conversation.verify(AISHA)
    result = conversation.say("no", intent="deny")
    assert result.outcome is None  # "no" answers the question; it does not stop the form
    assert result.requested == "paperless_email"
    assert "Please type the email address" in result.text


@pytest.mark.parametrize(("text", "email"), [
    ("lucia.h@example.com", "lucia.h@example.com"),
    ("my email is lucia.h@example.com.", "lucia.h@example.com"),
    ("Lucia.H@Example.COM", "Lucia.H@example.com"),
])
def test_paperless_typed_email(city: City, text: str, email: str) -> None:
    conversation = Conversation("paperless_form")
    assert conversation.verify(LUCIA).requested == "paperless_email"
    result = conversation.say(text)
    assert result.slots["paperless_email"] == email
    assert result.requested == "paperless_confirmed"


@pytest.mark.parametrize("text", ["lucia@@example", "lucia at example dot com", "@", "yes"])
def test_paperless_invalid_or_missing_email_is_asked_again(city: City, text: str) -> None:
    conversation = Conversation("paperless_form")
    conversation.verify(LUCIA)  # no email on file: "yes" is no answer
    result = conversation.say(text)
    assert result.slots["paperless_email"] is None
    assert result.requested == "paperless_email"
    assert result.texts and all(result.texts)


def test_paperless_email_in_the_opening_message(city: City) -> None:
    conversation = Conversation("paperless_form")
    conversation.start("paperless to lucia.h@example.com", intent="enroll_paperless",
                       entities={"email": "lucia.h@example.com"})
    conversation.say(LUCIA)
    result = conversation.say("507")
    assert result.slots["paperless_email"] == "lucia.h@example.com"
    assert result.requested == "paperless_confirmed"


def test_paperless_invalid_email_in_the_opening_message_is_asked_again(city: City) -> None:
    conversation = Conversation("paperless_form", slots=city.verified(LUCIA))
    result = conversation.start("paperless to lucia@@x", intent="enroll_paperless",
                                entities={"email": "lucia@@x"})
    assert result.slots["paperless_email"] is None
    assert result.requested == "paperless_email"
    assert "doesn't look right" in result.text


def test_paperless_new_email_at_the_confirmation_asks_again(city: City) -> None:
    conversation = Conversation("paperless_form", slots={
        **city.verified(AISHA), "paperless_email": "on_file",
        "requested_slot": "paperless_confirmed"})
    result = conversation.say("use aisha.r@example.org instead")
    assert result.slots["paperless_email"] == "aisha.r@example.org"
    assert result.slots["paperless_confirmed"] is None
    assert result.requested == "paperless_confirmed"


@pytest.mark.parametrize(("text", "intent", "decision"), [
    ("yes", "affirm", True), ("no", "deny", False)])
def test_paperless_confirmation(city: City, text: str, intent: str, decision: bool) -> None:
    result = Conversation("paperless_form", slots={
        **city.verified(AISHA), "paperless_email": "on_file",
        "requested_slot": "paperless_confirmed"}).say(text, intent=intent)
    assert result.slots["paperless_confirmed"] is decision
    assert result.outcome == "done"


# --- unenrolling -----------------------------------------------------------------------------
def test_unenroll_when_not_enrolled_ends(city: City) -> None:
    result = Conversation("unenroll_form").verify(DANA)
    assert result.outcome == "nothing_to_do"
    assert "isn't enrolled in paperless billing" in result.text


def test_unenroll_yes(city: City) -> None:
    conversation = Conversation("unenroll_form")
    assert conversation.verify(GRACE).requested == "unenroll_confirmed"
    result = conversation.say("yes", intent="affirm")
    assert result.slots["unenroll_confirmed"] is True
    assert result.outcome == "done"
    assert city.account(GRACE)["paperless"]  # only action_finish_task unenrolls


def test_unenroll_no_is_an_answer(city: City) -> None:
    result = Conversation("unenroll_form", slots={
        **city.verified(GRACE), "requested_slot": "unenroll_confirmed"}).say(
        "no", intent="deny")
    assert result.slots["unenroll_confirmed"] is False
    assert result.outcome == "done"


def test_unenroll_garbage_asks_yes_or_no(city: City) -> None:
    result = Conversation("unenroll_form", slots={
        **city.verified(GRACE), "requested_slot": "unenroll_confirmed"}).say("perhaps")
    assert result.slots["unenroll_confirmed"] is None
    assert result.texts == ["Please answer yes or no."]
