"""Conversation state of a channel (a phone call by CallSid, an SMS thread by sender), kept
in the database so any web worker can serve any turn (docs/architecture.md §6).

Saves are optimistic: `save` succeeds only if nobody saved since the state was loaded, so of
two copies of the same webhook processed at once exactly one moves the conversation on;
the other replays the winner's answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, RowMapping
from sqlalchemy.exc import IntegrityError

from domain.adapters.metadata import metadata
from domain.adapters.orm import UtcDateTime

MAX_DATA = 20_000  # characters of JSON: state is small; a runaway value is a bug

channel_sessions = sa.Table(
    "channel_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("session_key", sa.String(64), nullable=False),
    sa.Column("caller", sa.String(20), nullable=True),
    sa.Column("language", sa.String(5), nullable=False),
    sa.Column("step", sa.String(40), nullable=False),
    sa.Column("turn", sa.Integer, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("verified_at", UtcDateTime(), nullable=True),
    sa.Column("last_response", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("ended_at", UtcDateTime(), nullable=True),
    sa.Column("end_status", sa.String(20), nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.UniqueConstraint("channel", "session_key"),
)


@dataclass
class ChannelSession:
    channel: str
    session_key: str
    language: str
    step: str
    created_at: datetime
    updated_at: datetime
    turn: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    caller: str | None = None
    account_id: int | None = None  # set only once the resident is verified
    verified_at: datetime | None = None
    last_response: str | None = None  # the answer to turn `turn - 1`, replayed to retries
    ended_at: datetime | None = None
    end_status: str | None = None
    version: int = 0
    id: int | None = None

    @property
    def verified(self) -> bool:
        return self.account_id is not None and self.verified_at is not None


def live_session(channel: str, session_key: str) -> sa.Select[Any]:
    """The id of the session if it has not ended (a call still connected)."""
    return sa.select(channel_sessions.c.id).where(
        channel_sessions.c.channel == channel, channel_sessions.c.session_key == session_key,
        channel_sessions.c.ended_at.is_(None))


class SqlChannelSessionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def is_live(self, channel: str, session_key: str) -> bool:
        with self._engine.connect() as conn:
            return conn.execute(live_session(channel, session_key)).first() is not None

    def load(self, channel: str, session_key: str) -> ChannelSession | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(channel_sessions).where(
                channel_sessions.c.channel == channel,
                channel_sessions.c.session_key == session_key)).mappings().first()
        return _session(row) if row is not None else None

    def start(self, session: ChannelSession) -> ChannelSession:
        """Insert a new session, or return the one a concurrent/retried request created."""
        try:
            with self._engine.begin() as conn:
                session.id = conn.execute(channel_sessions.insert().values(
                    **_values(session), version=1).returning(channel_sessions.c.id)).scalar_one()
            session.version = 1
            return session
        except IntegrityError:
            existing = self.load(session.channel, session.session_key)
            if existing is None:  # pragma: no cover - the unique key said it exists
                raise
            return existing

    def save(self, session: ChannelSession) -> bool:
        """Write back if nobody saved since `session` was loaded; False if someone did."""
        with self._engine.begin() as conn:
            result = conn.execute(
                channel_sessions.update()
                .where(channel_sessions.c.id == session.id,
                       channel_sessions.c.version == session.version)
                .values(**_values(session), version=session.version + 1))
        if result.rowcount != 1:
            return False
        session.version += 1
        return True


def _values(session: ChannelSession) -> dict[str, Any]:
    data = json.dumps(session.data, separators=(",", ":"), sort_keys=True)
    if len(data) > MAX_DATA:
        raise ValueError("conversation state too large")
    return {
        "channel": session.channel, "session_key": session.session_key[:64],
        "caller": session.caller, "language": session.language, "step": session.step[:40],
        "turn": session.turn, "data": data, "account_id": session.account_id,
        "verified_at": session.verified_at, "last_response": session.last_response,
        "created_at": session.created_at, "updated_at": session.updated_at,
        "ended_at": session.ended_at, "end_status": session.end_status,
    }


def _session(row: RowMapping) -> ChannelSession:
    try:
        data = json.loads(row["data"] or "{}")
    except ValueError:
        data = {}
    return ChannelSession(
        id=row["id"], channel=row["channel"], session_key=row["session_key"],
        caller=row["caller"], language=row["language"], step=row["step"], turn=row["turn"],
        data=data if isinstance(data, dict) else {}, account_id=row["account_id"],
        verified_at=row["verified_at"], last_response=row["last_response"],
        created_at=row["created_at"], updated_at=row["updated_at"], ended_at=row["ended_at"],
        end_status=row["end_status"], version=row["version"])
