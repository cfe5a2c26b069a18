"""The demo city generator: deterministic, consistent, and free of anything secret."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from domain.cards import is_card_number, redact_card_numbers
from domain.confirmation import ALPHABET, normalize_confirmation_number
from domain.model import AccountKind, BankAccountType, Channel, MethodKind, PaymentStatus
from domain.money import Money
from domain.phone import normalize_phone
from sandbox.demo_city import (
    INSTRUMENTS,
    PERSONAS,
    DemoCity,
    SeedAccount,
    persona,
    persona_table_markdown,
)
from sandbox.demo_identities import persona_document

TODAY = date(2026, 11, 22)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "demo-identities.md"


@pytest.fixture(scope="module")
def city() -> list[SeedAccount]:
    return list(DemoCity(size=1500, seed=7, today=TODAY).accounts())


@pytest.fixture(scope="module")
def personas(city: list[SeedAccount]) -> dict[str, SeedAccount]:
    # The landlord has two accounts; the first one carries the persona's account number.
    found: dict[str, SeedAccount] = {}
    for account in city:
        if account.persona and account.persona not in found:
            found[account.persona] = account
    return found


def snapshot(accounts: list[SeedAccount]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(a) for a in accounts]


def walk(value: Any) -> Any:
    """Every leaf value of a generated structure."""
    if dataclasses.is_dataclass(value) and not isinstance(value, Money):
        for f in dataclasses.fields(value):
            yield from walk(getattr(value, f.name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from walk(item)
    else:
        yield value


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_and_day_give_the_same_city() -> None:
    first = snapshot(list(DemoCity(size=400, seed=11, today=TODAY).accounts()))
    second = snapshot(list(DemoCity(size=400, seed=11, today=TODAY).accounts()))
    assert first == second


def test_accounts_can_be_iterated_again_with_the_same_result() -> None:
    city = DemoCity(size=120, seed=3, today=TODAY)
    assert snapshot(list(city.accounts())) == snapshot(list(city.accounts()))


def test_another_seed_changes_the_city_but_not_the_personas() -> None:
    a = list(DemoCity(size=200, seed=1, today=TODAY).accounts())
    b = list(DemoCity(size=200, seed=2, today=TODAY).accounts())
    n = sum(1 + len(p.other_accounts) for p in PERSONAS)
    assert snapshot(a[:n]) == snapshot(b[:n])
    assert [x.account_number for x in a[n:]] != [x.account_number for x in b[n:]]


def test_dates_follow_today() -> None:
    later = date(2027, 3, 9)
    a = next(iter(DemoCity(size=30, today=TODAY).accounts()))
    b = next(iter(DemoCity(size=30, today=later).accounts()))
    assert a.balance() == b.balance() == Money.of("146.57")
    assert a.past_due(TODAY) == b.past_due(later) == Money.of("84.17")
    assert max(x.due_date for x in a.bills) - TODAY == max(x.due_date for x in b.bills) - later


def test_size_counts_every_account_and_never_drops_a_persona() -> None:
    assert len(list(DemoCity(size=57, today=TODAY).accounts())) == 57
    small = list(DemoCity(size=1, today=TODAY).accounts())
    assert {a.persona for a in small} == {p.key for p in PERSONAS}


# --- personas --------------------------------------------------------------------------------


def test_every_persona_is_in_the_city_as_documented(personas: dict[str, SeedAccount]) -> None:
    assert set(personas) == {p.key for p in PERSONAS}
    for p in PERSONAS:
        account = personas[p.key]
        assert account.account_number == p.account_number
        assert account.kind == p.kind
        assert account.customer.customer_number == p.customer_number
        assert account.customer.name == p.name
        assert account.customer.ssn_last4 == p.ssn_last4
        assert account.customer.language == p.language
        assert account.customer.email == p.email
        assert [ph.number for ph in account.customer.phones] == ([p.phone] if p.phone else [])
        if p.kind == AccountKind.UTILITY:
            assert account.service_street_number == p.street_number
            assert len(p.account_number) == 10 and p.account_number.isdigit()
        else:
            assert {b.bill_number for b in account.bills} >= set(p.bill_numbers)


def test_past_due_persona(personas: dict[str, SeedAccount]) -> None:
    account = personas["past-due"]
    assert account.balance() == Money.of("146.57")
    assert account.past_due(TODAY) == Money.of("84.17")
    [visa] = account.methods
    assert (visa.brand, visa.last4, visa.label()) == ("VISA", "4242", "VISA ending 4242")
    assert not account.paperless and not account.locked_at


def test_spanish_persona(personas: dict[str, SeedAccount]) -> None:
    account = personas["spanish"]
    assert account.customer.language == "es"
    assert account.customer.email is None and account.methods == []


def test_paperless_persona_has_a_cancellable_scheduled_bank_payment(
        personas: dict[str, SeedAccount]) -> None:
    account = personas["paperless-scheduled"]
    assert account.paperless and account.paperless_email == account.customer.email
    [scheduled] = [p for p in account.payments if p.status == PaymentStatus.SCHEDULED]
    assert scheduled.scheduled_for > TODAY and scheduled.amount == Money.of("71.90")
    assert scheduled.method.kind == MethodKind.BANK and scheduled.method.saved
    assert scheduled.fee == Money.zero() and scheduled.submitted_at is None


def test_zero_balance_persona(personas: dict[str, SeedAccount]) -> None:
    account = personas["zero-balance"]
    assert account.balance() == Money.zero()
    assert account.account_number.startswith("00")
    approved = [p for p in account.payments if p.status == PaymentStatus.APPROVED]
    assert len(approved) == 24
    assert max(p.scheduled_for for p in approved) == date(2026, 11, 19)


def test_locked_persona_is_locked(personas: dict[str, SeedAccount]) -> None:
    account = personas["locked"]
    assert account.locked_at is not None and account.failed_verifications == 3
    assert account.locked_at.date() < TODAY
    others = [a for a in personas.values() if a is not account]
    assert all(a.locked_at is None for a in others)


def test_munis_persona_matches_the_seed_document(personas: dict[str, SeedAccount]) -> None:
    account = personas["munis-claims"]
    assert account.kind == AccountKind.GENERAL
    assert account.account_number == account.customer.customer_number
    assert [(b.bill_type, b.total, b.unpaid) for b in account.bills] == [
        ("CLAIMS", Money.of("250.00"), Money.of("250.00"))] * 2
    assert account.balance() == Money.of("500.00")
    [pending] = account.payments
    assert pending.status == PaymentStatus.PENDING and pending.channel == Channel.WEB
    assert all(b.due_date > TODAY for b in account.bills)


def test_checking_and_declined_card_personas(personas: dict[str, SeedAccount]) -> None:
    [checking] = personas["saved-checking"].methods
    assert checking.bank_account_type == BankAccountType.CHECKING
    assert checking.label() == "checking account ending 6789"
    [declined] = personas["declined-card"].methods
    assert declined.instrument == "visa-decline"
    assert personas["declined-card"].customer.email and not personas["declined-card"].paperless


def test_landlord_has_two_accounts_on_one_customer(city: list[SeedAccount]) -> None:
    p = persona("landlord")
    accounts = [a for a in city if a.account_number in (p.account_number, *p.other_accounts)]
    assert len(accounts) == 2
    assert accounts[0].customer is accounts[1].customer


def test_persona_table_lists_every_persona_and_the_docs_are_current() -> None:
    table = persona_table_markdown()
    for p in PERSONAS:
        assert f"| {p.key} |" in table
        if p.kind == AccountKind.UTILITY:
            assert f"`{p.street_number}`" in table and f"`{p.ssn_last4}`" in table
        else:
            assert all(f"`{b}`" in table for b in p.bill_numbers)
    assert DOCS.read_text(encoding="utf-8") == persona_document(), (
        "docs/demo-identities.md is stale: payline demo-identities --markdown > "
        "docs/demo-identities.md")


# --- invariants over the whole city ----------------------------------------------------------


def test_bills_add_up(city: list[SeedAccount]) -> None:
    for account in city:
        for bill in account.bills:
            assert Money.zero() <= bill.unpaid <= bill.total, account.account_number
            assert bill.total.is_positive()
            assert bill.issued_on < bill.due_date
        # Approved payments are exactly what was taken off the bills; nothing else was.
        paid = sum((b.total - b.unpaid for b in account.bills), Money.zero())
        approved = sum((p.amount for p in account.payments
                        if p.status == PaymentStatus.APPROVED), Money.zero())
        assert paid == approved, account.account_number
        # Money on its way never exceeds what is owed.
        on_the_way = sum((p.amount for p in account.payments
                          if p.status in (PaymentStatus.PENDING, PaymentStatus.SCHEDULED)),
                         Money.zero())
        assert on_the_way <= account.balance(), account.account_number


def test_money_is_money_and_never_float(city: list[SeedAccount]) -> None:
    for value in walk(city):
        assert not isinstance(value, (float, Decimal)), value
    for account in city:
        for bill in account.bills:
            assert isinstance(bill.total, Money) and isinstance(bill.unpaid, Money)
        for p in account.payments:
            assert isinstance(p.amount, Money) and isinstance(p.fee, Money)
            assert p.amount.is_positive()
            assert p.fee == (Money.of("1.25") if p.method.kind == MethodKind.CARD
                             else Money.zero())


def test_payment_statuses_are_consistent(city: list[SeedAccount]) -> None:
    for account in city:
        for p in account.payments:
            assert p.created_at.tzinfo is not None
            assert p.created_at.date() < TODAY  # nothing was created "later today"
            for moment in (p.submitted_at, p.completed_at, p.cancelled_at):
                assert moment is None or moment.date() < TODAY
            if p.status == PaymentStatus.SCHEDULED:
                assert p.scheduled_for > TODAY and p.method.saved
                assert p.submitted_at is None and p.processor_reference is None
            elif p.status == PaymentStatus.PENDING:
                assert p.submitted_at is not None and p.completed_at is None
            elif p.status == PaymentStatus.APPROVED:
                assert p.submitted_at is not None and p.completed_at >= p.submitted_at
            elif p.status == PaymentStatus.REJECTED:
                assert p.rejection_reason and p.completed_at is not None
            else:
                assert p.status == PaymentStatus.CANCELLED and p.cancelled_at is not None
                assert p.submitted_at is None
            if p.processor_reference is not None:
                assert p.processor_reference.startswith("SBX-")


def test_confirmation_numbers_are_unique_and_readable(city: list[SeedAccount]) -> None:
    numbers = [p.confirmation_number for a in city for p in a.payments]
    assert len(numbers) == len(set(numbers)) > 1000
    for number in numbers:
        assert normalize_confirmation_number(number) == number
        assert set(number.replace("-", "")) <= set(ALPHABET)


def test_numbers_are_unique_and_well_formed(city: list[SeedAccount]) -> None:
    accounts = [a.account_number for a in city]
    assert len(accounts) == len(set(accounts))
    utility = [n for a, n in zip(city, accounts, strict=True) if a.kind == AccountKind.UTILITY]
    assert all(len(n) == 10 and n.isdigit() for n in utility)
    assert any(n.startswith("0") for n in utility)  # leading zeros, as printed on the bill
    customers = {id(a.customer): a.customer.customer_number for a in city}
    assert len(set(customers.values())) == len(customers)
    bills = [(a.account_number, b.bill_number) for a in city for b in a.bills]
    assert len(bills) == len(set(bills))


def test_every_phone_is_valid_e164(city: list[SeedAccount]) -> None:
    phones = [ph.number for a in city for ph in a.customer.phones]
    assert phones
    for number in phones:
        assert normalize_phone(number) == number
        assert number[5:9] == "5550"  # the fictional 555-01xx range


def test_the_mix_is_realistic(city: list[SeedAccount]) -> None:
    utility = [a for a in city if a.kind == AccountKind.UTILITY]
    general = [a for a in city if a.kind == AccountKind.GENERAL]
    assert 0.08 < len(general) / len(city) < 0.25
    share = lambda pred, items: sum(map(pred, items)) / len(items)  # noqa: E731
    assert 0.08 < share(lambda a: a.customer.language == "es", utility) < 0.25
    assert 0.1 < share(lambda a: a.paperless, utility) < 0.4
    assert 0.2 < share(lambda a: a.balance().is_zero(), city) < 0.7
    assert 0.05 < share(lambda a: a.past_due(TODAY).is_positive(), city) < 0.4
    assert 0.2 < share(lambda a: bool(a.methods), utility) < 0.6
    statuses = {p.status for a in city for p in a.payments}
    assert statuses == set(PaymentStatus)
    assert {b.bill_type for a in general for b in a.bills} >= {
        "CLAIMS", "FALSE ALARM", "GARBAGE CART", "WEED MOWING"}
    assert all(a.paperless_email for a in city if a.paperless)
    assert sum(1 for a in city if a.locked_at) == 1


def test_no_card_or_bank_number_anywhere(city: list[SeedAccount]) -> None:
    for value in walk(city):
        if isinstance(value, str):
            assert not is_card_number(value), value
            assert redact_card_numbers(value) == (value, False), value
    for account in city:
        for method in account.methods:
            assert method.instrument in INSTRUMENTS
            assert len(method.last4) == 4


def test_customers_are_plausible(city: list[SeedAccount]) -> None:
    for account in city:
        c = account.customer
        assert c.name and c.mailing_city == "Riverton" and c.mailing_state == "IL"
        assert len(c.ssn_last4) == 4 and c.ssn_last4.isdigit()
        assert c.email is None or ("@" in c.email and c.email.isascii())
        if account.kind == AccountKind.UTILITY:
            assert account.service_street_number and account.service_street_number.isdigit()
            assert account.service_zip.startswith("625")


def test_timestamps_are_in_the_city_time_zone(city: list[SeedAccount]) -> None:
    stamps = [p.created_at for a in city for p in a.payments]
    assert all(isinstance(s, datetime) and s.tzinfo is not None for s in stamps)
    assert {str(s.tzinfo) for s in stamps} == {"America/Chicago"}
