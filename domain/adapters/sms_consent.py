"""SMS opt-outs in the `sms_opt_outs` table: one row per number that ever texted STOP (or that
Twilio reported as unsubscribed, error 21610), flipped back by START. Kept, not deleted, on
opt-in, so the last change and its source stay on record for the city."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from domain.adapters.metadata import metadata
from domain.adapters.orm import UtcDateTime
from domain.phone import normalize_phone
from domain.ports import SmsConsent

MAX_SOURCE = 32

sms_opt_outs = sa.Table(
    "sms_opt_outs",
    metadata,
    sa.Column("phone", sa.String(20), primary_key=True),
    sa.Column("opted_out", sa.Boolean, nullable=False),
    sa.Column("changed_at", UtcDateTime(), nullable=False),
    sa.Column("source", sa.String(MAX_SOURCE), nullable=False),
)


class SqlSmsConsent(SmsConsent):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def is_opted_out(self, phone: str) -> bool:
        with self._engine.connect() as conn:
            value = conn.execute(sa.select(sms_opt_outs.c.opted_out).where(
                sms_opt_outs.c.phone == normalize_phone(phone))).scalar_one_or_none()
        return bool(value)

    def opt_out(self, phone: str, at: datetime, source: str) -> None:
        self._record(phone, True, at, source)

    def opt_in(self, phone: str, at: datetime, source: str) -> None:
        self._record(phone, False, at, source)

    def _record(self, phone: str, opted_out: bool, at: datetime, source: str) -> None:
        number = normalize_phone(phone)
        values = {"opted_out": opted_out, "changed_at": at, "source": source[:MAX_SOURCE]}
        with self._engine.begin() as conn:
            updated = conn.execute(sms_opt_outs.update()
                                   .where(sms_opt_outs.c.phone == number).values(**values))
            if updated.rowcount == 0:
                try:
                    with conn.begin_nested():
                        conn.execute(sms_opt_outs.insert().values(phone=number, **values))
                except sa.exc.IntegrityError:  # a concurrent STOP inserted it first
                    conn.execute(sms_opt_outs.update()
                                 .where(sms_opt_outs.c.phone == number).values(**values))
