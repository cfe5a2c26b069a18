"""validate_pay_form and validate_schedule_form: amount, date, method, corrections, and the
explicit confirmation (docs/architecture.md §4-5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conversation.understanding import amounts as amount_text
from conversation.understanding.dates import parse_natural_date
from tests.chatbot.action_support import (
    DANA,
    GRACE,
    JORDAN,
    LUCIA,
    SAMUEL,
    TODAY,
    TOM,
    City,
    Conversation,
)


def at(city: City, slot: str, number: str = DANA, form: str = "pay_form",
       **slots: object) -> Conversation:
    """A verified pay (or schedule) form asking `slot`."""
    task = "pay_bill" if form == "pay_form" else "schedule_payment"
    return Conversation(form, slots={**city.verified(number), "active_task": task, **slots,
                                     "requested_slot": slot})


# --- the amount ----------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "amount"), [
    ("the full balance", "146.57"),
    ("all of it", "146.57"),
    ("past due", "84.17"),
    ("just the past due amount", "84.17"),
    ("$40", "40.00"),
    ("40", "40.00"),
    ("forty dollars", "40.00"),
    ("$40.5", "40.50"),
    ("i'd like to pay 125.99 please", "125.99"),
    ("$146.57", "146.57"),
])
def test_amount_is_taken(city: City, text: str, amount: str) -> None:
    result = at(city, "amount").say(text)
    assert result.slots["amount"] == amount
    assert result.requested == "payment_method"
    assert result.messages == []


def test_amount_entity_wins_over_the_text(city: City) -> None:
    result = at(city, "amount").say("make it 40 bucks, thanks", entities={"amount": "40"})
    assert result.slots["amount"] == "40.00"


def test_more_than_the_balance_is_refused_politely_with_the_maximum(city: City) -> None:
    result = at(city, "amount").say("$500")
    assert result.slots["amount"] is None
    assert result.requested == "amount"
    assert result.texts == ["That's more than can be paid on this account. The most you can "
                            "pay is $146.57."]


def test_maximum_accounts_for_pending_payments(city: City) -> None:
    """$500 billed, $250 already pending: at most $250 more."""
    result = at(city, "amount", JORDAN).say("$300")
    assert result.slots["amount"] is None
    assert "The most you can pay is $250.00." in result.text
    assert at(city, "amount", JORDAN).say("the full balance").slots["amount"] == "250.00"


@pytest.mark.parametrize("text", ["0", "$0", "$0.00", "zero dollars"])
def test_zero_is_refused(city: City, text: str) -> None:
    result = at(city, "amount").say(text)
    assert result.slots["amount"] is None
    assert result.requested == "amount"
    assert result.texts == ["The payment amount must be more than zero."]


@pytest.mark.parametrize("text", ["40.123", "$12.345"])
def test_more_than_two_decimals_is_refused_not_rounded(city: City, text: str) -> None:
    result = at(city, "amount").say(text)
    assert result.slots["amount"] is None
    assert result.texts == [amount_text.TOO_MANY_DECIMALS]


@pytest.mark.parametrize(("text", "message"), [
    ("purple", amount_text.NO_AMOUNT),
    ("", amount_text.NO_AMOUNT),
    ("-40", amount_text.NEGATIVE),
    ("40 euros", amount_text.DOLLARS_ONLY),
    ("$20 or $30", amount_text.TWO_AMOUNTS),
    ("x" * 2000, amount_text.TOO_LONG),
])
def test_unreadable_amounts_are_asked_again(city: City, text: str, message: str) -> None:
    result = at(city, "amount").say(text)
    assert result.slots["amount"] is None
    assert result.requested == "amount"
    assert result.texts == [message]


def test_past_due_when_nothing_is_past_due(city: City) -> None:
    result = at(city, "amount", SAMUEL).say("just the past due")
    assert result.slots["amount"] is None
    assert result.requested == "amount"
    assert result.texts == ["Nothing on this account is past due. How much would you like "
                            "to pay?"]


@pytest.mark.parametrize("number", [TOM, GRACE], ids=["zero-balance", "covered-by-scheduled"])
def test_nothing_to_pay_ends_the_form(city: City, number: str) -> None:
    """Tom owes nothing; Grace's balance is covered by her scheduled payment."""
    result = Conversation("pay_form").verify(number)
    assert result.outcome == "nothing_to_do"
    assert result.requested is None
    assert "There's nothing to pay on this account right now" in result.text


