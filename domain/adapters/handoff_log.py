"""Handoffs to 311 in the `handoffs` table (SQLAlchemy Core, one short transaction each)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, RowMapping

from domain.adapters.metadata import metadata
from domain.adapters.orm import UtcDateTime
from domain.model import Channel, Handoff, HandoffStatus
from domain.ports import HandoffLog

handoffs = sa.Table(
    "handoffs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("session_key", sa.String(64), nullable=False, index=True),
    sa.Column("caller", sa.String(20), nullable=True),
    sa.Column("language", sa.String(5), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("verified", sa.Boolean, nullable=False),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("masked_account", sa.String(24), nullable=True),
    sa.Column("last_step", sa.String(60), nullable=False),
    sa.Column("intent", sa.String(60), nullable=False),
    sa.Column("summary", sa.String(400), nullable=False),
    sa.Column("status", sa.String(12), nullable=False, index=True),
    sa.Column("taken_by", sa.String(40), nullable=True),
    sa.Column("taken_at", UtcDateTime(), nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    sa.Column("outcome", sa.String(40), nullable=True),
)

_FIELDS = ("created_at", "session_key", "caller", "language", "reason", "verified",
           "account_id", "masked_account", "last_step", "intent", "summary", "taken_by",
           "taken_at", "closed_at", "outcome")


class SqlHandoffLog(HandoffLog):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, handoff: Handoff) -> Handoff:
        values: dict[str, Any] = {name: getattr(handoff, name) for name in _FIELDS}
        values.update(channel=str(handoff.channel), status=str(handoff.status))
        with self._engine.begin() as conn:
            handoff.id = conn.execute(
                handoffs.insert().values(**values).returning(handoffs.c.id)).scalar_one()
        return handoff

    def get(self, handoff_id: int) -> Handoff | None:
        return self._one(sa.select(handoffs).where(handoffs.c.id == handoff_id))

    def latest_for_session(self, session_key: str) -> Handoff | None:
        return self._one(sa.select(handoffs).where(handoffs.c.session_key == session_key)
                         .order_by(handoffs.c.id.desc()).limit(1))

    def with_status(self, statuses: tuple[str, ...] = (), limit: int = 50) -> list[Handoff]:
        query = sa.select(handoffs).order_by(handoffs.c.id).limit(max(1, min(limit, 500)))
        if statuses:
            query = query.where(handoffs.c.status.in_([str(s) for s in statuses]))
        return self._many(query)

    def for_account(self, account_id: int, limit: int = 20) -> list[Handoff]:
        return self._many(sa.select(handoffs).where(handoffs.c.account_id == account_id)
                          .order_by(handoffs.c.id.desc()).limit(max(1, min(limit, 500))))

    def take(self, handoff_id: int, agent_id: str, at: datetime) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(
                handoffs.update()
                .where(handoffs.c.id == handoff_id, handoffs.c.status == HandoffStatus.OPEN)
                .values(status=str(HandoffStatus.TAKEN), taken_by=agent_id[:40], taken_at=at))
            return result.rowcount == 1

    def close(self, handoff_id: int, agent_id: str, outcome: str, at: datetime) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(
                handoffs.update()
                .where(handoffs.c.id == handoff_id, handoffs.c.status != HandoffStatus.CLOSED)
                .values(status=str(HandoffStatus.CLOSED), closed_at=at, outcome=outcome[:40],
                        # Closing an open handoff is taking it too: the record says who.
                        taken_by=sa.func.coalesce(handoffs.c.taken_by, agent_id[:40]),
                        taken_at=sa.func.coalesce(handoffs.c.taken_at, at)))
            return result.rowcount == 1

    def _many(self, query: sa.Select[Any]) -> list[Handoff]:
        with self._engine.connect() as conn:
            return [_handoff(row) for row in conn.execute(query).mappings()]

    def _one(self, query: sa.Select[Any]) -> Handoff | None:
        with self._engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _handoff(row) if row is not None else None


def _handoff(row: RowMapping) -> Handoff:
    values = {name: row[name] for name in _FIELDS}
    return Handoff(id=row["id"], channel=Channel(row["channel"]),
                   status=HandoffStatus(row["status"]), **values)
