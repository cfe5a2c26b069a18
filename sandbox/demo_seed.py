"""Writes a DemoCity into the database, fast and only once.

    result = seed_demo_city(engine, DemoCity(size=300, today=clock.today()), gateway)

- Chunks of accounts, one transaction each, written with Core executemany (COPY on
  PostgreSQL), every value still through its column type; the ids of new customers, accounts
  and methods are read back by their unique numbers/tokens. A 100,000-account city takes
  about two minutes on SQLite or PostgreSQL on two cores; `progress` is called with the
  number of accounts written after every chunk.
- Saved methods (and the one-time methods of payments still pending or scheduled, which the
  payment runner will charge) are tokenized by the payment gateway, i.e. the sandbox
  processor, from its test numbers: only tokens, last 4, brand and expiry reach our tables.
  One-time methods of finished payments get a token of the processor's form that its vault
  never issued (a one-time token is useless afterwards anyway).
- SSN/Tax ID last 4 is stored as a salted hash, a new salt per customer; after the first 500
  customers with a cheaper iteration count (verify_last4 reads it from the hash) so a large
  seed stays fast. Hashing runs in a worker thread (PBKDF2 releases the GIL).
- Idempotent: a database that already has accounts is refused (DatabaseNotEmpty), or skipped
  quietly with if_empty=True, also when a concurrent seeder wins the race.
- The demo's two 311 console agents (sandbox/demo_agents.py) come with the city.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from domain.adapters.orm import (
    accounts_table,
    audit_events_table,
    bills_table,
    customer_phones_table,
    customers_table,
    payment_methods_table,
    payments_table,
)
from domain.cards import card_brand
from domain.hashing import hash_last4, new_salt
from domain.model import BankAccountType, Channel, MethodKind, PaymentStatus
from domain.money import CURRENCY, Money
from domain.ports import BankDetails, CardDetails, PaymentGateway, TokenizedMethod
from domain.services.payments import REFERENCE_PREFIX
from sandbox.demo_agents import seed_demo_agents
from sandbox.demo_city import DemoCity, SeedAccount, SeedCustomer, SeedMethod
from sandbox.processor import (
    APPROVE,
    TEST_BANK_ACCOUNTS,
    TEST_CARDS,
    SandboxProcessor,
    new_token,
    sandbox_charges,
    sandbox_tokens,
)

if TYPE_CHECKING:
    import psycopg

FULL_STRENGTH_CUSTOMERS = 500
API_TOKENIZED_ACCOUNTS = 500  # then, for the sandbox, bulk vault import (see SandboxVault)
FAST_ITERATIONS = 1000
DEFAULT_CHUNK = 2000

# The sandbox processor's test numbers behind each instrument name of demo_city.INSTRUMENTS
# (see the table in sandbox/processor.py). Only this loader sees them, and only
# to hand them to the processor.
_TEST_CARDS = {
    "visa-approve": "4242424242424242",
    "mastercard-approve": "5555555555554444",
    "discover-approve": "6011111111111117",
    "amex-approve": "371449635398431",
    "visa-decline": "4000000000000002",
    "visa-insufficient-funds": "4000000000009995",
}
_TEST_BANK_ACCOUNTS = {
    "checking-approve": "000123456789",
    "savings-approve": "000987654321",
    "checking-insufficient-funds": "000111111116",
}
_TEST_ROUTING_NUMBER = "021000021"
_TEST_SECURITY_CODE = "123"
_OPEN = (PaymentStatus.PENDING, PaymentStatus.SCHEDULED)
_MINUTE = timedelta(minutes=1)


class DatabaseNotEmpty(Exception):
    """The database already has accounts; seeding again would mix two cities."""


@dataclass
class SeedResult:
    accounts: int = 0
    customers: int = 0
    bills: int = 0
    payments: int = 0
    methods: int = 0
    agents: int = 0  # demo 311 agents added (sandbox/demo_agents.py)
    seconds: float = 0.0
    skipped: bool = False  # if_empty=True and the database already had accounts


def count_accounts(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(accounts_table))
                   .scalar_one())


def seed_demo_city(engine: Engine, city: DemoCity, gateway: PaymentGateway, *,
                   if_empty: bool = False, chunk_size: int = DEFAULT_CHUNK,
                   progress: Callable[[int], None] | None = None,
                   processor_history: bool = True) -> SeedResult:
    """Write `city` into an empty, migrated database. See the module docstring.
    processor_history: also write the sandbox processor's own record of the demo's past card
    charges (so the seeded days reconcile); tests that count what they charge go without."""
    started = time.perf_counter()
    result = SeedResult()
    if count_accounts(engine):
        if if_empty:
            result.skipped = True
            return result
        raise DatabaseNotEmpty("The database already has accounts; not seeding it again.")

    customer_ids: dict[str, int] = {}  # customer number -> database id, across chunks
    strong: list[tuple[list[str], Future[list[tuple[str, str]]]]] = []
    vault = SandboxVault(gateway) if isinstance(gateway, SandboxProcessor) else None
    # Threads: PBKDF2 releases the GIL, so hashing overlaps generating and writing.
    with (ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-hash") as fast_pool,
          ThreadPoolExecutor(max_workers=2, thread_name_prefix="seed-strong") as strong_pool,
          engine.connect() as conn):
        chunks = _chunks(city.accounts(), max(chunk_size, 1))
        prepared = _prepare(next(chunks, None), fast_pool, customer_ids, set())
        first = True
        while prepared is not None:
            accounts, customers, hashes = prepared
            # The first customers get full-strength hashes, computed in the background and
            # written at the end; until then they have a fast hash like everyone else.
            room = FULL_STRENGTH_CUSTOMERS - result.customers
            for start in range(0, max(0, min(room, len(customers))), 25):
                batch = customers[start:min(start + 25, room)]
                strong.append(([c.customer_number for c in batch],
                               strong_pool.submit(_hash_all, [c.ssn_last4 for c in batch],
                                                  None)))
            # The first accounts (the personas among them) go through the processor's API;
            # the bulk of a big city is imported into the sandbox vault in the same way.
            use_api = vault is None or result.accounts < API_TOKENIZED_ACCOUNTS
            tokens, vault_rows = _tokenize(gateway if use_api else None, vault, accounts)
            # Generate the next chunk (its hashes start at once) before writing this one.
            prepared = _prepare(next(chunks, None), fast_pool, customer_ids,
                                {c.customer_number for c in customers})
            try:
                with conn.begin():
                    if vault_rows:
                        conn.execute(sandbox_tokens.insert(), vault_rows)
                    _write_chunk(conn, accounts, customers, hashes.result(), tokens,
                                 customer_ids, result, processor_history)
            except IntegrityError:
                # Only the first chunk can collide: another seeder got there first.
                if first and if_empty:
                    result.skipped = True
                    return result
                if first:
                    raise DatabaseNotEmpty("Another process is seeding this database.") from None
                raise
            first = False
            result.accounts += len(accounts)
            if progress is not None:
                progress(len(accounts))
        with conn.begin():
            _write_strong_hashes(conn, customer_ids, strong)
    # The demo's 311 console sign-ins (public passwords: demo data only).
    result.agents = len(seed_demo_agents(
        engine, datetime.combine(city.today, datetime.min.time(), tzinfo=city.tz)))
    result.seconds = time.perf_counter() - started
    return result


def _write_strong_hashes(conn: Connection, customer_ids: dict[str, int],
                         strong: list[tuple[list[str], Future[list[tuple[str, str]]]]]) -> None:
    rows = [{"cid": customer_ids[number], "salt": salt, "digest": digest}
            for numbers, future in strong
            for number, (salt, digest) in zip(numbers, future.result(), strict=True)]
    if not rows:
        return
    stmt = (customers_table.update().where(customers_table.c.id == sa.bindparam("cid"))
            .values(ssn_last4_salt=sa.bindparam("salt"), ssn_last4_hash=sa.bindparam("digest")))
    conn.execute(stmt, rows)


# --- chunking and hashing ------------------------------------------------------------------


def _chunks(accounts: Iterator[SeedAccount], size: int) -> Iterator[list[SeedAccount]]:
    # A small first chunk: the personas and first accounts are tokenized one API call each.
    first = list(islice(accounts, min(size, API_TOKENIZED_ACCOUNTS)))
    if first:
        yield first
    while chunk := list(islice(accounts, size)):
        yield chunk


_Prepared = tuple[list[SeedAccount], list[SeedCustomer], "Future[list[tuple[str, str]]]"]


def _prepare(accounts: list[SeedAccount] | None, pool: ThreadPoolExecutor,
             customer_ids: dict[str, int], in_previous_chunk: set[str]) -> _Prepared | None:
    if accounts is None:
        return None
    # A customer with several accounts (the landlord) is written once, whichever chunk.
    known = set(in_previous_chunk)
    customers: list[SeedCustomer] = []
    for account in accounts:
        number = account.customer.customer_number
        if number not in customer_ids and number not in known:
            known.add(number)
            customers.append(account.customer)
    return accounts, customers, pool.submit(_hash_all, [c.ssn_last4 for c in customers],
                                            FAST_ITERATIONS)


def _hash_all(last4s: list[str], iterations: int | None) -> list[tuple[str, str]]:
    """(salt, hash) per customer, a new random salt each; None = the default strength."""
    out = []
    for last4 in last4s:
        salt = new_salt()
        digest = (hash_last4(last4, salt) if iterations is None
                  else hash_last4(last4, salt, iterations))
        out.append((salt, digest))
    return out


# --- tokenization --------------------------------------------------------------------------


def _tokenize(gateway: PaymentGateway | None, vault: SandboxVault | None,
              accounts: list[SeedAccount]) -> tuple[dict[int, TokenizedMethod],
                                                    list[dict[str, Any]]]:
    """Processor tokens for saved methods and for methods of payments still to be charged:
    through the gateway's API, or (gateway None) as sandbox vault rows to insert."""
    needed: dict[int, SeedMethod] = {}
    for account in accounts:
        for method in account.methods:
            needed[id(method)] = method
        for payment in account.payments:
            if payment.status in _OPEN:
                needed[id(payment.method)] = payment.method
    if gateway is not None:
        return {key: tokenize_instrument(gateway, m) for key, m in needed.items()}, []
    assert vault is not None
    tokens: dict[int, TokenizedMethod] = {}
    rows = []
    for key, method in needed.items():
        tokens[key], row = vault.token(method)
        rows.append(row)
    return tokens, rows