# --- the date (scheduling) -------------------------------------------------------------------
def scheduling(city: City, number: str = SAMUEL) -> Conversation:
    return at(city, "payment_date", number, "schedule_form", amount="40.00")


@pytest.mark.parametrize("text", ["next friday", "tomorrow", "Dec 3"])
def test_date_is_taken(city: City, text: str) -> None:
    expected = parse_natural_date(text, TODAY)
    assert TODAY < expected <= TODAY + timedelta(days=14)
    result = scheduling(city).say(text)
    assert result.slots["payment_date"] == expected.isoformat()
    assert result.requested == "payment_method"


def test_next_friday_before_the_due_date_has_no_warning(city: City) -> None:
    result = scheduling(city).say("next friday")  # Samuel's bill is due Sunday, November 29
    assert result.slots["payment_date"] == "2026-11-27"
    assert result.messages == []


def test_the_15th_is_after_the_due_date_and_warned(city: City) -> None:
    result = scheduling(city).say("the 15th")
    assert result.slots["payment_date"] == "2026-12-15"
    assert result.requested == "payment_method"
    assert result.texts == ["That date is after the due date of November 29, 2026; a late fee "
                            "or service interruption may apply."]


def test_any_date_warns_when_already_past_due(city: City) -> None:
    result = scheduling(city, DANA).say("Dec 1")
    assert result.slots["payment_date"] == "2026-12-01"
    assert "$84.17 of your balance is already past due" in result.text


@pytest.mark.parametrize("text", ["November 20, 2026", "today"])
def test_past_or_today_is_refused(city: City, text: str) -> None:
    result = scheduling(city).say(text)
    assert result.slots["payment_date"] is None
    assert result.requested == "payment_date"
    assert result.texts == ["A scheduled payment needs a future date. To pay today, choose "
                            "pay now."]


def test_more_than_90_days_ahead_is_refused(city: City) -> None:
    result = scheduling(city).say("April 15, 2027")
    assert result.slots["payment_date"] is None
    assert result.texts == ["Payments can be scheduled at most 90 days ahead, until "
                            "February 21, 2027."]


@pytest.mark.parametrize("text", ["purple", "", "whenever", "x" * 2000])
def test_unreadable_date_is_asked_again(city: City, text: str) -> None:
    result = scheduling(city).say(text)
    assert result.slots["payment_date"] is None
    assert result.requested == "payment_date"
    assert len(result.texts) == 1 and result.texts[0]


def test_date_entity_wins_over_the_text(city: City) -> None:
    result = scheduling(city).say("on the 15th please", entities={"payment_date": "Dec 3"})
    assert result.slots["payment_date"] == "2026-12-03"


def test_schedule_opening_with_amount_and_date(city: City) -> None:
    result = Conversation("schedule_form", slots=city.verified(SAMUEL)).start(
        "schedule $40 for next friday", intent="schedule_payment",
        entities={"amount": "$40", "payment_date": "next friday"})
    assert result.slots["amount"] == "40.00"
    assert result.slots["payment_date"] == "2026-11-27"
    assert result.requested == "payment_method"


def test_schedule_asks_amount_date_method_confirm_in_order(city: City) -> None:
    conversation = Conversation("schedule_form")
    assert conversation.verify(SAMUEL).requested == "amount"
    assert conversation.say("$40").requested == "payment_date"
    assert conversation.say("Dec 3").requested == "payment_method"
    assert conversation.say("checking").requested == "pay_confirmed"
    done = conversation.say("yes", intent="affirm")
    assert done.outcome == "done"
    assert conversation.slots["payment_method"] == city.saved(SAMUEL, "6789")


# --- the method ------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["4242", "the card ending in 4242", "Visa", "my card"])
def test_saved_card_by_last4_or_brand(city: City, text: str) -> None:
    result = at(city, "payment_method", amount="40.00").say(text)
    assert result.slots["payment_method"] == city.saved(DANA, "4242")
    assert result.requested == "pay_confirmed"


def test_saved_method_by_nickname(city: City) -> None:
    with city.container.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE payment_methods SET nickname = 'rainy day fund' "
                             "WHERE last4 = '6789'")
    result = at(city, "payment_method", SAMUEL, amount="40.00").say("use the rainy day fund")
    assert result.slots["payment_method"] == city.saved(SAMUEL, "6789")


