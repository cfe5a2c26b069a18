"""Facts given with the request (issue 17): the NLU's entities where it found them, and the
conversation's own readers where it did not. Only what is missing is asked, and nothing in a
request is read as more than it says."""

from __future__ import annotations

import pytest

from tests.chatbot.action_support import DANA, City, Conversation


def opening(form: str, text: str, intent: str) -> object:
    return Conversation(form).say(text, intent=intent)


def test_balance_with_customer_id_and_bill_number_up_front_verifies(city: City) -> None:
    result = opening("balance_form", "whats my balance? customer id 200146, bill number "
                     "610031", "check_balance")
    assert result.outcome == "done" and result.slots["verified_account_id"]
    assert result.texts == ["Thanks, you're verified for the account ending 0146."]


def test_not_a_utility_bill_takes_the_general_billing_path_without_a_failed_attempt(
        city: City) -> None:
    result = opening("balance_form", "it's not a utility bill, my customer id is 200145",
                     "check_balance")
    assert result.slots["customer_id"] == "200145"
    assert result.requested == "bill_number"  # only what is missing
    assert result.texts == []  # no "that didn't match"
    assert city.scalar("SELECT count(*) FROM verification_attempts") == 0


def test_pay_with_everything_up_front_goes_straight_to_the_confirmation(city: City) -> None:
    result = opening("pay_form", "i wanna pay my bil, acct # 0104200731, house number 1234, "
                     "the full amount on my visa", "pay_bill")
    assert result.slots["amount"] == "146.57"
    assert result.slots["payment_method"] == city.saved(DANA, "4242")
    assert result.requested == "pay_confirmed"


def test_the_past_due_named_up_front(city: City) -> None:
    result = opening("pay_form", "account 0104200731 street 1234, just the past due please",
                     "pay_bill")
    assert result.slots["amount"] == "84.17" and result.requested == "payment_method"


@pytest.mark.parametrize("text", ["pay 250000", "i want to pay 1234 dollars",
                                  "pay my bill on the 15th"])
def test_numbers_that_are_not_an_account_are_not_read_as_one(city: City, text: str) -> None:
    result = opening("pay_form", text, "pay_bill")
    assert result.slots.get("account_number") is None
    assert result.requested == "account_number"


def test_a_card_number_in_the_request_is_never_read_as_an_account(city: City) -> None:
    result = opening("pay_form", "pay my bill account 4242424242424242", "pay_bill")
    assert result.slots.get("account_number") is None


@pytest.mark.parametrize("text", ["i wanna pay my bill", "pay my bill", "I want to pay"])
def test_naming_the_task_is_not_naming_an_amount(city: City, text: str) -> None:
    conversation = Conversation("pay_form")
    conversation.say(text, intent="pay_bill")
    assert conversation.verify(DANA).requested == "amount"
