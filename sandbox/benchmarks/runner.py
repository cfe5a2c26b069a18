"""Benchmark of the scheduled-payment runner against the database's own floor.

`prepare()` writes N due scheduled card payments (spread over the accounts that owe money,
$0.01 each so the balance re-check lets them through) straight into the payments table.
`floor()` times the same number of bare `UPDATE payments SET status = ...` statements in one
transaction (rolled back): what the database alone costs. The caller times real runner
processes around them. Operator tooling: it writes test payments, so use a benchmark database.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from domain.adapters.orm import accounts_table, bills_table, payments_table
from domain.confirmation import new_confirmation_number
from domain.model import Channel, MethodKind, PaymentStatus
from domain.money import Money
from domain.ports import CardDetails, PaymentGateway

MARK = "benchmark"
_CHUNK = 5000


def prepare(engine: Engine, gateway: PaymentGateway, count: int, now: datetime,
            progress: Callable[[int], None] | None = None) -> list[int]:
    """N due card payments on accounts with something left to pay; returns their ids."""
    card = gateway.tokenize_card(CardDetails("4242424242424242", 12, now.year + 3, "123"))
    with engine.begin() as conn:
        owing = (sa.select(bills_table.c.account_id)
                 .where(bills_table.c.unpaid_cents > Money.zero()).distinct().subquery())
        owing_ids = list(conn.execute(
            sa.select(accounts_table.c.id).where(accounts_table.c.id.in_(sa.select(owing)))
            .order_by(accounts_table.c.id)).scalars())
    if not owing_ids:
        raise ValueError("no account owes money; seed first (payline seed --accounts N)")
    # Round-robin over the accounts that owe: a few one-cent payments each when there are
    # fewer accounts than payments (the balance re-check still lets them through).
    account_ids = [owing_ids[i % len(owing_ids)] for i in range(count)]
    run = uuid.uuid4().hex[:12]  # each prepare() writes its own keys
    with engine.connect() as conn:
        taken = set(conn.execute(sa.select(payments_table.c.confirmation_number)).scalars())
    numbers = _fresh_confirmation_numbers(count, taken)
    rows = [{"confirmation_number": numbers[i], "account_id": account_id,
             "amount_cents": Money.of("0.01"), "fee_cents": Money.of("1.25"),
             "method_kind": MethodKind.CARD, "method_label": card.label(),
             "method_token": card.token, "scheduled_for": now.date(),
             "status": PaymentStatus.SCHEDULED, "channel": Channel.WEB,
             "created_by": f"system:{MARK}", "created_at": now,
             "idempotency_key": f"{MARK}-{run}-{i}", "version": 1}
            for i, account_id in enumerate(account_ids)]
    with engine.begin() as conn:
        for start in range(0, len(rows), _CHUNK):
            conn.execute(payments_table.insert(), rows[start:start + _CHUNK])
            if progress:
                progress(len(rows[start:start + _CHUNK]))
        return list(conn.execute(
            sa.select(payments_table.c.id)
            .where(payments_table.c.created_by == f"system:{MARK}",
                   payments_table.c.status == PaymentStatus.SCHEDULED)).scalars())


def floor(engine: Engine, payment_ids: list[int]) -> float:
    """Seconds for len(payment_ids) bare UPDATE statements in one transaction (rolled back)."""
    statement = (sa.update(payments_table).where(payments_table.c.id == sa.bindparam("pid"))
                 .values(status=PaymentStatus.PENDING))
    with engine.connect() as conn:
        transaction = conn.begin()
        started = time.perf_counter()
        for payment_id in payment_ids:
            conn.execute(statement, {"pid": payment_id})
        elapsed = time.perf_counter() - started
        transaction.rollback()
    return elapsed


def outcome_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(payments_table.c.status, sa.func.count())
                            .where(payments_table.c.created_by == f"system:{MARK}")
                            .group_by(payments_table.c.status)).all()
    return {str(status): int(n) for status, n in rows}


def _fresh_confirmation_numbers(count: int, taken: set[str]) -> list[str]:
    """Bulk inserts skip the services' collision retry, so avoid collisions here: 8 symbols
    of 22 make birthday collisions likely at a few hundred thousand payments."""
    fresh: list[str] = []
    seen = set(taken)
    while len(fresh) < count:
        number = new_confirmation_number()
        if number not in seen:
            seen.add(number)
            fresh.append(number)
    return fresh
