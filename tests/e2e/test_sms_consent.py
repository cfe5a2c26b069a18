"""Consent and leave-taking in an SMS thread's own keyword tasks (issue 14 §7, §8): a YES that
is not clear pays nothing, "thanks, bye" ends the thread's verification, and LINK after the
balance changed is answered politely and makes nothing. Signed texts through the Flask app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.model import Actor, Channel
from domain.money import Money
from domain.services.payments import MethodChoice, PaymentRequest
from tests.e2e.sms_support import SmsCity, sms_city
from tests.e2e.voice_support import DANA
from tests.rasa_stub import StubRasa

DANA_PHONE = "+13125550101"
OFFER = ("Reply YES to pay $146.57 with VISA ending 4242 (fee $1.25, total $147.82), or NO. "
         "Reply LINK to use another card or bank account.")


@pytest.fixture
def city(tmp_path: Path) -> Iterator[SmsCity]:
    """The bot is down: keyword mode."""
    yield from sms_city(tmp_path)


@pytest.fixture
def rasa() -> Iterator[StubRasa]:
    with StubRasa(respond=lambda body: [{"text": "Thanks for contacting the city. Goodbye!"}]) \
            as stub:
        yield stub


@pytest.fixture
def bot_city(tmp_path: Path, rasa: StubRasa) -> Iterator[SmsCity]:
    yield from sms_city(tmp_path, rasa.url)


def offered(city: SmsCity) -> str:
    city.text("BAL")
    city.text(f"{DANA} 1234")
    return city.text("PAY").text


def pay_elsewhere(city: SmsCity, amount: str) -> None:
    """Dana pays on another channel (the web) while the text offer is out."""
    payments = city.container.payment_service()
    account_id = city.rows("SELECT id FROM accounts WHERE account_number = :n", n=DANA)[0].id
    method = payments.saved_methods(account_id)[0]
    payments.pay_now(PaymentRequest(
        account_id=account_id, amount=Money.of(amount), method=MethodChoice.saved(method.id),
        actor=Actor.resident(Channel.WEB, "elsewhere"), idempotency_key=f"web-{amount}",
        accepted_fee=payments.fee(method.kind)))


# --- consent to the offer -----------------------------------------------------------------------
@pytest.mark.parametrize("text", ["yes?", "YES?", "Yes??", "y?", "no?", "NO?!"])
def test_a_yes_or_no_that_is_a_question_pays_and_drops_nothing(city: SmsCity,
                                                               text: str) -> None:
    assert OFFER in offered(city)
    answer = city.text(text).text
    assert answer == f"Nothing has been paid. {OFFER}"
    assert city.payments(DANA) == []
    assert city.text("YES").text.startswith("Paid! $147.82 with VISA ending 4242.")
    assert len(city.payments(DANA)) == 1


@pytest.mark.parametrize("text", ["yes", "YES", "Yes!", "y", "'yes'"])
def test_a_clear_yes_still_pays(city: SmsCity, text: str) -> None:
    offered(city)
    assert city.text(text).text.startswith("Paid!")


# --- taking leave ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("goodbye", "answer"), [
    ("thanks, bye", "Thanks for texting the city. Goodbye!"),
    ("bye", "Thanks for texting the city. Goodbye!"),
    ("that's all", "Thanks for texting the city. Goodbye!"),
    ("ok thanks, goodbye!", "Thanks for texting the city. Goodbye!"),
    ("gracias, adiós", "Gracias por escribirle a la ciudad. ¡Adiós!"),  # said in Spanish
])
def test_taking_leave_ends_the_threads_verification(city: SmsCity, goodbye: str,
                                                    answer: str) -> None:
    city.text("BAL")
    assert "you owe $146.57" in city.text(f"{DANA} 1234").text
    assert city.text(goodbye).replies[0].startswith(answer)
    again = city.text("BAL").text  # asked again (in the thread's language)
    assert ("account number" in again or "número de cuenta" in again) and "$146.57" not in again
    (session,) = city.rows("SELECT account_id, verified_at FROM channel_sessions")
    assert session.account_id is None and session.verified_at is None


def test_taking_leave_drops_an_offer(city: SmsCity) -> None:
    offered(city)
    city.text("thanks, bye")
    assert "nothing waiting" in city.text("YES").text
    assert city.payments(DANA) == []


def test_with_the_bot_up_the_goodbye_also_reaches_the_bot(bot_city: SmsCity,
                                                          rasa: StubRasa) -> None:
    bot_city.text("BAL")
    bot_city.text(f"{DANA} 1234")
    answer = bot_city.text("thanks, bye")
    assert rasa.messages == ["thanks, bye"]  # the bot forgets its own verification too
    assert answer.replies == ["Thanks for contacting the city. Goodbye!"]
    assert "account number" in bot_city.text("BAL").text


def test_thanks_alone_keeps_the_verification(city: SmsCity) -> None:
    city.text("BAL")
    city.text(f"{DANA} 1234")
    city.text("thanks")
    assert "you owe $146.57" in city.text("BAL").text


# --- LINK after the balance changed ---------------------------------------------------------------
def test_link_after_part_was_paid_elsewhere_makes_no_link_and_offers_what_is_left(
        city: SmsCity) -> None:
    offered(city)
    pay_elsewhere(city, "100.00")
    answer = city.text("LINK")
    assert answer.status == 200
    assert answer.text.startswith("Your balance changed since that offer, so no link was "
                                  "made. ")
    assert "Reply YES to pay $46.57 with VISA ending 4242 (fee $1.25, total $47.82)" in \
        answer.text
    assert city.rows("SELECT * FROM one_time_links WHERE purpose = 'pay'") == []
    assert city.payments(DANA) == []
    assert city.text("YES").text.startswith("Paid! $47.82")


def test_link_after_everything_was_paid_elsewhere_says_nothing_is_due(city: SmsCity) -> None:
    offered(city)
    pay_elsewhere(city, "146.57")
    answer = city.text("LINK")
    assert answer.status == 200
    assert answer.text.startswith("Your balance changed since that offer, so no link was "
                                  "made. Account ending 0731: nothing is due")
    assert "Reply YES" not in answer.text
    assert city.rows("SELECT * FROM one_time_links WHERE purpose = 'pay'") == []
    assert "nothing waiting" in city.text("YES").text
    assert city.payments(DANA) == []


def test_link_still_works_when_nothing_changed(city: SmsCity) -> None:
    offered(city)
    assert city.text("LINK").text.startswith("Pay securely here: http://localhost:5000/pay/")
