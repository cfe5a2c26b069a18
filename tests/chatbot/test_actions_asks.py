"""action_ask_<slot>: the questions worded from the account (balance, methods, fee and total,
scheduled payments, email on file). Every reply is also checked for card numbers by run()."""

from __future__ import annotations

import pytest

from chatbot.wording import Words
from tests.chatbot.action_support import (
    AISHA,
    ASKS,
    DANA,
    GRACE,
    JORDAN,
    LUCIA,
    SAMUEL,
    City,
    Result,
    run,
    tracker,
)

YES_NO = [{"title": "Yes", "payload": "yes"}, {"title": "No", "payload": "no"}]


def ask(city: City, slot: str, number: str, **slots: object) -> Result:
    result = run(ASKS[slot], tracker("", intent=None, slots={**city.verified(number), **slots},
                                     requested=slot))
    assert result.events == []
    assert len(result.messages) == 1
    return result


def test_every_ask_action_is_in_the_domain() -> None:
    from tests.chatbot.action_support import DOMAIN

    assert {f"action_ask_{slot}" for slot in ASKS} == {
        a for a in DOMAIN["actions"] if a.startswith("action_ask_")}
    assert {ASKS[slot]().name() for slot in ASKS} == {f"action_ask_{slot}" for slot in ASKS}


# --- action_ask_amount ---------------------------------------------------------------------
def test_ask_amount_with_a_past_due_balance(city: City) -> None:
    result = ask(city, "amount", DANA, active_task="pay_bill")
    assert result.text == ("The balance is $146.57, of which $84.17 is past due. How much would "
                           "you like to pay? Type an amount like $40, or choose the full "
                           "balance.")
    assert result.buttons == [
        {"title": "Full balance ($146.57)", "payload": "the full balance"},
        {"title": "Past due ($84.17)", "payload": "the past due amount"}]


def test_ask_amount_with_nothing_past_due(city: City) -> None:
    result = ask(city, "amount", SAMUEL, active_task="pay_bill")
    assert result.text == ("The balance is $112.64. How much would you like to pay? Type an "
                           "amount like $40, or choose the full balance.")
    assert result.buttons == [{"title": "Full balance ($112.64)",
                               "payload": "the full balance"}]


def test_ask_amount_counts_pending_payments(city: City) -> None:
    result = ask(city, "amount", JORDAN, active_task="pay_bill")
    assert result.text.startswith("The balance is $500.00 ($250.00 after the payments already "
                                  "made or scheduled).")
    assert result.buttons[0] == {"title": "Full balance ($250.00)",
                                 "payload": "the full balance"}
    assert "$0.00" not in result.text + str(result.buttons)


def test_ask_amount_for_a_scheduled_payment(city: City) -> None:
    result = ask(city, "amount", DANA, active_task="schedule_payment")
    assert "How much should the scheduled payment be?" in result.text


# --- action_ask_payment_method -------------------------------------------------------------
def test_ask_payment_method_lists_a_saved_card_with_its_fee(city: City) -> None:
    result = ask(city, "payment_method", DANA, amount="40.00")
    assert result.text == ("How would you like to pay? Your saved methods: VISA ending 4242 "
                           "($1.25 fee). Or choose a new card or bank account and I'll send you "
                           "a secure pay link. Never type card or bank numbers in this chat.")
    assert result.buttons == [
        {"title": "VISA ending 4242", "payload": "VISA ending 4242"},
        {"title": "New card or bank account", "payload": "new card or bank account"}]


def test_ask_payment_method_lists_a_saved_bank_account_without_fee(city: City) -> None:
    result = ask(city, "payment_method", SAMUEL, amount="40.00")
    assert "checking account ending 6789 (no fee)" in result.text
    assert {"title": "checking account ending 6789",
            "payload": "checking account ending 6789"} in result.buttons


def test_ask_payment_method_never_shows_tokens(city: City) -> None:
    for number in (DANA, SAMUEL, AISHA, GRACE):
        result = ask(city, "payment_method", number, amount="1.00")
        shown = result.text + str(result.buttons)
        assert "tok_" not in shown
        assert "saved:" not in shown


# --- action_ask_pay_confirmed --------------------------------------------------------------
def test_ask_pay_confirmed_with_a_card_quotes_fee_and_total(city: City) -> None:
    result = ask(city, "pay_confirmed", DANA, active_task="pay_bill", amount="40.00",
                 payment_method=city.saved(DANA, "4242"))
    assert result.text == ("Please confirm: pay $40.00 now with VISA ending 4242. Convenience "
                           "fee $1.25, total $41.25. Shall I go ahead?")
    assert result.buttons == YES_NO


