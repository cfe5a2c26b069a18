"""Refunds and disputes in the 311 console, through the real Flask app over a seeded demo city
and the sandbox processor: a supervisor refunds in full or in part, too much is refused with
the reason, a double submit refunds once, agents cannot refund; disputes are listed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.model import Actor, Channel, MethodKind, Payment
from domain.money import Money
from domain.ports import CardDetails
from domain.services.payments import MethodChoice, PaymentRequest
from sandbox.processor import SandboxProcessor
from tests.e2e.agent_support import AGENT, SUPERVISOR, AgentDesk, csrf_of, text_of
from tests.e2e.voice_support import DANA, VoiceCity, voice_city

DANA_PHONE = "+13125550101"


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path)


@pytest.fixture
def boss(city: VoiceCity) -> AgentDesk:
    desk = AgentDesk(city.app)
    assert desk.sign_in(*SUPERVISOR).status_code == 302
    return desk


def account_id(city: VoiceCity, number: str = DANA) -> int:
    (row,) = city.rows("SELECT id FROM accounts WHERE account_number = :n", n=number)
    return int(row.id)


def card_payment(city: VoiceCity, amount: str = "50.00") -> Payment:
    service = city.container.payment_service()
    card = city.container.gateway.tokenize_card(CardDetails("4242424242424242", 12, 2030, "123"))
    outcome = service.pay_now(PaymentRequest(
        account_id(city), Money.of(amount), MethodChoice.new(card),
        Actor.resident(Channel.WEB, "web-1"), f"pay-{amount}",
        accepted_fee=service.fee(MethodKind.CARD)))
    assert outcome.approved
    return outcome.payment


def balance(city: VoiceCity) -> Money:
    with city.container.uow() as uow:
        return uow.accounts.get(account_id(city)).balance_due()


def nonce_of(page) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'name="nonce" value="([^"]+)"', page.get_data(as_text=True))
    assert match, "no nonce on the refund form"
    return match.group(1)


def refund_page(desk: AgentDesk, payment: Payment):  # type: ignore[no-untyped-def]
    page = desk.get(f"/agent/payments/{payment.id}/refund")
    assert page.status_code == 200, page.status_code
    return page


def submit(desk: AgentDesk, payment: Payment, page, **form: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf_of(page), "nonce": nonce_of(page), **form}
    return desk.client.post(f"/agent/payments/{payment.id}/refund", data=data)


def sandbox_refund_cents(city: VoiceCity) -> list[int]:
    return [r.amount_cents for r in city.rows("SELECT * FROM sandbox_refunds ORDER BY id")]


def test_a_supervisor_sees_refund_on_approved_card_payments_and_refunds_in_full(
        city: VoiceCity, boss: AgentDesk) -> None:
    payment = card_payment(city)
    before = balance(city)
    account = boss.get(f"/agent/accounts/{account_id(city)}")
    assert f'href="/agent/payments/{payment.id}/refund"' in account.get_data(as_text=True)
    page = refund_page(boss, payment)
    assert re.search(r'name="amount" value="51.25"', page.get_data(as_text=True))  # all left
    response = submit(boss, payment, page, amount="51.25", reason="Paid twice by mistake")
    assert response.status_code == 302
    shown = text_of(boss.follow(response))
    assert f"Refunded $51.25 of payment {payment.confirmation_number}" in shown
    assert "refunded in full" in shown
    assert sandbox_refund_cents(city) == [5125]
    assert balance(city) == before + Money.of("50.00")  # the fee owes nothing again
    (audit,) = city.rows("SELECT * FROM audit_events WHERE action = 'refund.succeeded'")
    assert audit.actor == "agent:m.chen" and "reason=Paid twice by mistake" in audit.detail
    assert city.rows("SELECT action FROM audit_events WHERE action = 'refund.requested'")
    notices = city.rows("SELECT * FROM outbox_messages WHERE kind = 'payment.refund'")
    assert DANA_PHONE in [n.recipient for n in notices]
    assert all(f"A refund of $51.25 for payment {payment.confirmation_number}".lower()
               in n.body.lower() for n in notices)
    # Nothing is left: the link is gone and the form says so.
    again = boss.get(f"/agent/accounts/{account_id(city)}")
    assert f"/agent/payments/{payment.id}/refund" not in again.get_data(as_text=True)
    assert boss.get(f"/agent/payments/{payment.id}/refund").status_code == 404


def test_a_partial_refund_then_too_much_is_refused_with_what_is_left(city: VoiceCity,
                                                                     boss: AgentDesk) -> None:
    payment = card_payment(city)
    page = refund_page(boss, payment)
    assert submit(boss, payment, page, amount="20", reason="Late fee waived").status_code == 302
    assert "refunded $20.00" in text_of(boss.get(f"/agent/accounts/{account_id(city)}"))
    page = refund_page(boss, payment)
    assert re.search(r'name="amount" value="31.25"', page.get_data(as_text=True))
    refused = submit(boss, payment, page, amount="40.00", reason="More")
    assert refused.status_code == 400
    assert "Only $31.25 of this payment is left to refund." in text_of(refused)
    assert sandbox_refund_cents(city) == [2000]


@pytest.mark.parametrize(("form", "message"), [
    ({"amount": "ten", "reason": "why"}, "Enter the amount to refund"),
    ({"amount": "4111 1111 1111 1111", "reason": "why"}, "Enter the amount to refund"),
    ({"amount": "0", "reason": "why"}, "more than zero"),
    ({"amount": "10.001", "reason": "why"}, "Enter the amount to refund"),
    ({"amount": "10", "reason": "   "}, "reason for the refund"),
    ({"amount": "10", "reason": "card 4111 1111 1111 1111"}, "card number")])
def test_bad_input_is_refused_politely_and_refunds_nothing(city: VoiceCity, boss: AgentDesk,
                                                           form: dict[str, str],
                                                           message: str) -> None:
    payment = card_payment(city)
    response = submit(boss, payment, refund_page(boss, payment), **form)
    assert response.status_code == 400
    assert message in text_of(response)
    assert "4111 1111" not in response.get_data(as_text=True)
    assert sandbox_refund_cents(city) == []


def test_a_double_submit_refunds_once(city: VoiceCity, boss: AgentDesk) -> None:
    payment = card_payment(city)
    page = refund_page(boss, payment)
    first = submit(boss, payment, page, amount="10.00", reason="Goodwill")
    second = submit(boss, payment, page, amount="10.00", reason="Goodwill")
    assert first.status_code == second.status_code == 302
    assert "already sent: nothing more was refunded" in text_of(boss.follow(second))
    assert sandbox_refund_cents(city) == [1000]
    assert len(city.rows("SELECT * FROM refunds")) == 1


def test_an_agent_sees_no_refund_and_gets_403(city: VoiceCity, boss: AgentDesk) -> None:
    payment = card_payment(city)
    clerk = AgentDesk(city.app)
    assert clerk.sign_in(*AGENT).status_code == 302
    account = clerk.get(f"/agent/accounts/{account_id(city)}")
    assert "/refund" not in account.get_data(as_text=True)
    assert clerk.get(f"/agent/payments/{payment.id}/refund").status_code == 403
    page = refund_page(boss, payment)  # a form only a supervisor could have had
    forged = clerk.client.post(f"/agent/payments/{payment.id}/refund", data={
        "csrf_token": csrf_of(account), "nonce": nonce_of(page), "amount": "51.25",
        "reason": "please"})
    assert forged.status_code == 403
    assert sandbox_refund_cents(city) == [] and city.rows("SELECT * FROM refunds") == []


def test_a_refund_form_without_csrf_is_refused(city: VoiceCity, boss: AgentDesk) -> None:
    payment = card_payment(city)
    page = refund_page(boss, payment)
    response = boss.client.post(f"/agent/payments/{payment.id}/refund", data={
        "nonce": nonce_of(page), "amount": "10", "reason": "why"})
    assert response.status_code == 400
    assert sandbox_refund_cents(city) == []


def test_disputes_are_listed_and_shown_on_the_account(city: VoiceCity, boss: AgentDesk) -> None:
    payment = card_payment(city)
    gateway = city.container.gateway
    assert isinstance(gateway, SandboxProcessor)
    bank_dispute = gateway.open_dispute(payment.processor_reference or "", "fraudulent")
    city.container.dispute_service().opened(bank_dispute.reference,
                                             payment.processor_reference or "",
                                             bank_dispute.amount, bank_dispute.reason)
    clerk = AgentDesk(city.app)
    clerk.sign_in(*AGENT)
    home = clerk.get("/agent")
    assert 'href="/agent/disputes"' in home.get_data(as_text=True)
    listed = text_of(clerk.get("/agent/disputes"))
    assert payment.confirmation_number in listed and "$51.25" in listed
    assert "fraudulent" in listed and "open" in listed
    assert "dispute open" in text_of(clerk.get(f"/agent/accounts/{account_id(city)}"))
    # A disputed payment cannot be refunded: the bank takes the money back itself.
    assert boss.get(f"/agent/payments/{payment.id}/refund").status_code == 404
    city.container.dispute_service().closed(bank_dispute.reference, True)
    assert "won" in text_of(clerk.get("/agent/disputes"))