@pytest.mark.parametrize(("number", "text", "last4"), [
    (SAMUEL, "checking", "6789"),
    (SAMUEL, "from my bank account", "6789"),
    (GRACE, "savings please", "4321"),
])
def test_saved_bank_account_by_kind(city: City, number: str, text: str, last4: str) -> None:
    result = at(city, "payment_method", number, amount="1.00").say(text)
    assert result.slots["payment_method"] == city.saved(number, last4)


@pytest.mark.parametrize("text", ["new card", "a different card", "send me a secure link",
                                  "new card or bank account"])
def test_new_card_means_a_pay_link(city: City, text: str) -> None:
    result = at(city, "payment_method", amount="40.00").say(text)
    assert result.slots["payment_method"] == "link"
    assert result.requested == "pay_confirmed"


def test_unknown_method_is_asked_again(city: City) -> None:
    result = at(city, "payment_method", amount="40.00").say("purple")
    assert result.slots["payment_method"] is None
    assert result.requested == "payment_method"
    assert "didn't catch which one" in result.text
    assert "\"new card\"" in result.text


def test_last4_of_a_method_that_is_not_saved_is_not_taken(city: City) -> None:
    result = at(city, "payment_method", amount="40.00").say("6789")
    assert result.slots["payment_method"] is None


def test_no_saved_method_means_a_link_without_asking(city: City) -> None:
    conversation = Conversation("pay_form")
    verified = conversation.verify(LUCIA)
    assert verified.slots["payment_method"] == "link"
    assert verified.requested == "amount"
    assert conversation.say("$20").requested == "pay_confirmed"


# --- corrections -----------------------------------------------------------------------------
def test_amount_correction_while_choosing_the_method(city: City) -> None:
    result = at(city, "payment_method", amount="40.00", pay_confirmed=True).say(
        "actually $50 with my visa", entities={"amount": "$50"})
    assert result.slots["amount"] == "50.00"
    assert result.slots["payment_method"] == city.saved(DANA, "4242")
    assert result.slots["pay_confirmed"] is None
    assert result.requested == "pay_confirmed"


def test_amount_correction_at_the_confirmation_asks_again(city: City) -> None:
    conversation = at(city, "pay_confirmed", amount="40.00",
                      payment_method=city.saved(DANA, "4242"))
    result = conversation.say("make it $50", entities={"amount": "$50"})
    assert result.slots["amount"] == "50.00"
    assert result.slots["pay_confirmed"] is None
    assert result.requested == "pay_confirmed"
    assert result.outcome is None
    assert result.messages == []  # the new summary is action_ask_pay_confirmed's


def test_yes_with_a_new_amount_is_not_a_confirmation_of_it(city: City) -> None:
    """"Yes, but make it $50": the resident has not heard the fee and total for $50 yet."""
    conversation = at(city, "pay_confirmed", amount="40.00",
                      payment_method=city.saved(DANA, "4242"))
    result = conversation.say("yes but make it $50", intent="affirm",
                              entities={"amount": "$50"})
    assert result.slots["amount"] == "50.00"
    assert result.outcome is None, "charged $50 that was never confirmed"
    assert conversation.slots["pay_confirmed"] is None
    assert result.requested == "pay_confirmed"


def test_wrong_amount_correction_at_the_confirmation_keeps_the_amount(city: City) -> None:
    conversation = at(city, "pay_confirmed", amount="40.00",
                      payment_method=city.saved(DANA, "4242"))
    result = conversation.say("make it $900", entities={"amount": "$900"})
    assert conversation.slots["amount"] == "40.00"
    assert result.requested == "pay_confirmed"
    assert "The most you can pay is $146.57." in result.text


def test_use_my_checking_instead_at_the_confirmation(city: City) -> None:
    result = at(city, "pay_confirmed", SAMUEL, amount="40.00", payment_method="link").say(
        "use my checking instead")
    assert result.slots["payment_method"] == city.saved(SAMUEL, "6789")
    assert result.slots["pay_confirmed"] is None
    assert result.requested == "pay_confirmed"
    assert result.messages == []