def test_ask_pay_confirmed_with_a_bank_account_says_no_fee(city: City) -> None:
    result = ask(city, "pay_confirmed", SAMUEL, active_task="pay_bill", amount="40.00",
                 payment_method=city.saved(SAMUEL, "6789"))
    assert result.text == ("Please confirm: pay $40.00 now with checking account ending 6789. "
                           "No fee. Shall I go ahead?")


def test_ask_pay_confirmed_for_a_schedule(city: City) -> None:
    result = ask(city, "pay_confirmed", DANA, active_task="schedule_payment",
                 amount="40.00", payment_date="2026-11-27",
                 payment_method=city.saved(DANA, "4242"))
    assert result.text.startswith("Please confirm: schedule $40.00 on Friday, November 27 with "
                                  "VISA ending 4242.")
    assert "total $41.25" in result.text


def test_ask_pay_confirmed_for_a_link_gives_both_fees(city: City) -> None:
    result = ask(city, "pay_confirmed", LUCIA, active_task="pay_bill", amount="20.00",
                 payment_method="link")
    assert result.text == ("Please confirm: I'll create a secure one-time link to pay $20.00 "
                           "now. By card there's a $1.25 convenience fee ($21.25 in all); from "
                           "a bank account there's no fee. Shall I create the link?")
    assert result.buttons == YES_NO


# --- action_ask_cancel_choice / action_ask_cancel_confirmed --------------------------------
def test_ask_cancel_choice_lists_the_scheduled_payments(city: City) -> None:
    second = city.add_scheduled(SAMUEL, "20.00", 5)
    first = city.add_scheduled(SAMUEL, "30.00", 3)
    result = ask(city, "cancel_choice", SAMUEL)
    assert result.text == (
        "Which scheduled payment should I cancel?\n"
        f"1) $30.00 on Nov 26, checking account ending 6789 ({first})\n"
        f"2) $20.00 on Nov 28, checking account ending 6789 ({second})")
    assert result.buttons == [{"title": "1) $30.00 on Nov 26", "payload": first},
                              {"title": "2) $20.00 on Nov 28", "payload": second}]


def test_ask_cancel_confirmed_names_the_payment(city: City) -> None:
    (scheduled,) = city.scheduled(GRACE)
    confirmation = scheduled["confirmation_number"]
    result = ask(city, "cancel_confirmed", GRACE, cancel_choice=confirmation)
    assert result.text == ("Cancel the $71.90 payment scheduled for Thursday, December 3 with "
                           f"savings account ending 4321 (confirmation {confirmation})?")
    assert result.buttons == YES_NO


# --- paperless -------------------------------------------------------------------------------
def test_ask_paperless_email_offers_the_masked_address_on_file(city: City) -> None:
    result = ask(city, "paperless_email", AISHA)
    assert result.text == ("Should we email your bills to the address on file, "
                           "a***n@example.com? Answer yes, or type a different email address.")
    assert "aisha.rahman" not in result.text


def test_ask_paperless_email_without_one_on_file(city: City) -> None:
    result = ask(city, "paperless_email", LUCIA)
    assert result.text == "What email address should we send your bills to?"


@pytest.mark.parametrize(("number", "email", "shown"), [
    (AISHA, "on_file", "a***n@example.com"),
    (LUCIA, "lucia.h@example.com", "l***h@example.com"),
])
def test_ask_paperless_confirmed(city: City, number: str, email: str, shown: str) -> None:
    result = ask(city, "paperless_confirmed", number, paperless_email=email)
    assert result.text == (f"Turn on paperless billing for the account ending {number[-4:]}, "
                           f"with bills emailed to {shown}? Paper bills will stop.")
    assert result.buttons == YES_NO


def test_ask_unenroll_confirmed(city: City) -> None:
    result = ask(city, "unenroll_confirmed", GRACE)
    assert result.text == ("Turn off paperless billing for the account ending 7254? Paper "
                           "bills will be mailed again.")
    assert result.buttons == YES_NO


# --- failures --------------------------------------------------------------------------------
@pytest.mark.parametrize("slot", sorted(ASKS))
def test_ask_without_an_account_says_sorry_instead_of_crashing(city: City, slot: str) -> None:
    result = run(ASKS[slot], tracker("", intent=None, requested=slot))
    assert result.events == []
    if result.texts != [Words("en").say("sorry")]:
        # Questions that need no account data may still be worded (or be the fixed response
        # of chatbot/responses); never an exception.
        (message,) = result.messages
        assert message.get("text") or message.get("response") == f"utter_ask_{slot}"
