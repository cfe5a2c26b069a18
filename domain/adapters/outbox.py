"""The local outbox: notifications (receipts, paperless confirmations) written to a table.

In the embedded setup nothing is sent for real; a resident's SMS/email lands in
``outbox_messages`` where the demo pages, the phone simulator and tests can read it. A
production sender can drain the same table (status "queued") and mark rows sent.

Each message is written in its own short transaction, so a notification never holds locks of
the business transaction that produced it. Bodies and subjects go through the card-number
redactor first: a card number must never be stored here, whatever a caller passes in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from domain.adapters.clock import SystemClock
from domain.adapters.metadata import metadata
from domain.cards import redact_card_numbers
from domain.errors import InvalidInput
from domain.ports import Clock, Notification, Notifier

CHANNELS = ("sms", "email")
QUEUED = "queued"
MAX_RECIPIENT = 320  # the longest valid email address
MAX_SUBJECT = 200
MAX_KIND = 64
MAX_LIST = 1000

outbox_messages = sa.Table(
    "outbox_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("recipient", sa.String(MAX_RECIPIENT), nullable=False, index=True),
    sa.Column("subject", sa.String(MAX_SUBJECT), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("kind", sa.String(MAX_KIND), nullable=False),
    sa.Column("account_id", sa.Integer, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
)


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    created_at: datetime  # aware, UTC
    channel: str
    recipient: str
    subject: str
    body: str
    kind: str
    account_id: int | None
    status: str


class OutboxNotifier(Notifier):
    """Notifier that queues each message as a row in ``outbox_messages``."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._clock = clock or SystemClock(UTC)

    def send(self, notification: Notification) -> None:
        channel = (notification.channel or "").strip().lower()
        if channel not in CHANNELS:
            raise InvalidInput("A notification goes by sms or email.")
        recipient = (notification.to or "").strip()
        if not recipient:
            raise InvalidInput("A notification needs a recipient.")
        if len(recipient) > MAX_RECIPIENT:
            raise InvalidInput("That recipient is too long.")
        if not isinstance(notification.body, str) or not notification.body.strip():
            raise InvalidInput("A notification needs a message.")
        body, _ = redact_card_numbers(notification.body)
        subject, _ = redact_card_numbers((notification.subject or "")[:MAX_SUBJECT])
        with self._engine.begin() as conn:
            conn.execute(outbox_messages.insert().values(
                created_at=self._clock.now().astimezone(UTC),
                channel=channel,
                recipient=recipient,
                subject=subject[:MAX_SUBJECT],
                body=body,
                kind=(notification.kind or "")[:MAX_KIND],
                account_id=notification.account_id,
                status=QUEUED,
            ))


def list_messages(engine: Engine, limit: int = 50,
                  recipient: str | None = None) -> list[OutboxMessage]:
    """Newest first; optionally only those to one recipient."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}")
    query = sa.select(outbox_messages)
    if recipient is not None:
        query = query.where(outbox_messages.c.recipient == recipient.strip())
    # id breaks ties between messages written within the same clock tick.
    query = query.order_by(outbox_messages.c.created_at.desc(),
                           outbox_messages.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        OutboxMessage(
            id=row["id"],
            created_at=_as_utc(row["created_at"]),
            channel=row["channel"],
            recipient=row["recipient"],
            subject=row["subject"],
            body=row["body"],
            kind=row["kind"],
            account_id=row["account_id"],
            status=row["status"],
        )
        for row in rows
    ]


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything was written in UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
