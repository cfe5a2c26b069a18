"""The outbox notifier on a temporary SQLite file, and migration 0002 matching the tables."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from domain.adapters.clock import FixedClock
from domain.adapters.metadata import metadata
from domain.adapters.outbox import OutboxMessage, OutboxNotifier, list_messages, outbox_messages
from domain.cards import REDACTION
from domain.errors import InvalidInput
from domain.ports import Notification, Notifier
from sandbox.processor import SANDBOX_TABLES

CHICAGO = ZoneInfo("America/Chicago")
MIGRATION = (Path(__file__).resolve().parents[2] / "domain" / "migrations" / "versions"
             / "0002_processor_outbox.py")
MY_TABLES = {"sandbox_tokens", "sandbox_charges", "outbox_messages"}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = create_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    metadata.create_all(eng, tables=[outbox_messages])
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 1, 15, 23, 30, tzinfo=CHICAGO))


@pytest.fixture
def notifier(engine: Engine, clock: FixedClock) -> OutboxNotifier:
    return OutboxNotifier(engine, clock=clock)


RECEIPT = "Payment K7MW-3QTX of $45.50 received. Thank you!"


def sms(body: str = RECEIPT) -> Notification:
    return Notification(channel="sms", to="+13125550100", body=body)


def test_is_a_notifier(notifier: OutboxNotifier) -> None:
    assert isinstance(notifier, Notifier)


def test_send_writes_a_queued_row(notifier: OutboxNotifier, engine: Engine) -> None:
    notifier.send(Notification(channel="email", to="pat@example.com", subject="Receipt",
                               body="We received your payment.", account_id=7,
                               kind="receipt"))
    [message] = list_messages(engine)
    assert isinstance(message, OutboxMessage)
    assert message.channel == "email"
    assert message.recipient == "pat@example.com"
    assert message.subject == "Receipt"
    assert message.body == "We received your payment."
    assert message.kind == "receipt"
    assert message.account_id == 7
    assert message.status == "queued"
    assert message.id >= 1


def test_created_at_is_aware_utc(notifier: OutboxNotifier, engine: Engine) -> None:
    notifier.send(sms())
    [message] = list_messages(engine)
    assert message.created_at.tzinfo is not None
    assert message.created_at.utcoffset() == timedelta(0)
    # 23:30 in Chicago on the 15th is 05:30 UTC on the 16th.
    assert message.created_at == datetime(2025, 1, 16, 5, 30, tzinfo=UTC)


def test_message_without_account_or_kind(notifier: OutboxNotifier, engine: Engine) -> None:
    notifier.send(sms())
    [message] = list_messages(engine)
    assert message.account_id is None
    assert message.kind == ""
    assert message.subject == ""


def test_list_is_newest_first_and_limited(notifier: OutboxNotifier, engine: Engine,
                                          clock: FixedClock) -> None:
    for n in range(5):
        notifier.send(sms(f"message {n}"))
        clock.advance(minutes=1)
    assert [m.body for m in list_messages(engine)] == [f"message {n}" for n in range(4, -1, -1)]
    assert [m.body for m in list_messages(engine, limit=2)] == ["message 4", "message 3"]


def test_same_instant_falls_back_to_insertion_order(notifier: OutboxNotifier,
                                                    engine: Engine) -> None:
    notifier.send(sms("first"))
    notifier.send(sms("second"))
    assert [m.body for m in list_messages(engine)] == ["second", "first"]


def test_list_filters_by_recipient(notifier: OutboxNotifier, engine: Engine) -> None:
    notifier.send(sms("to pat"))
    notifier.send(Notification(channel="sms", to="+17735550199", body="to lee"))
    assert [m.body for m in list_messages(engine, recipient="+17735550199")] == ["to lee"]
    assert [m.body for m in list_messages(engine, recipient="+13125550100")] == ["to pat"]
    assert list_messages(engine, recipient="+19995550100") == []


@pytest.mark.parametrize("limit", [0, -1, 1001, True])
def test_list_refuses_silly_limits(engine: Engine, limit: int) -> None:
    with pytest.raises(InvalidInput):
        list_messages(engine, limit=limit)


@pytest.mark.parametrize(
    "notification",
    [
        Notification(channel="sms", to="", body="hello"),
        Notification(channel="sms", to="   ", body="hello"),
        Notification(channel="sms", to="+13125550100", body=""),
        Notification(channel="sms", to="+13125550100", body="  \n "),
        Notification(channel="fax", to="+13125550100", body="hello"),
        Notification(channel="email", to="x" * 321, body="hello"),
    ],
)
def test_refuses_incomplete_notifications(notifier: OutboxNotifier, engine: Engine,
                                          notification: Notification) -> None:
    with pytest.raises(InvalidInput):
        notifier.send(notification)
    assert list_messages(engine) == []


def test_card_numbers_never_reach_the_table(notifier: OutboxNotifier, engine: Engine) -> None:
    notifier.send(Notification(channel="email", to="pat@example.com",
                               subject="Card 4242 4242 4242 4242",
                               body="You paid with 4242-4242-4242-4242, thanks."))
    [message] = list_messages(engine)
    assert message.body == f"You paid with {REDACTION}, thanks."
    assert message.subject == f"Card {REDACTION}"
    with engine.connect() as conn:
        for row in conn.execute(sa.select(outbox_messages)):
            for value in row:
                assert "4242" not in str(value)


def test_other_numbers_in_body_are_kept(notifier: OutboxNotifier, engine: Engine) -> None:
    body = "Account 000123456789: call 311 or 312-555-0100 about bill 2024-00123."
    notifier.send(sms(body))
    assert list_messages(engine)[0].body == body


def test_each_send_commits_on_its_own(engine: Engine, clock: FixedClock) -> None:
    # A second engine sees the row at once: the notifier does not wait for a caller's commit.
    OutboxNotifier(engine, clock=clock).send(sms("visible"))
    other = create_engine(engine.url)
    try:
        assert [m.body for m in list_messages(other)] == ["visible"]
    finally:
        other.dispose()


def test_default_clock_stamps_now(engine: Engine) -> None:
    before = datetime.now(UTC)
    OutboxNotifier(engine).send(sms())
    after = datetime.now(UTC)
    stamp = list_messages(engine)[0].created_at
    # SQLite keeps microseconds, so the stamp lies within the window.
    assert before <= stamp <= after


# --- migration 0002 --------------------------------------------------------------------------


def _load_migration() -> object:
    spec = importlib.util.spec_from_file_location("migration_0002", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _my_diffs(conn: sa.Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    diffs = compare_metadata(context, metadata)

    def concerns_mine(diff: object) -> bool:
        # Diffs are tuples (or lists of tuples for column changes) naming the table somewhere.
        text = repr(diff)
        return any(name in text for name in MY_TABLES)

    return [d for d in diffs if concerns_mine(d)]


def _described(diff: object) -> tuple[str, str, str]:
    """(kind, table, column or index name) of one autogenerate difference."""
    kind = diff[0]  # type: ignore[index]
    if kind == "add_index":
        index = diff[1]  # type: ignore[index]
        return kind, index.table.name, index.name
    return kind, diff[2], diff[3].name  # type: ignore[index]


def test_migration_0002_creates_exactly_the_declared_tables(tmp_path: Path) -> None:
    migration = _load_migration()
    assert migration.revision == "0002_processor_outbox"  # type: ignore[attr-defined]
    assert migration.down_revision == "0001_initial"  # type: ignore[attr-defined]
    engine = create_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    try:
        with engine.begin() as conn:
            with Operations.context(MigrationContext.configure(conn)):
                migration.upgrade()  # type: ignore[attr-defined]
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) == MY_TABLES
            # The only differences are what later migrations add: the vault column (0003), and
            # Payline's reference on each charge with the indexes to find charges (0009).
            assert sorted(_described(d) for d in _my_diffs(conn)) == [
                ("add_column", "sandbox_charges", "payline_reference"),
                ("add_column", "sandbox_tokens", "account_number_encrypted"),
                ("add_index", "sandbox_charges", "ix_sandbox_charges_created_at"),
                ("add_index", "sandbox_charges", "ix_sandbox_charges_payline_reference"),
            ]
        with engine.begin() as conn:
            with Operations.context(MigrationContext.configure(conn)):
                migration.downgrade()  # type: ignore[attr-defined]
        with engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


def test_autogenerate_comparison_would_notice_a_missing_table(tmp_path: Path) -> None:
    # Guards the test above: an empty database must show differences for our tables.
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with engine.connect() as conn:
            added = {d[1].name for d in _my_diffs(conn)  # type: ignore[index]
                     if isinstance(d, tuple) and d[0] == "add_table"}
            assert added == MY_TABLES
    finally:
        engine.dispose()


def test_declared_tables_are_the_ones_the_migrations_know() -> None:
    # 0002 made these; 0010 added the sandbox's refunds and disputes.
    assert ({t.name for t in (*SANDBOX_TABLES, outbox_messages)}
            == MY_TABLES | {"sandbox_refunds", "sandbox_disputes"})