def tokenize_instrument(gateway: PaymentGateway, method: SeedMethod) -> TokenizedMethod:
    """Hand the processor the test number behind a demo instrument; keep only the token."""
    if method.kind == MethodKind.CARD:
        tokenized = gateway.tokenize_card(CardDetails(
            number=_TEST_CARDS[method.instrument], exp_month=method.exp_month or 12,
            exp_year=method.exp_year or 2099, security_code=_TEST_SECURITY_CODE))
    else:
        tokenized = gateway.tokenize_bank(BankDetails(
            routing_number=_TEST_ROUTING_NUMBER,
            account_number=_TEST_BANK_ACCOUNTS[method.instrument],
            account_type=method.bank_account_type or BankAccountType.CHECKING))
    _check_label(method, tokenized)
    return tokenized


def _check_label(method: SeedMethod, tokenized: TokenizedMethod) -> None:
    if tokenized.last4 != method.last4 or (method.brand and tokenized.brand != method.brand):
        # The demo's labels ("VISA ending 4242") must be what the processor says.
        raise RuntimeError(f"sandbox test instrument {method.instrument} changed its last 4/brand")


class SandboxVault:
    """Bulk import of test instruments into the sandbox processor's token vault.

    One tokenize call is one transaction (about a millisecond); a 100,000-account city has
    some 45,000 methods to tokenize. For the sandbox only, the loader writes the same rows
    tokenize_card/tokenize_bank would (same token form, same behaviour of the test number,
    no full numbers) inside its own chunk transactions.
    """

    def __init__(self, processor: SandboxProcessor) -> None:
        self._now = datetime.now(UTC)
        self._processor = processor

    def token(self, method: SeedMethod) -> tuple[TokenizedMethod, dict[str, Any]]:
        if method.kind == MethodKind.CARD:
            number = _TEST_CARDS[method.instrument]
            behaviour = TEST_CARDS.get(number, APPROVE)
            routing = None
            tokenized = TokenizedMethod(kind=MethodKind.CARD, token=new_token(),
                                        last4=number[-4:], brand=card_brand(number),
                                        exp_month=method.exp_month, exp_year=method.exp_year)
        else:
            number = _TEST_BANK_ACCOUNTS[method.instrument]
            behaviour = TEST_BANK_ACCOUNTS.get(number, APPROVE)
            routing = _TEST_ROUTING_NUMBER
            tokenized = TokenizedMethod(kind=MethodKind.BANK, token=new_token(),
                                        last4=number[-4:],
                                        bank_account_type=method.bank_account_type)
        _check_label(method, tokenized)
        row = {"token": tokenized.token, "kind": str(tokenized.kind), "last4": tokenized.last4,
               "brand": tokenized.brand, "exp_month": tokenized.exp_month,
               "exp_year": tokenized.exp_year,
               "bank_account_type": (str(tokenized.bank_account_type)
                                     if tokenized.bank_account_type else None),
               "routing_number": routing, "behaviour": behaviour, "created_at": self._now,
               "account_number_encrypted": (self._processor.seal_account_number(number)
                                            if tokenized.kind == MethodKind.BANK else None)}
        return tokenized, row


