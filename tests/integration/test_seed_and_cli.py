"""`payline` end to end on a real database: migrate, seed the demo city, look up and unlock
accounts, read the outbox; and the seeded data as the services and the sandbox see it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from domain.adapters.orm import (
    accounts_table,
    audit_events_table,
    bills_table,
    customers_table,
    payment_methods_table,
    payments_table,
)
from domain.adapters.outbox import OutboxNotifier
from domain.config import Settings
from domain.errors import VerificationFailed
from domain.hashing import verify_last4
from domain.model import Channel, FactorKind
from domain.money import Money
from domain.ports import Notification
from domain.services.identity import IdentityService, Requester
from ivr.bootstrap import Container, build_container
from ivr.cli.main import main
from sandbox.demo_city import DemoCity, persona
from sandbox.demo_identities import persona_document
from sandbox.demo_seed import DatabaseNotEmpty, seed_demo_city

Invoke = Callable[..., Result]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"PAYLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'payline.db'}",
            "PAYLINE_TIMEZONE": "America/Chicago"}


@pytest.fixture
def payline(env: dict[str, str]) -> Invoke:
    def invoke(*args: str) -> Result:
        # catch_exceptions=False: an unexpected exception fails the test with its traceback.
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return invoke


@pytest.fixture
def seeded(payline: Invoke) -> Invoke:
    assert payline("db", "upgrade").exit_code == 0
    result = payline("seed", "--accounts", "50")
    assert result.exit_code == 0, result.output
    return payline


@pytest.fixture
def container(env: dict[str, str], seeded: Invoke) -> Iterator[Container]:
    container = build_container(Settings.from_env(env))
    yield container
    container.dispose()


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


# --- db ------------------------------------------------------------------------------------


def test_db_upgrade_and_current(payline: Invoke) -> None:
    assert "not migrated" in payline("db", "current").output
    result = payline("db", "upgrade")
    assert result.exit_code == 0 and "(head)" in result.output
    assert payline("db", "upgrade").exit_code == 0  # idempotent
    current = payline("db", "current")
    assert current.exit_code == 0 and current.output.strip().endswith("(head)")


def test_seed_before_upgrade_says_what_to_do(payline: Invoke) -> None:
    assert "payline db upgrade" in one_line_error(payline("seed", "--accounts", "20"))


def test_unreachable_database_is_one_line(payline: Invoke, env: dict[str, str]) -> None:
    env["PAYLINE_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/payline"
    for args in (("db", "upgrade"), ("accounts", "show", "0104200731"), ("outbox",),
                 ("seed",)):
        assert "Cannot use the database" in one_line_error(payline(*args))
    env["PAYLINE_DATABASE_URL"] = "not a url"
    assert "not a valid database URL" in one_line_error(payline("db", "current"))


# --- seed ----------------------------------------------------------------------------------


def test_seed_writes_the_city_once(seeded: Invoke, container: Container) -> None:
    with container.engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(accounts_table)).scalar()
    assert count == 50

    again = seeded("seed", "--accounts", "50")
    assert "already has accounts" in one_line_error(again)
    quiet = seeded("seed", "--if-empty")
    assert quiet.exit_code == 0 and "nothing to seed" in quiet.output
    with container.engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(accounts_table)).scalar()
    assert count == 50


def test_loader_refuses_or_skips_a_non_empty_database(container: Container) -> None:
    city = DemoCity(size=20, today=container.clock.today())
    with pytest.raises(DatabaseNotEmpty):
        seed_demo_city(container.engine, city, container.gateway)
    assert seed_demo_city(container.engine, city, container.gateway, if_empty=True).skipped


def test_seeded_rows_add_up(container: Container) -> None:
    with container.engine.connect() as conn:
        # Approved payments are what was taken off the bills, account by account.
        paid = dict(conn.execute(
            sa.select(bills_table.c.account_id,
                      sa.type_coerce(sa.func.sum(bills_table.c.total_cents
                                                 - bills_table.c.unpaid_cents), sa.BigInteger))
            .group_by(bills_table.c.account_id)).all())
        approved = dict(conn.execute(
            sa.select(payments_table.c.account_id,
                      sa.type_coerce(sa.func.sum(payments_table.c.amount_cents), sa.BigInteger))
            .where(payments_table.c.status == "approved")
            .group_by(payments_table.c.account_id)).all())
        assert {k: v for k, v in paid.items() if v} == approved
        hashes = conn.execute(sa.select(customers_table.c.ssn_last4_hash)).scalars().all()
        assert hashes and all(h.startswith("pbkdf2_sha256$") for h in hashes)
        tokens = conn.execute(sa.select(payment_methods_table.c.token)).scalars().all()
        assert tokens and all(t.startswith("tok_") for t in tokens)


def test_ssn_last4_is_hashed_and_verifies(container: Container) -> None:
    city = list(DemoCity(size=50, today=container.clock.today()).accounts())
    identity = IdentityService(container.uow, container.clock)
    dana = persona("past-due")
    verified = identity.verify_account(dana.account_number, FactorKind.SSN_LAST4,
                                       dana.ssn_last4, Requester(Channel.SMS, "t-1"))
    assert verified.customer_name == dana.name
    with container.uow() as uow:
        account = uow.accounts.by_number(dana.account_number)
        assert account is not None
        customer = account.customer
        assert customer.ssn_last4_hash and dana.ssn_last4 not in customer.ssn_last4_hash
        assert customer.ssn_last4_hash.startswith("pbkdf2_sha256$100000$")
        # A random resident, verified by street number and by SSN last 4.
        resident = next(a for a in city[20:] if a.service_street_number)
        stored = uow.accounts.by_number(resident.account_number)
        assert stored is not None
        assert verify_last4(resident.customer.ssn_last4, stored.customer.ssn_last4_salt,
                            stored.customer.ssn_last4_hash)
    identity.verify_account(resident.account_number, FactorKind.STREET_NUMBER,
                            resident.service_street_number or "", Requester(Channel.SMS, "t-2"))
    with pytest.raises(VerificationFailed):
        identity.verify_account(dana.account_number, FactorKind.STREET_NUMBER, "9999",
                                Requester(Channel.SMS, "t-3"))


def test_big_city_paths_cheaper_hashes_and_vault_import(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a 100,000-account seed does after its first 500 accounts, on a small city."""
    from domain.adapters.database import upgrade
    from sandbox import demo_seed
    from sandbox.processor import SandboxProcessor

    monkeypatch.setattr(demo_seed, "FULL_STRENGTH_CUSTOMERS", 3)
    monkeypatch.setattr(demo_seed, "API_TOKENIZED_ACCOUNTS", 3)
    url = f"sqlite:///{tmp_path / 'small.db'}"
    upgrade(url)
    container = build_container(Settings.from_env({"PAYLINE_DATABASE_URL": url}))
    try:
        city = DemoCity(size=25, seed=5, today=container.clock.today())
        # A first chunk of 3 (the API-tokenized accounts), then 7s: the landlord's two
        # accounts (10th and 11th) land in two chunks.
        progress: list[int] = []
        result = seed_demo_city(container.engine, city, container.gateway, chunk_size=7,
                                progress=progress.append)
        assert (result.accounts, result.customers) == (25, 24)
        assert progress == [3, 7, 7, 7, 1]
        gateway = container.gateway
        assert isinstance(gateway, SandboxProcessor)
        with container.uow() as uow:
            for number, account in enumerate(city.accounts()):
                stored = uow.accounts.by_number(account.account_number)
                assert stored is not None and stored.id == number + 1  # in city order
                c = stored.customer
                strength = "100000" if c.customer_number in {"100101", "100102", "100103"} \
                    else "1000"
                assert c.ssn_last4_hash.startswith(f"pbkdf2_sha256${strength}$")
                assert verify_last4(account.customer.ssn_last4, c.ssn_last4_salt,
                                    c.ssn_last4_hash)
                # API-tokenized or imported, every saved method is known to the sandbox.
                for method in stored.payment_methods:
                    details = gateway.token_details(method.token)
                    assert details is not None and details.last4 == method.last4
                    assert details.brand == method.brand
            declined = uow.accounts.by_number(persona("declined-card").account_number)
            assert declined is not None  # the 8th account: imported into the vault
            vault_token = declined.payment_methods[0].token
        result_charge = gateway.charge(vault_token, Money.of("2.00"), "vault-import")
        assert result_charge.decline_code == "card_declined"
    finally:
        container.dispose()


