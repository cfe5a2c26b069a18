"""The sandbox's stand-in for Twilio's "redirect a live call" REST API (SQLAlchemy Core).

`SandboxCallControl.redirect` is what Twilio's Calls API does for `PAYLINE_CALL_CONTROL=sandbox`:
it accepts a redirect only for a call that is live here (a voice channel session that has not
ended), and queues it. The phone simulator plays Twilio's side: while its caller is with the
agent it asks `/sandbox/calls/redirect`, which `claim`s the oldest queued redirect of its call
exactly once, and fetches that URL as the call's next TwiML.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from domain.adapters.channel_sessions import live_session
from domain.adapters.database import SQLITE_BEGIN_OPTION
from domain.adapters.metadata import metadata
from domain.adapters.orm import UtcDateTime
from domain.errors import CallControlUnavailable, CallNotLive
from domain.ports import CallControl, Clock

VOICE = "voice"
MAX_URL = 500

sandbox_call_redirects = sa.Table(
    "sandbox_call_redirects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("call_sid", sa.String(64), nullable=False, index=True),
    sa.Column("url", sa.String(500), nullable=False),
    sa.Column("method", sa.String(4), nullable=False),
    sa.Column("requested_at", UtcDateTime(), nullable=False),
    sa.Column("delivered_at", UtcDateTime(), nullable=True),
)


class SandboxCallControl(CallControl):
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def redirect(self, call_sid: str, url: str) -> None:
        if not call_sid or len(call_sid) > 64:
            raise CallNotLive()
        if not url or len(url) > MAX_URL:
            raise CallControlUnavailable()  # Twilio would refuse it as an invalid Url too
        # Read then write: on SQLite take the write lock first, or two writers deadlock.
        writer = self._engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with writer.begin() as conn:
            if conn.execute(live_session(VOICE, call_sid)).first() is None:
                raise CallNotLive()
            conn.execute(sandbox_call_redirects.insert().values(
                call_sid=call_sid, url=url, method="POST", requested_at=self._clock.now()))

    def claim(self, call_sid: str) -> tuple[str, str] | None:
        """The oldest redirect of the call not yet delivered, as (url, method), marked
        delivered; None when there is none. Of two concurrent claims exactly one gets it."""
        table = sandbox_call_redirects
        oldest = (sa.select(sa.func.min(table.c.id))
                  .where(table.c.call_sid == call_sid, table.c.delivered_at.is_(None))
                  .scalar_subquery())
        for _ in range(5):  # another poller took the one we aimed at: aim again
            # One conditional UPDATE: atomic everywhere, no read-then-write to deadlock on.
            with self._engine.begin() as conn:
                row = conn.execute(
                    table.update()
                    .where(table.c.id == oldest, table.c.delivered_at.is_(None))
                    .values(delivered_at=self._clock.now())
                    .returning(table.c.url, table.c.method)).first()
            if row is not None:
                return str(row.url), str(row.method)
            if not self._waiting(call_sid):
                return None
        return None

    def _waiting(self, call_sid: str) -> bool:
        table = sandbox_call_redirects
        with self._engine.connect() as conn:
            return conn.execute(sa.select(table.c.id).where(
                table.c.call_sid == call_sid, table.c.delivered_at.is_(None)).limit(1)
            ).first() is not None