def _spent_token() -> str:
    # The processor's token form; a one-time token that the vault no longer knows.
    return "tok_" + secrets.token_hex(12)


# --- writing one chunk ---------------------------------------------------------------------


def _insert_returning_ids(conn: Connection, table: sa.Table, rows: list[dict[str, Any]],
                          key: str, scope: sa.ColumnElement[bool] | None = None) -> list[int]:
    """Bulk insert, then read the new ids back by a natural key that is unique within
    `scope` (customer and account numbers are unique; a new token is unique to its account).

    Faster than INSERT ... RETURNING in parameter order, which SQLAlchemy emulates with a
    sorted multi-row VALUES: about 200 us a row on PostgreSQL against a few for COPY."""
    if not rows:
        return []
    _insert(conn, table, rows)
    keys = [row[key] for row in rows]
    where = table.c[key].in_(keys) if scope is None else scope
    found = dict(conn.execute(sa.select(table.c[key], table.c.id).where(where)).tuples().all())
    return [found[k] for k in keys]


def _insert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Core executemany with the parameters bound once per column, not once per row.

    conn.execute(table.insert(), rows) spends ~40 us a row in generic parameter handling, a
    minute for the ~1.3 million bills and payments of a big city. Here each value still goes
    through its column type's bind processor (Money -> cents, aware datetime -> UTC); then
    PostgreSQL gets a COPY and other databases the driver's own executemany.
    """
    if not rows:
        return
    dialect = conn.dialect
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    # Column by column: one bind processor lookup per column, list comprehensions per value.
    values_by_column = []
    for name, column in zip(names, columns, strict=True):
        values = [row[name] for row in rows]
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            values = [None if value is None else process(value) for value in values]
        values_by_column.append(values)
    converted = list(zip(*values_by_column, strict=True))
    quote = dialect.identifier_preparer.quote
    # Identifiers come from our own Table objects; values never become SQL text.
    target = f"{quote(table.name)} ({', '.join(quote(c.name) for c in columns)})"
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        # COPY: PostgreSQL's bulk path, several times faster than row-by-row INSERTs.
        raw = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
        with raw.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in converted:
                copy.write_row(row)
        return
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(f"INSERT INTO {target} "  # noqa: S608
                         f"VALUES ({', '.join([marker] * len(columns))})", converted)


def _write_chunk(conn: Connection, accounts: list[SeedAccount], customers: list[SeedCustomer],
                 hashes: list[tuple[str, str]], tokens: dict[int, TokenizedMethod],
                 customer_ids: dict[str, int], result: SeedResult,
                 processor_history: bool = True) -> None:
    ids = _insert_returning_ids(conn, customers_table, [
        {"customer_number": c.customer_number, "name": c.name,
         "mailing_street": c.mailing_street, "mailing_city": c.mailing_city,
         "mailing_state": c.mailing_state, "mailing_zip": c.mailing_zip, "email": c.email,
         "language": c.language, "ssn_last4_salt": salt, "ssn_last4_hash": digest}
        for c, (salt, digest) in zip(customers, hashes, strict=True)], key="customer_number")
    for customer, customer_id in zip(customers, ids, strict=True):
        customer_ids[customer.customer_number] = customer_id
    _insert(conn, customer_phones_table, [
        {"customer_id": customer_ids[c.customer_number], "number": phone.number,
         "label": phone.label}
        for c in customers for phone in c.phones])

    account_ids = _insert_returning_ids(conn, accounts_table, [
        {"account_number": a.account_number, "kind": a.kind,
         "customer_id": customer_ids[a.customer.customer_number],
         "service_street_number": a.service_street_number,
         "service_street_name": a.service_street_name, "service_city": a.service_city,
         "service_state": a.service_state, "service_zip": a.service_zip,
         "paperless": a.paperless, "paperless_email": a.paperless_email,
         "paperless_since": a.paperless_since, "credit_cents": Money.zero(),
         "failed_verifications": a.failed_verifications, "locked_at": a.locked_at,
         "lock_reason": a.lock_reason, "version": 1}
        for a in accounts], key="account_number")

    _insert(conn, bills_table, [
        {"account_id": account_id, "bill_number": b.bill_number, "bill_type": b.bill_type,
         "issued_on": b.issued_on, "due_date": b.due_date, "total_cents": b.total,
         "unpaid_cents": b.unpaid}
        for a, account_id in zip(accounts, account_ids, strict=True) for b in a.bills])

    saved = [(m, account_id) for a, account_id in zip(accounts, account_ids, strict=True)
             for m in a.methods]
    method_ids = _insert_returning_ids(conn, payment_methods_table, [
        {"account_id": account_id, "kind": m.kind, "token": tokens[id(m)].token,
         "last4": m.last4, "nickname": m.nickname, "brand": m.brand,
         "exp_month": m.exp_month, "exp_year": m.exp_year,
         "bank_account_type": m.bank_account_type, "enabled": True, "created_at": m.created_at}
        for m, account_id in saved], key="token",
        scope=payment_methods_table.c.account_id.in_(account_ids))
    method_id = {id(m): mid for (m, _), mid in zip(saved, method_ids, strict=True)}

    payment_rows = []
    for account, account_id in zip(accounts, account_ids, strict=True):
        for p in account.payments:
            token = tokens.get(id(p.method))
            payment_rows.append({
                "confirmation_number": p.confirmation_number, "account_id": account_id,
                "amount_cents": p.amount, "fee_cents": p.fee, "method_kind": p.method.kind,
                "method_label": p.method.label(),
                "method_token": token.token if token else _spent_token(),
                "payment_method_id": method_id.get(id(p.method)),
                "scheduled_for": p.scheduled_for, "status": p.status, "channel": p.channel,
                "created_by": p.created_by, "created_at": p.created_at,
                "idempotency_key": p.idempotency_key, "submitted_at": p.submitted_at,
                "completed_at": p.completed_at, "cancelled_at": p.cancelled_at,
                "rejection_reason": p.rejection_reason,
                "processor_reference": p.processor_reference, "version": 1})
    _insert(conn, payments_table, payment_rows)
    # The sandbox processor's own record of the demo's card charges, so that reconciling a
    # seeded day finds every approved card payment at the processor (as it would in a city).
    _insert(conn, sandbox_charges, [] if not processor_history else [
        {"idempotency_key": f"{REFERENCE_PREFIX}{p.confirmation_number}",
         "reference": p.processor_reference, "token": row["method_token"],
         "amount_cents": (p.amount + p.fee).cents, "currency": CURRENCY, "status": "approved",
         "decline_code": None, "description": "demo city payment",
         "created_at": p.completed_at.astimezone(UTC),
         "payline_reference": f"{REFERENCE_PREFIX}{p.confirmation_number}"}
        for p, row in zip((p for a in accounts for p in a.payments), payment_rows, strict=True)
        if p.status == PaymentStatus.APPROVED and p.method.kind == MethodKind.CARD
        and p.processor_reference and p.completed_at is not None])

    _insert(conn, audit_events_table, [
        row for account, account_id in zip(accounts, account_ids, strict=True)
        for row in _lock_history(account, account_id)])

    result.customers += len(customers)
    result.bills += sum(len(a.bills) for a in accounts)
    result.methods += len(saved)
    result.payments += len(payment_rows)


def _lock_history(account: SeedAccount, account_id: int) -> list[dict[str, Any]]:
    """The audit trail a locked account would have: three failures, then the lock."""
    if account.locked_at is None:
        return []
    rows = []
    for n in range(1, account.failed_verifications + 1):
        rows.append({
            "at": account.locked_at - (account.failed_verifications - n) * _MINUTE,
            "action": "verification.failed", "actor": "resident:demo-caller",
            "channel": Channel.VOICE, "account_id": account_id, "subject": None,
            "detail": f"factor=street_number failures={n}"})
    rows.append({"at": account.locked_at, "action": "account.locked",
                 "actor": "system:lockout", "channel": Channel.VOICE,
                 "account_id": account_id, "subject": None,
                 "detail": account.lock_reason or ""})
    return rows