def test_general_billing_persona_identifies_by_customer_and_bill(container: Container) -> None:
    munis = persona("munis-claims")
    verified = IdentityService(container.uow, container.clock).verify_general_billing(
        munis.customer_number, munis.bill_numbers[1], Requester(Channel.CHAT, "t-4"))
    assert verified.account_number == munis.account_number


def test_saved_methods_are_live_sandbox_tokens(container: Container) -> None:
    def saved_token(account_number: str) -> str:
        with container.uow() as uow:
            account = uow.accounts.by_number(account_number)
            assert account is not None
            [method] = account.payment_methods
            return method.token

    visa = container.gateway.charge(saved_token(persona("past-due").account_number),
                                    Money.of("1.00"), "test-visa")
    assert visa.approved
    declined = container.gateway.charge(saved_token(persona("declined-card").account_number),
                                        Money.of("1.00"), "test-declined")
    assert not declined.approved and declined.decline_code == "card_declined"


# --- accounts ------------------------------------------------------------------------------


def test_show_a_past_due_persona(seeded: Invoke) -> None:
    result = seeded("accounts", "show", persona("past-due").account_number)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Dana Whitfield" in out
    assert "total due $146.57" in out and "past due $84.17" in out and "PAST DUE" in out
    assert "VISA ending 4242" in out and "***-***-0101" in out
    assert "Recent payments" in out and "approved" in out
    # Never the SSN hash, a token or the full phone number.
    for secret in ("pbkdf2", "tok_", "+13125550101", persona("past-due").ssn_last4):
        assert secret not in out


