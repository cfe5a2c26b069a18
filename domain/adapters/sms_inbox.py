"""Inbound texts by Twilio MessageSid, so a retried webhook never acts twice (docs/architecture.md
§5).

The first delivery claims the sid and, once handled, stores the replies it sent; a retry of
the same sid finds the claim and replays those replies instead of acting again. Message
bodies are never stored: they may hold account numbers or, redacted, card numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from domain.adapters.metadata import metadata
from domain.adapters.orm import UtcDateTime

MAX_SID = 64

sms_messages = sa.Table(
    "sms_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("message_sid", sa.String(MAX_SID), nullable=False, unique=True),
    sa.Column("phone", sa.String(20), nullable=False, index=True),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("handled_at", UtcDateTime(), nullable=True),
    sa.Column("replies", sa.Text, nullable=True),  # JSON list of the texts answered
)


@dataclass(frozen=True)
class Claim:
    first: bool  # True: this delivery handles the message; False: a retry
    replies: tuple[str, ...] = ()  # for a retry: what the first delivery answered (if done)


class SqlSmsInbox:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, message_sid: str, phone: str, at: datetime) -> Claim:
        try:
            with self._engine.begin() as conn:
                conn.execute(sms_messages.insert().values(
                    message_sid=message_sid[:MAX_SID], phone=phone, received_at=at))
            return Claim(first=True)
        except IntegrityError:
            with self._engine.connect() as conn:
                stored = conn.execute(sa.select(sms_messages.c.replies).where(
                    sms_messages.c.message_sid == message_sid[:MAX_SID])).scalar_one_or_none()
            return Claim(first=False, replies=tuple(json.loads(stored)) if stored else ())

    def answered(self, message_sid: str, replies: list[str], at: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(sms_messages.update()
                         .where(sms_messages.c.message_sid == message_sid[:MAX_SID])
                         .values(replies=json.dumps(replies), handled_at=at))
