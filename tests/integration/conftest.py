"""Fixtures for integration tests: real databases, migrated with the real migrations.

- `sqlite_url`: an empty SQLite file of its own per test.
- `postgres_url`: the PostgreSQL test database, seen through a schema of this pytest
  process's own (search_path), emptied before each test. PAYLINE_TEST_POSTGRES_URL overrides
  the server URL. When the server is unreachable the test
  is skipped locally and fails under CI=true (docs/architecture.md §7).
- `database_url`: parametrized over both, migrated to head. A test narrows it to one backend
  with `@pytest.mark.parametrize("database_url", [POSTGRES], indirect=True)`.
- `engine`, `session_factory`, `uow_factory` built on `database_url`.
- `build`: small factories for valid domain objects.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from itertools import count
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from domain.adapters.database import create_engine_for, make_session_factory, upgrade
from domain.adapters.unit_of_work import SqlAlchemyUnitOfWork
from domain.model import (
    Account,
    AccountKind,
    Bill,
    Channel,
    Customer,
    CustomerPhone,
    MethodKind,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from domain.money import Money

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CITY_TZ = ZoneInfo("America/Chicago")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'var' / 'payline.db'}"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL URL, once it is known to answer."""
    url = os.environ.get("PAYLINE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    probe = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with probe.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = f"PostgreSQL not reachable at {probe.url!r}: {str(exc.orig).strip()[:200]}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    finally:
        probe.dispose()
    return url


@pytest.fixture(scope="session")
def postgres_schema(postgres_server_url: str) -> Iterator[str]:
    """A schema of this pytest process's own, dropped at the end of the session.

    Not `public`: developers, helpers and CI jobs share one PostgreSQL server, and one run's
    reset must not pull the tables out from under another run.
    """
    schema = f"payline_test_{os.getpid()}"
    yield schema
    engine = create_engine(postgres_server_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url(postgres_server_url: str, postgres_schema: str) -> str:
    """A URL whose connections see only an empty schema, fresh for this test."""
    engine = create_engine(postgres_server_url)
    try:
        with engine.begin() as connection:
            # Fail fast instead of hanging if a previous test leaked a transaction.
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            connection.execute(text(f"DROP SCHEMA IF EXISTS {postgres_schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {postgres_schema}"))
    finally:
        engine.dispose()
    url = make_url(postgres_server_url)
    # libpq's `options`: every connection starts with this schema first on its search_path,
    # so unqualified names (the app's, Alembic's, raw SQL in tests) all land in it.
    options = " ".join(filter(None, [url.query.get("options"),  # type: ignore[list-item]
                                     f"-csearch_path={postgres_schema}"]))
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


SQLITE = "sqlite"
POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


@pytest.fixture(params=[SQLITE, POSTGRES])
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database of each kind, migrated to head."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    upgrade(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine_for(database_url)
    yield engine
    engine.dispose()  # closes pooled connections before the next test drops the schema


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def uow_factory(session_factory: sessionmaker[Session]) -> Callable[[], SqlAlchemyUnitOfWork]:
    return lambda: SqlAlchemyUnitOfWork(session_factory)


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


class Builders:
    """Valid domain objects with unique numbers; override any field by keyword."""

    now = datetime(2024, 11, 22, 9, 30, tzinfo=CITY_TZ)
    today = date(2024, 11, 22)

    def __init__(self) -> None:
        self._seq = count(1)

    def customer(self, **fields: object) -> Customer:
        n = next(self._seq)
        values: dict[str, object] = {
            "customer_number": f"C{n:06d}", "name": f"Resident {n}",
            "mailing_street": "12 Elm St", "mailing_city": "Riverton",
            "mailing_state": "IL", "mailing_zip": "60601",
        }
        values.update(fields)
        return Customer(**values)  # type: ignore[arg-type]

    def bill(self, **fields: object) -> Bill:
        n = next(self._seq)
        values: dict[str, object] = {
            "bill_number": f"B{n:06d}", "bill_type": "WATER/SEWER",
            "issued_on": self.today - timedelta(days=20), "due_date": self.today,
            "total": Money.of("50.00"), "unpaid": Money.of("50.00"),
        }
        values.update(fields)
        return Bill(**values)  # type: ignore[arg-type]

    def account(self, customer: Customer | None = None, **fields: object) -> Account:
        n = next(self._seq)
        values: dict[str, object] = {
            "account_number": f"{n:010d}", "kind": AccountKind.UTILITY,
            "customer": customer or self.customer(), "service_street_number": "12",
            "service_street_name": "Elm St", "service_city": "Riverton",
            "service_state": "IL", "service_zip": "60601",
        }
        values.update(fields)
        return Account(**values)  # type: ignore[arg-type]

    def method(self, **fields: object) -> PaymentMethod:
        values: dict[str, object] = {
            "kind": MethodKind.CARD, "token": f"tok_{next(self._seq)}", "last4": "4242",
            "brand": "VISA", "exp_month": 12, "exp_year": 2030, "created_at": self.now,
        }
        values.update(fields)
        return PaymentMethod(**values)  # type: ignore[arg-type]

    def payment(self, account_id: int, **fields: object) -> Payment:
        n = next(self._seq)
        values: dict[str, object] = {
            "confirmation_number": f"K7MW{n:04d}", "account_id": account_id,
            "amount": Money.of("25.00"), "fee": Money.zero(),
            "method_kind": MethodKind.CARD, "method_label": "VISA ending 4242",
            "method_token": "tok_visa", "scheduled_for": self.today,
            "status": PaymentStatus.PENDING, "channel": Channel.VOICE,
            "created_by": "resident:CA123", "created_at": self.now,
            "idempotency_key": f"idem-{n}",
        }
        values.update(fields)
        return Payment(**values)  # type: ignore[arg-type]

    def phone(self, number: str, label: str = "mobile") -> CustomerPhone:
        return CustomerPhone(number=number, label=label)


@pytest.fixture
def build() -> Builders:
    return Builders()