def test_show_the_munis_persona_by_customer_id(seeded: Invoke) -> None:
    out = seeded("accounts", "show", "200145").output
    assert "(general)" in out and "CLAIMS" in out and "610025" in out and "610026" in out
    assert "total due $500.00" in out and "A pending payment exists" in out


def test_show_by_a_utility_customer_number_lists_its_accounts(seeded: Invoke) -> None:
    landlord = persona("landlord")
    out = seeded("accounts", "show", landlord.customer_number).output
    assert landlord.account_number in out and landlord.other_accounts[0] in out


def test_show_scheduled_and_paperless(seeded: Invoke) -> None:
    out = seeded("accounts", "show", persona("paperless-scheduled").account_number).output
    assert "Paperless:  yes" in out and "Scheduled payments" in out
    assert "savings account ending 4321" in out


def test_unknown_account_and_bad_input(seeded: Invoke) -> None:
    assert "No account or customer has the number 1234509876" in one_line_error(
        seeded("accounts", "show", "1234509876"))
    assert "only digits" in one_line_error(seeded("accounts", "show", "12ab"))


def test_unlock_is_audited(seeded: Invoke, container: Container) -> None:
    locked = persona("locked").account_number
    assert "LOCKED" in seeded("accounts", "show", locked).output
    result = seeded("accounts", "unlock", locked, "--agent", "A101",
                    "--reason", "caller verified by 311")
    assert result.exit_code == 0 and "unlocked" in result.output
    assert "Self-service: open" in seeded("accounts", "show", locked).output
    with container.engine.connect() as conn:
        event = conn.execute(
            sa.select(audit_events_table)
            .where(audit_events_table.c.action == "account.unlocked")).mappings().one()
    assert event["actor"] == "agent:A101" and event["channel"] == "agent"
    assert event["detail"] == "caller verified by 311"
    assert "not locked" in one_line_error(
        seeded("accounts", "unlock", locked, "--agent", "A101", "--reason", "again please"))
    assert "reason" in one_line_error(
        seeded("accounts", "unlock", locked, "--agent", "A101", "--reason", "x"))
    assert "--agent" in one_line_error(
        seeded("accounts", "unlock", locked, "--agent", "A 1; drop", "--reason", "ok then"))


