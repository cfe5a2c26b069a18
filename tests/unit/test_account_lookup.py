"""How a 311 agent finds an account and what the account view shows (and never shows)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.errors import AgentActionError, InvalidInput, NotFound
from domain.model import (
    Account,
    Actor,
    Channel,
    MethodKind,
    Payment,
    PaymentStatus,
)
from domain.money import Money
from domain.services.account_lookup import AccountLookupService, AccountSearch, SearchBy
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.conftest import make_general_account, make_utility_account

AGENT = Actor.agent("r.alvarez")


@pytest.fixture
def lookup(uow: FakeUnitOfWork, clock: FakeClock) -> AccountLookupService:
    return AccountLookupService(lambda: uow, clock)


@pytest.fixture
def city(uow: FakeUnitOfWork) -> dict[str, Account]:
    ana = make_utility_account()
    ana.customer.mailing_street = "PO BOX 12"
    bo = make_utility_account(number="0099887766", street="17", phone="+13125550177")
    bo.customer.name = "Bo Rivera-Lindqvist"
    bo.service_street_name = "OAK AVE"
    general = make_general_account()
    for account in (ana, bo, general):
        uow.accounts.add(account)
    return {"ana": ana, "bo": bo, "general": general}


def _search(lookup: AccountLookupService, **fields: str) -> list[str]:
    by = SearchBy(fields.pop("by"))
    return [m.account_number for m in lookup.search(AccountSearch(by=by, **fields), AGENT)]


def test_by_account_number_ignores_separators(lookup, city) -> None:
    assert _search(lookup, by="account", account_number="0012-345 678") == ["0012345678"]
    assert _search(lookup, by="account", account_number="0000000001") == []


def test_by_customer_id_and_bill_number(lookup, city) -> None:
    assert _search(lookup, by="customer_bill", customer_id="400123",
                   bill_number="25332") == ["GB400123"]
    assert _search(lookup, by="customer_bill", customer_id="400123", bill_number="99") == []


def test_by_name_and_address_needs_every_word(lookup, city) -> None:
    assert _search(lookup, by="name_address", name="rivera", address="412 elm") == [
        "0012345678"]
    assert _search(lookup, by="name_address", name="Rivera", address="oak") == ["0099887766"]
    assert _search(lookup, by="name_address", name="ana rivera", address="po box") == [
        "0012345678"]  # the mailing address counts too
    assert _search(lookup, by="name_address", name="rivera", address="17 elm") == []


def test_by_phone_number_in_any_format(lookup, city) -> None:
    assert _search(lookup, by="phone", phone="(312) 555-0177") == ["0099887766"]
    assert _search(lookup, by="phone", phone="+1 312 555 0100") == []


@pytest.mark.parametrize(("fields", "message"), [
    ({"by": "account", "account_number": ""}, "Enter the account number."),
    ({"by": "customer_bill", "customer_id": "400123"}, "Enter the bill number."),
    ({"by": "name_address", "name": "R", "address": "elm"}, "at least two letters"),
    ({"by": "phone", "phone": "call me"}, "not a valid phone number"),
    ({"by": "name_address", "name": "x" * 101, "address": "elm"}, "too long"),
])
def test_missing_or_malformed_fields_say_what_to_fix(lookup, city, fields, message) -> None:
    with pytest.raises(AgentActionError, match=message):
        _search(lookup, **fields)


def test_an_account_number_with_letters_is_refused_politely(lookup, city) -> None:
    with pytest.raises(InvalidInput):
        _search(lookup, by="account", account_number="12ab")


def test_only_agents_search(lookup, city) -> None:
    with pytest.raises(AgentActionError):
        lookup.search(AccountSearch(by=SearchBy.PHONE, phone="+13125550101"),
                      Actor.resident(Channel.CHAT, "s1"))


def test_searches_are_audited_without_what_was_typed(lookup, city, uow) -> None:
    _search(lookup, by="phone", phone="3125550177")
    (event,) = uow.store.audit
    assert (event.action, event.actor, event.channel) == ("agent.searched", "agent:r.alvarez",
                                                          Channel.AGENT)
    assert event.detail == "by phone number: 1 found"
    assert "0177" not in event.detail


def test_the_overview_masks_methods_and_lists_history(lookup, city, uow, clock) -> None:
    ana = city["ana"]
    recent = _payment(ana, "P-RECENT", clock.now() - timedelta(days=40), PaymentStatus.APPROVED)
    old = _payment(ana, "P-OLD", clock.now() - timedelta(days=800), PaymentStatus.APPROVED)
    planned = _payment(ana, "P-PLAN", clock.now(), PaymentStatus.SCHEDULED)
    for payment in (recent, old, planned):
        uow.payments.add(payment)
    view = lookup.overview(ana.id, AGENT)
    assert view.account_number == "0012345678" and view.holder == "Ana Rivera"
    assert [p.confirmation_number for p in view.payments] == ["P-PLAN", "P-RECENT"]
    assert [p.confirmation_number for p in view.balance.scheduled_payments] == ["P-PLAN"]
    assert view.balance.total_due == Money.of("125.50")
    assert [b.bill_number for b in view.bills] == ["W-1002", "W-1001"]
    assert [m.label() for m in view.methods][:2] == ["VISA ending 4242",
                                                     "checking account ending 6789"]
    assert not any("tok_" in repr(p.method_label) for p in view.payments)
    assert not view.locked
    assert uow.store.audit[-1].action == "account.viewed_by_agent"
    assert uow.store.audit[-1].account_id == ana.id


def test_the_overview_shows_the_lock(lookup, city, clock) -> None:
    bo = city["bo"]
    bo.locked_at, bo.lock_reason = clock.now(), "3 failed verifications"
    assert lookup.overview(bo.id, AGENT).locked


def test_an_unknown_account_is_not_found(lookup, city) -> None:
    with pytest.raises(NotFound):
        lookup.overview(999_999, AGENT)


def test_agent_activity_is_only_what_agents_did(lookup, city, uow) -> None:
    _search(lookup, by="account", account_number="0012345678")
    lookup.overview(city["ana"].id, AGENT)
    assert [e.action for e in lookup.agent_activity()] == ["account.viewed_by_agent",
                                                           "agent.searched"]


def _payment(account: Account, confirmation: str, created, status: PaymentStatus) -> Payment:
    return Payment(confirmation_number=confirmation, account_id=account.id, amount=Money.of("10"),
                   fee=Money.zero(), method_kind=MethodKind.CARD, method_label="VISA ending 4242",
                   method_token="tok_visa_4242", scheduled_for=date(2026, 11, 30), status=status,
                   channel=Channel.VOICE, created_by="resident:CA1", created_at=created,
                   idempotency_key=confirmation)
