"""311 agents, their console sessions and login attempts (SQLAlchemy Core, one short
transaction each). Sessions are stored by a SHA-256 hash of their token, passwords only as
scrypt hashes (domain/passwords.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from domain.adapters.database import SQLITE_BEGIN_OPTION
from domain.adapters.metadata import metadata
from domain.adapters.orm import UtcDateTime
from domain.model import Agent, AgentRole, AgentSession, SignInStep
from domain.ports import AgentStore, RecordedAttempt

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(40), nullable=False, unique=True),
    sa.Column("display_name", sa.String(80), nullable=False),
    sa.Column("role", sa.String(12), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("password_changed_at", UtcDateTime(), nullable=False),
    sa.Column("last_login_at", UtcDateTime(), nullable=True),
    sa.Column("mfa_secret", sa.String(255), nullable=True),  # sealed (Fernet)
    sa.Column("mfa_enabled_at", UtcDateTime(), nullable=True),
    sa.Column("mfa_last_step", sa.Integer, nullable=True),
)

agent_sessions = sa.Table(
    "agent_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False, index=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=False),
    sa.Column("ended_at", UtcDateTime(), nullable=True),
    sa.Column("remote_addr", sa.String(45), nullable=True),
)

# A sign-in (or enrolment) waiting for its one-time code; see SignInStep.
agent_sign_in_steps = sa.Table(
    "agent_sign_in_steps",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False, index=True),
    sa.Column("attempt_id", sa.Integer, nullable=True),
    sa.Column("pending_secret", sa.String(255), nullable=True),  # sealed (Fernet)
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("ended_at", UtcDateTime(), nullable=True),
    sa.Column("remote_addr", sa.String(45), nullable=True),
)

agent_login_attempts = sa.Table(
    "agent_login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime(), nullable=False, index=True),
    sa.Column("username", sa.String(40), nullable=False, index=True),
    sa.Column("remote_addr", sa.String(45), nullable=False, index=True),
    sa.Column("succeeded", sa.Boolean, nullable=False),
)


# pg_advisory_xact_lock's first key: the sign-in throttle's own class of locks.
_LOGIN_LOCK_CLASS = 0x61676E74  # "agnt"

_AGENT_FIELDS = ("username", "display_name", "password_hash", "active", "created_at",
                 "password_changed_at", "last_login_at", "mfa_secret", "mfa_enabled_at",
                 "mfa_last_step")


class SqlAgentStore(AgentStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # --- agents -------------------------------------------------------------------------

    def by_username(self, username: str) -> Agent | None:
        return self._one_agent(sa.select(agents).where(agents.c.username == username))

    def get(self, agent_id: int) -> Agent | None:
        return self._one_agent(sa.select(agents).where(agents.c.id == agent_id))

    def all(self) -> list[Agent]:
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(agents).order_by(agents.c.username)).mappings()
            return [_agent(row) for row in rows]

    def add(self, agent: Agent) -> bool:
        values: dict[str, Any] = {name: getattr(agent, name) for name in _AGENT_FIELDS}
        values["role"] = str(agent.role)
        try:
            with self._engine.begin() as conn:
                agent.id = conn.execute(
                    agents.insert().values(**values).returning(agents.c.id)).scalar_one()
        except sa.exc.IntegrityError:  # the username is taken (maybe by a concurrent add)
            return False
        return True

    def set_password(self, agent_id: int, password_hash: str, at: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(agents.update().where(agents.c.id == agent_id)
                         .values(password_hash=password_hash, password_changed_at=at))

    def set_active(self, agent_id: int, active: bool) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(agents.update()
                                  .where(agents.c.id == agent_id, agents.c.active != active)
                                  .values(active=active))
            return result.rowcount == 1

    def record_login(self, agent_id: int, at: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(agents.update().where(agents.c.id == agent_id)
                         .values(last_login_at=at))

    # --- one-time codes (MFA) ------------------------------------------------------------

    def enable_mfa(self, agent_id: int, sealed_secret: str, at: datetime, step: int) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(agents.update()
                                  .where(agents.c.id == agent_id,
                                         agents.c.mfa_enabled_at.is_(None))
                                  .values(mfa_secret=sealed_secret, mfa_enabled_at=at,
                                          mfa_last_step=step))
            return result.rowcount == 1

    def use_mfa_step(self, agent_id: int, step: int) -> bool:
        # One conditional UPDATE: of two requests with the same code, only one moves it on.
        with self._engine.begin() as conn:
            result = conn.execute(agents.update()
                                  .where(agents.c.id == agent_id,
                                         agents.c.mfa_enabled_at.is_not(None),
                                         sa.or_(agents.c.mfa_last_step.is_(None),
                                                agents.c.mfa_last_step < step))
                                  .values(mfa_last_step=step))
            return result.rowcount == 1

    def reset_mfa(self, agent_id: int) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(agents.update()
                                  .where(agents.c.id == agent_id,
                                         agents.c.mfa_secret.is_not(None))
                                  .values(mfa_secret=None, mfa_enabled_at=None,
                                          mfa_last_step=None))
            return result.rowcount == 1

    def add_sign_in_step(self, token_hash: str, agent_id: int, at: datetime,
                         attempt_id: int | None, pending_secret: str | None,
                         remote_addr: str | None) -> int:
        with self._engine.begin() as conn:
            return int(conn.execute(
                agent_sign_in_steps.insert()
                .values(token_hash=token_hash, agent_id=agent_id, created_at=at,
                        attempt_id=attempt_id, pending_secret=pending_secret,
                        remote_addr=remote_addr[:45] if remote_addr else None)
                .returning(agent_sign_in_steps.c.id)).scalar_one())

    def open_sign_in_step(self, token_hash: str) -> SignInStep | None:
        steps = agent_sign_in_steps
        query = (sa.select(agents, steps.c.id.label("step_id"),
                           steps.c.created_at.label("step_created_at"),
                           steps.c.attempt_id, steps.c.pending_secret)
                 .join(agents, agents.c.id == steps.c.agent_id)
                 .where(steps.c.token_hash == token_hash, steps.c.ended_at.is_(None)))
        with self._engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        return SignInStep(id=row["step_id"], agent=_agent(row),
                          created_at=row["step_created_at"], attempt_id=row["attempt_id"],
                          pending_secret=row["pending_secret"])

    def end_sign_in_step(self, step_id: int, at: datetime) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(agent_sign_in_steps.update()
                                  .where(agent_sign_in_steps.c.id == step_id,
                                         agent_sign_in_steps.c.ended_at.is_(None))
                                  .values(ended_at=at))
            return result.rowcount == 1

    def end_sign_in_steps_for_agent(self, agent_id: int, at: datetime) -> int:
        with self._engine.begin() as conn:
            result = conn.execute(agent_sign_in_steps.update()
                                  .where(agent_sign_in_steps.c.agent_id == agent_id,
                                         agent_sign_in_steps.c.ended_at.is_(None))
                                  .values(ended_at=at))
            return int(result.rowcount)

    # --- sessions -----------------------------------------------------------------------

    def add_session(self, token_hash: str, agent_id: int, at: datetime,
                    remote_addr: str | None) -> int:
        with self._engine.begin() as conn:
            return int(conn.execute(
                agent_sessions.insert()
                .values(token_hash=token_hash, agent_id=agent_id, created_at=at,
                        last_seen_at=at, remote_addr=remote_addr[:45] if remote_addr else None)
                .returning(agent_sessions.c.id)).scalar_one())

    def open_session(self, token_hash: str) -> AgentSession | None:
        query = (sa.select(agents,
                           agent_sessions.c.id.label("session_id"),
                           agent_sessions.c.created_at.label("session_created_at"),
                           agent_sessions.c.last_seen_at.label("session_last_seen_at"))
                 .join(agents, agents.c.id == agent_sessions.c.agent_id)
                 .where(agent_sessions.c.token_hash == token_hash,
                        agent_sessions.c.ended_at.is_(None)))
        with self._engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        return AgentSession(id=row["session_id"], agent=_agent(row),
                            created_at=row["session_created_at"],
                            last_seen_at=row["session_last_seen_at"])

    def touch_session(self, session_id: int, at: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(agent_sessions.update()
                         .where(agent_sessions.c.id == session_id,
                                agent_sessions.c.ended_at.is_(None),
                                agent_sessions.c.last_seen_at < at)
                         .values(last_seen_at=at))

    def end_session(self, session_id: int, at: datetime) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(agent_sessions.update()
                                  .where(agent_sessions.c.id == session_id,
                                         agent_sessions.c.ended_at.is_(None))
                                  .values(ended_at=at))
            return result.rowcount == 1

    def end_sessions_for_agent(self, agent_id: int, at: datetime) -> int:
        with self._engine.begin() as conn:
            result = conn.execute(agent_sessions.update()
                                  .where(agent_sessions.c.agent_id == agent_id,
                                         agent_sessions.c.ended_at.is_(None))
                                  .values(ended_at=at))
            return int(result.rowcount)

    # --- sign-in attempts (the throttle) -------------------------------------------------

    def add_login_attempt(self, username: str, remote_addr: str, at: datetime,
                          succeeded: bool) -> None:
        with self._engine.begin() as conn:
            conn.execute(agent_login_attempts.insert().values(
                username=username[:40], remote_addr=remote_addr[:45], at=at,
                succeeded=succeeded))

    def record_login_attempt(self, username: str, remote_addr: str, at: datetime, *,
                             since: datetime, username_limit: int,
                             address_limit: int) -> RecordedAttempt:
        # One transaction that first takes this username's and this address's turn:
        # PostgreSQL advisory locks (always the username's first, so two attempts never wait
        # for each other crosswise), SQLite's write lock (BEGIN IMMEDIATE). Both are held to
        # the commit, so the next attempt's count (a new statement, a new snapshot under READ
        # COMMITTED) sees this one's row.
        attempts = agent_login_attempts
        writer = self._engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with writer.begin() as conn:
            if conn.dialect.name == "postgresql":
                for key in (f"user:{username[:40]}", f"addr:{remote_addr[:45]}"):
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:class, hashtext(:key))"),
                                 {"class": _LOGIN_LOCK_CLASS, "key": key})
            by_user = self._times(conn, self._username_failures(username, since), username_limit)
            by_address = self._times(conn, self._address_failures(remote_addr, since),
                                     address_limit)
            attempt_id = int(conn.execute(attempts.insert().values(
                username=username[:40], remote_addr=remote_addr[:45], at=at, succeeded=False)
                .returning(attempts.c.id)).scalar_one())
        return RecordedAttempt(id=attempt_id, username_failures=by_user,
                               address_failures=by_address)

    def mark_login_attempts_succeeded(self, attempt_ids: Sequence[int]) -> None:
        if attempt_ids:
            with self._engine.begin() as conn:
                conn.execute(agent_login_attempts.update()
                             .where(agent_login_attempts.c.id.in_(list(attempt_ids)))
                             .values(succeeded=True))

    def remove_login_attempt(self, attempt_id: int) -> None:
        with self._engine.begin() as conn:
            conn.execute(agent_login_attempts.delete()
                         .where(agent_login_attempts.c.id == attempt_id,
                                agent_login_attempts.c.succeeded.is_(False)))

    def username_failures(self, username: str, since: datetime, limit: int) -> list[datetime]:
        with self._engine.connect() as conn:
            return self._times(conn, self._username_failures(username, since), limit)

    def address_failures(self, remote_addr: str, since: datetime,
                         limit: int) -> list[datetime]:
        with self._engine.connect() as conn:
            return self._times(conn, self._address_failures(remote_addr, since), limit)

    # --- helpers ------------------------------------------------------------------------

    @staticmethod
    def _username_failures(username: str, since: datetime) -> sa.Select[Any]:
        attempts = agent_login_attempts
        last_success = (sa.select(sa.func.max(attempts.c.id))
                        .where(attempts.c.username == username, attempts.c.succeeded.is_(True))
                        .scalar_subquery())
        return sa.select(attempts.c.at).where(
            attempts.c.username == username, attempts.c.succeeded.is_(False),
            attempts.c.at > since, attempts.c.id > sa.func.coalesce(last_success, 0))

    @staticmethod
    def _address_failures(remote_addr: str, since: datetime) -> sa.Select[Any]:
        attempts = agent_login_attempts
        return sa.select(attempts.c.at).where(
            attempts.c.remote_addr == remote_addr, attempts.c.succeeded.is_(False),
            attempts.c.at > since)

    @staticmethod
    def _times(conn: Connection, query: sa.Select[Any], limit: int) -> list[datetime]:
        query = query.order_by(agent_login_attempts.c.at.desc(),
                               agent_login_attempts.c.id.desc()).limit(max(1, limit))
        return list(conn.execute(query).scalars())

    def _one_agent(self, query: sa.Select[Any]) -> Agent | None:
        with self._engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _agent(row) if row is not None else None


def _agent(row: RowMapping) -> Agent:
    return Agent(id=row["id"], role=AgentRole(row["role"]),
                 **{name: row[name] for name in _AGENT_FIELDS})