def test_date_correction_at_the_confirmation(city: City) -> None:
    conversation = at(city, "pay_confirmed", SAMUEL, "schedule_form", amount="40.00",
                      payment_date="2026-11-27", payment_method=city.saved(SAMUEL, "6789"))
    result = conversation.say("make it the 15th instead", entities={"payment_date": "the 15th"})
    assert result.slots["payment_date"] == "2026-12-15"
    assert result.requested == "pay_confirmed"
    assert "after the due date" in result.text


def test_amount_correction_while_asking_the_date(city: City) -> None:
    result = scheduling(city).say("$60 on Dec 3", entities={"amount": "$60",
                                                          "payment_date": "Dec 3"})
    assert result.slots["amount"] == "60.00"
    assert result.slots["payment_date"] == "2026-12-03"
    assert result.requested == "payment_method"


# --- the confirmation -----------------------------------------------------------------------
@pytest.mark.parametrize(("text", "intent"), [("yes", "affirm"), ("Yes!", "inform"),
                                              ("go ahead", "inform"), ("ok", None)])
def test_yes_confirms(city: City, text: str, intent: str | None) -> None:
    result = at(city, "pay_confirmed", amount="40.00",
                payment_method=city.saved(DANA, "4242")).say(text, intent=intent)
    assert result.slots["pay_confirmed"] is True
    assert result.outcome == "done"
    assert result.requested is None


@pytest.mark.parametrize(("text", "intent"), [("no", "deny"), ("nope", "inform"),
                                              ("no thanks", None)])
def test_no_declines_without_stopping(city: City, text: str, intent: str | None) -> None:
    result = at(city, "pay_confirmed", amount="40.00",
                payment_method=city.saved(DANA, "4242")).say(text, intent=intent)
    assert result.slots["pay_confirmed"] is False
    assert result.outcome == "done"  # action_finish_task says nothing was paid


@pytest.mark.parametrize("text", ["not now", "maybe later?", "never mind, i'll pay later"])
def test_leaving_at_the_confirmation_pays_nothing(city: City, text: str) -> None:
    result = at(city, "pay_confirmed", amount="40.00",
                payment_method=city.saved(DANA, "4242")).say(text)
    assert result.slots["pay_confirmed"] is None
    assert result.outcome == "stopped" and result.requested is None
    assert city.chat_payments(DANA) == []


@pytest.mark.parametrize("text", ["purple", "", "later?", "🤔"])
def test_anything_else_at_the_confirmation_asks_yes_or_no(city: City, text: str) -> None:
    result = at(city, "pay_confirmed", amount="40.00",
                payment_method=city.saved(DANA, "4242")).say(text)
    assert result.slots["pay_confirmed"] is None
    assert result.requested == "pay_confirmed"
    assert result.texts == ["Please answer yes or no."]


def test_pay_now_asks_amount_method_confirm_in_order(city: City) -> None:
    conversation = Conversation("pay_form")
    assert conversation.verify(DANA).requested == "amount"
    assert conversation.say("forty dollars").requested == "payment_method"
    assert conversation.say("4242").requested == "pay_confirmed"
    assert conversation.say("yes", intent="affirm").outcome == "done"
    assert city.chat_payments(DANA) == []  # nothing is charged before action_finish_task


@pytest.mark.parametrize("text", ["is there a fee?", "does it cost extra by card?",
                                  "what's the fee if i use my card"])
def test_a_question_while_choosing_the_method_is_answered(city: City, text: str) -> None:
    # Whatever the NLU made of it: the costs of each way, then the method is asked again.
    result = at(city, "payment_method", amount="40.00").say(text)
    assert result.slots["payment_method"] is None and result.requested == "payment_method"
    [answer] = result.texts
    assert "$1.25 convenience fee" in answer and "$41.25" in answer and "no fee" in answer
    assert "didn't catch" not in answer


@pytest.mark.parametrize(("text", "amount"), [
    ("full balance please", "146.57"), ("I just want to pay whats past due", "84.17")])
def test_typed_amount_options_are_understood(city: City, text: str, amount: str) -> None:
    assert at(city, "amount").say(text).slots["amount"] == amount


def test_asking_for_a_link_while_choosing_the_method_takes_the_link(city: City) -> None:
    result = at(city, "payment_method", amount="40.00").say(
        "can you send me a secure link instead? i want to use a different card")
    assert result.slots["payment_method"] == "link"