# --- outbox and identities -----------------------------------------------------------------


def test_outbox(seeded: Invoke, container: Container) -> None:
    assert "No messages" in seeded("outbox").output
    notifier = OutboxNotifier(container.engine)
    notifier.send(Notification(channel="sms", to="+13125550101", kind="receipt",
                               body="City of Riverton: payment K7MW-3QTX received."))
    notifier.send(Notification(channel="email", to="tom.brennan@example.com",
                               subject="Paperless billing", body="You are enrolled."))
    everything = seeded("outbox")
    assert everything.exit_code == 0
    assert "K7MW-3QTX" in everything.output and "You are enrolled." in everything.output
    assert everything.output.index("You are enrolled.") < everything.output.index("K7MW")
    to_dana = seeded("outbox", "--to", "(312) 555-0101").output
    assert "K7MW-3QTX" in to_dana and "enrolled" not in to_dana
    assert "You are enrolled." not in seeded("outbox", "--limit", "1", "--to",
                                             "+13125550101").output
    assert "phone number" in one_line_error(seeded("outbox", "--to", "nobody"))


def test_demo_identities(payline: Invoke) -> None:
    plain = payline("demo-identities")
    assert plain.exit_code == 0 and "Dana Whitfield" in plain.output
    docs = Path(__file__).resolve().parents[2] / "docs" / "demo-identities.md"
    markdown = payline("demo-identities", "--markdown").output
    assert markdown == persona_document() == docs.read_text(encoding="utf-8")
    assert payline("identities", "--markdown").output == markdown


# --- PostgreSQL ----------------------------------------------------------------------------


@pytest.mark.postgres
def test_seed_and_show_on_postgres(postgres_url: str) -> None:
    env = {"PAYLINE_DATABASE_URL": postgres_url, "PAYLINE_TIMEZONE": "America/Chicago"}
    runner = CliRunner()

    def payline(*args: str) -> Result:
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    assert payline("db", "upgrade").exit_code == 0
    result = payline("seed", "--accounts", "60", "--chunk-size", "25")
    assert result.exit_code == 0, result.output
    assert "Seeded 60 accounts" in result.output
    assert "already has accounts" in one_line_error(payline("seed"))
    out = payline("accounts", "show", persona("past-due").account_number).output
    assert "total due $146.57" in out and "VISA ending 4242" in out
    container = build_container(Settings.from_env(env))
    try:
        with container.uow() as uow:
            account = uow.accounts.by_number(persona("landlord").other_accounts[0])
            assert account is not None and account.customer.customer_number == "100110"
            assert len(uow.accounts.by_customer("100110")) == 2
            payments = uow.payments.for_account(account.id or 0)
            assert payments and all(isinstance(p.created_at, datetime) for p in payments)
    finally:
        container.dispose()


def test_a_seeded_city_reconciles_clean_day_by_day(seeded: Invoke, env: dict[str, str]) -> None:
    # The sandbox processor holds the demo's card charges, so its past days reconcile clean.
    today = datetime.now(ZoneInfo(env["PAYLINE_TIMEZONE"])).date()
    container = build_container(Settings.from_env(env))
    try:
        with container.engine.connect() as conn:
            charged = conn.execute(sa.text("SELECT count(*) FROM sandbox_charges")).scalar_one()
    finally:
        container.dispose()
    assert charged > 0
    for back in range(1, 8):
        day = (today - timedelta(days=back)).isoformat()
        result = seeded("reconcile", "--date", day)
        assert result.exit_code == 0, result.output
        assert "Clean" in result.output
