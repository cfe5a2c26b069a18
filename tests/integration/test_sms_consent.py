"""SqlSmsConsent on SQLite and PostgreSQL, migrated with the real migrations: STOP, START,
STOP again, numbers never seen, repeats, and numbers written differently."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from domain.adapters.sms_consent import SqlSmsConsent, sms_opt_outs
from domain.ports import SmsConsent

CHICAGO = ZoneInfo("America/Chicago")
T0 = datetime(2026, 11, 22, 10, 0, tzinfo=CHICAGO)
ANA = "+13125550101"
BEN = "+13125550102"


def rows(engine: Engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(sms_opt_outs).order_by(sms_opt_outs.c.phone)))


def test_is_the_port(engine: Engine) -> None:
    assert isinstance(SqlSmsConsent(engine), SmsConsent)


def test_a_number_never_seen_is_not_opted_out(engine: Engine) -> None:
    consent = SqlSmsConsent(engine)
    assert consent.is_opted_out(ANA) is False
    assert rows(engine) == []


def test_stop_then_start_then_stop_again(engine: Engine) -> None:
    consent = SqlSmsConsent(engine)
    consent.opt_out(ANA, T0, "STOP")
    assert consent.is_opted_out(ANA) is True
    assert consent.is_opted_out(BEN) is False  # one number's STOP is only its own

    consent.opt_in(ANA, T0 + timedelta(hours=1), "START")
    assert consent.is_opted_out(ANA) is False

    consent.opt_out(ANA, T0 + timedelta(hours=2), "twilio-21610")
    assert consent.is_opted_out(ANA) is True
    # One row per number, kept on opt-in: the last change and its source are on record.
    ((phone, opted_out, changed_at, source),) = rows(engine)
    assert (phone, bool(opted_out), source) == (ANA, True, "twilio-21610")
    assert changed_at == T0 + timedelta(hours=2)  # the same instant, on both backends


def test_repeating_a_change_is_harmless(engine: Engine) -> None:
    consent = SqlSmsConsent(engine)
    consent.opt_out(ANA, T0, "STOP")
    consent.opt_out(ANA, T0 + timedelta(minutes=1), "STOP")
    assert consent.is_opted_out(ANA) is True
    consent.opt_in(ANA, T0 + timedelta(minutes=2), "START")
    consent.opt_in(ANA, T0 + timedelta(minutes=3), "START")
    assert consent.is_opted_out(ANA) is False
    assert [(r.phone, bool(r.opted_out)) for r in rows(engine)] == [(ANA, False)]


def test_opting_in_a_number_never_seen_records_it_as_not_opted_out(engine: Engine) -> None:
    consent = SqlSmsConsent(engine)
    consent.opt_in(BEN, T0, "START")
    assert consent.is_opted_out(BEN) is False
    assert [(r.phone, bool(r.opted_out), r.source) for r in rows(engine)] == [
        (BEN, False, "START")]


def test_numbers_are_one_however_they_are_written(engine: Engine) -> None:
    consent = SqlSmsConsent(engine)
    consent.opt_out("(312) 555-0101", T0, "STOP")
    assert consent.is_opted_out(ANA) is True
    assert consent.is_opted_out("312.555.0101") is True
    consent.opt_in("+1 312 555 0101", T0 + timedelta(minutes=1), "START")
    assert consent.is_opted_out(ANA) is False
    assert [r.phone for r in rows(engine)] == [ANA]


def test_a_long_source_is_cut_to_fit(engine: Engine) -> None:
    consent = SqlSmsConsent(engine)
    consent.opt_out(ANA, T0, "x" * 100)
    (row,) = rows(engine)
    assert row.source == "x" * 32
