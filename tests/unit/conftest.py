"""Fixtures for service unit tests: fakes for every port, and a small city."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.config import PaymentSettings, VerificationPolicy
from domain.hashing import hash_last4
from domain.model import (
    Account,
    AccountKind,
    BankAccountType,
    Bill,
    Customer,
    CustomerPhone,
    MethodKind,
    PaymentMethod,
)
from domain.money import Money
from domain.services.accounts import AccountService
from domain.services.balance import BalanceService
from domain.services.identity import IdentityService
from domain.services.paperless import PaperlessService
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import PaymentService
from tests.fakes import FakeClock, FakeGateway, FakeNotifier, FakeUnitOfWork

CHICAGO = ZoneInfo("America/Chicago")
TODAY = date(2026, 11, 22)
SALT = "00112233445566778899aabbccddeeff"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 22, 10, 0, tzinfo=CHICAGO))


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def gateway(clock: FakeClock) -> FakeGateway:
    return FakeGateway(clock)


@pytest.fixture
def notifier() -> FakeNotifier:
    return FakeNotifier()


def make_utility_account(number: str = "0012345678", street: str = "412",
                         ssn: str = "6789", bills: list[Bill] | None = None,
                         phone: str = "+13125550101", email: str | None = "ana@example.com",
                         language: str = "en") -> Account:
    customer = Customer(customer_number=f"C{number}", name="Ana Rivera",
                        email=email, language=language,
                        ssn_last4_salt=SALT, ssn_last4_hash=hash_last4(ssn, SALT, 1000),
                        phones=[CustomerPhone(phone)] if phone else [])
    if bills is None:
        bills = [
            Bill("W-1001", "WATER/SEWER", date(2026, 10, 1), date(2026, 10, 25),
                 Money.of("60.00"), Money.of("40.00")),
            Bill("W-1002", "WATER/SEWER", date(2026, 11, 1), date(2026, 12, 5),
                 Money.of("85.50"), Money.of("85.50")),
        ]
    account = Account(account_number=number, kind=AccountKind.UTILITY, customer=customer,
                      service_street_number=street, service_street_name="ELM ST", bills=bills)
    account.payment_methods = [
        PaymentMethod(MethodKind.CARD, "tok_visa_4242", "4242", "my visa", brand="VISA",
                      exp_month=12, exp_year=2029),
        PaymentMethod(MethodKind.BANK, "tok_bank_6789", "6789", "checking",
                      bank_account_type=BankAccountType.CHECKING),
        PaymentMethod(MethodKind.CARD, "tok_decline_0002", "0002", "old card", brand="VISA",
                      exp_month=1, exp_year=2030),
    ]
    return account


def make_general_account(customer_number: str = "400123") -> Account:
    customer = Customer(customer_number=customer_number, name="EXAMPLE CUSTOMER")
    bills = [
        Bill("25331", "CLAIMS", date(2026, 10, 20), date(2026, 12, 2), Money.of("250.00"),
             Money.of("250.00")),
        Bill("25332", "CLAIMS", date(2026, 10, 20), date(2026, 12, 2), Money.of("250.00"),
             Money.of("250.00")),
    ]
    return Account(account_number=f"GB{customer_number}", kind=AccountKind.GENERAL,
                   customer=customer, bills=bills)


@pytest.fixture
def account(uow: FakeUnitOfWork) -> Account:
    acct = make_utility_account()
    uow.accounts.add(acct)
    return acct


@pytest.fixture
def payments(uow, clock, gateway, notifier) -> PaymentService:
    return PaymentService(lambda: uow, clock, gateway, PaymentNotices(notifier),
                          PaymentSettings())


@pytest.fixture
def identity(uow, clock) -> IdentityService:
    return IdentityService(lambda: uow, clock, VerificationPolicy())


@pytest.fixture
def balance(uow, clock) -> BalanceService:
    return BalanceService(lambda: uow, clock)


@pytest.fixture
def paperless(uow, clock, notifier) -> PaperlessService:
    return PaperlessService(lambda: uow, clock, notifier)


@pytest.fixture
def accounts(uow, clock) -> AccountService:
    return AccountService(lambda: uow, clock)
